"""SurvivalData: validation messages name the column and rows; data are never changed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs


@pytest.fixture()
def frame():
    return pd.DataFrame({
        "months": [0.0, 3.5, 8.0, 12.0, 20.0, 30.0],
        "died": [1, 0, 1, 1, 0, 0],
        "arm": ["control", "control", "control", "new", "new", "new"],
        "meld": [10.5, 12.0, 9.0, 15.5, 11.0, 8.0],
        "stage": ["A", "B", "C", "A", "B", "B"],
    })


def build(df, **kwargs):
    args = {"time": "months", "event": "died", "group": "arm", "reference": "control"}
    return bs.SurvivalData.from_frame(df, **(args | kwargs))


def test_valid_frame_is_read_exactly(frame):
    data = build(frame, covariates=["meld", "stage"])
    np.testing.assert_array_equal(data.time, frame["months"].to_numpy())
    np.testing.assert_array_equal(data.event, frame["died"].to_numpy())
    assert data.groups == ("control", "new")
    np.testing.assert_array_equal(data.group_index, [0, 0, 0, 1, 1, 1])
    assert data.covariate_names == ("meld", "stage[B]", "stage[C]")
    np.testing.assert_array_equal(data.covariates[:, 1], [0, 1, 0, 0, 1, 1])
    np.testing.assert_array_equal(data.covariates[:, 2], [0, 0, 1, 0, 0, 0])


def test_time_zero_is_allowed(frame):
    assert build(frame).time[0] == 0.0


def test_booleans_are_events(frame):
    data = build(frame.assign(died=frame["died"].astype(bool)))
    np.testing.assert_array_equal(data.event, frame["died"].to_numpy())


def test_reference_can_be_any_level(frame):
    data = build(frame, reference="new")
    assert data.groups == ("new", "control")
    np.testing.assert_array_equal(data.group_index, [1, 1, 1, 0, 0, 0])


def test_callers_frame_is_not_modified(frame):
    before = frame.copy(deep=True)
    build(frame, covariates=["meld", "stage"])
    pd.testing.assert_frame_equal(frame, before)


def test_data_are_immutable(frame):
    data = build(frame)
    with pytest.raises(AttributeError):
        data.time = np.zeros(6)
    with pytest.raises(ValueError):
        data.time[0] = 5.0  # read-only array


def test_repr_summarises_each_group(frame):
    text = repr(build(frame))
    assert "6 patients, 3 events" in text
    assert "control: n=3, events=2, follow-up median 3.5 (max 8)" in text
    assert "new: n=3, events=1, follow-up median 20 (max 30)" in text


@pytest.mark.parametrize(
    ("change", "column", "fragment"),
    [
        ({"months": [0.0, np.nan, 8.0, 12.0, 20.0, 30.0]}, "months", "missing value(s) at row 1"),
        ({"died": [1, 0, None, 1, 0, 0]}, "died", "missing value(s) at row 2"),
        ({"arm": ["control", None, "control", "new", "new", "new"]}, "arm", "at row 1"),
        ({"months": [0.0, -3.5, 8.0, 12.0, -1.0, 30.0]}, "months",
         "negative values at rows 1, 4 (values -3.5, -1.0)"),
        ({"months": ["0", "3.5", "eight", "12", "20", "30"]}, "months",
         "row 2 (value 'eight')"),
        ({"months": [0.0, 3.5, np.inf, 12.0, 20.0, 30.0]}, "months", "row 2 (value inf)"),
        ({"died": [1, 0, 2, 1, 0, 0]}, "died", "0 (censored) or 1 (event)"),
        ({"died": [1, 0, 0.5, 1, 0, 0]}, "died", "row 2 (value 0.5)"),
        ({"arm": ["control"] * 6}, "arm", "at least two levels"),
    ],
)
def test_rejections_name_column_and_rows(frame, change, column, fragment):
    with pytest.raises(bs.DataError) as info:
        build(frame.assign(**change))
    message = str(info.value)
    assert repr(column) in message
    assert fragment in message


def test_unknown_reference_lists_levels(frame):
    with pytest.raises(bs.DataError, match=r"reference 'placebo' is not a level of group "
                                           r"column 'arm'.*\['control', 'new'\]"):
        build(frame, reference="placebo")


def test_missing_column_is_named(frame):
    with pytest.raises(bs.DataError, match="the time column 'days' is not in the data"):
        build(frame, time="days")
    with pytest.raises(bs.DataError, match="the covariate column 'age' is not in the data"):
        build(frame, covariates=["age"])


def test_missing_covariate_value_is_named(frame):
    df = frame.assign(meld=[10.5, np.nan, 9.0, 15.5, 11.0, 8.0])
    with pytest.raises(bs.DataError, match=r"column 'meld' has 1 missing value\(s\) at row 1"):
        build(df, covariates=["meld"])


def test_mixed_covariate_is_rejected(frame):
    df = frame.assign(meld=[10.5, "high", 9.0, 15.5, 11.0, 8.0])
    with pytest.raises(bs.DataError, match=r"covariate 'meld' mixes text and numbers; "
                                           r"text at row 1 \(value 'high'\)"):
        build(df, covariates=["meld"])


def test_non_numeric_covariate_dtype_is_rejected(frame):
    df = frame.assign(when=pd.date_range("2020-01-01", periods=6))
    with pytest.raises(bs.DataError, match="column 'when' must be numeric"):
        build(df, covariates=["when"])


def test_constant_covariate_is_rejected(frame):
    with pytest.raises(bs.DataError, match=r"covariate .one. takes the single value 1\.0"):
        build(frame.assign(one=1.0), covariates=["one"])


def test_role_column_cannot_be_covariate(frame):
    with pytest.raises(bs.DataError, match="'arm' is the group column"):
        build(frame, covariates=["arm"])


def test_rejection_messages_use_the_callers_row_labels(frame):
    df = frame.set_index(pd.Index(["p1", "p2", "p3", "p4", "p5", "p6"]))
    with pytest.raises(bs.DataError, match=r"row p5 \(value -1.0\)"):
        build(df.assign(months=[0.0, 3.5, 8.0, 12.0, -1.0, 30.0]))


def test_not_a_frame_and_empty_frame_are_rejected(frame):
    with pytest.raises(bs.DataError, match="must be a pandas DataFrame, got dict"):
        bs.SurvivalData.from_frame(frame.to_dict())
    with pytest.raises(bs.DataError, match="has no rows"):
        build(frame.iloc[:0])


def test_errors_are_value_errors(frame):
    with pytest.raises(ValueError):
        build(frame.assign(died=[3] * 6))


@pytest.mark.parametrize("values", [
    pd.to_datetime(["2020-01-01", "2020-01-01", "2021-01-01", "2021-01-01"]),
    pd.to_timedelta([1, 1, 2, 2], unit="D"),
    pd.Series([pd.Timestamp("2020-01-01"), "b", "a", "b"], dtype=object),
])
def test_dates_as_groups_are_refused(values):
    """A date column passed as group= was encoded (as huge integers, then as timestamps)."""
    df = pd.DataFrame({"time": [1.0, 2.0, 3.0, 4.0], "event": [1, 0, 1, 1], "arm": values})
    with pytest.raises(bs.DataError, match="group column 'arm' holds dates or durations"):
        bs.SurvivalData.from_frame(df)


def test_survival_data_survive_pickling_read_only():
    """Specs run on worker processes receive their checked data pickled: the copy holds the
    same rows and stays read-only."""
    import pickle

    df = bs.datasets.shi2021("death")
    data = bs.SurvivalData.from_frame(df, reference="control", covariates=["meld"])
    copy = pickle.loads(pickle.dumps(data))
    assert np.array_equal(copy.time, data.time) and np.array_equal(copy.covariates,
                                                                   data.covariates)
    assert (copy.groups, copy.covariate_names, copy.reference) == (data.groups,
                                                                    data.covariate_names,
                                                                    data.reference)
    assert not copy.time.flags.writeable
    with pytest.raises(AttributeError, match="immutable"):
        copy.time = None
