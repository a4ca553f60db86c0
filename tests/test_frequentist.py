"""Tests of bayesurv.frequentist: Kaplan-Meier, log-rank, Cox and landmark Cox models.

Reference numbers come from R 4.x with survival 3.5 (``coxph`` default ``ties = "efron"``);
the R call is written in each test's docstring.  ``Rossi`` is ``carData::Rossi`` (the same
rows as ``lifelines.datasets.load_rossi``), ``GBSG2`` is ``TH.data::GBSG2`` (the same rows as
``lifelines.datasets.load_gbsg2``).

Tolerance: R prints these numbers to 4 significant digits (coefficients to 6 decimals), so a
rounded reference differs from the exact value by at most half a unit in its last digit, which
is below 1e-3 relative for every number pinned here (the worst is p = 0.0517: 0.00005/0.0517
~ 9.7e-4).  lifelines and R otherwise agree to about 1e-6, so 1e-3 relative catches any
convention change (ties, window boundaries, CI transform), all of which move the numbers by
more than 1%.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, CoxTimeVaryingFitter
from lifelines.datasets import load_gbsg2, load_rossi
from scipy import stats

import bayesurv as bs
from bayesurv import frequentist as fq
from bayesurv.frequentist.cox_models import FIT_OPTIONS

pytestmark = pytest.mark.filterwarnings("error")

REL = 1e-3  # see the module docstring


def close(value, expected, rel=REL):
    return value == pytest.approx(expected, rel=rel)


@pytest.fixture(scope="module")
def rossi_frame():
    return load_rossi()


@pytest.fixture(scope="module")
def rossi(rossi_frame):
    return bs.SurvivalData.from_frame(
        rossi_frame, time="week", event="arrest", group="fin", reference=0,
        covariates=["age", "race", "wexp", "mar", "paro", "prio"], time_unit="weeks")


@pytest.fixture(scope="module")
def gbsg2():
    return bs.SurvivalData.from_frame(
        load_gbsg2(), time="time", event="cens", group="horTh", reference="no",
        covariates=["age", "menostat", "tgrade"], time_unit="days")


def group_row(table, window=None):
    rows = table[table["events_treated"].notna()]
    if window is not None:
        rows = rows[rows["window"] == window]
    assert len(rows) == 1
    return rows.iloc[0]


# ------------------------------------------------------------------ R reference values
def test_rossi_cox_matches_r(rossi):
    """R: ``summary(coxph(Surv(week, arrest) ~ fin, data = Rossi))``:
    HR 0.6914 (0.4767-1.0028), Wald p 0.0517; 114 events, n = 432."""
    row = group_row(fq.cox(rossi))
    assert row["term"] == "1"
    assert close(row["hr"], 0.6914)
    assert close(row["lower"], 0.4767)
    assert close(row["upper"], 1.0028)
    assert close(row["p"], 0.0517)
    assert close(np.exp(row["coef"]), row["hr"], rel=1e-12)
    assert (row["events"], row["n"]) == (114, 432)
    assert (row["events_treated"], row["n_treated"]) == (48, 216)
    assert (row["events_reference"], row["n_reference"]) == (66, 216)


def test_rossi_logrank_matches_r(rossi):
    """R: ``survdiff(Surv(week, arrest) ~ fin, data = Rossi)``: Chisq = 3.8376 on 1 df."""
    out = fq.logrank(rossi)
    assert list(out.columns) == ["statistic", "df", "p"]
    assert close(out["statistic"].iloc[0], 3.8376)
    assert out["df"].iloc[0] == 1
    assert close(out["p"].iloc[0], stats.chi2.sf(3.8376, 1))


def test_rossi_landmark_matches_r(rossi):
    """R, landmark at week 20 (an arrest at exactly week 20 belongs to the first window)::

        before <- within(Rossi, {arrest <- arrest * (week <= 20); week <- pmin(week, 20)})
        coxph(Surv(week, arrest) ~ fin, data = before)              # HR 0.8909 (0.4790-1.6571)
        coxph(Surv(week, arrest) ~ fin, data = subset(Rossi, week > 20))
                                                                    # HR 0.6011 (0.3769-0.9587)
    """
    out = fq.landmark(rossi, at=20)
    assert out["window"].tolist() == ["0-20", "20+"]
    assert out["period"].tolist() == ["before", "after"]
    assert out["landmark"].tolist() == [20, 20]
    assert out["start"].tolist() == [0, 20] and out["end"].tolist() == [20, np.inf]
    before, after = group_row(out, "0-20"), group_row(out, "20+")
    assert close(before["hr"], 0.8909)
    assert close(before["lower"], 0.4790)
    assert close(before["upper"], 1.6571)
    assert close(after["hr"], 0.6011)
    assert close(after["lower"], 0.3769)
    assert close(after["upper"], 0.9587)


def test_rossi_all_covariates_match_r(rossi):
    """R: ``coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio,
    data = Rossi)$coefficients``."""
    out = fq.cox(rossi, covariates=True)
    expected = {"1": -0.379422, "age": -0.057438, "race": 0.313900, "wexp": -0.149796,
                "mar": -0.433704, "paro": -0.084871, "prio": 0.091497}
    assert out["term"].tolist() == list(expected)
    for term, coef in expected.items():
        assert close(out.loc[out["term"] == term, "coef"].iloc[0], coef), term
    np.testing.assert_allclose(out["hr"], np.exp(out["coef"]), rtol=1e-12)
    assert out.loc[1:, "events_treated"].isna().all()


def test_gbsg2_cox_and_landmark_match_r(gbsg2):
    """R, with ``GBSG2`` from TH.data::

        coxph(Surv(time, cens) ~ horTh, data = GBSG2)               # HR 0.6949 (0.5438-0.8879)
        before <- within(GBSG2, {cens <- cens * (time <= 730); time <- pmin(time, 730)})
        coxph(Surv(time, cens) ~ horTh, data = before)              # HR 0.7349 (0.5273-1.0244)
        coxph(Surv(time, cens) ~ horTh, data = subset(GBSG2, time > 730))
                                                                    # HR 0.6510 (0.4532-0.9352)
    """
    row = group_row(fq.cox(gbsg2))
    assert row["term"] == "yes"
    assert close(row["hr"], 0.6949)
    assert close(row["lower"], 0.5438)
    assert close(row["upper"], 0.8879)
    out = fq.landmark(gbsg2, at=730)
    before, after = group_row(out, "0-730"), group_row(out, "730+")
    assert (close(before["hr"], 0.7349) and close(before["lower"], 0.5273)
            and close(before["upper"], 1.0244))
    assert (close(after["hr"], 0.6510) and close(after["lower"], 0.4532)
            and close(after["upper"], 0.9352))


def test_gbsg2_kaplan_meier_matches_r(gbsg2):
    """R: ``summary(survfit(Surv(time, cens) ~ horTh, data = GBSG2),
    times = c(365, 730, 1825))$surv``: no 0.8966, 0.7251, 0.4368; yes 0.9496, 0.7847,
    0.5812."""
    km = fq.kaplan_meier(gbsg2, times=[365, 730, 1825])
    assert list(km.columns) == ["group", "time", "survival", "lower", "upper", "at_risk"]
    assert km["group"].tolist() == ["no"] * 3 + ["yes"] * 3
    for got, want in zip(km["survival"], [0.8966, 0.7251, 0.4368, 0.9496, 0.7847, 0.5812],
                         strict=True):
        assert close(got, want)
    # n.risk in R's summary: patients of the group still followed at t (time >= t)
    for row in km.itertuples():
        in_group = gbsg2.group == row.group
        assert row.at_risk == int(np.sum(gbsg2.time[in_group] >= row.time))


# ------------------------------------------------------------------ closed forms
def test_kaplan_meier_interval_is_greenwood_log_log(gbsg2):
    """95% CI = exp(-exp(log(-log S) +/- 1.96 sqrt(Greenwood) / |log S|)), i.e. R's
    ``conf.type = "log-log"``, computed here by hand at each requested time."""
    times = [365.0, 1000.0, 1825.0, 2500.0]
    km = fq.kaplan_meier(gbsg2, times=times)
    z = stats.norm.ppf(0.975)
    for g, name in enumerate(gbsg2.groups):
        t, e = gbsg2.time[gbsg2.group_index == g], gbsg2.event[gbsg2.group_index == g]
        for when in times:
            surv, green = 1.0, 0.0
            for u in np.unique(t[(e == 1) & (t <= when)]):
                n, d = np.sum(t >= u), np.sum((t == u) & (e == 1))
                surv *= 1 - d / n
                green += d / (n * (n - d))
            theta, se = np.log(-np.log(surv)), np.sqrt(green) / abs(np.log(surv))
            row = km[(km["group"] == name) & (km["time"] == when)].iloc[0]
            assert row["survival"] == pytest.approx(surv, rel=1e-10)
            assert row["lower"] == pytest.approx(np.exp(-np.exp(theta + z * se)), rel=1e-6)
            assert row["upper"] == pytest.approx(np.exp(-np.exp(theta - z * se)), rel=1e-6)


def test_kaplan_meier_default_steps_and_right_continuity():
    df = pd.DataFrame({"t": [2.0, 3.0, 3.0, 5.0, 8.0, 1.0, 4.0, 4.0],
                       "d": [1, 0, 1, 1, 0, 1, 1, 0], "arm": list("aaaaabbb")})
    data = bs.SurvivalData.from_frame(df, time="t", event="d", group="arm")
    km = fq.kaplan_meier(data)
    a = km[km["group"] == "a"]
    assert a["time"].tolist() == [0, 2, 3, 5, 8]
    # 5 at risk: 1 death at 2 -> 4/5; at 3: 1 death of 4 -> 3/5; at 5: 1 of 2 -> 3/10
    np.testing.assert_allclose(a["survival"], [1, 0.8, 0.6, 0.3, 0.3])
    assert a["at_risk"].tolist() == [5, 5, 4, 2, 1]
    b = fq.kaplan_meier(data, times=[0.5, 1.0, 3.99, 4.0, 9.0])
    b = b[b["group"] == "b"]
    # the value at a step time includes its events; past the last time it stays flat
    np.testing.assert_allclose(b["survival"], [1, 2 / 3, 2 / 3, 1 / 3, 1 / 3])
    assert b["at_risk"].tolist() == [3, 3, 2, 2, 0]


def _logrank_by_hand(data):
    """k-group log-rank chi-square: (O - E)' V^- (O - E) over the first k - 1 groups."""
    k = len(data.groups)
    o_minus_e, var = np.zeros(k), np.zeros((k, k))
    for u in np.unique(data.time[data.event == 1]):
        at_risk = np.array([np.sum(data.time[data.group_index == g] >= u) for g in range(k)])
        dead = np.array([np.sum((data.time == u) & (data.event == 1) & (data.group_index == g))
                         for g in range(k)])
        n, d = at_risk.sum(), dead.sum()
        o_minus_e += dead - d * at_risk / n
        if n > 1:
            p = at_risk / n
            var += d * (n - d) / (n - 1) * (np.diag(p) - np.outer(p, p))
    x = o_minus_e[:-1]
    return float(x @ np.linalg.solve(var[:-1, :-1], x))


def test_logrank_three_groups_matches_closed_form(rossi_frame):
    frame = rossi_frame.assign(arm=np.select([rossi_frame.fin == 1, rossi_frame.race == 1],
                                             ["aid", "no aid, race 1"], "no aid, race 0"))
    data = bs.SurvivalData.from_frame(frame, time="week", event="arrest", group="arm",
                                      reference="no aid, race 0")
    out = fq.logrank(data)
    assert out["df"].iloc[0] == 2
    assert out["statistic"].iloc[0] == pytest.approx(_logrank_by_hand(data), rel=1e-9)
    assert out["p"].iloc[0] == pytest.approx(stats.chi2.sf(out["statistic"].iloc[0], 2))


def test_rossi_logrank_two_groups_matches_closed_form(rossi):
    assert fq.logrank(rossi)["statistic"].iloc[0] == pytest.approx(_logrank_by_hand(rossi),
                                                                   rel=1e-9)


# ------------------------------------------------------------------ landmark windows
def _survsplit_cox(frame, cuts):
    """survSplit(Surv(week, arrest) ~ ., data = Rossi, cut = cuts, episode = "w") then
    coxph(Surv(tstart, week, arrest) ~ fin, subset = w == k) for each episode k: an
    independent, counting-process construction of the windows."""
    edges = [0, *cuts, np.inf]
    hrs = []
    for a, b in itertools.pairwise(edges):
        rows = frame[frame["week"] > a]
        split = pd.DataFrame({"id": rows.index, "start": float(a),
                              "stop": np.minimum(rows["week"], b).astype(float),
                              "event": rows["arrest"] * (rows["week"] <= b),
                              "fin": rows["fin"]})
        fitter = CoxTimeVaryingFitter().fit(split, id_col="id", event_col="event",
                                            start_col="start", stop_col="stop",
                                            fit_options=FIT_OPTIONS)
        hrs.append(float(np.exp(fitter.params_["fin"])))
    return hrs


def test_landmark_windows_match_survsplit(rossi, rossi_frame):
    out = fq.landmark(rossi, at=[10, 20, 35])
    rows = out[out["events_treated"].notna()]
    assert rows["window"].tolist() == ["0-10", "10-20", "20-35", "35+"]
    assert rows["period"].tolist() == ["before", "between", "between", "after"]
    assert rows["landmark"].tolist() == [10, 10, 20, 35]
    np.testing.assert_allclose(rows["hr"], _survsplit_cox(rossi_frame, [10, 20, 35]),
                               rtol=1e-6)


def test_landmark_time_origin_does_not_matter(rossi):
    """Measuring the after-window from the landmark (time - 20) gives the same Cox fit."""
    after = group_row(fq.landmark(rossi, at=20), "20+")
    later = rossi.subset(rossi.time > 20)
    shifted = group_row(fq.cox(later.replace(time=later.time - 20)))
    for column in ("coef", "se", "p"):
        assert after[column] == pytest.approx(shifted[column], rel=1e-9)


@pytest.mark.parametrize("at", [20, [20], [8, 20, 40]])
def test_landmark_windows_partition_events(rossi, at):
    out = fq.landmark(rossi, at=at)
    rows = out[out["events_treated"].notna()]
    for g, column in ((1, "events_treated"), (0, "events_reference")):
        assert rows[column].sum() == rossi.event[rossi.group_index == g].sum()
    assert rows["events"].sum() == rossi.n_events
    # an arrest at exactly week 20 (there are some) belongs to the window ending at 20
    first = rows.iloc[0]
    cut = np.atleast_1d(at)[0]
    assert np.sum((rossi.time == cut) & (rossi.event == 1)) > 0
    assert first["events"] == np.sum((rossi.time <= cut) & (rossi.event == 1))
    assert first["n"] == rossi.n
    assert rows.iloc[1]["n"] == np.sum(rossi.time > cut)


def test_landmark_applies_covariates_in_each_window(rossi):
    out = fq.landmark(rossi, at=20, covariates=["prio"])
    assert out["term"].tolist() == ["1", "prio", "1", "prio"]
    after = group_row(out, "20+")
    direct = fq.cox(rossi.subset(rossi.time > 20), covariates="prio")
    assert after["hr"] == pytest.approx(direct["hr"].iloc[0], rel=1e-9)


# ------------------------------------------------------------------ covariates and strata
def test_strata_and_categorical_covariates_reach_lifelines(rossi, rossi_frame, gbsg2):
    out = fq.cox(rossi, covariates=True, strata="race")
    assert "race" not in out["term"].tolist()
    direct = CoxPHFitter().fit(rossi_frame, "week", "arrest", strata=["race"])
    np.testing.assert_allclose(out["coef"], direct.params_.to_numpy(), rtol=1e-6)
    # a categorical covariate named by its column selects all of its indicators
    terms = fq.cox(gbsg2, covariates=["tgrade"])["term"].tolist()
    assert terms == ["yes", "tgrade[II]", "tgrade[III]"]


def test_input_is_not_modified(rossi_frame):
    frame = rossi_frame.copy()
    data = bs.SurvivalData.from_frame(frame, time="week", event="arrest", group="fin",
                                      reference=0, covariates=["prio", "age"])
    before = data.frame()
    fq.kaplan_meier(data)
    fq.logrank(data)
    fq.cox(data, covariates=True)
    fq.landmark(data, at=[10, 30], covariates=["prio"], strata="age")
    pd.testing.assert_frame_equal(frame, rossi_frame)
    pd.testing.assert_frame_equal(data.frame(), before)


# ------------------------------------------------------------------ errors and warnings
@pytest.mark.parametrize(("kwargs", "words"), [
    ({"covariates": ["prio", "meld"]}, ["'meld'", "covariates", "prio"]),
    ({"strata": "site"}, ["'site'", "strata"]),
    ({"covariates": ["prio"], "strata": ["prio"]}, ["prio", "strata"]),
])
def test_cox_rejects_unknown_or_conflicting_covariates(rossi, kwargs, words):
    with pytest.raises(bs.DataError) as info:
        fq.cox(rossi, **kwargs)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(("at", "words"), [
    (0, ["at", "> 0", "got 0"]),
    (-5, ["at", "got -5"]),
    ([20, 10], ["increasing", "10 comes after 20"]),
    ([10, 20, 10], ["10", "more than once"]),
    (52, ["at=52", "follow-up", "52 weeks"]),
    (200, ["at=200", "follow-up"]),
    ("twenty", ["'twenty'"]),
    ([], ["empty"]),
    (float("nan"), ["got nan"]),
])
def test_landmark_rejects_bad_landmarks(rossi, at, words):
    with pytest.raises(bs.ModelError) as info:
        fq.landmark(rossi, at=at)
    for word in words:
        assert word in str(info.value)


def test_group_without_events_is_an_error_naming_group_and_window(rossi_frame):
    frame = rossi_frame.copy()
    frame.loc[(frame.fin == 1) & (frame.week > 40), "arrest"] = 0
    data = bs.SurvivalData.from_frame(frame, time="week", event="arrest", group="fin",
                                      reference=0)
    with pytest.raises(bs.DataError, match=r"landmark window 40\+: group '1' has .* no events"):
        fq.landmark(data, at=40)
    assert len(fq.landmark(data, at=30)) == 2  # still estimable with an earlier landmark


def test_collinear_covariates_are_a_data_error(rossi_frame):
    frame = rossi_frame.assign(age_months=rossi_frame.age * 12)
    data = bs.SurvivalData.from_frame(frame, time="week", event="arrest", group="fin",
                                      reference=0, covariates=["age", "age_months"])
    with pytest.raises(bs.DataError, match=r"could not be fitted.*age_months"):
        fq.cox(data, covariates=True)


def test_separation_warns_with_a_bayesurv_warning(rossi_frame):
    frame = rossi_frame.assign(arrested=rossi_frame.arrest.astype(float))
    data = bs.SurvivalData.from_frame(frame, time="week", event="arrest", group="fin",
                                      reference=0, covariates=["arrested"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fq.cox(data, covariates=True)
    categories = {w.category for w in caught}
    assert categories == {bs.DataWarning}
    assert any("'arrested'" in str(w.message) for w in caught)


def test_functions_require_survival_data(rossi_frame):
    with pytest.raises(bs.DataError, match="SurvivalData"):
        fq.cox(rossi_frame)
