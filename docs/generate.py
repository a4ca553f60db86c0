"""Generate the figures, tables and quoted numbers of the documentation.

``make docs`` runs this before Sphinx.  Everything lands in ``docs/generated/`` (git-ignored):

- ``reports/<spec>/``: the report folders of the reference-trial specs in ``models/``
  (``bayesurv.runner.report.run_analysis`` and ``write_report``, the specs' own sampler settings),
  whose figures the pages show;
- ``accuracy/``: the digitized-curve accuracy harness (``benchmarks/digitized_accuracy.py``,
  fast tier);
- ``digitized/``: the synthetic death curves written as a plot digitizer's export, read back
  and reconstructed, with an overlay figure of digitized, reconstructed and true curves;
- ``md/``: Markdown tables the pages include; ``cli/``: the command line's ``--help``;
- ``notebooks/``: copies of ``notebooks/*.ipynb`` (rendered with their committed outputs);
- ``values.json``: numbers quoted in the text, read by ``conf.py`` as MyST substitutions.

The runs are skipped when none of their inputs (package source and data, specs, harness,
this script) changed since the last run; ``--force`` reruns them.  The script also fails
when a public name of ``bayesurv`` is missing from ``api.rst`` or a spec key from
``cli.md``, so the reference pages cannot fall behind the code.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("MPLBACKEND", "Agg")  # before any matplotlib import, workers included

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
OUT = DOCS / "generated"
SINGLE = ("shi2021_death", "shi2021_hcc", "shi2021_death_digitized")
JOINT = "shi2021_joint"  # the illness-death analysis of both endpoints
SPECS = (*SINGLE, JOINT)
DESIGN_SPEC = "design_ucmsc"  # the planning example of design.md (bayesurv design)
PREFIX = {"shi2021_death": "death", "shi2021_hcc": "hcc", "shi2021_death_digitized": "digi",
          JOINT: "joint"}
HARNESS = ROOT / "benchmarks" / "digitized_accuracy.py"
HASH_FILE = OUT / "inputs.sha256"
FIGURE_DPI = 100  # a page illustration; the report figures are written at 300 dpi
ARM_COLOURS = ("#1a1a1a", "#d95f02")  # black and orange: they also separate in grayscale


# ---------------------------------------------------------------------------- formatting
def fmt_hr(hr, lower, upper) -> str:
    """``0.32 (0.13-0.71)``."""
    from bayesurv.base.formatting import format_hr

    return format_hr(hr, lower, upper)


def fmt_p(p: float) -> str:
    """A probability or p-value with 3 decimals, bounded away from 0 and 1."""
    from bayesurv.base.formatting import format_probability

    return format_probability(p)


def fmt_rel(p: float) -> str:
    """A probability for running text: ``= 0.958``, ``> 0.999`` or ``< 0.001``."""
    from bayesurv.plotting.plot_data import format_probability

    return format_probability(p)


def md_table(df: pd.DataFrame, floatfmt: str = ".3g") -> str:
    from bayesurv.base.formatting import markdown_table

    return markdown_table(df, floatfmt=floatfmt) + "\n"


# ---------------------------------------------------------------------------- inputs
def input_files() -> list[Path]:
    """Files whose change makes the runs stale."""
    files = [*ROOT.glob("bayesurv/**/*.py"), *ROOT.glob("bayesurv/datasets/data/*"),
             *(ROOT / "models" / f"{name}.toml" for name in (*SPECS, DESIGN_SPEC)), HARNESS,
             Path(__file__), DOCS / "generate_joint.py"]
    return sorted(p for p in files if p.is_file() and "__pycache__" not in p.parts)


def inputs_hash() -> str:
    digest = hashlib.sha256()
    for path in input_files():
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------------------- workers
def run_spec(name: str) -> tuple[str, float]:
    """Fit one spec with its own sampler settings and write its report folder."""
    from bayesurv.runner.report import run_analysis, write_report
    from bayesurv.runner.spec import load_spec

    start = time.perf_counter()
    spec = load_spec(ROOT / "models" / f"{name}.toml")
    result = run_analysis(spec, progress=False, log=lambda message: None)
    write_report(result, OUT / "reports" / name, log=lambda message: None)
    return name, time.perf_counter() - start


def run_design_spec() -> tuple[str, float]:
    """Plan the confirmatory trial of design.md (:mod:`generate_design`)."""
    from generate_design import run_design_spec as run

    return run(ROOT, OUT, DESIGN_SPEC)


def load_harness():
    module_spec = importlib.util.spec_from_file_location("digitized_accuracy", HARNESS)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_spec.name] = module  # its dataclasses look their module up there
    module_spec.loader.exec_module(module)
    return module


def run_harness() -> tuple[str, float]:
    """The accuracy harness's fast tier (the sizes the test suite uses)."""
    start = time.perf_counter()
    table = load_harness().run(fast=True)
    folder = OUT / "accuracy"
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "accuracy_fast.csv", index=False)
    return "accuracy harness", time.perf_counter() - start


def run_all(workers: int) -> None:
    """The specs and the harness, in parallel processes."""
    for sub in ("reports", "accuracy"):
        shutil.rmtree(OUT / sub, ignore_errors=True)
    jobs = [(run_harness, None), (run_design_spec, None)] + [(run_spec, name)
                                                             for name in SPECS]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(fn) if arg is None else pool.submit(fn, arg) for fn, arg in jobs]
        for future in futures:
            what, seconds = future.result()
            print(f"generate: {what} done ({seconds:.0f} s)", flush=True)


# ---------------------------------------------------------------------------- pages' tables
def read_table(name: str, table: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(OUT / "reports" / name / "tables" / f"{table}.csv", **kwargs)


def comparison_markdown(name: str, unit: str = "months") -> str:
    from bayesurv.runner.report import comparison_display

    return md_table(comparison_display(read_table(name, "comparison"), unit))


def sensitivity_markdown(name: str) -> str:
    from bayesurv.runner.report import sensitivity_display

    return md_table(sensitivity_display(read_table(name, "prior_sensitivity")))


def estimands_markdown(name: str, unit: str = "months") -> str:
    from bayesurv.runner.report_estimands import estimands_display

    return md_table(estimands_display(read_table(name, "estimands"), unit))


def baseline_markdown(name: str) -> str:
    from bayesurv.runner.report_sensitivity import baseline_display

    return md_table(baseline_display(read_table(name, "baseline_sensitivity")))


def changepoint_prior_markdown(name: str) -> str:
    table = read_table(name, "changepoint_prior_summary")
    flag = str(table["mostly_prior"].iloc[0]) == "True"
    verdict = ("**The change-point posterior is mostly prior.**" if flag else
               "The data inform the change-point (the posterior is not mostly prior).")
    return f"{verdict}\n\n{md_table(table.drop(columns='mostly_prior'))}"


def spec_values(name: str) -> dict:
    """Numbers of one report quoted in the pages (keys prefixed by the endpoint)."""
    from bayesurv.runner.spec import load_spec

    p = PREFIX[name]
    spec = load_spec(ROOT / "models" / f"{name}.toml")
    c = read_table(name, "comparison")
    cp = read_table(name, "changepoint_summary", index_col=0)["value"]
    hr = read_table(name, "hazard_ratios").set_index("period")
    diag = read_table(name, "diagnostics")
    cox = read_table(name, "cox").iloc[0]
    settings = spec.sampler_settings()
    first, last = c.iloc[0], c.iloc[-1]
    out = {
        "landmark": f"{c['start'].iloc[1]:g}",
        "near": f"{spec.model['near']:g}",
        "spread": f"{spec.model['spread']:g}",
        "tau_mode": f"{cp['mode']:g}",
        "tau_median": f"{cp['median']:g}",
        "tau_lower": f"{cp['lower']:g}",
        "tau_upper": f"{cp['upper']:g}",
        "p_tau_first": f"{first['p_tau_in_window']:.2f}",
        "p_tau_last": f"{last['p_tau_in_window']:.2f}",
        "bayes_first": fmt_hr(first.bayes_hr, first.bayes_lower, first.bayes_upper),
        "bayes_last": fmt_hr(last.bayes_hr, last.bayes_lower, last.bayes_upper),
        "pben_first": fmt_rel(first.p_benefit),
        "pben_last": fmt_rel(last.p_benefit),
        "cox_first": fmt_hr(first.freq_hr, first.freq_lower, first.freq_upper),
        "cox_last": fmt_hr(last.freq_hr, last.freq_lower, last.freq_upper),
        "coxp_last": fmt_rel(last.freq_p),
        "pub_first": fmt_hr(first.published_hr, first.published_lower, first.published_upper),
        "pub_last": fmt_hr(last.published_hr, last.published_lower, last.published_upper),
        "hr_before": fmt_hr(hr.loc["before", "median"], hr.loc["before", "lower"],
                            hr.loc["before", "upper"]),
        "hr_after": fmt_hr(hr.loc["after", "median"], hr.loc["after", "lower"],
                           hr.loc["after", "upper"]),
        "pben_after": fmt_rel(hr.loc["after", "p_benefit"]),
        "cox_overall": fmt_hr(cox["hr"], cox["lower"], cox["upper"]),
        "coxp_overall": fmt_rel(cox["p"]),
        "rhat": f"{diag['r_hat'].max():.3f}",
        "ess": f"{diag['ess_bulk'].min():.0f}",
        "chains": str(settings["chains"]),
        "draws": str(settings["draws"]),
        "tune": str(settings["tune"]),
        "seed": str(settings["random_seed"]),
    }
    ps = read_table(name, "prior_sensitivity")
    for row in ps.itertuples():
        out[f"{row.prior}_{row.period}"] = fmt_hr(row.median, row.lower, row.upper)
        out[f"{row.prior}_{row.period}_pben"] = fmt_rel(row.p_benefit)
    return {f"{p}_{k}": v for k, v in out.items()}


# ---------------------------------------------------------------------------- calibration
def calibration_markdown() -> str:
    """Events and Cox HRs of the synthetic cohort next to the published HRs (UC-MSC vs control)."""
    import bayesurv as bs
    from bayesurv import frequentist

    published = bs.datasets.shi2021_published(orientation="bayesurv")
    rows = []
    for endpoint, landmark in (("death", 13.0), ("hcc", 8.0)):
        data = bs.SurvivalData.from_frame(bs.datasets.shi2021(endpoint), group="arm",
                                          reference="control")
        overall = frequentist.cox(data).assign(start=0.0, end=np.inf, window="overall")
        windows = pd.concat([overall, frequentist.landmark(data, at=landmark)],
                            ignore_index=True)
        pub = published[published["endpoint"] == endpoint].reset_index(drop=True)
        last = pub["end"].max()
        for k, w in windows.iterrows():
            start, end = (0.0, last) if k == 0 else (w["start"], min(w["end"], last))
            q = pub[np.isclose(pub["start"], start) & np.isclose(pub["end"], end)].iloc[0]
            label = f"{q['start']:g}-{q['end']:g}"
            rows.append({
                "endpoint": endpoint, "window (months)": label,
                "events control / UC-MSC": f"{w['events_reference']} / {w['events_treated']}",
                "Cox HR, synthetic cohort": fmt_hr(w["hr"], w["lower"], w["upper"]),
                "Cox p": fmt_p(w["p"]),
                "published HR": fmt_hr(q["hr"], q["lower"], q["upper"]),
                "published p": f"{q['p']:.3g}"})
    return md_table(pd.DataFrame(rows))


# ---------------------------------------------------------------------------- priors
def prior_markdown() -> str:
    """What each named prior set implies for the treatment HR, computed from the objects."""
    from bayesurv.model.priors import named_prior_sets

    rows = []
    for name, prior_set in named_prior_sets().items():
        prior = prior_set.log_hr
        lo, hi = np.exp(prior.interval(0.95))
        rows.append({"set": f"`{name}`", "log HR prior": prior.describe(),
                     "P(HR < 0.5)": f"{prior.prob_below(np.log(0.5)):.3f}",
                     "P(HR > 1)": f"{1 - prior.prob_below(0.0):.3f}",
                     "central 95% of HR": f"{lo:.2g} - {hi:.2g}"})
    return md_table(pd.DataFrame(rows))


def prior_values() -> dict:
    from bayesurv.model.priors import PriorSet

    d = PriorSet.named("default")
    level = float(np.exp(1.96 * d.baseline_level.sigma))
    step = float(np.exp(1.96 * d.baseline_step.sigma))
    return {"prior_level": d.baseline_level.describe(), "prior_step": d.baseline_step.describe(),
            "prior_cov": d.covariate.describe(), "prior_loghr": d.log_hr.describe(),
            "prior_level_factor": f"{level:.0f}", "prior_step_factor": f"{step:.1f}"}


# ---------------------------------------------------------------------------- digitized
def digitized_outputs() -> dict:
    """Digitizer export -> curve -> patient rows, with the overlay figure and tables."""
    import matplotlib.pyplot as plt

    import bayesurv as bs
    from bayesurv import frequentist

    folder = OUT / "digitized"
    folder.mkdir(parents=True, exist_ok=True)
    curve, risk = bs.datasets.shi2021("death", digitized=True)
    raw = curve.raw.reset_index(drop=True)
    # a plot digitizer exports one X,Y column pair per curve, survival in percent
    columns, names = {}, []
    for group in curve.groups:
        part = raw[raw["group"] == group].reset_index(drop=True)
        columns[(group, "X")] = part["time"].round(3)
        columns[(group, "Y")] = (100 * part["survival"]).round(2)
        names += [group, ""]
    wide = pd.DataFrame(columns)
    export = folder / "shi2021_death_digitizer_export.csv"
    with open(export, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(names) + "\n" + ",".join(["X", "Y"] * len(curve.groups)) + "\n")
        wide.to_csv(handle, header=False, index=False)
    risk_file = folder / "shi2021_death_risk_table.csv"
    risk.table.to_csv(risk_file, index=False)

    # the steps the page shows, run for real; the DataWarning about points the cleaning
    # moved is expected with 1-pixel noise (the notebook shows it)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.DataWarning)
        read_back = bs.read_digitizer_csv(export, time_unit="months")
    ipd = bs.reconstruct_ipd(read_back, bs.read_risk_table_csv(risk_file))
    diagnostics = pd.DataFrame(ipd.attrs["diagnostics"])
    at_risk = pd.DataFrame(ipd.attrs["at_risk"])
    reconstructed = bs.SurvivalData.from_frame(ipd, group="group", reference="control")
    truth = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), group="arm",
                                       reference="control")
    spec_recon = read_table("shi2021_death_digitized", "reconstruction")
    if diagnostics["events"].tolist() != spec_recon["events"].tolist():
        raise SystemExit("generate: the digitizer-CSV path and the digitized spec reconstruct "
                         "different event counts; the digitized page would be wrong")

    fig, ax = plt.subplots(figsize=(8.0, 5.0), dpi=FIGURE_DPI, layout="constrained")
    km_true = frequentist.kaplan_meier(truth)
    km_rec = frequentist.kaplan_meier(reconstructed)
    for k, group in enumerate(curve.groups):
        colour = ARM_COLOURS[k % len(ARM_COLOURS)]
        t = km_true[km_true["group"] == group]
        ax.step(t["time"], t["survival"], where="post", color=colour, lw=3, alpha=0.35,
                label=f"{group}: patient rows (truth)")
        r = km_rec[km_rec["group"] == group]
        ax.step(r["time"], r["survival"], where="post", color=colour, lw=1.2,
                label=f"{group}: reconstructed")
        p = raw[raw["group"] == group]
        ax.plot(p["time"], p["survival"], ls="none", marker="o", ms=3.5, mfc="white",
                color=colour, label=f"{group}: digitized points")
    ax.set_xlabel("time (months)")
    ax.set_ylabel("survival")
    ax.set_ylim(0.5, 1.01)
    ax.set_title("Digitized points, reconstructed and true Kaplan-Meier curves")
    ax.legend(loc="lower left", ncols=1, frameon=False)
    fig.text(0.5, -0.01, "Synthetic data calibrated to the published summaries of Shi et al. "
             "(2021); not the trial's patients.", ha="center", va="top", fontsize=10,
             style="italic")
    fig.savefig(folder / "overlay.png", dpi=FIGURE_DPI, bbox_inches="tight")
    plt.close(fig)

    head = export.read_text(encoding="utf-8").splitlines()[:8]
    (OUT / "md" / "digitizer_head.txt").write_text("\n".join(head) + "\n", encoding="utf-8")
    table = diagnostics.copy()
    table["events_reported"] = table["events_reported"].astype(object).where(
        table["events_reported"].notna(), "")
    (OUT / "md" / "digitized_diagnostics.md").write_text(md_table(table, ".4f"),
                                                         encoding="utf-8")
    (OUT / "md" / "digitized_at_risk.md").write_text(md_table(at_risk, ".0f"), encoding="utf-8")

    # patient rows vs reconstructed rows: same analysis, both data sets
    truth_cmp = read_table("shi2021_death", "comparison")
    digi_cmp = read_table("shi2021_death_digitized", "comparison")
    rows = []
    for (_, t), (_, d) in zip(truth_cmp.iterrows(), digi_cmp.iterrows(), strict=True):
        rows.append({"window": f"{t['window']} months",
                     "Bayesian, patient rows": fmt_hr(t.bayes_hr, t.bayes_lower, t.bayes_upper),
                     "Bayesian, reconstructed (pooled)": fmt_hr(d.bayes_hr, d.bayes_lower,
                                                                d.bayes_upper),
                     "Cox, patient rows": fmt_hr(t.freq_hr, t.freq_lower, t.freq_upper),
                     "Cox, reconstructed": fmt_hr(d.freq_hr, d.freq_lower, d.freq_upper)})
    (OUT / "md" / "digitized_vs_truth.md").write_text(md_table(pd.DataFrame(rows)),
                                                      encoding="utf-8")
    cox_truth = frequentist.cox(truth).iloc[0]
    cox_rec = frequentist.cox(reconstructed).iloc[0]
    return {
        "digi_rmse": f"{diagnostics['rmse'].max():.4f}",
        "digi_maxdiff": f"{diagnostics['max_abs_diff'].max():.4f}",
        "digi_events": " and ".join(f"{e} ({g})" for g, e in
                                    zip(diagnostics["group"], diagnostics["events"],
                                        strict=True)),
        "digi_true_events": " and ".join(
            f"{int(truth.event[truth.group_index == k].sum())} ({g})"
            for k, g in enumerate(truth.groups)),
        "digi_at_risk_diff": f"{at_risk['difference'].abs().max():.0f}",
        "digi_points": str(len(raw)),
        "digi_cox_truth": fmt_hr(cox_truth["hr"], cox_truth["lower"], cox_truth["upper"]),
        "digi_cox_rec": fmt_hr(cox_rec["hr"], cox_rec["lower"], cox_rec["upper"]),
        "digi_dloghr": f"{abs(np.log(cox_rec['hr']) - np.log(cox_truth['hr'])):.3f}",
    }


def accuracy_outputs() -> dict:
    table = pd.read_csv(OUT / "accuracy" / "accuracy_fast.csv")
    keep = ["data", "tier", "replicates", "mean_abs_d_log_hr", "p95_abs_d_log_hr", "se_ratio",
            "mean_abs_d_s", "median_rel_diff", "events_diff", "km_rmse", "tie_floor",
            "targets_met"]
    (OUT / "md" / "accuracy.md").write_text(md_table(table[keep], ".3f"), encoding="utf-8")
    missed = table[table["targets_met"] != "yes"]
    if missed.empty:
        sentence = "In this run every data set meets the targets of every tier."
    else:
        parts = [f"{data} ({', '.join(group['tier'])})"
                 for data, group in missed.groupby("data", sort=False)]
        sentence = (f"In this run {len(missed)} of {len(table)} rows miss their targets: "
                    f"{'; '.join(parts)}.")
    return {"acc_misses": sentence, "acc_rows": str(len(table)),
            "acc_met": str(int((table["targets_met"] == "yes").sum()))}


# ---------------------------------------------------------------------------- trial design
def joint_outputs() -> dict:
    """The joint (illness-death) analysis's table and quoted numbers (:mod:`generate_joint`)."""
    from generate_joint import joint_outputs as outputs

    return outputs(OUT / "reports" / JOINT, OUT / "md")


def design_outputs() -> dict:
    """The assurance table and quoted numbers of design.md (:mod:`generate_design`)."""
    from generate_design import design_outputs as outputs

    return outputs(ROOT, OUT, DESIGN_SPEC)


# ---------------------------------------------------------------------------- the rest
def cli_help() -> None:
    folder = OUT / "cli"
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, COLUMNS="92")
    for name, args in (("bayesurv", []), ("run", ["run"]), ("reconstruct", ["reconstruct"]),
                       ("design", ["design"])):
        text = subprocess.run([sys.executable, "-m", "bayesurv.runner.cli", *args, "--help"],
                              check=True, capture_output=True, text=True, env=env).stdout
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")


def copy_notebooks() -> None:
    folder = OUT / "notebooks"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy2(notebook, folder / notebook.name)


def check_reference_pages() -> None:
    """Fail when the API or spec reference misses a name the code has."""
    import bayesurv
    from bayesurv.runner.spec import SECTIONS

    api = (DOCS / "api.rst").read_text(encoding="utf-8").split()
    missing = [n for n in bayesurv.__all__ if n != "__version__" and n not in api]
    cli = (DOCS / "cli.md").read_text(encoding="utf-8")
    for section, keys in SECTIONS.items():
        wanted = [f"`{section}`"] if keys is None else [f"`{section}.{k}`" for k in keys]
        missing += [w for w in wanted if w not in cli]
    if missing:
        raise SystemExit(f"generate: not documented in docs/api.rst or docs/cli.md: {missing}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rerun even if inputs unchanged")
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1),
                        help="parallel processes for the runs (default: CPUs, at most 4)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    check_reference_pages()
    (OUT / "md").mkdir(parents=True, exist_ok=True)
    digest = inputs_hash()
    fresh = (HASH_FILE.is_file() and HASH_FILE.read_text().strip() == digest
             and (OUT / "values.json").is_file())
    if fresh and not args.force:
        print("generate: runs are up to date (inputs unchanged); --force reruns them")
    else:
        HASH_FILE.unlink(missing_ok=True)
        run_all(max(1, args.workers))
        values = prior_values()
        for name in SINGLE:
            values |= spec_values(name)
        values |= joint_outputs()
        values |= digitized_outputs()
        values |= accuracy_outputs()
        values |= design_outputs()
        for name in ("shi2021_death", "shi2021_hcc"):
            (OUT / "md" / f"{PREFIX[name]}_comparison.md").write_text(
                comparison_markdown(name), encoding="utf-8")
            (OUT / "md" / f"{PREFIX[name]}_sensitivity.md").write_text(
                sensitivity_markdown(name), encoding="utf-8")
            (OUT / "md" / f"{PREFIX[name]}_estimands.md").write_text(
                estimands_markdown(name), encoding="utf-8")
        (OUT / "md" / "death_baseline.md").write_text(baseline_markdown("shi2021_death"),
                                                     encoding="utf-8")
        (OUT / "md" / "death_changepoint_prior.md").write_text(
            changepoint_prior_markdown("shi2021_death"), encoding="utf-8")
        (OUT / "md" / "digi_comparison.md").write_text(
            comparison_markdown("shi2021_death_digitized"), encoding="utf-8")
        (OUT / "md" / "digi_reconstruction_share.md").write_text(
            md_table(read_table("shi2021_death_digitized", "reconstruction_share"), ".3f"),
            encoding="utf-8")
        (OUT / "md" / "priors.md").write_text(prior_markdown(), encoding="utf-8")
        (OUT / "md" / "calibration.md").write_text(calibration_markdown(), encoding="utf-8")
        (OUT / "values.json").write_text(json.dumps(values, indent=1, sort_keys=True),
                                         encoding="utf-8")
        HASH_FILE.write_text(digest + "\n")
    cli_help()
    copy_notebooks()
    print(f"generate: done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
