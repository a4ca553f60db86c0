"""Fixed-cut piecewise-exponential model: one treatment log HR per period between cuts."""

from __future__ import annotations

import warnings

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayesurv.base.checks import check_times
from bayesurv.base.exceptions import DataWarning, ModelError
from bayesurv.base.vocabulary import interval_labels
from bayesurv.data.survival_data import SurvivalData
from bayesurv.model import likelihood as lik
from bayesurv.model.arrays import Design, check_inside_followup, piece_of_edges
from bayesurv.model.kind import HazardModel

__all__ = ["PiecewiseExponential"]


class PiecewiseExponential(HazardModel):
    """Piecewise-exponential model whose treatment effect changes at fixed cut(s).

    The log hazard of a patient in group ``g`` at time ``t`` is
    ``log h0(t) + beta[g, period(t)] + x' gamma``: a baseline that is constant on its own
    pieces (smoothed by a random-walk prior), one treatment log HR per period between the
    cuts, and covariate coefficients.  This is the Bayesian landmark analysis.

    Parameters
    ----------
    cuts : sequence of float
        Times where the treatment effect may change, in the data's time unit.  ``[]`` gives
        one constant HR (a Bayesian Cox-like model).
    baseline : None, int or sequence of float
        Baseline pieces: ``None`` for a handful at event-time quantiles, an int for that
        many pieces at quantiles, or explicit cut points.
    priors : None, str, dict or PriorSet
        Prior set name (``"default"``, ``"skeptical"``, ``"enthusiastic"``, ``"vague"``), a
        dict of overrides by role, or a :class:`bayesurv.model.priors.PriorSet`.

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> fit = bs.PiecewiseExponential(cuts=[13]).fit(data, draws=200, tune=200, chains=2,
    ...                                              random_seed=1, progressbar=False)
    >>> list(fit.hazard_ratios()["period"])
    ['0-13', '13+']
    """

    kind = "piecewise"

    def __init__(self, cuts=(), baseline=None, priors=None):
        super().__init__(baseline=baseline, priors=priors)
        self.cuts = check_times(cuts, "cuts", "PiecewiseExponential", ModelError)
        if (self.cuts <= 0).any():
            raise ModelError(f"PiecewiseExponential: cuts must be > 0, got {self.cuts.tolist()}")

    @property
    def period_edges(self) -> np.ndarray:
        """Start of each treatment-effect period.

        Examples
        --------
        >>> PiecewiseExponential(cuts=[13, 24]).period_edges
        array([ 0., 13., 24.])
        """
        return np.r_[0.0, self.cuts]

    def settings(self) -> dict:
        """JSON-friendly settings.

        Examples
        --------
        >>> s = PiecewiseExponential(cuts=[13], priors="skeptical").settings()
        >>> s["kind"], s["cuts"], s["priors"]["name"]
        ('piecewise', [13.0], 'skeptical')
        """
        baseline = self.baseline
        if baseline is not None and not isinstance(baseline, int):
            baseline = [float(b) for b in baseline]
        return {"kind": self.kind, "cuts": self.cuts.tolist(), "baseline": baseline,
                "priors": self.priors.to_dict()}

    def design(self, data: SurvivalData) -> Design:
        """Validate the cuts against the data and build the fine grid.

        Examples
        --------
        >>> design = PiecewiseExponential(cuts=[13]).design(data)
        >>> design.extra["period_edges"], design.table.events.sum(axis=0)
        (array([ 0., 13.]), array([29., 15.]))
        >>> PiecewiseExponential(cuts=[90]).design(data)
        Traceback (most recent call last):
        ...
        bayesurv.base.exceptions.ModelError: cut 90 is not inside the follow-up: ... 84.99 months
        """
        check_inside_followup(self.cuts, data, "cut")
        design = Design.build(data, self._baseline_cuts(data), self.cuts)
        design.extra["period_edges"] = self.period_edges
        warn_empty_periods(data, self.period_edges)
        return design

    def build_model(self, design: Design) -> pm.Model:
        """PyMC graph: baseline random walk, log HR per (group, period), covariates.

        Examples
        --------
        >>> model = PiecewiseExponential(cuts=[13])
        >>> pm_model = model.build_model(model.design(data))
        >>> [v.name for v in pm_model.free_RVs], pm_model.coords["period"]
        (['log_baseline', 'log_hr'], ('0-13', '13+'))
        """
        period_labels = interval_labels(self.period_edges)
        period_map = piece_of_edges(self.period_edges, design.fine_edges)
        coords = self._coords(design) | {"period": period_labels}
        with pm.Model(coords=coords) as model:
            log_baseline = self._log_baseline(design)
            log_hr = self.priors.log_hr.create("log_hr", dims=("group", "period"))
            xb = self._linear_predictor(design)
            n_fine = design.fine_edges.size
            effect = pt.concatenate([pt.zeros((n_fine, 1)), log_hr[:, period_map].T], axis=1)
            lh = log_baseline[design.baseline_map][:, None] + effect
            if design.has_covariates:
                p = design.patients
                loglik = lik.patient_loglik(pt, p.piece, p.offset, p.event, p.group,
                                            design.widths, lh, xb).sum()
            else:
                loglik = lik.aggregated_loglik(pt, design.table.events, design.table.exposure, lh)
            pm.Potential("loglik", loglik)
        return model


def warn_empty_periods(data: SurvivalData, edges: np.ndarray) -> None:
    """Warn when a group has no events in a period: its HR there is driven by the prior.

    Examples
    --------
    >>> import warnings
    >>> df = pd.DataFrame({"time": [2.0, 5.0, 20.0, 3.0, 4.0, 30.0], "event": [1, 1, 1, 1, 1, 0],
    ...                    "arm": ["a", "a", "a", "b", "b", "b"]})
    >>> small = bs.SurvivalData.from_frame(df, reference="a")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_empty_periods(small, np.array([0.0, 13.0]))
    >>> str(caught[0].message)[:40]
    "group 'b' has no events in period 13+ (m"
    """
    bounds = [*edges.tolist(), np.inf]
    labels = interval_labels(edges)
    for k, label in enumerate(labels):
        inside = (data.time > bounds[k]) & (data.time <= bounds[k + 1])
        if k == 0:
            inside |= data.time == 0
        for g, name in enumerate(data.groups):
            if not data.event[inside & (data.group_index == g)].any():
                warnings.warn(f"group {name!r} has no events in period {label} "
                              f"({data.time_unit}); the hazard ratio there is driven by the "
                              "prior", DataWarning, stacklevel=4)
