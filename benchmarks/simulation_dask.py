"""A simulation study as Dask tasks (``bs.run_tasks``): wall time on 1 vs 2 workers, same results.

Each task simulates a trial shaped like the reference trial (about 110 patients per arm, HR
0.5 after 12 months, uniform censoring between 24 and 85 months) from its own seed and fits
``PiecewiseExponential(cuts=[12], baseline=[6, 24])`` to it (2 chains x 300 tuning + 300
draws), returning the posterior medians of the two log HRs.  The study runs on a local
cluster of 1 and then 2 worker processes (one thread each; each worker compiles the model
once, then every fit costs sampling only).  Printed: wall time of each (cluster start-up and
compilation included, then per fit), the speed-up, and whether the two result tables are
identical (they must be: a task's seed depends on the study's seed and its index only).

Run ``python benchmarks/simulation_dask.py`` (500 fits; about 5-10 minutes on 2 idle
cores) or ``--fits 50``; ``--draws 100 --chains 1`` makes each fit cheaper.
"""

from __future__ import annotations

import argparse
import functools
import time
import warnings

import numpy as np

SEED = 20261201


def one_fit(index: int, seed: int, draws: int = 300, chains: int = 2
            ) -> tuple[int, float, float]:
    import bayesurv as bs

    df = bs.simulate_trial(n=(110, 110), baseline_rates=[0.01], log_hr=(0.0, np.log(0.5)),
                           tau=12, censoring=(24, 85), seed=seed)
    data = bs.SurvivalData.from_frame(df, reference="control")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesurvWarning)
        fit = bs.PiecewiseExponential(cuts=[12], baseline=[6, 24]).fit(
            data, draws=draws, tune=draws, chains=chains, random_seed=seed, progressbar=False)
    medians = fit.idata.posterior["log_hr"].median(("chain", "draw")).to_numpy().ravel()
    return index, float(medians[0]), float(medians[1])


def study(fits: int, workers: int, draws: int = 300, chains: int = 2) -> tuple[list, float]:
    from distributed import Client, LocalCluster

    import bayesurv as bs

    start = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        def report(done, total):
            if done % max(1, total // 10) == 0 or done == total:
                print(f"  {workers} worker(s): {done}/{total} fits", flush=True)

        task = functools.partial(one_fit, draws=draws, chains=chains)
        results = bs.run_tasks(task, fits, seed=SEED, client=client, progress=report)
    return results, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=500)
    parser.add_argument("--draws", type=int, default=300, help="tuning and kept draws per chain")
    parser.add_argument("--chains", type=int, default=2)
    args = parser.parse_args()
    one, t_one = study(args.fits, 1, args.draws, args.chains)
    two, t_two = study(args.fits, 2, args.draws, args.chains)
    print(f"{args.fits} fits: 1 worker {t_one:.0f} s ({t_one / args.fits:.2f} s per fit), "
          f"2 workers {t_two:.0f} s ({t_two / args.fits:.2f} s per fit); speed-up "
          f"{t_one / t_two:.2f}")
    print(f"identical results on 1 and 2 workers: {one == two}")
    before = np.array([r[1] for r in one])
    after = np.array([r[2] for r in one])
    print(f"mean posterior median HR before 12: {np.exp(before.mean()):.2f} (true 1.00), "
          f"after: {np.exp(after.mean()):.2f} (true 0.50)")


if __name__ == "__main__":
    main()
