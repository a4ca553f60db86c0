"""Change-point model: sampling time against N, and against the usual continuous-tau model.

Part 1 (scaling).  ``bayesurv.ChangePoint`` (grid 3, 4, ..., 60 months, uniform prior on it;
baseline pieces cut at 6, 13, 24 and 36 months; default priors) is fitted to simulated trials
shaped like the reference one (no effect for 13 months, HR 0.3 after; uniform censoring
24-85 months) with N = 219, 10^4 and 10^6 patients.  Printed per N: the time to build the
design (the exposure table), compilation, sampling wall time after compilation (PyMC's
``sampling_time``: tuning plus draws), the number of gradient evaluations (leapfrog steps)
and the time per evaluation, the minimum bulk ESS over ``log_hr`` and ``log_baseline``, ESS
per second, divergences and the posterior mode of tau; then the ratio of sampling times
N = 10^6 / N = 219 (target: at most 2, since a gradient costs the same at any N).

Part 2 (versus the usual way).  The same model written the way it usually is in PyMC:
patient-level likelihood, tau a continuous ``Uniform(3, 60)`` parameter sampled by NUTS with
the other parameters (same baseline pieces, random-walk baseline prior and Normal(0, 1) log
HRs).  Its log-likelihood jumps whenever tau crosses an event time, which NUTS does not see
in its gradients.  Printed for N = 219 (``--hand-rolled-sizes 219 10000`` adds 10^4, where
the hand-rolled model runs for about an hour: NUTS hits its maximum tree depth): sampling
time, min bulk ESS (log HRs and baseline) and ESS of tau, ESS per second, divergences, max
R-hat, and the ratio of ESS per second (bayesurv / hand-rolled).

Run ``python benchmarks/changepoint_scaling.py`` (2 chains x 500 tuning + 500 draws, one
process) or ``--quick`` (N = 219 and 10^4 only, 200 + 200 draws).
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

GRID = np.arange(3.0, 61.0)
BASELINE_CUTS = [6.0, 13.0, 24.0, 36.0]
SIZES = (219, 10_000, 1_000_000)
QUICK_SIZES = (219, 10_000)
HAND_ROLLED_SIZES = (219,)  # at 10^4 the hand-rolled model needs about an hour
SEED = 2021
TRUE_LOG_HR = (0.0, float(np.log(0.3)))
TRUE_TAU = 13.0
BASELINE_RATE = 0.006  # control deaths per patient-month: about 45 deaths among 219 patients
TARGET_RATIO = 2.0


def simulate(n_patients: int, seed: int = SEED) -> bs.SurvivalData:
    """A two-arm trial shaped like the reference one, with ``n_patients`` in all."""
    n_control = (n_patients + 1) // 2
    frame = bs.simulate_trial(n=(n_control, n_patients - n_control),
                              baseline_rates=(BASELINE_RATE,), log_hr=TRUE_LOG_HR,
                              tau=TRUE_TAU, censoring=(24.0, 85.0), seed=seed)
    return bs.SurvivalData.from_frame(frame, time="time", event="event", group="arm",
                                      reference="control")


def bayesurv_model() -> bs.ChangePoint:
    """The change-point model under test."""
    return bs.ChangePoint(grid=GRID, baseline=BASELINE_CUTS)


def hand_rolled_model(data: bs.SurvivalData, priors: bs.priors.PriorSet) -> pm.Model:
    """Patient-level change-point model with a continuous tau, in plain PyMC."""
    edges = np.r_[0.0, BASELINE_CUTS]
    widths = np.r_[np.diff(edges), np.inf]
    t, event = data.time, data.event.astype(float)
    treated = (data.group_index == 1).astype(float)
    piece = np.searchsorted(edges, t, side="left") - 1
    piece = np.clip(piece, 0, edges.size - 1)
    exposure = np.clip(t[:, None] - edges[None, :], 0.0, widths[None, :])  # N x pieces
    centre = float(np.log(event.sum() / t.sum()))
    level, step = priors.baseline_level, priors.baseline_step
    coords = {"piece": [f"{e:g}" for e in edges], "group": ["treated"],
              "period": ["before", "after"]}
    with pm.Model(coords=coords) as model:
        init = pm.Normal.dist(mu=level.mu + centre, sigma=level.sigma)
        log_baseline = pm.GaussianRandomWalk("log_baseline", mu=step.mu, sigma=step.sigma,
                                             init_dist=init, steps=edges.size - 1, dims="piece")
        log_hr = pm.Normal("log_hr", mu=priors.log_hr.mu, sigma=priors.log_hr.sigma,
                           dims=("group", "period"))
        tau = pm.Uniform("tau", lower=GRID[0], upper=GRID[-1])
        hazard = pt.exp(log_baseline)
        cum_all = (exposure * hazard[None, :]).sum(axis=1)
        # baseline cumulative hazard up to min(t, tau): the part lived before the change
        upto = pt.clip(pt.minimum(t, tau)[:, None] - edges[None, :], 0.0, widths[None, :])
        cum_before = (upto * hazard[None, :]).sum(axis=1)
        before, after = log_hr[0, 0], log_hr[0, 1]
        effect_at_t = treated * pt.switch(t <= tau, before, after)
        cum_treated = pt.exp(before) * cum_before + pt.exp(after) * (cum_all - cum_before)
        cumhaz = pt.switch(treated > 0, cum_treated, cum_all)
        pm.Potential("loglik", pt.sum(event * (log_baseline[piece] + effect_at_t) - cumhaz))
    return model


def sample(pm_model: pm.Model, draws: int, tune: int, chains: int, seed: int) -> dict:
    """Sample in one process; split compilation from sampling; collect efficiency figures."""
    start = time.perf_counter()
    with pm_model:
        idata = pm.sample(draws=draws, tune=tune, chains=chains, cores=1, random_seed=seed,
                          target_accept=0.9, progressbar=False, compute_convergence_checks=False,
                          discard_tuned_samples=False)
    total = time.perf_counter() - start
    sampling = float(idata.posterior.attrs["sampling_time"])
    stats = idata.sample_stats
    steps = float(stats["n_steps"].sum() + idata.warmup_sample_stats["n_steps"].sum())
    posterior = idata.posterior[["log_hr", "log_baseline"]]
    ess = az.ess(posterior, method="bulk")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rhat = az.rhat(idata.posterior[["log_hr", "log_baseline"]])
    min_ess = min(float(ess[v].min()) for v in ess.data_vars)
    return {"idata": idata, "compile_s": total - sampling, "sampling_s": sampling,
            "grad_evals": steps, "ms_per_grad": 1000 * sampling / steps, "min_ess": min_ess,
            "ess_per_s": min_ess / sampling,
            "max_rhat": max(float(rhat[v].max()) for v in rhat.data_vars),
            "divergences": int(stats["diverging"].sum())}


def tau_ess(idata) -> float:
    """Bulk ESS of the tau draws (taken as an array: in a bayesurv fit ``tau`` is stored as
    a coordinate, which ArviZ's dataset functions do not see)."""
    return float(az.ess(idata.posterior["tau"].to_numpy(), method="bulk"))


def scaling(sizes, draws: int, tune: int, chains: int) -> pd.DataFrame:
    """Part 1: bayesurv's ChangePoint at each N."""
    rows = []
    for n in sizes:
        data = simulate(n)
        model = bayesurv_model()
        start = time.perf_counter()
        design = model.arrays(data)
        design_s = time.perf_counter() - start
        result = sample(model.build_model(design), draws, tune, chains, SEED)
        idata = result.pop("idata")
        model.postprocess(idata, design, np.random.default_rng(SEED))
        probability = idata.posterior["tau_probability"].mean(("chain", "draw")).to_numpy()
        rows.append({"N": n, "events": int(data.event.sum()), "design_s": design_s, **result,
                     "tau_ess": tau_ess(idata), "tau_mode": float(GRID[np.argmax(probability)]),
                     "P(tau=13)": float(probability[GRID == TRUE_TAU][0])})
        print(f"  ChangePoint N={n:>8}: sampling {result['sampling_s']:.2f} s", flush=True)
    return pd.DataFrame(rows)


def versus_hand_rolled(sizes, draws: int, tune: int, chains: int) -> pd.DataFrame:
    """Part 2: bayesurv (tau marginalized on the grid) vs continuous tau in plain PyMC."""
    rows = []
    for n in sizes:
        data = simulate(n)
        model = bayesurv_model()
        design = model.arrays(data)
        for name, pm_model in (("bayesurv", model.build_model(design)),
                               ("hand-rolled", hand_rolled_model(data, model.priors))):
            result = sample(pm_model, draws, tune, chains, SEED)
            idata = result.pop("idata")
            if name == "bayesurv":
                model.postprocess(idata, design, np.random.default_rng(SEED))
            median_tau = float(idata.posterior["tau"].median())
            rows.append({"N": n, "model": name, **result, "tau_ess": tau_ess(idata),
                         "tau_median": median_tau})
            print(f"  {name:<11} N={n:>6}: sampling {result['sampling_s']:.2f} s", flush=True)
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--hand-rolled-sizes", type=int, nargs="+", default=HAND_ROLLED_SIZES,
                        help="N values for part 2 (default: 219)")
    args = parser.parse_args(argv)
    sizes, draws, tune = (QUICK_SIZES, 200, 200) if args.quick else (SIZES, 500, 500)
    chains = 2
    logging.getLogger("pymc").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=bs.DataWarning)
    pd.set_option("display.width", 160)
    fmt = {"float_format": lambda x: f"{x:.3g}", "index": False}
    print(f"ChangePoint, grid {GRID[0]:g}..{GRID[-1]:g} by 1, baseline pieces at "
          f"{BASELINE_CUTS}; true tau {TRUE_TAU:g}, HR 1 then 0.3; {chains} chains x "
          f"({tune} tune + {draws} draws), 1 process, seed {SEED}")
    start = time.perf_counter()
    table = scaling(sizes, draws, tune, chains)
    print("\nPart 1: ChangePoint sampling time against N (seconds)")
    print(table.to_string(**fmt))
    small, large = table.iloc[0], table.iloc[-1]
    ratio = large["sampling_s"] / small["sampling_s"]
    verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"\nSampling time N={large['N']:.0f} / N={small['N']:.0f}: {ratio:.2f} "
          f"(target <= {TARGET_RATIO:g}: {verdict}); per gradient evaluation: "
          f"{large['ms_per_grad'] / small['ms_per_grad']:.2f}")

    versus = versus_hand_rolled(args.hand_rolled_sizes, draws, tune, chains)
    print("\nPart 2: tau marginalized on a grid (bayesurv) vs continuous tau (hand-rolled)")
    print(versus.to_string(**fmt))
    wide = versus.pivot(index="N", columns="model", values=["ess_per_s", "sampling_s"])
    ratios = pd.DataFrame({
        "ESS/s bayesurv/hand-rolled": wide["ess_per_s"]["bayesurv"]
        / wide["ess_per_s"]["hand-rolled"],
        "sampling_s hand-rolled/bayesurv": wide["sampling_s"]["hand-rolled"]
        / wide["sampling_s"]["bayesurv"],
    })
    print(ratios.to_string(float_format=lambda x: f"{x:.3g}"))
    print(f"\nTotal run time {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
