"""Frequentist illness-death analysis: Aalen-Johansen cumulative incidences and state
occupation probabilities per arm, and cause-specific Cox models per transition.

The nonparametric counterparts of :meth:`bayesurv.IllnessDeathFit.cumulative_incidence`,
:meth:`~bayesurv.IllnessDeathFit.state_probabilities` and
:meth:`~bayesurv.IllnessDeathFit.transition_hazard_ratios`, from the same
:class:`~bayesurv.IllnessDeathData`.  The estimates and standard errors are those of R's
``survfit(Surv(tstart, tstop, state) ~ group, data, id = id)`` and the Cox models those of
``coxph(Surv(tstart, tstop, status) ~ group)`` per transition (``tests/test_multistate.py``
pins them).  Ties are never jittered: transitions at the same time are simultaneous, and an
illness at the same time as the end of follow-up comes an instant before it (see
:mod:`bayesurv.frequentist.aalen_johansen`).

Examples
--------
>>> import bayesurv as bs
>>> from bayesurv import frequentist
>>> df = bs.datasets.mgus2()
>>> data = bs.IllnessDeathData.from_frame(df, illness_time="ptime", illness="pstat",
...                                       death_time="futime", death="death", group="sex",
...                                       reference="F")
>>> cif = frequentist.aalen_johansen(data, times=[120])
>>> cif[["group", "event", "estimate"]].round(4).to_numpy().tolist()
[['F', 'illness', 0.0739], ['F', 'death', 0.4805], ['M', 'illness', 0.0553], ['M', 'death', 0.5752]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesurv.base.checks import check_mass, check_times
from bayesurv.base.exceptions import DataError
from bayesurv.data.illness_death import TRANSITIONS, IllnessDeathData
from bayesurv.data.survival_data import SurvivalData
from bayesurv.frequentist.aalen_johansen import (
    MOVES,
    aalen_johansen_path,
    ordered_rows,
    time_keys,
)
from bayesurv.frequentist.cox_models import cox
from bayesurv.frequentist.estimands import _z

__all__ = ["aalen_johansen", "state_occupation", "transition_cox"]

# each reported quantity as a sum of the four internal states (event-free, ill, dead without
# illness, dead after illness)
INCIDENCES = {"illness": [0.0, 1.0, 0.0, 1.0], "death": [0.0, 0.0, 1.0, 0.0]}
OCCUPATION = {"event-free": [1.0, 0.0, 0.0, 0.0], "illness": [0.0, 1.0, 0.0, 0.0],
              "death": [0.0, 0.0, 1.0, 1.0]}
COX_COLUMNS = ["transition", "log_hr", "se", "hr", "lower", "upper", "p", "group", "events",
               "n"]


def _check(data, what: str) -> None:
    if not isinstance(data, IllnessDeathData):
        raise DataError(f"{what}: data must be a bayesurv.IllnessDeathData (build it with "
                        f"IllnessDeathData.from_frame), got {type(data).__name__}")


def _transition_times(data: IllnessDeathData, mask: np.ndarray) -> np.ndarray:
    """0 and every time at which a patient in ``mask`` makes a transition."""
    ill = data.illness == 1
    return np.unique(np.r_[0.0, data.illness_time[mask & ill],
                           data.death_time[mask & (data.death == 1)]])


def _curves(data: IllnessDeathData, times, mass: float, quantities: dict, column: str,
            what: str) -> pd.DataFrame:
    _check(data, what)
    mass = check_mass(mass, what)
    if times is not None:
        times = check_times(times, "times", what, allow_empty=False)
    z = _z(mass)
    contrasts = np.array(list(quantities.values()))
    rows = ordered_rows(data)
    frames = []
    for g, group in enumerate(data.groups):
        mask = data.group_index == g
        if not mask.any():
            raise DataError(f"{what}: group {group!r} has no patients")
        last = float(data.death_time[mask].max())
        at = _transition_times(data, mask) if times is None else times
        if at[-1] > last:
            raise DataError(f"{what}: time {at[-1]:g} {data.time_unit} is past the last "
                            f"follow-up of group {group!r} ({last:g} {data.time_unit}); "
                            "the Aalen-Johansen estimate is not defined there")
        estimate, variance = aalen_johansen_path(rows.subset(mask),
                                                 time_keys(rows.distinct, at), contrasts)
        se = np.sqrt(np.maximum(variance, 0.0))  # rounding can leave -1e-18 for 0
        # R's default conf.type = "log": p exp(-/+ z se / p), capped at 1, none where p = 0
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.where(estimate > 0, np.exp(z * se / estimate), np.nan)
        for q, label in enumerate(quantities):
            frames.append(pd.DataFrame({
                "time": at, "group": group, column: label, "estimate": estimate[:, q],
                "lower": estimate[:, q] / spread[:, q],
                "upper": np.minimum(estimate[:, q] * spread[:, q], 1.0), "se": se[:, q]}))
    return pd.concat(frames, ignore_index=True)


def aalen_johansen(data: IllnessDeathData, times=None, mass: float = 0.95) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of illness and of death without illness per group.

    The competing risks out of the event-free state: the probability of having had the
    illness by ``t`` (whatever happened after it) and of having died without it.  Unlike
    1 - Kaplan-Meier with the competing event censored, these account for the patients
    the other event removes.

    Parameters
    ----------
    data : IllnessDeathData
    times : float or sequence of float, optional
        Increasing times, none past a group's last follow-up.  Default: 0 and every time at
        which a patient of the group makes a transition (the steps of the curves).
    mass : float
        Coverage of the pointwise intervals.

    Returns
    -------
    pandas.DataFrame
        Columns ``time, group, event, estimate, lower, upper, se``, ordered by group, event
        (``"illness"``, ``"death"``) and time.  ``estimate`` and ``se`` are R's
        ``survfit(Surv(time, event) ~ group)`` on the first events (``se`` by the
        infinitesimal jackknife, R's default for multi-state curves); ``lower``/``upper``
        R's default log-scale interval ``p exp(-/+ z se / p)``, the upper end capped at 1,
        missing where ``p = 0``.

    Raises
    ------
    DataError
        If ``data`` is not :class:`~bayesurv.IllnessDeathData`, or a time is past a
        group's last follow-up.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> from bayesurv import frequentist
    >>> df = pd.DataFrame({"ill_t": [1, 2, 2, 3, 4], "ill": [1, 0, 1, 0, 0],
    ...                    "end_t": [5, 2, 4, 3, 4], "dead": [0, 1, 1, 1, 0],
    ...                    "arm": ["a"] * 5})
    >>> data = bs.IllnessDeathData.from_frame(
    ...     pd.concat([df, df.assign(arm="b")]), illness_time="ill_t", illness="ill",
    ...     death_time="end_t", death="dead")
    >>> cif = frequentist.aalen_johansen(data, times=[2, 4])
    >>> cif[cif["group"] == "a"][["time", "event", "estimate"]].to_numpy().tolist()
    [[2.0, 'illness', 0.4], [4.0, 'illness', 0.4], [2.0, 'death', 0.2], [4.0, 'death', 0.4]]
    """
    return _curves(data, times, mass, INCIDENCES, "event", "frequentist.aalen_johansen")


def state_occupation(data: IllnessDeathData, times=None, mass: float = 0.95) -> pd.DataFrame:
    """Aalen-Johansen probability of being event-free, alive with the illness, or dead.

    The three-state illness-death model (illness -> death included), per group.

    Parameters
    ----------
    data : IllnessDeathData
    times : float or sequence of float, optional
        As in :func:`aalen_johansen`.
    mass : float
        Coverage of the pointwise intervals.

    Returns
    -------
    pandas.DataFrame
        Columns ``time, group, state, estimate, lower, upper, se`` (``state`` is
        ``"event-free"``, ``"illness"`` or ``"death"``): R's ``survfit(Surv(tstart, tstop,
        state) ~ group, data, id = id)`` on the counting-process rows, with the
        infinitesimal jackknife ``se`` and the log-scale interval of
        :func:`aalen_johansen`.  The three states add up to 1 at every time.

    Raises
    ------
    DataError
        As in :func:`aalen_johansen`.

    Examples
    --------
    >>> import bayesurv as bs
    >>> from bayesurv import frequentist
    >>> df = bs.datasets.mgus2()
    >>> data = bs.IllnessDeathData.from_frame(df, illness_time="ptime", illness="pstat",
    ...                                       death_time="futime", death="death",
    ...                                       group="sex", reference="F")
    >>> p = frequentist.state_occupation(data, times=[120])
    >>> p[["group", "state", "estimate"]].round(4).to_numpy().tolist()[:3]
    [['F', 'event-free', 0.4456], ['F', 'illness', 0.017], ['F', 'death', 0.5374]]
    """
    return _curves(data, times, mass, OCCUPATION, "state", "frequentist.state_occupation")


def transition_data(data: IllnessDeathData, key: str) -> SurvivalData:
    """One transition's rows on the ordinal time scale of the tie rules (see
    :mod:`bayesurv.frequentist.aalen_johansen`): a Cox partial likelihood only needs the
    order of the times, so its estimates are those of the real times with these ties."""
    if key not in MOVES:
        raise DataError(f"transition_data: unknown transition {key!r}; transitions are "
                        f"{list(TRANSITIONS)}")
    rows = ordered_rows(data)
    source, target = MOVES[key]
    keep = rows.state == source
    patient = rows.patient[keep]
    return SurvivalData(rows.end[keep], rows.destination[keep] == target,
                        data.group_index[patient], data.groups, time_unit="order",
                        row_labels=data.row_labels[patient],
                        source=f"{key} transition (ordered times)",
                        entry=rows.start[keep] if source else None)


def transition_cox(data: IllnessDeathData) -> pd.DataFrame:
    """Cause-specific Cox model of group per transition (treated vs reference).

    ``"illness"`` and ``"death"``: every patient, the other event censoring;
    ``"death_after_illness"``: the ill patients from the illness on, with delayed entry
    (clock-forward, time since randomization), as the Bayesian model.  Each is
    :func:`bayesurv.frequentist.cox` (Efron ties, Wald intervals) with the tie rules of
    :func:`aalen_johansen`.

    Parameters
    ----------
    data : IllnessDeathData

    Returns
    -------
    pandas.DataFrame
        One row per transition and treated group: ``transition, log_hr, se, hr, lower,
        upper, p`` (R's ``coxph(Surv(tstart, tstop, status) ~ group)`` on that
        transition's rows), then ``group`` (the treated group), ``events`` and ``n`` (rows
        in the model).

    Raises
    ------
    DataError
        If ``data`` is not :class:`~bayesurv.IllnessDeathData`, or a group has no event
        of a transition (its hazard ratio is not estimable); the message names the
        transition.

    Examples
    --------
    >>> import bayesurv as bs
    >>> from bayesurv import frequentist
    >>> df = bs.datasets.mgus2()
    >>> data = bs.IllnessDeathData.from_frame(df, illness_time="ptime", illness="pstat",
    ...                                       death_time="futime", death="death",
    ...                                       group="sex", reference="F")
    >>> table = frequentist.transition_cox(data)
    >>> table[["transition", "hr"]].round(3).to_numpy().tolist()
    [['illness', 0.942], ['death', 1.256], ['death_after_illness', 1.029]]
    """
    what = "frequentist.transition_cox"
    _check(data, what)
    frames = []
    for key in TRANSITIONS:
        try:
            fitted = cox(transition_data(data, key))
        except DataError as err:
            raise DataError(f"{what}: transition {key!r}: {err}") from None
        groups = fitted[fitted["term"].isin(data.groups[1:])]
        frames.append(pd.DataFrame({
            "transition": key, "log_hr": groups["coef"], "se": groups["se"],
            "hr": groups["hr"], "lower": groups["lower"], "upper": groups["upper"],
            "p": groups["p"], "group": groups["term"], "events": groups["events"],
            "n": groups["n"]}))
    return pd.concat(frames, ignore_index=True)[COX_COLUMNS]
