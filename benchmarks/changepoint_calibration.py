"""Simulation-based calibration of the change-point model (``bayesurv.ChangePoint``).

If the model is coded correctly, then for parameters drawn from the very priors the fit
uses and data simulated from them, posterior intervals cover the true values at their
nominal rate and the true values' posterior ranks (PIT values) are uniform (Talts et al.
2018, arXiv:1804.06788; Cook, Gelman & Rubin 2006).

Each simulated trial is shaped like the reference trial: 110 patients per arm, uniform
censoring between 24 and 85 months, about 45 deaths.  Every parameter is drawn from the
fit's prior:

- tau from its prior on the grid 12, 13, ..., 42 months (uniform, the model's default);
- the log HRs before and after tau from Normal(0, 1) (the package's default);
- the baseline, a random walk on the fixed pieces 0-12, 12-24, 24-48 and 48+ months: the
  first log hazard ~ Normal(log 0.0032, 0.3) (``baseline_centre`` makes this prior absolute;
  the default centre is the data's crude event rate, which would make the prior depend on
  the data) and each next one = previous + Normal(0, 0.3).  This centre gives about 45
  deaths per trial on average under the prior (the prior predictive figures are printed).

A grid point with no event on one side makes the model raise ``ModelError``.  The grid
starts at 12 and ends at 42 months so that this practically never happens; when it does, the
data set is discarded and redrawn, and counted.  Discarding data sets by a rule that looks
only at the data leaves the calibration exact: the ranks are uniform given every data set,
hence also over any selection of data sets.

Printed: 50% and 90% interval coverage (equal-tailed) of both log HRs and of the baseline
log hazards, with binomial 95% intervals; uniformity tests (chi-square on 10 bins and
Kolmogorov-Smirnov) of the PIT values; for tau, the randomized PIT for a discrete
posterior, ``P(tau < true) + U * P(tau = true)`` with the Rao-Blackwellized
``tau_probability`` averaged over draws, as a 10-bin histogram table with the same tests;
divergences, convergence figures and run time.

Run ``python benchmarks/changepoint_calibration.py`` (400 trials on a local Dask cluster of
2 worker processes, 2 chains x 500 tuning + 500 draws each; 20 to 40 minutes on 2 cores,
depending on load) or ``--quick`` (20 trials).  ``--trials`` and ``--processes`` (workers of
the local cluster; 1: in this process) override; ``--scheduler tcp://host:8786`` runs the
trials on an existing Dask cluster instead (any deployment: SSH, Kubernetes, HPC queue).
Each trial is a task (``bayesurv.run_tasks``) whose random stream depends on the study's
seed and the trial's index only, so the results are identical for any number of workers;
each worker compiles the model once.  ``tests/test_calibration.py``
runs a small tier of the same check with the functions below.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import logging
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

import bayesurv as bs
from bayesurv.inference.tasks import local_client

SEED = 20211431  # the reference article's volume and first page
PRIOR_PREDICTIVE_STREAM = 2**31 - 1  # random stream of the prior predictive check, no trial's
LOG_HR_PRIOR = bs.priors.Normal(0.0, 1.0)
BASELINE_LEVEL_PRIOR = bs.priors.Normal(0.0, 0.3)
BASELINE_STEP_PRIOR = bs.priors.Normal(0.0, 0.3)


@dataclass(frozen=True)
class Setup:
    """Everything that defines the calibration study: trial shape, priors and sampler."""

    n: tuple[int, int] = (110, 110)
    censoring: tuple[float, float] = (24.0, 85.0)
    grid: tuple[float, ...] = tuple(float(t) for t in range(12, 43))
    baseline_cuts: tuple[float, ...] = (12.0, 24.0, 48.0)
    log_hr: bs.priors.Normal = LOG_HR_PRIOR
    baseline_level: bs.priors.Normal = BASELINE_LEVEL_PRIOR
    baseline_step: bs.priors.Normal = BASELINE_STEP_PRIOR
    baseline_centre: float = float(np.log(0.0032))
    draws: int = 500
    tune: int = 500
    chains: int = 2

    def model(self) -> bs.ChangePoint:
        """The model fitted to every simulated trial."""
        return bs.ChangePoint(grid=list(self.grid), baseline=list(self.baseline_cuts),
                              priors={"log_hr": self.log_hr,
                                      "baseline_level": self.baseline_level,
                                      "baseline_step": self.baseline_step,
                                      "baseline_centre": self.baseline_centre})

    def tau_prior(self) -> np.ndarray:
        """The model's prior probabilities over the grid."""
        return self.model().tau_prior(np.asarray(self.grid))


def draw_parameters(setup: Setup, rng: np.random.Generator) -> dict:
    """One draw of (tau, log HRs, baseline log hazards) from the fit's priors."""
    grid = np.asarray(setup.grid)
    tau = float(rng.choice(grid, p=setup.tau_prior()))
    log_hr = rng.normal(setup.log_hr.mu, setup.log_hr.sigma, size=2)
    level, step = setup.baseline_level, setup.baseline_step
    first = rng.normal(setup.baseline_centre + level.mu, level.sigma)
    steps = rng.normal(step.mu, step.sigma, size=len(setup.baseline_cuts))
    return {"tau": tau, "log_hr": log_hr, "log_baseline": first + np.r_[0.0, np.cumsum(steps)]}


def simulate(setup: Setup, params: dict, rng: np.random.Generator) -> bs.SurvivalData:
    """A trial from ``params``."""
    frame = bs.simulate_trial(n=setup.n, baseline_edges=(0.0, *setup.baseline_cuts),
                              baseline_rates=np.exp(params["log_baseline"]),
                              log_hr=tuple(params["log_hr"]), tau=params["tau"],
                              censoring=setup.censoring, seed=rng)
    return bs.SurvivalData.from_frame(frame, time="time", event="event", group="arm",
                                      reference="control")


def usable_trial(setup: Setup, rng: np.random.Generator) -> tuple[dict, bs.SurvivalData, int]:
    """Draw parameters and data until the model accepts the data; count the rejections."""
    model = setup.model()
    rejected = 0
    while True:
        params = draw_parameters(setup, rng)
        data = simulate(setup, params, rng)
        try:
            model.arrays(data)
        except bs.ModelError:
            rejected += 1
            continue
        return params, data, rejected


def randomized_pit(grid: np.ndarray, probability: np.ndarray, true: float, u: float) -> float:
    """PIT of ``true`` under a discrete posterior: P(X < true) + u * P(X = true)."""
    below = probability[grid < true].sum()
    at = probability[np.isclose(grid, true)].sum()
    return float(below + u * at)


def run_trial(setup: Setup, index: int, seed: int = SEED) -> dict:
    """Simulate trial ``index``, fit it and score the posterior against the truth."""
    rng = np.random.default_rng([seed, index])
    params, data, rejected = usable_trial(setup, rng)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bs.BayesurvWarning)
        fit = setup.model().fit(data, draws=setup.draws, tune=setup.tune, chains=setup.chains,
                                random_seed=int(rng.integers(2**31)), progressbar=False)
    seconds = time.perf_counter() - start
    post = fit.idata.posterior
    diag = fit.diagnostics(warn=False)
    row = {"trial": index, "rejected": rejected, "deaths": int(data.event.sum()),
           "tau": params["tau"], "divergences": diag.divergences,
           "max_rhat": diag.max_r_hat, "min_ess": diag.min_ess_bulk, "seconds": seconds}
    truths = {"log_hr_before": (params["log_hr"][0], post["log_hr"].to_numpy()[:, :, 0, 0]),
              "log_hr_after": (params["log_hr"][1], post["log_hr"].to_numpy()[:, :, 0, 1])}
    baseline = post["log_baseline"].to_numpy()
    for k, value in enumerate(params["log_baseline"]):
        truths[f"log_baseline[{k}]"] = (value, baseline[:, :, k])
    for name, (true, draws) in truths.items():
        draws = draws.ravel()
        row[f"{name}:true"] = float(true)
        row[f"{name}:pit"] = float((draws < true).mean())
        for mass in (0.5, 0.9):
            lo, hi = np.quantile(draws, [(1 - mass) / 2, (1 + mass) / 2])
            row[f"{name}:in{round(100 * mass)}"] = bool(lo <= true <= hi)
    grid = fit.idata.constant_data["tau_grid"].to_numpy()
    probability = post["tau_probability"].mean(("chain", "draw")).to_numpy()
    row["tau:pit"] = randomized_pit(grid, probability, params["tau"], float(rng.random()))
    row["tau:p_true"] = float(probability[np.isclose(grid, params["tau"])].sum())
    return row


def _quiet_worker() -> None:
    logging.getLogger("pymc").setLevel(logging.ERROR)
    warnings.simplefilter("ignore", bs.BayesurvWarning)


def _task(setup: Setup, seed: int, index: int, _task_seed: int) -> dict:
    """Trial ``index`` as a Dask task; its stream is ``[seed, index]``, not the task seed."""
    _quiet_worker()
    return run_trial(setup, index, seed)


def run_trials(setup: Setup, n_trials: int, processes: int = 1, seed: int = SEED,
               progress: bool = False, client=None) -> pd.DataFrame:
    """Run trials ``0..n_trials-1``; one row each, in trial order.

    ``client``: a Dask client to run them on; otherwise a local cluster of ``processes``
    worker processes, or this process when ``processes`` is 1.
    """
    _quiet_worker()
    if client is None and processes > 1:
        with local_client(processes) as local:
            return run_trials(setup, n_trials, seed=seed, progress=progress, client=local)
    rows = bs.run_tasks(functools.partial(_task, setup, seed), n_trials, seed=seed,
                        client=client, progress=functools.partial(_report, progress))
    return pd.DataFrame(rows)


def _report(progress: bool, done: int, total: int) -> None:
    if progress and (done % 20 == 0 or done == total):
        print(f"  {done}/{total} trials", flush=True)


def uniformity(values: np.ndarray, bins: int = 10) -> tuple[np.ndarray, float, float]:
    """Histogram counts on ``bins`` equal bins of [0, 1], chi-square and KS p-values."""
    counts = np.histogram(values, bins=bins, range=(0.0, 1.0))[0]
    chi2 = stats.chisquare(counts).pvalue
    ks = stats.kstest(values, "uniform").pvalue
    return counts, float(chi2), float(ks)


def coverage_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: 50% and 90% coverage (with binomial 95% intervals) and PIT tests."""
    names = [c.removesuffix(":in90") for c in results.columns if c.endswith(":in90")]
    rows = []
    for name in names:
        hits90 = int(results[f"{name}:in90"].sum())
        ci = stats.binomtest(hits90, len(results)).proportion_ci(0.95)
        _, chi2, ks = uniformity(results[f"{name}:pit"].to_numpy())
        rows.append({"parameter": name, "cover50": results[f"{name}:in50"].mean(),
                     "cover90": hits90 / len(results), "cover90_lo": ci.low,
                     "cover90_hi": ci.high, "pit_chi2_p": chi2, "pit_ks_p": ks})
    return pd.DataFrame(rows)


def tau_histogram(results: pd.DataFrame, bins: int = 10) -> tuple[pd.DataFrame, float, float]:
    """Histogram of the tau PIT values with the counts expected under uniformity."""
    counts, chi2, ks = uniformity(results["tau:pit"].to_numpy(), bins)
    edges = np.linspace(0, 1, bins + 1)
    table = pd.DataFrame({"bin": [f"{a:.1f}-{b:.1f}" for a, b in itertools.pairwise(edges)],
                          "count": counts, "expected": len(results) / bins,
                          "bar": ["#" * int(c) for c in counts]})
    return table, chi2, ks


def prior_predictive(setup: Setup, n_sims: int = 2000, seed: int = SEED) -> dict:
    """Deaths per trial under the prior, and how often the model would reject the data."""
    rng = np.random.default_rng([seed, PRIOR_PREDICTIVE_STREAM])
    model = setup.model()
    deaths, rejected = [], 0
    for _ in range(n_sims):
        data = simulate(setup, draw_parameters(setup, rng), rng)
        deaths.append(int(data.event.sum()))
        try:
            model.resolve_grid(data)
        except bs.ModelError:
            rejected += 1
    deaths = np.asarray(deaths)
    return {"mean": deaths.mean(), "median": float(np.median(deaths)),
            "p5": float(np.percentile(deaths, 5)), "p95": float(np.percentile(deaths, 95)),
            "rejected": rejected / n_sims, "n_sims": n_sims}


def print_report(setup: Setup, results: pd.DataFrame, seconds: float, processes: int) -> None:
    """The figure tables."""
    n = len(results)
    pd.set_option("display.width", 140)
    print(f"\nCoverage of equal-tailed intervals over {n} trials (targets 0.50 and 0.90; "
          "cover90_lo/hi: binomial 95% interval); PIT uniformity p-values")
    print(coverage_table(results).to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    table, chi2, ks = tau_histogram(results)
    print("\nRandomized PIT of tau (Rao-Blackwellized posterior over the grid)")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    print(f"tau PIT uniformity: chi-square (9 df) p = {chi2:.3f}, Kolmogorov-Smirnov p = "
          f"{ks:.3f}; mean posterior probability of the true tau "
          f"{results['tau:p_true'].mean():.3f} (prior {setup.tau_prior().max():.3f})")
    print(f"\nDeaths per trial: mean {results['deaths'].mean():.1f}, median "
          f"{results['deaths'].median():.0f}, range {results['deaths'].min()}-"
          f"{results['deaths'].max()}")
    print(f"Data sets rejected by the model (a grid point with no event on one side) and "
          f"redrawn: {int(results['rejected'].sum())} (for {n} accepted)")
    print(f"Divergences: {int(results['divergences'].sum())} in all, in "
          f"{int((results['divergences'] > 0).sum())} of {n} fits; max R-hat "
          f"{results['max_rhat'].max():.3f}; min bulk ESS {results['min_ess'].min():.0f} "
          f"(median {results['min_ess'].median():.0f})")
    print(f"Run time {seconds:.0f} s in {processes} process(es); per fit (in its process, "
          f"compilation included) median {results['seconds'].median():.1f} s, max "
          f"{results['seconds'].max():.1f} s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 trials, short chains")
    parser.add_argument("--trials", type=int, default=None, help="number of trials (400)")
    parser.add_argument("--processes", type=int, default=2,
                        help="worker processes of a local Dask cluster (2; 1: in process)")
    parser.add_argument("--scheduler", default=None,
                        help="address of a running Dask scheduler to use instead")
    args = parser.parse_args(argv)
    setup = Setup(draws=300, tune=300) if args.quick else Setup()
    n_trials = args.trials or (20 if args.quick else 400)
    pp = prior_predictive(setup)
    print(f"ChangePoint calibration: {n_trials} trials of {setup.n[0]} + {setup.n[1]} patients, "
          f"censoring U({setup.censoring[0]:g}, {setup.censoring[1]:g}); grid "
          f"{setup.grid[0]:g}..{setup.grid[-1]:g} ({len(setup.grid)} points, uniform prior); "
          f"baseline cuts {list(setup.baseline_cuts)}; priors log HR "
          f"{setup.log_hr.describe()}, baseline level {setup.baseline_level.describe()} "
          f"around log {np.exp(setup.baseline_centre):.4g}/month, step "
          f"{setup.baseline_step.describe()}; {setup.chains} chains x ({setup.tune} tune + "
          f"{setup.draws} draws); seed {SEED}")
    print(f"Prior predictive ({pp['n_sims']} simulations): deaths mean {pp['mean']:.1f}, "
          f"median {pp['median']:.0f}, 5-95% {pp['p5']:.0f}-{pp['p95']:.0f}; data sets the "
          f"model would reject: {100 * pp['rejected']:.2f}%")
    start = time.perf_counter()
    if args.scheduler:
        from distributed import Client

        with Client(args.scheduler) as client:
            workers = len(client.scheduler_info()["workers"])
            results = run_trials(setup, n_trials, progress=True, client=client)
    else:
        workers = args.processes
        results = run_trials(setup, n_trials, args.processes, progress=True)
    print_report(setup, results, time.perf_counter() - start, workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
