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

A posterior scenario (:class:`PosteriorScenario`) has hazards that are posterior draws of a
fit, for assurance instead of power.  A fitted :class:`~bayesurv.PiecewiseExponential` or
:class:`~bayesurv.ChangePoint` model gives, per posterior draw, the control and treatment
hazards on its fine grid (each change-point draw in its own state,
:func:`bayesurv.inference.summaries.draw_log_hazards`).
:func:`~bayesurv.design.simulate` gives each simulated trial one draw, chosen at random, so
the share of trials that reject is the **assurance**: the power averaged over the posterior
(O'Hagan, Stevens and Campbell 2005, Pharmaceutical Statistics 4:187).  Times are in the
fit's time unit; past the last piece of the fine grid the last piece's hazard holds.

>>> sc = bs.design.Scenario.from_fit(pw_fit, draws=100, random_seed=1)
>>> sc
PosteriorScenario(100 posterior draws of a piecewise fit, 8 pieces, months)
>>> sc.is_posterior, sc.point().is_posterior
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesurv.base.checks import repr_argument
from bayesurv.base.exceptions import DesignError
from bayesurv.data.simulate import inverse_cumulative_hazard
from bayesurv.inference.fit import Fit
from bayesurv.inference.illness_death_fit import IllnessDeathFit
from bayesurv.inference.summaries import draw_log_hazards

__all__ = ["ARMS", "PosteriorScenario", "Scenario", "TrialHazards"]

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

        See :class:`PosteriorScenario`.
        """
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



@dataclass(frozen=True)
class TrialHazards:
    """Piecewise-constant hazards of each simulated trial: (trials, pieces) per arm."""

    starts: np.ndarray
    control: np.ndarray
    treatment: np.ndarray
    draw: np.ndarray  # the posterior draw of each trial

    def event_times(self, unit_exponentials: np.ndarray, arm: str) -> np.ndarray:
        """Event times of the arm, row ``i`` with trial ``i``'s hazards."""
        rates = self.control if arm == "control" else self.treatment
        return np.stack([inverse_cumulative_hazard(self.starts, rates[i], unit_exponentials[i])
                         for i in range(unit_exponentials.shape[0])]).reshape(
                             unit_exponentials.shape)


@dataclass(frozen=True, init=False, eq=False, repr=False)
class PosteriorScenario(Scenario):
    """Hazards of both arms per posterior draw; made by :meth:`Scenario.from_fit`.

    The plain-scenario fields (``control_hazard``, ``hazard_ratio`` and their cuts, and so
    :meth:`hazard`, :meth:`survival`) describe :meth:`point`, the pointwise posterior
    median; simulations use the draws.

    Attributes
    ----------
    starts : numpy.ndarray
        Start of each piece (the fit's fine grid).
    control_rates, treatment_rates : numpy.ndarray
        (draws, pieces): each arm's hazard per draw.
    time_unit : str
    source : str
        Which fit the draws come from, in words.
    """

    starts: np.ndarray
    control_rates: np.ndarray
    treatment_rates: np.ndarray
    time_unit: str
    source: str

    def __init__(self, starts, control_rates, treatment_rates, time_unit: str = "",
                 source: str = "a fit"):
        starts = np.asarray(starts, dtype=float)
        control_rates = np.atleast_2d(np.asarray(control_rates, dtype=float))
        treatment_rates = np.atleast_2d(np.asarray(treatment_rates, dtype=float))
        if control_rates.shape != treatment_rates.shape or control_rates.shape[1] != starts.size:
            raise DesignError("PosteriorScenario: control_rates and treatment_rates must be "
                              f"(draws, {starts.size}) arrays, got {control_rates.shape} and "
                              f"{treatment_rates.shape}")
        if not (np.all(np.isfinite(control_rates)) and np.all(np.isfinite(treatment_rates))
                and np.all(control_rates > 0) and np.all(treatment_rates > 0)):
            raise DesignError("PosteriorScenario: every hazard must be finite and > 0")
        hr = treatment_rates / control_rates
        super().__init__(control_hazard=np.median(control_rates, axis=0),
                         control_cuts=starts[1:], hazard_ratio=np.median(hr, axis=0),
                         hr_cuts=starts[1:])
        for name, value in (("starts", starts), ("control_rates", control_rates),
                            ("treatment_rates", treatment_rates), ("time_unit", time_unit),
                            ("source", source)):
            object.__setattr__(self, name, value)

    @classmethod
    def from_fit(cls, fit, draws: int | None = None,
                 random_seed: int | None = None) -> PosteriorScenario:
        """The posterior draws of a two-arm fit without covariates.

        Parameters
        ----------
        fit : Fit
            A PiecewiseExponential or ChangePoint fit of two arms (the reference is control).
        draws : int, optional
            Keep this many draws, chosen without replacement (all by default).
        random_seed : int, optional
            Seed of that choice.
        """
        if isinstance(fit, IllnessDeathFit):
            raise DesignError("Scenario.from_fit: an illness-death fit has several "
                              "transitions; give a PiecewiseExponential or ChangePoint fit of "
                              "one endpoint")
        if not isinstance(fit, Fit):
            raise DesignError(f"Scenario.from_fit: fit must be a bayesurv Fit, got "
                              f"{type(fit).__name__}")
        constant = fit.idata.constant_data
        if "covariate" in constant and constant["covariate"].size:
            names = ", ".join(map(str, constant["covariate"].to_numpy()))
            raise DesignError(f"Scenario.from_fit: the fit has covariates ({names}); a "
                              "scenario needs one hazard per arm, so fit the model without "
                              "covariates")
        lh = draw_log_hazards(fit.idata, fit.model)  # (S, pieces, groups)
        if lh.shape[-1] != 2:
            raise DesignError(f"Scenario.from_fit: the fit has {lh.shape[-1]} groups; a trial "
                              "scenario needs two (control = the reference, and treatment)")
        if draws is not None:
            if isinstance(draws, bool) or not isinstance(draws, int | np.integer) \
                    or not 1 <= draws <= lh.shape[0]:
                raise DesignError(f"Scenario.from_fit: draws must be a whole number from 1 to "
                                  f"the fit's {lh.shape[0]} draws, got {draws!r}")
            keep = np.sort(np.random.default_rng(random_seed).choice(lh.shape[0], int(draws),
                                                                     replace=False))
            lh = lh[keep]
        return cls(constant["fine_edges"].to_numpy().astype(float), np.exp(lh[:, :, 0]),
                   np.exp(lh[:, :, 1]), time_unit=fit.time_unit, source=f"{fit.kind} fit")

    @property
    def draws(self) -> int:
        """The number of posterior draws."""
        return int(self.control_rates.shape[0])

    @property
    def is_posterior(self) -> bool:
        return True

    @property
    def is_null(self) -> bool:
        return bool(np.all(self.treatment_rates == self.control_rates))

    def point(self) -> Scenario:
        """A plain scenario at the pointwise posterior median: the median control hazard and
        the median hazard ratio on each piece (power there is "power at the median")."""
        return Scenario(control_hazard=self.control_hazard, control_cuts=self.control_cuts,
                        hazard_ratio=self.hazard_ratio, hr_cuts=self.hr_cuts)

    def hazard_ratio_draws(self) -> np.ndarray:
        """(draws, pieces): the hazard ratio of each draw on each piece."""
        return self.treatment_rates / self.control_rates

    def trial_hazards(self, rng: np.random.Generator, trials: int) -> TrialHazards:
        """One posterior draw per trial, uniformly at random from ``rng``."""
        draw = rng.integers(0, self.draws, size=trials)
        return TrialHazards(self.starts, self.control_rates[draw], self.treatment_rates[draw],
                            draw)

    def __repr__(self) -> str:
        unit = f", {self.time_unit}" if self.time_unit else ""
        return (f"PosteriorScenario({self.draws} posterior draws of a {self.source}, "
                f"{self.starts.size} pieces{unit})")
