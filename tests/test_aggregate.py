"""Aggregation of patient rows on Dask (bs.aggregate) and fits of the aggregated data."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv.data.exposure import ExposureTable

SEED = 20261201
# the exposure of a piece is a sum of O(10^3) times; summed in another order (by partition,
# then across partitions) it differs by a few ulps of the total: 1e-12 relative is far above
# that and far below any real difference (one patient's time in one piece is >= 1e-3 of it)
TABLE_RTOL = 1e-12


def _cohort(n: int, seed: int = SEED) -> pd.DataFrame:
    df = bs.simulate_trial(n=(n // 2, n - n // 2), baseline_rates=[0.02],
                           log_hr=(0.0, np.log(0.5)), tau=12, censoring=(12, 60), seed=seed)
    return df.reset_index(drop=True)


@pytest.fixture(scope="module")
def cohort():
    return _cohort(2000)


@pytest.fixture(scope="module")
def patient_data(cohort):
    return bs.SurvivalData.from_frame(cohort, reference="control")


def _same_table(a: ExposureTable, b: ExposureTable) -> None:
    assert a.groups == b.groups
    np.testing.assert_array_equal(a.edges, b.edges)
    np.testing.assert_array_equal(a.events, b.events)  # counts: exact
    np.testing.assert_allclose(a.exposure, b.exposure, rtol=TABLE_RTOL, atol=0)


@pytest.mark.parametrize("grid", [1.0, 0.25, [3, 6, 12, 24, 36]])
def test_pandas_aggregate_equals_the_exposure_table_of_the_patient_rows(cohort, patient_data,
                                                                        grid):
    agg = bs.aggregate(cohort, reference="control", grid=grid)
    _same_table(agg.table, ExposureTable.from_data(patient_data, agg.grid))
    expected = patient_data.summary()
    got = agg.summary()
    assert got["n"].tolist() == expected["n"].tolist()
    assert got["events"].tolist() == expected["events"].tolist()
    np.testing.assert_array_equal(got["max_followup"], expected["max_followup"])
    np.testing.assert_allclose(got["person_time"], expected["person_time"], rtol=TABLE_RTOL)
    # the median follow-up is placed inside its grid piece: off by at most a piece
    width = np.diff(agg.grid).max()
    assert (np.abs(got["median_followup"] - expected["median_followup"]) <= width).all()


def test_step_grid_ends_at_the_piece_of_the_longest_follow_up(cohort, patient_data):
    agg = bs.aggregate(cohort, reference="control", grid=2.0)
    assert agg.grid[-1] < patient_data.max_time <= agg.grid[-1] + 2.0
    np.testing.assert_array_equal(agg.grid, 2.0 * np.arange(agg.grid.size))


def test_parquet_files_equal_the_pandas_path(cohort, tmp_path):
    for k, part in enumerate(np.array_split(np.arange(len(cohort)), 4)):
        cohort.iloc[part].to_parquet(tmp_path / f"part-{k}.parquet")
    from_files = bs.aggregate(str(tmp_path / "*.parquet"), reference="control", grid=1.0)
    from_frame = bs.aggregate(cohort, reference="control", grid=1.0)
    assert "4 partition" in from_files.source
    _same_table(from_files.table, from_frame.table)
    np.testing.assert_array_equal(from_files.ending, from_frame.ending)


def test_a_bad_row_is_named_with_its_partition(cohort):
    import dask.dataframe as dd

    bad = cohort.copy()
    bad.loc[1234, "time"] = -1.0
    frame = dd.from_pandas(bad, npartitions=4, sort=False)  # 500 rows each: row 1234 in #2
    with pytest.raises(bs.DataError, match=r"partition 2, numbered from 0, of 4\): column "
                                           r"'time' must not be negative; found negative "
                                           r"values at row 1234 \(value -1\.0\)"):
        bs.aggregate(frame, reference="control", grid=1.0)
    bad = cohort.copy()
    bad["event"] = bad["event"].astype(object)
    bad.loc[1600, "event"] = "yes"
    with pytest.raises(bs.DataError, match=r"partition 3, numbered from 0, of 4\): column "
                                           r"'event' must hold finite numbers; .* row 1600"):
        bs.aggregate(dd.from_pandas(bad, npartitions=4, sort=False), grid=1.0)


def test_group_labels_must_agree_across_partitions(cohort, tmp_path):
    first, second = cohort.iloc[::2].copy(), cohort.iloc[1::2].copy()  # both arms in each
    first["arm"] = (first["arm"] == "treated").astype(int)  # 0 and 1
    second["arm"] = np.where(second["arm"] == "treated", "1", "0")  # "0" and "1"
    first.to_parquet(tmp_path / "a.parquet")
    second.to_parquet(tmp_path / "b.parquet")
    import dask.dataframe as dd

    mixed = dd.concat([dd.read_parquet(tmp_path / "a.parquet"),
                       dd.read_parquet(tmp_path / "b.parquet")])
    with pytest.raises(bs.DataError, match=r"all partitions\): group column 'arm' has labels"):
        bs.aggregate(mixed, grid=1.0)


def test_delayed_entry_counts_person_time_from_entry(cohort):
    rng = np.random.default_rng(SEED)
    df = cohort.copy()
    df["entry"] = np.where(rng.random(len(df)) < 0.5, 0.0, df["time"] * rng.random(len(df)))
    agg = bs.aggregate(df, reference="control", grid=[3, 6, 12, 24], entry="entry")
    # at risk from entry to time: the overlap of [entry, time] with each piece, row by row
    lower, upper = agg.grid, np.r_[agg.grid[1:], np.inf]
    t, a = df["time"].to_numpy()[:, None], df["entry"].to_numpy()[:, None]
    per_row = np.clip(np.minimum(t, upper) - np.maximum(a, lower), 0, None)
    treated = (df["arm"] == "treated").to_numpy()
    expected = np.column_stack([per_row[~treated].sum(0), per_row[treated].sum(0)])
    # a difference of two sums of ~10^3 times: rounding ~1e-13 of the larger one
    np.testing.assert_allclose(agg.table.exposure, expected, rtol=1e-10)
    np.testing.assert_allclose(agg.person_time, expected.sum(axis=0), rtol=1e-10)
    without = bs.aggregate(cohort, reference="control", grid=[3, 6, 12, 24])
    np.testing.assert_array_equal(agg.table.events, without.table.events)
    assert (agg.table.exposure < without.table.exposure).all()
    life = agg.life_table()
    assert (life["at_risk"] < without.life_table()["at_risk"]).any()
    df["entry"] = 0.0  # entering at 0 is no delayed entry
    at_zero = bs.aggregate(df, reference="control", grid=[3, 6, 12, 24], entry="entry")
    np.testing.assert_array_equal(at_zero.table.exposure, without.table.exposure)
    df.loc[7, "entry"] = df.loc[7, "time"] + 1.0
    with pytest.raises(bs.DataError, match=r"entry column 'entry' is after the end of "
                                           r"follow-up \('time'\) at row 7"):
        bs.aggregate(df, grid=1.0, entry="entry")


def test_bad_arguments_are_refused(cohort):
    with pytest.raises(bs.DataError, match="grid must be a step > 0"):
        bs.aggregate(cohort, grid=0)
    with pytest.raises(bs.DataError, match="the group column 'group' is not in the data"):
        bs.aggregate(cohort, group="group", grid=1.0)
    with pytest.raises(bs.DataError, match="the strata column 'site' is not in the data"):
        bs.aggregate(cohort, grid=1.0, strata="site")
    with pytest.raises(bs.DataError, match="the entry column 'start' is not in the data"):
        bs.aggregate(cohort, grid=1.0, entry="start")
    with pytest.raises(bs.DataError, match="reference 'placebo' is not a level"):
        bs.aggregate(cohort, grid=1.0, reference="placebo")


def test_a_distributed_client_gives_the_same_table(cohort):
    from distributed import Client, LocalCluster

    local = bs.aggregate(cohort, reference="control", grid=1.0)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        remote = bs.aggregate(cohort, reference="control", grid=1.0, client=client)
    _same_table(remote.table, local.table)


def test_model_cuts_must_lie_on_the_grid(cohort):
    agg = bs.aggregate(cohort, reference="control", grid=1.0)
    with pytest.raises(bs.ModelError, match=r"cut 12\.5 is not on the grid"):
        bs.PiecewiseExponential(cuts=[12.5], baseline=[6]).arrays(agg)
    with pytest.raises(bs.ModelError, match=r"baseline cut 6\.5 is not on the grid"):
        bs.PiecewiseExponential(cuts=[12], baseline=[6.5]).arrays(agg)
    with pytest.raises(bs.ModelError, match=r"change-point grid point 9\.5 is not on the grid"):
        bs.ChangePoint(grid=[9.5, 12]).arrays(agg)
    # the defaults lie on the grid
    arrays = bs.ChangePoint().arrays(agg)
    assert np.isin(arrays.fine_edges, agg.grid).all()
    assert arrays["tau_grid"].size > 10


def test_what_needs_patient_rows_says_so(cohort):
    agg = bs.aggregate(cohort, reference="control", grid=1.0)
    with pytest.raises(bs.DataError, match="cox needs patient rows"):
        bs.frequentist.cox(agg)
    with pytest.raises(bs.DataError, match="kaplan_meier needs patient rows"):
        bs.frequentist.kaplan_meier(agg)


def test_life_table_tracks_kaplan_meier(cohort, patient_data):
    agg = bs.aggregate(cohort, reference="control", grid=0.5)
    life = agg.life_table()
    km = bs.frequentist.kaplan_meier(patient_data)
    for group in agg.groups:
        mine = life[life["group"] == group]
        theirs = km[km["group"] == group]
        at = np.searchsorted(theirs["time"].to_numpy(), mine["end"].to_numpy(), side="right")
        exact = np.r_[1.0, theirs["survival"].to_numpy()][at]
        # the actuarial estimate differs from the product-limit one only through the
        # censorings inside a piece (half a piece of follow-up each): about 1e-3 here
        assert np.abs(mine["survival"].to_numpy() - exact).max() < 0.01


@pytest.mark.parametrize("model", [bs.PiecewiseExponential(cuts=[12], baseline=[6, 24]),
                                   bs.ChangePoint(grid=[6, 9, 12, 15, 18], near=12,
                                                  baseline=[6, 24])],
                         ids=["piecewise", "changepoint"])
def test_fit_of_the_aggregate_equals_the_fit_of_the_rows(cohort, patient_data, model,
                                                         tmp_path):
    agg = bs.aggregate(cohort, reference="control", grid=1.0)
    settings = {"draws": 200, "tune": 200, "chains": 2, "random_seed": SEED,
                "progressbar": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.ConvergenceWarning)  # tiny fits
        from_rows = model.fit(patient_data, **settings)
        from_agg = model.fit(agg, **settings)
    for name in ("log_hr", "log_baseline"):
        rows = from_rows.idata.posterior[name].to_numpy()
        aggregated = from_agg.idata.posterior[name].to_numpy()
        # the two tables differ by float rounding (~1e-13 relative); NUTS trajectories
        # carry that into the draws, where it grows to ~1e-7 over 400 iterations; 1e-5 is
        # far below the posterior sd (~0.2): another seed or grid differs by that much
        np.testing.assert_allclose(aggregated, rows, rtol=0, atol=1e-5)
    assert from_agg.data_summary["aggregated"] is True
    assert from_agg.data_summary["n"] == patient_data.n
    with pytest.raises(bs.DataError, match="needs patient rows"):
        from_agg.log_likelihood()
    path = from_agg.to_netcdf(tmp_path / "aggregated.nc")
    loaded = bs.Fit.from_netcdf(path)
    pd.testing.assert_frame_equal(loaded.hazard_ratios(), from_agg.hazard_ratios())


def test_importing_bayesurv_does_not_import_dask():
    code = "import sys, bayesurv; print(sorted(m for m in sys.modules if m.startswith('dask')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.strip() == "[]"
