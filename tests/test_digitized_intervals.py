"""Tests of the interval likelihood: events and person-time per risk-table interval derived
from a digitized curve and the numbers at risk (``bs.interval_data``).

The references are the true counts of simulated patients, written out below from the
patient rows (not from bayesurv's exposure code), and the closed form of the module
docstring: with every censoring at the end of its interval, or none inside it, the
Kaplan-Meier fall gives the events exactly, ``d = n * (1 - S_b / S_a)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv.base.exceptions import DigitizedCurveError, ModelError

RISK_TIMES = np.arange(0.0, 54.0, 6.0)  # a number at risk every 6 months, 0 to 48


def trial(seed=3, censoring=(24, 60)):
    return bs.simulate_trial(n=(150, 150), baseline_rates=[0.03], log_hr=(0.0, np.log(0.6)),
                             tau=12, censoring=censoring, seed=seed)


def figure(df, times=RISK_TIMES):
    """Exact step corners and numbers at risk (follow-up >= t) of each arm."""
    points, risk = [], []
    for g, part in df.groupby("arm"):
        points.append(bs.km_step_corners(part["time"], part["event"]).assign(group=g))
        risk.append(pd.DataFrame({"group": g, "time": times,
                                  "n_at_risk": [int((part["time"] >= t).sum()) for t in times]}))
    return pd.concat(points, ignore_index=True), pd.concat(risk, ignore_index=True)


def truth(df, times=RISK_TIMES):
    """True events and person-time per interval (a, b] (the last open) and arm."""
    upper = np.r_[times[1:], np.inf]
    events, exposure = [], []
    for g in ("control", "treated"):
        part = df[df["arm"] == g]
        t, e = part["time"].to_numpy(), part["event"].to_numpy()
        pieces = list(zip(times, upper, strict=True))
        events.append([np.sum((t > a) & (t <= b) & (e == 1)) for a, b in pieces])
        exposure.append([np.clip(t - a, 0, b - a).sum() for a, b in pieces])
    return np.array(events, dtype=float).T, np.array(exposure).T


def test_censoring_only_at_interval_ends_gives_the_true_events_and_person_time():
    # every censoring moved to just before the end of its 6-month interval, none after 48
    df = trial(censoring=(6, 48))
    end = np.ceil(df["time"] / 6.0) * 6.0 - 1e-9
    df["time"] = np.where(df["event"] == 1, df["time"], end)
    points, risk = figure(df)
    agg = bs.interval_data(points, risk, reference="control", censoring="end")
    events, exposure = truth(df)
    # closed form d = n (1 - S_b / S_a), exact here: only float rounding is left
    np.testing.assert_allclose(agg.table.events, events, rtol=0, atol=1e-9)
    # the censorings sit 1e-9 before the ends: person-time off by at most 1e-9 per patient
    np.testing.assert_allclose(agg.table.exposure, exposure, rtol=0, atol=150 * 1e-9)
    assert agg.ending.sum(axis=0).tolist() == [150, 150]


def test_spread_censoring_is_exact_without_censoring_and_close_with_it():
    df = trial()  # censoring uniform on 24-60 months
    points, risk = figure(df)
    agg = bs.interval_data(points, risk, reference="control")
    events, exposure = truth(df)
    # no censoring before 24 months: c = 0 and d = n - n' exactly (any placement)
    np.testing.assert_allclose(agg.table.events[:4], events[:4], rtol=0, atol=1e-9)
    np.testing.assert_allclose(agg.table.exposure[:4], exposure[:4], rtol=1e-12)
    # later intervals: the censorings' placement is assumed, not known.  Over 20 seeds of
    # this trial the largest error per interval before 48 months was 0.56 events, the
    # total events within 2.2 and the total person-time per arm within 0.9% of the truth
    assert np.abs(agg.table.events[4:-1] - events[4:-1]).max() <= 1.0
    np.testing.assert_allclose(agg.table.exposure.sum(0), exposure.sum(0), rtol=0.015)
    assert abs(agg.table.events.sum() - events.sum()) <= 3.0


def test_draws_are_whole_reproducible_and_keep_the_numbers_at_risk():
    df = trial()
    points, risk = figure(df)
    draws = bs.interval_data(points, risk, reference="control", draws=3, random_seed=5)
    again = bs.interval_data(points, risk, reference="control", draws=3, random_seed=5)
    single = bs.interval_data(points, risk, reference="control")
    assert len(draws) == 3 and all(isinstance(d, bs.AggregatedData) for d in draws)
    for one, other in zip(draws, again, strict=True):
        np.testing.assert_array_equal(one.table.events, other.table.events)
    for one in draws:
        assert np.array_equal(one.table.events, np.round(one.table.events))
        np.testing.assert_array_equal(one.ending, single.ending)
        # each interval's events stay within the patients who leave it
        assert np.all(one.table.events <= one.ending)
        assert "draw" in one.source
    assert not np.array_equal(draws[0].table.exposure, draws[1].table.exposure)


def test_pieces_are_the_risk_table_intervals_and_cuts_must_lie_on_them():
    points, risk = figure(trial())
    agg = bs.interval_data(points, risk, reference="control")
    assert agg.grid.tolist() == RISK_TIMES.tolist()
    assert agg.groups == ("control", "treated")
    arrays = bs.PiecewiseExponential(cuts=[12], baseline=[6, 24]).arrays(agg)
    assert arrays.fine_edges.tolist() == [0.0, 6.0, 12.0, 24.0]
    with pytest.raises(ModelError, match="13 is not on the grid"):
        bs.PiecewiseExponential(cuts=[13], baseline=[6, 24]).arrays(agg)


def test_the_interval_likelihood_needs_numbers_at_risk():
    points, risk = figure(trial())
    before = (points.copy(), risk.copy())
    for no_table in (None, 150, {"control": 150, "treated": 150},
                     risk[risk["time"] == 0]):
        with pytest.raises(DigitizedCurveError, match="needs the numbers at risk"):
            bs.interval_data(points, no_table)
    pd.testing.assert_frame_equal(points, before[0])
    pd.testing.assert_frame_equal(risk, before[1])


def test_bad_input_is_refused_with_what_and_where():
    points, risk = figure(trial())
    other = risk[~((risk["group"] == "treated") & (risk["time"] == 48))]
    with pytest.raises(DigitizedCurveError, match="same times for every group"):
        bs.interval_data(points, other)
    late = risk.copy()
    late.loc[(late["group"] == "control") & (late["time"] == 48), "time"] = 90.0
    with pytest.raises(DigitizedCurveError, match=r"group .control..* at risk at time 90"):
        bs.interval_data(points, late)
    with pytest.raises(DigitizedCurveError, match="groups"):
        bs.interval_data(points, risk.replace({"treated": "other"}))
    with pytest.raises(DigitizedCurveError, match="draws must be"):
        bs.interval_data(points, risk, draws=0)
    with pytest.raises(DigitizedCurveError, match="censoring must be one of"):
        bs.interval_data(points, risk, censoring="middle")
