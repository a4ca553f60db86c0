"""The trial-design part of the documentation (``docs/design.md``), run by ``generate.py``:
``bayesurv design`` on ``models/design_ucmsc.toml``, and the table and numbers the page
quotes from its report folder."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pandas as pd


def run_design_spec(root: Path, out: Path, name: str) -> tuple[str, float]:
    """Write the report folder of the design spec ``name`` under ``out/reports``."""
    from bayesurv.runner.design_report import run_design, write_design_report
    from bayesurv.runner.design_spec import load_design_spec

    start = time.perf_counter()
    plan = load_design_spec(root / "models" / f"{name}.toml")
    outcome = run_design(plan, log=lambda message: None)
    write_design_report(outcome, out / "reports" / name, log=lambda message: None)
    return name, time.perf_counter() - start


def design_outputs(root: Path, out: Path, name: str) -> dict:
    """The assurance table of design.md (assurance beside power at the pointwise posterior
    median, per test and trial size, in ``md/design_assurance.md``) and the numbers its text
    quotes."""
    from bayesurv.base.formatting import markdown_table

    folder = out / "reports" / name / "tables"
    assurance = pd.read_csv(folder / "power.csv")
    point = pd.read_csv(folder / "power_at_median.csv")
    both = assurance[["n", "test", "assurance"]].merge(point[["n", "test", "power"]],
                                                       on=["n", "test"])
    wide = both.pivot(index="n", columns="test", values=["assurance", "power"])
    wide.columns = [f"{test} {what}" for what, test in wide.columns]
    order = [f"{t} {w}" for t in assurance["test"].unique() for w in ("assurance", "power")]
    (out / "md" / "design_assurance.md").write_text(
        markdown_table(wide[order].reset_index(), floatfmt=".2f") + "\n", encoding="utf-8")
    d = tomllib.loads((root / "models" / f"{name}.toml").read_text("utf-8"))["design"]
    found = pd.read_csv(folder / "sample_size.csv")
    summary = (out / "reports" / name / "summary.md").read_text(encoding="utf-8")
    sentence = summary.split("## Sample size\n\n", 1)[1].split("\n", 1)[0]
    largest = assurance[assurance["n"] == assurance["n"].max()].set_index("test")
    largest_point = point[point["n"] == point["n"].max()].set_index("test")
    values = {"design_trials": str(d["trials"]), "design_draws": str(d["posterior_draws"]),
              "design_accrual": f"{d['accrual']:g}",
              "design_follow_up": f"{d['follow_up'][0]:g}",
              "design_dropout": f"{d['dropout']:g}", "design_n_max": str(assurance["n"].max()),
              "design_sample_size": sentence, "design_evaluated": str(len(found)),
              "design_se_max": f"{assurance['mc_se'].max():.3f}"}
    for test, key in (("logrank", "lr"), ("fh(0,1)", "fh01"), ("maxcombo", "mc"),
                      (d["tests"][-1], "rmst")):
        values[f"design_{key}_assurance"] = f"{largest.loc[test, 'assurance']:.2f}"
        values[f"design_{key}_power"] = f"{largest_point.loc[test, 'power']:.2f}"
        values[f"design_{key}_wrong"] = f"{largest.loc[test, 'wrong_direction']:.3f}"
        values[f"design_{key}_wrong_point"] = (
            f"{largest_point.loc[test, 'wrong_direction']:.3f}")
    return values
