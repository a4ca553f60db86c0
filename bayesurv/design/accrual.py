"""How patients enter a simulated trial: uniform over a duration, or at a rate profile.

An :class:`Accrual` is either a duration ``A`` (entry times uniform on ``[0, A]`` whatever the
number of patients) or piecewise-constant rates (patients per time unit) cut at ``cuts``,
the last rate holding until everyone has entered; a ramp-up is rates that increase
(:meth:`Accrual.ramp`).  With rates, ``n`` patients enter by the time ``T_n`` at which the
expected number of entries ``Lambda(t)`` (the integral of the rates) reaches ``n``, and their
entry times are independent with density proportional to the rate on ``[0, T_n]``: from
uniforms ``U``, ``entry = Lambda^-1(n U)`` (the same inversion as event times).  Both forms
map the same uniforms monotonically, so trials of different sizes drawn from the same
uniforms share their patients (common random numbers, :mod:`bayesurv.design.search`).

Examples
--------
>>> import numpy as np
>>> ramp = Accrual(rates=[5, 10], cuts=[6])  # 30 patients in the first 6 months, then 10/month
>>> ramp.duration(100), Accrual(duration=24).duration(100)
(13.0, 24.0)
>>> ramp.entry_times(np.array([0.15, 0.6]), 100).tolist()  # Lambda(t) = 15 and 60
[3.0, 9.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesurv.base.checks import check_positive, repr_argument
from bayesurv.base.exceptions import DesignError
from bayesurv.data.simulate import inverse_cumulative_hazard

__all__ = ["Accrual", "as_accrual"]


@dataclass(frozen=True, init=False)
class Accrual:
    """Patient entry: uniform over ``duration``, or piecewise-constant ``rates``.

    Parameters
    ----------
    duration : float, optional
        Entry times uniform over ``[0, duration]`` (time units).
    rates : float or sequence of float, optional
        Patients per time unit on each piece (> 0); the last one holds until everyone has
        entered.
    cuts : sequence of float
        Times (> 0, increasing) where the rate changes: one fewer than ``rates``.

    Examples
    --------
    >>> Accrual(duration=24)
    Accrual(duration=24.0)
    >>> Accrual(rates=[2, 4, 8], cuts=[3, 6])
    Accrual(rates=[2.0, 4.0, 8.0], cuts=[3.0, 6.0])
    """

    uniform_over: float | None
    rates: tuple[float, ...]
    cuts: tuple[float, ...]

    def __init__(self, duration=None, rates=None, cuts=()):
        if (duration is None) == (rates is None):
            raise DesignError("Accrual: give either duration (uniform entry) or rates "
                              "(patients per time unit), not both")
        if duration is not None:
            duration = check_positive(duration, "duration", "Accrual", DesignError)
            if np.size(cuts):
                raise DesignError("Accrual: cuts go with rates, not with a duration")
            values, cut_values = (), ()
        else:
            values = _numbers(rates, "rates")
            cut_values = _numbers(cuts, "cuts") if np.size(cuts) else ()
            if np.any(np.diff(cut_values) <= 0):
                raise DesignError(f"Accrual: cuts must be strictly increasing, got "
                                  f"{list(cut_values)}")
            if len(values) != len(cut_values) + 1:
                raise DesignError(f"Accrual: rates needs one value per piece: "
                                  f"{len(cut_values) + 1} piece(s) (cuts {list(cut_values)}) "
                                  f"but {len(values)} value(s)")
        object.__setattr__(self, "uniform_over", duration)
        object.__setattr__(self, "rates", values)
        object.__setattr__(self, "cuts", cut_values)

    @classmethod
    def ramp(cls, rate: float, ramp: float, steps: int = 4) -> Accrual:
        """A ramp-up: ``steps`` equal steps up to ``rate`` over ``ramp`` time units, then
        ``rate`` (the k-th step's rate is ``k / steps`` of it).

        Examples
        --------
        >>> Accrual.ramp(rate=20, ramp=6, steps=3)
        Accrual(rates=[6.666666666666667, 13.333333333333334, 20.0], cuts=[2.0, 4.0])
        """
        rate = check_positive(rate, "rate", "Accrual.ramp", DesignError)
        ramp = check_positive(ramp, "ramp", "Accrual.ramp", DesignError)
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
            raise DesignError(f"Accrual.ramp: steps must be a whole number >= 1, got {steps!r}")
        k = np.arange(1, steps + 1)
        return cls(rates=(rate * k / steps).tolist(), cuts=(ramp * k[:-1] / steps).tolist())

    def __repr__(self) -> str:
        if self.uniform_over is not None:
            return f"Accrual(duration={self.uniform_over!r})"
        return f"Accrual(rates={list(self.rates)!r}, cuts={list(self.cuts)!r})"

    def _starts(self) -> np.ndarray:
        return np.r_[0.0, self.cuts]

    def duration(self, n: int) -> float:
        """Time by which ``n`` patients have entered."""
        if self.uniform_over is not None:
            return self.uniform_over
        return float(inverse_cumulative_hazard(self._starts(), np.asarray(self.rates),
                                               np.array([float(n)]))[0])

    def entry_times(self, uniforms: np.ndarray, n: int) -> np.ndarray:
        """Entry times of patients of a trial of ``n`` from uniforms on [0, 1)."""
        if self.uniform_over is not None:
            return self.uniform_over * uniforms
        return inverse_cumulative_hazard(self._starts(), np.asarray(self.rates), n * uniforms)

    def describe(self, time_unit: str = "time units") -> str:
        """Words for reports.

        Examples
        --------
        >>> Accrual(rates=[5, 10], cuts=[6]).describe("months")
        '5 patients per month, 10 from 6 months'
        >>> Accrual(duration=24).describe("months")
        'uniform over 24 months'
        """
        if self.uniform_over is not None:
            return f"uniform over {self.uniform_over:g} {time_unit}"
        later = "".join(f", {rate:g} from {start:g} {time_unit}"
                        for rate, start in zip(self.rates[1:], self.cuts, strict=True))
        return f"{self.rates[0]:g} patients per {time_unit.removesuffix('s')}{later}"


def _numbers(values, name: str) -> tuple[float, ...]:
    items = [values] if isinstance(values, str) or np.ndim(values) == 0 else list(values)
    out = []
    for v in items:
        if isinstance(v, bool | str) or not isinstance(v, int | float | np.number) \
                or not np.isfinite(v) or v <= 0:
            raise DesignError(f"Accrual: {name} must hold finite numbers > 0, got "
                              f"{repr_argument(values)}")
        out.append(float(v))
    if not out:
        raise DesignError(f"Accrual: {name} is empty")
    return tuple(out)


def as_accrual(value, what: str = "simulate") -> Accrual:
    """An :class:`Accrual` from a duration (a number) or an Accrual.

    Examples
    --------
    >>> as_accrual(12)
    Accrual(duration=12.0)
    """
    if isinstance(value, Accrual):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise DesignError(f"{what}: accrual must be a duration (a number > 0) or a "
                          f"bs.design.Accrual, got {repr_argument(value)}")
    return Accrual(duration=check_positive(value, "accrual", what, DesignError))
