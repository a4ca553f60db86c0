"""Simulated trials with interim analyses: the looks, the stopping rule and its summary.

A trial planned for ``events`` events is analysed when ``round(f * events)`` events have been
observed, for each fraction ``f`` of ``looks``; at look ``k`` it stops for efficacy when the
log-rank statistic (positive for benefit) reaches the efficacy bound ``b_k``, for futility
when it is at or below the futility bound ``f_k`` (interim looks only), and otherwise goes on;
at the last look it stops either way.  The bounds come from
:mod:`bayesurv.design.group_sequential` with the information fractions of the event counts.

Only the log-rank test is supported: its information is proportional to the number of events,
so the event fractions are its information fractions and its statistics at the looks have the
canonical joint distribution the bounds assume.  The information of a weighted log-rank,
MaxCombo, RMST, landmark or Bayesian statistic is not its share of the events, and bounds
computed from event fractions would not hold its level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import DesignError
from bayesurv.design.group_sequential import boundary_table
from bayesurv.design.statistics import Method, analyse
from bayesurv.design.trials import analysis_data

__all__ = ["SequentialPlan", "SequentialTrials", "run_looks", "sequential_plan",
           "stopping_table"]


@dataclass(frozen=True)
class SequentialPlan:
    """The looks of a group-sequential trial and their bounds."""

    events: np.ndarray  # events at each look
    efficacy: np.ndarray  # z bounds
    futility: np.ndarray  # z bounds of the interim looks, -inf where none
    table: pd.DataFrame = field(repr=False)  # :func:`~bayesurv.design.boundaries`


@dataclass(frozen=True)
class SequentialTrials:
    """Per simulated trial: the look at which it stopped and the data of every look.

    Attributes
    ----------
    look : numpy.ndarray
        The look (1, 2, ...) at which each trial stopped.
    futility : numpy.ndarray
        Whether it stopped for futility.
    look_time, look_events, look_z : numpy.ndarray
        Trials x looks: calendar time, events and statistic of every look, including the looks
        after the stop (what the trial would have seen had it gone on).
    plan : SequentialPlan
    """

    look: np.ndarray
    futility: np.ndarray
    look_time: np.ndarray = field(repr=False)
    look_events: np.ndarray = field(repr=False)
    look_z: np.ndarray = field(repr=False)
    plan: SequentialPlan = field(repr=False)

    @classmethod
    def joined(cls, blocks: list[SequentialTrials]) -> SequentialTrials:
        """The trials of several blocks (same plan), in order."""
        return cls(**{name: np.concatenate([getattr(b, name) for b in blocks])
                      for name in ("look", "futility", "look_time", "look_events", "look_z")},
                   plan=blocks[0].plan)

    def at_stop(self, values: np.ndarray) -> np.ndarray:
        """Per trial, the value (trials x looks) at the look where it stopped."""
        return values[np.arange(values.shape[0]), self.look - 1]


def sequential_plan(looks, *, events, follow_up, tests: list[Method], alpha: float,
                    spending: str, futility, allocation: float) -> SequentialPlan:
    """Check the settings of a group-sequential simulation and compute its bounds."""
    if events is None or follow_up is not None:
        raise DesignError("simulate: looks need an event-driven trial: give events (the "
                          "final analysis; the looks are fractions of it) and no follow_up")
    names = [test.name for test in tests]
    if names != ["logrank"]:
        raise DesignError(
            f"simulate: group-sequential looks support the log-rank test only (tests="
            f"['logrank']), got {names}: the information of a weighted log-rank, MaxCombo, "
            "RMST, landmark or Bayesian statistic is not its share of the events, so bounds "
            "spent over event fractions would not hold its level")
    table = boundary_table(looks, alpha, spending, futility, events, allocation,
                           what="simulate")
    futility_z = table["z_futility"].to_numpy()[:-1]
    return SequentialPlan(events=table["events"].to_numpy(),
                          efficacy=table["z_efficacy"].to_numpy(),
                          futility=np.where(np.isnan(futility_z), -np.inf, futility_z),
                          table=table)


def run_looks(drawn, n_control: int, plan: SequentialPlan, tests: list[Method],
              alpha: float) -> tuple[dict, SequentialTrials]:
    """Analyse drawn trials at every look and apply the stopping rule.

    Returns
    -------
    (dict, SequentialTrials)
        ``{name: (z, reject, wrong_direction, None)}`` at the look where each trial stopped
        (wrong direction: ``-z`` beyond that look's efficacy bound), and the per-look data.
    """
    name = tests[0].name
    looks = []
    for count in plan.events:
        data = analysis_data(*drawn, n_control=n_control, events=int(count))
        looks.append((analyse(data, tests, alpha)[name][0], data.analysis_time, data.events))
    z, time, events = (np.stack(values, axis=1) for values in zip(*looks, strict=True))
    efficacy = z >= plan.efficacy
    futile = z <= np.r_[plan.futility, -np.inf]
    stopped = efficacy | futile
    stopped[:, -1] = True
    look = np.argmax(stopped, axis=1)
    rows = np.arange(z.shape[0])
    z_stop, reject = z[rows, look], efficacy[rows, look]
    decisions = {name: (z_stop, reject, -z_stop >= plan.efficacy[look], None)}
    return decisions, SequentialTrials(look=look + 1, futility=futile[rows, look] & ~reject,
                                       look_time=time, look_events=events, look_z=z,
                                       plan=plan)


def stopping_table(trials: SequentialTrials, reject: np.ndarray) -> pd.DataFrame:
    """Per look: its bounds and the share of the simulated trials stopping there.

    Returns
    -------
    pandas.DataFrame
        One row per look: ``look``, ``information``, ``events`` (planned), ``z_efficacy``,
        ``z_futility``, ``p_efficacy`` (share of the trials stopping there for efficacy),
        ``p_futility``, ``p_stop`` (both, and at the last look every trial still running),
        ``cumulative_power`` (share rejected at this look or before), ``mean_events`` and
        ``mean_analysis_time`` (calendar time of the look, averaged over all trials: a look's
        time does not depend on the decisions before it).
    """
    plan = trials.plan
    k = np.arange(1, plan.events.size + 1)[:, None]
    at = trials.look[None, :] == k
    table = plan.table[["look", "information", "events", "z_efficacy", "z_futility"]].copy()
    table["p_efficacy"] = (at & reject).mean(axis=1)
    table["p_futility"] = (at & trials.futility).mean(axis=1)
    table["p_stop"] = at.mean(axis=1)
    table["cumulative_power"] = np.cumsum(table["p_efficacy"].to_numpy())
    table["mean_events"] = trials.look_events.mean(axis=0)
    table["mean_analysis_time"] = trials.look_time.mean(axis=0)
    return table
