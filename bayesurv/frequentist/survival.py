"""Kaplan-Meier estimates and log-rank tests of :class:`~bayesurv.SurvivalData` groups.

Computed with lifelines from the same data the Bayesian models use, so the two answers can be
put side by side.  Cox models are in :mod:`bayesurv.frequentist.cox_models`.

Examples
--------
>>> import bayesurv as bs
>>> from bayesurv import frequentist
>>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
>>> frequentist.logrank(data).round(3).to_numpy().tolist()
[[4.442, 1.0, 0.035]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from bayesurv.base.exceptions import DataError
from bayesurv.data.aggregated import needs_patient_rows
from bayesurv.data.survival_data import SurvivalData

__all__ = ["at_risk", "kaplan_meier", "km_steps", "logrank", "logrank_with_entry"]


def kaplan_meier(data: SurvivalData, times: Sequence[float] | None = None) -> pd.DataFrame:
    """Kaplan-Meier survival per group, with 95% confidence intervals.

    Parameters
    ----------
    data : SurvivalData
        The patients; one curve per group, reference group first.
    times : float or sequence of float, optional
        Times (>= 0, in any order) at which to evaluate the curves.  By default each
        group's own step times: 0 and every distinct event or censoring time.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, time, survival, lower, upper, at_risk``.  ``survival`` is the
        right-continuous step function (its value at ``t`` includes the events at ``t``);
        ``lower``/``upper`` are lifelines' 95% interval on the log(-log) scale (R's
        ``survfit(..., conf.type = "log-log")``); ``at_risk`` is the number of patients of
        the group with follow-up time >= ``t`` (and, with delayed entry, entry < ``t``).
        Past a group's last follow-up time the curve keeps its last value (with ``at_risk``
        0), as ``summary(fit, extend = TRUE)`` does in R.  With delayed entry (an ``entry``
        column) a patient is at risk only after entering, as in R's
        ``survfit(Surv(entry, time, event) ~ group)``: the curve is then survival
        conditional on being alive at the earliest entry.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> from bayesurv import frequentist
    >>> df = pd.DataFrame({"t": [2, 3, 3, 5, 1, 4], "d": [1, 0, 1, 1, 1, 0],
    ...                    "arm": ["a", "a", "a", "a", "b", "b"]})
    >>> data = bs.SurvivalData.from_frame(df, time="t", event="d", group="arm")
    >>> km = frequentist.kaplan_meier(data, times=[3])
    >>> km[["group", "survival", "at_risk"]].to_numpy().tolist()
    [['a', 0.5, 3], ['b', 0.5, 1]]
    """
    _check_data(data, "kaplan_meier", entry_ok=True)
    grid = None if times is None else _numbers(times, "times", "kaplan_meier", DataError)
    frames = []
    for g, name in enumerate(data.groups):
        t, _ = _group_arrays(data, g, "kaplan_meier")
        fitter = _fitter(data, g, "kaplan_meier")
        steps = fitter.survival_function_.index.to_numpy(dtype=float)
        ci = fitter.confidence_interval_survival_function_
        at = steps if grid is None else grid
        # right-continuous step function: last step at or before each requested time
        pos = np.searchsorted(steps, at, side="right") - 1
        frames.append(pd.DataFrame({
            "group": name,
            "time": at,
            "survival": fitter.survival_function_.iloc[:, 0].to_numpy()[pos],
            "lower": ci.filter(like="lower").iloc[:, 0].to_numpy()[pos],
            "upper": ci.filter(like="upper").iloc[:, 0].to_numpy()[pos],
            "at_risk": at_risk(data.entry[data.group_index == g], t, at),
        }))
    return pd.concat(frames, ignore_index=True)


def logrank(data: SurvivalData) -> pd.DataFrame:
    """Log-rank test that all groups have the same survival.

    Two groups use :func:`lifelines.statistics.logrank_test`, more use
    :func:`lifelines.statistics.multivariate_logrank_test`; both equal R's
    ``survdiff(Surv(time, event) ~ group)``.  With delayed entry (an ``entry`` column) the
    risk sets hold the patients who have entered (:func:`logrank_with_entry`), which is the
    score test of R's ``coxph(Surv(entry, time, event) ~ group, ties = "breslow")``.

    Parameters
    ----------
    data : SurvivalData

    Returns
    -------
    pandas.DataFrame
        One row: ``statistic`` (chi-square), ``df`` (groups - 1), ``p``.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> from bayesurv import frequentist
    >>> df = pd.DataFrame({"t": [2, 3, 3, 5, 1, 4], "d": [1, 0, 1, 1, 1, 0],
    ...                    "arm": ["a", "a", "a", "a", "b", "b"]})
    >>> data = bs.SurvivalData.from_frame(df, time="t", event="d", group="arm")
    >>> frequentist.logrank(data).round(3).to_numpy().tolist()
    [[0.082, 1.0, 0.774]]
    """
    _check_data(data, "logrank", entry_ok=True)
    for g in range(len(data.groups)):
        _group_arrays(data, g, "logrank")
    if data.n_events == 0:
        raise DataError("logrank: the data have no events; the log-rank test is undefined")
    from lifelines.statistics import logrank_test, multivariate_logrank_test

    if data.has_entry:
        statistic, df = logrank_with_entry(data)
        return pd.DataFrame({"statistic": [statistic], "df": [df],
                             "p": [float(stats.chi2.sf(statistic, df))]})
    if len(data.groups) == 2:
        ref, trt = data.group_index == 0, data.group_index == 1
        result = logrank_test(data.time[ref], data.time[trt], data.event[ref], data.event[trt])
    else:
        result = multivariate_logrank_test(data.time, data.group_index, data.event)
    return pd.DataFrame({"statistic": [float(result.test_statistic)],
                         "df": [int(result.degrees_of_freedom)], "p": [float(result.p_value)]})


def logrank_with_entry(data: SurvivalData) -> tuple[float, int]:
    """The k-group log-rank chi-square and its degrees of freedom with delayed entry.

    At each distinct event time ``t`` the risk set is the patients with ``entry < t <=
    time``; observed minus expected events per group, ``O - E``, and the hypergeometric
    covariance ``V`` (with the correction for tied events) are summed over event times,
    and the statistic is ``(O - E)' V^- (O - E)`` over all groups but the reference.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> df = pd.DataFrame({"t": [2, 3, 3, 5, 1, 4], "d": [1, 0, 1, 1, 1, 0],
    ...                    "arm": ["a", "a", "a", "a", "b", "b"]})
    >>> data = bs.SurvivalData.from_frame(df, time="t", event="d", group="arm")
    >>> round(logrank_with_entry(data)[0], 3)  # no delayed entry: the ordinary log-rank
    0.082
    """
    k = len(data.groups)
    times = np.unique(data.time[data.event == 1])
    risk = np.empty((times.size, k))
    events = np.empty((times.size, k))
    for g in range(k):
        mask = data.group_index == g
        risk[:, g] = at_risk(data.entry[mask], data.time[mask], times)
        ended = np.sort(data.time[mask & (data.event == 1)])
        events[:, g] = (np.searchsorted(ended, times, side="right")
                        - np.searchsorted(ended, times, side="left"))
    n, d = risk.sum(axis=1), events.sum(axis=1)
    share = risk / n[:, None]
    observed_minus_expected = (events - d[:, None] * share).sum(axis=0)
    ties = d * (n - d) / np.maximum(n - 1, 1)
    covariance = (ties[:, None, None] * (np.einsum("tg,gh->tgh", share, np.eye(k))
                                         - share[:, :, None] * share[:, None, :])).sum(axis=0)
    u, v = observed_minus_expected[1:], covariance[1:, 1:]
    statistic = float(u @ np.linalg.pinv(v) @ u)
    return statistic, int(np.linalg.matrix_rank(v))


def at_risk(entry, time, at) -> np.ndarray:
    """Patients at risk at each time of ``at``: entered before it (everyone entering at 0 is
    at risk from 0 on) and followed to it, ``entry < t <= time``.

    Examples
    --------
    >>> at_risk([0, 0, 2], [3, 5, 6], [0, 2, 3, 4]).tolist()
    [2, 2, 3, 2]
    """
    entered, ended = np.sort(entry), np.sort(time)
    at = np.asarray(at, dtype=float)
    return (np.searchsorted(entered, at, side="left")
            + np.where(at <= 0, np.count_nonzero(entered == 0), 0)
            - np.searchsorted(ended, at, side="left"))


def km_steps(data: SurvivalData, g: int, what: str) -> pd.DataFrame:
    """The Kaplan-Meier steps of group ``g``: one row at 0 and at each distinct follow-up
    time, with ``at_risk`` (follow-up >= time), ``events`` and ``survival`` after the events.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> df = pd.DataFrame({"t": [2, 3, 3, 5, 1, 4], "d": [1, 0, 1, 1, 1, 0],
    ...                    "arm": ["a", "a", "a", "a", "b", "b"]})
    >>> data = bs.SurvivalData.from_frame(df, time="t", event="d", group="arm")
    >>> km_steps(data, 0, "example").round(3).to_numpy().tolist()
    [[0.0, 4.0, 0.0, 1.0], [2.0, 4.0, 1.0, 0.75], [3.0, 3.0, 1.0, 0.5], [5.0, 1.0, 1.0, 0.0]]
    """
    fitter = _fitter(data, g, what)
    table = fitter.event_table
    return pd.DataFrame({"time": table.index.to_numpy(dtype=float),
                         "at_risk": table["at_risk"].to_numpy(dtype=float),
                         "events": table["observed"].to_numpy(dtype=float),
                         "survival": fitter.survival_function_.iloc[:, 0].to_numpy()})


def _fitter(data: SurvivalData, g: int, what: str):
    """lifelines' Kaplan-Meier fit of group ``g``."""
    from lifelines import KaplanMeierFitter  # slow to import; Bayesian fits need it not
    from lifelines.exceptions import StatError

    entry = data.entry[data.group_index == g] if data.has_entry else None
    try:
        return KaplanMeierFitter().fit(*_group_arrays(data, g, what), entry=entry)
    except StatError:  # with delayed entry, an early risk set of events only
        raise DataError(f"{what}: with delayed entry, the risk set of group "
                        f"{data.groups[g]!r} empties early (an event while every patient "
                        "at risk has it), so its Kaplan-Meier curve is 0 from then on; "
                        "start the curve later (drop the earliest entries explicitly)"
                        ) from None


def _check_data(data, what: str, entry_ok: bool = False) -> None:
    needs_patient_rows(data, what)
    if not isinstance(data, SurvivalData):
        raise DataError(f"{what}: data must be a bayesurv.SurvivalData (build it with "
                        f"SurvivalData.from_frame), got {type(data).__name__}")
    if data.has_entry and not entry_ok:
        raise DataError(f"{what}: the data have delayed entry (an entry column), which "
                        f"{what} does not take into account yet; frequentist.cox does")


def _group_arrays(data: SurvivalData, g: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    mask = data.group_index == g
    if not mask.any():
        raise DataError(f"{what}: group {data.groups[g]!r} has no patients")
    return data.time[mask], data.event[mask]


def _numbers(values, name: str, what: str, error, positive: bool = False) -> np.ndarray:
    """A non-empty 1-d array of finite numbers, with messages that show the user's value."""
    items = [values] if isinstance(values, str) or np.ndim(values) == 0 else values
    try:
        arr = np.array([float(v) for v in items], dtype=float)
    except (TypeError, ValueError):
        raise error(f"{what}: {name} must be a number or a list of numbers, "
                    f"got {values!r}") from None
    if arr.size == 0:
        raise error(f"{what}: {name} is empty; give at least one time")
    bad = ~np.isfinite(arr) | ((arr <= 0) if positive else (arr < 0))
    if bad.any():
        raise error(f"{what}: {name} must hold finite times {'>' if positive else '>='} 0, "
                    f"got {arr[bad][0]:g}")
    return arr
