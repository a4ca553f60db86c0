"""Change-point model: the treatment effect switches at an unknown time tau.

tau takes values on a grid of candidate times with prior weights ``pi_k``.  The likelihood
``log sum_k pi_k exp(loglik(tau_k))`` is computed for every candidate at once from
cumulative sums over the fine grid, so tau is marginalized exactly and NUTS samples only
continuous parameters.  Per draw, ``tau_probability`` (dimension ``candidate``, whose
coordinates are the grid times) holds P(tau = tau_k | parameters, data), the Rao-Blackwellized
conditional posterior, and ``tau`` one draw from it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Set

import numpy as np

from bayesurv.base.checks import check_positive, check_times
from bayesurv.base.exceptions import DataWarning, ModelError, PriorError
from bayesurv.data.aggregated import AggregatedData
from bayesurv.data.survival_data import SurvivalData
from bayesurv.data.usable import events_through
from bayesurv.model import likelihood as lik
from bayesurv.model.arrays import ModelArrays
from bayesurv.model.kind import HazardModel

__all__ = ["ChangePoint", "default_grid"]

MIN_EVENTS_EACH_SIDE = 3
MAX_NAMED = 5  # grid points named in a warning
TARGET_GRID_POINTS = 60


def nice_step(span: float, target: int = TARGET_GRID_POINTS) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about ``target`` points.

    Examples
    --------
    >>> [float(nice_step(span)) for span in (85.0, 850.0, 2.5)]
    [1.0, 10.0, 0.02]
    """
    raw = span / target
    power = 10.0 ** np.floor(np.log10(raw))
    for multiple in (5.0, 2.0, 1.0):
        if multiple * power <= raw:
            return multiple * power
    return power


def default_grid(data: SurvivalData, min_events: int = MIN_EVENTS_EACH_SIDE) -> np.ndarray:
    """Round times inside the follow-up leaving ``min_events`` events on each side.

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> grid = default_grid(data)
    >>> float(grid[1] - grid[0])
    1.0
    """
    step = nice_step(data.max_time)
    if isinstance(data, AggregatedData):
        candidates = grid_candidates(data.grid, data.max_time, step)
    else:
        candidates = np.round(np.arange(step, data.max_time, step), 10)
    before = events_through(data, candidates).sum(axis=1)
    keep = (before >= min_events) & (data.n_events - before >= min_events)
    if not keep.any():
        raise ModelError(f"no change-point candidate leaves {min_events} events on each side "
                         f"({data.n_events} events in all); give a grid explicitly")
    return candidates[keep]


def grid_candidates(grid: np.ndarray, max_time: float, step: float) -> np.ndarray:
    """Change-point candidates on an aggregation grid: its edges inside the follow-up, or,
    when they are many more than :data:`TARGET_GRID_POINTS`, those on multiples of ``step``
    (every k-th edge if none is).

    Examples
    --------
    >>> grid_candidates(np.arange(0, 85, 0.5), 84.99, 1.0)[:3]
    array([1., 2., 3.])
    >>> grid_candidates(np.array([0.0, 3.0, 6.0, 9.0]), 8.0, 1.0)
    array([3., 6.])
    """
    inside = grid[(grid > 0) & (grid < max_time)]
    if inside.size <= 2 * TARGET_GRID_POINTS:
        return inside
    ratio = inside / step
    round_ones = inside[np.isclose(ratio, np.round(ratio), rtol=0, atol=1e-9)]
    if round_ones.size:
        return round_ones
    return inside[::int(np.ceil(inside.size / TARGET_GRID_POINTS))]


class ChangePoint(HazardModel):
    """Piecewise-exponential model with a treatment effect that changes at an estimated time.

    The treatment log HR is ``before`` up to tau and ``after`` from tau on; tau is given a
    discrete prior on ``grid`` and marginalized exactly.

    Parameters
    ----------
    grid : sequence of float, optional
        Candidate change-point times (data's time unit).  Default: round times (about 60
        over the follow-up; every month for the reference trial) that leave at least 3 events
        on each side.
    near : float, optional
        Centre of a discretized normal prior on tau (e.g. a suspected 13 months).
    spread : float, optional
        Standard deviation of that prior; default ``max(near / 4, 2 grid steps)``.
    prior : sequence of float, optional
        Prior weights over ``grid`` (non-negative, normalized here); overrides ``near``.
        Default: uniform when ``near`` is not given.
    baseline : None, int or sequence of float
        Baseline pieces, as in :class:`PiecewiseExponential`.
    priors : None, str, dict or PriorSet
        Priors of the continuous parameters (the ``log_hr`` prior applies before and after).

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> fit = bs.ChangePoint(near=13).fit(data, draws=200, tune=200, chains=2,
    ...                                   random_seed=1, progressbar=False)
    >>> float(fit.changepoint()["probability"].sum().round(6))
    1.0
    """

    kind = "changepoint"
    label = "change-point"
    state_name = "tau"
    state_dim = "candidate"
    setting_names = ("grid", "near", "spread", "prior", "baseline")
    kind_array_names = ("tau_grid", "tau_prior", "tau_index")
    graph_array_names = ("tau_prior", "tau_index")

    def __init__(self, grid=None, near=None, spread=None, prior=None, baseline=None,
                 priors=None):
        super().__init__(baseline=baseline, priors=priors)
        self.grid = None if grid is None else check_times(grid, "grid", "ChangePoint",
                                                          ModelError, allow_empty=False)
        if self.grid is not None and (self.grid <= 0).any():
            raise ModelError(f"ChangePoint: grid points must be > 0, got {self.grid.tolist()}")
        self.near = None if near is None else check_positive(near, "near", "ChangePoint",
                                                             ModelError)
        self.spread = None if spread is None else check_positive(spread, "spread",
                                                                 "ChangePoint", PriorError)
        if spread is not None and near is None:
            raise PriorError("ChangePoint: spread needs near (the centre of the tau prior)")
        self.prior = None if prior is None else _check_weights(prior, self.grid)

    # ------------------------------------------------------------------ design
    def resolve_grid(self, data: SurvivalData) -> np.ndarray:
        """The candidate times, validated against the data.

        A candidate at which some arm has no events before it, or none after it, is dropped
        with a :class:`~bayesurv.DataWarning` naming it: there the likelihood cannot tell
        that arm's HR before from after, and its posterior weight would rest on the prior.

        Examples
        --------
        >>> grid = ChangePoint(near=13).resolve_grid(data)  # the default grid
        >>> float(grid[0]), float(grid[-1]), grid.size
        (4.0, 56.0, 53)
        >>> ChangePoint(grid=[12, 90]).resolve_grid(data)
        Traceback (most recent call last):
        ...
        bayesurv.base.exceptions.ModelError: change-point grid point 90 is not inside the ...
        """
        grid = default_grid(data) if self.grid is None else self.grid
        if self.grid is not None:
            for tau in self.grid:
                if tau >= data.max_time:
                    raise ModelError(f"change-point grid point {tau:g} is not inside the "
                                     f"follow-up (longest {data.max_time:g} {data.time_unit})")
            if isinstance(data, AggregatedData):
                data.check_on_grid(self.grid, "change-point grid point")
        # the default grid is ours: its uninformative points go without a word
        kept = grid[self._informative(data, grid, warn=self.grid is not None)]
        if kept.size == 0:
            raise ModelError(f"no change-point grid point ({grid.min():g} to {grid.max():g}) "
                             "has events before and after it in every arm; give a grid "
                             "inside the follow-up of each arm")
        if self.near is not None and not kept.min() <= self.near <= kept.max():
            raise ModelError(f"ChangePoint: near={self.near:g} is outside the change-point "
                             f"grid ({kept.min():g} to {kept.max():g} {data.time_unit}); "
                             "centre the prior inside the grid or widen the grid")
        return kept

    def pinned(self, datas):
        """A copy fitted alike to every data set of ``datas`` (see
        :mod:`bayesurv.model.pinning`): the baseline cuts of the first, and, for the default
        grid, the candidates every data set keeps.

        Examples
        --------
        >>> ChangePoint(near=13).pinned([data]).grid.size
        53
        """
        other = super().pinned(datas)
        if self.grid is None:
            kept = self.resolve_grid(datas[0])
            for data in datas[1:]:
                kept = np.intersect1d(kept, self.resolve_grid(data))
            if kept.size == 0:
                raise ModelError("ChangePoint: no change-point candidate has events before "
                                 "and after it in every data set; give a grid")
            other.grid = kept
        return other

    @staticmethod
    def _informative(data: SurvivalData, grid: np.ndarray, warn: bool) -> np.ndarray:
        """Which grid points have at least one event before and after them in every arm
        (with ``warn``, the dropped points are named in a warning)."""
        keep = np.ones(grid.size, dtype=bool)
        reasons = {}
        before_all = events_through(data, grid)
        totals = events_through(data, [np.inf])[0]
        for index, name in enumerate(data.groups):
            before = before_all[:, index]
            for side, empty in (("before", before == 0), ("after", before == totals[index])):
                for tau in grid[empty & keep]:
                    reasons[float(tau)] = f"arm {name!r} has no events {side} it"
                keep &= ~empty
        if warn and reasons and keep.any():
            shown = sorted(reasons)[:MAX_NAMED]
            more = f" and {len(reasons) - len(shown)} more" if len(reasons) > len(shown) else ""
            warnings.warn(
                f"change-point grid point(s) {', '.join(f'{t:g}' for t in shown)}{more} "
                f"dropped: {reasons[shown[0]]} (at {shown[0]:g}), so the data cannot inform a "
                "change there", DataWarning, stacklevel=4)
        return keep

    def tau_prior(self, grid: np.ndarray) -> np.ndarray:
        """Prior probabilities over ``grid``.

        Examples
        --------
        >>> model = ChangePoint(grid=[6, 12, 18], near=12, spread=6)
        >>> model.tau_prior(model.grid).round(3)
        array([0.274, 0.452, 0.274])
        >>> ChangePoint(grid=[6, 12, 18]).tau_prior(model.grid)  # uniform without near
        array([0.33333333, 0.33333333, 0.33333333])
        """
        if self.prior is not None:  # the weights of the points kept (see resolve_grid)
            return self.prior[np.isin(self.grid, grid)]
        if self.near is None:
            return np.full(grid.size, 1.0 / grid.size)
        step = np.median(np.diff(grid)) if grid.size > 1 else 1.0
        spread = self.spread if self.spread is not None else max(self.near / 4.0, 2.0 * step)
        with np.errstate(all="ignore"):  # far-off points (or a vanishing spread) get weight 0
            log_weights = -0.5 * ((grid - self.near) / spread) ** 2
        top = np.max(log_weights)
        if not np.isfinite(top) or top < -700:
            raise PriorError(f"ChangePoint: near={self.near:g} with spread={spread:g} puts no "
                             f"prior mass on the grid ({grid.min():g} to {grid.max():g})")
        with np.errstate(under="ignore"):
            weights = np.exp(log_weights - top)
        return weights / weights.sum()

    def arrays(self, data: SurvivalData) -> ModelArrays:
        """Validate the grid and build the fine grid (baseline cuts and candidates).

        Examples
        --------
        >>> arrays = ChangePoint(near=13).arrays(data)
        >>> arrays["tau_grid"].size, round(float(arrays["tau_prior"].sum()), 6)
        (53, 1.0)
        """
        grid = self.resolve_grid(data)
        weights = self.tau_prior(grid)
        if weights.sum() <= 0:
            raise PriorError("ChangePoint: the prior weights of the grid points kept (those "
                             "with events before and after them in every arm) are all 0")
        weights = weights / weights.sum()
        return ModelArrays.build(data, self._baseline_cuts(data), grid, kind_arrays=lambda edges: {
            "tau_grid": ("candidate", grid), "tau_prior": ("candidate", weights),
            "tau_index": ("candidate", np.searchsorted(edges, grid))})

    def period_rows(self, arrays) -> list[tuple[str, float, float]]:
        """``before`` (from 0 to tau) and ``after`` (from tau on).

        Examples
        --------
        >>> ChangePoint().period_rows(None)
        [('before', 0.0, nan), ('after', nan, inf)]
        """
        return [("before", 0.0, np.nan), ("after", np.nan, np.inf)]

    def effects(self, xp, log_hr, arrays):
        """Two regimes, every piece before the change and every piece after it:
        (..., 2, pieces, treated groups).

        Examples
        --------
        >>> arrays = {"baseline_map": np.array([0, 0, 1])}  # three fine pieces
        >>> ChangePoint().effects(np, np.array([[0.1, -0.9]]), arrays)[:, 0]  # first piece
        array([[ 0.1],
               [-0.9]])
        """
        per_regime = xp.swapaxes(log_hr, -1, -2)[..., :, None, :]  # (..., 2, 1, groups)
        # spelled out on every piece: PyTensor's rewrites mis-index a broadcast pieces axis
        # once shapes are static (the compiled-once sampler), so nothing is left to broadcast
        return per_regime + xp.zeros((arrays["baseline_map"].shape[0], 1))

    def regimes(self, arrays) -> np.ndarray:
        """State k (tau = k-th candidate): pieces before its fine edge are ``before`` (0),
        the others ``after`` (1).

        Examples
        --------
        >>> arrays = {"fine_edges": np.array([0.0, 6.0, 13.0]), "tau_index": np.array([1, 2])}
        >>> ChangePoint().regimes(arrays).tolist()
        [[0, 1, 1], [0, 0, 1]]
        """
        pieces = np.arange(np.size(arrays["fine_edges"]))
        return (pieces[None, :] >= np.asarray(arrays["tau_index"])[:, None]).astype(int)

    def state_log_prior(self, arrays, xp=np) -> np.ndarray:
        """log of the prior weights of the candidates (a zero weight gives -inf).

        Examples
        --------
        >>> ChangePoint().state_log_prior({"tau_prior": np.array([0.5, 0.5, 0.0])}).round(3)
        array([-0.693, -0.693,   -inf])
        """
        with np.errstate(divide="ignore"):  # a zero prior weight is a -inf term: exp() is 0
            return xp.log(arrays["tau_prior"])

    def state_values(self, arrays) -> np.ndarray:
        """The candidate change-point times.

        Examples
        --------
        >>> ChangePoint(grid=[6, 12]).state_values({"tau_grid": np.array([6.0, 12.0])})
        array([ 6., 12.])
        """
        return np.asarray(arrays["tau_grid"])

    def state_loglik(self, xp, lh, xb, d):
        """Log-likelihood at every candidate at once, from cumulative sums over the fine grid.

        Examples
        --------
        At each candidate, the plain log-likelihood of the log hazards that switch there:

        >>> model = ChangePoint(grid=[6, 12])
        >>> arrays = model.arrays(data)
        >>> values = model.graph_values(arrays)
        >>> lh = np.log(np.full((2, arrays.fine_edges.size, 2), 0.005))
        >>> lh[1, :, 1] = np.log(0.0025)  # after tau the treated hazard halves
        >>> per_tau = model.state_loglik(np, lh, 0.0, values)
        >>> switch = model.regimes(arrays)[0]  # tau = 6
        >>> mixed = np.where(switch[:, None] == 0, lh[0], lh[1])
        >>> from bayesurv.model.likelihood import patient_or_table_loglik
        >>> bool(np.isclose(per_tau[0], patient_or_table_loglik(np, mixed, 0.0, values)))
        True
        """
        if "patient_covariates" in d:
            return lik.changepoint_patient_totals(
                xp, d["patient_piece"], d["patient_offset"], d["patient_event"],
                d["patient_group"], d["widths"], lh[0], lh[1], xb, d["tau_index"])
        return lik.changepoint_aggregated_loglik(xp, d["events"], d["exposure"], lh[0], lh[1],
                                                 d["tau_index"])

    def describe(self, arrays, time_unit: str) -> str:
        """The model in one sentence.

        Examples
        --------
        >>> model = ChangePoint(grid=[6, 12, 18], near=12)
        >>> model.describe(model.arrays(data), "months")[:56]
        'Change-point model: the treatment log HR is `before` up '
        """
        grid = np.asarray(arrays["tau_grid"])
        spread = self.spread or "default"
        prior = ("uniform" if self.near is None and self.prior is None
                 else "user weights" if self.near is None
                 else f"discretized normal near {self.near:g} (sd {spread})")
        return (f"Change-point model: the treatment log HR is `before` up to tau and `after` "
                f"from tau on; tau on {grid.size} grid points from {grid.min():g} to "
                f"{grid.max():g} {time_unit}, prior {prior}; tau is marginalized exactly.")

    def default_landmarks(self) -> list[float] | None:
        """``near`` when given; otherwise None (the posterior mode of tau is used).

        Examples
        --------
        >>> ChangePoint(near=13).default_landmarks(), ChangePoint().default_landmarks()
        ([13.0], None)
        """
        return None if self.near is None else [float(self.near)]


def _check_weights(prior, grid) -> np.ndarray:
    if isinstance(prior, str | bytes | Mapping | Set):
        raise PriorError(f"ChangePoint: prior must be a sequence of weights, one per grid point, "
                         f"got {type(prior).__name__} {prior!r}")
    try:
        weights = np.asarray(list(prior), dtype=float)
    except (TypeError, ValueError):
        raise PriorError(f"ChangePoint: prior must be a sequence of weights, got {prior!r}") \
            from None
    if grid is None:
        raise PriorError("ChangePoint: prior weights need an explicit grid of the same length")
    if weights.shape != grid.shape:
        raise PriorError(f"ChangePoint: prior has {weights.size} weights but the grid has "
                         f"{grid.size} points")
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.max() <= 0:
        raise PriorError("ChangePoint: prior weights must be finite, non-negative and not all 0")
    scaled = weights / weights.max()  # dividing by the largest first cannot overflow
    return scaled / scaled.sum()
