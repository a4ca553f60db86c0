"""Run an illness-death spec and write its report folder.

The folder has the layout of every report (:mod:`bayesurv.runner.report`): ``summary.md``
(:mod:`bayesurv.runner.illness_death_text`), ``tables/*.csv``, ``figures/*.png`` (and
``.svg``) and ``posterior.nc`` (:meth:`bayesurv.IllnessDeathFit.to_netcdf`, with the spec
inside).  :func:`bayesurv.runner.report.run_analysis` and
:func:`~bayesurv.runner.report.write_report` hand illness-death specs to this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from bayesurv import frequentist
from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.inference.intervals import credible_interval, weighted_quantiles
from bayesurv.runner.analysis_result import IllnessDeathResult
from bayesurv.runner.spec import Spec
from bayesurv.runner.spec_illness_death import follow_up
from bayesurv.runner.spec_inputs import SpecInputs, load_inputs
from bayesurv.runner.spec_sources import SHIPPED

__all__ = ["IllnessDeathResult", "changepoint_summaries", "illness_death_tables",
           "run_illness_death", "write_illness_death_files"]

GRID_POINTS = 201  # times of the curves (tables and figures)


def changepoint_summaries(table: pd.DataFrame, mass: float = 0.95) -> pd.DataFrame:
    """Mode, median and equal-tailed interval of each transition's change-point posterior.

    Parameters
    ----------
    table : pandas.DataFrame
        :meth:`~bayesurv.IllnessDeathFit.transition_changepoints`.
    mass : float
        Mass of the interval.

    Examples
    --------
    >>> table = pd.DataFrame({"transition": "illness", "tau": [6.0, 8.0, 10.0],
    ...                       "probability": [0.2, 0.7, 0.1], "prior": 1 / 3})
    >>> changepoint_summaries(table)
      transition  mode  median  lower  upper  mass
    0    illness   8.0     8.0    6.0   10.0  0.95
    """
    rows = []
    for key, part in table.groupby("transition", sort=False):
        tau = part["tau"].to_numpy(dtype=float)
        weights = part["probability"].to_numpy(dtype=float)
        lower, upper = credible_interval(tau, mass, "equal-tailed", weights=weights)
        rows.append({"transition": key, "mode": float(tau[np.argmax(weights)]),
                     "median": float(weighted_quantiles(tau, weights, [0.5])[0]),
                     "lower": float(lower), "upper": float(upper), "mass": mass})
    return pd.DataFrame(rows, columns=["transition", "mode", "median", "lower", "upper",
                                       "mass"])


def run_illness_death(spec: Spec, draws=None, tune=None, chains=None, seed=None,
                      progress: bool = True, log: Callable[[str], None] = print,
                      inputs: SpecInputs | None = None) -> IllnessDeathResult:
    """Fit an illness-death spec's model and compute what its report shows.

    The arguments are those of :func:`bayesurv.runner.report.run_analysis`.  Milestones
    default to the horizon and half of it; the horizon to 24 time units, or the follow-up
    of every arm when shorter.

    Examples
    --------
    >>> spec = Spec.from_dict({"data": {"source": "shi2021", "endpoint": "joint"},
    ...                        "model": {"type": "illness-death"}})
    >>> result = run_illness_death(spec, draws=100, chains=2, seed=1, progress=False,
    ...                            log=lambda message: None)  # doctest: +SKIP
    >>> result.milestones, result.horizon  # doctest: +SKIP
    ((12.0, 24.0), 24.0)
    """
    if not spec.is_illness_death:
        raise BayesurvInputError(f"{spec.name}: run_illness_death needs an illness-death spec")
    timings = {}
    start = time.perf_counter()
    data = (inputs or load_inputs(spec)).data
    model = spec.build_model()
    settings = spec.sampler_settings(draws=draws, tune=tune, chains=chains, seed=seed)
    settings["progressbar"] = progress
    timings["data"] = time.perf_counter() - start
    counts = ", ".join(f"{key} {n}" for key, n in data.to_dict()["events"].items())
    log(f"{spec.name}: fitting the illness-death model to {data.n} patients (events: "
        f"{counts}; {settings['chains']} chains x {settings['draws']} draws)")
    start = time.perf_counter()
    fit = model.fit(data, **settings)
    timings["fit"] = time.perf_counter() - start
    timings["sampling"] = fit.sampler_settings["sampling_seconds"]
    reach = follow_up(data)
    horizon = float(spec.compare.get("horizon") or min(24.0, reach))
    milestones = tuple(float(t) for t in spec.compare.get("milestones",
                                                          (horizon / 2, horizon)))
    return IllnessDeathResult(
        spec=spec, data=data, fit=fit, diagnostics=fit.diagnostics(warn=False),
        cox=frequentist.transition_cox(data), times=np.linspace(0.0, reach, GRID_POINTS),
        milestones=milestones, horizon=horizon,
        aalen_johansen=frequentist.aalen_johansen(data),  # at every step of the curves
        illness="HCC" if spec.data["source"] in SHIPPED else "illness", timings=timings)


def illness_death_tables(result: IllnessDeathResult) -> dict[str, pd.DataFrame]:
    """Every table of the report, by file name (without ``.csv``).

    Examples
    --------
    >>> sorted(illness_death_tables(result))  # doctest: +SKIP
    ['cause_specific_cox', 'cumulative_incidence', 'data_summary', 'diagnostics', ...]
    """
    fit, data = result.fit, result.data
    at = sorted({*result.milestones, result.horizon})
    tables = {
        "data_summary": data.summary(),
        "transition_hazard_ratios": fit.transition_hazard_ratios(),
        "cause_specific_cox": result.cox.assign(interval="95% confidence"),
        "cumulative_incidence": fit.cumulative_incidence(result.times),
        "state_probabilities": fit.state_probabilities(result.times),
        "milestones_cumulative_incidence": fit.cumulative_incidence(at),
        "milestones_state_probabilities": fit.state_probabilities(at),
        "state_differences": fit.state_differences(at),
        "restricted_mean_event_free": fit.restricted_mean_event_free(result.horizon),
        "diagnostics": result.diagnostics.table,
    }
    changepoints = fit.transition_changepoints()
    if not changepoints.empty:
        tables["transition_changepoints"] = changepoints
        tables["changepoint_summary"] = changepoint_summaries(changepoints)
    effects = fit.transition_covariate_effects()
    if not effects.empty:
        tables["transition_covariate_effects"] = effects
    if result.aalen_johansen is not None:
        tables["aalen_johansen"] = result.aalen_johansen
    return tables


def write_illness_death_files(result: IllnessDeathResult, out: Path) -> None:
    """Every file of the report, written into the (new, empty) folder ``out``; called by
    :func:`bayesurv.runner.report.write_report`, which swaps the folder into place whole."""
    from bayesurv.plotting.figures import save_figure
    from bayesurv.plotting.illness_death import (
        plot_cumulative_incidence,
        plot_state_probabilities,
    )
    from bayesurv.runner.illness_death_text import illness_death_summary

    tables_dir, figures_dir = out / "tables", out / "figures"
    tables_dir.mkdir(parents=True, exist_ok=True)
    figures_dir.mkdir(parents=True, exist_ok=True)
    tables = illness_death_tables(result)
    for name, table in tables.items():
        table.to_csv(tables_dir / f"{name}.csv", index=False)
    caption, unit = result.spec.figure_caption(), result.fit.time_unit
    makers = {
        "state_probabilities": lambda: plot_state_probabilities(
            tables["state_probabilities"], unit, illness=result.illness, caption=caption),
        "cumulative_incidence": lambda: plot_cumulative_incidence(
            tables["cumulative_incidence"], result.aalen_johansen, unit,
            illness=result.illness, caption=caption),
    }
    figures = {name: save_figure(make, figures_dir / f"{name}.png")
               for name, make in makers.items()}
    result.fit.to_netcdf(out / "posterior.nc", notes={"spec": result.spec.text})
    (out / "summary.md").write_text(illness_death_summary(result, tables, figures, out),
                                    encoding="utf-8")
