"""Fixed-cut piecewise-exponential model: one treatment log HR per period between cuts."""

from __future__ import annotations

import warnings

import numpy as np

from bayesurv.base.checks import check_times
from bayesurv.base.exceptions import DataWarning, ModelError
from bayesurv.base.vocabulary import interval_labels
from bayesurv.data.exposure import piece_of_edges
from bayesurv.data.survival_data import SurvivalData
from bayesurv.data.usable import check_inside_followup, events_through
from bayesurv.model.arrays import ModelArrays
from bayesurv.model.kind import HazardModel
from bayesurv.model.likelihood import patient_or_table_loglik

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
        Baseline pieces: ``None`` for the default (about sqrt(events) pieces at event-time
        quantiles, plus ``cuts``: see :func:`bayesurv.model.arrays.default_baseline_cuts`),
        an int for that many pieces at quantiles, or explicit cut points.
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
    label = "fixed-cut"
    setting_names = ("cuts", "baseline")
    kind_array_names = ("period_edges", "period_map")
    graph_array_names = ("period_map",)

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

    def arrays(self, data: SurvivalData) -> ModelArrays:
        """Validate the cuts against the data and build the fine grid.

        Examples
        --------
        >>> arrays = PiecewiseExponential(cuts=[13]).arrays(data)
        >>> arrays["period_edges"], arrays.table.events.sum(axis=0)
        (array([ 0., 13.]), array([29., 15.]))
        >>> PiecewiseExponential(cuts=[90]).arrays(data)
        Traceback (most recent call last):
        ...
        bayesurv.base.exceptions.ModelError: cut 90 is not inside the follow-up: ... 84.99 months
        """
        check_inside_followup(self.cuts, data, "cut")
        edges = self.period_edges
        arrays = ModelArrays.build(data, self._baseline_cuts(data), self.cuts,
                                   kind_arrays=lambda fine: {
                                       "period_edges": ("period", edges),
                                       "period_map": ("fine_piece", piece_of_edges(edges, fine))})
        warn_empty_periods(data, self.period_edges)
        return arrays

    def baseline_keeps(self) -> np.ndarray:
        """The treatment cuts: the default baseline is cut there too (see
        :func:`bayesurv.model.arrays.default_baseline_cuts`).

        Examples
        --------
        >>> PiecewiseExponential(cuts=[13, 24]).baseline_keeps()
        array([13., 24.])
        """
        return self.cuts

    def period_rows(self, arrays) -> list[tuple[str, float, float]]:
        """One row per period between the cuts.

        Examples
        --------
        >>> PiecewiseExponential(cuts=[13]).period_rows({"period_edges": np.array([0.0, 13.0])})
        [('0-13', 0.0, 13.0), ('13+', 13.0, inf)]
        """
        edges = np.asarray(arrays["period_edges"], dtype=float)
        ends = [*edges[1:].tolist(), np.inf]
        return list(zip(interval_labels(edges), edges.tolist(), ends, strict=True))

    def effects(self, xp, log_hr, arrays):
        """The period's log HR on each fine piece: one regime, (..., 1, pieces, groups).

        Examples
        --------
        >>> arrays = {"period_map": np.array([0, 0, 1, 1])}  # fine pieces 0-6-13-20-
        >>> PiecewiseExponential(cuts=[13]).effects(np, np.array([[-0.1, -0.9]]), arrays)
        array([[[-0.1],
                [-0.1],
                [-0.9],
                [-0.9]]])
        """
        per_piece = log_hr[..., arrays["period_map"]]  # (..., treated groups, fine pieces)
        return xp.swapaxes(per_piece, -1, -2)[..., None, :, :]

    def state_loglik(self, xp, lh, xb, d):
        """The plain log-likelihood (a single state).

        Examples
        --------
        >>> model = PiecewiseExponential()
        >>> values = model.graph_values(model.arrays(data))
        >>> lh = np.full((1, values["events"].shape[0], 2), np.log(0.005))
        >>> model.state_loglik(np, lh, 0.0, values).round(3)  # 44 deaths
        array([-292.705])
        """
        return xp.stack([patient_or_table_loglik(xp, lh[0], xb, d)])

    def describe(self, arrays, time_unit: str) -> str:
        """The model in one sentence.

        Examples
        --------
        >>> PiecewiseExponential(cuts=[13]).describe(None, "months")
        'Piecewise-exponential model with fixed cut(s) at 13 months.'
        """
        cuts = ", ".join(f"{c:g}" for c in self.cuts) or "none (constant HR)"
        return f"Piecewise-exponential model with fixed cut(s) at {cuts} {time_unit}."

    def default_landmarks(self) -> list[float]:
        """The cuts: the landmark analysis this model is the Bayesian version of.

        Examples
        --------
        >>> PiecewiseExponential(cuts=[8, 13]).default_landmarks()
        [8.0, 13.0]
        """
        return self.cuts.tolist()


def warn_empty_periods(data, edges: np.ndarray) -> None:
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
    labels = interval_labels(edges)
    # periods are right-closed, (edge[k], edge[k + 1]]; time 0 belongs to the first
    per_period = np.diff(events_through(data, [*edges[1:].tolist(), np.inf]), axis=0,
                         prepend=0.0)
    for k, label in enumerate(labels):
        for g, name in enumerate(data.groups):
            if per_period[k, g] == 0:
                warnings.warn(f"group {name!r} has no events in period {label} "
                              f"({data.time_unit}); the hazard ratio there is driven by the "
                              "prior", DataWarning, stacklevel=4)
