"""Guyot's event rule walked along the digitized points (internal).

Walking the points of an interval in time order with ``n`` patients at risk, the events at
a point are ``round(n * (1 - S_point / S_before))``, where ``S_before`` is the
reconstructed Kaplan-Meier value after the previous event, so the reconstructed curve
follows the digitized one; censorings come at given times.  The search for the number of
censorings that meets the risk table is in :mod:`bayesurv.digitized.guyot`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Walk:
    """Event points (offsets from the walk's first point) and their events, censoring
    times applied, patients left, survival after them."""

    points: np.ndarray
    d: np.ndarray
    censored: np.ndarray
    left: int
    s_last: float


def walk(t, s, k0, k1, n_start, s_last, censor, scale=1.0) -> Walk:
    """Apply the event rule at points ``k0..k1-1`` with censorings at the sorted ``censor``.

    A censoring at a point's time comes after that point's events (Kaplan-Meier
    convention); censorings beyond the patients left are not applied.  ``scale``
    multiplies the curve's log-fall within the walk (1: the curve as digitized).

    ``s`` must be non-increasing (a cleaned curve): between two changes of state (an event
    or a censoring) the events at a point can then only grow along the points, so the next
    point with events is found by bisection and the walk costs a few steps per patient,
    not one per point.
    """
    n = n_start
    s0 = s_last
    points, counts, applied = [], [], []
    # censoring j is applied just before the first point later than it
    before = np.searchsorted(t[k0:k1], censor, side="right") + k0
    j, k = 0, k0
    while True:
        stop = min(int(before[j]), k1) if j < censor.size else k1
        e = stop
        if n > 0 and s_last > 0:
            def events_at(i, n=n, s_last=s_last):
                sk = s[i]
                if scale != 1.0:
                    sk = s0 * (max(sk, 0.0) / s0) ** scale if s0 > 0 else sk
                return int(np.floor(n * (1.0 - sk / s_last) + 0.5))

            lo, e = k, stop
            while lo < e:
                mid = (lo + e) // 2
                if events_at(mid) >= 1:
                    e = mid
                else:
                    lo = mid + 1
        if e < stop:
            dk = min(events_at(e), n)
            s_last *= 1.0 - dk / n
            n -= dk
            points.append(e - k0)
            counts.append(dk)
            k = e + 1
        elif j < censor.size and stop < k1:
            if n > 0:
                applied.append(censor[j])
                n -= 1
            j += 1
            k = stop
        else:
            break
    for c in censor[j:]:
        if n == 0:
            break
        applied.append(c)
        n -= 1
    return Walk(np.asarray(points, dtype=np.int64), np.asarray(counts, dtype=np.int64),
                np.asarray(applied, dtype=float), n, s_last)


def spread(start, end, count, u=None) -> np.ndarray:
    """``count`` censoring times inside (start, end): evenly spaced, or, given uniform
    draws ``u`` (at least ``count``), at the sorted first ``count`` of them (one random
    placement; a larger count keeps the earlier censorings' draws).

    Examples
    --------
    >>> spread(0.0, 4.0, 3).tolist()
    [1.0, 2.0, 3.0]
    >>> spread(0.0, 4.0, 2, u=np.array([0.5, 0.25, 0.9])).tolist()
    [1.0, 2.0]
    """
    if u is None:
        return start + (end - start) * np.arange(1, count + 1) / (count + 1)
    return start + (end - start) * np.sort(u[:count])
