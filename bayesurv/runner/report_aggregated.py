"""The report of a spec whose data were aggregated (``source = "parquet"``): what events and
person-time per piece answer, and a clear statement of what they do not.

The fit, its hazard ratios, change-point, survival, RMST and diagnostics need only the
aggregated table; so do the Kaplan-Meier curves at grid resolution and the life table.  The
Cox model, the landmark Cox windows, the log-rank test, the frequentist RMST, covariates and
the per-patient predictive check need patient rows: they are listed as not computed in
``summary.md`` instead of failing the run.  The folder is written as the patient-rows report
is (built aside, then swapped in whole), with ``summary.md``, ``tables/*.csv``,
``posterior.nc`` and the figures drawn from the fit alone (hazard ratio over time, the
change-point posterior, prior vs posterior).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bayesurv.base.formatting import escape_markdown, markdown_table
from bayesurv.comparison.estimands import default_horizon
from bayesurv.data.aggregated import AggregatedData
from bayesurv.inference.diagnostics import Diagnostics
from bayesurv.inference.fit import Fit
from bayesurv.runner.report import write_folder_whole
from bayesurv.runner.report_text import summary_head
from bayesurv.runner.spec import Spec
from bayesurv.runner.spec_inputs import SpecInputs, load_inputs

__all__ = ["NEEDS_ROWS", "AggregatedResult", "run_analysis", "write_report"]

# what the patient-rows report has and aggregated data cannot give, with the reason
NEEDS_ROWS = {
    "Cox model (overall hazard ratio)": "a partial likelihood over the ordered event times",
    "landmark Cox windows (compare.landmarks)": "a partial likelihood in each window",
    "log-rank test": "the order of events and censorings",
    "frequentist RMST": "the exact Kaplan-Meier curve",
    "covariate adjustment": "per-patient covariates",
    "posterior predictive check": "per-patient follow-up times",
    "Kaplan-Meier, survival and forest figures": "(not drawn for aggregated data yet; the "
                                                 "grid Kaplan-Meier curves are in the tables)",
}


@dataclass
class AggregatedResult:
    """What an analysis of aggregated data produced, before it is written to disk.

    Examples
    --------
    >>> list(AggregatedResult.__dataclass_fields__)[:4]
    ['spec', 'data', 'fit', 'diagnostics']
    """

    spec: Spec
    data: AggregatedData
    fit: Fit
    diagnostics: Diagnostics
    tables: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)


def run_analysis(spec: Spec, draws=None, tune=None, chains=None, seed=None,
                 progress: bool = True, log: Callable[[str], None] = print,
                 inputs: SpecInputs | None = None) -> AggregatedResult:
    """Fit the spec's model to the aggregated data and compute the tables they answer.

    Same arguments as :func:`bayesurv.runner.report.run_analysis`.
    """
    timings = {}
    start = time.perf_counter()
    inputs = inputs or load_inputs(spec)
    data = inputs.data
    model = spec.build_model()
    settings = spec.sampler_settings(draws=draws, tune=tune, chains=chains, seed=seed)
    settings["progressbar"] = progress
    timings["data"] = time.perf_counter() - start
    log(f"{spec.name}: fitting {type(model).__name__} to {data.n} aggregated patients, "
        f"{data.n_events} events ({settings['chains']} chains x {settings['draws']} draws)")
    start = time.perf_counter()
    fit = model.fit(data, **settings)
    timings["fit"] = time.perf_counter() - start
    times = np.linspace(0.0, fit.max_time, 201)
    horizon = spec.compare.get("horizon") or default_horizon(data)
    tables = {"data_summary": data.summary(), "hazard_ratios": fit.hazard_ratios(),
              "hazard_ratio_curve": fit.hazard_ratio_curve(times),
              "survival": fit.survival(times), "rmst": fit.rmst(horizon),
              "median_survival": fit.median_survival(),
              "kaplan_meier_grid": data.kaplan_meier(), "life_table": data.life_table()}
    if data.strata is not None:
        tables["data_summary_by_stratum"] = data.summary(by_stratum=True)
        tables["kaplan_meier_grid_by_stratum"] = data.kaplan_meier(by_stratum=True)
    if fit.has_changepoint:
        tables["changepoint"] = fit.changepoint()
        tables["changepoint_summary"] = fit.changepoint_summary().to_frame("value")
    diagnostics = fit.diagnostics(warn=False)
    tables["diagnostics"] = diagnostics.table
    skipped = dict(NEEDS_ROWS)
    for key in ("published", "prior_sensitivity"):
        if spec.compare.get(key):
            skipped[f"compare.{key}"] = "not run for aggregated data in this version"
    return AggregatedResult(spec=spec, data=data, fit=fit, diagnostics=diagnostics,
                            tables=tables, skipped=skipped, timings=timings)


def write_report(result: AggregatedResult, out_dir,
                 log: Callable[[str], None] = print) -> Path:
    """Write ``summary.md``, ``tables/`` and ``posterior.nc`` under ``out_dir`` (atomically:
    an interrupted run leaves the previous report as it was)."""
    out = write_folder_whole(out_dir, lambda staging: _write_files(result, staging))
    log(f"{result.spec.name}: report written to {out}")
    return out


def _write_files(result: AggregatedResult, folder: Path) -> None:
    """The tables, the figures drawn from the fit alone, the fit and ``summary.md``."""
    from bayesurv.plotting.figures import save_fit_figures

    tables_dir = folder / "tables"
    tables_dir.mkdir()
    for name, table in result.tables.items():
        table.to_csv(tables_dir / f"{name}.csv", index=name == "changepoint_summary")
    figures = save_fit_figures(result.fit, folder / "figures",
                               landmarks=result.spec.compare.get("landmarks", ()),
                               caption=result.spec.figure_caption())
    result.fit.to_netcdf(folder / "posterior.nc", notes={"spec": result.spec.text})
    (folder / "summary.md").write_text(summary_markdown(result, figures), encoding="utf-8")


def summary_markdown(result: AggregatedResult, figures: dict | None = None) -> str:
    """The report's one page; ``figures``: name -> path of the figures written beside it."""
    data, fit, tables = result.data, result.fit, result.tables
    lines = summary_head(result.spec, result.diagnostics)
    lines += [f"Data: {data.n} patients, {data.n_events} events, aggregated on Dask into "
              f"events and person-time per piece ({escape_markdown(data.source)}; grid "
              f"{data.describe_grid()}). No patient row was held in memory.", "",
              markdown_table(tables["data_summary"]), "",
              "The median follow-up is approximate (times are known to their grid piece).", "",
              f"## Model: {type(fit.model).__name__}", "",
              markdown_table(tables["hazard_ratios"]), ""]
    lines += [f"![{name.replace('_', ' ')}](figures/{Path(path).name})"
              for name, path in (figures or {}).items()]
    lines += [""] if figures else []
    if "changepoint_summary" in tables:
        summary = tables["changepoint_summary"]["value"]
        lines += ["Change-point: " + ", ".join(f"{k} {v:.3g}" for k, v in summary.items()
                                               if isinstance(v, int | float)), ""]
    if data.strata is not None:
        lines += [f"Strata ({data.strata.column}): {', '.join(data.strata.levels)}. The model "
                  "has no strata: it was fitted to the table summed over them (per-stratum "
                  "counts and curves are in the tables).", "",
                  markdown_table(tables["data_summary_by_stratum"]), ""]
    lines += ["## Survival", "", "Posterior RMST:", "", markdown_table(tables["rmst"]), "",
              "Kaplan-Meier at grid resolution (each time known to its piece; "
              "`tables/kaplan_meier_grid.csv`), at a few times:", "",
              markdown_table(_milestones(tables["kaplan_meier_grid"])), "",
              "## Not computed: these need patient rows", ""]
    lines += [f"- {what}: {why}" for what, why in result.skipped.items()]
    lines += ["", "## Diagnostics", "", markdown_table(tables["diagnostics"]), ""]
    return "\n".join(lines)


def _milestones(km: pd.DataFrame, count: int = 5) -> pd.DataFrame:
    """Rows of the grid Kaplan-Meier table at about ``count`` evenly spaced times."""
    times = np.unique(km["time"])
    chosen = times[np.linspace(0, times.size - 1, min(count, times.size)).round().astype(int)]
    return km[km["time"].isin(chosen)].reset_index(drop=True)
