"""Kaplan-Meier and the log-rank test with delayed entry (left truncation), pinned to R.

The data: 60 patients in three groups, entering between 0 and 5 and followed for an
exponential time after (``ENTRY_ROWS``, written out so the test needs no generator).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs

ENTRY_ROWS = {
    "tstart": [4.03, 4.04, 2.58, 1.43, 0.27, 1.92, 2.04, 0.23, 0.24, 5.0, 3.26, 1.17, 2.17,
               4.87, 4.49, 4.22, 1.96, 2.47, 3.38, 0.3, 2.78, 1.36, 4.4, 0.32, 3.4, 4.35, 1.14,
               4.48, 4.36, 0.09, 3.54, 0.01, 2.52, 2.18, 1.02, 1.62, 4.03, 1.58, 0.75, 3.49,
               2.24, 3.99, 1.18, 1.6, 4.0, 2.54, 2.53, 1.18, 0.07, 4.67, 0.43, 4.22, 1.84,
               4.76, 2.0, 4.68, 2.78, 1.2, 3.71, 3.37],
    "tstop": [14.62, 5.05, 9.21, 4.54, 1.23, 13.87, 19.25, 7.55, 19.91, 5.96, 10.36, 18.61,
              3.8, 28.17, 9.46, 11.05, 20.12, 28.87, 16.27, 1.26, 16.03, 30.75, 10.75, 7.49,
              9.02, 17.64, 15.52, 12.07, 4.36, 7.73, 6.96, 26.42, 7.94, 8.79, 7.77, 15.63, 5.31,
              6.6, 1.53, 12.69, 27.3, 6.03, 7.56, 7.96, 5.95, 15.25, 6.73, 9.38, 6.87, 20.98,
              0.65, 4.24, 4.0, 8.42, 45.67, 16.57, 9.75, 14.48, 9.35, 17.16],
    "status": [1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1,
               0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0,
               0, 0, 1, 1, 1, 1, 1],
}


def entry_data(groups=("a", "b", "c")) -> bs.SurvivalData:
    df = pd.DataFrame(ENTRY_ROWS).assign(group=np.array(["a", "b", "c"] * 20))
    df = df[df["group"].isin(groups)]
    return bs.SurvivalData.from_frame(df, time="tstop", event="status", group="group",
                                      entry="tstart", reference="a")


def test_logrank_with_entry_is_the_score_test_of_r_coxph():
    """R (survival 3.x), ``d$g <- factor(d$group, levels = c("a", "b", "c"))``::

        coxph(Surv(tstart, tstop, status) ~ g, data = d, ties = "breslow")$score
        # 0.914716713392 (three groups), 0.466630014784 (groups a and b only)

    With Breslow ties the Cox score test is the log-rank test with these risk sets."""
    three = bs.frequentist.logrank(entry_data())
    two = bs.frequentist.logrank(entry_data(("a", "b")))
    # the same sums over the same risk sets: agreement to rounding
    assert abs(three["statistic"].iloc[0] - 0.914716713392) < 1e-9
    assert three["df"].iloc[0] == 2
    assert abs(two["statistic"].iloc[0] - 0.466630014784) < 1e-9
    assert abs(two["p"].iloc[0] - 0.4945416) < 1e-6  # chi-square(1) tail of 0.46663


def test_logrank_without_entry_is_unchanged():
    """Zero entries everywhere: the entry-aware sums give lifelines' (and survdiff's)
    statistic."""
    df = bs.datasets.shi2021("death")
    plain = bs.SurvivalData.from_frame(df, reference="control")
    from bayesurv.frequentist.survival import logrank_with_entry

    statistic, df_ = logrank_with_entry(plain)
    assert abs(statistic - bs.frequentist.logrank(plain)["statistic"].iloc[0]) < 1e-9
    assert df_ == 1


def test_kaplan_meier_with_entry_matches_r():
    """R::

        s <- survfit(Surv(tstart, tstop, status) ~ g, data = d, conf.type = "log-log")
        summary(s, times = c(3, 8, 15), extend = TRUE)

    survival (lower, upper) at 3, 8 and 15 per group as printed by R (10 digits)."""
    r = {"a": [(1.0, 1.0, 1.0), (0.6252798697, 0.3718851278, 0.8001975134),
               (0.2865866070, 0.1059639811, 0.4986854243)],
         "b": [(0.75, 0.1279469176, 0.9605486423), (0.55, 0.1734002497, 0.8154763738),
               (0.44, 0.1411194828, 0.7087819426)],
         "c": [(0.75, 0.1279469176, 0.9605486423), (0.5416666667, 0.1781873387, 0.8041885770),
               (0.3159722222, 0.1007005781, 0.5609025534)]}
    km = bs.frequentist.kaplan_meier(entry_data(), times=[3, 8, 15])
    for row in km.itertuples():
        expected = r[row.group][[3, 8, 15].index(row.time)]
        # the same product-limit and Greenwood log-log interval: R's 10 printed digits
        np.testing.assert_allclose((row.survival, row.lower, row.upper), expected, atol=1e-9)
    # at risk at t: entered before t, followed to t or later (counted from the rows)
    rows = pd.DataFrame(ENTRY_ROWS).assign(group=np.array(["a", "b", "c"] * 20))
    for row in km.itertuples():
        g = rows[rows["group"] == row.group]
        expected = int(((g["tstart"] < row.time) & (g["tstop"] >= row.time)).sum())
        assert row.at_risk == expected


def test_an_early_empty_risk_set_is_named():
    df = pd.DataFrame({"entry": [0.0, 2.0, 2.0, 0.0, 0.5], "time": [1.0, 6.0, 8.0, 3.0, 4.0],
                       "event": [1, 1, 0, 1, 1], "arm": ["a", "a", "a", "b", "b"]})
    data = bs.SurvivalData.from_frame(df, reference="a", entry="entry")
    with pytest.raises(bs.DataError, match="risk set of group 'a' empties early"):
        bs.frequentist.kaplan_meier(data)
