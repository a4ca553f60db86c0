"""Peer benchmark: the reference change-point model in bayesurv, JAGS, Stan and brms.

The same model, priors and data in every tool (see ``README.md`` here): baseline hazard
piecewise constant on pieces cut at 6.66, 15.8 and 44.2 months with a Gaussian random-walk
prior on its log, treatment log HR ``before`` / ``after`` a change point tau on the grid
4..56 months (discretized normal prior near 13, sd 3.25), right-censored piecewise-
exponential likelihood. 4 chains x (1000 warm-up + 1000 draws) everywhere.

* bayesurv: ``ChangePoint(near=13, baseline=[6.66, 15.8, 44.2])`` (the cuts written out: they
  were bayesurv's default baseline when the peer scripts were written), tau marginalized, the
  default (JAX) sampler;
* JAGS (rjags): tau sampled directly as a categorical;
* Stan (rstan) and brms: tau marginalized with log_sum_exp over the grid.

The cohort (``bs.datasets.shi2021("death")``) is written to a CSV that every tool reads.  Each
tool fits twice in one process: the first fit pays compilation (Stan, brms; JAX unless its
persistent cache is warm), the second reuses the compiled model.  A tool whose R or R package
is missing is skipped with a message.  Timings depend on the machine and its load: compare
tools within one run.

Run from the repository root: ``python benchmarks/peers/run_peers.py`` (``--help``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
COLUMNS = ["tool", "run", "seconds_total", "seconds_compile", "seconds_sampling", "min_ess",
           "ess_kind", "max_rhat", "hr_before", "hr_after", "tau_mode"]
# tool key -> (R script, R packages it needs)
R_TOOLS = {
    "jags": ("jags_changepoint.R", ["rjags", "coda"]),
    "stan": ("stan_changepoint.R", ["rstan"]),
    "brms": ("brms_changepoint.R", ["brms", "rstan"]),
}


def write_data(path: str) -> None:
    import bayesurv as bs

    df = bs.datasets.shi2021("death")
    df[["time", "event", "arm"]].to_csv(path, index=False)


PEER_BASELINE = [6.66, 15.8, 44.2]  # the cuts the R and Stan scripts hard-code


def bayesurv_rows(csv: str, runs: int) -> list[dict]:
    """Fit the reference model ``runs`` times in this process on the CSV's data."""
    import pandas as pd

    import bayesurv as bs

    data = bs.SurvivalData.from_frame(pd.read_csv(csv), reference="control")
    rows = []
    for run in range(1, runs + 1):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = bs.ChangePoint(near=13, baseline=PEER_BASELINE).fit(
                data, draws=1000, tune=1000, chains=4, random_seed=100 * run, progressbar=False)
        seconds = time.perf_counter() - start
        diag = fit.diagnostics(warn=False)
        hr = fit.hazard_ratios().set_index("period")["median"]
        rows.append({"tool": "bayesurv (jax)", "run": str(run), "seconds_total": f"{seconds:.2f}",
                     "seconds_compile": "NA", "seconds_sampling": "NA",
                     "min_ess": f"{diag.min_ess_bulk:.0f}", "ess_kind": "bulk",
                     "max_rhat": f"{diag.max_r_hat:.4f}", "hr_before": f"{hr['before']:.3f}",
                     "hr_after": f"{hr['after']:.3f}",
                     "tau_mode": f"{fit.changepoint_summary()['mode']:g}"})
    return rows


def missing_r_packages(rscript: str, packages: list[str]) -> list[str]:
    code = ("p <- commandArgs(TRUE); "
            "cat(p[!vapply(p, requireNamespace, TRUE, quietly = TRUE)], sep = ' ')")
    out = subprocess.run([rscript, "-e", code, *packages], capture_output=True,
                         text=True)
    return out.stdout.split() if out.returncode == 0 else packages


def r_rows(rscript: str, tool: str, csv: str, runs: int,
           cores: int) -> tuple[list[dict], float | None]:
    """Run one R script; its PEER lines as rows, and the whole-process seconds."""
    script, packages = R_TOOLS[tool]
    missing = missing_r_packages(rscript, packages)
    if missing:
        print(f"skipping {tool}: R package(s) {', '.join(missing)} not installed")
        return [], None
    command = [rscript, os.path.join(HERE, script), csv, str(runs)]
    if tool != "jags":
        command.append(str(cores))
    start = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    rows = [dict(zip(COLUMNS, line.split(",")[1:], strict=True))
            for line in out.stdout.splitlines()
            if line.startswith("PEER,") and not line.startswith("PEER,tool,")]
    if out.returncode != 0 or not rows:
        print(f"{tool} failed (exit {out.returncode}):\n{out.stderr[-2000:]}")
    return rows, seconds


def print_table(rows: list[dict]) -> None:
    widths = {c: max(len(c), *(len(r[c]) for r in rows)) for c in COLUMNS}
    print("  ".join(c.rjust(widths[c]) for c in COLUMNS))
    for r in rows:
        print("  ".join(r[c].rjust(widths[c]) for c in COLUMNS))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", nargs="+", default=["bayesurv", *R_TOOLS],
                        choices=["bayesurv", *R_TOOLS], help="tools to run (default: all)")
    parser.add_argument("--runs", type=int, default=2, help="fits per tool (default 2)")
    parser.add_argument("--cores", type=int, default=1,
                        help="Stan/brms chains in parallel (default 1: one after the other)")
    parser.add_argument("--data", help="write the cohort CSV here and keep it "
                                       "(default: a temporary file)")
    args = parser.parse_args(argv)

    folder = tempfile.mkdtemp(prefix="peers-")
    csv = args.data or os.path.join(folder, "cohort.csv")
    write_data(csv)
    rscript = shutil.which("Rscript")
    rows, process_seconds = [], {}
    for tool in args.tools:
        print(f"running {tool} ...", flush=True)
        if tool == "bayesurv":
            rows += bayesurv_rows(csv, args.runs)
        elif rscript is None:
            print(f"skipping {tool}: Rscript not found (install R)")
        else:
            tool_rows, seconds = r_rows(rscript, tool, csv, args.runs, args.cores)
            rows += tool_rows
            if tool_rows:
                process_seconds[tool] = seconds
    shutil.rmtree(folder, ignore_errors=True)

    print("\nPer fit: 4 chains x (1000 warm-up + 1000 draws); seconds are wall-clock; "
          "compile 0.00 = compiled model reused; NA = not separable")
    if rows:
        print_table(rows)
    for tool, seconds in process_seconds.items():
        print(f"{tool}: whole R process (start-up, package loading, all fits) {seconds:.1f} s")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
