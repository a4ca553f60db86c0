"""Runs that are stopped or doubled up, in real processes: the previous report survives whole.

Each test starts ``bayesurv run`` as a separate process, as a user's shell or scheduler would,
and sends it SIGTERM or starts a second run beside it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SPEC = "models/shi2021_death.toml"
COMMAND = [sys.executable, "-m", "bayesurv.runner.cli", "run", SPEC]


def _files(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def previous_report(tmp_path) -> tuple[Path, dict]:
    """An output folder holding an earlier report (its content does not matter)."""
    report = tmp_path / "out" / "shi2021_death"
    (report / "tables").mkdir(parents=True)
    (report / "summary.md").write_text("# the earlier run\n")
    (report / "tables" / "comparison.csv").write_text("window,hr\n0-13,0.5\n")
    return report, _files(report)


def _start(out: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen([*COMMAND, "--out", str(out), "--jobs", "1", *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_second_run_refuses_and_sigterm_while_sampling_leaves_the_previous_report(
        previous_report):
    """Run A is sampling (a long run); run B on the same --out refuses at once, naming A's
    process; SIGTERM then stops A with status 143, and the earlier report is byte for byte
    as it was, with no lock file or partial folder beside it."""
    report, before = previous_report
    out = report.parent
    first = _start(out, "--draws", "200000", "--chains", "2")
    try:
        line = first.stdout.readline()
        while line and "fitting" not in line:
            line = first.stdout.readline()
        assert "fitting" in line, first.stderr.read()
        second = subprocess.run([*COMMAND, "--out", str(out), "--quiet"], capture_output=True,
                                text=True, timeout=120)
        assert second.returncode == 2
        assert f"another bayesurv run (process {first.pid})" in second.stderr
        assert first.poll() is None, "the first run should still be sampling"
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 128 + signal.SIGTERM
        assert "terminated" in first.stderr.read()
    finally:
        first.kill()
        first.wait()
        first.stdout.close()
        first.stderr.close()
    assert sorted(p.name for p in out.iterdir()) == ["shi2021_death"]
    assert _files(report) == before


def test_sigterm_while_the_report_is_written_leaves_one_whole_report(previous_report):
    """SIGTERM sent the moment the new report's temporary folder appears: the folder holds
    either the earlier report untouched or the complete new one, never a mixture, and
    nothing else is left in --out."""
    report, before = previous_report
    out = report.parent
    # the lightest spec of the same name: one fixed cut, no refits of other priors
    spec = out.parent / "light" / "shi2021_death.toml"
    spec.parent.mkdir()
    spec.write_text('[data]\nsource = "shi2021"\n[model]\ntype = "piecewise"\ncuts = [13]\n')
    run = subprocess.Popen([sys.executable, "-m", "bayesurv.runner.cli", "run", str(spec),
                            "--out", str(out), "--jobs", "1", "--draws", "60", "--chains", "2",
                            "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
    try:
        deadline = time.monotonic() + 240
        while run.poll() is None and time.monotonic() < deadline:
            if any(p.name.endswith(".partial") for p in out.iterdir()):
                os.kill(run.pid, signal.SIGTERM)
                break
            time.sleep(0.005)
        code = run.wait(timeout=60)
    finally:
        run.kill()
        run.wait()
        run.stdout.close()
        run.stderr.close()
    assert code in (0, 128 + signal.SIGTERM)
    assert sorted(p.name for p in out.iterdir()) == ["shi2021_death"]
    after = _files(report)
    if after != before:  # the new report was swapped in: it is complete
        assert {"summary.md", "posterior.nc"} <= {p.name for p in after}
        assert Path("tables/comparison.csv") in after and Path("figures") not in after
