"""Credible intervals of posterior draws: the one place every table's interval comes from.

Two kinds, chosen by ``interval=``:

- ``"equal-tailed"`` (the default): the ``(1 - mass) / 2`` and ``(1 + mass) / 2`` quantiles
  (numpy's linear quantiles for plain draws; the inverse of the weighted empirical CDF for
  weighted draws, such as the mixture over regimes behind HR(t) or the grid of a change-point
  posterior);
- ``"hdi"``: the highest-density interval, the shortest interval holding at least ``mass`` of
  the draws (of their weight, for weighted draws).  For a discrete posterior given as
  probabilities on a grid (the change-point tau) it is the shortest range of grid values
  holding at least ``mass``: a single interval, so for a posterior with two separate modes it
  also covers the values in between.

Every table records which interval it shows in ``table.attrs["interval"]``, e.g.
``"95% equal-tailed"`` (:func:`interval_label`).
"""

from __future__ import annotations

import math

import numpy as np

from bayesurv.base.checks import check_mass
from bayesurv.base.exceptions import BayesurvInputError

__all__ = ["INTERVALS", "both_intervals", "check_interval", "checked", "credible_interval",
           "hdi", "interval_label", "labelled", "quantiles", "weighted_quantiles"]

INTERVALS = ("equal-tailed", "hdi")


def check_interval(interval, what: str = "argument") -> str:
    """``"equal-tailed"`` or ``"hdi"`` (the interval kind), else a BayesurvInputError.

    Examples
    --------
    >>> check_interval("hdi", "Fit.survival")
    'hdi'
    >>> check_interval("HPD", "Fit.survival")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: Fit.survival: interval must be ...
    """
    if not isinstance(interval, str) or interval not in INTERVALS:
        raise BayesurvInputError(f"{what}: interval must be 'equal-tailed' or 'hdi', got "
                                 f"{interval!r}")
    return interval


def interval_label(mass: float, interval: str = "equal-tailed") -> str:
    """How a table or figure names its interval, e.g. ``"95% equal-tailed"``.

    Examples
    --------
    >>> interval_label(0.95), interval_label(0.975, "hdi")
    ('95% equal-tailed', '97.5% HDI')
    """
    return f"{100 * mass:.10g}% " + ("HDI" if interval == "hdi" else "equal-tailed")


def both_intervals(mass: float, interval: str = "equal-tailed") -> str:
    """How a table beside frequentist estimates names both intervals.

    Examples
    --------
    >>> both_intervals(0.95)
    'Bayesian 95% equal-tailed; frequentist 95% confidence'
    """
    return f"Bayesian {interval_label(mass, interval)}; frequentist {100 * mass:.10g}% confidence"


def labelled(table, mass: float, interval: str = "equal-tailed"):
    """``table`` (a DataFrame or Series) with ``attrs["interval"]`` set; returns it.

    Examples
    --------
    >>> import pandas as pd
    >>> labelled(pd.DataFrame({"x": [1]}), 0.9).attrs
    {'interval': '90% equal-tailed'}
    """
    table.attrs["interval"] = interval_label(mass, interval)
    return table


def checked(mass, interval, what: str) -> tuple[float, str]:
    """``mass`` and ``interval`` validated for the function or method ``what``.

    Examples
    --------
    >>> checked(0.9, "hdi", "Fit.rmst")
    (0.9, 'hdi')
    """
    return check_mass(mass, what), check_interval(interval, what)


def _window(mass: float, n: int) -> int:
    """Number of sorted draws an HDI spans: the fewest holding at least ``mass`` of ``n``."""
    # the small slack keeps e.g. 0.95 * 200 = 190.00000000000003 from asking for 191 draws
    return min(n, max(1, math.ceil(mass * n - 1e-9)))


def hdi(values: np.ndarray, mass: float = 0.95, weights: np.ndarray | None = None
        ) -> tuple[np.ndarray, np.ndarray]:
    """Shortest interval holding at least ``mass`` of the draws, along the first axis.

    With ``weights`` (1-d ``values`` only), the shortest interval ``[v_i, v_j]`` of the sorted
    values whose weights add up to at least ``mass`` of the total.  Where no window of finite
    width exists (too many infinite draws) both ends are NaN.

    Examples
    --------
    Exponential draws with rate 2: the density falls from 0, so the HDI is
    ``[0, -log(1 - mass) / 2]``:

    >>> rng = np.random.default_rng(0)
    >>> lower, upper = hdi(rng.exponential(0.5, 200_000), 0.9)
    >>> round(float(lower), 3), round(float(upper), 2), round(float(-np.log(0.1) / 2), 2)
    (0.0, 1.15, 1.15)
    """
    values = np.asarray(values, dtype=float)
    if weights is None:
        v = np.sort(values, axis=0)
        n = v.shape[0]
        k = _window(mass, n)
        with np.errstate(invalid="ignore"):
            widths = v[k - 1:] - v[:n - k + 1]
        widths = np.where(np.isnan(widths), np.inf, widths)
        start = np.argmin(widths, axis=0)[None]
        lower = np.take_along_axis(v, start, axis=0)[0]
        upper = np.take_along_axis(v, start + k - 1, axis=0)[0]
        finite = np.isfinite(np.min(widths, axis=0))
        return np.where(finite, lower, np.nan), np.where(finite, upper, np.nan)
    order = np.argsort(values)
    v, w = values[order], np.asarray(weights, dtype=float)[order]
    cumulative = np.r_[0.0, np.cumsum(w)]
    need = mass * cumulative[-1] * (1 - 1e-12)
    # for each start i, the first end j whose weights i..j reach the mass
    end = np.searchsorted(cumulative, cumulative[:-1] + need, side="left") - 1
    ok = end < v.size
    with np.errstate(invalid="ignore"):
        widths = np.where(ok, v[np.minimum(end, v.size - 1)] - v, np.inf)
    widths = np.where(np.isnan(widths), np.inf, widths)
    i = int(np.argmin(widths))
    if not np.isfinite(widths[i]):
        return np.array(np.nan), np.array(np.nan)
    return np.array(v[i]), np.array(v[end[i]])


def _linear_quantiles(values: np.ndarray, probs) -> np.ndarray:
    """numpy's linear quantiles along the first axis, NaN where one rests on a non-finite
    draw (a median not reached is ``inf``)."""
    if np.isfinite(values).all():
        return np.quantile(values, probs, axis=0)
    v = np.sort(values, axis=0)
    position = (v.shape[0] - 1) * np.asarray(probs, dtype=float)
    low, high = np.floor(position).astype(int), np.ceil(position).astype(int)
    shape = (-1,) + (1,) * (v.ndim - 1)
    below, above = v[low], v[high]
    finite = np.isfinite(below) & np.isfinite(above)
    with np.errstate(invalid="ignore"):
        out = below + (position - low).reshape(shape) * (above - below)
    return np.where(finite, out, np.nan)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, probs) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF).

    Examples
    --------
    >>> weighted_quantiles(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 6.0]), [0.1, 0.5])
    array([1., 3.])
    """
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cdf = np.cumsum(w) / w.sum()
    # a CDF step landing exactly on p must not depend on the order weights were summed in
    idx = np.searchsorted(cdf, np.asarray(probs) - 1e-12, side="left")
    return v[np.minimum(idx, v.size - 1)]


def quantiles(values: np.ndarray, probs, weights: np.ndarray | None = None) -> np.ndarray:
    """Quantiles along the first axis: linear for plain draws, inverse CDF for weighted ones.

    Examples
    --------
    >>> quantiles(np.array([1.0, 2.0, 3.0, np.inf]), [0.5, 1.0]).tolist()
    [2.5, nan]
    """
    if weights is None:
        return _linear_quantiles(np.asarray(values, dtype=float), probs)
    return weighted_quantiles(np.asarray(values, dtype=float), np.asarray(weights), probs)


def credible_interval(values, mass: float = 0.95, interval: str = "equal-tailed",
                      weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper end of the ``mass`` interval of draws along the first axis.

    Parameters
    ----------
    values : array_like
        Draws along the first axis (any further axes are summarized separately); ``inf``
        allowed, and an end resting on it is NaN.
    mass : float
        In (0, 1).
    interval : {"equal-tailed", "hdi"}
    weights : numpy.ndarray, optional
        Weights of 1-d ``values`` (a mixture, or probabilities on a grid).

    Returns
    -------
    tuple of numpy.ndarray
        ``(lower, upper)``, each of the shape of one draw.

    Examples
    --------
    Normal draws: the density is symmetric, so the HDI is close to the equal-tailed
    interval, both near +-1.96 (a 2.5% quantile of 100,000 draws has a standard error of
    about 0.009, so 0.03 is over three of them):

    >>> x = np.random.default_rng(1).normal(size=100_000)
    >>> et, hd = credible_interval(x), credible_interval(x, interval="hdi")
    >>> bool(np.allclose(et, [-1.96, 1.96], atol=0.03) and np.allclose(hd, et, atol=0.03))
    True
    """
    if interval == "hdi":
        return hdi(values, mass, weights)
    tail = (1.0 - mass) / 2.0
    lower, upper = quantiles(values, [tail, 1.0 - tail], weights)
    return lower, upper
