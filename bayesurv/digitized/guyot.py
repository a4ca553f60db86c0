"""The reconstruction algorithm of Guyot et al. (2012) for one group (internal).

Guyot P, Ades AE, Ouwens MJNM, Welton NJ. BMC Med Res Methodol 2012;12:9.

Within an interval of the numbers-at-risk table starting with ``n`` patients, ``c``
censorings are spread over the interval; walking the digitized points in time order, the
events at a point are ``round(n_at_risk * (1 - S_point / S_before))``, where ``S_before`` is
the reconstructed Kaplan-Meier value after the previous event, so the reconstructed curve
follows the digitized one.  ``c`` is adjusted until the number left at the end of the
interval equals the published one.  After the last published number, censoring continues
at the average rate of the earlier intervals, or at the rate that reproduces the reported
total events.  Patients still at risk at the end of the curve are censored there.

Refinements (the first two for digitizing noise, leaving consistent inputs as in Guyot):

- *boundary points*: digitized points within ``BOUNDARY_TOL`` of the curve's time span
  from a risk-table time may belong on either side of it (an event exactly at 12 months,
  digitized at 11.98); the side that lets the published count be met is used, and those
  points' times are put on the boundary;
- *scaled fall*: when no number of censorings meets the published count (noise made the
  curve fall more, or less, than the counts allow), the curve's log-fall within the
  interval is scaled until it does; a difference above ``MISMATCH_SHARE`` of the patients
  is reported (a ReconstructionWarning from :func:`bayesurv.reconstruct_ipd`).

- *exact steps*: where every step of an interval gives a whole number at risk (exact
  corners), the events and numbers at risk are read off the steps and each censoring is
  spread between the two events it falls between (:mod:`bayesurv.digitized.exact_steps`).

A curve that keeps falling once nobody is left at risk (the table says 0 at risk, or every
patient has had an event or been censored) cannot be followed: that fall is returned as
``GroupResult.lost_fall`` and reported by :func:`bayesurv.reconstruct_ipd`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bayesurv.digitized.exact_steps import exact_interval
from bayesurv.digitized.walk import Walk, spread, walk

BOUNDARY_TOL = 0.005  # fraction of the curve's time span
MAX_SCALE = 4.0
# Disagreements between curve and table above this share of the patients are reported.
MISMATCH_SHARE = 0.02
SCALE_STEPS = 30
# A fall of the digitized curve after nobody is left at risk is reported above this (in
# survival): about 5 pixels on a 500-pixel axis, beyond the digitizing noise of a tail.
LOST_FALL_TOL = 0.01


@dataclass(frozen=True)
class LostFall:
    """A fall of the digitized curve after the last reconstructed patient left.

    ``after``: when the last patient left; ``level``: the digitized survival then;
    ``first``: time of the first lower point; ``end``: the digitized curve's last value;
    ``reconstructed``: the reconstructed curve's last value.
    """

    after: float
    level: float
    first: float
    end: float
    reconstructed: float


@dataclass
class GroupResult:
    """Reconstructed event and censoring times of one group and any unmatched counts."""

    event_times: list = field(default_factory=list)
    censor_times: list = field(default_factory=list)
    mismatches: list = field(default_factory=list)
    events_unscaled: int | None = None
    lost_fall: LostFall | None = None


def integer_root(fun, hi, guess):
    """Integer ``c`` in [0, hi] whose ``fun(c)[0]`` (non-increasing in c) is closest to 0.

    Guyot's update ``c + fun(c)`` is tried first; bisection keeps it from cycling.
    Returns ``(c, fun(c))``.
    """
    cache = {}

    def f(c):
        if c not in cache:
            cache[c] = fun(c)
        return cache[c][0]

    lo = 0
    if f(lo) > 0 and f(hi) <= 0:
        c = min(max(int(guess), lo + 1), hi - 1) if hi - lo > 1 else hi
        while hi - lo > 1:
            v = f(c)
            if v == 0:
                break
            if v > 0:
                lo = c
            else:
                hi = c
            step = c + v
            c = step if lo < step < hi and step not in cache else (lo + hi) // 2
    best = min(cache, key=lambda k: (abs(cache[k][0]), k))
    return best, cache[best]


def _scale_root(fun):
    """Scale of the curve's fall (in [0, MAX_SCALE]) whose mismatch is closest to 0.

    ``fun(scale)[0]`` is monotone in the scale (more fall, more events).
    """
    lo, hi = 0.0, MAX_SCALE
    v_lo, v_hi = fun(lo), fun(hi)
    tried = [(lo, v_lo), (hi, v_hi)]
    if np.sign(v_lo[0]) != np.sign(v_hi[0]):
        for _ in range(SCALE_STEPS):
            mid = 0.5 * (lo + hi)
            v_mid = fun(mid)
            tried.append((mid, v_mid))
            if v_mid[0] == 0:
                break
            if np.sign(v_mid[0]) == np.sign(v_lo[0]):
                lo, v_lo = mid, v_mid
            else:
                hi = mid
    return min(tried, key=lambda x: (abs(x[1][0]), abs(x[0] - 1.0)))


def fit_interval(t, s, k0, k1, start, end, n_start, s_last, mismatch, guess,
                 rescale=True, u=None):
    """Censoring count (and, if needed and ``rescale``, scale of the fall) meeting a target.

    ``mismatch(walk)`` is the integer to bring to zero, non-increasing in the number of
    censorings; ``u``: uniform draws placing the censorings (None: evenly, see
    :func:`spread`).  Returns ``(walk, remaining mismatch)``.
    """
    def run(c, scale=1.0):
        w = walk(t, s, k0, k1, n_start, s_last, spread(start, end, c, u), scale)
        return mismatch(w), w

    c, (v, w) = integer_root(run, n_start, guess)
    unscaled = (abs(v), w)
    if v != 0 and rescale:
        _, (v, w) = _scale_root(lambda scale: run(c, scale=scale))
    return w, abs(v), unscaled


def reconstruct_group(t, s, risk_t, risk_n, total_events, t_end=None,
                      rng=None) -> GroupResult:
    """Patient event and censoring times of one group (see the module docstring).

    ``t_end`` (default: the last point or risk-table time) is when the patients still at
    risk at the end of the curve are censored.  With a random generator ``rng`` the
    censorings of each interval are placed at random in it instead of evenly (one
    plausible reconstruction among those that meet the same counts).
    """
    out = GroupResult()
    t_end = max(float(t[-1]), float(risk_t[-1]), -np.inf if t_end is None else float(t_end))
    t = np.array(t, dtype=float)
    s = np.minimum.accumulate(np.asarray(s, dtype=float))  # the walk's bisection needs it
    bounds = np.searchsorted(t, risk_t, side="left")
    tol = BOUNDARY_TOL * (float(t[-1]) - float(t[0]))
    n = int(risk_n[0])
    s_last = 1.0
    censored = events = 0
    for i in range(risk_t.size - 1):
        k0 = bounds[i]
        start, end, target = float(risk_t[i]), float(risk_t[i + 1]), int(risk_n[i + 1])
        s_before = s[k0 - 1] if k0 > 0 else 1.0
        best = None
        # points within `tol` of the boundary may belong on either side of it
        lo = max(k0, int(np.searchsorted(t, end - tol, side="left")))
        hi = max(lo, int(np.searchsorted(t, end + tol, side="right")))
        nominal = int(bounds[i + 1])
        u = None if rng is None else rng.random(n + 1)
        for k1 in [*_boundary_candidates(s, k0, lo, hi, nominal), None]:
            rescale = k1 is None
            k1 = nominal if k1 is None else k1
            s_after = s[k1 - 1] if k1 > 0 else 1.0
            expected = n * (1.0 - s_after / s_before) if s_before > 0 else 0.0
            w, miss, unscaled = fit_interval(t, s, k0, k1, start, end, n, s_last,
                                             lambda w, target=target: w.left - target,
                                             round(n - expected - target), rescale, u)
            if best is None or miss < best[2]:
                best = (k1, w, miss, unscaled)
            if miss == 0:
                break
        k1, w, miss, (miss0, w0) = best
        if miss0 > max(1, MISMATCH_SHARE * n):
            out.mismatches.append((start, end, w0.left, target))
        t[k1:bounds[i + 1]] = end  # moved to the next interval: at its start
        t[bounds[i + 1]:k1] = np.nextafter(end, -np.inf)  # moved back: just before it
        bounds[i + 1] = k1
        w = exact_interval(t, s, k0, k1, start, end, n, target, s_last, w, u) or w
        _record(out, t, k0, w)
        censored += w.censored.size
        events += int(w.d.sum())
        n, s_last = w.left, w.s_last

    k0, start = bounds[-1], float(risk_t[-1])
    u = None if rng is None else rng.random(n + 1)
    if total_events is None:
        elapsed = start - float(risk_t[0])
        rate = censored / elapsed if elapsed > 0 else 0.0
        c = min(round(rate * (t_end - start)), n)
        w = walk(t, s, k0, t.size, n, s_last, spread(start, t_end, c, u))
    else:
        w, _, (miss0, w0) = fit_interval(t, s, k0, t.size, start, t_end, n, s_last,
                                         lambda w: events + int(w.d.sum()) - total_events, 0,
                                         u=u)
        if miss0 > max(1, MISMATCH_SHARE * int(risk_n[0])):
            out.events_unscaled = events + int(w0.d.sum())
    exact = exact_interval(t, s, k0, t.size, start, t_end, n, None, s_last, w, u)
    if exact is not None and (total_events is None
                              or events + int(exact.d.sum()) == total_events):
        w = exact
    _record(out, t, k0, w)
    out.censor_times.extend([t_end] * w.left)
    if w.left == 0:
        out.lost_fall = _lost_fall(t, s, max(out.event_times + out.censor_times, default=0.0),
                                   w.s_last)
    return out


def _boundary_candidates(s, k0, lo, hi, nominal) -> list[int]:
    """Ends ``lo..hi`` of the interval's points, nearest to ``nominal`` first, one per class.

    Moving the end past a point at the level of the point before it changes no event (the
    rule rounds that level's events at the earlier point), so such ends are one class and
    only the one nearest to ``nominal`` is tried: a densely digitized curve has thousands
    of points near a boundary but few distinct levels.
    """
    ends = np.arange(lo, hi + 1)
    # end k and end k + 1 differ by point k, which repeats point k - 1's level
    repeats = np.zeros(ends.size, dtype=bool)
    inner = ends[:-1] > k0
    repeats[1:][inner] = s[ends[:-1][inner]] == s[ends[:-1][inner] - 1]
    cls = np.cumsum(~repeats)
    order = np.argsort(np.abs(ends - nominal), kind="stable")
    _, first = np.unique(cls[order], return_index=True)
    return ends[order][np.sort(first)].tolist()


def _lost_fall(t, s, after: float, reconstructed: float) -> LostFall | None:
    """The digitized curve's fall after time ``after``, when nobody is left to follow it.

    Reported only when both the fall and the reconstructed curve's distance above the
    digitized end exceed LOST_FALL_TOL (a reconstruction already at 0 loses nothing).
    """
    k = int(np.searchsorted(t, after, side="right"))
    level = float(s[k - 1]) if k > 0 else 1.0
    end = float(s[-1])
    if level - end <= LOST_FALL_TOL or reconstructed - end <= LOST_FALL_TOL:
        return None
    first = float(t[k + int(np.flatnonzero(np.asarray(s[k:]) < level)[0])])
    return LostFall(float(after), level, first, end, float(reconstructed))


def _record(out: GroupResult, t, k0, w: Walk) -> None:
    for i, dk in zip(w.points, w.d, strict=True):
        out.event_times.extend([float(t[k0 + i])] * int(dk))
    out.censor_times.extend(float(x) for x in w.censored)
