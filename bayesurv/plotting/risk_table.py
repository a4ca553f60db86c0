"""The numbers around a Kaplan-Meier curve: time ticks, numbers at risk, censoring marks.

Computed apart from drawing, like :mod:`bayesurv.plotting.plot_data`, so the figures show
numbers that are tested.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from bayesurv import frequentist
from bayesurv.base.checks import check_times
from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.data.survival_data import SurvivalData

__all__ = ["at_risk_data", "censoring_data", "kaplan_meier_data", "time_ticks"]


def time_ticks(end: float, bins: int = 6) -> np.ndarray:
    """Round times from 0 to at most ``end``: the time axis ticks and the at-risk columns.

    Examples
    --------
    >>> time_ticks(84.99)
    array([ 0., 20., 40., 60., 80.])
    >>> time_ticks(30.0)
    array([ 0.,  5., 10., 15., 20., 25., 30.])
    """
    end = float(end)
    if not np.isfinite(end) or end <= 0:
        raise BayesurvInputError(f"time_ticks: end must be a positive number, got {end!r}")
    ticks = MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10]).tick_values(0.0, end)
    return ticks[(ticks >= 0) & (ticks <= end * (1 + 1e-9))]


def at_risk_data(data: SurvivalData, times) -> pd.DataFrame:
    """Patients of each arm still followed (time >= t) at each of ``times``.

    Returns
    -------
    pandas.DataFrame
        ``group, time, at_risk``; groups in the data's order (reference first).

    Examples
    --------
    >>> at_risk_data(data, [0, 13]).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'group': ['control', 'control', 'UC-MSC', 'UC-MSC'], 'time': [0.0, 13.0, 0.0, 13.0],
     'at_risk': [111, 101, 108, 94]}
    """
    times = check_times(times, "times", "at_risk_data", allow_empty=False)
    rows = []
    for g, group in enumerate(data.groups):
        followed = data.time[data.group_index == g]
        rows += [{"group": group, "time": float(t), "at_risk": int(np.sum(followed >= t))}
                 for t in times]
    return pd.DataFrame(rows)


def censoring_data(data: SurvivalData, kaplan_meier: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """Where the censoring marks go: each arm's distinct censored times, at the height of its
    Kaplan-Meier curve there.

    Parameters
    ----------
    data : SurvivalData
        The patients.
    kaplan_meier : pandas.DataFrame, optional
        :func:`bayesurv.frequentist.kaplan_meier` of ``data`` at its own step times (computed
        if not given).

    Returns
    -------
    pandas.DataFrame
        ``group, time, survival`` (several patients censored at one time share a mark).

    Examples
    --------
    >>> marks = censoring_data(data)
    >>> marks.groupby("group", sort=False).size().to_dict()
    {'control': 79, 'UC-MSC': 91}
    """
    km = frequentist.kaplan_meier(data) if kaplan_meier is None else kaplan_meier
    parts = []
    for g, group in enumerate(data.groups):
        own = data.group_index == g
        censored = np.unique(data.time[own & (data.event == 0)])
        steps = km[km["group"] == group]
        # the curve is right-continuous: at a censored time it already includes that
        # time's deaths
        at = np.searchsorted(steps["time"].to_numpy(), censored, side="right") - 1
        parts.append(pd.DataFrame({"group": group, "time": censored,
                                   "survival": steps["survival"].to_numpy()[at]}))
    return pd.concat(parts, ignore_index=True)


def kaplan_meier_data(data: SurvivalData, ticks=None) -> dict:
    """The Kaplan-Meier steps of each arm, its censoring marks and its numbers at risk.

    Parameters
    ----------
    data : SurvivalData
        The patients.
    ticks : sequence of float, optional
        Times of the at-risk columns (and of the time axis ticks); default
        :func:`time_ticks` to the longest follow-up.

    Returns
    -------
    dict of pandas.DataFrame
        ``"kaplan_meier"``: :func:`bayesurv.frequentist.kaplan_meier` at each arm's own step
        times; ``"censored"``: :func:`censoring_data`; ``"at_risk"``: :func:`at_risk_data`
        at ``ticks``.

    Examples
    --------
    >>> out = kaplan_meier_data(data)
    >>> out["at_risk"].query("time == 0")["at_risk"].tolist()
    [111, 108]
    """
    if not isinstance(data, SurvivalData):
        raise BayesurvInputError(f"kaplan_meier_data: data must be a bayesurv SurvivalData, "
                                 f"got {type(data).__name__}")
    km = frequentist.kaplan_meier(data)
    if ticks is None:
        ticks = time_ticks(float(data.time.max()))
    return {"kaplan_meier": km, "censored": censoring_data(data, km),
            "at_risk": at_risk_data(data, ticks)}
