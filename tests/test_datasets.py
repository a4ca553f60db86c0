"""The shipped reference-trial data: Shi et al. (2021), doi:10.1007/s12072-021-10199-2.

The published figures and the derived event counts are typed in here from the article (and the
project's reference notes), independently of the shipped files, so that drift in the data, the
loaders or the generator is caught.  The cohort is synthetic, calibrated to those figures.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

import bayesurv.datasets as ds
from bayesurv.base.exceptions import BayesurvInputError, DataError

# (endpoint, start, end, HR, lower, upper, p), control vs UC-MSC, as published.
PUBLISHED = [
    ("death", 0, 75, 1.89, 1.01, 3.58, 0.051),
    ("death", 0, 13, 0.97, 0.40, 2.32, 0.930),
    ("death", 13, 75, 3.68, 1.38, 9.85, 0.005),
    ("hcc", 0, 75, 1.77, 0.91, 3.43, 0.104),
    ("hcc", 0, 8, 1.09, 0.24, 4.98, 0.907),
    ("hcc", 8, 75, 2.02, 0.91, 4.47, 0.078),
]
LANDMARK = {"death": 13, "hcc": 8}
# Derived event counts (control, UC-MSC) per window; "before" is time <= landmark.
EVENTS = {
    ("death", "before"): (10, 10),
    ("death", "after"): (19, 5),
    ("hcc", "before"): (3, 3),
    ("hcc", "after"): (20, 10),
}
N = {"control": 111, "UC-MSC": 108}
# Table 1 and the follow-up paragraph, per arm.
TABLE1 = {
    "control": {"male": 96, "female": 15, "age": (47, 19, 65), "meld": (10.0, 4.2), "meld15": 15,
                "child_pugh": {"A": 20, "B": 73, "C": 18}, "follow_up": (57, 2, 82)},
    "UC-MSC": {"male": 94, "female": 14, "age": (48, 21, 65), "meld": (11.4, 6.0), "meld15": 19,
               "child_pugh": {"A": 14, "B": 68, "C": 26}, "follow_up": (61, 1, 85)},
}
BASELINE = ["id", "arm", "age", "sex", "meld", "child_pugh"]


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return ds.shi2021(endpoint=None)


def _window(cohort, endpoint, window):
    """Rows of one analysis window, with ``control`` = 1 for the control arm."""
    time = cohort[f"{endpoint}_time"].to_numpy()
    event = cohort[endpoint].to_numpy()
    control = (cohort["arm"] == "control").to_numpy().astype(int)
    landmark = LANDMARK[endpoint]
    if window == "before":
        event, time = np.where(time <= landmark, event, 0), np.minimum(time, landmark)
    elif window == "after":
        keep = time > landmark
        time, event, control = time[keep] - landmark, event[keep], control[keep]
    return pd.DataFrame({"time": time, "event": event, "control": control})


# -- the published table --------------------------------------------------------------------


def test_published_table_is_the_article_table():
    table = ds.shi2021_published()
    assert list(table.columns) == ["endpoint", "start", "end", "hr", "lower", "upper", "p",
                                   "orientation"]
    expected = pd.DataFrame(PUBLISHED, columns=table.columns[:-1])
    pd.testing.assert_frame_equal(table.iloc[:, :-1], expected, check_dtype=False)
    assert (table["orientation"] == "control vs UC-MSC").all()


def test_bayesurv_orientation_inverts_and_swaps_bounds():
    paper = ds.shi2021_published()
    flipped = ds.shi2021_published(orientation="bayesurv")
    np.testing.assert_allclose(flipped["hr"], 1 / paper["hr"], rtol=1e-12)
    np.testing.assert_allclose(flipped["lower"], 1 / paper["upper"], rtol=1e-12)
    np.testing.assert_allclose(flipped["upper"], 1 / paper["lower"], rtol=1e-12)
    assert flipped.loc[2, "hr"] == pytest.approx(1 / 3.68)  # death after 13 months: 0.272
    assert (flipped["orientation"] == "UC-MSC vs control").all()
    pd.testing.assert_frame_equal(flipped[["endpoint", "start", "end", "p"]],
                                  paper[["endpoint", "start", "end", "p"]])
    pd.testing.assert_frame_equal(ds.to_treated_vs_reference(paper), flipped)


def test_orientation_helper_is_idempotent_and_leaves_input_alone():
    paper = ds.shi2021_published()
    before = paper.copy()
    once = ds.to_treated_vs_reference(paper)
    pd.testing.assert_frame_equal(paper, before)
    pd.testing.assert_frame_equal(ds.to_treated_vs_reference(once), once)


def test_orientation_helper_rejects_unlabelled_tables():
    table = ds.shi2021_published()
    with pytest.raises(DataError, match="'orientation'"):
        ds.to_treated_vs_reference(table.drop(columns="orientation"))
    table.loc[4, "orientation"] = "treated vs control"
    with pytest.raises(DataError, match=r"row 4 \(value 'treated vs control'\)"):
        ds.to_treated_vs_reference(table)
    with pytest.raises(BayesurvInputError, match="orientation must be 'paper' or 'bayesurv'"):
        ds.shi2021_published(orientation="treated")


# -- the loader -----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["death", "hcc"])
def test_single_endpoint_columns_come_from_the_full_cohort(cohort, endpoint):
    df = ds.shi2021(endpoint=endpoint)
    assert list(df.columns) == [*BASELINE, "time", "event"]
    np.testing.assert_array_equal(df["time"], cohort[f"{endpoint}_time"])
    np.testing.assert_array_equal(df["event"], cohort[endpoint])
    assert ds.shi2021(endpoint=endpoint.upper()).equals(df)


def test_full_cohort_columns_and_types(cohort):
    assert list(cohort.columns) == [*BASELINE, "death_time", "death", "hcc_time", "hcc"]
    assert cohort["arm"].value_counts().to_dict() == N
    assert cohort["id"].tolist() == list(range(1, 220))
    for col in ("id", "age", "death", "hcc"):
        assert cohort[col].dtype == np.int64
    for col in ("meld", "death_time", "hcc_time"):
        assert cohort[col].dtype == np.float64
    assert set(cohort["death"]) == set(cohort["hcc"]) == {0, 1}
    assert ds.shi2021().equals(ds.shi2021(endpoint="death"))  # the default endpoint


def test_each_call_returns_a_new_frame():
    df = ds.shi2021(endpoint="death")
    df.loc[0, "time"] = -1.0
    df["arm"] = "x"
    fresh = ds.shi2021(endpoint="death")
    assert fresh.loc[0, "time"] > 0
    assert set(fresh["arm"]) == {"control", "UC-MSC"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"endpoint": "os"}, r"endpoint must be 'death' or 'hcc' or None \(both endpoints\), got 'os'"),
    ({"endpoint": 1}, r"endpoint must be .* got 1"),
    ({"digitized": "yes"}, r"digitized must be True or False, got 'yes'"),
    ({"endpoint": None, "digitized": True},
     r"endpoint must be 'death' or 'hcc' \(digitized curves are per endpoint\), got None"),
])
def test_bad_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(BayesurvInputError, match=message):
        ds.shi2021(**kwargs)


def test_digitized_rendition_matches_the_cohort_it_was_drawn_from():
    """The shipped risk table is the cohort's own numbers at risk, every 12 months."""
    curve, risk = ds.shi2021(endpoint="hcc", digitized=True)
    cohort = ds.shi2021("hcc")
    assert curve.groups == ("control", "UC-MSC")
    for arm in curve.groups:
        times, at_risk = risk.group_table(arm)
        follow_up = cohort.loc[cohort["arm"] == arm, "time"].to_numpy()
        expected = [int((follow_up >= u).sum()) for u in times]
        assert at_risk.tolist() == expected


def test_everything_says_the_cohort_is_synthetic():
    readme = resources.files("bayesurv.datasets").joinpath("data", "README.md").read_text("utf-8")
    for text in (ds.shi2021.__doc__, readme, ds.__doc__):
        assert "synthetic" in text.lower()
        assert "not the trial's patients" in " ".join(text.split())
    assert "10.1007/s12072-021-10199-2" in readme
    assert "synthetic" in ds.shi2021().attrs["description"].lower()


# -- calibration of the synthetic cohort -----------------------------------------------------


@pytest.mark.parametrize(("endpoint", "window"), list(EVENTS))
def test_event_counts_per_window_equal_the_derived_table(cohort, endpoint, window):
    frame = _window(cohort, endpoint, window)
    counts = frame.groupby("control")["event"].sum()
    assert (counts[1], counts[0]) == EVENTS[(endpoint, window)]


def test_every_event_within_75_months_and_hcc_totals(cohort):
    # published cumulative HCC at 75 months: 23/111 and 13/108
    assert cohort.loc[cohort["hcc"] == 1, "hcc_time"].max() <= 75
    assert cohort.loc[cohort["death"] == 1, "death_time"].max() <= 75
    assert cohort.groupby("arm")["hcc"].sum().to_dict() == {"control": 23, "UC-MSC": 13}


def test_hcc_never_after_death_or_end_of_follow_up(cohort):
    hcc = cohort["hcc"] == 1
    assert (cohort.loc[hcc, "hcc_time"] < cohort.loc[hcc, "death_time"]).all()
    # without HCC, censored for HCC at death or at the end of follow-up
    assert (cohort.loc[~hcc, "hcc_time"] == cohort.loc[~hcc, "death_time"]).all()


def test_times_are_whole_days_in_months_and_avoid_the_landmarks(cohort):
    for col in ("death_time", "hcc_time"):
        time = cohort[col].to_numpy()
        assert (time > 0).all()
        np.testing.assert_array_equal(time, np.round(time, 2))
        days = time * 30.44
        # two decimals of months are within 0.005 * 30.44 = 0.15 day of a whole day
        assert np.abs(days - np.round(days)).max() <= 0.16
        assert not np.isin(time, [8.0, 13.0]).any()


@pytest.mark.parametrize("arm", list(N))
def test_follow_up_matches_published_median_and_range(cohort, arm):
    time = cohort.loc[cohort["arm"] == arm, "death_time"]
    median, low, high = TABLE1[arm]["follow_up"]
    assert abs(time.median() - median) <= 2  # the tolerance: within 2 months
    assert (round(time.min()), round(time.max())) == (low, high)  # published in whole months


@pytest.mark.parametrize("arm", list(N))
def test_baseline_covariates_follow_table_1(cohort, arm):
    rows = cohort[cohort["arm"] == arm]
    t = TABLE1[arm]
    assert rows["sex"].value_counts().to_dict() == {"male": t["male"], "female": t["female"]}
    assert rows["child_pugh"].value_counts().sort_index().to_dict() == t["child_pugh"]
    assert (rows["meld"] > 15).sum() == t["meld15"]
    assert (rows["age"].median(), rows["age"].min(), rows["age"].max()) == t["age"]
    np.testing.assert_array_equal(rows["meld"], np.round(rows["meld"], 1))
    # Table 1 gives MELD mean +/- SD to one decimal; "approximately" here means the mean within
    # 0.2 points and the SD within 0.3 (about 5% of the SD).
    mean, sd = t["meld"]
    assert rows["meld"].mean() == pytest.approx(mean, abs=0.2)
    assert rows["meld"].std() == pytest.approx(sd, abs=0.3)


@pytest.mark.parametrize("row", PUBLISHED, ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in PUBLISHED])
def test_cox_reproduces_published_hr_and_ci_width(cohort, row):
    """lifelines CoxPHFitter (Efron ties) on control vs UC-MSC, as in the paper.

    Tolerances from the issue: HR within 15%, CI width on the log scale within 20%.
    """
    endpoint, start, end, hr, lower, upper, _ = row
    window = "overall" if (start, end) == (0, 75) else "before" if start == 0 else "after"
    fitted = CoxPHFitter().fit(_window(cohort, endpoint, window), "time", "event")
    summary = fitted.summary.loc["control"]
    assert summary["exp(coef)"] == pytest.approx(hr, rel=0.15)
    width = np.log(summary["exp(coef) upper 95%"] / summary["exp(coef) lower 95%"])
    assert width == pytest.approx(np.log(upper / lower), rel=0.20)


def test_generator_reproduces_the_shipped_file_byte_for_byte():
    from bayesurv.datasets import generate_shi2021

    text, _ = generate_shi2021.generate()
    shipped = resources.files("bayesurv.datasets").joinpath("data", "shi2021_synthetic.csv")
    assert text.encode("utf-8") == shipped.read_bytes()
