"""Scenarios of a two-arm trial: piecewise-constant hazards of the control arm and hazard ratios.

Times count from each patient's randomization.  The control hazard is constant on pieces cut at
``control_cuts``; the hazard ratio (treatment / control) is constant on periods cut at
``hr_cuts``, so a delayed effect is ``hazard_ratio=[1.0, 0.6], hr_cuts=[13]``.  Both arms'
hazards are then piecewise constant on the union of the cuts, and an event time is drawn by
inverting the cumulative hazard: with ``E ~ Exp(1)``, ``T = H^-1(E)``.

Examples
--------
>>> import bayesurv as bs
>>> sc = bs.design.Scenario(control_hazard=[0.03], hazard_ratio=[1.0, 0.6], hr_cuts=[13])
>>> sc.hazard([6, 24], "treatment").round(3).tolist()
[0.03, 0.018]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesurv.base.checks import repr_argument
from bayesurv.base.exceptions import DesignError
from bayesurv.data.simulate import inverse_cumulative_hazard

__all__ = ["ARMS", "Scenario"]

ARMS = ("control", "treatment")


def _values(values, name: str, positive: bool) -> tuple[float, ...]:
    items = [values] if isinstance(values, str) or np.ndim(values) == 0 else list(values)
    try:
        arr = np.array([float(v) for v in items if not isinstance(v, bool | str)], dtype=float)
    except (TypeError, ValueError):
        arr = np.array([])
    if arr.size != len(items):
        raise DesignError(f"Scenario: {name} must be a number or a list of numbers, "
                          f"got {repr_argument(values)}")
    bad = ~np.isfinite(arr) | (arr <= 0 if positive else arr < 0)
    if bad.any():
        raise DesignError(f"Scenario: {name} must hold finite numbers "
                          f"{'> 0' if positive else '>= 0'}, got {arr[bad][0]:g}")
    return tuple(arr.tolist())


def _cuts(values, name: str) -> tuple[float, ...]:
    cuts = _values(values, name, positive=True) if np.size(values) else ()
    if np.any(np.diff(cuts) <= 0):
        raise DesignError(f"Scenario: {name} must be strictly increasing, got {list(cuts)}")
    return cuts


@dataclass(frozen=True, init=False)
class Scenario:
    """Piecewise-constant hazards of a control and a treatment arm.

    Parameters
    ----------
    control_hazard : float or sequence of float
        Control-arm hazard (events per time unit, > 0) on each piece.
    control_cuts : sequence of float
        Times (> 0, increasing) where the control hazard changes: one fewer than values.
    hazard_ratio : float or sequence of float
        Treatment / control hazard ratio (> 0) on each period.
    hr_cuts : sequence of float
        Times (> 0, increasing) where the hazard ratio changes: one fewer than values.

    Examples
    --------
    >>> import bayesurv as bs
    >>> sc = bs.design.Scenario(control_hazard=[0.05, 0.02], control_cuts=[12],
    ...                         hazard_ratio=0.7)
    >>> sc.survival(24, "control").round(4).tolist()  # exp(-(12 * 0.05 + 12 * 0.02))
    [0.4317]
    """

    control_hazard: tuple[float, ...]
    control_cuts: tuple[float, ...]
    hazard_ratio: tuple[float, ...]
    hr_cuts: tuple[float, ...]

    def __init__(self, control_hazard, control_cuts=(), hazard_ratio=1.0, hr_cuts=()):
        fields = {}
        for values, cuts, value_name, cut_name in (
                (control_hazard, control_cuts, "control_hazard", "control_cuts"),
                (hazard_ratio, hr_cuts, "hazard_ratio", "hr_cuts")):
            values = _values(values, value_name, positive=True)
            cuts = _cuts(cuts, cut_name)
            if len(values) != len(cuts) + 1:
                pieces = len(cuts) + 1
                raise DesignError(
                    f"Scenario: {value_name} needs one value per piece: {pieces} "
                    f"piece{'s' if pieces > 1 else ''} ({cut_name} {list(cuts)}) but "
                    f"{len(values)} value{'' if len(values) == 1 else 's'}")
            fields[value_name], fields[cut_name] = values, cuts
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_fit(cls, fit, draws: int | None = None, random_seed: int | None = None):
        """A scenario whose hazards are posterior draws of a fit: simulating it gives
        assurance (power averaged over the posterior) instead of power.

        See :class:`bayesurv.design.posterior.PosteriorScenario`.
        """
        from bayesurv.design.posterior import PosteriorScenario

        return PosteriorScenario.from_fit(fit, draws=draws, random_seed=random_seed)

    @property
    def is_posterior(self) -> bool:
        """Whether the hazards are posterior draws (one per simulated trial)."""
        return False

    def trial_hazards(self, rng: np.random.Generator, trials: int) -> Scenario:
        """The hazards of each of ``trials`` trials: this scenario for all of them (a
        posterior scenario draws one posterior draw per trial from ``rng``)."""
        return self

    @property
    def is_null(self) -> bool:
        """True when the hazard ratio is 1 throughout (both arms have the same hazard)."""
        return all(hr == 1.0 for hr in self.hazard_ratio)

    def pieces(self, arm: str) -> tuple[np.ndarray, np.ndarray]:
        """Start of each piece (the first is 0) and the arm's hazard on it.

        Examples
        --------
        >>> sc = Scenario([0.1], hazard_ratio=[1, 0.5], hr_cuts=[2])
        >>> [a.tolist() for a in sc.pieces("treatment")]
        [[0.0, 2.0], [0.1, 0.05]]
        """
        if arm not in ARMS:
            raise DesignError(f"Scenario: arm must be one of {list(ARMS)}, got {arm!r}")
        starts = np.union1d([0.0], np.r_[self.control_cuts, self.hr_cuts])
        rates = np.asarray(self.control_hazard)[np.searchsorted(self.control_cuts, starts,
                                                                side="right")]
        if arm == "treatment":
            rates = rates * np.asarray(self.hazard_ratio)[np.searchsorted(self.hr_cuts, starts,
                                                                          side="right")]
        return starts, rates

    def hazard(self, t, arm: str) -> np.ndarray:
        """The arm's hazard at times ``t``."""
        starts, rates = self.pieces(arm)
        return rates[np.searchsorted(starts, np.atleast_1d(np.asarray(t, float)), "right") - 1]

    def cumulative_hazard(self, t, arm: str) -> np.ndarray:
        """The arm's cumulative hazard at times ``t`` (>= 0)."""
        starts, rates = self.pieces(arm)
        t = np.atleast_1d(np.asarray(t, dtype=float))
        widths = np.clip(t[:, None] - starts[None, :], 0.0,
                         np.diff(np.r_[starts, np.inf])[None, :])
        return widths @ rates

    def survival(self, t, arm: str) -> np.ndarray:
        """The arm's survival probability at times ``t`` (>= 0)."""
        return np.exp(-self.cumulative_hazard(t, arm))

    def event_times(self, unit_exponentials: np.ndarray, arm: str) -> np.ndarray:
        """Event times of the arm from draws of Exp(1): the inverse cumulative hazard.

        Examples
        --------
        >>> import numpy as np
        >>> sc = Scenario([0.1, 0.5], control_cuts=[2])
        >>> sc.event_times(np.array([0.1, 0.2, 0.7]), "control").round(6).tolist()
        [1.0, 2.0, 3.0]
        """
        starts, rates = self.pieces(arm)
        return inverse_cumulative_hazard(starts, rates, unit_exponentials)
