"""The text of an illness-death report's ``summary.md``.

User strings (the title, group labels, the time unit) are escaped as in
:mod:`bayesurv.runner.report_text`; table cells are escaped by
:func:`bayesurv.base.formatting.markdown_table`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from bayesurv.base.formatting import (
    escape_markdown,
    format_hr,
    format_probability,
    inline_code,
    markdown_table,
)
from bayesurv.data.illness_death import TRANSITION_WORDS
from bayesurv.runner.analysis_result import IllnessDeathResult
from bayesurv.runner.report_text import _display_path, summary_head

__all__ = ["illness_death_summary", "interval_text"]


def interval_text(median: float, lower: float, upper: float, digits: int = 3) -> str:
    """``"0.123 (0.081 to 0.170)"``: a posterior median and its interval.

    Examples
    --------
    >>> interval_text(0.12345, 0.08, 0.17), interval_text(10.46, 9.9, 11.0, digits=1)
    ('0.123 (0.080 to 0.170)', '10.5 (9.9 to 11.0)')
    """
    return f"{median:.{digits}f} ({lower:.{digits}f} to {upper:.{digits}f})"


def _words(key: str, illness: str) -> str:
    # an arrow character: "->" would be escaped to "-&gt;" in the markdown source
    return _arrows(TRANSITION_WORDS[key].replace("illness", illness))


def _arrows(text: str) -> str:
    return text.replace(" -> ", " \u2192 ")


def illness_death_summary(result: IllnessDeathResult, tables: dict, figures: dict,
                          out: Path) -> str:
    """The report's front page, from the result and its tables
    (:func:`~bayesurv.runner.illness_death_report.illness_death_tables`)."""
    spec, fit = result.spec, result.fit
    unit, ill = escape_markdown(fit.time_unit), escape_markdown(result.illness)
    lines = summary_head(spec, result.diagnostics)
    counts = tables["data_summary"].rename(columns={
        "n": "patients", "illness": f"{result.illness} (event-free \u2192 {result.illness})",
        "death": f"deaths without {result.illness}",
        "death_after_illness": f"deaths after {result.illness}"})
    lines += ["## Data", "", f"Each patient is *event-free* (alive without {ill}), *alive "
              f"with {ill}*, or *dead*; time unit: {unit}.", "",
              markdown_table(counts), ""]
    lines += _model_section(result)
    lines += _hazard_ratio_section(result, tables)
    if "changepoint_summary" in tables:
        lines += ["## When does each effect change?", "",
                  "Posterior of each change-point (marginalized exactly in the fit; the "
                  f"probability of every candidate is in `tables/transition_changepoints.csv`), "
                  f"in {unit}:", ""]
        shown = pd.DataFrame([{
            "transition": _words(r.transition, result.illness), "mode": f"{r.mode:g}",
            "median": f"{r.median:g}",
            f"{100 * r.mass:g}% interval": f"{r.lower:g} to {r.upper:g}"}
            for r in tables["changepoint_summary"].itertuples()])
        lines += [markdown_table(shown), ""]
    if "transition_covariate_effects" in tables:
        effects = tables["transition_covariate_effects"]
        shown = pd.DataFrame({
            "transition": [_words(k, result.illness) for k in effects["transition"]],
            "covariate": effects["covariate"], "scale": effects["scale"],
            "HR (95% CrI)": [format_hr(r.median, r.lower, r.upper)
                             for r in effects.itertuples()],
            "P(HR < 1)": [format_probability(p) for p in effects["p_below_1"]]})
        lines += ["## Covariate effects", "",
                  "Posterior HR of each covariate on each transition that adjusts for it, per "
                  "standard deviation and per unit. The treatment HRs above are conditional "
                  "on the covariates (the cause-specific Cox models are not adjusted), and "
                  "the state probabilities below are those of a patient with the cohort's "
                  "mean covariate values.", "", markdown_table(shown), ""]
    lines += _milestone_sections(result, tables)
    d = result.diagnostics
    status = "all checks passed" if d.ok else "**PROBLEMS** (see the top of this page)"
    lines += ["## Sampling diagnostics", "",
              f"{d.chains} chains x {d.draws} draws: {status}. Max R-hat {d.max_r_hat:.3f} "
              f"(threshold 1.01), min bulk ESS {d.min_ess_bulk:.0f} (threshold 400), "
              f"{d.divergences} divergent transitions.", ""]
    overlay = (" The cumulative incidences are drawn over the nonparametric Aalen-Johansen "
               "estimates (dashed steps; `tables/aalen_johansen.csv`): where the model is "
               "right the two agree within the Aalen-Johansen standard errors, so a gap is a "
               "check of the model's assumptions (proportional hazards within each period, "
               "the Markov property)." if result.aalen_johansen is not None else "")
    lines += ["## Figures", "", "Each figure is also in `figures/` as SVG (same name, `.svg`)."
              + overlay, ""]
    for name, path in figures.items():
        lines += [f"![{escape_markdown(name)}]({Path(path).relative_to(out).as_posix()})", ""]
    lines += _reproduce_section(result)
    return "\n".join(lines)


def _model_section(result: IllnessDeathResult) -> list[str]:
    fit, ill = result.fit, escape_markdown(result.illness)
    what = fit.model.describe(None, fit.time_unit).replace("illness", result.illness)
    pieces = []
    for key in fit.model.transitions:
        edges = fit.idata.constant_data[f"baseline_edges_{key}"].to_numpy()
        pieces.append(f"{_words(key, result.illness)}: {edges.size} pieces")
    priors = pd.DataFrame(fit.model.priors.table(), columns=["role", "prior"])
    if fit.model.clock == "forward":
        scale = ("**Markov, clock-forward.** Every transition hazard is a function of the "
                 f"time since randomization. The hazard of death after {ill} depends on the "
                 f"time since randomization, not on how long ago {ill} came: two patients "
                 f"with {ill} at 6 and at 18 months have the same hazard of death at 20 "
                 f"months. A patient enters the {ill} \u2192 death transition at the {ill} time "
                 "(delayed entry).")
    else:
        scale = ("**Semi-Markov, clock-reset.** The hazards out of the event-free state are "
                 "functions of the time since randomization; the hazard of death after "
                 f"{ill}, its baseline pieces and its periods run on the time since {ill}: "
                 f"two patients with {ill} at 6 and at 18 months have the same hazard of "
                 f"death 2 months later.")
    return ["## Model", "", escape_markdown(_arrows(what)), "",
            f"{scale} Death without {ill} and {ill} compete: the cumulative incidence of "
            f"{ill} counts only the patients who develop it before dying, so it is lower "
            "than 1 - Kaplan-Meier with deaths censored.", "",
            "Each transition has its own piecewise-exponential baseline hazard, random-walk "
            f"smoothed ({escape_markdown('; '.join(pieces))}) and its own treatment "
            "effect. The log-likelihood is the sum of the three transitions' exposure-table "
            f"log-likelihoods, {_marginalized(fit.model, result.illness)}", "",
            f"Priors (set {escape_markdown(fit.model.priors.name)}, on every transition):",
            "", markdown_table(priors), ""]


def _marginalized(model, illness: str) -> str:
    """How the change-points are marginalized: each on its own, or one shared."""
    if not model.shared_changepoint:
        return "so each change-point is marginalized on its own."
    shared = " and ".join(_words(key, illness) for key in model.shared_changepoint)
    return (f"and the change-point shared by {escape_markdown(shared)} (one and the same "
            "time) is marginalized over the sum of their log-likelihoods.")


def _hazard_ratio_section(result: IllnessDeathResult, tables: dict) -> list[str]:
    ref = escape_markdown(result.data.reference)
    hr, cox = tables["transition_hazard_ratios"], result.cox.set_index(["transition", "group"])
    rows = []
    for r in hr.itertuples():
        c = cox.loc[(r.transition, r.group)]
        rows.append({"transition": _words(r.transition, result.illness),
                     "group": r.group, "period": r.period,
                     "Bayesian HR (95% CrI)": format_hr(r.median, r.lower, r.upper),
                     "P(HR < 1)": format_probability(r.p_benefit),
                     "cause-specific Cox HR, whole follow-up (95% CI)":
                         format_hr(c["hr"], c["lower"], c["upper"]),
                     "Cox p": format_probability(c["p"])})
    return [f"## Transition hazard ratios: treated vs {ref} (HR < 1 favours the treated arm)",
            "", "Bayesian: posterior median and 95% equal-tailed credible interval (CrI) of "
            "each transition's HR per period (for a change-point transition, before and "
            "after each draw's change-point). Cause-specific Cox: one proportional HR per "
            "transition over the whole follow-up (the other transitions' events censor; "
            "the death after the illness with delayed entry at the illness time, whatever "
            "the model's clock).", "",
            markdown_table(pd.DataFrame(rows)), ""]


def _milestone_sections(result: IllnessDeathResult, tables: dict) -> list[str]:
    unit, ill = escape_markdown(result.fit.time_unit), escape_markdown(result.illness)
    cif = tables["milestones_cumulative_incidence"]
    states = tables["milestones_state_probabilities"]
    rows = []
    for (t, group), part in states.groupby(["time", "group"], sort=False):
        row = {"time": f"{t:g} {unit}", "group": group}
        for r in part.itertuples():
            row[_state_label(r.state, result.illness)] = interval_text(r.median, r.lower,
                                                                       r.upper)
        for r in cif[(cif["time"] == t) & (cif["group"] == group)].itertuples():
            name = result.illness if r.event == "illness" else f"death without {result.illness}"
            row[f"cumulative incidence: {name}"] = interval_text(r.median, r.lower, r.upper)
        rows.append(row)
    diff = tables["state_differences"]
    named = {"event-free": f"P(alive without {result.illness})",
             "illness": f"P(alive with {result.illness})", "death": "P(dead)",
             "cif_illness": f"cumulative incidence of {result.illness}",
             "cif_death": f"cumulative incidence of death without {result.illness}",
             "time_event_free": f"mean time alive without {result.illness} ({unit})"}
    shown = [{"time": f"{r.time:g} {unit}", "group": r.group, "quantity": named[r.quantity],
              "treated - reference (95% CrI)": interval_text(
                  r.median, r.lower, r.upper, 1 if r.quantity == "time_event_free" else 3),
              "P(difference > 0)": format_probability(r.p_positive)}
             for r in diff.itertuples()]
    rmst = tables["restricted_mean_event_free"]
    means = "; ".join(f"{escape_markdown(r.group)} {interval_text(r.median, r.lower, r.upper, 1)}"
                      for r in rmst.itertuples())
    return ["## States and cumulative incidences", "",
            "Posterior median and 95% equal-tailed credible interval per arm. The three "
            "state probabilities add up to 1 in every draw; the cumulative incidences of "
            f"{ill} and of death without {ill} account for each other (competing risks). "
            "Full curves: `tables/state_probabilities.csv` and "
            "`tables/cumulative_incidence.csv`.", "",
            markdown_table(pd.DataFrame(rows)), "",
            "## Differences between arms", "",
            "Treated minus reference, posterior median and 95% CrI, and the posterior "
            "probability that the difference is positive (for the probability of being "
            f"alive without {ill}, that the treated arm does better).", "",
            markdown_table(pd.DataFrame(shown)), "",
            f"**Restricted mean time alive without {ill}** up to {result.horizon:g} {unit} "
            f"(the area under the event-free curve): {means} {unit}.", ""]


def _state_label(state: str, illness: str) -> str:
    return {"event-free": f"alive without {illness}", "illness": f"alive with {illness}",
            "death": "dead"}[state]


def _reproduce_section(result: IllnessDeathResult) -> list[str]:
    fit, s = result.fit, result.fit.sampler_settings
    spec_path = _display_path(result.spec.path) if result.spec.path else "SPEC"
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
    command = f"bayesurv run {spec_path} --seed {s['random_seed']}"
    version = fit.idata.posterior.attrs.get("bayesurv_version", "")
    settings = json.dumps(fit.model.settings(), separators=(",", ":"))
    return ["## Reproduce", "",
            f"{inline_code(command)} (bayesurv {escape_markdown(version)}; {s['sampler']} "
            f"NUTS, {s['chains']} chains x {s['draws']} draws after {s['tune']} tuning "
            f"steps, target_accept {s['target_accept']}). The posterior, the spec and the "
            "data summary are in `posterior.nc` (`bs.IllnessDeathFit.from_netcdf`).", "",
            f"Timings: {timing}.", "", f"Settings as JSON: {inline_code(settings)}", ""]
