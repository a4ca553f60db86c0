"""The notebooks run top to bottom, with tiny sampler settings, so they never rot.

Each notebook in ``notebooks/`` is copied to a temporary folder and executed by nbclient with
``BAYESURV_NOTEBOOK_TINY=1`` (100 draws and 100 tuning steps on 2 chains instead of the
committed 4 x 1000).  A cell appended by the test prints, as JSON, what the notebook computed;
the assertions check it against values that do not depend on the sampler (the synthetic
cohort's Cox models, the published table, the reconstruction), plus that no cell failed.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
KERNEL = "bayesurv-notebook-test"
TIMEOUT = 300  # seconds per cell; a tiny run takes a few seconds per fit

REANALYSIS_PROBE = """
import json
print(json.dumps({
    "death_windows": death_table["window"].tolist(),
    "hcc_windows": hcc_table["window"].tolist(),
    "death_freq_hr": death_table["freq_hr"].tolist(),
    "hcc_freq_hr": hcc_table["freq_hr"].tolist(),
    "death_published_hr": death_table["published_hr"].tolist(),
    "tau_total": float(death_cp.changepoint()["probability"].sum()),
    "sensitivity_priors": sorted(set(sensitivity["prior"])),
    "tiny_draws": int(death_cp.idata.posterior.sizes["draw"]),
    "joint_events": cohort.to_dict()["events"],
    "joint_transitions": joint.transition_hazard_ratios()["transition"].tolist(),
}))
"""

DIGITIZED_PROBE = """
import json
print(json.dumps({
    "groups": diagnostics["group"].tolist(),
    "events": diagnostics["events"].tolist(),
    "patients": diagnostics["patients"].tolist(),
    "rmse": diagnostics["rmse"].tolist(),
    "max_at_risk_diff": diagnostics["max_at_risk_diff"].tolist(),
    "log_hr_reconstructed": float(frequentist.cox(data)["coef"].iloc[0]),
    "log_hr_truth": float(frequentist.cox(truth)["coef"].iloc[0]),
    "windows": table["window"].tolist(),
    "bare_warnings": [w.category.__name__ for w in caught],
    "tiny_draws": int(fit.idata.posterior.sizes["draw"]),
    "reconstructions": pooled.reconstructions,
    "share": share["share"].tolist(),
    "interval_events": intervals[0].life_table().groupby("group", sort=False)["events"]
                       .sum().tolist(),
    "interval_starts": sorted(set(intervals[0].life_table()["start"])),
    "interval_draws": len(intervals),
}))
"""


@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """A kernel spec for this interpreter (whatever kernels the machine has) and tiny mode."""
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "bayesurv tests", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("BAYESURV_NOTEBOOK_TINY", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel picks its inline backend
    return tmp_path


def run_notebook(name: str, probe: str, folder: Path) -> dict:
    """Execute a copy of the notebook plus the probe cell; return the probe's JSON."""
    copy = folder / name
    shutil.copy(NOTEBOOKS / name, copy)
    nb = nbformat.read(copy, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    NotebookClient(nb, timeout=TIMEOUT, kernel_name=KERNEL,
                   resources={"metadata": {"path": str(folder)}}).execute()
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"{name}: cell {k} did not run"
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{name}: cell {k} raised {errors[0].ename}: {errors[0].evalue}"
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return json.loads(text)


def test_committed_notebooks_have_outputs_and_say_synthetic():
    """Committed with outputs from the real settings, and honest about the data."""
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count is not None for c in code), f"{path.name}: not executed"
        assert not [o for c in code for o in c.outputs if o.output_type == "error"], path.name
        images = [o for c in code for o in c.outputs if "image/png" in o.get("data", {})]
        assert images, f"{path.name}: no figures in the committed outputs"
        first = nb.cells[0].source.lower()
        assert "synthetic" in first and "not the trial's patients" in first, path.name
        setup = code[0].outputs[-1]["data"]["text/plain"]
        assert "'draws': 1000" in setup, f"{path.name}: committed outputs are not the real run"


@pytest.mark.slow
def test_reanalysis_notebook_runs(kernel_env):
    out = run_notebook("shi2021_reanalysis.ipynb", REANALYSIS_PROBE, kernel_env)
    assert out["tiny_draws"] == 100  # the environment variable reached the notebook
    assert out["death_windows"] == ["0-13", "13+"]
    assert out["hcc_windows"] == ["0-8", "8+"]
    # Landmark Cox HRs of the synthetic cohort, UC-MSC vs control: the dataset's README
    # reports them control vs UC-MSC to 2 decimals (death 0.97 and 3.88; HCC 0.98 and 2.10)
    assert [round(1 / hr, 2) for hr in out["death_freq_hr"]] == [0.97, 3.88]
    assert [round(1 / hr, 2) for hr in out["hcc_freq_hr"]] == [0.98, 2.10]
    # the published HRs (control vs UC-MSC 0.97 and 3.68), inverted exactly
    assert out["death_published_hr"] == pytest.approx([1 / 0.97, 1 / 3.68], rel=1e-12)
    assert out["tau_total"] == pytest.approx(1.0, abs=1e-9)
    assert out["sensitivity_priors"] == ["default", "enthusiastic", "skeptical"]
    # the shipped joint cohort's events per transition, and the periods of the
    # illness-death model: change-points on both transitions out of the event-free state
    assert out["joint_events"] == {"illness": 36, "death": 39, "death_after_illness": 5}
    assert out["joint_transitions"] == ["illness", "illness", "death", "death",
                                        "death_after_illness"]


@pytest.mark.slow
def test_digitized_notebook_runs(kernel_env):
    out = run_notebook("digitized_curves.ipynb", DIGITIZED_PROBE, kernel_env)
    assert out["tiny_draws"] == 100
    assert out["groups"] == ["control", "UC-MSC"]
    assert out["patients"] == [111, 108]  # the published numbers at risk at time 0
    # the synthetic cohort has 29 and 15 deaths; the harness's exact-tier target is events
    # within 2 per arm, and 1-pixel noise should not do worse on this curve
    assert all(abs(e - t) <= 2 for e, t in zip(out["events"], [29, 15], strict=True))
    # 1 pixel on a 600-pixel axis is 0.0017 in survival; the harness target for the RMS
    # distance to the digitized points is 0.005
    assert max(out["rmse"]) <= 0.005
    assert max(out["max_at_risk_diff"]) == 0  # every published number at risk is met
    # sparse/events-only tier target of the harness: |d log HR| <= 0.05
    assert abs(out["log_hr_reconstructed"] - out["log_hr_truth"]) <= 0.05
    assert out["windows"] == ["0-13", "13+"]
    assert "ReconstructionWarning" in out["bare_warnings"]
    assert out["reconstructions"] == 3  # the tiny run pools 3 reconstructions
    assert all(0 <= s <= 1 for s in out["share"])
    # the interval likelihood's pieces are the shipped risk table's times, every 12 months;
    # its events per arm meet the same target as the reconstruction's (within 2 of the
    # cohort's 29 and 15 deaths)
    assert out["interval_starts"] == [0, 12, 24, 36, 48, 60, 72, 84]
    assert all(abs(e - t) <= 2 for e, t in zip(out["interval_events"], [29, 15], strict=True))
    assert out["interval_draws"] == 3
