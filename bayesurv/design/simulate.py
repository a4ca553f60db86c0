"""Simulate two-arm trials under a scenario and analyse each with the chosen tests.

Trials are simulated in blocks (:func:`block_size`, which depends on the number of patients
only, so that a block's arrays stay near :data:`BLOCK_CELLS` patients); block ``i`` draws from
its own stream ``SeedSequence(random_seed, spawn_key=(i,))``, so a seed gives the same trials
whatever the memory or the number of workers, and more trials extend the earlier ones.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from bayesurv.base.checks import check_positive
from bayesurv.base.exceptions import DataWarning, DesignError
from bayesurv.design.accrual import as_accrual
from bayesurv.design.bayes import BayesRule, null_threshold
from bayesurv.design.progress import check_dropout, run_blocks
from bayesurv.design.scenario import Scenario
from bayesurv.design.sequential import (
    SequentialTrials,
    run_looks,
    sequential_plan,
    stopping_table,
)
from bayesurv.design.statistics import analyse, horizon_past_follow_up, parse_test
from bayesurv.design.trials import analysis_data, draw_trials

__all__ = ["BLOCK", "BLOCK_CELLS", "DesignResult", "block_size", "calibrate", "collect",
           "simulate"]

BLOCK = 250
BLOCK_CELLS = 250_000
# share of trials whose RMST horizon is past an arm's last follow-up that deserves a warning
HORIZON_WARNING_SHARE = 0.01


@dataclass(frozen=True)
class DesignResult:
    """The simulated trials' statistics and decisions; :meth:`power` summarizes them.

    Attributes
    ----------
    scenario : Scenario
    settings : dict
        The arguments of :func:`simulate`.
    z, reject, wrong_direction : dict of numpy.ndarray
        Per test name, per trial: the statistic (positive for benefit), rejection in favour of
        the treatment, and significance in the wrong direction at the same level.
    events, analysis_time : numpy.ndarray
        Per trial: events observed at the analysis and its calendar time.
    horizon_past_follow_up : dict of float
        Per RMST test: the share of trials whose horizon is past an arm's last follow-up.
    fit_warnings : dict of float
        Per Bayesian rule: the share of its fits that warned (convergence diagnostics).
    sequential : SequentialTrials or None
        With interim looks: the look at which each trial stopped and every look's data; then
        ``z``, the decisions, ``events`` and ``analysis_time`` are those of the stopping look.
    """

    scenario: Scenario
    settings: dict
    z: dict = field(repr=False)
    reject: dict = field(repr=False)
    wrong_direction: dict = field(repr=False)
    events: np.ndarray = field(repr=False)
    analysis_time: np.ndarray = field(repr=False)
    horizon_past_follow_up: dict = field(default_factory=dict)
    fit_warnings: dict = field(default_factory=dict)
    sequential: SequentialTrials | None = field(default=None, repr=False)

    @property
    def trials(self) -> int:
        """The number of simulated trials."""
        return int(self.events.size)

    def per_trial(self) -> pd.DataFrame:
        """One row per simulated trial: ``trial``, ``events``, ``analysis_time`` and, per test,
        its statistic ``z_<test>`` and decision ``reject_<test>``.

        Examples
        --------
        >>> import bayesurv as bs
        >>> res = bs.design.simulate(bs.design.Scenario([0.05]), n=50, accrual=6, events=20,
        ...                          tests=["logrank", "rmst(6)"], trials=3, random_seed=1)
        >>> list(res.per_trial().columns)  # doctest: +NORMALIZE_WHITESPACE
        ['trial', 'events', 'analysis_time', 'z_logrank', 'reject_logrank', 'z_rmst(6)',
         'reject_rmst(6)']
        """
        frame = pd.DataFrame({"trial": np.arange(self.trials), "events": self.events,
                              "analysis_time": self.analysis_time})
        if self.sequential is not None:
            frame["look"] = self.sequential.look
        for name in self.z:
            frame[f"z_{name}"] = self.z[name]
            frame[f"reject_{name}"] = self.reject[name]
        return frame

    def stopping(self) -> pd.DataFrame:
        """Per interim look of a group-sequential simulation: bounds, share of the trials
        stopping there for efficacy or futility, cumulative power, mean events and calendar
        time (see :func:`bayesurv.design.sequential.stopping_table`).

        Examples
        --------
        >>> import bayesurv as bs
        >>> res = bs.design.simulate(bs.design.Scenario([0.05], hazard_ratio=0.6), n=200,
        ...                          accrual=12, events=100, looks=[0.5, 1.0], trials=200,
        ...                          random_seed=1)
        >>> res.stopping()[["events", "p_efficacy", "cumulative_power"]].round(3)
           events  p_efficacy  cumulative_power
        0      50       0.080             0.080
        1     100       0.575             0.655
        """
        if self.sequential is None:
            raise DesignError("stopping: the trials had no interim looks; simulate with "
                              "looks=[...] for a group-sequential design")
        return stopping_table(self.sequential, next(iter(self.reject.values())))

    def power(self) -> pd.DataFrame:
        """Power of each test with its Monte Carlo standard error.

        Returns
        -------
        pandas.DataFrame
            One row per test: ``test``, ``power`` (share of trials rejecting in favour of
            the treatment; the type I error under a null scenario; named ``assurance`` for a
            posterior scenario, :meth:`Scenario.from_fit`), ``mc_se``
            (``sqrt(power (1 - power) / trials)``), ``wrong_direction`` (share significant
            for harm: the statistic beyond the critical value on the control side),
            ``wrong_sign`` (share whose estimate favours control, significant or not: the
            statistic below 0, i.e. more treated events than expected under equal hazards
            for the log-rank tests, a shorter treated RMST, a landmark HR above 1; for a
            Bayesian rule P(HR < 1) below 0.5), ``mean_events`` and ``mean_analysis_time``
            (calendar time from the first patient's entry).

        Examples
        --------
        >>> import bayesurv as bs
        >>> sc = bs.design.Scenario(control_hazard=[0.05], hazard_ratio=0.6)
        >>> res = bs.design.simulate(sc, n=200, accrual=12, events=100, trials=500,
        ...                          random_seed=1)
        >>> res.power().round(2).to_numpy().tolist()
        [['logrank', 0.7, 0.02, 0.0, 0.0, 100.0, 23.99]]
        """
        label = "assurance" if self.scenario.is_posterior else "power"
        rows = []
        for name, reject in self.reject.items():
            p = float(reject.mean())
            neutral = 0.5 if name in self.fit_warnings else 0.0
            rows.append({"test": name, label: p,
                         "mc_se": float(np.sqrt(p * (1 - p) / self.trials)),
                         "wrong_direction": float(self.wrong_direction[name].mean()),
                         "wrong_sign": float(np.mean(self.z[name] < neutral)),
                         "mean_events": float(self.events.mean()),
                         "mean_analysis_time": float(self.analysis_time.mean())})
        return pd.DataFrame(rows)


def block_size(n: int) -> int:
    """Trials per block for trials of ``n`` patients: at most :data:`BLOCK`, and at most
    :data:`BLOCK_CELLS` patients in all.

    Examples
    --------
    >>> block_size(400), block_size(10_000)
    (250, 25)
    """
    return max(1, min(BLOCK, BLOCK_CELLS // n))


def _setting(accrual):
    """A duration stays a number in the settings; a rate profile is the Accrual."""
    return accrual if accrual.uniform_over is None else accrual.uniform_over


def _count(value, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum \
            or (maximum is not None and value > maximum):
        limit = f" and <= {maximum}" if maximum is not None else ""
        raise DesignError(f"simulate: {name} must be a whole number >= {minimum}{limit}, "
                          f"got {value!r}")
    return int(value)


def simulate(scenario: Scenario, n: int, accrual, events: int | None = None,
             follow_up: float | None = None, allocation: float = 1.0,
             dropout=None, tests=("logrank",), alpha: float = 0.025,
             trials: int = 1000, random_seed: int | None = None, looks=None,
             spending: str = "obf", futility=None, progress: bool = False,
             workers: int = 1) -> DesignResult:
    """Simulate ``trials`` two-arm trials and analyse each with ``tests``.

    Parameters
    ----------
    scenario : Scenario
        Hazards of both arms, from randomization; a posterior scenario
        (:meth:`Scenario.from_fit`) gives each trial one posterior draw, so
        :meth:`DesignResult.power` is the assurance.
    n : int
        Patients per trial (both arms).
    accrual : float or Accrual
        Duration of uniform accrual (time units), or a rate profile
        (:class:`~bayesurv.design.accrual.Accrual`).
    events : int, optional
        Analyse at the calendar time of the ``events``-th event.
    follow_up : float, optional
        Analyse ``follow_up`` after the last patient's entry (with ``events`` too: whichever
        comes first).  One of ``events`` and ``follow_up`` is needed.
    allocation : float
        Treatment : control ratio; arms of ``round(n r / (1 + r))`` and the rest patients.
    dropout : float or (float, float), optional
        Hazard of dropping out (per time unit), for both arms or (control, treatment); no
        dropout by default.
    tests : sequence of str or BayesRule
        Test names: ``"logrank"``, ``"fh(rho,gamma)"``, ``"maxcombo"``, ``"rmst(horizon)"``,
        ``"landmark(time)"`` (see :mod:`bayesurv.design.statistics`), or a calibrated
        :class:`BayesRule` (one model fit per trial: slow).
    alpha : float
        One-sided level; benefit means HR < 1.
    trials : int
        Number of simulated trials.
    random_seed : int, optional
        Seed; the same seed gives the same trials.
    looks : sequence of float, optional
        Group-sequential design: the analyses as fractions of ``events`` (increasing, the last
        1), e.g. ``[0.5, 0.75, 1.0]``; look ``k`` happens at ``round(looks[k] * events)``
        events.  Log-rank test only (:mod:`bayesurv.design.sequential`).
    spending : {"obf", "pocock"}
        With ``looks``: the Lan-DeMets alpha-spending function, O'Brien-Fleming or Pocock
        type (:func:`bayesurv.design.boundaries`).
    futility : float or sequence of float, optional
        With ``looks``: non-binding futility bound(s) on the z scale at the interim looks (a
        trial stops when its statistic is at or below it; the efficacy bounds ignore it).
    progress : bool
        Show how many trials are done (on standard error).
    workers : int
        Blocks of trials analysed on this many threads; every block draws from its own
        stream, so the results are the same for any number.

    Returns
    -------
    DesignResult
        With ``looks``, :meth:`DesignResult.power` gives the overall power and the expected
        events and analysis time under early stopping; :meth:`DesignResult.stopping` the
        probabilities of stopping at each look.

    Examples
    --------
    >>> import bayesurv as bs
    >>> sc = bs.design.Scenario(control_hazard=[0.03], hazard_ratio=[1.0, 0.6], hr_cuts=[13])
    >>> res = bs.design.simulate(sc, n=400, accrual=24, events=200,
    ...                          tests=["logrank", "fh(0,1)", "maxcombo", "rmst(30)"],
    ...                          trials=250, random_seed=1)
    >>> res.power()[["test", "power"]].round(2).to_numpy().tolist()
    [['logrank', 0.24], ['fh(0,1)', 0.42], ['maxcombo', 0.33], ['rmst(30)', 0.13]]
    """
    if not isinstance(scenario, Scenario):
        raise DesignError(f"simulate: scenario must be a bayesurv.design.Scenario, "
                          f"got {type(scenario).__name__}")
    n = _count(n, "n", minimum=2)
    accrual = as_accrual(accrual)
    if events is None and follow_up is None:
        raise DesignError("simulate: give events (analysis at that many events) or follow_up "
                          "(analysis that long after the last patient's entry)")
    events = None if events is None else _count(events, "events", maximum=n)
    if follow_up is not None:
        follow_up = check_positive(follow_up, "follow_up", "simulate", DesignError)
    allocation = check_positive(allocation, "allocation", "simulate", DesignError)
    n_treatment = round(n * allocation / (1 + allocation))
    n_control = n - n_treatment
    if min(n_control, n_treatment) < 1:
        raise DesignError(f"simulate: allocation {allocation:g} leaves an arm of {n} patients "
                          "empty")
    dropout = check_dropout(dropout)
    if isinstance(tests, str):
        tests = [tests]
    specs = list({spec.name: spec for spec in map(parse_test, tests)}.values())
    if not specs:
        raise DesignError("simulate: tests is empty; name at least one test")
    alpha = check_positive(alpha, "alpha", "simulate", DesignError)
    if alpha >= 0.5:
        raise DesignError(f"simulate: alpha is a one-sided level below 0.5, got {alpha:g}")
    trials = _count(trials, "trials")
    if random_seed is not None:
        random_seed = _count(random_seed, "random_seed", minimum=0)
    if looks is None and futility is not None:
        raise DesignError("simulate: futility bounds need interim looks (looks=[...])")
    plan = None if looks is None else sequential_plan(
        looks, events=events, follow_up=follow_up, tests=specs, alpha=alpha,
        spending=spending, futility=futility, allocation=allocation)
    workers = _count(workers, "workers")
    if workers > 1 and any(s.kind == "bayes" for s in specs):
        raise DesignError("simulate: a BayesRule fits models one after the other; use "
                          "workers=1 with it")
    root = np.random.SeedSequence(random_seed)

    size = block_size(n)

    def one_block(block_start):
        block, start = block_start
        rng = np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(block,)))
        # a whole block is drawn even when fewer trials are kept, so that more trials
        # extend fewer
        drawn = draw_trials(scenario, rng, size, n_control, n_treatment, accrual, dropout)
        drawn = [values[:trials - start] for values in drawn]
        if plan is not None:
            decisions, looked = run_looks(drawn, n_control, plan, specs, alpha)
            return (decisions, looked.at_stop(looked.look_events),
                    looked.at_stop(looked.look_time), {}, looked)
        data = analysis_data(*drawn, n_control=n_control, events=events, follow_up=follow_up)
        return (analyse(data, specs, alpha, rng), data.events, data.analysis_time,
                {s.name: horizon_past_follow_up(data, s.horizon)
                 for s in specs if s.kind == "rmst"}, None)

    parts = run_blocks(one_block, list(enumerate(range(0, trials, size))), trials, size,
                       progress, workers)

    settings = {"n": n, "accrual": _setting(accrual), "events": events, "follow_up": follow_up,
                "allocation": allocation,
                "arms": {"control": n_control, "treatment": n_treatment}, "dropout": dropout,
                "tests": [s.name for s in specs], "alpha": alpha, "trials": trials,
                "random_seed": random_seed}
    if plan is not None:
        settings |= {"looks": [float(f) for f in np.atleast_1d(looks)], "spending": spending,
                     "futility": futility}
    return collect(scenario, settings, specs, parts)


def collect(scenario: Scenario, settings: dict, specs: list, parts: list) -> DesignResult:
    """The :class:`DesignResult` of blocks of analysed trials (``parts``, in order: per block
    the output of :func:`~bayesurv.design.statistics.analyse`, the events, the analysis
    times and the RMST horizon checks); warns when an RMST horizon is often past the
    follow-up."""
    def joined(i):
        return {s.name: np.concatenate([p[0][s.name][i] for p in parts]) for s in specs}

    past = {name: float(np.concatenate([p[3][name] for p in parts]).mean())
            for name in parts[0][3]}
    for name, share in past.items():
        if share >= HORIZON_WARNING_SHARE:
            warnings.warn(f"simulate: the horizon of {name} is past the last follow-up of an "
                          f"arm in {share:.1%} of the trials; there the Kaplan-Meier curve is "
                          "carried flat and the test loses its level: choose a horizon "
                          "inside the follow-up", DataWarning, stacklevel=3)
    fit_warnings = {s.name: float(np.concatenate([p[0][s.name][3] for p in parts]).mean())
                    for s in specs if s.kind == "bayes"}
    sequential = None
    if len(parts[0]) > 4 and parts[0][4] is not None:
        sequential = SequentialTrials.joined([p[4] for p in parts])
    return DesignResult(scenario=scenario, settings=settings, z=joined(0), reject=joined(1),
                        wrong_direction=joined(2),
                        events=np.concatenate([p[1] for p in parts]),
                        analysis_time=np.concatenate([p[2] for p in parts]),
                        horizon_past_follow_up=past, fit_warnings=fit_warnings,
                        sequential=sequential)


def calibrate(rule: BayesRule, scenario: Scenario, *, alpha: float = 0.025, trials: int = 500,
              random_seed: int | None = None, **design) -> tuple[BayesRule, DesignResult]:
    """Set the threshold of a Bayesian rule so that its type I error is ``alpha``.

    Simulates ``trials`` trials under ``scenario`` (which must be a null: hazard ratio 1
    throughout) with the trial design ``design`` (the arguments ``n, accrual, events,
    follow_up, allocation, dropout`` of :func:`simulate`), fits the rule's model to each and
    takes the threshold ``c`` as the smallest value exceeded by at most ``alpha`` of the
    posterior probabilities.  Check it on new null trials (another seed): their rejection
    rate estimates the type I error with its Monte Carlo error.

    Returns
    -------
    (BayesRule, DesignResult)
        The rule with its threshold, and the null simulation (its ``z`` holds the
        probabilities).

    Examples
    --------
    >>> import bayesurv as bs
    >>> rule = bs.design.BayesRule(bs.PiecewiseExponential(cuts=[6]), draws=200, tune=200)
    >>> null = bs.design.Scenario(control_hazard=[0.05])
    >>> calibrated, res = bs.design.calibrate(rule, null, trials=4, random_seed=1, n=60,
    ...                                       accrual=6, events=30)
    >>> 0.5 < calibrated.threshold <= 1.0, res.trials
    (True, 4)
    """
    if not isinstance(rule, BayesRule):
        raise DesignError(f"calibrate: rule must be a bs.design.BayesRule, got "
                          f"{type(rule).__name__}")
    if not isinstance(scenario, Scenario) or not scenario.is_null:
        raise DesignError("calibrate: the scenario must be a null (hazard_ratio 1 throughout): "
                          "the threshold sets the type I error")
    # a threshold of 1 rejects nothing, so the run only collects the probabilities
    result = simulate(scenario, tests=[replace(rule, threshold=1.0)], alpha=alpha,
                      trials=trials, random_seed=random_seed, **design)
    return replace(rule, threshold=null_threshold(result.z[rule.name], alpha)), result
