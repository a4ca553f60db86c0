"""Run an analysis spec and write its report folder.

The folder holds ``summary.md`` (the whole story in one page), ``tables/*.csv``,
``figures/*.png`` and ``posterior.nc`` (the fit, with the spec, the data summary and the
package version inside).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from bayesurv import frequentist
from bayesurv.base.termination import removed_if_terminated, signals_deferred
from bayesurv.comparison.estimands import compare_estimands, default_horizon
from bayesurv.comparison.tables import compare, compare_priors, fit_covariates
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.fit import Fit
from bayesurv.runner.analysis_result import AnalysisResult, IllnessDeathResult
from bayesurv.runner.illness_death_report import run_illness_death, write_illness_death_files
from bayesurv.runner.report_reconstruction import reconstruction_caption
from bayesurv.runner.report_sensitivity import (
    run_sensitivities,
    sensitivity_figures,
    sensitivity_tables,
)
from bayesurv.runner.report_text import comparison_display, sensitivity_display, summary_markdown
from bayesurv.runner.spec import Spec
from bayesurv.runner.spec_inputs import SpecInputs, load_inputs

__all__ = ["AnalysisResult", "comparison_display", "run_analysis", "sensitivity_display",
           "write_report"]


def run_analysis(spec: Spec, draws=None, tune=None, chains=None, seed=None,
                 progress: bool = True, log: Callable[[str], None] = print,
                 inputs: SpecInputs | None = None) -> AnalysisResult | IllnessDeathResult:
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
        :func:`~bayesurv.runner.spec_inputs.load_inputs`).

    Returns
    -------
    AnalysisResult
        Or, for an illness-death spec, an
        :class:`~bayesurv.runner.analysis_result.IllnessDeathResult`.

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
    if spec.is_illness_death:
        return run_illness_death(spec, draws=draws, tune=tune, chains=chains, seed=seed,
                                 progress=progress, log=log, inputs=inputs)
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
    pooled = inputs.reconstructions  # K reconstructions of digitized curves, or None
    if pooled:
        log(f"{spec.name}: pooled over {len(pooled)} reconstructions of the digitized curves")
    fit = model.fit(list(pooled) if pooled else data, **settings)
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
        sensitivity = compare_priors(model, list(pooled) if pooled else data, prior_sets,
                                     fits={fit.priors.name: fit},
                                     **spec.sensitivity_settings(settings))
        timings["prior_sensitivity"] = time.perf_counter() - start
    sensitivities = None  # baseline and tau-prior refits: for a fit of one data set
    if not pooled:
        sensitivities = run_sensitivities(model, fit, data, spec.sensitivity_settings(settings),
                                          log, spec.name)
        timings |= sensitivities.timings
    return AnalysisResult(spec=spec, data=data, fit=fit, comparison=comparison,
                          prior_sensitivity=sensitivity,
                          diagnostics=fit.diagnostics(warn=False),
                          cox=frequentist.cox(data, covariates=fit_covariates(fit, data)),
                          logrank=frequentist.logrank(data),
                          reconstruction=reconstruction, timings=timings,
                          estimands=_estimands(spec, fit, data, comparison),
                          sensitivities=sensitivities)


def _estimands(spec: Spec, fit: Fit, data: SurvivalData, comparison) -> pd.DataFrame:
    """RMST to the spec's horizon (default: a round time every arm reached) and survival at
    its milestones (default: the landmarks inside every arm's follow-up, and the horizon)."""
    horizon = spec.compare.get("horizon") or default_horizon(data)
    milestones = spec.compare.get("milestones")
    if milestones is None:
        starts = sorted({float(x) for x in comparison["start"]} - {0.0})
        milestones = [t for t in starts if t < horizon] + [horizon]
    return compare_estimands(fit, data, horizon=horizon, times=list(milestones))


def write_report(result: AnalysisResult | IllnessDeathResult, out_dir,
                 log: Callable[[str], None] = print) -> Path:
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
    out = write_folder_whole(out_dir, lambda staging: _write_report_files(result, staging))
    log(f"{result.spec.name}: report written to {out}")
    return out


def write_folder_whole(out_dir, write_files: Callable[[Path], None]) -> Path:
    """Have ``write_files(folder)`` fill a new folder, then put it at ``out_dir`` in one step.

    The folder is built in a temporary sibling and swapped in whole: an interrupted or failed
    run leaves the previous folder exactly as it was, and no file of an earlier run survives
    a rerun.
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    with removed_if_terminated(staging):
        try:
            write_files(staging)
            _swap_into_place(staging, out)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
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


def _write_report_files(result: AnalysisResult | IllnessDeathResult, out: Path) -> None:
    """Every file of the report, written into the (new, empty) folder ``out``."""
    from bayesurv.plotting.figures import save_figures

    if isinstance(result, IllnessDeathResult):
        write_illness_death_files(result, out)
        return

    tables_dir, figures_dir = out / "tables", out / "figures"
    tables_dir.mkdir(parents=True, exist_ok=True)
    figures_dir.mkdir(parents=True, exist_ok=True)
    fit, data = result.fit, result.data
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
    if fit.reconstructions is not None:
        tables["reconstruction_share"] = fit.reconstruction_share()
    if result.estimands is not None:
        tables["estimands"] = result.estimands
    effects = fit.covariate_effects()
    if not effects.empty:
        tables["covariate_effects"] = effects
    check = fit.predictive_check()
    tables["predictive_check"] = check.table
    tables |= sensitivity_tables(result.sensitivities)
    tables["cox"] = result.cox.assign(interval="95% confidence")  # lifelines' Wald intervals
    for name, table in tables.items():
        if "interval" in table.attrs and "interval" not in table.columns:
            table = table.assign(interval=table.attrs["interval"])  # the CSV says it too
        table.to_csv(tables_dir / f"{name}.csv", index=name == "changepoint_summary")
    figures = save_figures(fit, data, figures_dir, compare_table=result.comparison,
                           caption=reconstruction_caption(result.spec.figure_caption(), fit),
                           outcome=result.spec.outcome(), predictive_check=check)
    figures |= sensitivity_figures(result.sensitivities, fit.time_unit, figures_dir,
                                   caption=reconstruction_caption(result.spec.figure_caption(),
                                                                  fit))
    fit.to_netcdf(out / "posterior.nc", notes={"spec": result.spec.text})
    (out / "summary.md").write_text(summary_markdown(result, figures, out, predictive=check),
                                    encoding="utf-8")
