"""Exposure-table likelihood versus the naive patient-by-piece ("long format") Poisson model.

The same fixed-cut model (treatment log HR before and after 13 months, baseline hazard
constant on pieces cut at 6, 13, 24 and 36 months, the package's default priors) is fitted
two ways on the same simulated trials:

- ``exposure``: ``bayesurv.PiecewiseExponential``, whose likelihood is a sum over the
  (piece, group) cells of the events/person-time table, so a gradient costs the same at any N;
- ``long``: the textbook formulation written directly in PyMC: every patient's follow-up is
  split at each piece edge into one row per (patient, piece) entered, and each row is a
  Poisson observation (events in the piece) with mean ``exp(log hazard + log exposure)``.

Both have the same priors (the same random-walk baseline, centred on the crude event rate,
and Normal(0, 1) log HRs), so their posteriors are the same distribution.  For N = 219 (the
reference trial's size), 10^4 and 10^5 patients the script prints the time to build the data
(exposure table or long table), the compilation time, the sampling wall time after
compilation (PyMC's own ``sampling_time``: tuning plus draws), the minimum bulk ESS over
``log_hr`` and ``log_baseline``, ESS per second of sampling, and the long/exposure ratios
measured in the same run.  A second table checks that the two posteriors agree: for every
parameter, the difference of posterior medians divided by its Monte Carlo standard error
(the two are sampled with different seeds, so this is a statistical check; with the same
seed the chains coincide to about 1e-9, as the log densities differ only by a constant).

Run ``python benchmarks/exposure_vs_long.py`` (2 chains x 500 tuning + 500 draws, one
process; the long format at N = 10^5 alone takes about 8 minutes) or ``--quick`` for a
smoke run (N = 219 and 10^4, 200 + 200 draws).
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

import bayesurv as bs

CUTS = [13.0]
BASELINE_CUTS = [6.0, 13.0, 24.0, 36.0]
SIZES = (219, 10_000, 100_000)
QUICK_SIZES = (219, 10_000)
SEED = 2021
# a trial like the reference one: no effect for 13 months, HR 0.3 after
TRUE_LOG_HR = (0.0, float(np.log(0.3)))
BASELINE_RATE = 0.006  # control deaths per patient-month: about 45 deaths among 219 patients
AGREEMENT_Z = 4.0  # |median difference| / MCSE above this flags a disagreement


def simulate(n_patients: int, seed: int = SEED) -> bs.SurvivalData:
    """A two-arm trial shaped like the reference one, with ``n_patients`` in all."""
    n_control = (n_patients + 1) // 2
    frame = bs.simulate_trial(n=(n_control, n_patients - n_control),
                              baseline_rates=(BASELINE_RATE,), log_hr=TRUE_LOG_HR, tau=13.0,
                              censoring=(24.0, 85.0), seed=seed)
    return bs.SurvivalData.from_frame(frame, time="time", event="event", group="arm",
                                      reference="control")


def long_table(data: bs.SurvivalData, edges: np.ndarray) -> dict[str, np.ndarray]:
    """One row per (patient, piece entered): piece, group, exposure and event count."""
    starts = edges
    widths = np.r_[np.diff(edges), np.inf]
    exposure = np.clip(data.time[:, None] - starts[None, :], 0.0, widths[None, :])
    entered = exposure > 0
    # the event happens in the piece holding the end of follow-up, (start, end]
    last = np.searchsorted(edges, data.time, side="left") - 1
    event = np.zeros_like(exposure)
    event[np.arange(data.time.size), np.clip(last, 0, None)] = data.event
    rows, pieces = np.nonzero(entered)
    return {"piece": pieces, "group": data.group_index[rows], "exposure": exposure[rows, pieces],
            "event": event[rows, pieces]}


def long_model(data: bs.SurvivalData, priors: bs.priors.PriorSet) -> tuple[pm.Model, float]:
    """The long-format Poisson model in plain PyMC, with the same priors as bayesurv's."""
    start = time.perf_counter()
    edges = np.r_[0.0, BASELINE_CUTS]
    table = long_table(data, edges)
    period = (edges >= CUTS[0]).astype(int)[table["piece"]]
    prep = time.perf_counter() - start
    centre = float(np.log(data.event.sum() / data.time.sum()))
    level, step = priors.baseline_level, priors.baseline_step
    coords = {"piece": [f"{e:g}" for e in edges], "group": ["treated"],
              "period": ["0-13", "13+"]}
    with pm.Model(coords=coords) as model:
        init = pm.Normal.dist(mu=level.mu + centre, sigma=level.sigma)
        log_baseline = pm.GaussianRandomWalk("log_baseline", mu=step.mu, sigma=step.sigma,
                                             init_dist=init, steps=edges.size - 1, dims="piece")
        log_hr = pm.Normal("log_hr", mu=priors.log_hr.mu, sigma=priors.log_hr.sigma,
                           dims=("group", "period"))
        treated = pt.as_tensor(table["group"].astype(float))
        log_mu = (log_baseline[table["piece"]] + treated * log_hr[0, period]
                  + np.log(table["exposure"]))
        pm.Poisson("events", mu=pt.exp(log_mu), observed=table["event"])
    return model, prep


def exposure_model(data: bs.SurvivalData) -> tuple[pm.Model, float, bs.priors.PriorSet]:
    """bayesurv's model: the design (exposure table) and its PyMC graph."""
    model = bs.PiecewiseExponential(cuts=CUTS, baseline=BASELINE_CUTS)
    start = time.perf_counter()
    design = model.arrays(data)
    prep = time.perf_counter() - start
    return model.build_model(design), prep, model.priors


def sample(pm_model: pm.Model, draws: int, tune: int, chains: int, seed: int) -> dict:
    """Sample; split the wall time into compilation (and setup) and sampling."""
    start = time.perf_counter()
    with pm_model:
        idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=1, random_seed=seed,
                          target_accept=0.9, progressbar=False, compute_convergence_checks=False)
    total = time.perf_counter() - start
    sampling = float(idata.posterior.attrs["sampling_time"])
    posterior = idata.posterior[["log_hr", "log_baseline"]]
    ess = az.ess(posterior, method="bulk")
    min_ess = min(float(ess[v].min()) for v in ess.data_vars)
    return {"idata": idata, "compile_s": total - sampling, "sampling_s": sampling,
            "min_ess": min_ess, "ess_per_s": min_ess / sampling,
            "divergences": int(idata.sample_stats["diverging"].sum())}


def agreement(exposure, long) -> pd.DataFrame:
    """Posterior medians of both fits per parameter, and their difference in MCSE units."""
    rows = []
    for name in ("log_hr", "log_baseline"):
        medians, errors = [], []
        for idata in (exposure, long):
            values = idata.posterior[[name]]
            medians.append(values[name].median(("chain", "draw")).to_numpy().ravel())
            errors.append(az.mcse(values, method="quantile", prob=0.5)[name].to_numpy().ravel())
        se = np.hypot(*errors)
        labels = _labels(exposure.posterior[name])
        for label, ma, mb, s in zip(labels, *medians, se, strict=True):
            rows.append({"parameter": label, "median_exposure": ma, "median_long": mb,
                         "diff": ma - mb, "mcse": s, "z": (ma - mb) / s})
    return pd.DataFrame(rows)


def _labels(values) -> list[str]:
    dims = [d for d in values.dims if d not in ("chain", "draw")]
    coords = [values[d].to_numpy() for d in dims]
    return [f"{values.name}[{', '.join(str(c) for c in combo)}]"
            for combo in np.array(np.meshgrid(*coords, indexing="ij")).reshape(len(dims), -1).T]


def run(sizes, draws: int, tune: int, chains: int) -> tuple[pd.DataFrame, list]:
    """Fit both formulations at every size; return the timing table and agreement tables."""
    rows, checks = [], []
    for n in sizes:
        data = simulate(n)
        exp_model, exp_prep, priors = exposure_model(data)
        long_pm, long_prep = long_model(data, priors)
        fits = {}
        for name, pm_model, prep in (("exposure", exp_model, exp_prep),
                                     ("long", long_pm, long_prep)):
            # different seeds, so that the agreement check compares independent chains
            result = sample(pm_model, draws, tune, chains, SEED + (name == "long"))
            fits[name] = result
            rows.append({"N": n, "events": int(data.event.sum()), "model": name,
                         "prep_s": prep, "compile_s": result["compile_s"],
                         "sampling_s": result["sampling_s"], "min_ess": result["min_ess"],
                         "ess_per_s": result["ess_per_s"], "divergences": result["divergences"]})
            print(f"  N={n:>7} {name:<9} sampling {result['sampling_s']:8.2f} s, "
                  f"min ESS {result['min_ess']:6.0f}", flush=True)
        table = agreement(fits["exposure"]["idata"], fits["long"]["idata"])
        table.insert(0, "N", n)
        checks.append(table)
    return pd.DataFrame(rows), checks


def ratio_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per N: long / exposure sampling time and exposure / long ESS per second."""
    wide = results.pivot(index="N", columns="model", values=["sampling_s", "ess_per_s"])
    return pd.DataFrame({
        "sampling_s long/exposure": wide["sampling_s"]["long"] / wide["sampling_s"]["exposure"],
        "ESS/s exposure/long": wide["ess_per_s"]["exposure"] / wide["ess_per_s"]["long"],
    })


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    args = parser.parse_args(argv)
    sizes, draws, tune = (QUICK_SIZES, 200, 200) if args.quick else (SIZES, 500, 500)
    chains = 2
    logging.getLogger("pymc").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=bs.DataWarning)
    print(f"Fixed-cut model, cut at {CUTS[0]:g}, baseline pieces at {BASELINE_CUTS}; "
          f"{chains} chains x ({tune} tune + {draws} draws), 1 process, seed {SEED}")
    start = time.perf_counter()
    results, checks = run(sizes, draws, tune, chains)
    pd.set_option("display.width", 120)
    print("\nTiming (seconds) and sampling efficiency")
    print(results.to_string(index=False, float_format=lambda x: f"{x:.3g}"))
    print("\nRatios (same run)")
    print(ratio_table(results).to_string(float_format=lambda x: f"{x:.3g}"))
    print(f"\nPosterior agreement: median(exposure) - median(long), in MCSE units "
          f"(|z| < {AGREEMENT_Z:g} expected)")
    for table in checks:
        print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
        worst = table["z"].abs().max()
        verdict = "agree" if worst < AGREEMENT_Z else "DISAGREE"
        print(f"  N={table['N'].iloc[0]}: max |z| = {worst:.2f} -> {verdict}\n")
    print(f"Total run time {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
