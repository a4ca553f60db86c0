"""The survival estimands of a fit, as methods of :class:`~bayesurv.inference.fit.Fit`.

Survival curves, RMST, milestone and median survival, the posterior predictive check and the
covariate effects: each method checks its arguments and hands over to the module holding the
math (:mod:`~bayesurv.inference.curves`, :mod:`~bayesurv.inference.estimands`,
:mod:`~bayesurv.inference.predictive`, :mod:`~bayesurv.inference.covariates`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesurv.base.checks import check_positive, check_times
from bayesurv.base.exceptions import DataWarning, warn_caller
from bayesurv.inference import curves, estimands
from bayesurv.inference.covariates import covariate_effects
from bayesurv.inference.intervals import checked
from bayesurv.inference.predictive import PredictiveCheck, predictive_check

__all__ = ["SurvivalEstimands"]

STANDARDIZED = curves.STANDARDIZED
ET = "equal-tailed"


class SurvivalEstimands:
    """Methods of :class:`~bayesurv.inference.fit.Fit` for survival estimands (a mixin: it
    reads the fit's ``idata``, ``model``, ``data_summary``, ``max_time`` and ``time_unit``)."""

    def survival(self, times, mass: float = 0.95, interval: str = ET,
                 covariates=STANDARDIZED) -> pd.DataFrame:
        """Survival per group at ``times`` (median and band); with covariates, standardized
        over the cohort or at given values (``covariates``, see the class).

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
        return curves.survival_table(self.idata, self.model,
                                     self._curve_times(times, "Fit.survival"),
                                     *checked(mass, interval, "Fit.survival"), covariates)

    def survival_draws(self, times, covariates=STANDARDIZED):
        """The curves of :meth:`survival` per draw: ``xarray.DataArray`` (chain, draw, group, time).

        Examples
        --------
        >>> (fit.survival_draws([12, 60]).sel(time=60) > 0.8).mean(("chain", "draw")).dims
        ('group',)
        """
        return estimands.survival_curves(
            self.idata, self.model, self._curve_times(times, "Fit.survival_draws"), covariates)

    def rmst(self, horizon: float, mass: float = 0.95, interval: str = ET,
             covariates=STANDARDIZED) -> pd.DataFrame:
        """Restricted mean survival time up to ``horizon`` per group and the difference per
        treated group, with P(difference > 0); see :mod:`bayesurv.inference.estimands`.

        Examples
        --------
        >>> r = pw_fit.rmst(60)
        >>> r["group"].tolist(), bool(r["p_benefit"].iloc[2] > 0.5)
        (['control', 'UC-MSC', 'UC-MSC - control'], True)
        """
        return estimands.rmst_table(self.idata, self.model, self.data_summary,
                                    check_positive(horizon, "horizon", "Fit.rmst"),
                                    *checked(mass, interval, "Fit.rmst"), covariates)

    def survival_difference(self, times, mass: float = 0.95, interval: str = ET,
                            covariates=STANDARDIZED) -> pd.DataFrame:
        """Milestone survival at ``times`` per group and the difference per treated group.

        Examples
        --------
        >>> pw_fit.survival_difference([60])["group"].tolist()
        ['control', 'UC-MSC', 'UC-MSC - control']
        """
        return estimands.survival_difference_table(
            self.idata, self.model,
            self._curve_times(times, "Fit.survival_difference"),
            *checked(mass, interval, "Fit.survival_difference"), covariates)

    def median_survival(self, mass: float = 0.95, interval: str = ET,
                        covariates=STANDARDIZED) -> pd.DataFrame:
        """Median survival per group and the difference per treated group; NaN when not
        reached within the follow-up, ``reached`` the share of draws that reach it.

        Examples
        --------
        >>> pw_fit.median_survival()[["median", "reached"]].iloc[0].tolist()  # curves stay > 0.5
        [nan, 0.0]
        """
        return estimands.median_table(self.idata, self.model, self.data_summary,
                                      *checked(mass, interval, "Fit.median_survival"),
                                      covariates)

    def predictive_check(self, draws: int = 200, times=None, mass: float = 0.95,
                         random_seed: int | None = 0) -> PredictiveCheck:
        """Posterior predictive check: the data's Kaplan-Meier curves against those of trials
        replicated from ``draws`` posterior draws, with the fit's patients and censoring (see
        :mod:`bayesurv.inference.predictive`).

        Examples
        --------
        >>> pw_fit.predictive_check().coverage["points"].tolist()  # grid times in follow-up
        [192, 200]
        """
        return predictive_check(self.idata, self.model, draws, times, mass, random_seed)

    def covariate_effects(self, mass: float = 0.95, interval: str = ET) -> pd.DataFrame:
        """HR of each covariate per standard deviation and per unit (see
        :func:`bayesurv.inference.covariates.covariate_effects`).

        Examples
        --------
        >>> fit.covariate_effects().empty  # no covariates in the reference fit
        True
        """
        return covariate_effects(self.idata, *checked(mass, interval, "Fit.covariate_effects"))

    def _curve_times(self, times, what: str) -> np.ndarray:
        """Times at which a curve is asked for: finite and >= 0; past the longest follow-up
        (of every arm) a warning says the curve is an extrapolation."""
        times = check_times(times, "times", what, allow_empty=False)
        beyond = times[times > self.max_time]
        if beyond.size:
            warn_caller(f"{what}: time(s) {', '.join(f'{t:g}' for t in beyond[:5])} "
                        f"{self.time_unit} are past the longest follow-up ({self.max_time:g} "
                        f"{self.time_unit}); there the last piece's hazard is carried forward, "
                        "an extrapolation the data do not inform", DataWarning)
        return times
