"""Cleaning of one digitized Kaplan-Meier curve, every step reported.

The steps, in order: sort by time; clip slightly out-of-range values; put the curve's
start at ``(0, 1)``; check that the points can be a survival curve at all; remove isolated
spikes; force the curve non-increasing (pool-adjacent-violators, i.e. the least-squares
non-increasing fit).  Each step adds a row to the cleaning report; the two steps that drop
or move points the caller gave (spikes, monotone) also warn (:class:`DataWarning`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import isotonic_regression

from bayesurv.base.checks import describe_rows
from bayesurv.base.exceptions import DataWarning, DigitizedCurveError, warn_caller

__all__ = ["CleaningSettings", "Noise", "clean_curve", "nonincreasing_fit"]

REPORT_COLUMNS = ["group", "step", "points", "max_change", "detail"]
# Neighbours whose survival differs by more than this many noise SDs are one step's corners.
STEP_SDS = 6.0
# Height over width of a typical Kaplan-Meier figure: converts noise in survival to noise in
# time when no step can be told from the noise.
ASPECT = 0.6
# A noise SD measured from fewer pairs than this is not used.
MIN_PAIRS = 2
# Neighbours further apart in time than this fraction of the time span are not the two
# corners of one step, whatever the noise (5 pixels of noise on a 1000-pixel-wide plot
# give differences of about 0.007 of the span).
CORNER_SPAN = 0.02
# The noise taken when a curve gives no pairs to measure it: 2 pixels of a 1000 x 600 plot
# (a careful digitizer clicks within 1-2 pixels; the larger keeps intervals honest).
ASSUMED_PX = 2.0
ASSUMED_CANVAS = (1000, 600)
MAX_SPIKES_SHOWN = 5


@dataclass(frozen=True)
class CleaningSettings:
    """Tolerances of the cleaning steps.

    Attributes
    ----------
    survival_slack : float
        Survival values within this distance outside [0, 1] are clipped; further out they
        are errors (a pixel or two of overshoot is normal, 0.2 is not).
    time_slack : float
        Negative times down to ``-time_slack`` times the curve's time span are set to 0.
    spike_tolerance : float
        A point more than this above both neighbours is removed (a survival curve cannot
        rise); a point more than this below both neighbours is removed when it is isolated
        (neither neighbour is such a spike).
    max_adjustment : float
        Largest move the monotone step may make to a point; beyond it the curve is
        rejected rather than silently reshaped.
    tie_tolerance : float
        Consecutive points less than this fraction of the time span apart, the later one
        higher, are the two corners of one vertical step whose x coordinates noise has
        swapped: they are put in order of survival at their mean time.
    flat_tolerance : float
        Points less than this fraction of the time span apart belong to one vertical step
        when the ends of horizontal segments are levelled (see ``_level_flats``).
    """

    survival_slack: float = 0.05
    time_slack: float = 0.01
    spike_tolerance: float = 0.05
    max_adjustment: float = 0.10
    tie_tolerance: float = 0.01
    flat_tolerance: float = 0.003


def nonincreasing_fit(y: np.ndarray) -> np.ndarray:
    """Least-squares non-increasing fit of ``y`` (pool-adjacent-violators).

    Examples
    --------
    >>> nonincreasing_fit(np.array([1.0, 0.8, 0.9, 0.5])).round(6).tolist()
    [1.0, 0.85, 0.85, 0.5]
    """
    return isotonic_regression(np.asarray(y, dtype=float), increasing=False).x


@dataclass(frozen=True)
class Noise:
    """Standard deviations of the digitizing noise of one curve, in data units.

    Both ends of a horizontal segment between two captured steps lie on one line, and both
    corners of a vertical step at one time: each pair's difference is the difference of
    two independent errors, of variance twice the noise's.  In survival, the levelled
    segments' ends give the root mean square; in time, neighbours (as clicked, by time)
    whose survival differs by more than ``STEP_SDS`` survival noise SDs and whose times are
    within ``CORNER_SPAN`` of the time span are the corners of one step, and the median
    absolute difference, refined on the pairs within 3 SDs, gives the SD.  Each needs at
    least ``MIN_PAIRS`` pairs.  When no step stands out of the noise, the time noise is
    taken as the survival noise in pixels of a figure ``ASPECT`` times as high as wide.
    When no segment was clicked at both ends (a curve clicked at a few points, each on
    another step), neighbours' differences measure the clicking, not the noise: both SDs
    are then ``ASSUMED_PX`` pixels of an ``ASSUMED_CANVAS`` figure, and ``assumed`` says
    so.  An exact curve gives 0.

    Examples
    --------
    >>> sd = Noise.estimate(np.array([0.0, 1.0, 1.01, 3.0, 2.99]),
    ...                     np.array([1.0, 1.0, 0.8, 0.8, 0.6]), np.array([0.01, -0.01]))
    >>> round(sd.survival_sd, 5), round(sd.time_sd, 4), sd.corner_pairs, sd.assumed
    (0.00707, 0.0071, 2, False)

    A few clicks far apart (no segment's two ends, no step's two corners):

    >>> sd = Noise.estimate(np.array([0.0, 10.0, 20.0, 30.0]),
    ...                     np.array([1.0, 0.7, 0.5, 0.4]), np.array([]))
    >>> round(sd.time_sd, 4), round(sd.survival_sd, 5), sd.assumed
    (0.06, 0.00333, True)
    """

    time_sd: float
    survival_sd: float
    pairs: int
    corner_pairs: int
    assumed: bool = False

    @classmethod
    def estimate(cls, time: np.ndarray, survival: np.ndarray, gaps: np.ndarray) -> Noise:
        """From the points as clicked and the levelled segment ends' differences."""
        span = float(np.ptp(time))
        survival_sd = (float(np.sqrt(np.mean(gaps ** 2) / 2.0)) if gaps.size >= MIN_PAIRS
                       else None)
        step = ((np.abs(np.diff(survival)) > STEP_SDS * (survival_sd or 0.0))
                & (np.abs(np.diff(time)) <= CORNER_SPAN * span))
        widths = np.abs(np.diff(time)[step])
        time_sd = None
        if widths.size >= MIN_PAIRS:
            # 1.4826 * median |x| is the SD of a normal x; a difference has twice the
            # variance; then neighbours further apart than 3 SDs of a difference (corners
            # of two steps, one between them missed) are left out, twice
            time_sd = float(1.4826 * np.median(widths) / np.sqrt(2.0))
            for _ in range(2):
                kept = widths[widths <= 3.0 * np.sqrt(2.0) * time_sd]
                time_sd = float(np.sqrt(np.mean(kept ** 2) / 2.0)) if kept.size else 0.0
        pairs = (int(gaps.size), int(widths.size))
        if survival_sd is None:
            # no segment clicked at both ends: neighbours are points of different steps,
            # and the differences of their times measure the clicking, not the noise
            width, height = ASSUMED_CANVAS
            return cls(ASSUMED_PX / width * span, ASSUMED_PX / height, *pairs, assumed=True)
        if time_sd is None:  # steps lost in the noise: the same noise in pixels
            time_sd = survival_sd * ASPECT * span
        return cls(time_sd, survival_sd, *pairs)


def clean_curve(time: np.ndarray, survival: np.ndarray, labels: np.ndarray, group: str,
                settings: CleaningSettings, where: str,
                ) -> tuple[np.ndarray, np.ndarray, list[dict], Noise]:
    """Clean the points of one group; return time, survival, the report rows and the
    estimated digitizing noise.

    ``labels`` are the points' row labels (used in error messages); ``where`` names the
    input (e.g. ``"digitized curve (file km.csv)"``).
    """
    report: list[dict] = []

    def add(step, points, max_change, detail):
        report.append({"group": group, "step": step, "points": int(points),
                       "max_change": float(max_change), "detail": detail})

    prefix = f"{where}, group {group!r}"
    if time.size < 2:
        raise DigitizedCurveError(f"{prefix}: needs at least 2 points, got {time.size}")

    order = _order_by(time, -survival)
    moved = int(np.sum(order != np.arange(order.size)))
    time, survival, labels = time[order], survival[order], labels[order]
    add("sort", moved, 0.0, f"{moved} points reordered by time" if moved else "already sorted")

    time, survival = _clip(time, survival, labels, settings, prefix, add)
    as_clicked = (time, survival)  # before steps are untangled: for the noise in time
    time, survival, labels = _untangle_steps(time, survival, labels, settings, add)
    _check_survival_shape(time, survival, labels, prefix)

    if time[0] == 0.0:
        change = 1.0 - survival[0]
        survival = survival.copy()
        survival[0] = 1.0
        add("origin", int(change > 0), change,
            f"survival at time 0 set from {1 - change:.4g} to 1" if change > 0
            else "starts at (0, 1)")
    else:
        time = np.concatenate([[0.0], time])
        survival = np.concatenate([[1.0], survival])
        labels = np.concatenate([np.array(["(added origin)"], dtype=object), labels])
        add("origin", 1, 0.0, "point (0, 1) added")

    time, survival, labels, removed = _remove_spikes(time, survival, labels, settings, add)
    if removed:
        warn_caller(f"{prefix}: {removed}", DataWarning)
    survival, gaps = _level_flats(time, survival, settings, add)
    noise = Noise.estimate(*as_clicked, gaps)
    add("noise", noise.pairs, noise.survival_sd, _noise_detail(noise))

    fitted = nonincreasing_fit(survival)
    change = np.abs(fitted - survival)
    n_moved = int(np.sum(change > 1e-12))
    if n_moved:
        worst = int(np.argmax(change))
        if change[worst] > settings.max_adjustment:
            raise DigitizedCurveError(
                f"{prefix}: cannot be a survival curve without moving points by more than "
                f"{settings.max_adjustment:g}; at {describe_rows([labels[worst]])} (time "
                f"{time[worst]:.6g}, survival {survival[worst]:.6g}) it rises above earlier "
                f"points by {change[worst]:.3g} (check for a misplaced click or a point of "
                f"another curve)")
        detail = (f"{n_moved} of {survival.size} points moved to make the curve "
                  f"non-increasing (largest move {change[worst]:.4f} at time "
                  f"{time[worst]:.6g}, mean move {change[change > 1e-12].mean():.4f})")
        warn_caller(f"{prefix}: {detail}", DataWarning)
    else:
        detail = "already non-increasing"
    add("monotone", n_moved, change.max(initial=0.0), detail)
    return time, fitted, report, noise


def _noise_detail(noise: Noise) -> str:
    sds = f"SD {noise.survival_sd:.3g} in survival, {noise.time_sd:.3g} in time"
    if noise.assumed:
        width, height = ASSUMED_CANVAS
        return (f"digitizing noise: {sds}, assumed ({ASSUMED_PX:g} pixels of a {width} x "
                f"{height} plot): too few points to measure it ({noise.pairs} levelled "
                f"segments' ends, {noise.corner_pairs} pairs of neighbours a step apart)")
    return (f"digitizing noise: {sds} (from {noise.pairs} levelled segments' ends and "
            f"{noise.corner_pairs} pairs of neighbours a step apart)")


def _order_by(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Stable order by ``first``, ties by ``second`` (as ``np.lexsort((second, first))``).

    Complex numbers sort by real then imaginary part, and one sort of them is several
    times faster than a lexsort of two keys on millions of points.
    """
    return np.argsort(first + 1j * second, kind="stable")


def _clip(time, survival, labels, settings, prefix, add):
    span = float(np.max(time) - min(np.min(time), 0.0)) or 1.0
    too_early = time < -settings.time_slack * span
    if too_early.any():
        raise DigitizedCurveError(
            f"{prefix}: time must not be negative; found "
            f"{describe_rows(labels[too_early], time[too_early])}")
    low, high = -settings.survival_slack, 1.0 + settings.survival_slack
    outside = (survival < low) | (survival > high)
    if outside.any():
        raise DigitizedCurveError(
            f"{prefix}: survival must lie in [0, 1] (as a fraction); found "
            f"{describe_rows(labels[outside], survival[outside])}")
    new_time = np.maximum(time, 0.0)
    new_surv = np.clip(survival, 0.0, 1.0)
    change = np.maximum(np.abs(new_time - time) / span, np.abs(new_surv - survival))
    n = int(np.sum(change > 0))
    add("clip", n, float(np.max(np.abs(new_surv - survival), initial=0.0)),
        f"{n} points clipped to time >= 0 and survival in [0, 1]" if n else "all within range")
    return new_time, new_surv


def _untangle_steps(time, survival, labels, settings, add):
    """Put swapped corners of a vertical step back in order, at their mean time."""
    span = float(time[-1] - time[0]) or 1.0
    time, survival = time.copy(), survival.copy()
    perm = np.arange(time.size)  # labels are permuted once at the end (objects are slow)
    touched = np.zeros(time.size, dtype=bool)
    steps = 0
    for _ in range(10):  # a reordered run can expose a swap with its neighbour
        swapped = (np.diff(survival) > 0) & (np.diff(time) <= settings.tie_tolerance * span)
        if not swapped.any():
            break
        # runs of consecutive swapped pairs form one cluster of points
        edges = np.diff(np.concatenate([[0], swapped.astype(int), [0]]))
        starts = np.flatnonzero(edges == 1)
        inside = np.cumsum(edges) > 0  # points that start a swapped pair
        inside[1:] |= inside[:-1]  # a run of swapped pairs also holds the pair's last point
        first = ~inside
        first[starts] = True  # each point outside a cluster is a cluster of its own
        cluster = np.cumsum(first) - 1
        pos = np.flatnonzero(inside)
        order = pos[_order_by(cluster[pos], -survival[pos])]
        survival[pos], perm[pos] = survival[order], perm[order]
        heads = np.flatnonzero(first)
        mean = np.add.reduceat(time, heads) / np.diff(np.append(heads, time.size))
        time[inside] = mean[cluster[inside]]
        touched |= inside
        steps += starts.size
    labels = labels[perm]
    n = int(touched.sum())
    add("steps", n, 0.0,
        f"{n} points of vertical steps whose corners were swapped in time put in order "
        "of survival at their mean time" if n else "no swapped step corners")
    return time, survival, labels


def _check_survival_shape(time, survival, labels, prefix):
    if survival[0] < 0.5:
        raise DigitizedCurveError(
            f"{prefix}: a survival curve starts near 1, but the first point "
            f"{describe_rows(labels[:1])} (time {time[0]:.6g}) has survival {survival[0]:.4g}; "
            "if this is a cumulative incidence curve, give 1 - y")
    down = np.sqrt(np.mean((survival - nonincreasing_fit(survival)) ** 2))
    up = np.sqrt(np.mean((survival + nonincreasing_fit(-survival)) ** 2))
    if down > max(2.0 * up, 0.01):
        raise DigitizedCurveError(
            f"{prefix}: the points are mostly increasing (root-mean-square distance "
            f"{down:.3g} to the nearest non-increasing curve, {up:.3g} to the nearest "
            "non-decreasing one), so they cannot be a survival curve; if this is a "
            "cumulative incidence curve, give 1 - y")


def _level_flats(time, survival, settings, add):
    """Average the two ends of each horizontal segment between two drawn vertical steps.

    When both corners of consecutive steps were captured, the bottom of one step and the
    top of the next lie on the same horizontal line; their mean is a better estimate of
    that level than either point (noise then decides fewer event counts).  Pairs that
    differ by as much as the smaller of the two steps' heights are left alone (a step may
    have been missed between them).
    """
    span = float(time[-1] - time[0]) or 1.0
    new_cluster = np.concatenate([[True], np.diff(time) > settings.flat_tolerance * span])
    starts = np.flatnonzero(new_cluster)
    ends = np.concatenate([starts[1:], [time.size]])
    sizes = ends - starts
    out = survival.copy()
    count, largest, gaps = 0, 0.0, []
    for c in range(1, starts.size):
        last_cluster = c == starts.size - 1
        if sizes[c - 1] < 2 or (sizes[c] < 2 and not last_cluster) or c - 1 == 0:
            continue
        low = ends[c - 1] - 1  # bottom of the earlier step
        high = starts[c]  # top of the next step (or the curve's end)
        step = survival[starts[c - 1]] - survival[low]
        if not last_cluster:
            step = min(step, survival[high] - survival[ends[c] - 1])
        diff = survival[low] - survival[high]
        if abs(diff) >= 1.0 * step:
            continue
        gaps.append(diff)
        if diff == 0:
            continue
        out[low] = out[high] = 0.5 * (survival[low] + survival[high])
        largest = max(largest, abs(diff) / 2)
        count += 2
    add("flats", count, largest,
        f"{count // 2} horizontal segment(s) levelled to the mean of their ends" if count
        else "no horizontal segments between captured steps")
    return out, np.asarray(gaps, dtype=float)


def _remove_spikes(time, survival, labels, settings, add):
    tol = settings.spike_tolerance
    n = survival.size
    up = np.zeros(n, dtype=bool)
    down = np.zeros(n, dtype=bool)
    if n >= 3:
        prev, mid, nxt = survival[:-2], survival[1:-1], survival[2:]
        up[1:-1] = mid > np.maximum(prev, nxt) + tol
        down[1:-1] = mid < np.minimum(prev, nxt) - tol
    flagged = up | down
    neighbour = np.zeros(n, dtype=bool)
    neighbour[1:] |= flagged[:-1]
    neighbour[:-1] |= flagged[1:]
    # a point far above both neighbours cannot lie on a survival curve; one far below both
    # is removed only when isolated (next to a point far above, it is the real level)
    isolated = up | (down & ~neighbour)
    if not isolated.any():
        add("spikes", 0, 0.0, "no spikes")
        return time, survival, labels, None
    idx = np.flatnonzero(isolated)
    size = np.array([min(abs(survival[i] - survival[i - 1]), abs(survival[i] - survival[i + 1]))
                     for i in idx])
    detail = (f"removed {idx.size} spike(s): "
              + ", ".join(f"time {time[i]:.6g} survival {survival[i]:.4g}" for i in idx[:5])
              + (" ..." if idx.size > 5 else ""))
    add("spikes", idx.size, float(size.max()), detail)
    shown = [f"{describe_rows([labels[i]])} at time {time[i]:.6g} (survival {survival[i]:.4g}, "
             f"{size[k]:.3g} {'above' if up[i] else 'below'} both neighbours)"
             for k, i in enumerate(idx[:MAX_SPIKES_SHOWN])]
    more = f" and {idx.size - MAX_SPIKES_SHOWN} more" if idx.size > MAX_SPIKES_SHOWN else ""
    removed = (f"removed {idx.size} isolated spike(s), point(s) more than {tol:g} above or "
               f"below both neighbours (a misplaced click or a point of another curve?): "
               + "; ".join(shown) + more + "; they are listed in cleaning_report")
    return time[~isolated], survival[~isolated], labels[~isolated], removed
