"""Numbers at risk read off the heights of exact Kaplan-Meier steps (internal).

A step of a Kaplan-Meier curve falls by the factor ``1 - d / n``: ``d`` events out of
``n`` at risk.  When the digitized points are the exact corners of the steps (a curve
drawn from data, or read from a vector figure), ``d / (1 - S_after / S_before)`` is a whole
number for the true ``d``, and it *is* the number at risk at that event.  Guyot's walk does
not use this: it spreads an interval's censorings evenly in time, so the numbers at risk
at its events are off by the censorings misplaced, and a one-event step out of 113 taken
out of 107 rounds to no event at all.  Where every step of an interval gives whole numbers
at risk, :func:`exact_interval` takes the events and numbers at risk from the steps and
puts each censoring between the two events it must fall between; the risk sets at every
event, hence the Kaplan-Meier curve and the Cox partial likelihood, are then the true
ones.  A curve with digitizing noise gives no whole numbers (a pixel moves ``n`` by far
more than ``WHOLE_TOL``) and keeps Guyot's walk.
"""

from __future__ import annotations

import numpy as np

from bayesurv.digitized.walk import Walk, spread

# Relative distance to a whole number within which an implied number at risk is whole:
# the rounding of a cumulative product of a few thousand factors is ~1e-13; one pixel of
# a 600-pixel axis moves a 1-in-100 step's implied n by about 1.
WHOLE_TOL = 1e-7


def implied_counts(ratio: float, guess: float, most: int) -> tuple[int, int] | None:
    """Events and number at risk ``(d, n)`` of a step falling by ``ratio``, if whole.

    ``n = d / (1 - ratio)`` must be whole and at most ``most``; among the ``d`` that give
    one (multiples of the smallest), the ``n`` nearest to ``guess`` is taken.

    Examples
    --------
    >>> implied_counts(1 - 2 / 113, guess=110.0, most=120)
    (2, 113)
    >>> implied_counts(1 - 1 / 20, guess=41.0, most=60)
    (2, 40)
    >>> implied_counts(0.7311, guess=50.0, most=60) is None
    True
    """
    fall = 1.0 - ratio
    if not 0.0 < fall <= 1.0:
        return None
    best = None
    for d in range(1, int(np.floor(most * fall + 0.5)) + 1):
        n = d / fall
        whole = round(n)
        if abs(n - whole) <= WHOLE_TOL * n and d <= whole <= most and (
                best is None or abs(whole - guess) < abs(best[1] - guess)):
            best = (d, whole)
    return best


def exact_interval(t, s, k0, k1, start, end, n_start, target, s_last,
                   estimate: Walk, u=None) -> Walk | None:
    """The interval's events and censorings taken from exact steps, or None.

    ``estimate`` is Guyot's walk of the same points: its numbers at risk choose between
    the whole-number readings of a step (``d`` and ``2d`` events out of ``n`` and ``2n``).
    ``target`` is the number at risk at ``end`` (None after the last published one: the
    patients left are returned as ``left``); ``u``: uniform draws placing the censorings
    (None: evenly, see :func:`~bayesurv.digitized.walk.spread`).  None when a step gives
    no whole number at risk, or the readings need more patients than there are.
    """
    first = max(k0, 1)
    drops = first + np.flatnonzero(s[first:k1] < s[first - 1:k1 - 1])
    if not np.any(s[drops] > 0):  # no step, or only a fall to 0, which any count explains
        return None
    event_at = k0 + estimate.points
    # the walk's events before each drop (its censorings are in time order)
    events_before = np.concatenate([[0], np.cumsum(estimate.d)])[
        np.searchsorted(event_at, drops, side="left")]
    walk_events = int(estimate.d.sum())
    points, counts, censored = [], [], []
    avail, before = n_start, float(start)
    for p, done in zip(drops, events_before, strict=True):
        if target is None:  # the walk's number at risk there
            guess = (n_start - done
                     - np.searchsorted(estimate.censored, t[p], side="left"))
        else:  # the censorings still to come before ``end`` spread evenly over the time left
            to_come = avail - target - (walk_events - done)
            guess = avail - max(to_come, 0) * (t[p] - before) / max(end - before, 1e-300)
        got = implied_counts(float(s[p] / s[p - 1]), float(guess), avail)
        if got is None:
            return None
        d, n = got
        censored.extend(spread(before, float(t[p]), avail - n, _draws(u, len(censored))))
        points.append(p - k0)
        counts.append(d)
        s_last *= 1.0 - d / n
        avail, before = n - d, float(t[p])
    if target is not None:
        if avail < target:
            return None
        censored.extend(spread(before, float(end), avail - target,
                               _draws(u, len(censored))))
        avail = target
    return Walk(np.asarray(points, dtype=np.int64), np.asarray(counts, dtype=np.int64),
                np.asarray(censored, dtype=float), int(avail), s_last)


def _draws(u, used: int):
    """The uniform draws not yet used by earlier censorings (None stays None)."""
    return None if u is None else u[used:]
