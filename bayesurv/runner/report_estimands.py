"""Report sections on survival estimands (RMST, milestones, medians) and covariate effects.

User strings (group and covariate names, the time unit) are escaped as in
:mod:`bayesurv.runner.report_text`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesurv.base.formatting import escape_markdown, format_probability, markdown_table

__all__ = ["covariate_section", "estimands_display", "estimands_section"]


def _interval(value: float, lower: float, upper: float, digits: int,
              missing: str = "not reached") -> str:
    if not np.isfinite(value):
        return missing
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} ({lower:.{digits}f} to {upper:.{digits}f})"


def estimands_display(table: pd.DataFrame, time_unit: str) -> pd.DataFrame:
    """The :func:`bayesurv.comparison.estimands.compare_estimands` table as a report shows it.

    Examples
    --------
    >>> from bayesurv.comparison.estimands import compare_estimands
    >>> shown = estimands_display(compare_estimands(pw_fit, data, horizon=60, times=[12]),
    ...                           "months")
    >>> shown.columns.tolist()[:3], shown["estimand"].iloc[0]
    (['estimand', 'group', 'Bayesian (95% CrI)'], 'RMST to 60 months')
    """
    rows = []
    for r in table.itertuples(index=False):
        if r.estimand == "RMST":
            name, digits = f"RMST to {r.at:g} {time_unit}", 1
        elif r.estimand == "survival":
            name, digits = f"survival at {r.at:g} {time_unit}", 3
        else:
            name, digits = f"median survival ({time_unit})", 1
        reached = "" if not np.isfinite(r.reached) else f"; reached in {r.reached:.0%} of draws"
        rows.append({
            "estimand": name, "group": r.group,
            "Bayesian (95% CrI)": _interval(r.bayes, r.bayes_lower, r.bayes_upper, digits)
            + reached,
            "P(difference > 0)": "" if not np.isfinite(r.p_benefit)
            else format_probability(r.p_benefit),
            "Kaplan-Meier (95% CI)": _interval(r.freq, r.freq_lower, r.freq_upper, digits),
        })
    return pd.DataFrame(rows)


def estimands_section(table: pd.DataFrame | None, time_unit: str, covariates) -> list[str]:
    """Markdown lines of the estimands section (none without a table)."""
    if table is None or table.empty:
        return []
    standardized = (" The posterior curves are standardized over the cohort (each arm's "
                    "curve is the average of every patient's predicted curve on that arm); "
                    "the Kaplan-Meier estimates are unadjusted." if covariates else "")
    return ["## Survival estimands", "",
            "Restricted mean survival time (RMST, the area under the survival curve up to "
            "the horizon), survival at milestone times and median survival, per arm and as a "
            "difference (treated minus reference): posterior median and 95% equal-tailed "
            "credible interval beside the Kaplan-Meier estimate and its 95% confidence "
            "interval (RMST: Greenwood-type standard error; survival and median: log-scale "
            "pointwise interval, as R's survfit). A median not reached within the follow-up "
            f"reads \"not reached\".{standardized}", "",
            markdown_table(estimands_display(table, escape_markdown(time_unit))), ""]


def covariate_section(effects: pd.DataFrame) -> list[str]:
    """Markdown lines of the covariate-effects section (none without covariates).

    Examples
    --------
    >>> covariate_section(pw_fit.covariate_effects())
    []
    """
    if effects.empty:
        return []
    shown = pd.DataFrame({
        "covariate": effects["covariate"], "scale": effects["scale"],
        "SD in the data": [f"{sd:.3g}" for sd in effects["sd"]],
        "HR (95% CrI)": [_interval(m, lo, hi, 3, missing="")
                         for m, lo, hi in zip(effects["median"], effects["lower"],
                                              effects["upper"], strict=True)],
        "P(HR < 1)": [format_probability(p) for p in effects["p_below_1"]]})
    return ["## Covariate effects", "",
            "Posterior hazard ratio of each covariate per standard deviation (the scale the "
            "model and its prior work on) and per unit of the covariate, with 95% equal-tailed "
            "credible intervals (CrI):", "",
            markdown_table(shown), ""]
