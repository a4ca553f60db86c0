"""The report's sensitivity to defaults: the baseline hazard and the change-point prior.

:func:`run_sensitivities` refits the spec's model with a coarser and a finer baseline
(:func:`bayesurv.comparison.baseline.compare_baselines`) and, for a change-point model, with a
uniform prior on tau (:func:`bayesurv.inference.changepoint_prior.
changepoint_prior_sensitivity`); the other functions turn the results into the report's
tables, figure and text.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from bayesurv.base.formatting import escape_markdown, format_hr, format_probability, markdown_table
from bayesurv.comparison.baseline import compare_baselines
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.changepoint_prior import (
    MOSTLY_PRIOR_TV,
    ChangepointPriorSensitivity,
    changepoint_prior_sensitivity,
)
from bayesurv.inference.fit import Fit

__all__ = ["Sensitivities", "run_sensitivities", "sensitivity_figures", "sensitivity_sections",
           "sensitivity_tables"]

FIGURE = "changepoint_prior_sensitivity"


@dataclass(frozen=True)
class Sensitivities:
    """The baseline-sensitivity table and, for a change-point fit, the tau prior sensitivity."""

    baseline: pd.DataFrame
    changepoint_prior: ChangepointPriorSensitivity | None
    timings: dict


def run_sensitivities(model, fit: Fit, data: SurvivalData, settings: dict,
                      log: Callable[[str], None] = print, name: str = "") -> Sensitivities:
    """Refit with a coarser and a finer baseline and, for a change-point fit, a uniform tau
    prior; ``settings`` are the refits' sampler settings.

    Examples
    --------
    >>> s = run_sensitivities(pw_fit.model, pw_fit, data, {"draws": 200, "tune": 200,
    ...                       "chains": 2, "random_seed": 1, "progressbar": False},
    ...                       log=lambda message: None)
    >>> s.baseline["baseline"].unique().tolist(), s.changepoint_prior is None
    (['coarser', 'model', 'finer'], True)
    """
    timings = {}
    log(f"{name}: baseline sensitivity (coarser and finer baseline hazards)")
    start = time.perf_counter()
    baseline = compare_baselines(model, data, fit=fit, **settings)
    timings["baseline_sensitivity"] = time.perf_counter() - start
    prior = None
    if fit.has_changepoint:
        log(f"{name}: change-point posterior under a uniform prior over the grid")
        start = time.perf_counter()
        prior = changepoint_prior_sensitivity(fit, data, **settings)
        timings["changepoint_prior"] = time.perf_counter() - start
    return Sensitivities(baseline=baseline, changepoint_prior=prior, timings=timings)


def sensitivity_tables(s: Sensitivities | None) -> dict[str, pd.DataFrame]:
    """The CSV tables: ``baseline_sensitivity`` and, for a change-point fit,
    ``changepoint_prior`` (over the grid) and ``changepoint_prior_summary``.

    Examples
    --------
    >>> sorted(sensitivity_tables(None))
    []
    """
    if s is None:
        return {}
    tables = {"baseline_sensitivity": s.baseline}
    if s.changepoint_prior is not None:
        tables["changepoint_prior"] = s.changepoint_prior.table
        tables["changepoint_prior_summary"] = s.changepoint_prior.summary
    return tables


def sensitivity_figures(s: Sensitivities | None, time_unit: str, out_dir,
                        caption: str | None = None) -> dict[str, str]:
    """Write the change-point prior figure (PNG and SVG); returns name -> PNG path.

    Examples
    --------
    >>> sensitivity_figures(None, "months", ".")
    {}
    """
    if s is None or s.changepoint_prior is None:
        return {}
    import matplotlib.pyplot as plt

    from bayesurv.plotting.changepoint_prior import plot_changepoint_prior
    from bayesurv.plotting.style import DPI

    fig = plot_changepoint_prior(s.changepoint_prior, time_unit, caption=caption)
    try:
        base = os.path.join(os.fspath(out_dir), FIGURE)
        fig.savefig(f"{base}.png", dpi=DPI, bbox_inches="tight")
        fig.savefig(f"{base}.svg", bbox_inches="tight")
    finally:
        plt.close(fig)
    return {FIGURE: f"{base}.png"}


def baseline_display(table: pd.DataFrame) -> pd.DataFrame:
    """The baseline-sensitivity table as the report shows it.

    Examples
    --------
    >>> table = pd.DataFrame({"baseline": ["model"], "pieces": [8], "period": ["0-13"],
    ...                       "group": ["UC-MSC"], "median": [1.0], "lower": [0.5],
    ...                       "upper": [2.0], "p_benefit": [0.5]})
    >>> baseline_display(table).columns.tolist()
    ['baseline', 'pieces', 'period', 'HR (95% CrI)', 'P(HR < 1)']
    """
    words = {"coarser": "coarser (half)", "model": "as fitted", "finer": "finer (double)"}
    rows = pd.DataFrame({"baseline": [words.get(b, b) for b in table["baseline"]],
                         "pieces": table["pieces"], "period": table["period"]})
    if table["group"].nunique() > 1:
        rows["group"] = table["group"]
    rows["HR (95% CrI)"] = [format_hr(r.median, r.lower, r.upper) for r in table.itertuples()]
    rows["P(HR < 1)"] = [format_probability(p) for p in table["p_benefit"]]
    if "tau_mode" in table.columns:
        rows["tau: mode (90% interval)"] = [f"{r.tau_mode:g} ({r.tau_lower:g}-{r.tau_upper:g})"
                                            for r in table.itertuples()]
    return rows


def sensitivity_sections(s: Sensitivities | None, time_unit: str) -> list[str]:
    """The report's "Baseline sensitivity" and "Change-point prior sensitivity" sections.

    Examples
    --------
    >>> sensitivity_sections(None, "months")
    []
    """
    if s is None:
        return []
    lines = ["## Baseline sensitivity", "",
             "The same model refitted with half and with twice as many baseline-hazard "
             "pieces (cut at event-time quantiles, plus any fixed treatment cut). HRs that "
             "move between rows depend on how finely the baseline hazard is modelled.", "",
             markdown_table(baseline_display(s.baseline)), ""]
    cp = s.changepoint_prior
    if cp is None:
        return lines
    unit = escape_markdown(time_unit)
    summary = cp.summary.rename(columns={
        "prior": "tau prior", "moved": "moved by the data (TV)", "mode": f"mode ({unit})",
        "window": f"window ({unit})", "prior_near": "prior mass in window",
        "posterior_near": "posterior mass in window", "mostly_prior": "mostly prior"})
    summary["tau prior"] = summary["tau prior"].map({"fit": "the fit's", "uniform": "uniform"})
    summary["mostly prior"] = summary["mostly prior"].map({True: "yes", False: "no"})
    flag = "**The change-point posterior is mostly prior.** " if cp.mostly_prior else ""
    lines += ["## Change-point prior sensitivity", "",
              f"{flag}{escape_markdown(cp.message)} The distance is the total variation "
              "between prior and posterior over the grid (0: the posterior is the prior; "
              f"the flag is raised below {MOSTLY_PRIOR_TV:g}, when more than "
              f"{100 * (1 - MOSTLY_PRIOR_TV):g}% of the posterior's mass sits where the "
              "prior put it). The uniform prior is a refit on the same grid.", "",
              markdown_table(summary, floatfmt=".3g"), ""]
    return lines
