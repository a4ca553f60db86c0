"""The text of a report's ``summary.md``.

Every string that came from the user (the spec's title, group labels, covariate and prior
set names, the time unit, labels of a published table) goes through
:func:`bayesurv.base.formatting.escape_markdown` (or is a table cell, which
:func:`bayesurv.base.formatting.markdown_table` escapes), so it reads literally.  With
several treated groups each is compared with the reference group.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from bayesurv.base.formatting import (
    escape_markdown,
    format_hr,
    format_probability,
    inline_code,
    markdown_table,
)
from bayesurv.inference import summaries
from bayesurv.inference.fit import Fit
from bayesurv.inference.predictive import PredictiveCheck
from bayesurv.runner.analysis_result import AnalysisResult
from bayesurv.runner.report_estimands import covariate_section, estimands_section
from bayesurv.runner.report_reconstruction import reconstruction_section
from bayesurv.runner.report_sensitivity import sensitivity_sections
from bayesurv.runner.spec import Spec

__all__ = ["comparison_display", "sensitivity_display", "summary_head", "summary_markdown"]


def summary_head(spec, diagnostics) -> list[str]:
    """The title, a warning with every convergence problem, and the data's provenance: the
    first lines of every report's ``summary.md``."""
    lines = [f"# {escape_markdown(spec.title)}", ""]
    if not diagnostics.ok:
        lines += ["> **Convergence problems: do not trust these numbers yet.**", ">"]
        lines += [f"> - {escape_markdown(p)}" for p in diagnostics.problems] + [""]
    note = spec.data_note()
    if note:
        lines += [f"**Data provenance.** {escape_markdown(note)}", ""]
    return lines


def summary_markdown(result: AnalysisResult, figures: dict, out: Path,
                     predictive: PredictiveCheck | None = None) -> str:
    """The report's front page (with the posterior predictive check when ``predictive`` is
    given).

    Examples
    --------
    Normally called by :func:`bayesurv.runner.report.write_report` on the result of
    :func:`bayesurv.runner.report.run_analysis`; here the result is assembled from an
    existing fit:

    >>> from pathlib import Path
    >>> from bayesurv.runner.report import AnalysisResult
    >>> from bayesurv.runner.spec import Spec
    >>> spec = Spec.from_dict({"data": {"source": "shi2021"},
    ...                        "model": {"type": "piecewise", "cuts": [13]}})
    >>> result = AnalysisResult(spec, data, pw_fit, bs.compare(pw_fit, data), None,
    ...                         pw_fit.diagnostics(warn=False), bs.frequentist.cox(data),
    ...                         bs.frequentist.logrank(data))
    >>> text = summary_markdown(result, figures={}, out=Path("report"))
    >>> [line for line in text.splitlines() if line.startswith("## ")][:3]
    ['## Data', '## Model', '## Hazard ratios: UC-MSC vs control (HR < 1 favours UC-MSC)']
    """
    spec, fit, data = result.spec, result.fit, result.data
    unit = escape_markdown(fit.time_unit)
    lines = summary_head(spec, result.diagnostics)
    lines += ["## Data", "", f"Source: {escape_markdown(data.source)}; time unit: {unit}.", "",
              markdown_table(data.summary(), floatfmt=".1f"), ""]
    if result.reconstruction is not None:
        lines += ["Reconstruction from the digitized curves (Guyot et al. 2012):", "",
                  markdown_table(result.reconstruction, floatfmt=".4f"), ""]
    lines += reconstruction_section(fit)
    if data.covariate_names:
        lines += [f"Covariates: {escape_markdown(', '.join(data.covariate_names))} (the model "
                  "standardizes each by its mean and SD; the Cox models are adjusted for the "
                  "same).", ""]
    lines += _model_section(fit)
    lines += _comparison_section(result, fit.time_unit)
    lines += estimands_section(result.estimands, fit.time_unit, data.covariate_names)
    lines += covariate_section(fit.covariate_effects())
    if fit.has_changepoint:
        cp = fit.changepoint_summary()
        lines += ["## When does the effect change?", "",
                  f"Posterior of the change-point tau: mode {cp['mode']:g} {unit}, median "
                  f"{cp['median']:g}, {cp.attrs['interval']} interval {cp['lower']:g}-"
                  f"{cp['upper']:g} {unit}. "
                  "P(tau in window), per landmark window, is in the table above.", ""]
    if result.prior_sensitivity is not None:
        lines += ["## Prior sensitivity", "",
                  "The same model under other priors for the log hazard ratio (other priors "
                  f"unchanged){_refit_note(spec, fit)}; 95% equal-tailed intervals:", ""]
        lines += [markdown_table(sensitivity_display(result.prior_sensitivity)), ""]
    if predictive is not None:
        lines += predictive_section(predictive)
    lines += sensitivity_sections(result.sensitivities, fit.time_unit)
    lines += _diagnostics_section(result)
    lines += ["## Figures", "", "Each figure is also in `figures/` as SVG (same name, `.svg`); "
              "the PNG files are 300 dpi, a journal page wide.", ""]
    for name, path in figures.items():
        rel = Path(path).relative_to(out)
        lines += [f"![{escape_markdown(name)}]({rel.as_posix()})", ""]
    lines += _reproduce_section(result)
    return "\n".join(lines)


def _model_section(fit: Fit) -> list[str]:
    unit = escape_markdown(fit.time_unit)
    what = fit.model.describe(summaries.constant_arrays(fit.idata), fit.time_unit)
    baseline = fit.idata.constant_data["baseline_edges"].to_numpy()
    priors = pd.DataFrame(fit.priors.table(), columns=["role", "prior"])
    return ["## Model", "", escape_markdown(what),
            f"Baseline hazard: {baseline.size} pieces starting at "
            f"{', '.join(f'{b:g}' for b in baseline)} {unit}, random-walk smoothed.", "",
            f"Priors (set {escape_markdown(fit.priors.name)}):", "", markdown_table(priors), ""]


def comparison_display(comparison: pd.DataFrame, time_unit: str) -> pd.DataFrame:
    """The :func:`bayesurv.compare` table as a report shows it: one formatted text per cell.

    A ``group`` column names the treated group of each row when there are several.

    Examples
    --------
    >>> table = comparison_display(bs.compare(pw_fit, data), "months")
    >>> list(table.columns)[:3], table["window"].tolist()
    (['window', 'Bayesian HR (95% CrI)', 'P(HR < 1)'], ['0-13 months', '13+ months'])
    """
    c = comparison
    rows = pd.DataFrame({"window": [f"{w} {time_unit}" for w in c["window"]]})
    if c["group"].nunique() > 1:
        rows["group"] = c["group"]
    rows["Bayesian HR (95% CrI)"] = [format_hr(r.bayes_hr, r.bayes_lower, r.bayes_upper)
                                     for r in c.itertuples()]
    rows["P(HR < 1)"] = [format_probability(p) for p in c["p_benefit"]]
    if "p_tau_in_window" in c.columns:
        rows["P(tau in window)"] = [f"{p:.2f}" for p in c["p_tau_in_window"]]
    adjusted = c["freq_adjusted_for"].iloc[0] if "freq_adjusted_for" in c.columns else ""
    cox_name = "landmark Cox HR" + (f" adjusted for {escape_markdown(adjusted)}" if adjusted
                                    else "")
    rows[f"{cox_name} (95% CI)"] = [format_hr(r.freq_hr, r.freq_lower, r.freq_upper)
                                    for r in c.itertuples()]
    rows["Cox p"] = [format_probability(p) for p in c["freq_p"]]
    rows["events"] = c["freq_events"]
    if "published_hr" in c.columns:
        rows["published HR (95% CI)"] = [
            format_hr(r.published_hr, r.published_lower, r.published_upper)
            for r in c.itertuples()]
        rows["published p"] = [f"{p:.3g}" if np.isfinite(p) else "" for p in c["published_p"]]
    return rows


def sensitivity_display(prior_sensitivity: pd.DataFrame) -> pd.DataFrame:
    """The :func:`bayesurv.compare_priors` table as a report shows it.

    A ``group`` column names the treated group of each row when there are several.

    Examples
    --------
    >>> table = bs.compare_priors(bs.PiecewiseExponential(cuts=[13]), data, priors=["default"],
    ...                           fits={"default": pw_fit})
    >>> list(sensitivity_display(table).columns)
    ['prior set', 'log HR prior', 'period', 'HR (95% CrI)', 'P(HR < 1)']
    >>> several = table.assign(group=["a", "b"])
    >>> list(sensitivity_display(several).columns)[:4]
    ['prior set', 'log HR prior', 'period', 'group']
    """
    ps = prior_sensitivity
    rows = pd.DataFrame({
        "prior set": ps["prior"],
        "log HR prior": ps["log_hr_prior"],
        "period": ps["period"],
    })
    if "group" in ps.columns and ps["group"].nunique() > 1:
        rows["group"] = ps["group"]
    rows["HR (95% CrI)"] = [format_hr(r.median, r.lower, r.upper) for r in ps.itertuples()]
    rows["P(HR < 1)"] = [format_probability(p) for p in ps["p_benefit"]]
    if "tau_mode" in ps.columns:
        rows["tau: mode (95% interval)"] = [f"{r.tau_mode:g} ({r.tau_lower:g}-{r.tau_upper:g})"
                                            for r in ps.itertuples()]
    return rows


def _comparison_section(result: AnalysisResult, time_unit: str) -> list[str]:
    ref = escape_markdown(result.data.reference)
    treated = [escape_markdown(g) for g in result.data.treated]
    if len(treated) == 1:
        heading = f"{treated[0]} vs {ref} (HR < 1 favours {treated[0]})"
    else:
        heading = f"each of {', '.join(treated)} vs {ref} (HR < 1 favours the treated group)"
    rows = comparison_display(result.comparison, time_unit)
    text = [f"## Hazard ratios: {heading}", "",
            "Bayesian: posterior median and 95% equal-tailed credible interval (CrI) of the HR "
            "in each window "
            "(the model's HR averaged over the window's time; for a change-point fit, given "
            "each draw's tau). Landmark: Cox model fitted to each window (its HR weights the "
            "window's times by their events, so it need not equal the time average). Published "
            "HRs are shown in this "
            "orientation (inverted when the paper used the other).", "",
            markdown_table(rows, floatfmt=".3g"), ""]
    return [*text, _overall_sentence(result), ""]


def _overall_sentence(result: AnalysisResult) -> str:
    """The overall Cox HR of each treated group and the log-rank test of all groups."""
    cox, logrank = result.cox, result.logrank.iloc[0]
    covariates = [name for name in cox["term"] if name in result.data.covariate_names]
    cox = cox[~cox["term"].isin(covariates)]
    ref = escape_markdown(result.data.reference)
    hrs = [f"{format_hr(r['hr'], r['lower'], r['upper'])}, p = {r['p']:.3g}"
           for _, r in cox.iterrows()]
    if len(cox) == 1:
        overall = f"Overall Cox HR {hrs[0]}"
    else:
        overall = "Overall Cox HR " + "; ".join(
            f"{escape_markdown(term)} vs {ref} {hr}" for term, hr in zip(cox["term"], hrs,
                                                                         strict=True))
    if covariates:
        overall += f" (adjusted for {escape_markdown(', '.join(covariates))})"
    across = "" if len(cox) == 1 else f" ({len(cox) + 1} groups, {logrank['df']:g} df)"
    return (f"{overall}; log-rank chi-square {logrank['statistic']:.2f}{across}, "
            f"p = {logrank['p']:.3g}.")


def _refit_note(spec: Spec, fit: Fit) -> str:
    s = fit.sampler_settings
    refit = spec.sensitivity_settings(s)
    if refit["draws"] == s["draws"] and refit["tune"] == s["tune"]:
        return ""
    return (f"; the other prior sets were refitted with {refit['chains']} chains x "
            f"{refit['draws']} draws after {refit['tune']} tuning steps")


def predictive_section(check: PredictiveCheck) -> list[str]:
    """The report's posterior predictive check: coverage of the band per arm.

    Examples
    --------
    >>> lines = predictive_section(pw_fit.predictive_check(draws=50))
    >>> lines[0]
    '## Does the model reproduce the data?'
    >>> print(lines[-2])
    | group | grid times | inside the band | coverage |
    |---|---:|---:|---|
    | control | 192 | 192 | 100% |
    | UC-MSC | 200 | 200 | 100% |
    """
    rows = pd.DataFrame({"group": check.coverage["group"],
                         "grid times": check.coverage["points"],
                         "inside the band": check.coverage["inside"],
                         "coverage": [f"{c:.0%}" for c in check.coverage["coverage"]]})
    return ["## Does the model reproduce the data?", "",
            f"Posterior predictive check: {check.draws} trials replicated from as many "
            "posterior draws, with the same patients and censoring (a patient with an event is "
            "censored at a time drawn from the arm's censoring distribution, given that it "
            "comes after the event). The observed Kaplan-Meier curve lies inside the "
            f"{check.mass:.0%} band of the replicated curves at {check.overall_coverage:.0%} "
            "of the grid times within each arm's follow-up; a model that "
            "reproduces the data keeps it inside at about "
            f"{check.mass:.0%} or more. Band per time: `tables/predictive_check.csv`; figure: "
            "`figures/predictive_check.png`.", "", markdown_table(rows), ""]


def _diagnostics_section(result: AnalysisResult) -> list[str]:
    d = result.diagnostics
    status = "all checks passed" if d.ok else "**PROBLEMS** (see the top of this page)"
    return ["## Sampling diagnostics", "",
            f"{d.chains} chains x {d.draws} draws: {status}. Max R-hat {d.max_r_hat:.3f} "
            f"(threshold 1.01), min bulk ESS {d.min_ess_bulk:.0f} (threshold 400), "
            f"{d.divergences} divergent transitions.", ""]


def _display_path(path: Path) -> str:
    """The spec path as the user would type it: relative to the working folder if inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.name


def _reproduce_section(result: AnalysisResult) -> list[str]:
    fit = result.fit
    s = fit.sampler_settings
    spec_path = _display_path(result.spec.path) if result.spec.path else "SPEC"
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
    command = f"bayesurv run {spec_path} --seed {s['random_seed']}"
    settings = json.dumps(fit.settings, separators=(",", ":"))
    return ["## Reproduce", "",
            f"{inline_code(command)} "
            f"(bayesurv {fit.version}; {s['sampler']} NUTS, {s['chains']} chains x "
            f"{s['draws']} draws after {s['tune']} tuning steps, target_accept "
            f"{s['target_accept']}). The posterior, the spec and the data summary are in "
            "`posterior.nc`.", "", f"Timings: {timing}.", "",
            f"Settings as JSON: {inline_code(settings)}", ""]
