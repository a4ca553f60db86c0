"""Sampling and the Fit result: posterior tables, diagnostics, save and load."""

from __future__ import annotations

import html
import json
import logging
import os
import time
import warnings
from typing import TYPE_CHECKING

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm

from bayesurv import summaries
from bayesurv.diagnostics import Diagnostics, check_convergence
from bayesurv.exceptions import BayesurvInputError, FitFileError
from bayesurv.priors import PriorSet

if TYPE_CHECKING:
    from bayesurv.data import SurvivalData
    from bayesurv.design import Design
    from bayesurv.model_base import HazardModel

__all__ = ["Fit", "sample_fit"]

SAMPLERS = ("pymc", "nutpie")
ATTR_PREFIX = "bayesurv_"


def _check_count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise BayesurvInputError(f"fit: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def sample_fit(model: HazardModel, design: Design, data: SurvivalData, *, draws: int,
               tune: int, chains: int, random_seed, sampler: str, cores, target_accept: float,
               progressbar: bool) -> Fit:
    """Build the PyMC model of ``design``, sample it and wrap the result (see ``model.fit``)."""
    draws = _check_count(draws, "draws", 1)
    tune = _check_count(tune, "tune", 0)
    chains = _check_count(chains, "chains", 1)
    cores = 1 if cores is None else _check_count(cores, "cores", 1)
    if sampler not in SAMPLERS:
        raise BayesurvInputError(f"fit: sampler must be one of {SAMPLERS}, got {sampler!r}")
    if not 0 < float(target_accept) < 1:
        raise BayesurvInputError(f"fit: target_accept must be in (0, 1), got {target_accept!r}")
    if random_seed is None:
        random_seed = int(np.random.SeedSequence().generate_state(1)[0])
    random_seed = _check_count(random_seed, "random_seed", 0)

    pm_model = model.build_model(design)
    kwargs = {"draws": draws, "tune": tune, "chains": chains, "cores": cores,
              "random_seed": random_seed, "progressbar": progressbar,
              "target_accept": float(target_accept), "compute_convergence_checks": False,
              "return_inferencedata": True}
    if sampler == "nutpie":
        _require_nutpie()
        kwargs = {k: v for k, v in kwargs.items() if k not in ("target_accept", "cores")}
        kwargs["nuts_sampler"] = "nutpie"
        kwargs["nuts_sampler_kwargs"] = {"target_accept": float(target_accept),
                                         "cores": cores}
    start = time.perf_counter()
    with pm_model, _quiet_pymc(not progressbar):
        idata = pm.sample(**kwargs)
    elapsed = time.perf_counter() - start

    model.postprocess(idata, design, np.random.default_rng(random_seed))
    if "constant_data" in idata:
        del idata.constant_data
    idata.add_groups(constant_data=design.constant_data())
    from bayesurv import __version__

    attrs = {
        "version": __version__,
        "model": json.dumps(model.settings()),
        "data": json.dumps(data.to_dict()),
        "sampler": json.dumps({"sampler": sampler, "draws": draws, "tune": tune,
                               "chains": chains, "cores": cores, "random_seed": random_seed,
                               "target_accept": float(target_accept),
                               "wall_seconds": round(elapsed, 3)}),
    }
    idata.posterior.attrs.update({ATTR_PREFIX + k: v for k, v in attrs.items()})
    fit = Fit(idata)
    check_convergence(idata, warn=True, stacklevel=4)  # points at the caller of model.fit
    return fit


def _require_nutpie() -> None:
    try:
        import nutpie  # noqa: F401
    except ImportError:
        raise BayesurvInputError("sampler='nutpie' needs the nutpie package: "
                                 "pip install 'bayesurv[fast]'") from None


class _quiet_pymc:
    """Silence PyMC's INFO log lines (sampler choice, timings) when progress is hidden."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.logger = logging.getLogger("pymc")

    def __enter__(self):
        self.level = self.logger.level
        if self.quiet:
            self.logger.setLevel(logging.WARNING)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)


class Fit:
    """The result of fitting a bayesurv model: an ArviZ InferenceData plus its context.

    Created by ``model.fit(data)`` or :meth:`from_netcdf`.  The posterior, the model
    settings, the data summary, the sampler settings and the package version all live
    inside :attr:`idata`, so a saved fit is self-describing.

    Attributes
    ----------
    idata : arviz.InferenceData
        Posterior (``log_baseline``, ``log_hr``, ``beta``; for change-point fits
        ``tau_probability`` and ``tau``), sample statistics and ``constant_data`` (the
        exposure table and per-patient pieces).

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> fit = bs.PiecewiseExponential(cuts=[13]).fit(data, draws=200, tune=200, chains=2,
    ...                                              random_seed=1, progressbar=False)
    >>> fit.hazard_ratios().columns.tolist()[:4]
    ['period', 'start', 'end', 'median']
    """

    def __init__(self, idata):
        attrs = getattr(getattr(idata, "posterior", None), "attrs", {})
        if ATTR_PREFIX + "model" not in attrs or "constant_data" not in idata:
            raise FitFileError("this InferenceData was not made by bayesurv (no bayesurv model "
                               "settings or constant data in it)")
        self.idata = idata

    # ------------------------------------------------------------------ context
    def _attr(self, key: str) -> dict:
        return json.loads(self.idata.posterior.attrs[ATTR_PREFIX + key])

    @property
    def kind(self) -> str:
        """``"piecewise"`` or ``"changepoint"``."""
        return summaries.kind_of(self.idata)

    @property
    def settings(self) -> dict:
        """The model's settings (cuts or grid, prior on tau, baseline, priors)."""
        return self._attr("model")

    @property
    def data_summary(self) -> dict:
        """Summary of the data the model was fitted to."""
        return self._attr("data")

    @property
    def sampler_settings(self) -> dict:
        """Sampler, draws, tune, chains, seed and wall time."""
        return self._attr("sampler")

    @property
    def priors(self) -> PriorSet:
        """The prior set used."""
        return PriorSet.from_dict(self.settings["priors"])

    @property
    def version(self) -> str:
        """bayesurv version that made the fit."""
        return str(self.idata.posterior.attrs[ATTR_PREFIX + "version"])

    @property
    def time_unit(self) -> str:
        """Time unit of the data."""
        return str(self.data_summary["time_unit"])

    @property
    def max_time(self) -> float:
        """Longest follow-up in the data."""
        return max(float(g["max_followup"]) for g in self.data_summary["per_group"])

    # ------------------------------------------------------------------ tables
    def hazard_ratios(self, mass: float = 0.95) -> pd.DataFrame:
        """HR (treated vs reference) per period: median, mean, interval, P(HR < 1).

        Columns ``period, start, end, median, mean, lower, upper, p_benefit, group``; for a
        change-point fit the periods are ``before`` and ``after`` tau.
        """
        return summaries.hazard_ratio_table(self.idata, mass)

    def window_hazard_ratios(self, windows, mass: float = 0.95) -> pd.DataFrame:
        """HR over time windows ``[(start, end), ...]`` (see :mod:`bayesurv.summaries`)."""
        return summaries.window_hazard_ratios(self.idata, windows, self.max_time, mass)

    def hazard_ratio_curve(self, times, mass: float = 0.95) -> pd.DataFrame:
        """Posterior of HR(t) at ``times``: median, mean, band and P(HR(t) < 1)."""
        return summaries.hazard_ratio_curve(self.idata, times, mass)

    def survival(self, times, mass: float = 0.95) -> pd.DataFrame:
        """Survival per group at ``times`` (median and band), at average covariates."""
        return summaries.survival_table(self.idata, times, mass)

    def changepoint(self) -> pd.DataFrame:
        """Posterior and prior probability of each candidate change-point (tau, probability).

        The headline figures are in :meth:`changepoint_summary`.
        """
        self._require_changepoint("changepoint")
        return summaries.changepoint_table(self.idata)

    def changepoint_summary(self, mass: float = 0.90) -> pd.Series:
        """Mode, median, mean and 90% interval of the change-point posterior."""
        self._require_changepoint("changepoint_summary")
        return summaries.changepoint_summary(self.idata, mass)

    def changepoint_probability(self, start: float, end: float) -> float:
        """Posterior P(start < tau <= end)."""
        self._require_changepoint("changepoint_probability")
        return summaries.changepoint_probability(self.idata, start, end)

    def summary(self) -> pd.DataFrame:
        """ArviZ summary of every sampled parameter, indexed by readable names."""
        names = [v for v in ("log_hr", "log_baseline", "beta", "tau")
                 if v in self.idata.posterior]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return az.summary(self.idata, var_names=names, round_to="none")

    def diagnostics(self, warn: bool = True) -> Diagnostics:
        """R-hat, ESS and divergences; a ConvergenceWarning per problem when ``warn``."""
        return check_convergence(self.idata, warn=warn)

    def log_likelihood(self) -> np.ndarray:
        """Pointwise log-likelihood (chains, draws, patients), given the draw's tau."""
        return summaries.pointwise_log_likelihood(self.idata)

    def _require_changepoint(self, method: str) -> None:
        if self.kind != "changepoint":
            raise BayesurvInputError(f"Fit.{method}() needs a ChangePoint fit; this fit is "
                                     f"{self.kind}")

    # ------------------------------------------------------------------ files
    def to_netcdf(self, path) -> str:
        """Save the whole fit (posterior, data tables, settings) to a NetCDF file."""
        return self.idata.to_netcdf(os.fspath(path))

    @classmethod
    def from_netcdf(cls, path) -> Fit:
        """Load a fit saved by :meth:`to_netcdf`."""
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FitFileError(f"no such file: {path}")
        try:
            idata = az.from_netcdf(path)
        except Exception as exc:  # netCDF/HDF5 raise many unrelated types
            raise FitFileError(f"{path} is not a NetCDF file readable by ArviZ "
                               f"({type(exc).__name__}: {exc})") from None
        try:
            return cls(idata)
        except FitFileError as exc:
            raise FitFileError(f"{path}: {exc}") from None

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        s = self.sampler_settings
        d = self.data_summary
        lines = [f"bayesurv Fit ({self.kind}; {d['n']} patients, {d['events']} events; "
                 f"{s['chains']} chains x {s['draws']} draws, seed {s['random_seed']})"]
        table = self.hazard_ratios()
        for row in table.itertuples():
            lines.append(f"  HR {row.period}: {row.median:.3f} ({row.lower:.3f}-{row.upper:.3f})"
                         f", P(HR<1) = {row.p_benefit:.3f}")
        if self.kind == "changepoint":
            cp = self.changepoint_summary()
            lines.append(f"  change-point: mode {cp['mode']:g}, median {cp['median']:g}, 90% "
                         f"interval {cp['lower']:g}-{cp['upper']:g} {self.time_unit}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = html.escape(repr(self).splitlines()[0])
        return f"<p>{head}</p>" + self.hazard_ratios().to_html(index=False,
                                                                float_format="%.3f")
