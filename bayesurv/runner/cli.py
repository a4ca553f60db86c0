"""The ``bayesurv`` command line: run analysis specs, reconstruct digitized curves."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from bayesurv.base.exceptions import BayesurvError
from bayesurv.base.output import write_atomically
from bayesurv.base.termination import termination_handled
from bayesurv.runner.cli_support import output_lock, positive, setting

__all__ = ["main"]

REFERENCE_SPECS = ("shi2021_death.toml", "shi2021_hcc.toml", "shi2021_death_digitized.toml",
                   "shi2021_joint.toml")


def _parser() -> argparse.ArgumentParser:
    from bayesurv.base.version import __version__

    parser = argparse.ArgumentParser(
        prog="bayesurv",
        description="Bayesian survival analysis of trials whose treatment effect changes over "
                    "time: piecewise-exponential models with fixed or estimated change-points, "
                    "side by side with landmark Cox analyses and published results.",
        epilog="Examples:\n  bayesurv run                      # the reference-trial analyses\n"
               "  bayesurv run models/my.toml --out results --draws 2000\n"
               "  bayesurv reconstruct curves.csv --risk-table risk.csv -o patients.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"bayesurv {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run", help="run analysis specs and write a report folder per spec",
        description="Fit each spec's model, compare with landmark Cox models and published "
                    "HRs, run the prior sensitivity analysis and write a report folder "
                    "(summary.md, tables/*.csv, figures/*.png, posterior.nc) per spec. With no "
                    "SPEC, runs the reference trial's analyses in models/ (synthetic, "
                    "calibrated data).")
    run.add_argument("specs", nargs="*", metavar="SPEC", help="TOML analysis specification(s)")
    run.add_argument("--out", default="report", metavar="DIR",
                     help="folder for the reports, one subfolder per spec (default: report)")
    run.add_argument("--draws", type=setting("draws"), metavar="N",
                     help="posterior draws per chain (overrides the spec; tuning steps follow "
                          "unless --tune is given)")
    run.add_argument("--tune", type=setting("tune"), metavar="N", help="tuning steps per chain")
    run.add_argument("--chains", type=setting("chains"), metavar="N", help="number of chains")
    run.add_argument("--seed", type=setting("random_seed"), metavar="N", help="random seed")
    run.add_argument("--jobs", type=positive, metavar="N",
                     help="specs run in parallel on N processes (default: one per CPU core, "
                          "at most one per spec); progress bars show only with --jobs 1")
    run.add_argument("--quiet", action="store_true",
                     help="no progress bars or stage messages; only where reports went")

    rec = sub.add_parser(
        "reconstruct", help="reconstruct patient rows from digitized Kaplan-Meier curves",
        description="Reconstruct patient-level rows (time, event, group) from digitized "
                    "Kaplan-Meier curves with the algorithm of Guyot et al. (BMC Med Res "
                    "Methodol 2012;12:9) and print the reconstruction diagnostics.")
    rec.add_argument("curves", metavar="CURVES.csv",
                     help="digitized curves: tidy CSV (group,time,survival) or a plot "
                          "digitizer's export (see --format)")
    rec.add_argument("--risk-table", metavar="RISK.csv",
                     help="numbers at risk: CSV with columns group,time,n_at_risk")
    rec.add_argument("--total-events", action="append", default=[], metavar="GROUP=N",
                     help="total events reported for a group (repeat per group)")
    rec.add_argument("--format", choices=("tidy", "digitizer"), default="tidy",
                     help="layout of CURVES.csv (default: tidy)")
    rec.add_argument("--scale", choices=("auto", "fraction", "percent"), default="auto",
                     help="survival given as a fraction or a percentage (default: auto)")
    rec.add_argument("-o", "--output", required=True, metavar="IPD.csv",
                     help="where to write the reconstructed patient rows")
    rec.add_argument("--draws", type=positive, metavar="K",
                     help="write K plausible reconstructions in one file, numbered in a "
                          "'reconstruction' column (for a pooled fit)")
    rec.add_argument("--seed", type=setting("random_seed"), default=0, metavar="N",
                     help="seed of the --draws reconstructions (default: 0)")
    from bayesurv.runner.design_cli import add_design_parser

    add_design_parser(sub)
    return parser


def reference_specs() -> list[Path]:
    """The reference trial's specs: ``models/`` here, else next to the package's source.

    Examples
    --------
    >>> [path.name for path in reference_specs()]  # doctest: +NORMALIZE_WHITESPACE
    ['shi2021_death.toml', 'shi2021_hcc.toml', 'shi2021_death_digitized.toml',
     'shi2021_joint.toml']
    """
    for folder in (Path.cwd() / "models", Path(__file__).resolve().parents[1] / "models"):
        paths = [folder / name for name in REFERENCE_SPECS]
        if all(p.is_file() for p in paths):
            return paths
    raise BayesurvError("the reference-trial specs (models/shi2021_*.toml) were not found; run "
                        "from the repository folder or give SPEC paths")


def _run_one(spec, inputs, args, progress: bool, quiet: bool) -> tuple[str, Path, float]:
    """Run one spec and write its report; returns (name, folder, seconds)."""
    from bayesurv.runner import report, report_aggregated

    start = time.perf_counter()
    log = (lambda message: None) if quiet else (lambda message: print(message, flush=True))
    # aggregated rows (source = "parquet") get the report of what they can answer
    module = report_aggregated if spec.data["source"] == "parquet" else report
    result = module.run_analysis(spec, draws=args.draws, tune=args.tune, chains=args.chains,
                                 seed=args.seed, progress=progress, log=log, inputs=inputs)
    folder = module.write_report(result, Path(args.out) / spec.name, log=lambda message: None)
    return spec.name, folder, time.perf_counter() - start


def _run(args) -> int:
    from bayesurv.runner.spec import load_spec
    from bayesurv.runner.spec_inputs import load_inputs

    paths = [Path(p) for p in args.specs] or reference_specs()
    # every spec, its files and the output folder are checked before the first model compiles
    specs = [load_spec(p) for p in paths]
    folders = {}
    for path, spec in zip(paths, specs, strict=True):
        if spec.name in folders:
            raise BayesurvError(f"{folders[spec.name]} and {path} would both write the report "
                                f"folder {Path(args.out) / spec.name}; rename one of the spec "
                                "files or run them with different --out folders")
        folders[spec.name] = path
        spec.sampler_settings(draws=args.draws, tune=args.tune, chains=args.chains,
                              seed=args.seed)
    inputs = [load_inputs(spec) for spec in specs]
    with output_lock(Path(args.out)):
        return _run_specs(args, specs, inputs)


def _run_specs(args, specs, inputs) -> int:
    jobs = min(args.jobs or os.cpu_count() or 1, len(specs))
    start = time.perf_counter()
    if jobs == 1:
        for k, (spec, loaded) in enumerate(zip(specs, inputs, strict=True), start=1):
            if not args.quiet:
                print(f"[{k}/{len(specs)}] {spec.title}", flush=True)
            _report_done(*_run_one(spec, loaded, args, progress=not args.quiet,
                                   quiet=args.quiet))
    else:
        if not args.quiet:
            print(f"running {len(specs)} specs on {jobs} processes", flush=True)
        # fork: workers inherit the imported packages and the warning format
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = [pool.submit(_run_one, spec, loaded, args, False, args.quiet)
                       for spec, loaded in zip(specs, inputs, strict=True)]
            for future in as_completed(futures):
                _report_done(*future.result())
    if not args.quiet and len(specs) > 1:
        print(f"all {len(specs)} reports written in {time.perf_counter() - start:.0f} s",
              flush=True)
    return 0


def _report_done(name: str, folder: Path, seconds: float) -> None:
    print(f"{name}: report in {folder / 'summary.md'} ({seconds:.0f} s)", flush=True)


def _reconstruct(args) -> int:
    import pandas as pd

    from bayesurv.base.formatting import markdown_table
    from bayesurv.digitized.io import read_curves_csv, read_digitizer_csv, read_risk_table_csv
    from bayesurv.digitized.reconstruct import reconstruct_ipd

    inputs = [p for p in (args.curves, args.risk_table) if p]
    if any(_same_file(args.output, p) for p in inputs):
        raise BayesurvError(f"--output {args.output} is one of the input files; bayesurv never "
                            "overwrites its input, choose another output file")
    reader = read_digitizer_csv if args.format == "digitizer" else read_curves_csv
    curves = reader(args.curves, scale=args.scale)
    risk = read_risk_table_csv(args.risk_table) if args.risk_table else None
    totals = {}
    for item in args.total_events:
        group, _, count = item.rpartition("=")
        if not group or not count.isdigit():
            raise BayesurvError(f"--total-events expects GROUP=N, got {item!r}")
        totals[group] = int(count)
    ipd = reconstruct_ipd(curves, risk, total_events=totals or None, draws=args.draws,
                          random_seed=args.seed)
    if args.draws is not None:
        from bayesurv.runner.reconstruct_draws import stack_reconstructions

        first, ipd = ipd[0], stack_reconstructions(ipd)
        ipd.attrs["diagnostics"] = first.attrs.get("diagnostics")
    if ipd.empty:
        raise BayesurvError(f"the reconstruction has no patient rows; {args.output} was not "
                            "written (check the numbers at risk at time 0)")
    write_atomically(args.output, lambda temporary: ipd.to_csv(temporary, index=False))
    what = f" ({args.draws} reconstructions)" if args.draws else ""
    print(f"wrote {len(ipd)} patient rows{what} to {args.output}")
    diagnostics = ipd.attrs.get("diagnostics")
    if diagnostics:
        print(markdown_table(pd.DataFrame(diagnostics), floatfmt=".4g"))
    return 0


def _same_file(a, b) -> bool:
    """Whether two paths name the same file (the same inode if both exist)."""
    a, b = Path(a), Path(b)
    if a.exists() and b.exists():
        return a.samefile(b)
    return a.resolve() == b.resolve()


def _one_line_warning(message, category, filename, lineno, line=None):
    return f"bayesurv: warning: {message}\n"


def main(argv=None) -> int:
    """Entry point of the ``bayesurv`` console script.

    Examples
    --------
    Errors are printed (to standard error) and give exit status 2:

    >>> main(["run", "no_such_spec.toml"])
    2

    ``bayesurv run`` with no spec runs the reference-trial analyses (long):

    >>> main(["run", "--out", "report", "--quiet"])  # doctest: +SKIP
    0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    warnings.formatwarning = _one_line_warning
    try:
        with termination_handled():
            if args.command == "run":
                return _run(args)
            if args.command == "design":
                from bayesurv.runner.design_cli import run_design_command

                return run_design_command(args)
            return _reconstruct(args)
    except BayesurvError as exc:
        print(f"bayesurv: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"bayesurv: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bayesurv: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
