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

from bayesurv.base.exceptions import BayesurvInputError, FitFileError
from bayesurv.inference import summaries
from bayesurv.inference.diagnostics import Diagnostics, check_convergence
from bayesurv.model.priors import PriorSet

if TYPE_CHECKING:
    from bayesurv.data.survival_data import SurvivalData
    from bayesurv.model.arrays import Design
    from bayesurv.model.kind import HazardModel

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
    """Build the PyMC model of ``design``, sample it and wrap the result (see ``model.fit``).

    Examples
    --------
    What ``model.fit(data, ...)`` runs once the data are checked:

    >>> model = bs.PiecewiseExponential(cuts=[13])
    >>> small = sample_fit(model, model.design(data), data, draws=100, tune=100, chains=2,
    ...                    random_seed=3, sampler="pymc", cores=1, target_accept=0.9,
    ...                    progressbar=False)
    >>> small.kind, small.idata.posterior.sizes["chain"], small.idata.posterior.sizes["draw"]
    ('piecewise', 2, 100)
    """
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
        kwargs = {k: v for k, v in kwargs.items() if k != "cores"}
        kwargs["nuts_sampler"] = "nutpie"
        kwargs["nuts_sampler_kwargs"] = {"cores": cores}
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
                               "wall_seconds": round(elapsed, 3),
                               "sampling_seconds": _sampling_seconds(idata, elapsed)}),
    }
    idata.posterior.attrs.update({ATTR_PREFIX + k: v for k, v in attrs.items()})
    fit = Fit(idata)
    check_convergence(idata, warn=True, stacklevel=4)  # points at the caller of model.fit
    return fit


def _sampling_seconds(idata, fallback: float) -> float:
    """Time spent drawing samples, after compilation (as PyMC records it)."""
    value = idata.posterior.attrs.get("sampling_time", fallback)
    return round(float(value), 3)


def _require_nutpie() -> None:
    try:
        import nutpie  # noqa: F401
    except ImportError:
        raise BayesurvInputError("sampler='nutpie' needs the nutpie package: "
                                 "pip install 'bayesurv[fast]'") from None


REQUIRED_POSTERIOR = ("log_baseline", "log_hr")
REQUIRED_CONSTANT = ("fine_edges", "baseline_edges", "events", "exposure", "patient_piece",
                     "patient_offset", "patient_event", "patient_group", "patient_covariates")
REQUIRED_ATTRS = ("version", "model", "data", "sampler")


def _check_complete(idata) -> None:
    """Refuse a damaged fit on load rather than on first use."""
    missing = [f"posterior.{v}" for v in REQUIRED_POSTERIOR if v not in idata.posterior]
    missing += [f"constant_data.{v}" for v in REQUIRED_CONSTANT if v not in idata.constant_data]
    attrs = idata.posterior.attrs
    missing += [f"attribute {ATTR_PREFIX}{a}" for a in REQUIRED_ATTRS
                if ATTR_PREFIX + a not in attrs]
    if "period_edges" not in idata.constant_data and "tau_grid" not in idata.constant_data:
        missing.append("constant_data.period_edges or constant_data.tau_grid")
    if missing:
        raise FitFileError(f"this bayesurv fit is incomplete or damaged: missing "
                           f"{', '.join(missing)}")
    for a in ("model", "data", "sampler"):
        try:
            json.loads(attrs[ATTR_PREFIX + a])
        except (TypeError, ValueError):
            raise FitFileError(f"this bayesurv fit is damaged: attribute {ATTR_PREFIX}{a} is not "
                               "valid JSON") from None


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
        _check_complete(idata)
        self.idata = idata

    # ------------------------------------------------------------------ context
    def _attr(self, key: str) -> dict:
        return json.loads(self.idata.posterior.attrs[ATTR_PREFIX + key])

    @property
    def kind(self) -> str:
        """``"piecewise"`` or ``"changepoint"``.

        Examples
        --------
        >>> fit.kind, pw_fit.kind
        ('changepoint', 'piecewise')
        """
        return summaries.kind_of(self.idata)

    @property
    def settings(self) -> dict:
        """The model's settings (cuts or grid, prior on tau, baseline, priors).

        Examples
        --------
        >>> fit.settings["near"], pw_fit.settings["cuts"], fit.settings["priors"]["name"]
        (13.0, [13.0], 'default')
        """
        return self._attr("model")

    @property
    def data_summary(self) -> dict:
        """Summary of the data the model was fitted to.

        Examples
        --------
        >>> fit.data_summary["n"], fit.data_summary["events"], fit.data_summary["reference"]
        (219, 44, 'control')
        """
        return self._attr("data")

    @property
    def sampler_settings(self) -> dict:
        """Sampler, draws, tune, chains, seed, and times: ``wall_seconds`` for the whole
        ``fit`` call (compilation included), ``sampling_seconds`` for drawing the samples.

        Examples
        --------
        >>> s = fit.sampler_settings
        >>> s["sampler"], s["chains"], s["draws"], s["random_seed"]
        ('pymc', 2, 200, 1)
        """
        return self._attr("sampler")

    @property
    def priors(self) -> PriorSet:
        """The prior set used.

        Examples
        --------
        >>> fit.priors.name, fit.priors.log_hr.describe()
        ('default', 'Normal(0, 1)')
        """
        return PriorSet.from_dict(self.settings["priors"])

    @property
    def version(self) -> str:
        """bayesurv version that made the fit.

        Examples
        --------
        >>> fit.version == bs.__version__
        True
        """
        return str(self.idata.posterior.attrs[ATTR_PREFIX + "version"])

    @property
    def time_unit(self) -> str:
        """Time unit of the data.

        Examples
        --------
        >>> fit.time_unit
        'months'
        """
        return str(self.data_summary["time_unit"])

    @property
    def max_time(self) -> float:
        """Longest follow-up in the data.

        Examples
        --------
        >>> fit.max_time == data.max_time
        True
        """
        return max(float(g["max_followup"]) for g in self.data_summary["per_group"])

    # ------------------------------------------------------------------ tables
    def hazard_ratios(self, mass: float = 0.95) -> pd.DataFrame:
        """HR (treated vs reference) per period: median, mean, interval, P(HR < 1).

        Columns ``period, start, end, median, mean, lower, upper, p_benefit, group``; for a
        change-point fit the periods are ``before`` and ``after`` tau.

        Examples
        --------
        >>> hr = pw_fit.hazard_ratios()
        >>> hr["period"].tolist(), hr["end"].tolist()
        (['0-13', '13+'], [13.0, inf])
        >>> bool(hr["upper"].iloc[1] < 1)  # the 95% interval after 13 months excludes HR = 1
        True
        """
        return summaries.hazard_ratio_table(self.idata, mass)

    def window_hazard_ratios(self, windows, mass: float = 0.95) -> pd.DataFrame:
        """HR over time windows ``[(start, end), ...]`` (see :mod:`bayesurv.inference.summaries`).

        Examples
        --------
        >>> fit.window_hazard_ratios([(0, 13), (13, 60)])["window"].tolist()
        ['0-13', '13-60']

        For a fixed-cut fit, a window equal to a period gives that period's HR:

        >>> w = pw_fit.window_hazard_ratios([(0, 13), (13, np.inf)])
        >>> bool(np.allclose(w["median"], pw_fit.hazard_ratios()["median"]))
        True
        """
        return summaries.window_hazard_ratios(self.idata, windows, self.max_time, mass)

    def hazard_ratio_curve(self, times, mass: float = 0.95) -> pd.DataFrame:
        """Posterior of HR(t) at ``times``: median, mean, band and P(HR(t) < 1).

        Examples
        --------
        >>> curve = fit.hazard_ratio_curve([6, 24])
        >>> curve["time"].tolist(), curve.columns.tolist()[2:]
        ([6.0, 24.0], ['median', 'mean', 'lower', 'upper', 'p_benefit'])
        >>> bool(curve["median"].iloc[1] < curve["median"].iloc[0])  # the effect comes later
        True
        """
        return summaries.hazard_ratio_curve(self.idata, times, mass)

    def survival(self, times, mass: float = 0.95) -> pd.DataFrame:
        """Survival per group at ``times`` (median and band), at average covariates.

        Examples
        --------
        >>> s = fit.survival([12, 60])
        >>> s[["time", "group"]]
           time    group
        0  12.0  control
        1  60.0  control
        2  12.0   UC-MSC
        3  60.0   UC-MSC
        >>> bool((s["lower"] <= s["median"]).all() and (s["median"] <= s["upper"]).all())
        True
        """
        return summaries.survival_table(self.idata, times, mass)

    def changepoint(self) -> pd.DataFrame:
        """Posterior and prior probability of each candidate change-point (tau, probability).

        The headline figures are in :meth:`changepoint_summary`.

        Examples
        --------
        >>> cp = fit.changepoint()
        >>> cp.columns.tolist(), len(cp)
        (['tau', 'probability', 'prior', 'cumulative'], 53)
        >>> round(float(cp["prior"].sum()), 6), round(float(cp["probability"].sum()), 6)
        (1.0, 1.0)
        """
        self._require_changepoint("changepoint")
        return summaries.changepoint_table(self.idata)

    def changepoint_summary(self, mass: float = 0.90) -> pd.Series:
        """Mode, median, mean and 90% interval of the change-point posterior.

        Examples
        --------
        >>> cp = fit.changepoint_summary()
        >>> cp.index.tolist()
        ['mode', 'median', 'mean', 'lower', 'upper', 'mass']
        >>> bool(cp["lower"] <= cp["median"] <= cp["upper"])
        True
        """
        self._require_changepoint("changepoint_summary")
        return summaries.changepoint_summary(self.idata, mass)

    def changepoint_probability(self, start: float, end: float) -> float:
        """Posterior P(start < tau <= end).

        Examples
        --------
        >>> round(fit.changepoint_probability(0, fit.max_time), 6)
        1.0
        >>> fit.changepoint_probability(6, 24) > 0.9
        True
        """
        self._require_changepoint("changepoint_probability")
        return summaries.changepoint_probability(self.idata, start, end)

    def summary(self) -> pd.DataFrame:
        """ArviZ summary of every sampled parameter, indexed by readable names.

        Examples
        --------
        >>> s = fit.summary()
        >>> s.index.tolist()[:2]
        ['log_hr[UC-MSC, before]', 'log_hr[UC-MSC, after]']
        >>> "r_hat" in s.columns
        True
        """
        names = [v for v in ("log_hr", "log_baseline", "beta", "tau")
                 if v in self.idata.posterior]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return az.summary(self.idata, var_names=names, round_to="none")

    def diagnostics(self, warn: bool = True) -> Diagnostics:
        """R-hat, ESS and divergences; a ConvergenceWarning per problem when ``warn``.

        Examples
        --------
        >>> d = fit.diagnostics(warn=False)
        >>> d.chains, d.draws, d.table.columns.tolist()
        (2, 200, ['parameter', 'r_hat', 'ess_bulk', 'ess_tail', 'ok'])
        """
        return check_convergence(self.idata, warn=warn)

    def log_likelihood(self) -> np.ndarray:
        """Pointwise log-likelihood (chains, draws, patients), given the draw's tau.

        Examples
        --------
        >>> fit.log_likelihood().shape  # chains, draws, patients
        (2, 200, 219)
        """
        return summaries.pointwise_log_likelihood(self.idata)

    def _require_changepoint(self, method: str) -> None:
        if self.kind != "changepoint":
            raise BayesurvInputError(f"Fit.{method}() needs a ChangePoint fit; this fit is "
                                     f"{self.kind}")

    # ------------------------------------------------------------------ files
    def to_netcdf(self, path) -> str:
        """Save the whole fit (posterior, data tables, settings) to a NetCDF file.

        Examples
        --------
        >>> import os
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "fit.nc")
        ...     _ = fit.to_netcdf(path)
        ...     os.path.getsize(path) > 0
        True
        """
        return self.idata.to_netcdf(os.fspath(path))

    @classmethod
    def from_netcdf(cls, path) -> Fit:
        """Load a fit saved by :meth:`to_netcdf`.

        Examples
        --------
        >>> import os
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "fit.nc")
        ...     _ = fit.to_netcdf(path)
        ...     again = bs.Fit.from_netcdf(path)
        ...     again.kind, again.changepoint().equals(fit.changepoint())
        ('changepoint', True)
        """
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
