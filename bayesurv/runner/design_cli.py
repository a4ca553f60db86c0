"""The ``bayesurv design`` command: plan a trial from a spec's ``[design]`` table."""

from __future__ import annotations

import time
from pathlib import Path

from bayesurv.runner.cli_support import output_lock, positive, setting

__all__ = ["add_design_parser", "run_design_command"]


def add_design_parser(sub) -> None:
    """Add the ``design`` subcommand to the command line's subparsers."""
    design = sub.add_parser(
        "design", help="plan a trial: power or assurance curves and the sample size",
        description="Simulate the trials of a spec's [design] table: power (or assurance, "
                    "for a posterior scenario: the spec's model is fitted first) of each "
                    "test on a grid of trial sizes, the sample size for a target, and a "
                    "report folder (summary.md, tables/*.csv, figures/*.png).")
    design.add_argument("spec", metavar="SPEC", help="TOML spec with a [design] table")
    design.add_argument("--out", default="report", metavar="DIR",
                        help="folder for the report, one subfolder per spec "
                             "(default: report)")
    design.add_argument("--trials", type=positive, metavar="N",
                        help="simulated trials per design (overrides the spec)")
    design.add_argument("--seed", type=setting("random_seed"), metavar="N",
                        help="random seed of the simulation and the fit")
    design.add_argument("--draws", type=setting("draws"), metavar="N",
                        help="posterior draws per chain of the fit (posterior scenario)")
    design.add_argument("--quiet", action="store_true",
                        help="no progress or stage messages; only where the report went")


def run_design_command(args) -> int:
    """Run ``bayesurv design`` (errors are raised for :func:`bayesurv.runner.cli.main`)."""
    from bayesurv.runner.design_report import run_design, write_design_report
    from bayesurv.runner.design_spec import load_design_spec

    start = time.perf_counter()
    plan = load_design_spec(args.spec)  # checked whole before any fit or simulation
    if plan.analysis is not None:
        plan.analysis.sampler_settings(draws=args.draws, seed=args.seed)
        plan.analysis.load_data()
    log = (lambda message: None) if args.quiet else (lambda m: print(m, flush=True))
    out = Path(args.out)
    with output_lock(out):
        outcome = run_design(plan, trials=args.trials, seed=args.seed, draws=args.draws,
                             progress=not args.quiet, log=log)
        folder = write_design_report(outcome, out / plan.name, log=lambda message: None)
    print(f"{plan.name}: report in {folder / 'summary.md'} "
          f"({time.perf_counter() - start:.0f} s)", flush=True)
    return 0
