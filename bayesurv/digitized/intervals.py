"""Events and person-time per risk-table interval from a digitized curve: no patient rows.

The piecewise-exponential likelihood needs only events ``D`` and person-time ``E`` per
piece and group (:class:`bayesurv.AggregatedData`).  When a paper prints a Kaplan-Meier
figure with numbers at risk under it, both can be derived per interval of the risk table
directly, without reconstructing patients (:func:`interval_data`).

Derivation.  Take one group and one interval ``[a, b)`` of its risk table, with ``n``
patients at risk at ``a`` and ``n'`` at ``b`` (at risk at ``t``: follow-up ``>= t``), and
let ``S`` be the digitized curve read as a step function; ``S_a`` and ``S_b`` are its values
just before ``a`` and ``b``.  Between events the Kaplan-Meier estimate stays flat, and an
event among the ``n(t)`` at risk multiplies it by ``1 - 1/n(t)``; so the number at risk is

    n(t) = S(t) / S_a * (n - sum over censorings i before t of S_a / S(tau_i))

(a censoring at ``tau_i`` removes one patient, worth ``S_a / S(tau_i)`` patients of the
start of the interval).  Summing ``n(t-) * (1 - S(t) / S(t-))`` over the steps, the events
of the interval are, exactly,

    d = n * (1 - S_b / S_a) - sum_i G(tau_i),     G(tau) = 1 - S_b / S(tau),

the first term being the familiar ``n * (1 - S(end) / S(start))`` (exact when nobody is
censored before the interval's last event) and ``G`` the share of the remaining fall a
censoring at ``tau`` misses.  Integrating ``n(t)`` over the interval, the person-time is

    E = n * A(a) / S_a - sum_i A(tau_i) / S(tau_i),     A(x) = integral of S from x to b.

The censoring times are unknown, but their number is ``c = n - n' - d``.  Spread evenly over
the interval (the default, ``censoring="spread"``), the sums become ``c * g`` and ``c * h``
with ``g`` and ``h`` the averages of ``G`` and ``A / S`` over the interval, and

    d = (n * (1 - S_b / S_a) - (n - n') * g) / (1 - g),    c = n - n' - d,

clipped to ``0 <= d <= n - n'`` when digitizing noise makes the curve and the numbers
disagree.  With ``censoring="end"`` every censoring is at the interval's end (``g = h = 0``:
visits at the risk-table times).  After the last number at risk the censoring count is
not known, but nobody is at risk after the curve's end: the last interval runs to the
curve's end with ``n' = 0``, its censorings spread over it (uniform censoring of the
patients left, as staggered entry gives).  Where the curve falls to 0 its fall says
nothing of the censorings before (``g = 1``); the last patient is then taken to have the
last event, the interval before that point ending with ``n' = 1``.  Events
are fractional: they are expected counts, which the Poisson likelihood takes as they are.

Draws (``draws=K``) carry the uncertainty of each step: the digitized points moved by the
curve's estimated digitizing noise (as :func:`bayesurv.reconstruct_ipd` does), the
censorings of each interval placed at random in it instead of evenly (the sums over
``tau_i`` above, evaluated at those times), and the events rounded at random to a whole
number (up with probability equal to the fractional part), the censorings taking up the
difference.  They are fitted like reconstructions, one posterior per draw, pooled.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from bayesurv.base.exceptions import DataWarning, DigitizedCurveError
from bayesurv.data.aggregated import AggregatedData
from bayesurv.data.encoding import order_levels
from bayesurv.data.exposure import ExposureTable
from bayesurv.digitized.curve import DigitizedCurve, as_curve, as_risk_table
from bayesurv.digitized.reconstruct import END_SLACK, _common_ends, _perturbed

__all__ = ["interval_data"]

WHERE = "interval_data"
PLACEMENTS = ("spread", "end")
# Censoring times averaged over this many evenly spaced points of each interval.
SPREAD_POINTS = 200


def interval_data(curves, risk_table, draws: int | None = None, random_seed=None,
                  reference=None, censoring: str = "spread",
                  time_unit: str | None = None) -> AggregatedData | list[AggregatedData]:
    """Events and person-time per risk-table interval and group, from digitized curves.

    The interval likelihood: the data a piecewise-exponential model needs, derived from
    the curve and the numbers at risk without reconstructing patients (the derivation is
    in :mod:`bayesurv.digitized.intervals`).  The pieces are the risk-table intervals, so a
    model's cuts and baseline pieces must lie on risk-table times.

    Parameters
    ----------
    curves : DigitizedCurve or pandas.DataFrame
        The digitized points (a DataFrame needs ``group, time, survival``), two or more
        groups.
    risk_table : RiskTable or pandas.DataFrame
        The numbers at risk (``group, time, n_at_risk``), at the same times for every group
        and at least one time after 0.
    draws : int, optional
        Return this many draws reflecting the digitizing uncertainty (click noise,
        censoring placement, rounding of events) instead of the single estimate.
    random_seed : int or numpy.random.Generator, optional
        Seed of the draws.
    reference : str, optional
        Reference group (default: the first in sorted order, as in
        :meth:`SurvivalData.from_frame`).
    censoring : {"spread", "end"}
        Where the censorings of an interval happen: spread evenly over it (default), or
        all at its end.
    time_unit : str, optional
        Default: the curve's unit, else ``"months"``.

    Returns
    -------
    AggregatedData or list of AggregatedData
        One, or ``draws`` of them, with the risk-table intervals as pieces.

    Raises
    ------
    DigitizedCurveError
        No risk table or none after time 0 (the interval likelihood needs numbers at
        risk), groups that do not match, different risk-table times per group, patients at
        risk after a curve's last point, or invalid ``draws`` or ``censoring``.

    Examples
    --------
    >>> import pandas as pd
    >>> pts = pd.DataFrame({"group": ["A"] * 4 + ["B"] * 4, "time": [0, 2, 2, 8] * 2,
    ...                     "survival": [1, 1, .8, .8, 1, 1, .9, .9]})
    >>> risk = pd.DataFrame({"group": ["A", "A", "B", "B"], "time": [0, 4] * 2,
    ...                      "n_at_risk": [10, 8, 10, 9]})
    >>> agg = interval_data(pts, risk, reference="A")
    >>> agg.table.events.round(6).tolist(), agg.table.exposure.round(6).tolist()
    ([[2.0, 1.0], [0.0, 0.0]], [[36.0, 38.0], [16.0, 18.0]])
    """
    curve = as_curve(curves)
    times, at_risk = _risk_rows(curve, risk_table)
    count = _check_draws(draws)
    if censoring not in PLACEMENTS:
        raise DigitizedCurveError(f"{WHERE}: censoring must be one of {PLACEMENTS}, got "
                                  f"{censoring!r}")
    groups = order_levels(list(curve.groups), "group", reference)
    unit = time_unit or curve.time_unit or "months"
    ends = _common_ends(curve)
    if count is None:
        return _derive(curve, times, at_risk, groups, ends, censoring, unit, None,
                       "interval likelihood: events and person-time per risk-table interval "
                       "derived from digitized curves")
    rng = np.random.default_rng(random_seed)
    out = []
    for k in range(count):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # the original's warnings suffice
            moved = _perturbed(curve, rng)
        out.append(_derive(moved, times, at_risk, groups, ends, censoring, unit, rng,
                           f"interval likelihood from digitized curves, draw {k + 1} of "
                           f"{count}"))
    return out


def _derive(curve: DigitizedCurve, times, at_risk, groups, ends, censoring, unit, rng,
            source) -> AggregatedData:
    m = times.size
    events = np.zeros((m, len(groups)))
    exposure = np.zeros((m, len(groups)))
    ending = np.zeros((m, len(groups)), dtype=np.int64)
    for col, g in enumerate(groups):
        steps = _Steps(*curve.group_points(g), ends[g])
        d, e, leaving = _group_intervals(steps, times, at_risk[g], censoring, rng)
        events[:, col], exposure[:, col], ending[:, col] = d, e, leaving
    table = ExposureTable(times.copy(), events, exposure, tuple(groups))
    max_followup = np.array([ends[g] for g in groups])
    return AggregatedData(table, ending, max_followup, exposure.sum(axis=0), time_unit=unit,
                          source=source)


def _group_intervals(steps: _Steps, times, n_at, censoring, rng):
    """Events, person-time and patients leaving per interval of one group."""
    m = times.size
    d, e = np.zeros(m), np.zeros(m)
    for j in range(m - 1):
        a, b = times[j], min(times[j + 1], steps.end)
        n, n_next = int(n_at[j]), int(n_at[j + 1])
        if n > 0:
            d[j], e[j] = _interval(steps, a, b, n, n_next, censoring, rng)
    n = int(n_at[-1])
    a = times[-1]
    if n > 0 and a < steps.end:
        # nobody is at risk after the curve's end: an interval ending with 0 at risk
        d[-1], e[-1] = _interval(steps, a, steps.end, n, 0, censoring, rng,
                                 s_b=steps.at(steps.end))
    leaving = np.r_[n_at[:-1] - n_at[1:], n_at[-1]].astype(np.int64)
    return d, e, leaving


def _interval(steps: _Steps, a, b, n, n_next, censoring, rng,
              s_b=None) -> tuple[float, float]:
    """Events and person-time of an interval with ``n`` at risk at ``a``, ``n_next`` at ``b``
    (``s_b``: the survival at its end, default just before ``b``)."""
    s_a = steps.before(a)
    s_b = steps.before(b) if s_b is None else s_b
    if s_b <= 0.0 < s_a and n_next == 0 and n > 1:
        # a fall to 0 says nothing of the censorings before it (g = 1): the last patient
        # at risk has the last event
        zero = steps.first_zero()
        d, e = _interval(steps, a, zero, n, 1, censoring, rng, s_b=steps.before(zero))
        return d + 1.0, e
    if s_a <= 0.0 or s_b <= 0.0 or b <= a:
        # nothing to follow: all who leave leave by events, at once
        return float(n - n_next), 0.0
    fall = n * (1.0 - s_b / s_a)
    base = n * steps.area(a, b) / s_a
    if censoring == "end":
        return float(np.clip(fall, 0, n - n_next)), base
    g, h = _spread_terms(steps, a, b, s_b, _even(a, b))
    d = float(np.clip((fall - (n - n_next) * g) / (1.0 - g), 0, n - n_next))
    if rng is None:
        return d, base - (n - n_next - d) * h
    # one placement of the censorings: random times, the events rounded at random
    u = a + (b - a) * rng.random(n + 1)
    c = _random_round(n - n_next - d, rng)
    g_i, _ = _spread_terms(steps, a, b, s_b, u[:c], mean=False)
    d = _random_round(min(max(fall - g_i.sum(), 0.0), n - n_next), rng)
    _, h_i = _spread_terms(steps, a, b, s_b, u[:n - n_next - d], mean=False)
    return float(d), base - float(h_i.sum())


def _spread_terms(steps: _Steps, a, b, s_b, tau, mean=True):
    """``G(tau)`` and ``A(tau) / S(tau)`` of censorings at ``tau`` (their means if ``mean``);
    a censoring where the curve is at 0 changes nothing (nobody is left to miss)."""
    s_tau = steps.at(tau)
    alive = s_tau > 0
    safe = np.where(alive, s_tau, 1.0)
    g = np.where(alive, 1.0 - s_b / safe, 0.0)
    h = np.where(alive, steps.area(tau, b) / safe, 0.0)
    return (float(g.mean()), float(h.mean())) if mean else (g, h)


def _even(a, b) -> np.ndarray:
    return a + (b - a) * (np.arange(SPREAD_POINTS) + 0.5) / SPREAD_POINTS


def _random_round(x: float, rng) -> int:
    whole = int(np.floor(x))
    return whole + int(rng.random() < x - whole)


class _Steps:
    """A cleaned digitized curve as a right-continuous step function up to ``end``."""

    def __init__(self, t, s, end):
        self.t, self.s, self.end = t, s, float(end)
        self.cum = np.r_[0.0, np.cumsum(s[:-1] * np.diff(t))]  # area up to each point

    def at(self, x):
        """S(x): the value of the last point at or before x."""
        return self.s[np.maximum(np.searchsorted(self.t, x, side="right") - 1, 0)]

    def before(self, x):
        """S(x-): the value of the last point before x (1 at time 0)."""
        k = np.searchsorted(self.t, x, side="left") - 1
        return np.where(k >= 0, self.s[np.maximum(k, 0)], 1.0)

    def first_zero(self) -> float:
        """Time of the first point at 0 (the curve must reach 0)."""
        return float(self.t[np.flatnonzero(self.s <= 0.0)[0]])

    def _area_to(self, x):
        x = np.minimum(x, self.end)
        k = np.maximum(np.searchsorted(self.t, x, side="right") - 1, 0)
        return self.cum[k] + self.s[k] * (x - self.t[k])

    def area(self, x, y):
        """Integral of S from x to y."""
        return self._area_to(y) - self._area_to(x)


def _risk_rows(curve: DigitizedCurve, risk_table) -> tuple[np.ndarray, dict]:
    """The common risk-table times and the numbers at risk per group, checked."""
    need = (f"{WHERE}: the interval likelihood needs the numbers at risk printed under the "
            "figure (a risk table with times after 0)")
    if risk_table is None or isinstance(risk_table, Mapping | int | np.integer):
        raise DigitizedCurveError(f"{need}; without them use reconstruct_ipd with the number "
                                  "of patients (and total events, if reported)")
    if len(curve.groups) < 2:
        raise DigitizedCurveError(f"{WHERE}: the curve must have at least two groups, got "
                                  f"{list(curve.groups)}")
    table = as_risk_table(risk_table)
    missing = [g for g in curve.groups if g not in table.groups]
    extra = [g for g in table.groups if g not in curve.groups]
    if missing or extra:
        raise DigitizedCurveError(
            f"{WHERE}: the risk table's groups {list(table.groups)} do not match the curve's "
            f"groups {list(curve.groups)}")
    times, at_risk = None, {}
    for g in curve.groups:
        t, n = table.group_table(g)
        t, n = np.asarray(t, dtype=float), np.asarray(n, dtype=np.int64)
        if t.size < 2:
            raise DigitizedCurveError(f"{need}; group {g!r} has only time {t[0]:g}; without "
                                      "them use reconstruct_ipd")
        end = curve.end_time(g)
        late = (t > end * (1 + END_SLACK)) & (n > 0)
        if late.any():
            i = int(np.flatnonzero(late)[0])
            raise DigitizedCurveError(
                f"{WHERE}, group {g!r}: the risk table has {n[i]} at risk at time {t[i]:g}, "
                f"after the curve's last point (time {end:g}); the curve must cover the "
                "risk table's times")
        if times is not None and not np.array_equal(t, times):
            raise DigitizedCurveError(
                f"{WHERE}: the numbers at risk must be at the same times for every group "
                f"(the intervals are the model's pieces); group {curve.groups[0]!r} has "
                f"{times.tolist()}, group {g!r} has {t.tolist()}")
        times, at_risk[g] = t, n
    return times, at_risk


def _check_draws(draws) -> int | None:
    if draws is None:
        return None
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
        raise DigitizedCurveError(f"{WHERE}: draws must be a whole number >= 1 or None, got "
                                  f"{draws!r}")
    return int(draws)
