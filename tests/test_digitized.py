"""Tests of digitized curves, risk tables, their cleaning and their CSV readers.

Reference values are worked by hand from the inputs written in each test (cleaning is
deterministic); the Kaplan-Meier corners are checked against lifelines'
``KaplanMeierFitter``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.datasets import load_gbsg2

from bayesurv.base.exceptions import BayesurvInputError, DataWarning, DigitizedCurveError
from bayesurv.digitized.clean import nonincreasing_fit
from bayesurv.digitized.curve import DigitizedCurve
from bayesurv.digitized.io import read_curves_csv, read_digitizer_csv, read_risk_table_csv
from bayesurv.digitized.reconstruct import survival_data_from_digitized
from bayesurv.digitized.risk_table import RiskTable
from bayesurv.digitized.simulate import km_step_corners, simulate_digitization


def curve_frame(time, survival, group="A"):
    return pd.DataFrame({"group": group, "time": time, "survival": survival})


def report_row(curve, group, step):
    rep = curve.cleaning_report
    return rep[(rep["group"] == group) & (rep["step"] == step)].iloc[0]


# ---------------------------------------------------------------- construction and scale
def test_percent_is_detected_and_converted():
    df = curve_frame([0, 2, 2, 5], [100, 100, 90, 90])
    curve = DigitizedCurve.from_frame(df)
    assert curve.scale == "percent"
    assert curve.group_points("A")[1].tolist() == [1.0, 1.0, 0.9, 0.9]


def test_declared_scale_that_contradicts_the_values_is_an_error():
    with pytest.raises(DigitizedCurveError, match="look like percentages"):
        DigitizedCurve.from_frame(curve_frame([0, 2], [100, 90]), scale="fraction")
    with pytest.raises(DigitizedCurveError, match="look like fractions"):
        DigitizedCurve.from_frame(curve_frame([0, 2], [1.0, 0.9]), scale="percent")


def test_from_frame_does_not_modify_the_callers_frame():
    df = curve_frame([5, 0, 2, 2], [90, 100, 100, 90])
    before = df.copy()
    DigitizedCurve.from_frame(df)
    pd.testing.assert_frame_equal(df, before)


def test_non_numeric_value_names_column_group_and_row():
    df = pd.DataFrame({"group": ["A", "A", "B"], "time": [0, "x3", 1], "survival": [1, 1, 1]},
                      index=[10, 11, 12])
    with pytest.raises(DigitizedCurveError, match=r"'time'.*group\(s\) \['A'\].*row 11.*'x3'"):
        DigitizedCurve.from_frame(df)


@pytest.mark.parametrize(("time", "message"), [
    (pd.date_range("2020-01-01", periods=4),
     r"column 'time' must hold real numbers; found dates, durations or intervals \(dtype "
     r"datetime64\[ns\]\) in group\(s\) \['A'\] at rows 0, 1, 2, 3 \(values "
     r"Timestamp\('2020-01-01 00:00:00'\)"),
    (pd.to_timedelta([0, 2, 2, 5], unit="D"), r"'time'.*durations.*timedelta64"),
    (np.array([0, 2, 2, 5], dtype=complex),
     r"column 'time' must hold real numbers; found complex numbers \(dtype complex128\).*"
     r"rows 0, 1, 2, 3 \(values 0j, \(2\+0j\)"),
    (pd.Series([0, 2, 2 + 1j, 5], dtype=object),
     r"column 'time' must hold real numbers; found complex numbers in group\(s\) \['A'\] at "
     r"row 2 \(value \(2\+1j\)\)"),
    ([False, True, True, True], r"column 'time' must hold real numbers; found True/False"),
    (pd.Series([0, 2, True, 5], dtype=object), r"found True/False .* at row 2 \(value True\)"),
], ids=["datetime", "timedelta", "complex", "complex-in-object", "bool", "bool-in-object"])
def test_values_with_a_misleading_numeric_form_are_rejected(time, message):
    """Dates would become nanoseconds, 2+1j would become 2 and True would become 1."""
    df = curve_frame([0.0, 2, 2, 5], [1, 1, 0.8, 0.8]).assign(time=time)
    with pytest.raises(DigitizedCurveError, match=message):
        DigitizedCurve.from_frame(df)


def test_column_names_must_be_single_and_unique():
    df = curve_frame([0.0, 2, 2, 5], [1, 1, 0.8, 0.8])
    with pytest.raises(DigitizedCurveError, match=r"the time column name 'time' appears 2 "
                                                  r"times; column names must be unique"):
        DigitizedCurve.from_frame(pd.concat([df, df[["time"]]], axis=1))
    with pytest.raises(DigitizedCurveError, match=r"the group column name 'group' appears 2"):
        DigitizedCurve.from_frame(pd.concat([df, df[["group"]]], axis=1))
    with pytest.raises(DigitizedCurveError, match=r"the time column must be given by its name, "
                                                  r"got \['time'\]"):
        DigitizedCurve.from_frame(df, time=["time"])
    with pytest.raises(DigitizedCurveError, match=r"the group column must be given by its name"):
        DigitizedCurve.from_frame(df, group=["group"])
    with pytest.raises(DigitizedCurveError, match=r"the survival column 'surv' is missing"):
        DigitizedCurve.from_frame(df, survival="surv")
    risk = pd.DataFrame({"group": "A", "time": [0, 4], "n_at_risk": [10, 8]})
    with pytest.raises(DigitizedCurveError, match=r"risk table: the numbers-at-risk column name "
                                                  r"'n_at_risk' appears 2 times"):
        RiskTable.from_frame(pd.concat([risk, risk[["n_at_risk"]]], axis=1))


def test_group_names_must_be_unambiguous():
    df = curve_frame([0.0, 2, 0, 2], [1, 0.8, 1, 0.9])
    with pytest.raises(DigitizedCurveError, match=r"group column 'group' has labels that are one "
                                                  r"value written differently.*rows 0, 2 "
                                                  r"\(values 1, '1'\)"):
        DigitizedCurve.from_frame(df.assign(group=pd.Series([1, 1, "1", "1"], dtype=object)))
    with pytest.raises(DigitizedCurveError, match=r"rows 0, 2 \(values 1, 1.0\)"):
        DigitizedCurve.from_frame(df.assign(group=pd.Series([1, 1, 1.0, 1.0], dtype=object)))
    with pytest.raises(DigitizedCurveError, match=r"must hold single names.*containers at rows "
                                                  r"0, 1, 2, 3"):
        DigitizedCurve.from_frame(df.assign(group=pd.Series([["a"]] * 4, dtype=object)))
    # plain numbers or plain text are fine
    assert DigitizedCurve.from_frame(df.assign(group=[1, 1, 2, 2])).groups == ("1", "2")


@pytest.mark.parametrize(("time", "survival", "message"), [
    (["0", "two"], [1, 1], r"column 'time' must hold finite numbers; found other values in "
                           r"group\(s\) \['curve'\] at row 1 \(value 'two'\)"),
    ([0, 1], [1, 0.5 + 1j], r"column 'survival' must hold real numbers; found complex"),
    ([[0, 1], [2, 3]], [1, 1, 1, 1], r"group 'curve': time must be a one-dimensional sequence "
                                     r"of numbers \(shape \(2, 2\)\)"),
    ([[0, 1], [2]], [1, 1, 1], r"time must be a one-dimensional sequence of numbers, got"),
    ("0123", [1, 1, 1, 1], r"time must be a sequence of numbers, got '0123'"),
    (5.0, [1], r"time must be a sequence of numbers, got 5.0"),
    ([0, 1, 2], [1, 0.9], r"time has 3 values but survival has 2"),
])
def test_from_points_rejects_what_is_not_two_sequences_of_numbers(time, survival, message):
    with pytest.raises(DigitizedCurveError, match=message):
        DigitizedCurve.from_points(time, survival)


def test_digitized_curve_error_is_a_value_error():
    assert issubclass(DigitizedCurveError, BayesurvInputError)
    assert issubclass(DigitizedCurveError, ValueError)


# ---------------------------------------------------------------- cleaning steps
def test_sort_origin_and_clip_are_reported():
    # unsorted, no point at time 0, one value slightly above 1 and one slightly below 0
    df = curve_frame([4.0, 1.0, 1.0, 8.0, 8.0], [0.5, 1.02, 0.5, 0.5, -0.01])
    curve = DigitizedCurve.from_frame(df)
    t, s = curve.group_points("A")
    assert t.tolist() == [0.0, 1.0, 1.0, 4.0, 8.0, 8.0]
    assert s.tolist() == [1.0, 1.0, 0.5, 0.5, 0.5, 0.0]
    assert report_row(curve, "A", "sort")["points"] == 3  # the first three change place
    assert report_row(curve, "A", "clip")["points"] == 2
    assert report_row(curve, "A", "clip")["max_change"] == pytest.approx(0.02)
    assert report_row(curve, "A", "origin")["detail"] == "point (0, 1) added"


def test_survival_at_time_zero_is_set_to_one():
    curve = DigitizedCurve.from_frame(curve_frame([0.0, 3.0, 3.0], [0.97, 0.97, 0.8]))
    assert curve.group_points("A")[1][0] == 1.0
    assert report_row(curve, "A", "origin")["max_change"] == pytest.approx(0.03)


def test_nonincreasing_fit_pools_adjacent_violators():
    """Least squares under the order constraint: (0.8 + 0.9) / 2 = 0.85 for the violators."""
    fit = nonincreasing_fit(np.array([1.0, 0.8, 0.9, 0.5]))
    assert fit.tolist() == pytest.approx([1.0, 0.85, 0.85, 0.5], abs=1e-15)
    y = np.array([1.0, 0.6, 0.7, 0.8, 0.2])
    assert nonincreasing_fit(y).tolist() == pytest.approx([1.0, 0.7, 0.7, 0.7, 0.2])


def test_monotone_step_warns_with_count_and_size():
    # a rise of 0.01 from 0.80 to 0.81 on a flat part: both become 0.805
    df = curve_frame([0, 2, 2, 5, 9], [1.0, 1.0, 0.80, 0.81, 0.81])
    with pytest.warns(DataWarning, match=r"3 of 5 points moved.*largest move 0.0067"):
        curve = DigitizedCurve.from_frame(df)
    s = curve.group_points("A")[1]
    assert s[2:].tolist() == pytest.approx([0.8067, 0.8067, 0.8067], abs=1e-4)
    row = report_row(curve, "A", "monotone")
    assert row["points"] == 3
    assert row["max_change"] == pytest.approx((0.80 + 0.81 + 0.81) / 3 - 0.80)


def test_no_warning_for_a_clean_curve():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curve = DigitizedCurve.from_frame(curve_frame([0, 2, 2, 5], [1, 1, 0.8, 0.8]))
    assert report_row(curve, "A", "monotone")["detail"] == "already non-increasing"


def test_isolated_spike_is_removed_but_swapped_corners_are_kept():
    # a click on another curve at t=4 (0.95 among 0.8s) is an isolated spike
    df = curve_frame([0, 2, 2, 4, 6, 6, 9], [1, 1, 0.8, 0.95, 0.8, 0.6, 0.6])
    with pytest.warns(DataWarning, match=r"group 'A': removed 1 isolated spike\(s\).*: row 3 "
                                         r"at time 4 \(survival 0.95, 0.15 above both "
                                         r"neighbours\)") as caught:
        curve = DigitizedCurve.from_frame(df)
    assert caught[0].filename == __file__  # attributed to the caller's line
    t, s = curve.group_points("A")
    assert 4.0 not in t.tolist() and s.tolist() == [1, 1, 0.8, 0.8, 0.6, 0.6]
    assert report_row(curve, "A", "spikes")["points"] == 1
    # corners of the step at 6 whose x coordinates are swapped (bottom 5.99, top 6.01):
    # both are put back in order at their mean time and nothing is removed
    df = curve_frame([0, 2, 2, 5.99, 6.01, 9], [1, 1, 0.8, 0.6, 0.8, 0.6])
    curve = DigitizedCurve.from_frame(df)
    t, s = curve.group_points("A")
    assert t.tolist() == pytest.approx([0, 2, 2, 6.0, 6.0, 9])
    assert s.tolist() == [1, 1, 0.8, 0.8, 0.6, 0.6]
    assert report_row(curve, "A", "spikes")["points"] == 0
    assert report_row(curve, "A", "steps")["points"] == 2


def test_each_removed_spike_is_warned_about_with_time_and_size():
    """A dip 0.09 below both neighbours at t=3 (isolated) and, in group B, six clicks 0.2
    above both neighbours (at t = 3, 5, ..., 13; the one at t=1 is below the start at 1):
    the warning lists the first five and counts the rest."""
    dip = curve_frame([0, 1, 2, 2, 3, 4, 6], [1, 1, 1, 0.9, 0.81, 0.9, 0.9])
    dip.index = [10, 11, 12, 13, 14, 15, 16]
    with pytest.warns(DataWarning, match=r"removed 1 isolated spike\(s\).*row 14 at time 3 "
                                         r"\(survival 0.81, 0.09 below both neighbours\)"):
        curve = DigitizedCurve.from_frame(dip)
    assert 3.0 not in curve.group_points("A")[0].tolist()
    times = np.arange(15.0)
    survival = np.where(times % 2 == 1, 0.8, 0.6)
    survival[0] = 1.0
    with pytest.warns(DataWarning, match=r"group 'B': removed 6 isolated spike\(s\).*: row 3 "
                                         r"at time 3 \(survival 0.8, 0.2 above both neighbours\)"
                                         r".*; row 11 at time 11 .* and 1 more; they are listed"):
        curve = DigitizedCurve.from_frame(curve_frame(times, survival, group="B"))
    assert report_row(curve, "B", "spikes")["points"] == 6


def test_flat_segments_between_captured_steps_are_levelled():
    # bottom of the step at 2 read at 0.802 and top of the step at 5 at 0.798: one level
    df = curve_frame([0, 2, 2, 5, 5, 9], [1, 1, 0.802, 0.798, 0.6, 0.6])
    curve = DigitizedCurve.from_frame(df)
    assert curve.group_points("A")[1].tolist() == pytest.approx([1, 1, 0.8, 0.8, 0.6, 0.6])
    assert report_row(curve, "A", "flats")["points"] == 2


def test_cumulative_incidence_curve_is_rejected():
    df = curve_frame([0, 2, 2, 5, 5, 9], [0.0, 0.0, 0.1, 0.1, 0.3, 0.3])
    with pytest.raises(DigitizedCurveError, match=r"group 'A'.*starts near 1.*1 - y"):
        DigitizedCurve.from_frame(df)
    # starting high enough, but rising all the way
    df = curve_frame([0, 1, 2, 3, 4, 5, 6], [0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 0.95])
    with pytest.raises(DigitizedCurveError, match="mostly increasing"):
        DigitizedCurve.from_frame(df)


def test_large_rise_is_rejected_naming_the_row():
    # a stretch read 0.25 too high (not a spike): pooling 0.6, 0.6, 0.85, 0.85 to 0.725
    # would move points by 0.125
    df = curve_frame([0, 2, 2, 4, 5, 6, 7, 9], [1, 1, 0.6, 0.6, 0.85, 0.85, 0.5, 0.5],
                     group="B")
    df.index = [101, 102, 103, 104, 105, 106, 107, 108]
    with pytest.raises(DigitizedCurveError, match=r"group 'B'.*more than 0.1.*row 103"):
        DigitizedCurve.from_frame(df)


def test_out_of_range_values_are_errors_not_clipped():
    with pytest.raises(DigitizedCurveError, match=r"\[0, 1\].*row 1 \(value 1.3\)"):
        DigitizedCurve.from_frame(curve_frame([0, 2], [1.0, 1.3]))
    with pytest.raises(DigitizedCurveError, match="must not be negative"):
        DigitizedCurve.from_frame(curve_frame([0, -5, 10], [1.0, 0.9, 0.8]))


# ---------------------------------------------------------------- risk tables
def test_risk_table_sorted_and_typed():
    df = pd.DataFrame({"group": ["A", "A", "A"], "time": [12, 0, 24],
                       "n_at_risk": [80.0, 100.0, 61.0]})
    rt = RiskTable.from_frame(df)
    t, n = rt.group_table("A")
    assert t.tolist() == [0, 12, 24] and n.tolist() == [100, 80, 61]
    assert n.dtype == np.int64


def test_increasing_risk_table_is_rejected_naming_group_and_times():
    df = pd.DataFrame({"group": "B", "time": [0, 12, 24], "n_at_risk": [100, 80, 85]})
    with pytest.raises(DigitizedCurveError,
                       match=r"group 'B'.*must not increase.*80 at time 12 to 85 at time 24"):
        RiskTable.from_frame(df)


@pytest.mark.parametrize(("times", "counts", "message"), [
    ([6, 12], [100, 80], "needs a row at time 0"),
    ([0, 12, 12], [100, 80, 70], "time 12 appears more than once"),
    ([0, 12], [100, 80.5], "whole numbers"),
    ([0, -1], [100, 80], "must not be negative"),
])
def test_invalid_risk_tables(times, counts, message):
    df = pd.DataFrame({"group": "A", "time": times, "n_at_risk": counts})
    with pytest.raises(DigitizedCurveError, match=message):
        RiskTable.from_frame(df)


@pytest.mark.parametrize(("counts", "message"), [
    ([1e19, 8], r"column 'n_at_risk' must hold whole numbers >= 0 \(at most 9007199254740991\); "
                r"found row 0 \(value 1e\+19\)"),
    (np.array([2**63 + 5, 8], dtype=np.uint64), r"found row 0 \(value 9223372036854775813\)"),
    ([2**53, 8], r"found row 0 \(value 9007199254740992\)"),
    ([10.5, 8], r"whole numbers >= 0.*found row 0 \(value 10.5\)"),
    ([True, False], r"column 'n_at_risk' must hold real numbers; found True/False"),
])
def test_numbers_at_risk_out_of_range_are_rejected(counts, message):
    """1e19 used to overflow int64 into -9223372036854775808 without a word."""
    df = pd.DataFrame({"group": "A", "time": [0, 4], "n_at_risk": counts})
    with pytest.raises(DigitizedCurveError, match=message):
        RiskTable.from_frame(df)


def test_largest_number_at_risk_is_kept_exactly():
    """2**53 - 1 is the largest whole number a float64 holds with all its neighbours."""
    df = pd.DataFrame({"group": "A", "time": [0, 4], "n_at_risk": [2**53 - 1, 8]})
    assert RiskTable.from_frame(df).group_table("A")[1].tolist() == [2**53 - 1, 8]
    with pytest.raises(DigitizedCurveError, match=r"group 'A' must be a whole number >= 1 \(at "
                                                  r"most 9007199254740991\), got 10{20}"):
        RiskTable.at_start({"A": 10**20})


def test_at_start_builds_a_time_zero_table():
    rt = RiskTable.at_start({"A": 120, "B": 118})
    assert rt.table[["group", "time", "n_at_risk"]].to_numpy().tolist() == [
        ["A", 0.0, 120], ["B", 0.0, 118]]
    with pytest.raises(DigitizedCurveError, match="whole number >= 1"):
        RiskTable.at_start({"A": 0})


# ---------------------------------------------------------------- readers
def test_digitizer_csv_with_names_and_ragged_columns(tmp_path):
    f = tmp_path / "fig3.csv"
    f.write_text("Control,,UC-MSC,\nX,Y,X,Y\n0,100,0,100\n5,100,6,100\n5,80,6,90\n"
                 "9,80,12,90\n,,15,90\n")
    curve = read_digitizer_csv(f)
    assert curve.groups == ("Control", "UC-MSC")
    assert curve.scale == "percent"
    assert curve.group_points("Control")[0].tolist() == [0, 5, 5, 9]
    assert curve.group_points("UC-MSC")[1].tolist() == [1, 1, 0.9, 0.9, 0.9]
    assert curve.source == "fig3.csv"


def test_digitizer_csv_single_curve_without_header(tmp_path):
    f = tmp_path / "arm_b.csv"
    f.write_text("0.0,1.0\n3.5,1.0\n3.5,0.75\n7.0,0.75\n")
    curve = read_digitizer_csv(f)
    assert curve.groups == ("arm_b",) and curve.scale == "fraction"
    curve = read_digitizer_csv(f, groups=["B"], scale="fraction")
    assert curve.groups == ("B",)
    f.write_text("x,y\n0.0,1.0\n3.5,0.75\n")
    assert read_digitizer_csv(f).group_points("arm_b")[0].tolist() == [0.0, 3.5]


def test_digitizer_csv_errors_name_file_curve_line_value(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("A,,B,\nX,Y,X,Y\n0,100,0,100\n4,9O,5,90\n")
    with pytest.raises(DigitizedCurveError, match=r"bad.csv.*curve 'A', line 4: Y.*'9O'"):
        read_digitizer_csv(f)
    f.write_text("A,,B,\nX,Y,X,Y\n0,100,0,100\n4,,5,90\n")
    with pytest.raises(DigitizedCurveError, match=r"curve 'A', line 4: a point needs both"):
        read_digitizer_csv(f)
    f.write_text("0,1,2\n1,1,2\n")
    with pytest.raises(DigitizedCurveError, match="even number of columns"):
        read_digitizer_csv(f)
    f.write_text("0,1\n1,0.9\n")
    with pytest.raises(DigitizedCurveError, match="2 group names given"):
        read_digitizer_csv(f, groups=["A", "B"])


def test_tidy_readers_with_comments_and_line_numbers(tmp_path):
    curves = tmp_path / "curves.csv"
    curves.write_text("# synthetic example\ngroup,time,survival\nA,0,1\nA,3,0.8\nB,0,1\n"
                      "B,4,x\n")
    with pytest.raises(DigitizedCurveError, match=r"curves.csv.*row 6.*'x'"):
        read_curves_csv(curves)
    curves.write_text("# synthetic example\ngroup,time,survival\nA,0,1\nA,3,0.8\nB,0,1\n"
                      "B,4,0.9\n")
    assert read_curves_csv(curves).groups == ("A", "B")
    risk = tmp_path / "risk.csv"
    risk.write_text("group,time,n_at_risk\nA,0,50\nA,12,31\nB,0,49\nB,12,40\n")
    rt = read_risk_table_csv(risk)
    assert rt.groups == ("A", "B") and rt.group_table("B")[1].tolist() == [49, 40]


READERS = [read_digitizer_csv, read_curves_csv, read_risk_table_csv]


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
@pytest.mark.parametrize(("content", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"not a text file \(NUL byte at byte 8\)"),
    ("group,time\nbras \u00e9,0\n".encode("latin-1"),
     r"not UTF-8 text \(byte 0xe9 on line 2 cannot be decoded\); save it as UTF-8"),
    ("group,time,survival\nA,0,1\n".encode("utf-16"), r"looks like UTF-16 text"),
    (b"", r"the file is empty"),
    (b"\n  \n", r"the file is empty"),
], ids=["png", "latin-1", "utf-16", "empty", "blank"])
def test_readers_refuse_files_that_are_not_utf8_text(tmp_path, reader, content, message):
    path = tmp_path / "figure.csv"
    path.write_bytes(content)
    with pytest.raises(DigitizedCurveError, match=r"\(file figure.csv\): .*" + message):
        reader(path)


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_readers_leave_a_missing_file_to_the_os_error(tmp_path, reader):
    with pytest.raises(FileNotFoundError):
        reader(tmp_path / "missing.csv")


def test_reader_edge_cases_are_named_errors(tmp_path):
    path = tmp_path / "km.csv"
    path.write_text("# only a comment\n")
    with pytest.raises(DigitizedCurveError, match=r"km.csv\): the file is empty \(only comment"):
        read_curves_csv(path)
    path.write_text("group,time,n_at_risk\n")
    with pytest.raises(DigitizedCurveError, match=r"risk table \(file km.csv\): has no rows"):
        read_risk_table_csv(path)
    path.write_text("0," + "1" * 200_000 + "\n")  # longer than the csv module's field limit
    with pytest.raises(DigitizedCurveError, match=r"km.csv\): cannot be read as CSV: field "
                                                  r"larger than field limit"):
        read_digitizer_csv(path)


# ---------------------------------------------------------------- simulated digitizer
def test_km_step_corners_match_lifelines():
    df = load_gbsg2()
    corners = km_step_corners(df["time"], df["cens"])
    km = KaplanMeierFitter().fit(df["time"], df["cens"]).survival_function_.iloc[:, 0]
    # every bottom corner is lifelines' estimate at that time (same product-limit formula)
    bottoms = corners.iloc[2::2]
    assert np.allclose(bottoms["survival"], km.loc[bottoms["time"]].to_numpy(), atol=1e-12)
    assert corners["time"].iloc[-1] == df["time"].max()
    assert len(corners) == 2 * df.loc[df["cens"] == 1, "time"].nunique() + 2


def test_simulated_digitization_exact_and_noisy():
    corners = km_step_corners([1, 2, 2, 3, 5], [1, 0, 1, 1, 0])
    exact = simulate_digitization(corners, x_max=10)
    assert np.allclose(exact.to_numpy(), corners.to_numpy())
    # y noise of 1 pixel on a 600-pixel axis has standard deviation 1/600 in survival;
    # 2000 points estimate it within 1.6% (standard error 1/sqrt(2 n)), so 6% is 4 s.e.
    flat = pd.DataFrame({"time": np.linspace(0, 10, 2000), "survival": 0.5})
    noisy = simulate_digitization(flat, noise_px=1.0, x_max=10, rng=3)
    assert noisy["survival"].std() * 600 == pytest.approx(1.0, rel=0.06)
    sparse = simulate_digitization(km_step_corners(load_gbsg2()["time"],
                                                   load_gbsg2()["cens"]), n_points=60)
    assert 50 <= len(sparse) <= 60  # corners nearest to 60 evenly spaced targets, merged
    dropped = simulate_digitization(corners, drop_fraction=0.5, rng=1)
    assert dropped.iloc[0].tolist() == [0.0, 1.0] and dropped["time"].iloc[-1] == 5.0


def test_simulated_digitization_rejects_bad_arguments():
    corners = km_step_corners([1, 2], [1, 1])
    with pytest.raises(BayesurvInputError, match="x_max"):
        simulate_digitization(corners, x_max=1.0)
    with pytest.raises(BayesurvInputError, match="drop_fraction"):
        simulate_digitization(corners, drop_fraction=1.0)


# ---------------------------------------------------------------- to SurvivalData
def test_survival_data_from_digitized_runs_through_from_frame():
    pts = pd.DataFrame({"group": ["ctl"] * 4 + ["new"] * 4, "time": [0, 2, 2, 6] * 2,
                        "survival": [1, 1, 0.5, 0.5, 1, 1, 0.75, 0.75]})
    data = survival_data_from_digitized(pts, risk_tables={"ctl": 4, "new": 4},
                                        total_events={"ctl": 2, "new": 1}, reference="ctl",
                                        time_unit="weeks")
    assert data.source == "reconstructed from digitized curves"
    assert data.groups == ("ctl", "new") and data.time_unit == "weeks"
    summary = data.summary().set_index("group")
    assert summary.loc["ctl", "events"] == 2 and summary.loc["new", "events"] == 1
