"""The bayesurv command line: a tiny end-to-end run, error paths, reconstruct, version."""

from __future__ import annotations

import textwrap
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv import frequentist
from bayesurv.runner.cli import main

TINY = ["--draws", "60", "--chains", "2", "--seed", "3", "--quiet"]


@pytest.fixture(scope="module")
def death_report(tmp_path_factory):
    """One run of the reference death spec with tiny sampler settings."""
    out = tmp_path_factory.mktemp("report")
    code = main(["run", "models/shi2021_death.toml", "--out", str(out), *TINY])
    assert code == 0
    return out / "shi2021_death"


def test_report_files_are_written(death_report):
    for name in ("summary.md", "posterior.nc", "tables/comparison.csv",
                 "tables/changepoint.csv", "tables/prior_sensitivity.csv",
                 "tables/diagnostics.csv", "figures/forest.png",
                 "figures/changepoint_posterior.png", "figures/survival.png"):
        path = death_report / name
        assert path.is_file() and path.stat().st_size > 200, name
    assert (death_report / "figures/forest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_comparison_table_numbers(death_report):
    """Landmark Cox numbers equal a direct landmark analysis of the shipped data; the
    published HRs are the paper's inverted (control vs UC-MSC -> UC-MSC vs control)."""
    table = pd.read_csv(death_report / "tables/comparison.csv")
    data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    direct = frequentist.landmark(data, at=13)
    np.testing.assert_allclose(table["freq_hr"], direct["hr"], rtol=1e-9)
    np.testing.assert_allclose(table["freq_events"], direct["events"])
    np.testing.assert_allclose(table["published_hr"], [1 / 0.97, 1 / 3.68], rtol=1e-9)
    np.testing.assert_allclose(table["published_lower"], [1 / 2.32, 1 / 9.85], rtol=1e-9)
    assert table["p_tau_in_window"].sum() == pytest.approx(1.0, abs=1e-9)


def test_saved_posterior_reproduces_the_tables(death_report):
    fit = bs.Fit.from_netcdf(death_report / "posterior.nc")
    saved = pd.read_csv(death_report / "tables/hazard_ratios.csv")
    np.testing.assert_allclose(fit.hazard_ratios()["median"], saved["median"], rtol=1e-12)
    attrs = fit.idata.posterior.attrs
    assert 'near = 13' in attrs["bayesurv_spec"]
    assert fit.data_summary["n"] == 219 and fit.version == bs.__version__
    assert fit.sampler_settings["random_seed"] == 3 and fit.sampler_settings["draws"] == 60


def test_report_shows_the_estimands_beside_kaplan_meier(death_report):
    """RMST to a round time both arms reached (82 months: control's longest follow-up) and
    survival at the landmark and the horizon, Kaplan-Meier side pinned to R survival 3.5 on the
    shipped cohort ``d`` (``arm`` releveled to control)::

        f <- survfit(Surv(death_time, death) ~ arm, d)
        summary(f, rmean = 82)$table[, c("rmean", "se(rmean)")]  # 67.19304678, 72.97544530
        summary(f, times = c(13, 82))$surv  # 0.9099099099 0.7226329862 0.9062588502 0.8466817

    R prints ten digits; 1e-8 relative allows for that.
    """
    table = pd.read_csv(death_report / "tables/estimands.csv")
    rmst = table[(table["estimand"] == "RMST") & (table["group"] != "UC-MSC - control")]
    assert rmst["at"].tolist() == [82.0, 82.0]
    np.testing.assert_allclose(rmst["freq"], [67.19304678, 72.97544530], rtol=1e-8)
    milestones = table[(table["estimand"] == "survival") & ~table["group"].str.contains(" - ")]
    np.testing.assert_allclose(milestones["freq"], [0.9099099099, 0.9062588502, 0.7226329862,
                                                    0.8466816219], rtol=1e-8)
    # the posterior side sits in the same place: RMST within 4 months (1.5 KM se) per arm
    assert (rmst["bayes"] - rmst["freq"]).abs().max() < 4.0
    text = (death_report / "summary.md").read_text()
    assert "## Survival estimands" in text and "RMST to 82 months" in text


def test_report_has_both_sensitivity_sections(death_report):
    """The baseline refitted coarser and finer, and the change-point posterior under a uniform
    prior over the same grid, as tables, a figure (PNG and SVG) and two sections."""
    table = pd.read_csv(death_report / "tables" / "baseline_sensitivity.csv")
    assert table["baseline"].unique().tolist() == ["coarser", "model", "finer"]
    assert {"tau_mode", "tau_lower", "tau_upper"} <= set(table.columns)
    grid = pd.read_csv(death_report / "tables" / "changepoint_prior.csv")
    candidates = pd.read_csv(death_report / "tables" / "changepoint.csv")
    assert grid["uniform_prior"].nunique() == 1 and len(grid) == len(candidates)
    for suffix in ("png", "svg"):
        assert (death_report / "figures" / f"changepoint_prior_sensitivity.{suffix}").exists()
    text = (death_report / "summary.md").read_text(encoding="utf-8")
    assert "## Baseline sensitivity" in text and "## Change-point prior sensitivity" in text
    assert "figures/changepoint_prior_sensitivity.png" in text


def test_summary_says_the_data_are_synthetic(death_report):
    text = (death_report / "summary.md").read_text()
    assert "synthetic cohort calibrated to the published summaries" in text
    assert "| window |" in text
    assert "Prior sensitivity" in text
    assert "Sampling diagnostics" in text


def run_failing(capsys, argv):
    code = main(argv)
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    return code, lines


def test_missing_spec_file(capsys, tmp_path):
    code, lines = run_failing(capsys, ["run", str(tmp_path / "nope.toml")])
    assert code == 2
    assert lines == [f"bayesurv: error: spec file not found: {tmp_path / 'nope.toml'}"]


def test_unknown_key(capsys, tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text(textwrap.dedent("""
        [data]
        source = "shi2021"
        [model]
        type = "changepoint"
        nearby = 13
    """))
    code, lines = run_failing(capsys, ["run", str(spec)])
    assert code == 2 and len(lines) == 1
    assert "unknown key model.nearby" in lines[0] and "bad.toml" in lines[0]


def test_bad_column(capsys, tmp_path):
    bs.datasets.shi2021("death").to_csv(tmp_path / "rows.csv", index=False)
    spec = tmp_path / "cols.toml"
    spec.write_text(textwrap.dedent("""
        [data]
        source = "csv"
        path = "rows.csv"
        time = "months"
        [model]
        type = "piecewise"
    """))
    code, lines = run_failing(capsys, ["run", str(spec), *TINY])
    assert code == 2 and len(lines) == 1
    assert "the time column 'months' is not in the data" in lines[0]


def test_bad_command_line_value(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--draws", "-5"])
    assert info.value.code == 2
    assert "must be an integer >= 1" in capsys.readouterr().err


def test_command_line_refuses_absurd_sampler_values(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--chains", "65"])
    assert info.value.code == 2
    assert "--chains: must be at most 64" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"bayesurv {bs.__version__}"


def test_reconstruct_writes_patient_rows(tmp_path, capsys):
    folder = files("bayesurv.datasets") / "data"
    curves = folder / "shi2021_death_digitized_curves.csv"
    risk = folder / "shi2021_death_risk_table.csv"
    out = tmp_path / "ipd.csv"
    # the points carry pixel noise: cleaning moves a few to make the curve non-increasing
    with pytest.warns(bs.DataWarning, match="moved to make the curve non-increasing"):
        code = main(["reconstruct", str(curves), "--risk-table", str(risk), "-o", str(out)])
    assert code == 0
    ipd = pd.read_csv(out)
    assert list(ipd.columns) == ["time", "event", "group"]
    # the digitized cohort has 111 control and 108 UC-MSC patients at time 0
    assert ipd["group"].value_counts().to_dict() == {"control": 111, "UC-MSC": 108}
    assert "wrote 219 patient rows" in capsys.readouterr().out


def test_two_specs_with_one_report_folder_are_refused_before_sampling(capsys, tmp_path):
    """Two specs named alike in different folders would write one report folder: the run
    stops before any fit, naming both files and the folder."""
    text = '[data]\nsource = "shi2021"\n[model]\ntype = "piecewise"\ncuts = [13]\n'
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "death.toml").write_text(text)
    out = tmp_path / "out"
    code, lines = run_failing(capsys, ["run", str(tmp_path / "a" / "death.toml"),
                                       str(tmp_path / "b" / "death.toml"), "--out", str(out)])
    assert code == 2 and len(lines) == 1
    assert "would both write the report folder" in lines[0] and "death" in lines[0]
    assert not out.exists()  # nothing ran


def test_reconstruct_never_overwrites_its_input(tmp_path, capsys):
    source = files("bayesurv.datasets") / "data" / "shi2021_death_digitized_curves.csv"
    curves = tmp_path / "curves.csv"
    curves.write_bytes(source.read_bytes())
    before = curves.read_bytes()
    code, lines = run_failing(capsys, ["reconstruct", str(curves), "-o", str(curves)])
    assert code == 2 and "is one of the input files" in lines[0]
    assert curves.read_bytes() == before


def test_a_rerun_replaces_the_report_whole_and_a_failed_one_changes_nothing(tmp_path,
                                                                             monkeypatch):
    """Files of an earlier run do not survive a rerun; a run that fails while writing leaves
    the previous report byte for byte as it was, with no partial folder beside it."""
    out = tmp_path / "out"
    spec = tmp_path / "death.toml"  # the lightest spec: one fixed cut, no refits of priors
    spec.write_text('[data]\nsource = "shi2021"\n[model]\ntype = "piecewise"\ncuts = [13]\n')
    args = ["run", str(spec), "--out", str(out), *TINY]
    assert main(args) == 0
    report = out / "death"
    stale = report / "tables" / "from_another_model.csv"
    stale.write_text("old")
    assert main(args) == 0
    assert not stale.exists()

    before = {p.relative_to(report): p.read_bytes() for p in report.rglob("*") if p.is_file()}

    def fail(*args, **kwargs):
        raise KeyboardInterrupt  # as if interrupted while the figures are drawn

    monkeypatch.setattr("bayesurv.plotting.figures.save_figures", fail)
    assert main(args) == 130  # the command line reports the interruption
    after = {p.relative_to(report): p.read_bytes() for p in report.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in out.iterdir()) == ["death"]


def test_a_second_run_on_the_same_output_folder_refuses_and_names_the_first(capsys,
                                                                            tmp_path):
    """While one run holds --out, another refuses before fitting, naming the holder's
    process; a finished run leaves no lock behind."""
    import os

    from bayesurv.runner.cli_support import LOCK_NAME, output_lock

    out = tmp_path / "out"
    with output_lock(out):
        code, lines = run_failing(capsys, ["run", "models/shi2021_death.toml", "--out",
                                           str(out), *TINY])
        assert code == 2
        assert f"another bayesurv run (process {os.getpid()})" in lines[0]
    assert not (out / LOCK_NAME).exists()
    assert list(out.iterdir()) == []  # the refused run wrote nothing


def test_the_lock_of_a_killed_run_is_taken_by_the_next(tmp_path):
    """A run killed while it holds --out (SIGKILL: no clean-up at all) holds nothing: the
    next run takes the folder and removes the lock file when it is done."""
    import subprocess
    import sys

    from bayesurv.runner.cli_support import LOCK_NAME, output_lock

    out = tmp_path / "out"
    code = ("import sys, time; from pathlib import Path; "
            "from bayesurv.runner.cli_support import output_lock\n"
            f"with output_lock(Path({str(out)!r})):\n"
            "    print('held', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        holder.kill()
        holder.wait(timeout=30)
    finally:
        holder.stdout.close()
    assert (out / LOCK_NAME).exists()  # left behind by the crash...
    with output_lock(out):
        pass  # ...but not held
    assert not (out / LOCK_NAME).exists()
