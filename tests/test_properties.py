"""Property-based tests: every input either loads correctly or raises a bayesurv error.

Generated messy inputs (mixed dtypes, missing and non-finite values, unsorted or duplicated
points, percentages, curves that rise, risk tables that increase or run past the curve,
odd model arguments) go through the public entry points.  The properties:

- the result is valid, or the error is a :class:`bayesurv.BayesurvInputError` (never a
  ``TypeError``, ``KeyError``, ``IndexError``... from deep inside);
- nothing is dropped or changed silently: a loaded object has exactly the caller's rows and
  values, and the caller's DataFrame is left as it was;
- the only warnings are bayesurv's own (no NumPy overflow or pandas warnings leak out).

Examples are derandomized (a fixed seed per test), so the suite is reproducible.
"""

from __future__ import annotations

import copy
import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import bayesurv as bs
from bayesurv.digitized.curve import DigitizedCurve, RiskTable
from bayesurv.digitized.reconstruct import END_SLACK, reconstruct_ipd


def property_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def outcome(call, describe: str):
    """Run ``call()``: return its result, or None when it raised a bayesurv input error.

    Any other exception, or a warning that is not a bayesurv warning, fails the test with
    the input described, so a failing example is readable without re-running it.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except bs.BayesurvInputError as exc:
            assert str(exc), f"empty error message for {describe}"
            event(f"rejected: {type(exc).__name__}")
            result = None
        except Exception as exc:  # the property under test: nothing else may escape
            pytest.fail(f"{type(exc).__name__} escaped ({exc}) for input:\n{describe}")
    if result is not None:
        event("accepted")
    foreign = [w for w in caught if not issubclass(w.category, bs.BayesurvWarning)]
    assert not foreign, (f"non-bayesurv warning {foreign[0].category.__name__}: "
                         f"{foreign[0].message} for input:\n{describe}")
    return result


def show(df: pd.DataFrame, **kwargs) -> str:
    """The frame with its dtypes and the call's arguments, for failure messages."""
    with pd.option_context("display.max_columns", 20, "display.width", 200):
        return f"{df!r}\ndtypes: {dict(df.dtypes.astype(str))}\narguments: {kwargs!r}"


# ---------------------------------------------------------------------- patient rows
VALUES = {
    "time": st.floats(0, 1e4, allow_subnormal=False),
    "float": st.floats(allow_nan=True, allow_infinity=True),
    "extreme": st.sampled_from([1e308, -1e308, 1e-308, 0.0, -0.0, 5e307, np.nan]),
    "int": st.integers(-3, 60),
    "binary": st.sampled_from([0, 1]),
    "bool": st.booleans(),
    "label": st.sampled_from(["control", "treated", "other"]),
    "text": st.text(max_size=3),
    "number_text": st.sampled_from(["1", "0", "2.5", " 3", "x", ""]),
    "none": st.none(),
    "mixed": st.one_of(st.floats(-5, 5), st.integers(-2, 2), st.sampled_from(["a", "1", ""]),
                       st.none(), st.booleans()),
    "container": st.sampled_from([[1], (1, 2), {"a": 1}]),
    "exotic": st.sampled_from([Decimal("1.5"), 1 + 2j, b"1", pd.Timestamp("2020-01-01"),
                               pd.Timedelta(days=3), pd.NaT, pd.NA, np.int8(1),
                               np.float32(2.5)]),
}
WRAPPERS = ("infer", "object", "category", "nullable")


def as_series(values: list, wrapper: str) -> pd.Series:
    if wrapper == "object":
        return pd.Series(values, dtype=object)
    if wrapper == "category":
        try:
            return pd.Series(values, dtype=object).astype("category")
        except TypeError:  # unhashable values cannot be categories
            return pd.Series(values, dtype=object)
    series = pd.Series(values) if values else pd.Series(values, dtype=float)
    if wrapper == "nullable":
        try:
            with warnings.catch_warnings():  # pandas' own cast warnings while converting
                warnings.simplefilter("ignore", RuntimeWarning)
                return series.convert_dtypes()
        except (TypeError, ValueError):
            return series
    return series


CORRUPTIONS = ("time", "event", "arm", "wrapper", "roles", "reference", "covariates")


@st.composite
def column(draw, n: int, kind: str, wrapper: str):
    values = draw(st.lists(VALUES[kind], min_size=n, max_size=n))
    return as_series(values, wrapper)


@st.composite
def patient_frames(draw):
    """A frame and from_frame arguments: well formed but for a few random corruptions."""
    n = draw(st.integers(0, 9))
    broken = draw(st.sets(st.sampled_from(CORRUPTIONS), max_size=3))
    any_kind = st.sampled_from(sorted(VALUES))
    good = {"time": "time", "event": draw(st.sampled_from(["binary", "bool"])), "arm": "label",
            "x": draw(any_kind), "y": draw(any_kind)}
    kinds = {name: draw(any_kind) if name in broken else kind for name, kind in good.items()}
    good_wrappers = {"time": st.sampled_from(["infer", "object", "nullable"]),
                     "event": st.sampled_from(["infer", "object", "nullable"]),
                     "arm": st.sampled_from(WRAPPERS)}
    columns = {}
    for name, kind in kinds.items():
        wrappers = (st.sampled_from(WRAPPERS) if "wrapper" in broken or name not in good_wrappers
                    else good_wrappers[name])
        columns[name] = draw(column(n, kind, draw(wrappers)))
    index = draw(st.sampled_from([
        pd.RangeIndex(n),
        pd.Index(list(range(10 + n, 10, -1))),
        pd.Index([f"p{i}" for i in range(n)]),
        pd.Index([i // 2 for i in range(n)]),
    ]))
    df = pd.DataFrame(index=index)
    for name, series in columns.items():  # each column keeps the dtype it was generated with
        df[name] = pd.Series(series.array, index=index)
    role = st.sampled_from([*columns, "absent"])
    roles = {"time": "time", "event": "event", "group": "arm"}
    if "roles" in broken:
        roles = {key: draw(role) for key in roles}
    reference = draw(st.sampled_from([None, "control", "treated"]))
    if "reference" in broken:
        reference = draw(st.sampled_from(["zzz", 1, True, np.nan, "other"]))
    covariates = draw(st.sampled_from([None, ["x"], ["y"], ["x", "y"]]))
    if "covariates" in broken:
        covariates = draw(st.sampled_from([["arm"], ["absent"], "x", ["x", "x"], 3, [["x"]]]))
    kwargs = roles | {"reference": reference, "covariates": covariates}
    return df, kwargs


def names_reference(name: str, reference) -> bool:
    """Whether the group named ``name`` is what the caller meant by ``reference``."""
    if name == str(reference):
        return True
    if isinstance(reference, bool | str):
        return False
    try:
        return float(name) == float(reference)  # e.g. level 1.0 for reference=1
    except ValueError:
        return False


def expected_numbers(series: pd.Series) -> np.ndarray:
    """What the caller's column says, as numbers (Python's own reading of each value)."""
    return np.array([float(v) for v in series.astype(object)])


@property_settings(400)
@given(patient_frames())
def test_patient_rows_load_exactly_or_raise_a_bayesurv_error(case):
    df, kwargs = case
    before = copy.deepcopy(df)
    data = outcome(lambda: bs.SurvivalData.from_frame(df, **kwargs), show(df, **kwargs))
    pd.testing.assert_frame_equal(df, before)  # the caller's frame is never modified
    if data is None:
        return
    describe = show(df, **kwargs)
    assert len(data) == len(df), describe
    assert data.row_labels.equals(df.index), describe
    np.testing.assert_array_equal(data.time, expected_numbers(df[kwargs["time"]]),
                                  err_msg=describe)
    np.testing.assert_array_equal(data.event, expected_numbers(df[kwargs["event"]]),
                                  err_msg=describe)
    assert (data.group == df[kwargs["group"]].astype(object).map(str).to_numpy()).all(), describe
    if kwargs["reference"] is not None:
        assert names_reference(data.reference, kwargs["reference"]), describe
    assert np.isfinite(data.covariates).all(), describe
    assert data.covariates.shape == (len(df), len(data.covariate_names)), describe


# ---------------------------------------------------------------------- digitized curves
@st.composite
def km_points(draw, group: str):
    """Corners of a Kaplan-Meier step curve as a digitizer would click them."""
    steps = draw(st.integers(1, 6))
    times = np.cumsum(draw(st.lists(st.floats(0.1, 10), min_size=steps, max_size=steps)))
    drops = draw(st.lists(st.floats(0.0, 0.2), min_size=steps, max_size=steps))
    levels = np.clip(1.0 - np.cumsum(drops), 0.0, 1.0)
    t, s = [0.0], [1.0]
    for time, before, after in zip(times, np.r_[1.0, levels[:-1]], levels, strict=True):
        t += [float(time), float(time)]
        s += [float(before), float(after)]
    end = float(times[-1] + draw(st.floats(0.0, 5.0)))
    t.append(end)
    s.append(s[-1])
    return pd.DataFrame({"group": group, "time": t, "survival": s})


MESSES = ("shuffle", "duplicate", "percent", "noise", "rise", "nan", "negative_time",
          "above_one", "drop_origin", "text_value")


@st.composite
def messy_curves(draw):
    groups = draw(st.sampled_from([["A"], ["A", "B"], ["A", "B", "C"]]))
    df = pd.concat([draw(km_points(g)) for g in groups], ignore_index=True)
    messes = draw(st.sets(st.sampled_from(MESSES), max_size=3))
    rows = st.integers(0, len(df) - 1)
    if "drop_origin" in messes:
        df = df[df["time"] > 0].reset_index(drop=True)
        rows = st.integers(0, max(len(df) - 1, 0))
    if "duplicate" in messes and len(df):
        df = pd.concat([df, df.iloc[[draw(rows)]]], ignore_index=True)
    if "noise" in messes:
        noise = draw(st.lists(st.floats(-0.02, 0.02), min_size=len(df), max_size=len(df)))
        df["survival"] = df["survival"] + np.asarray(noise)
    if "rise" in messes and len(df) > 2:
        i = draw(st.integers(1, len(df) - 2))
        df.loc[i:, "survival"] = df.loc[i:, "survival"][::-1].to_numpy()
    if "above_one" in messes and len(df):
        df.loc[draw(rows), "survival"] = draw(st.sampled_from([1.02, 1.2, 3.0]))
    if "percent" in messes:
        df["survival"] = df["survival"] * 100
    if "nan" in messes and len(df):
        df.loc[draw(rows), draw(st.sampled_from(["time", "survival", "group"]))] = np.nan
    if "negative_time" in messes and len(df):
        df.loc[draw(rows), "time"] = -draw(st.floats(0.001, 5.0))
    if "text_value" in messes and len(df):
        df = df.astype({"survival": object})
        df.loc[draw(rows), "survival"] = draw(st.sampled_from(["0.5", "n/a", ""]))
    if "shuffle" in messes:
        df = df.iloc[draw(st.permutations(list(range(len(df)))))]
    return df, sorted(messes)


def check_curve(curve: DigitizedCurve, df: pd.DataFrame, describe: str) -> None:
    """A cleaned curve is a survival curve: from (0, 1), sorted, non-increasing, in [0, 1]."""
    assert set(curve.groups) == set(df["group"].astype(str)), describe
    for g in curve.groups:
        t, s = curve.group_points(g)
        assert t[0] == 0.0 and s[0] == 1.0, describe
        assert (np.diff(t) >= 0).all(), describe
        assert (np.diff(s) <= 1e-12).all(), describe
        assert ((s >= 0) & (s <= 1)).all(), describe
    assert len(curve.raw) == len(df), describe  # every given point is kept in the raw copy


@property_settings(250)
@given(messy_curves())
def test_digitized_curves_clean_or_raise_a_bayesurv_error(case):
    df, messes = case
    before = copy.deepcopy(df)
    describe = show(df, messes=messes)
    curve = outcome(lambda: DigitizedCurve.from_frame(df), describe)
    pd.testing.assert_frame_equal(df, before)
    if curve is not None:
        check_curve(curve, df, describe)


@st.composite
def messy_risk_tables(draw, groups, end: float):
    """Numbers at risk under the curve, possibly increasing, late, duplicated or partial."""
    parts = []
    for g in groups:
        k = draw(st.integers(0, 3))
        times = sorted(draw(st.lists(st.floats(0.5, max(end, 0.6)), min_size=k, max_size=k,
                                     unique=True)))
        n0 = draw(st.integers(1, 60))
        counts = [n0]
        for _ in times:
            counts.append(max(counts[-1] - draw(st.integers(0, 15)), 0))
        parts.append(pd.DataFrame({"group": g, "time": [0.0, *times], "n_at_risk": counts}))
    df = pd.concat(parts, ignore_index=True)
    messes = draw(st.sets(st.sampled_from(["increase", "late", "no_zero", "duplicate",
                                           "fraction", "negative", "extra_group"]),
                          max_size=2))
    rows = st.integers(0, len(df) - 1)
    if "increase" in messes:
        df.loc[draw(rows), "n_at_risk"] += draw(st.integers(1, 20))
    if "late" in messes:
        df.loc[draw(rows), "time"] = end * draw(st.sampled_from([1.005, 1.5, 10.0]))
    if "duplicate" in messes:
        df = pd.concat([df, df.iloc[[draw(rows)]]], ignore_index=True)
        rows = st.integers(0, len(df) - 1)
    if "fraction" in messes:
        df["n_at_risk"] = df["n_at_risk"].astype(float)
        df.loc[draw(rows), "n_at_risk"] = 10.5
    if "negative" in messes:
        df.loc[draw(rows), draw(st.sampled_from(["time", "n_at_risk"]))] = -1
    if "extra_group" in messes:
        df = pd.concat([df, pd.DataFrame({"group": ["Z"], "time": [0.0], "n_at_risk": [5]})])
    if "no_zero" in messes:
        df = df[df["time"] > 0]
    return df.reset_index(drop=True), sorted(messes)


@st.composite
def reconstruction_inputs(draw):
    curve_df, curve_messes = draw(messy_curves())
    groups = sorted(set(curve_df["group"].dropna().astype(str))) or ["A"]
    times = pd.to_numeric(curve_df["time"], errors="coerce")
    end = float(np.nanmax(times)) if times.notna().any() else 1.0
    risk_df, risk_messes = draw(messy_risk_tables(groups, end))
    total = draw(st.one_of(st.none(), st.dictionaries(st.sampled_from(groups),
                                                      st.integers(0, 40), max_size=3)))
    return curve_df, curve_messes, risk_df, risk_messes, total


@property_settings(200)
@given(reconstruction_inputs())
def test_risk_tables_and_reconstruction_are_valid_or_raise_a_bayesurv_error(case):
    curve_df, curve_messes, risk_df, risk_messes, total = case
    describe = (f"curve {show(curve_df, messes=curve_messes)}\nrisk table "
                f"{show(risk_df, messes=risk_messes)}\ntotal_events={total!r}")
    risk_before = copy.deepcopy(risk_df)
    table = outcome(lambda: RiskTable.from_frame(risk_df), describe)
    pd.testing.assert_frame_equal(risk_df, risk_before)
    if table is not None:
        for g in table.groups:
            t, n = table.group_table(g)
            assert t[0] == 0 and (np.diff(t) > 0).all() and (np.diff(n) <= 0).all(), describe
    curve = outcome(lambda: DigitizedCurve.from_frame(curve_df), describe)
    if curve is None or table is None:
        return
    ipd = outcome(lambda: reconstruct_ipd(curve, table, total_events=total), describe)
    if ipd is None:
        return
    assert list(ipd.columns[:3]) == ["time", "event", "group"], describe
    assert set(ipd["event"].unique()) <= {0, 1}, describe
    longest = max(curve.end_time(g) for g in curve.groups)
    assert ipd["time"].between(0.0, longest * (1 + END_SLACK)).all(), describe
    for g in curve.groups:  # everyone at risk at time 0 is reconstructed, nobody more
        assert (ipd["group"] == g).sum() == table.group_table(g)[1][0], describe


# ---------------------------------------------------------------------- model arguments
@pytest.fixture(scope="module")
def small_data():
    """40 patients, about 25 events, follow-up to about 60 months."""
    df = bs.simulate_trial(n=(20, 20), baseline_rates=[0.04], log_hr=(0.0, -0.7), tau=10,
                           censoring=(20, 60), seed=7)
    return bs.SurvivalData.from_frame(df, reference="control")


NUMBER = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 100),
                   st.sampled_from([0, 1e-300, 1e308, 13, 13.0, np.float64(2.5), np.int64(4)]))
ODD = st.sampled_from([None, "13", "", True, [1, [2]], {"a": 1}, {5, 10}, np.array([[1.0, 2.0]]),
                       [np.nan], b"7", 1 + 2j, [1 + 2j]])
# plausible times for the small data set (follow-up to about 60), then anything at all
PLAUSIBLE_TIMES = st.lists(st.floats(0.5, 55), min_size=1, max_size=4, unique=True).map(sorted)
TIMES = st.one_of(PLAUSIBLE_TIMES, PLAUSIBLE_TIMES.map(lambda x: x[::-1]),
                  st.lists(st.floats(-5, 120), max_size=4),
                  st.lists(st.integers(0, 70), max_size=4, unique=True).map(sorted),
                  st.lists(NUMBER, max_size=3), NUMBER, ODD)


@property_settings(150)
@given(cuts=TIMES, baseline=st.one_of(st.none(), st.integers(-1, 8), TIMES))
def test_piecewise_arguments_build_or_raise_a_bayesurv_error(small_data, cuts, baseline):
    describe = f"PiecewiseExponential(cuts={cuts!r}, baseline={baseline!r})"

    def build():
        model = bs.PiecewiseExponential(cuts=cuts, baseline=baseline)
        return model, model.arrays(small_data)

    built = outcome(build, describe)
    if built is not None:
        model, design = built
        assert np.isin(model.cuts, design.fine_edges).all(), describe
        assert design.table.events.sum() == small_data.n_events, describe
        np.testing.assert_allclose(design.table.exposure.sum(), small_data.time.sum())


PRIOR_WEIGHTS = st.one_of(st.none(), st.none(), st.lists(st.floats(-1, 5), min_size=1, max_size=5),
                          st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=3),
                          ODD)


def known_changepoint_gap(near, spread, prior) -> bool:
    """Inputs that overflow in ChangePoint's tau prior (a known gap in changepoint.py, pinned
    by the strict xfails ``test_gap_*`` in test_edge_cases.py)."""
    try:
        centre, scale = float(near), float(spread)
        far = np.isfinite(centre) and 0 < scale < np.inf and (abs(centre) + 100) / scale > 1e150
    except (TypeError, ValueError):
        far = False
    try:
        with np.errstate(over="ignore"):
            huge = not np.isfinite(np.sum(np.asarray(list(prior), dtype=float)))
    except (TypeError, ValueError):
        huge = False
    return bool(far or huge)


@property_settings(150)
@given(grid=st.one_of(st.none(), st.lists(st.integers(3, 40), min_size=1, max_size=8,
                                          unique=True).map(sorted), TIMES),
       near=st.one_of(st.none(), st.floats(1, 50), NUMBER, ODD),
       spread=st.one_of(st.none(), st.floats(1e-3, 1e3), NUMBER), prior=PRIOR_WEIGHTS)
def test_changepoint_arguments_build_or_raise_a_bayesurv_error(small_data, grid, near, spread,
                                                               prior):
    describe = f"ChangePoint(grid={grid!r}, near={near!r}, spread={spread!r}, prior={prior!r})"
    assume(not known_changepoint_gap(near, spread, prior))

    def build():
        model = bs.ChangePoint(grid=grid, near=near, spread=spread, prior=prior)
        return model.arrays(small_data)

    design = outcome(build, describe)
    if design is not None:
        weights = design["tau_prior"]
        assert np.isfinite(weights).all() and (weights >= 0).all(), describe
        np.testing.assert_allclose(weights.sum(), 1.0, err_msg=describe)
        assert np.isin(design["tau_grid"], design.fine_edges).all(), describe
