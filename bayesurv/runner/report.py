"""Run an analysis spec and write its report folder.

The folder holds ``summary.md`` (the whole story in one page), ``tables/*.csv``,
``figures/*.png`` and ``posterior.nc`` (the fit, with the spec, the data summary and the
package version inside).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bayesurv import frequentist
from bayesurv.base.formatting import format_hr, format_probability, markdown_table
from bayesurv.comparison.tables import compare, compare_priors
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference import summaries
from bayesurv.inference.diagnostics import Diagnostics
from bayesurv.inference.fit import Fit
from bayesurv.runner.spec import Spec
from bayesurv.runner.spec_sources import SpecInputs, load_inputs
from bayesurv.runner.termination import removed_if_terminated, signals_deferred

__all__ = ["AnalysisResult", "comparison_display", "run_analysis", "sensitivity_display",
           "write_report"]


@dataclass
class AnalysisResult:
    """Everything an analysis produced, before it is written to disk.

    Made by :func:`run_analysis`; :func:`write_report` writes it.  Attributes: the ``spec``,
    the ``data``, the ``fit``, the ``comparison`` table of :func:`bayesurv.compare`, the
    ``prior_sensitivity`` table (or None), the ``diagnostics``, the overall ``cox`` and
    ``logrank`` tables, the ``reconstruction`` diagnostics for digitized data (or None) and
    the ``timings`` of each stage in seconds.

    Examples
    --------
    >>> from bayesurv.runner.spec import Spec
    >>> spec = Spec.from_dict({"data": {"source": "shi2021"},
    ...                        "model": {"type": "piecewise", "cuts": [13]}})
    >>> result = run_analysis(spec, draws=100, chains=2, seed=1, progress=False,
    ...                       log=lambda message: None)
    >>> type(result).__name__, result.fit.kind
    ('AnalysisResult', 'piecewise')
    """

    spec: Spec
    data: SurvivalData
    fit: Fit
    comparison: pd.DataFrame
    prior_sensitivity: pd.DataFrame | None
    diagnostics: Diagnostics
    cox: pd.DataFrame
    logrank: pd.DataFrame
    reconstruction: pd.DataFrame | None = None
    timings: dict = field(default_factory=dict)


def run_analysis(spec: Spec, draws=None, tune=None, chains=None, seed=None,
                 progress: bool = True, log: Callable[[str], None] = print,
                 inputs: SpecInputs | None = None) -> AnalysisResult:
    """Fit the spec's model and compute every table of the report.

    Parameters
    ----------
    spec : Spec
        The analysis (see :mod:`bayesurv.runner.spec`).
    draws, tune, chains, seed : int, optional
        Override the spec's sampler settings (e.g. tiny runs in tests).
    progress : bool
        Show the sampler's progress bar.
    log : callable
        Receives one line per stage.
    inputs : SpecInputs, optional
        The spec's data and published table, when already read (see
        :func:`~bayesurv.runner.spec_sources.load_inputs`).

    Returns
    -------
    AnalysisResult

    Examples
    --------
    >>> from bayesurv.runner.spec import Spec
    >>> spec = Spec.from_dict({"data": {"source": "shi2021"},
    ...                        "model": {"type": "piecewise", "cuts": [13]}})
    >>> result = run_analysis(spec, draws=100, chains=2, seed=1, progress=False,
    ...                       log=lambda message: None)
    >>> result.comparison["window"].tolist()
    ['0-13', '13+']
    """
    timings = {}
    start = time.perf_counter()
    inputs = inputs or load_inputs(spec)
    data, reconstruction = inputs.data, inputs.reconstruction
    model = spec.build_model()
    settings = spec.sampler_settings(draws=draws, tune=tune, chains=chains, seed=seed)
    settings["progressbar"] = progress
    timings["data"] = time.perf_counter() - start
    log(f"{spec.name}: fitting {type(model).__name__} to {data.n} patients, {data.n_events} "
        f"events ({settings['chains']} chains x {settings['draws']} draws)")
    start = time.perf_counter()
    fit = model.fit(data, **settings)
    timings["fit"] = time.perf_counter() - start
    timings["sampling"] = fit.sampler_settings["sampling_seconds"]

    landmarks = spec.compare.get("landmarks")
    comparison = compare(fit, data, inputs.published, landmarks=landmarks,
                         published_orientation=spec.compare.get("published_orientation"))
    sensitivity = None
    prior_sets = spec.compare.get("prior_sensitivity", [])
    if prior_sets:
        log(f"{spec.name}: prior sensitivity under {', '.join(prior_sets)}")
        start = time.perf_counter()
        sensitivity = compare_priors(model, data, prior_sets, fits={fit.priors.name: fit},
                                     **spec.sensitivity_settings(settings))
        timings["prior_sensitivity"] = time.perf_counter() - start
    return AnalysisResult(spec=spec, data=data, fit=fit, comparison=comparison,
                          prior_sensitivity=sensitivity,
                          diagnostics=fit.diagnostics(warn=False),
                          cox=frequentist.cox(data), logrank=frequentist.logrank(data),
                          reconstruction=reconstruction, timings=timings)


def write_report(result: AnalysisResult, out_dir, log: Callable[[str], None] = print) -> Path:
    """Write ``summary.md``, ``tables/``, ``figures/`` and ``posterior.nc`` under ``out_dir``.

    Parameters
    ----------
    result : AnalysisResult
        From :func:`run_analysis`.
    out_dir : str or pathlib.Path
        The report folder (created if missing).
    log : callable
        Receives a line when the report is written.

    Returns
    -------
    pathlib.Path
        The report folder.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from bayesurv.runner.spec import Spec
    >>> spec = Spec.from_dict({"data": {"source": "shi2021"},
    ...                        "model": {"type": "piecewise", "cuts": [13]}})
    >>> result = run_analysis(spec, draws=100, chains=2, seed=1, progress=False,
    ...                       log=lambda message: None)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = write_report(result, folder, log=lambda message: None)
    ...     sorted(p.name for p in out.iterdir())
    ['figures', 'posterior.nc', 'summary.md', 'tables']
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    # built in a temporary sibling and swapped in whole: an interrupted or failed run leaves
    # the previous report exactly as it was, and no file of an earlier run survives a rerun
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    with removed_if_terminated(staging):
        try:
            _write_report_files(result, staging)
            _swap_into_place(staging, out)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    log(f"{result.spec.name}: report written to {out}")
    return out


def _swap_into_place(staging: Path, out: Path) -> None:
    """Replace the folder ``out`` by ``staging`` (the old one is removed once replaced)."""
    if not out.exists():
        os.replace(staging, out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    with removed_if_terminated(retired):
        with signals_deferred():  # never one folder without the other
            os.replace(out, retired / "report")
            os.replace(staging, out)
        shutil.rmtree(retired, ignore_errors=True)


def _write_report_files(result: AnalysisResult, out: Path) -> None:
    """Every file of the report, written into the (new, empty) folder ``out``."""
    from bayesurv.plotting.figures import save_figures

    tables_dir, figures_dir = out / "tables", out / "figures"
    tables_dir.mkdir(parents=True, exist_ok=True)
    figures_dir.mkdir(parents=True, exist_ok=True)
    fit, data = result.fit, result.data
    landmarks = [float(x) for x in result.comparison["start"].iloc[1:]]
    times = np.linspace(0.0, fit.max_time, 201)
    tables = {
        "data_summary": data.summary(),
        "comparison": result.comparison,
        "hazard_ratios": fit.hazard_ratios(),
        "hazard_ratio_curve": fit.hazard_ratio_curve(times),
        "survival": fit.survival(times),
        "cox": result.cox,
        "logrank": result.logrank,
        "diagnostics": result.diagnostics.table,
    }
    if fit.has_changepoint:
        tables["changepoint"] = fit.changepoint()
        tables["changepoint_summary"] = fit.changepoint_summary().to_frame("value")
    if result.prior_sensitivity is not None:
        tables["prior_sensitivity"] = result.prior_sensitivity
    if result.reconstruction is not None:
        tables["reconstruction"] = result.reconstruction
    for name, table in tables.items():
        table.to_csv(tables_dir / f"{name}.csv", index=name == "changepoint_summary")
    figures = save_figures(fit, data, figures_dir, compare_table=result.comparison,
                           landmarks=landmarks, caption=result.spec.figure_caption(),
                           outcome=result.spec.outcome())
    fit.to_netcdf(out / "posterior.nc", notes={"spec": result.spec.text})
    (out / "summary.md").write_text(summary_markdown(result, figures, out), encoding="utf-8")


def summary_markdown(result: AnalysisResult, figures: dict, out: Path) -> str:
    """The report's front page.

    Examples
    --------
    Normally called by :func:`write_report` on the result of :func:`run_analysis`; here the
    result is assembled from an existing fit:

    >>> from pathlib import Path
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
    unit = fit.time_unit
    lines = [f"# {spec.title}", ""]
    if not result.diagnostics.ok:
        lines += ["> **Convergence problems: do not trust these numbers yet.**", ">"]
        lines += [f"> - {p}" for p in result.diagnostics.problems] + [""]
    note = spec.data_note()
    if note:
        lines += [f"**Data provenance.** {note}", ""]
    lines += ["## Data", "", f"Source: {data.source}; time unit: {unit}.", "",
              markdown_table(data.summary(), floatfmt=".1f"), ""]
    if result.reconstruction is not None:
        lines += ["Reconstruction from the digitized curves (Guyot et al. 2012):", "",
                  markdown_table(result.reconstruction, floatfmt=".4f"), ""]
    lines += _model_section(spec, fit)
    lines += _comparison_section(result, unit)
    if fit.has_changepoint:
        cp = fit.changepoint_summary()
        lines += ["## When does the effect change?", "",
                  f"Posterior of the change-point tau: mode {cp['mode']:g} {unit}, median "
                  f"{cp['median']:g}, 90% interval {cp['lower']:g}-{cp['upper']:g} {unit}. "
                  "P(tau in window), per landmark window, is in the table above.", ""]
    if result.prior_sensitivity is not None:
        lines += ["## Prior sensitivity", "",
                  "The same model under other priors for the log hazard ratio (other priors "
                  f"unchanged){_refit_note(spec, fit)}:", ""]
        lines += [markdown_table(sensitivity_display(result.prior_sensitivity)), ""]
    lines += _diagnostics_section(result)
    lines += ["## Figures", ""]
    for name, path in figures.items():
        rel = Path(path).relative_to(out)
        lines += [f"![{name}]({rel.as_posix()})", ""]
    lines += _reproduce_section(result)
    return "\n".join(lines)


def _model_section(spec: Spec, fit: Fit) -> list[str]:
    what = fit.model.describe(summaries.constant_arrays(fit.idata), fit.time_unit)
    baseline = fit.idata.constant_data["baseline_edges"].to_numpy()
    priors = pd.DataFrame(fit.priors.table(), columns=["role", "prior"])
    return ["## Model", "", what,
            f"Baseline hazard: {baseline.size} pieces starting at "
            f"{', '.join(f'{b:g}' for b in baseline)} {fit.time_unit}, random-walk smoothed.", "",
            f"Priors (set `{fit.priors.name}`):", "", markdown_table(priors), ""]


def comparison_display(comparison: pd.DataFrame, time_unit: str) -> pd.DataFrame:
    """The :func:`bayesurv.compare` table as a report shows it: one formatted text per cell.

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
    rows["landmark Cox HR (95% CI)"] = [format_hr(r.freq_hr, r.freq_lower, r.freq_upper)
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

    Examples
    --------
    >>> table = bs.compare_priors(bs.PiecewiseExponential(cuts=[13]), data, priors=["default"],
    ...                           fits={"default": pw_fit})
    >>> list(sensitivity_display(table).columns)
    ['prior set', 'log HR prior', 'period', 'HR (95% CrI)', 'P(HR < 1)']
    """
    ps = prior_sensitivity
    rows = pd.DataFrame({
        "prior set": ps["prior"],
        "log HR prior": ps["log_hr_prior"],
        "period": ps["period"],
        "HR (95% CrI)": [format_hr(r.median, r.lower, r.upper) for r in ps.itertuples()],
        "P(HR < 1)": [format_probability(p) for p in ps["p_benefit"]],
    })
    if "tau_mode" in ps.columns:
        rows["tau: mode (90% interval)"] = [f"{r.tau_mode:g} ({r.tau_lower:g}-{r.tau_upper:g})"
                                            for r in ps.itertuples()]
    return rows


def _comparison_section(result: AnalysisResult, unit: str) -> list[str]:
    ref = result.data.reference
    rows = comparison_display(result.comparison, unit)
    treated = ", ".join(result.data.treated)
    text = [f"## Hazard ratios: {treated} vs {ref} (HR < 1 favours {treated})", "",
            "Bayesian: posterior median and 95% credible interval of the HR in each window "
            "(for a change-point fit, the time-averaged HR given each draw's tau). Landmark: Cox "
            "model fitted separately in each window. Published HRs are shown in this "
            "orientation (inverted when the paper used the other).", "",
            markdown_table(rows, floatfmt=".3g"), ""]
    overall = result.cox.iloc[0]
    text += [f"Overall Cox HR {format_hr(overall['hr'], overall['lower'], overall['upper'])}, "
             f"p = {overall['p']:.3g}; log-rank chi-square "
             f"{result.logrank['statistic'].iloc[0]:.2f}, p = {result.logrank['p'].iloc[0]:.3g}.",
             ""]
    return text


def _refit_note(spec: Spec, fit: Fit) -> str:
    s = fit.sampler_settings
    refit = spec.sensitivity_settings(s)
    if refit["draws"] == s["draws"] and refit["tune"] == s["tune"]:
        return ""
    return (f"; the other prior sets were refitted with {refit['chains']} chains x "
            f"{refit['draws']} draws after {refit['tune']} tuning steps")


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
    return ["## Reproduce", "",
            f"`bayesurv run {spec_path} --seed {s['random_seed']}` "
            f"(bayesurv {fit.version}; {s['sampler']} NUTS, {s['chains']} chains x "
            f"{s['draws']} draws after {s['tune']} tuning steps, target_accept "
            f"{s['target_accept']}). The posterior, the spec and the data summary are in "
            "`posterior.nc`.", "", f"Timings: {timing}.", "",
            "Settings as JSON: `" + json.dumps(fit.settings, separators=(",", ":")) + "`", ""]
