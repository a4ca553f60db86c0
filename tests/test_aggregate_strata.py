"""Strata of aggregated data, Kaplan-Meier at grid resolution, and a spec read from Parquet."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv.runner.cli import main

SEED = 20261201
EDGES = [0.0, 2.0, 5.0, 10.0, 20.0]
# sums of ~10^2 times in another order (per stratum, per partition): a few ulps of the total
TABLE_RTOL = 1e-12


@pytest.fixture(scope="module")
def cohort():
    df = bs.simulate_trial(n=(150, 150), baseline_rates=[0.05], log_hr=(0.0, np.log(0.5)),
                           tau=5, censoring=(6, 30), seed=SEED).reset_index(drop=True)
    rng = np.random.default_rng(SEED)
    df["site"] = rng.choice(["north", "south", "west"], size=len(df))
    return df


def _rows_per_piece(df: pd.DataFrame, edges) -> pd.DataFrame:
    """Events and person-time per (piece, arm, site), one row per patient and piece."""
    lower = np.asarray(edges, dtype=float)
    upper = np.r_[lower[1:], np.inf]
    t = df["time"].to_numpy()[:, None]
    time_in = np.clip(np.minimum(t, upper) - lower, 0.0, None)
    # a follow-up time belongs to the piece (edge_j, edge_j+1], time 0 to the first
    piece = np.maximum(np.searchsorted(lower, df["time"].to_numpy(), side="left") - 1, 0)
    event_in = (np.arange(lower.size) == piece[:, None]) * df["event"].to_numpy()[:, None]
    long = pd.DataFrame({"piece": np.tile(np.arange(lower.size), len(df)),
                         "arm": np.repeat(df["arm"].to_numpy(), lower.size),
                         "site": np.repeat(df["site"].to_numpy(), lower.size),
                         "exposure": time_in.ravel(), "events": event_in.ravel()})
    return long.groupby(["piece", "arm", "site"])[["events", "exposure"]].sum()


def test_strata_totals_equal_a_pandas_groupby(cohort):
    import dask.dataframe as dd

    frame = dd.from_pandas(cohort, npartitions=3, sort=False)
    agg = bs.aggregate(frame, reference="control", grid=EDGES, strata="site")
    assert agg.strata.column == "site" and agg.strata.levels == ("north", "south", "west")
    expected = _rows_per_piece(cohort, EDGES)
    for g, arm in enumerate(agg.groups):
        for s, site in enumerate(agg.strata.levels):
            cell = expected.xs((arm, site), level=("arm", "site"))
            np.testing.assert_array_equal(agg.strata.events[:, g, s], cell["events"])
            np.testing.assert_allclose(agg.strata.exposure[:, g, s], cell["exposure"],
                                       rtol=TABLE_RTOL)
    counts = cohort.groupby(["site", "arm"]).agg(n=("time", "size"), events=("event", "sum"),
                                                 max_followup=("time", "max"))
    by_stratum = agg.summary(by_stratum=True).set_index(["stratum", "group"])
    for column in ("n", "events", "max_followup"):
        assert by_stratum[column].to_dict() == counts[column].to_dict()
    # summed over the strata: the unstratified aggregate, which the models fit
    pooled = bs.aggregate(cohort, reference="control", grid=EDGES)
    np.testing.assert_array_equal(agg.table.events, pooled.table.events)
    np.testing.assert_allclose(agg.table.exposure, pooled.table.exposure, rtol=TABLE_RTOL)
    np.testing.assert_array_equal(agg.ending, pooled.ending)
    np.testing.assert_array_equal(agg.max_followup, pooled.max_followup)


def test_a_stratum_is_the_aggregate_of_its_rows(cohort):
    agg = bs.aggregate(cohort, reference="control", grid=1.0, strata="site")
    south = agg.stratum("south")
    alone = bs.aggregate(cohort[cohort["site"] == "south"], reference="control",
                         grid=agg.grid.tolist())
    np.testing.assert_array_equal(south.table.events, alone.table.events)
    np.testing.assert_allclose(south.table.exposure, alone.table.exposure, rtol=TABLE_RTOL)
    pd.testing.assert_frame_equal(south.kaplan_meier(), alone.kaplan_meier())
    km = agg.kaplan_meier(by_stratum=True)
    assert km["stratum"].unique().tolist() == ["north", "south", "west"]
    pd.testing.assert_frame_equal(
        km[km["stratum"] == "south"].drop(columns="stratum").reset_index(drop=True),
        alone.kaplan_meier())
    assert "strata ('site'): north, south, west" in repr(agg)


def test_bad_strata_are_refused_with_their_place(cohort):
    import dask.dataframe as dd

    bad = cohort.copy()
    bad["site"] = bad["site"].astype(object)
    bad.loc[250, "site"] = None
    with pytest.raises(bs.DataError, match=r"partition 2, numbered from 0, of 3\): column "
                                           r"'site' .*missing.* row 250"):
        bs.aggregate(dd.from_pandas(bad, npartitions=3, sort=False), grid=1.0, strata="site")
    with pytest.raises(bs.DataError, match="strata column 'arm' is also the time, event"):
        bs.aggregate(cohort, grid=1.0, strata="arm")
    with pytest.raises(bs.DataError, match="the strata column 'centre' is not in the data"):
        bs.aggregate(cohort, grid=1.0, strata="centre")
    agg = bs.aggregate(cohort, grid=1.0, strata="site")
    with pytest.raises(bs.DataError, match=r"'east' is not a stratum of column 'site'; "
                                           r"strata are \['north', 'south', 'west'\]"):
        agg.stratum("east")
    with pytest.raises(bs.DataError, match="aggregated without strata"):
        bs.aggregate(cohort, grid=1.0).stratum("north")


def test_grid_kaplan_meier_equals_r_on_times_rounded_up_to_the_grid():
    """R 4, survival 3:

        d <- data.frame(time = c(0.4, 1.2, 1.7, 2.5, 2.9, 3.3, 4.8, 5.0,
                                 0.5, 1.1, 2.2, 3.0, 3.6, 4.1, 4.4, 6.2),
                        event = c(1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1),
                        arm = rep(c("a", "b"), each = 8))
        fit <- survfit(Surv(ceiling(time), event) ~ arm, data = d, conf.type = "log-log")
        summary(fit, times = 1:5)
    """
    df = pd.DataFrame({"time": [0.4, 1.2, 1.7, 2.5, 2.9, 3.3, 4.8, 5.0,
                                0.5, 1.1, 2.2, 3.0, 3.6, 4.1, 4.4, 6.2],
                       "event": [1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1],
                       "arm": ["a"] * 8 + ["b"] * 8})
    km = bs.aggregate(df, grid=1.0).kaplan_meier()
    km = km[km["time"].isin([1.0, 2.0, 3.0, 4.0, 5.0])]
    r = pd.DataFrame({
        "at_risk": [8, 7, 5, 3, 2, 8, 7, 6, 4, 3],
        "survival": [0.875, 0.75, 0.45, 0.45, 0.225,
                     1.0, 0.8571428571, 0.7142857143, 0.5357142857, 0.3571428571],
        "lower": [0.3870000140, 0.3148071137, 0.1075781152, 0.1075781152, 0.0123964155,
                  1.0, 0.3340538793, 0.2581536655, 0.1319881770, 0.0519765195],
        "upper": [0.9813929659, 0.9308983171, 0.7512738499, 0.7512738499, 0.6024194266,
                  1.0, 0.9785610585, 0.9197974560, 0.8249970420, 0.6987130320]})
    assert km["at_risk"].tolist() == r["at_risk"].tolist()
    # R printed 10 decimals; the same formulas in double precision
    for column in ("survival", "lower", "upper"):
        np.testing.assert_allclose(km[column], r[column], atol=1e-9)


def test_grid_kaplan_meier_is_exact_for_times_on_the_grid(cohort):
    """Times recorded at the grid's resolution (whole months on a monthly grid): the grid
    curve is the Kaplan-Meier curve of the rows at every grid time."""
    df = cohort.assign(time=np.ceil(cohort["time"]))
    grid_km = bs.aggregate(df, reference="control", grid=1.0).kaplan_meier()
    data = bs.SurvivalData.from_frame(df, reference="control")
    for group in data.groups:
        mine = grid_km[grid_km["group"] == group]
        rows = bs.frequentist.kaplan_meier(data, times=mine["time"].tolist())
        rows = rows[rows["group"] == group]
        # both are the same products of the same counts: float rounding only
        np.testing.assert_allclose(mine["survival"], rows["survival"], rtol=1e-12)


def test_a_parquet_spec_runs_end_to_end(cohort, tmp_path):
    for k, part in enumerate(np.array_split(np.arange(len(cohort)), 2)):
        cohort.iloc[part].to_parquet(tmp_path / f"rows-{k}.parquet", index=False)
    (tmp_path / "registry.toml").write_text(textwrap.dedent("""
        title = "Simulated registry, aggregated"
        [data]
        source = "parquet"
        path = "rows-*.parquet"
        grid = 1.0
        strata = "site"
        reference = "control"
        [model]
        type = "piecewise"
        cuts = [5]
        baseline = [2, 10]
        [compare]
        landmarks = [5]
        """), encoding="utf-8")
    out = tmp_path / "out"
    argv = ["run", str(tmp_path / "registry.toml"), "--out", str(out), "--draws", "50",
            "--tune", "50", "--chains", "1", "--seed", "2", "--quiet"]
    with pytest.warns(bs.BayesurvWarning):  # one short chain: low ESS, no R-hat
        assert main(argv) == 0
    report = out / "registry"
    assert sorted(p.name for p in report.iterdir()) == ["figures", "posterior.nc", "summary.md",
                                                        "tables"]
    assert (report / "figures" / "hazard_ratio_over_time.png").stat().st_size > 0
    same = bs.aggregate(cohort, reference="control", grid=1.0, strata="site")
    pd.testing.assert_frame_equal(pd.read_csv(report / "tables" / "kaplan_meier_grid.csv"),
                                  same.kaplan_meier(), check_dtype=False)
    hrs = pd.read_csv(report / "tables" / "hazard_ratios.csv")
    assert hrs["period"].tolist() == ["0-5", "5+"]
    summary = (report / "summary.md").read_text(encoding="utf-8")
    assert "## Not computed: these need patient rows" in summary
    assert "- landmark Cox windows (compare.landmarks)" in summary
    assert f"Data: {len(cohort)} patients, {int(cohort['event'].sum())} events" in summary
    fit = bs.Fit.from_netcdf(report / "posterior.nc")
    assert fit.hazard_ratios()["median"].tolist() == hrs["median"].tolist()


def test_a_parquet_spec_needs_a_path_and_a_grid(tmp_path, capsys):
    spec = tmp_path / "bad.toml"
    spec.write_text('[data]\nsource = "parquet"\npath = "rows.parquet"\n'
                    '[model]\ntype = "piecewise"\ncuts = [5]\n', encoding="utf-8")
    assert main(["run", str(spec), "--out", str(tmp_path / "out")]) != 0
    assert "data.grid is missing (source = 'parquet' aggregates" in capsys.readouterr().err
