"""The Fit result: posterior tables, diagnostics, save and load.

A Fit holds an ArviZ InferenceData and rebuilds the model kind object from the settings
stored in it; every table asks that object (through :mod:`bayesurv.inference.summaries`)
for the kind's math, so a loaded fit answers exactly as the fit that was saved.
"""

from __future__ import annotations

import html
import json
import os

import numpy as np
import pandas as pd

from bayesurv.base.checks import check_windows
from bayesurv.base.exceptions import (
    BayesurvInputError,
    DataError,
    FitFileError,
)
from bayesurv.inference import curves, summaries
from bayesurv.inference.diagnostics import Diagnostics, check_convergence, parameter_summary
from bayesurv.inference.fit_estimands import SurvivalEstimands
from bayesurv.inference.fit_file import ATTR_PREFIX, check_fit
from bayesurv.inference.fit_io import read_fit_file, write_fit_file
from bayesurv.inference.intervals import checked
from bayesurv.inference.reconstruction_share import ReconstructionShare, reconstruction_note
from bayesurv.model.priors import PriorSet

__all__ = ["ATTR_PREFIX", "Fit"]

STANDARDIZED = curves.STANDARDIZED
ET = "equal-tailed"


class Fit(SurvivalEstimands, ReconstructionShare):
    """The result of fitting a bayesurv model: an ArviZ InferenceData plus its context.

    Created by ``model.fit(data)`` or :meth:`from_netcdf`.  The posterior, the model
    settings, the data summary, the sampler settings and the package version all live
    inside :attr:`idata`, so a saved fit is self-describing.

    Every table's interval has mass ``mass`` (95% by default, any number in (0, 1)) and is
    equal-tailed, or the highest-density interval with ``interval="hdi"``
    (:mod:`bayesurv.inference.intervals`); ``table.attrs["interval"]`` names it.  For a fit
    with covariates, survival curves and their estimands are standardized over the cohort
    (``covariates="standardized"``) or at given covariate values (``covariates={"age": 50}``),
    see :mod:`bayesurv.inference.curves`.

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
        self.model = check_fit(idata)
        self.idata = idata

    # ------------------------------------------------------------------ context
    def _attr(self, key: str) -> dict:
        return json.loads(self.idata.posterior.attrs[ATTR_PREFIX + key])

    @property
    def kind(self) -> str:
        """The model kind's name, ``"piecewise"`` or ``"changepoint"`` (the kind object
        itself is :attr:`model`).

        Examples
        --------
        >>> fit.kind, pw_fit.kind
        ('changepoint', 'piecewise')
        """
        return self.model.kind

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
        ('jax', 2, 200, 1)
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
    def hazard_ratios(self, mass: float = 0.95, interval: str = ET) -> pd.DataFrame:
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
        return self._noted(summaries.hazard_ratio_table(
            self.idata, self.model, *checked(mass, interval, "Fit.hazard_ratios")))

    def window_hazard_ratios(self, windows, mass: float = 0.95,
                             interval: str = ET) -> pd.DataFrame:
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
        return summaries.window_hazard_ratios(
            self.idata, self.model, check_windows(windows, self.max_time, self.time_unit,
                          "Fit.window_hazard_ratios"), self.max_time,
            *checked(mass, interval, "Fit.window_hazard_ratios"))

    def hazard_ratio_curve(self, times, mass: float = 0.95, interval: str = ET) -> pd.DataFrame:
        """Posterior of HR(t) at ``times``: median, mean, band and P(HR(t) < 1).

        Examples
        --------
        >>> curve = fit.hazard_ratio_curve([6, 24])
        >>> curve["time"].tolist(), curve.columns.tolist()[2:]
        ([6.0, 24.0], ['median', 'mean', 'lower', 'upper', 'p_benefit'])
        >>> bool(curve["median"].iloc[1] < curve["median"].iloc[0])  # the effect comes later
        True
        """
        return summaries.hazard_ratio_curve(
            self.idata, self.model, self._curve_times(times, "Fit.hazard_ratio_curve"),
            *checked(mass, interval, "Fit.hazard_ratio_curve"))

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
        return summaries.state_table(self.idata, self.model)

    def changepoint_summary(self, mass: float = 0.95, interval: str = ET) -> pd.Series:
        """Mode, median, mean and interval of ``mass`` of the change-point posterior.

        Examples
        --------
        >>> cp = fit.changepoint_summary()
        >>> cp.index.tolist()
        ['mode', 'median', 'mean', 'lower', 'upper', 'mass']
        >>> bool(cp["lower"] <= cp["median"] <= cp["upper"])
        True
        """
        self._require_changepoint("changepoint_summary")
        return summaries.state_summary(self.idata, self.model,
                                       *checked(mass, interval, "Fit.changepoint_summary"))

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
        return summaries.state_probability(self.idata, self.model, start, end)

    def summary(self, mass: float = 0.95, interval: str = ET) -> pd.DataFrame:
        """Every sampled parameter: mean, sd, median, the interval of ``mass``
        (columns ``lower``, ``upper``; the ``interval`` column says which) and ArviZ's
        convergence diagnostics, indexed by readable names.

        Examples
        --------
        >>> s = fit.summary()
        >>> s.index.tolist()[:2]
        ['log_hr[UC-MSC, before]', 'log_hr[UC-MSC, after]']
        >>> s.columns.tolist()
        ['mean', 'sd', 'median', 'lower', 'upper', 'interval', 'ess_bulk', 'ess_tail', 'r_hat']
        """
        return parameter_summary(self.idata, *checked(mass, interval, "Fit.summary"))

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
        self._refuse_pointwise()
        if self.data_summary.get("delayed_entry"):
            raise BayesurvInputError("Fit.log_likelihood: the data have delayed entry, which "
                                     "the per-patient log-likelihood does not take into "
                                     "account yet")
        if self.data_summary.get("aggregated"):
            raise DataError("the pointwise log-likelihood (and LOO, compare_models) needs "
                            "patient rows, and this model was fitted to aggregated data "
                            "(events and person-time per piece)")
        return summaries.pointwise_log_likelihood(self.idata, self.model)

    @property
    def has_changepoint(self) -> bool:
        """Whether the model estimates a change-point (its posterior is in :meth:`changepoint`).

        Examples
        --------
        >>> fit.has_changepoint, pw_fit.has_changepoint
        (True, False)
        """
        return self.model.state_name is not None

    def _require_changepoint(self, method: str) -> None:
        if not self.has_changepoint:
            raise BayesurvInputError(f"Fit.{method}() needs a ChangePoint fit; this fit is "
                                     f"a {self.model.label} model ({self.kind})")

    # ------------------------------------------------------------------ files
    def to_netcdf(self, path, notes: dict[str, str] | None = None) -> str:
        """Save the whole fit (posterior, data tables, settings) to a NetCDF file.

        ``notes`` adds text attributes to the file only (``bayesurv_<key>``), e.g. the spec
        a report was run from; the fit itself is not changed.  The file also holds a digest
        of its content, so :meth:`from_netcdf` refuses it once it is edited.

        Examples
        --------
        >>> import os
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "fit.nc")
        ...     _ = fit.to_netcdf(path, notes={"spec": "title = 'x'"})
        ...     bs.Fit.from_netcdf(path).idata.posterior.attrs["bayesurv_spec"]
        "title = 'x'"
        >>> "bayesurv_spec" in fit.idata.posterior.attrs
        False
        """
        return write_fit_file(self.idata, path, notes)

    @classmethod
    def from_netcdf(cls, path) -> Fit:
        """Load a fit saved by :meth:`to_netcdf`.

        Raises :class:`~bayesurv.FitFileError`, naming the file and what is wrong, for a
        file that is not a complete and consistent bayesurv fit, or that was changed after
        bayesurv saved it (see :mod:`bayesurv.inference.fit_file`).

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
        idata = read_fit_file(path)
        try:
            return cls(idata)
        except FitFileError as exc:
            raise FitFileError(f"{os.fspath(path)}: {exc}") from None

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        s = self.sampler_settings
        d = self.data_summary
        lines = [f"bayesurv Fit ({self.kind}; {d['n']} patients, {d['events']} events; "
                 f"{s['chains']} chains x {s['draws']} draws, seed {s['random_seed']})"]
        lines += [f"  {note}" for note in [reconstruction_note(self.idata)] if note]
        table = self.hazard_ratios()
        reference = d["reference"]
        for row in table.itertuples():
            lines.append(f"  HR {row.group} vs {reference}, {row.period}: {row.median:.3f} "
                         f"({row.lower:.3f}-{row.upper:.3f}), P(HR<1) = {row.p_benefit:.3f}")
        if self.has_changepoint:
            cp = self.changepoint_summary()
            lines.append(f"  change-point: mode {cp['mode']:g}, median {cp['median']:g}, "
                         f"{cp.attrs['interval']} interval {cp['lower']:g}-{cp['upper']:g} "
                         f"{self.time_unit}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = html.escape(repr(self).splitlines()[0])
        return f"<p>{head}</p>" + self.hazard_ratios().to_html(index=False,
                                                                float_format="%.3f")
