"""Group-sequential boundaries: alpha spending and the exit probabilities of the looks.

A trial analysed at information fractions ``t_1 < ... < t_K = 1`` (for the log-rank test, the
share of the final number of events) sees statistics ``Z_1, ..., Z_K`` whose joint
distribution is, asymptotically, the *canonical* one (Jennison and Turnbull 2000, Group
Sequential Methods, ch. 3): ``Z_k = W(t_k) / sqrt(t_k)`` with ``W`` a Brownian motion of drift
``delta`` (the mean of the final statistic), so that ``corr(Z_j, Z_k) = sqrt(t_j / t_k)`` and
the increments of ``W`` are independent.

Lan and DeMets (1983, Biometrika 70:659) spend the one-sided level ``alpha`` over the looks
with a function ``alpha(t)`` increasing from 0 to ``alpha``:

- ``"obf"``, O'Brien-Fleming type: ``alpha(t) = 2 (1 - Phi(Phi^-1(1 - alpha / 2) / sqrt(t)))``;
- ``"pocock"``, Pocock type: ``alpha(t) = alpha log(1 + (e - 1) t)``.

The efficacy bound ``b_k`` is the value for which the probability under the null of first
crossing at look ``k`` equals ``alpha(t_k) - alpha(t_{k-1})``.  It is found look by look by
recursive numerical integration (Armitage, McPherson and Rowe 1969, JRSS A 132:235; Jennison
and Turnbull ch. 19): the sub-density of ``Z_k`` over the trials still running is carried on
a grid (Simpson's rule, step :data:`STEP`, truncated :data:`TAIL` standard deviations below
the mean) and the next look's crossing probability is its integral against the normal
transition of the increment.

A futility bound ``f_k`` (z scale, interim looks only) stops a trial whose ``Z_k <= f_k``.  It
is **non-binding**: the efficacy bounds are computed as if it did not exist, so a trial that
continues past it keeps its type I error at most ``alpha`` (the futility bound lowers it).
A hazard-ratio threshold ``h`` at a look with ``D`` events corresponds to the z bound
``-log(h) sqrt(D r) / (1 + r)`` under allocation ``r`` (Schoenfeld 1983): see
:func:`boundaries` with ``events``.

Examples
--------
>>> import bayesurv as bs
>>> table = bs.design.boundaries([0.5, 0.75, 1.0], alpha=0.025)
>>> table["z_efficacy"].round(4).tolist()  # rpact getDesignGroupSequential(typeOfDesign="asOF")
[2.9626, 2.359, 2.0141]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from bayesurv.base.checks import check_finite_number, check_positive, repr_argument
from bayesurv.base.exceptions import DesignError

__all__ = ["SPENDING", "STEP", "TAIL", "boundaries", "boundary_table", "efficacy_bounds",
           "exit_probabilities", "futility_bounds", "information_fractions", "spent_alpha"]

SPENDING = ("obf", "pocock")
# grid step of the recursive integration: the bounds move by < 1e-8 when it is divided by 4
STEP = 0.02
# the sub-densities are cut TAIL standard deviations below their mean (mass < 1e-23)
TAIL = 10.0


def information_fractions(looks, what: str = "boundaries") -> np.ndarray:
    """The looks as information fractions: increasing, in (0, 1], the last equal to 1.

    Examples
    --------
    >>> information_fractions([0.5, 1]).tolist()
    [0.5, 1.0]
    """
    items = [looks] if isinstance(looks, str) or np.ndim(looks) == 0 else list(looks)
    values = np.array([check_finite_number(v, "looks", what, DesignError) for v in items])
    if values.size == 0 or np.any(values <= 0) or np.any(np.diff(values) <= 0) \
            or values[-1] != 1.0:
        raise DesignError(f"{what}: looks must be increasing fractions of the final "
                          f"information in (0, 1] ending with 1, got {repr_argument(looks)}")
    return values


def spent_alpha(fractions, alpha: float, spending: str = "obf",
                what: str = "boundaries") -> np.ndarray:
    """Cumulative one-sided alpha spent at each information fraction.

    Examples
    --------
    >>> spent_alpha([0.5, 1.0], 0.025).round(6).tolist()
    [0.001525, 0.025]
    """
    t = np.asarray(fractions, dtype=float)
    if spending == "obf":
        return 2.0 * stats.norm.sf(stats.norm.isf(alpha / 2.0) / np.sqrt(t))
    if spending == "pocock":
        return alpha * np.log1p((np.e - 1.0) * t)
    raise DesignError(f"{what}: spending must be one of {list(SPENDING)}, got "
                      f"{repr_argument(spending)}")


def _simpson(lower: float, upper: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid points and Simpson weights on [lower, upper] (an odd number of points)."""
    n = max(3, int(np.ceil((upper - lower) / STEP)))
    n += 1 - n % 2
    z = np.linspace(lower, upper, n)
    weights = np.ones(n)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    return z, weights * (z[1] - z[0]) / 3.0


class _Recursion:
    """The sub-density of the statistic among the trials still running, look after look."""

    def __init__(self, fractions: np.ndarray, drift: float):
        self.t = fractions
        self.drift = drift
        self.k = 0
        self.z = self.mass = None  # grid and density x weight of the previous look

    def _transition(self, bound: float, upper: bool) -> float:
        """P(the next statistic is >= ``bound`` (upper) or <= it, and no earlier exit)."""
        t = self.t[self.k]
        if self.k == 0:
            mean = self.drift * np.sqrt(t)
            return float(stats.norm.sf(bound - mean) if upper else stats.norm.cdf(bound - mean))
        if self.z is None:  # every trial has already stopped
            return 0.0
        t0 = self.t[self.k - 1]
        width = t - t0
        x = (bound * np.sqrt(t) - self.z * np.sqrt(t0) - self.drift * width) / np.sqrt(width)
        return float(self.mass @ (stats.norm.sf(x) if upper else stats.norm.cdf(x)))

    def advance(self, lower: float, upper: float) -> None:
        """Carry the sub-density to the current look over the continuation interval
        (``lower``, ``upper``) and move to the next look."""
        t = self.t[self.k]
        mean = self.drift * np.sqrt(t)
        lower = max(lower, mean - TAIL)
        if upper <= lower or (self.k > 0 and self.z is None):
            self.z = self.mass = None
        else:
            z, weights = _simpson(lower, upper)
            if self.k == 0:
                density = stats.norm.pdf(z - mean)
            else:
                t0 = self.t[self.k - 1]
                width = t - t0
                x = (z[:, None] * np.sqrt(t) - self.z[None, :] * np.sqrt(t0)
                     - self.drift * width) / np.sqrt(width)
                density = np.exp(-0.5 * x * x) @ self.mass * np.sqrt(t / width / (2 * np.pi))
            self.z, self.mass = z, density * weights
        self.k += 1


def efficacy_bounds(fractions, alpha: float, spending: str = "obf") -> np.ndarray:
    """Efficacy bounds (z scale) of an alpha-spending design, ignoring any futility bound.

    Examples
    --------
    >>> efficacy_bounds([0.5, 0.75, 1.0], 0.025, "pocock").round(4).tolist()
    [2.157, 2.3124, 2.3269]
    """
    t = np.asarray(fractions, dtype=float)
    spent = spent_alpha(t, alpha, spending)
    increments = np.diff(np.r_[0.0, spent])
    recursion = _Recursion(t, 0.0)
    bounds = np.empty(t.size)
    for k, target in enumerate(increments):
        if k == 0:
            bounds[k] = stats.norm.isf(target)
        else:
            bounds[k] = optimize.brentq(
                lambda b, target=target: recursion._transition(b, True) - target,
                -TAIL, 40.0, xtol=1e-12, rtol=1e-14)
        if k < t.size - 1:
            recursion.advance(-np.inf, bounds[k])
    return bounds


def exit_probabilities(fractions, efficacy, futility=None,
                       drift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of stopping at each look for efficacy and for futility.

    Parameters
    ----------
    fractions : sequence of float
        Information fractions of the looks.
    efficacy : sequence of float
        Efficacy bounds (z scale).
    futility : sequence of float, optional
        Futility bounds (z scale) of the interim looks (``-inf`` for none); the trial stops
        when ``Z_k <= f_k``, as planned (the probabilities treat the bound as obeyed).
    drift : float
        Mean of the final statistic: 0 under the null; ``-log(HR) sqrt(D r) / (1 + r)``
        for the log-rank test with ``D`` final events under proportional hazards.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Per look: P(stop for efficacy there), P(stop for futility there).

    Examples
    --------
    >>> bounds = efficacy_bounds([0.5, 1.0], 0.025)
    >>> [p.round(5).tolist() for p in exit_probabilities([0.5, 1.0], bounds)]
    [[0.00153, 0.02347], [0.0, 0.0]]
    """
    t = np.asarray(fractions, dtype=float)
    futility = np.full(t.size - 1, -np.inf) if futility is None else np.asarray(futility, float)
    lower = np.r_[futility, -np.inf]
    recursion = _Recursion(t, float(drift))
    p_efficacy, p_futility = np.zeros(t.size), np.zeros(t.size)
    for k in range(t.size):
        p_efficacy[k] = recursion._transition(efficacy[k], True)
        if np.isfinite(lower[k]):
            p_futility[k] = recursion._transition(lower[k], False)
        recursion.advance(lower[k], efficacy[k])
    return p_efficacy, p_futility


def futility_bounds(futility, looks: int, efficacy: np.ndarray | None = None,
                    what: str = "boundaries") -> np.ndarray:
    """The futility bounds of the interim looks (``-inf`` where none).

    ``futility`` is None, one z value for every interim look, or one per interim look.

    Examples
    --------
    >>> futility_bounds(0.0, 3).tolist(), futility_bounds(None, 2).tolist()
    ([0.0, 0.0], [-inf])
    """
    if futility is None:
        return np.full(looks - 1, -np.inf)
    items = [futility] if np.ndim(futility) == 0 else list(futility)
    values = np.array([check_finite_number(v, "futility", what, DesignError) for v in items])
    if np.ndim(futility) == 0:
        values = np.repeat(values, looks - 1)
    if values.size != looks - 1:
        raise DesignError(f"{what}: futility needs one z bound per interim look ({looks - 1}), "
                          f"got {repr_argument(futility)}")
    if efficacy is not None:
        above = np.flatnonzero(values >= efficacy[:-1])
        if above.size:
            k = above[0]
            raise DesignError(f"{what}: the futility bound {values[k]:g} at look {k + 1} is "
                              f"not below its efficacy bound {efficacy[k]:.4f}")
    return values


def boundaries(looks: Sequence[float], alpha: float = 0.025, spending: str = "obf",
               futility=None, events: int | None = None,
               allocation: float = 1.0) -> pd.DataFrame:
    """The boundaries of a one-sided group-sequential design with alpha spending.

    Parameters
    ----------
    looks : sequence of float
        Information fractions of the analyses (for the log-rank test, the share of the final
        events), increasing, the last equal to 1.
    alpha : float
        One-sided level spent over the looks.
    spending : {"obf", "pocock"}
        Lan-DeMets spending function of O'Brien-Fleming or Pocock type.
    futility : float or sequence of float, optional
        Non-binding futility bound(s) on the z scale at the interim looks (one value for all,
        or one per interim look); the efficacy bounds ignore them.
    events : int, optional
        Final number of events: adds the events at each look (``round(fraction * events)``,
        whose shares are then the fractions used) and the hazard ratios at the bounds
        (Schoenfeld's ``exp(-z (1 + r) / sqrt(D r))``).
    allocation : float
        Treatment : control ratio ``r``, for the hazard ratios at the bounds.

    Returns
    -------
    pandas.DataFrame
        One row per look: ``look``, ``information`` (fraction), ``z_efficacy``, ``nominal_p``
        (one-sided ``1 - Phi(z_efficacy)``), ``alpha_spent`` (cumulative), ``z_futility``
        (NaN without one and at the last look) and, with ``events``, ``events``,
        ``hr_efficacy`` and ``hr_futility``.

    Examples
    --------
    >>> import bayesurv as bs
    >>> table = bs.design.boundaries([0.5, 1.0], futility=0.0, events=200)
    >>> table[["events", "z_efficacy", "alpha_spent", "hr_efficacy", "z_futility"]].round(4)
       events  z_efficacy  alpha_spent  hr_efficacy  z_futility
    0     100      2.9626       0.0015       0.5529         0.0
    1     200      1.9686       0.0250       0.7570         NaN
    """
    return boundary_table(looks, alpha, spending, futility, events, allocation)


def boundary_table(looks, alpha, spending, futility, events, allocation,
                   what: str = "boundaries") -> pd.DataFrame:
    """:func:`boundaries`, with ``what`` naming the caller in error messages."""
    alpha = check_positive(alpha, "alpha", what, DesignError)
    if alpha >= 0.5:
        raise DesignError(f"{what}: alpha is a one-sided level below 0.5, got {alpha:g}")
    spent_alpha(0.5, alpha, spending, what)  # checks the name
    fractions = information_fractions(looks, what)
    counts = None
    if events is not None:
        if isinstance(events, bool) or not isinstance(events, int | np.integer) or events < 1:
            raise DesignError(f"{what}: events must be a whole number >= 1, got "
                              f"{repr_argument(events)}")
        counts = np.round(fractions * events).astype(int)
        if counts[0] < 1 or np.any(np.diff(counts) <= 0):
            raise DesignError(f"{what}: looks {fractions.tolist()} of {events} events give "
                              f"the event counts {counts.tolist()}: each look needs more "
                              "events than the previous one")
        fractions = counts / counts[-1]
    efficacy = efficacy_bounds(fractions, alpha, spending)
    lower = futility_bounds(futility, fractions.size, efficacy, what)
    table = pd.DataFrame({"look": np.arange(1, fractions.size + 1), "information": fractions,
                          "z_efficacy": efficacy, "nominal_p": stats.norm.sf(efficacy),
                          "alpha_spent": spent_alpha(fractions, alpha, spending, what),
                          "z_futility": np.r_[np.where(np.isfinite(lower), lower, np.nan),
                                              np.nan]})
    if counts is not None:
        r = check_positive(allocation, "allocation", what, DesignError)
        scale = np.sqrt(counts * r) / (1.0 + r)
        table["events"] = counts
        table["hr_efficacy"] = np.exp(-efficacy / scale)
        table["hr_futility"] = np.exp(-table["z_futility"] / scale)
    return table
