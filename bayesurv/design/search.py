"""Power (or assurance) curves over trial sizes and the sample size for a target power.

Both evaluate many designs on **common random numbers**: trial ``i`` of every design is made
of the same patients, so differences between designs are not blurred by simulation noise and
a curve is smooth.  Each arm's patients are drawn patient-major (patient ``k`` of every trial
in a block before patient ``k + 1``) from streams keyed by the seed, the block of
:data:`BLOCK` trials, the quantity (entry uniforms, event and dropout exponentials, the
posterior draw) and the arm, so a trial of ``n`` patients holds the first patients of a
trial of more, and an analysis at ``D`` events sees the same trial as one at ``D + 1``.
Arm sizes are ``round(n r / (1 + r))`` treated and the rest, both nondecreasing in ``n``.
The numbers differ from :func:`~bayesurv.design.simulate`'s for the same seed (another
layout of the streams), not in distribution.

:func:`sample_size` searches the quantity given as a ``(low, high)`` pair, ``n`` or
``events``, by bisection for the smallest value whose estimated power reaches the target.
Its Monte Carlo tolerance is stated: two standard errors of the power at the answer, turned
into patients (or events) through the curve's local slope.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesurv.base.checks import check_positive
from bayesurv.base.exceptions import DesignError
from bayesurv.design.accrual import as_accrual
from bayesurv.design.progress import check_dropout, run_blocks
from bayesurv.design.scenario import Scenario
from bayesurv.design.simulate import DesignResult, collect
from bayesurv.design.statistics import analyse, horizon_past_follow_up, parse_test
from bayesurv.design.trials import analysis_data, dropout_times

__all__ = ["BLOCK", "SampleSize", "power_curve", "sample_size"]

BLOCK = 250
ENTRY, EVENT, DROPOUT, DRAW, FITS = range(5)  # the streams of a block
STREAM_TAG = 7  # keeps these streams apart from simulate's (block,) keys


def _arms(n: int, allocation: float) -> tuple[int, int]:
    treated = round(n * allocation / (1 + allocation))
    return n - treated, treated


@dataclass(frozen=True)
class _Design:
    scenario: Scenario
    accrual: object
    allocation: float
    dropout: object
    specs: list
    alpha: float
    trials: int
    seed: int | None


def _check(scenario, accrual, allocation, dropout, tests, alpha, trials, random_seed,
           what) -> _Design:
    if not isinstance(scenario, Scenario):
        raise DesignError(f"{what}: scenario must be a bayesurv.design.Scenario, got "
                          f"{type(scenario).__name__}")
    specs = list({s.name: s for s in map(parse_test, [tests] if isinstance(tests, str)
                                        else tests)}.values())
    if not specs:
        raise DesignError(f"{what}: tests is empty; name at least one test")
    alpha = check_positive(alpha, "alpha", what, DesignError)
    if alpha >= 0.5:
        raise DesignError(f"{what}: alpha is a one-sided level below 0.5, got {alpha:g}")
    for value, name in ((trials, "trials"), (random_seed, "random_seed")):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < (1 if name == "trials" else 0)):
            raise DesignError(f"{what}: {name} must be a whole number, got {value!r}")
    return _Design(scenario, as_accrual(accrual, what),
                   check_positive(allocation, "allocation", what, DesignError),
                   check_dropout(dropout, what), specs, alpha, trials, random_seed)


def _evaluate(design: _Design, points: list[tuple], progress: bool = False,
              workers: int = 1) -> list[DesignResult]:
    """One :class:`DesignResult` per design point ``(n, events, follow_up)``, all on the same
    random numbers."""
    arms = [_arms(n, design.allocation) for n, _, _ in points]
    width_c, width_t = max(a[0] for a in arms), max(a[1] for a in arms)
    root = np.random.SeedSequence(design.seed)

    def stream(block, what, arm=0):
        return np.random.default_rng(np.random.SeedSequence(
            root.entropy, spawn_key=(STREAM_TAG, block, what, arm)))

    def patients(block, what, draw):
        # one stream per arm: an arm's first patients do not depend on the other's size
        return [draw(stream(block, what, arm), (width, BLOCK)).T
                for arm, width in enumerate((width_c, width_t))]

    def one_block(block_start):
        block, start = block_start
        keep = min(BLOCK, design.trials - start)
        entry = [u[:keep] for u in patients(block, ENTRY, lambda r, s: r.random(s))]
        unit = [e[:keep] for e in patients(block, EVENT, lambda r, s: r.standard_exponential(s))]
        hazards = design.scenario.trial_hazards(stream(block, DRAW), BLOCK)
        if hasattr(hazards, "draw"):
            hazards = type(hazards)(hazards.starts, hazards.control[:keep],
                                    hazards.treatment[:keep], hazards.draw[:keep])
        times = [hazards.event_times(unit[0], "control"),
                 hazards.event_times(unit[1], "treatment")]
        if design.dropout is None:
            gone = [np.full_like(t, np.inf) for t in times]
        else:
            units = [d[:keep] for d in patients(block, DROPOUT,
                                                lambda r, s: r.standard_exponential(s))]
            both = dropout_times(np.concatenate(units, axis=1), width_c, design.dropout)
            gone = [both[:, :width_c], both[:, width_c:]]
        fits = stream(block, FITS)
        out = []
        for (n, events, follow_up), (n_c, n_t) in zip(points, arms, strict=True):
            def pick(pair, n_c=n_c, n_t=n_t):
                return np.concatenate([pair[0][:, :n_c], pair[1][:, :n_t]], axis=1)

            data = analysis_data(design.accrual.entry_times(pick(entry), n), pick(times),
                                 pick(gone), n_control=n_c, events=events,
                                 follow_up=follow_up)
            out.append((analyse(data, design.specs, design.alpha, fits), data.events,
                        data.analysis_time,
                        {s.name: horizon_past_follow_up(data, s.horizon)
                         for s in design.specs if s.kind == "rmst"}))
        return out

    blocks = list(enumerate(range(0, design.trials, BLOCK)))
    parts = run_blocks(one_block, blocks, design.trials, BLOCK, progress, workers)
    results = []
    for k, ((n, events, follow_up), (n_c, n_t)) in enumerate(zip(points, arms, strict=True)):
        settings = {"n": n, "accrual": design.accrual, "events": events,
                    "follow_up": follow_up, "allocation": design.allocation,
                    "arms": {"control": n_c, "treatment": n_t}, "dropout": design.dropout,
                    "tests": [s.name for s in design.specs], "alpha": design.alpha,
                    "trials": design.trials, "random_seed": design.seed,
                    "common_random_numbers": True}
        results.append(collect(design.scenario, settings, design.specs,
                               [p[k] for p in parts]))
    return results


def _values(values, name: str, what: str, kind=float) -> list:
    if values is None:
        return [None]
    items = [values] if np.ndim(values) == 0 else list(values)
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int | float | np.number) or v <= 0 \
                or not np.isfinite(v) or (kind is int and int(v) != v):
            raise DesignError(f"{what}: {name} must hold {'whole ' if kind is int else ''}"
                              f"numbers > 0, got {values!r}")
        out.append(kind(v))
    if not out:
        raise DesignError(f"{what}: {name} is empty")
    return out


def _points(n, events, follow_up, what) -> list[tuple]:
    if events is None and follow_up is None:
        raise DesignError(f"{what}: give events (analysis at that many events) or follow_up "
                          "(analysis that long after the last patient's entry)")
    points = list(itertools.product(_values(n, "n", what, int),
                                    _values(events, "events", what, int),
                                    _values(follow_up, "follow_up", what)))
    for size, count, _ in points:
        if size < 2 or (count is not None and count > size):
            raise DesignError(f"{what}: a trial of n = {size} cannot reach "
                              f"{count} events" if size >= 2 else f"{what}: n must be >= 2")
    return points


def power_curve(scenario: Scenario, n, accrual, events=None, follow_up=None,
                allocation: float = 1.0, dropout=None, tests=("logrank",),
                alpha: float = 0.025, trials: int = 1000, random_seed: int | None = None,
                progress: bool = False, workers: int = 1) -> pd.DataFrame:
    """Power (assurance for a posterior scenario) of each test on a grid of designs.

    Parameters
    ----------
    scenario : Scenario
    n : int or sequence of int
        Patients per trial.
    accrual : float or Accrual
        Duration of uniform accrual, or a rate profile (then bigger trials accrue longer).
    events, follow_up : int or float, or sequences of them
        Analysis at that many events, or that long after the last entry (whichever first
        when both are given); every combination with ``n`` is a design.
    allocation, dropout, tests, alpha, trials, random_seed, progress, workers
        As in :func:`~bayesurv.design.simulate`.

    Returns
    -------
    pandas.DataFrame
        One row per design and test: ``n``, ``events``, ``follow_up``, then the columns of
        :meth:`DesignResult.power` (``power`` or ``assurance``, ``mc_se``,
        ``wrong_direction``, ``wrong_sign``, ``mean_events``, ``mean_analysis_time``).
        ``attrs`` holds ``measure`` ("power" or "assurance"), ``trials``, ``alpha`` and
        ``time_unit``.

    Examples
    --------
    >>> import bayesurv as bs
    >>> sc = bs.design.Scenario(control_hazard=[0.05], hazard_ratio=0.6)
    >>> curve = bs.design.power_curve(sc, n=[100, 200], accrual=12, follow_up=12,
    ...                               trials=500, random_seed=1)
    >>> curve[["n", "test", "power"]].round(2).to_numpy().tolist()
    [[100, 'logrank', 0.45], [200, 'logrank', 0.74]]
    """
    design = _check(scenario, accrual, allocation, dropout, tests, alpha, trials,
                    random_seed, "power_curve")
    points = _points(n, events, follow_up, "power_curve")
    results = _evaluate(design, points, progress, workers)
    table = pd.concat([r.power().assign(n=p[0], events=p[1], follow_up=p[2])
                       for p, r in zip(points, results, strict=True)], ignore_index=True)
    table = table[["n", "events", "follow_up", *table.columns[:-3]]]
    table.attrs.update(measure=_measure(scenario), trials=design.trials, alpha=design.alpha,
                       time_unit=getattr(scenario, "time_unit", "") or "time units")
    return table


def _measure(scenario: Scenario) -> str:
    return "assurance" if scenario.is_posterior else "power"


@dataclass(frozen=True)
class SampleSize:
    """The smallest ``n`` (or number of events) whose power reaches the target.

    Attributes
    ----------
    search : str
        ``"n"`` or ``"events"``.
    value : int or None
        The answer (None when even the upper end falls short).
    power : float
        Estimated power (or assurance) there, with its Monte Carlo standard error ``mc_se``.
    tolerance : float
        Two Monte Carlo standard errors of the power expressed in ``search`` units through
        the curve's slope near the answer: values within ``value +/- tolerance`` cannot be
        told apart at these ``trials``.
    target, test, measure, trials : float, str, str, int
    evaluations : pandas.DataFrame
        Every design evaluated (value, power, mc_se), on the same random numbers.
    """

    search: str
    value: int | None
    power: float
    mc_se: float
    tolerance: float
    target: float
    test: str
    measure: str
    trials: int
    evaluations: pd.DataFrame

    def describe(self) -> str:
        """One sentence for reports."""
        what = "patients" if self.search == "n" else "events"
        if self.value is None:
            return (f"{self.test}: {self.measure} {self.power:.3f} at the upper end of the "
                    f"search does not reach {self.target:g}")
        return (f"{self.test}: {self.value} {what} give {self.measure} {self.power:.3f} "
                f"(Monte Carlo se {self.mc_se:.3f}, {self.trials} trials) >= {self.target:g}; "
                f"Monte Carlo tolerance +/- {self.tolerance:.0f} {what}")


def sample_size(scenario: Scenario, target: float = 0.8, test: str = "logrank", *, n,
                accrual, events=None, follow_up=None, allocation: float = 1.0, dropout=None,
                alpha: float = 0.025, trials: int = 1000, random_seed: int | None = None,
                progress: bool = False) -> SampleSize:
    """The smallest ``n`` (or events) whose power (assurance) of ``test`` reaches ``target``.

    The searched quantity is the one given as a pair ``(low, high)``: ``n=(100, 1000)`` with
    a fixed ``follow_up`` (or ``events``) searches the number of patients, ``events=(50,
    400)`` with a fixed ``n`` the number of events.  Every design is evaluated on the same
    random numbers (see the module docstring), by bisection.

    Examples
    --------
    >>> import bayesurv as bs
    >>> sc = bs.design.Scenario(control_hazard=[0.05], hazard_ratio=0.6)
    >>> found = bs.design.sample_size(sc, 0.8, n=300, accrual=12, events=(20, 300),
    ...                               trials=400, random_seed=1)
    >>> found.search, found.value, round(found.power, 2)
    ('events', 109, 0.8)
    """
    what = "sample_size"
    target = check_positive(target, "target", what, DesignError)
    if target >= 1:
        raise DesignError(f"{what}: target is a power below 1, got {target:g}")
    design = _check(scenario, accrual, allocation, dropout, [test], alpha, trials,
                    random_seed, what)
    ranges = [name for name, v in (("n", n), ("events", events))
              if not isinstance(v, str) and np.ndim(v) == 1]
    if len(ranges) != 1 or len(n if ranges == ["n"] else events) != 2:
        raise DesignError(f"{what}: give the searched quantity as a pair (low, high): "
                          "n=(low, high) or events=(low, high), and the other as one value")
    search = ranges[0]
    low, high = _values(n if search == "n" else events, search, what, int)
    if not low < high:
        raise DesignError(f"{what}: {search}=({low}, {high}) needs low < high")
    name = design.specs[0].name
    cache: dict[int, tuple[float, float]] = {}

    def power_at(values: list[int]) -> None:
        todo = sorted(set(values) - set(cache))
        if not todo:
            return
        points = [(v, events, follow_up) if search == "n" else (n, v, follow_up) for v in todo]
        for point in points:
            _points(point[0], point[1], point[2], what)
        for v, result in zip(todo, _evaluate(design, points, progress), strict=True):
            row = result.power().iloc[0]
            cache[v] = (float(row.iloc[1]), float(row["mc_se"]))

    power_at([low, high])
    if cache[high][0] < target:
        value = None
        answer = high
    else:
        while high - low > 1:
            mid = (low + high) // 2
            power_at([mid])
            low, high = (low, mid) if cache[mid][0] >= target else (mid, high)
        value = answer = high if cache[low][0] < target else low
    step = max(1, round(0.05 * answer))
    below = max(2 if search == "n" else 1, answer - step)
    above = min(answer + step, n) if search == "events" else answer + step
    power_at([below, above])
    slope = (cache[above][0] - cache[below][0]) / max(1, above - below)
    power, se = cache[answer]
    tolerance = 2 * se / slope if slope > 0 else float("inf")
    evaluations = pd.DataFrame([(v, *cache[v]) for v in sorted(cache)],
                               columns=[search, _measure(scenario), "mc_se"])
    return SampleSize(search=search, value=value, power=power, mc_se=se,
                      tolerance=float(tolerance), target=target, test=name,
                      measure=_measure(scenario), trials=design.trials,
                      evaluations=evaluations)
