"""Kaplan-Meier survival at the resolution of an aggregation grid, from events and counts.

With only the events and the follow-up ends per piece (:class:`~bayesurv.AggregatedData`),
the order of events and censorings inside a piece is unknown.  Taking every follow-up time
as known to its piece only, i.e. rounded up to the end of its piece, the Kaplan-Meier
estimate is exact: at the end of piece ``j`` the curve steps by ``1 - d_j / n_j``, where
``d_j`` are the events in the piece and ``n_j`` the patients followed past its start.  It
is the product-limit estimate of the rounded times (R: ``survfit(Surv(ceiling(time /
step) * step, event) ~ arm)``), and the exact Kaplan-Meier estimate whenever times are
recorded at the grid's resolution (whole days or months on a grid of that step).  On a
grid fine against the follow-up it differs from the estimate of the exact times by the
events of at most one piece.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["grid_kaplan_meier"]


def grid_kaplan_meier(agg, level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier survival at the end of each grid piece, per group, with its interval.

    Parameters
    ----------
    agg : AggregatedData
    level : float
        Mass of the pointwise interval (Greenwood variance, log(-log) scale, as
        :func:`bayesurv.frequentist.kaplan_meier` and R's ``conf.type = "log-log"``).

    Returns
    -------
    pandas.DataFrame
        One row per group and piece with patients at risk: ``group, time`` (the end of
        the piece; of the last piece, the group's longest follow-up), ``at_risk`` (followed
        past the piece's start; with delayed entry, plus those entering inside the piece),
        ``events, censored, survival, lower, upper``.

    Examples
    --------
    >>> import bayesurv as bs
    >>> df = pd.DataFrame({"t": [0.4, 1.2, 1.7, 2.5, 0.5, 3.0], "e": [1, 1, 0, 1, 0, 1],
    ...                    "arm": ["a", "a", "a", "a", "b", "b"]})
    >>> km = grid_kaplan_meier(bs.aggregate(df, time="t", event="e", grid=1.0))
    >>> km[["group", "time", "at_risk", "events", "survival"]]
      group  time  at_risk  events  survival
    0     a   1.0        4     1.0      0.75
    1     a   2.0        3     1.0      0.50
    2     a   2.5        1     1.0      0.00
    3     b   1.0        2     0.0      1.00
    4     b   2.0        1     0.0      1.00
    5     b   3.0        1     1.0      0.00
    """
    z = stats.norm.isf((1.0 - level) / 2.0)
    ends = np.r_[agg.grid[1:], np.inf]
    frames = []
    for g, name in enumerate(agg.groups):
        ending = agg.ending[:, g]
        events = agg.table.events[:, g]
        at_risk = ending[::-1].cumsum()[::-1]
        if agg.entering is not None:
            entering = agg.entering[:, g]
            # entered after the piece: not yet at risk in it
            at_risk = at_risk - (entering[::-1].cumsum()[::-1] - entering)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(at_risk > 0, 1.0 - events / at_risk, 1.0)
            survival = np.cumprod(step)
            greenwood = np.cumsum(np.where(at_risk > events,
                                           events / (at_risk * (at_risk - events)), 0.0))
            log_s = np.log(survival)
            spread = z * np.sqrt(greenwood) / np.abs(log_s)
            lower = np.exp(-np.exp(np.log(-log_s) + spread))
            upper = np.exp(-np.exp(np.log(-log_s) - spread))
        # no event yet: no spread (survival 1); none left: the interval is undefined
        lower = np.where(greenwood == 0, np.where(survival > 0, survival, np.nan), lower)
        upper = np.where(greenwood == 0, np.where(survival > 0, survival, np.nan), upper)
        frame = pd.DataFrame({"group": name, "time": np.minimum(ends, agg.max_followup[g]),
                              "at_risk": at_risk, "events": events,
                              "censored": ending - events, "survival": survival,
                              "lower": lower, "upper": upper})
        frames.append(frame[at_risk > 0])
    return pd.concat(frames, ignore_index=True)
