"""Simulated two-arm trials as arrays (trials x patients), and the data seen at the analysis.

Patients enter uniformly over the accrual period or at a rate profile
(:mod:`bayesurv.design.accrual`); the first ``n_control`` columns are the
control arm, the others the treatment arm (fixed arm sizes, as with blocked randomization).
Each patient has an event time drawn from its arm's hazards (from randomization) and,
optionally, an exponential dropout time (its hazard may differ between arms).  The analysis
happens at a calendar time: when the
target number of events has been observed, or a fixed follow-up after the last patient
enrolled (whichever comes first when both are given).  At that time, patients not yet enrolled
are left out (time 0, no event), the others are followed up to their event, their dropout or
the analysis, whichever comes first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesurv.design.accrual import as_accrual
from bayesurv.design.scenario import Scenario

__all__ = ["AnalysisData", "analysis_data", "draw_trials", "dropout_times"]


@dataclass(frozen=True)
class AnalysisData:
    """The data of each simulated trial at its analysis (arrays: trials x patients)."""

    time: np.ndarray
    event: np.ndarray
    treated: np.ndarray
    analysis_time: np.ndarray  # calendar time of each trial's analysis
    events: np.ndarray  # events observed at the analysis


def draw_trials(scenario: Scenario, rng: np.random.Generator, trials: int, n_control: int,
                n_treatment: int, accrual, dropout):
    """Entry times, event times and dropout times (inf without dropout) of ``trials`` trials.

    ``accrual`` is a duration or an :class:`~bayesurv.design.accrual.Accrual`; ``dropout``
    None, a hazard for both arms or a pair (control, treatment).  A posterior scenario
    (:class:`~bayesurv.design.scenario.PosteriorScenario`) gives each trial one posterior
    draw, chosen after the patients are drawn.

    Examples
    --------
    >>> import numpy as np
    >>> sc = Scenario([0.1])
    >>> entry, event_time, dropout_time = draw_trials(sc, np.random.default_rng(1), 2, 3, 2,
    ...                                               12.0, None)
    >>> entry.shape, bool((entry <= 12).all()), bool(np.isinf(dropout_time).all())
    ((2, 5), True, True)
    """
    n = n_control + n_treatment
    entry = as_accrual(accrual).entry_times(rng.random(size=(trials, n)), n)
    unit = rng.standard_exponential(size=(trials, n))
    if dropout is None:
        dropout_time = np.full((trials, n), np.inf)
    else:
        dropout_time = dropout_times(rng.standard_exponential(size=(trials, n)), n_control,
                                     dropout)
    hazards = scenario.trial_hazards(rng, trials)
    event_time = np.concatenate([hazards.event_times(unit[:, :n_control], "control"),
                                 hazards.event_times(unit[:, n_control:], "treatment")], axis=1)
    return entry, event_time, dropout_time


def dropout_times(unit: np.ndarray, n_control: int, dropout) -> np.ndarray:
    """Dropout times from draws of Exp(1): the first ``n_control`` columns at the control
    hazard, the others at the treatment hazard (``dropout``: a hazard or a pair).

    Examples
    --------
    >>> dropout_times(np.ones((1, 3)), 1, (0.5, 0.25)).tolist()
    [[2.0, 4.0, 4.0]]
    >>> dropout_times(np.ones((1, 2)), 1, (0.0, 0.5)).tolist()
    [[inf, 2.0]]
    """
    rates = (dropout, dropout) if np.ndim(dropout) == 0 else dropout
    # the product scale * unit is numpy's own exponential(scale); a rate of 0 never drops out
    control, treatment = (np.inf if rate == 0 else 1.0 / rate for rate in rates)
    scale = np.r_[np.full(n_control, control), np.full(unit.shape[-1] - n_control, treatment)]
    return np.where(np.isinf(scale), np.inf, scale * unit)


def analysis_data(entry: np.ndarray, event_time: np.ndarray, dropout_time: np.ndarray,
                  n_control: int, events: int | None = None,
                  follow_up: float | None = None) -> AnalysisData:
    """Cut each trial at its analysis time.

    The analysis time is the calendar time of the ``events``-th observed event (an event
    before dropout; if fewer ever occur, the time the last patient leaves follow-up), or
    ``follow_up`` after the last patient's entry, whichever comes first when both are given.

    Examples
    --------
    Three patients entering at 0, 1 and 2 with events 5, 1 and 4 time units later, analysed at
    the second event (calendar times of the events: 5, 2 and 6):

    >>> import numpy as np
    >>> cut = analysis_data(np.array([[0.0, 1, 2]]), np.array([[5.0, 1, 4]]),
    ...                     np.full((1, 3), np.inf), n_control=2, events=2)
    >>> cut.analysis_time.tolist(), cut.time.tolist(), cut.event.tolist()
    ([5.0], [[5.0, 1.0, 3.0]], [[True, True, False]])
    """
    event_calendar = np.where(event_time <= dropout_time, entry + event_time, np.inf)
    analysis = np.full(entry.shape[0], np.inf)
    if events is not None:
        kth = np.partition(event_calendar, events - 1, axis=1)[:, events - 1]
        everyone_out = np.max(entry + np.minimum(event_time, dropout_time), axis=1)
        analysis = np.where(np.isfinite(kth), kth, everyone_out)
    if follow_up is not None:
        analysis = np.minimum(analysis, entry.max(axis=1) + follow_up)
    # comparing calendar times (not A - entry with T) keeps the event that sets A observed
    event = event_calendar <= analysis[:, None]
    censor = np.clip(np.minimum(dropout_time, analysis[:, None] - entry), 0.0, None)
    time = np.where(event, event_time, censor)
    treated = np.zeros(entry.shape[1], dtype=bool)
    treated[n_control:] = True
    return AnalysisData(time=time, event=event, treated=np.broadcast_to(treated, time.shape),
                        analysis_time=analysis, events=event.sum(axis=1))
