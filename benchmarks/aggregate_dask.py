"""Aggregating a Parquet cohort on Dask (``bs.aggregate``): time and peak memory per row.

A cohort of ``--rows`` patients (time, event, arm) is generated as Parquet files of
``--rows-per-file`` rows each (a Dask partition per file), then aggregated on a grid of
``--grid`` time units by

- the Dask path: ``bs.aggregate("cohort/*.parquet", ...)`` on Dask's threaded scheduler
  (``--workers N``: on a local cluster of N worker processes instead);
- the in-memory pandas path, on the first ``--pandas-rows`` rows: ``pd.read_parquet``,
  ``SurvivalData.from_frame`` and ``ExposureTable.from_data``, everything in memory at once.

Each path runs in a fresh process, watched from this one: the peak of the summed resident
memory of that process and all its children (sampled every 50 ms with psutil), and the
process's own peak from ``getrusage``.  The baseline (a process that only imports bayesurv
and Dask) is printed too: most of a small run's memory is the libraries.  Printed: seconds
per 10^7 rows, peak memory, the pandas path's memory scaled linearly to 5 x 10^7 rows, and
the largest difference between the two aggregated tables on the rows both saw (float
rounding only).

Run ``python benchmarks/aggregate_dask.py`` (10^7 rows) or ``--rows 100000000`` for the
size the issue asks for (about 1.5 GB of Parquet; allow a few minutes per 10^7 rows on a
loaded machine).  ``--keep DIR`` keeps the files in DIR and reuses them on the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

SEED = 20261201


def generate(folder: Path, rows: int, rows_per_file: int) -> list[Path]:
    """Parquet files of a two-arm cohort: exponential event times (hazard 0.02 and 0.01 per
    month), uniform censoring between 12 and 120 months."""
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for k, start in enumerate(range(0, rows, rows_per_file)):
        path = folder / f"part-{k:05d}.parquet"
        files.append(path)
        if path.exists():
            continue
        n = min(rows_per_file, rows - start)
        rng = np.random.default_rng([SEED, k])
        treated = rng.random(n) < 0.5
        event_time = rng.exponential(1.0 / np.where(treated, 0.01, 0.02))
        censor = rng.uniform(12.0, 120.0, n)
        frame = pd.DataFrame({"time": np.round(np.minimum(event_time, censor), 4),
                              "event": (event_time <= censor).astype(np.int8),
                              "arm": np.where(treated, "treated", "control")})
        frame.to_parquet(path, index=False)
    return files


def run_dask(files: list[str], grid: float, workers: int) -> dict:
    import bayesurv as bs

    start = time.perf_counter()
    if workers:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=workers, threads_per_worker=1,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            agg = bs.aggregate(files, reference="control", grid=grid, client=client)
    else:
        agg = bs.aggregate(files, reference="control", grid=grid)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "n": agg.n, "events": agg.table.events.tolist(),
            "exposure": agg.table.exposure.tolist(), "edges": agg.grid.tolist()}


def run_pandas(files: list[str], grid: float) -> dict:
    import pandas as pd

    import bayesurv as bs
    from bayesurv.data.exposure import ExposureTable

    start = time.perf_counter()
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    data = bs.SurvivalData.from_frame(frame, reference="control")
    edges = grid * np.arange(int(np.ceil(data.max_time / grid)))
    table = ExposureTable.from_data(data, edges)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "n": data.n, "events": table.events.tolist(),
            "exposure": table.exposure.tolist(), "edges": edges.tolist()}


def run_baseline() -> dict:
    import dask.dataframe  # noqa: F401

    import bayesurv  # noqa: F401

    return {"seconds": 0.0}


def measure(args: list[str]) -> dict:
    """Run this script in a child process; its result, peak summed RSS and getrusage peak."""
    import psutil

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen([sys.executable, __file__, "--child", *args],
                             stdout=subprocess.PIPE, env=env, text=True)
    peak = 0
    done = threading.Event()

    def watch():
        nonlocal peak
        process = psutil.Process(child.pid)
        while not done.is_set():
            try:
                tree = [process, *process.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, _ = child.communicate()
    done.set()
    watcher.join()
    if child.returncode:
        raise SystemExit(f"child {args} failed")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = peak / 2**20
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--rows-per-file", type=int, default=1_000_000)
    parser.add_argument("--pandas-rows", type=int, default=None,
                        help="rows for the in-memory path (default: all, at most 10^7)")
    parser.add_argument("--grid", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--child", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.child:
        mode, grid, workers, *files = args.child
        result = (run_baseline() if mode == "baseline"
                  else run_pandas(files, float(grid)) if mode == "pandas"
                  else run_dask(files, float(grid), int(workers)))
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch) / "cohort"
        start = time.perf_counter()
        files = [str(f) for f in generate(folder, args.rows, args.rows_per_file)]
        print(f"cohort: {args.rows:,} rows in {len(files)} Parquet files "
              f"({sum(os.path.getsize(f) for f in files) / 2**20:.0f} MB), ready in "
              f"{time.perf_counter() - start:.1f} s")
        pandas_rows = min(args.rows, args.pandas_rows or 10_000_000)
        pandas_files = files[:max(1, pandas_rows // args.rows_per_file)]
        pandas_rows = min(args.rows, len(pandas_files) * args.rows_per_file)

        base = measure(["baseline", "0", "0"])
        dask_all = measure(["dask", str(args.grid), str(args.workers), *files])
        dask_sub = measure(["dask", str(args.grid), str(args.workers), *pandas_files])
        pandas = measure(["pandas", str(args.grid), "0", *pandas_files])

    per = 1e7
    print(f"libraries only (import bayesurv, dask): peak {base['peak_mb']:.0f} MB")
    where = f"local cluster of {args.workers} workers" if args.workers else "threaded scheduler"
    print(f"Dask ({where}), {args.rows:,} rows: {dask_all['seconds']:.1f} s "
          f"({dask_all['seconds'] / args.rows * per:.1f} s per 10^7 rows), peak memory of all "
          f"processes {dask_all['peak_mb']:.0f} MB")
    print(f"Dask, {pandas_rows:,} rows: {dask_sub['seconds']:.1f} s "
          f"({dask_sub['seconds'] / pandas_rows * per:.1f} s per 10^7 rows), peak "
          f"{dask_sub['peak_mb']:.0f} MB")
    # the libraries' memory does not grow with the rows: only the rest is scaled
    scaled = base["peak_mb"] + (pandas["peak_mb"] - base["peak_mb"]) * 5e7 / pandas_rows
    print(f"pandas in memory, {pandas_rows:,} rows: {pandas['seconds']:.1f} s "
          f"({pandas['seconds'] / pandas_rows * per:.1f} s per 10^7 rows), peak "
          f"{pandas['peak_mb']:.0f} MB; scaled to 5 x 10^7 rows (libraries + rows x 5 x "
          f"10^7 / {pandas_rows:,}): {scaled:.0f} MB")
    print(f"ratio of peaks, Dask on {args.rows:,} rows / pandas scaled to 5 x 10^7: "
          f"{dask_all['peak_mb'] / scaled:.2f}; Dask / pandas on the same "
          f"{pandas_rows:,} rows: {dask_sub['peak_mb'] / pandas['peak_mb']:.2f}")
    print(f"largest single process (getrusage): "
          f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
    same_edges = dask_sub["edges"] == pandas["edges"]
    d_exp, p_exp = np.asarray(dask_sub["exposure"]), np.asarray(pandas["exposure"])
    relative = (np.abs(d_exp - p_exp).max() / np.abs(p_exp).max() if same_edges
                else np.nan)
    print(f"same table on {pandas_rows:,} rows: edges {same_edges}, events identical "
          f"{dask_sub['events'] == pandas['events']}, largest exposure difference "
          f"{relative:.1e} of the largest cell (float rounding)")


if __name__ == "__main__":
    main()
