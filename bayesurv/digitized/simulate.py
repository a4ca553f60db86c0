"""Simulate what a plot digitizer captures from a Kaplan-Meier figure.

Used by the reconstruction accuracy harness and to build the digitized rendition of the
shipped synthetic cohort: draw a Kaplan-Meier curve on a pixel canvas, take the points a
person would click (the step corners), add pixel noise, miss some points, and read the
coordinates back in data units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesurv.base.columns import check_binary, check_nonnegative, check_numeric
from bayesurv.base.exceptions import BayesurvInputError

__all__ = ["km_step_corners", "simulate_digitization", "simulate_trace"]


def km_step_corners(time, event) -> pd.DataFrame:
    """Corners of the Kaplan-Meier step curve of right-censored data.

    The curve starts at ``(0, 1)``; each distinct event time ``t`` contributes its top
    corner ``(t, S(t-))`` and its bottom corner ``(t, S(t))``; the curve ends flat at the
    longest follow-up, which adds ``(max time, S)`` when the last time is a censoring.

    Parameters
    ----------
    time : array-like
        Follow-up times (>= 0).
    event : array-like
        1 (or True) for an event, 0 for censoring.

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` and ``survival`` (a fraction), in drawing order.

    Examples
    --------
    >>> km_step_corners([1, 2, 2, 3], [1, 0, 1, 0]).to_numpy().tolist()
    [[0.0, 1.0], [1.0, 1.0], [1.0, 0.75], [2.0, 0.75], [2.0, 0.5], [3.0, 0.5]]
    """
    t = check_numeric(pd.Series(np.asarray(time).ravel()), "time", "km_step_corners")
    e = check_binary(pd.Series(np.asarray(event).ravel()), "event", "km_step_corners")
    check_nonnegative(t, pd.RangeIndex(t.size), "time", "km_step_corners")
    if t.size != e.size or t.size == 0:
        raise BayesurvInputError(
            f"km_step_corners: time and event must be non-empty and of equal length, got "
            f"{t.size} and {e.size}")
    event_times = np.unique(t[e == 1])
    at_risk = t.size - np.searchsorted(np.sort(t), event_times, side="left")
    deaths = np.array([np.sum((t == u) & (e == 1)) for u in event_times]) if event_times.size \
        else np.zeros(0)
    surv = np.cumprod(1.0 - deaths / at_risk) if event_times.size else np.zeros(0)
    before = np.concatenate([[1.0], surv[:-1]])
    times = [0.0]
    values = [1.0]
    for u, top, bottom in zip(event_times, before, surv, strict=True):
        times += [float(u), float(u)]
        values += [float(top), float(bottom)]
    t_max = float(t.max())
    if t_max > times[-1]:
        times.append(t_max)
        values.append(values[-1])
    return pd.DataFrame({"time": times, "survival": values})


def simulate_digitization(
    corners_or_km,
    canvas: tuple[int, int] = (1000, 600),
    noise_px: float = 0.0,
    n_points: int | None = None,
    drop_fraction: float = 0.0,
    x_max: float | None = None,
    rng=None,
) -> pd.DataFrame:
    """Points a digitizer would capture from a Kaplan-Meier curve drawn on a canvas.

    The plot area is ``canvas = (width, height)`` pixels; the x axis runs from 0 to
    ``x_max`` and the y axis from 0 to 1.  The steps, in order:

    1. take the step corners: every corner, or the corners nearest to ``n_points`` points
       evenly spaced along the drawn length of the curve (at most ``n_points``, as a
       person clicking about that many points would);
    2. miss a random ``drop_fraction`` of the interior points (the first and last are kept);
    3. move every point by independent Gaussian noise of standard deviation ``noise_px``
       pixels in x and in y, kept inside the plot area;
    4. convert back to data units.

    Parameters
    ----------
    corners_or_km : pandas.DataFrame, tuple or lifelines KaplanMeierFitter
        The curve: a frame with ``time`` and ``survival`` columns (e.g. from
        :func:`km_step_corners`), a ``(time, survival)`` pair of arrays, or a fitted
        lifelines ``KaplanMeierFitter``.
    canvas : (int, int)
        Width and height of the plot area in pixels.
    noise_px : float
        Standard deviation of the pixel noise (0: exact corners).
    n_points : int, optional
        About how many points to take (at most this many); default: every corner.
    drop_fraction : float
        Fraction of interior points missed, in [0, 1).
    x_max : float, optional
        Right end of the x axis (default: the curve's last time); give the same value for
        the arms of one figure.
    rng : numpy.random.Generator or int, optional
        Random generator or seed.

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` and ``survival`` (fraction), in capture order (by x pixel).

    Examples
    --------
    >>> corners = km_step_corners([1, 2, 2, 3], [1, 0, 1, 0])
    >>> pts = simulate_digitization(corners, noise_px=1.0, rng=1)
    >>> len(pts)
    6
    """
    time, survival = _as_corners(corners_or_km)
    width, height = (float(v) for v in canvas)
    if width <= 0 or height <= 0:
        raise BayesurvInputError(f"simulate_digitization: canvas must be positive, got {canvas}")
    if not 0.0 <= drop_fraction < 1.0:
        raise BayesurvInputError(
            f"simulate_digitization: drop_fraction must be in [0, 1), got {drop_fraction!r}")
    if noise_px < 0:
        raise BayesurvInputError(
            f"simulate_digitization: noise_px must be >= 0, got {noise_px!r}")
    x_max = float(time.max()) if x_max is None else float(x_max)
    if x_max <= 0 or x_max < time.max():
        raise BayesurvInputError(
            f"simulate_digitization: x_max ({x_max!r}) must be positive and at least the "
            f"curve's last time ({time.max()!r})")
    rng = np.random.default_rng(rng)
    px = time / x_max * width
    py = survival * height
    keep = np.arange(px.size)
    if n_points is not None and n_points < px.size:
        keep = _even_along_curve(px, py, int(n_points))
    if drop_fraction > 0 and keep.size > 2:
        interior = keep[1:-1]
        missed = rng.random(interior.size) < drop_fraction
        keep = np.concatenate([keep[:1], interior[~missed], keep[-1:]])
    px, py = px[keep], py[keep]
    if noise_px > 0:
        px = np.clip(px + rng.normal(0.0, noise_px, px.size), 0.0, width)
        py = np.clip(py + rng.normal(0.0, noise_px, py.size), 0.0, height)
    order = np.argsort(px, kind="stable")
    return pd.DataFrame({"time": px[order] / width * x_max,
                         "survival": py[order] / height})


def simulate_trace(corners_or_km, n_points: int, canvas: tuple[int, int] = (1000, 600),
                   noise_px: float = 0.0, x_max: float | None = None,
                   rng=None) -> pd.DataFrame:
    """Points an automatic digitizer tracing the drawn curve would capture.

    ``n_points`` points are placed at random along the drawn length of the step curve
    (horizontal and vertical segments alike), moved by Gaussian noise of ``noise_px``
    pixels in x and in y, kept inside the plot area, and read back in data units.  With
    many points per step this is the dense input a traced curve gives, unlike the
    corners :func:`simulate_digitization` clicks.

    Parameters are as in :func:`simulate_digitization`.

    Returns
    -------
    pandas.DataFrame
        Columns ``time`` and ``survival`` (fraction), by x pixel.

    Examples
    --------
    >>> corners = km_step_corners([1, 2, 2, 3], [1, 0, 1, 0])
    >>> pts = simulate_trace(corners, 1000, noise_px=0.5, rng=1)
    >>> len(pts), bool(pts["survival"].between(0, 1).all())
    (1000, True)
    """
    time, survival = _as_corners(corners_or_km)
    x_max = float(time.max()) if x_max is None else float(x_max)
    width, height = (float(v) for v in canvas)
    rng = np.random.default_rng(rng)
    px, py = time / x_max * width, survival * height
    length = np.concatenate([[0.0], np.cumsum(np.abs(np.diff(px)) + np.abs(np.diff(py)))])
    along = np.sort(rng.uniform(0.0, length[-1], int(n_points)))
    x = np.clip(np.interp(along, length, px) + rng.normal(0.0, noise_px, along.size), 0, width)
    y = np.clip(np.interp(along, length, py) + rng.normal(0.0, noise_px, along.size), 0,
                height)
    order = np.argsort(x, kind="stable")
    return pd.DataFrame({"time": x[order] / width * x_max, "survival": y[order] / height})


def _as_corners(obj) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(obj, "survival_function_") and hasattr(obj, "timeline"):
        sf = obj.survival_function_
        t = sf.index.to_numpy(dtype=float)
        s = sf.iloc[:, 0].to_numpy(dtype=float)
        times, values = [float(t[0])], [float(s[0])]
        for u, v in zip(t[1:], s[1:], strict=True):
            if v != values[-1]:
                times += [u, u]
                values += [values[-1], v]
        if t[-1] > times[-1]:
            times.append(float(t[-1]))
            values.append(values[-1])
        return np.asarray(times), np.asarray(values)
    if isinstance(obj, pd.DataFrame):
        missing = {"time", "survival"} - set(obj.columns)
        if missing:
            raise BayesurvInputError(
                f"simulate_digitization: the curve frame needs columns 'time' and 'survival'; "
                f"missing {sorted(missing)}")
        time, survival = obj["time"], obj["survival"]
    else:
        try:
            time, survival = obj
        except (TypeError, ValueError):
            raise BayesurvInputError(
                "simulate_digitization: give a DataFrame with time and survival, a (time, "
                f"survival) pair or a fitted KaplanMeierFitter, got {type(obj).__name__}"
            ) from None
    time = np.asarray(time, dtype=float)
    survival = np.asarray(survival, dtype=float)
    if time.shape != survival.shape or time.ndim != 1 or time.size < 2:
        raise BayesurvInputError(
            "simulate_digitization: time and survival must be 1-d of equal length >= 2, got "
            f"shapes {time.shape} and {survival.shape}")
    if not (np.all(np.isfinite(time)) and np.all(np.isfinite(survival))):
        raise BayesurvInputError("simulate_digitization: time and survival must be finite")
    return time, survival


def _even_along_curve(px: np.ndarray, py: np.ndarray, n_points: int) -> np.ndarray:
    """Indices of ``n_points`` corners spaced evenly along the drawn length of the curve."""
    if n_points < 2:
        raise BayesurvInputError(f"simulate_digitization: n_points must be >= 2, got {n_points}")
    length = np.concatenate([[0.0], np.cumsum(np.abs(np.diff(px)) + np.abs(np.diff(py)))])
    targets = np.linspace(0.0, length[-1], n_points)
    idx = np.searchsorted(length, targets, side="left").clip(0, px.size - 1)
    return np.unique(np.concatenate([[0], idx, [px.size - 1]]))
