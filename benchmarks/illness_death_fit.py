"""Fit time of the illness-death model against a single-endpoint fit, measured in one run.

Two cohorts:

1. the reference cohort as one set of patients with both endpoints,
   ``bs.datasets.shi2021(endpoint=None)`` (**synthetic**, calibrated to the published summaries
   of Shi et al. 2021; HCC is the illness), 219 patients;
2. 10^6 simulated patients (``bs.simulate_illness_death``, two arms of 500,000, piecewise
   hazards, constant hazard ratios).

On each: ``bs.IllnessDeath()`` (a constant HR on each of the three transitions) against the
baseline ``bs.PiecewiseExponential(cuts=[])`` (a constant HR) on overall survival of the same
patients.  For both models: the first fit in the process (building the exposure tables,
compiling and sampling) and a warm refit (new seed, compiled model reused), with the
sampler's own sampling time.  The ratios joint / single are the result; seconds depend on
the machine and its load.  Also: seconds to validate the 10^6 rows into
``IllnessDeathData``.

Default: 4 chains x 1000 draws after 1000 tuning steps (the package default); ``--quick``:
2 chains x 300 + 300.  Run from the repository root: ``python benchmarks/illness_death_fit.py``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import bayesurv as bs

SEED = 2026
EDGES = np.array([0.0, 6.0, 12.0, 24.0])
CONTROL = {"illness": [0.010, 0.012, 0.015, 0.012], "death": [0.008, 0.010, 0.012, 0.015],
           "death_after_illness": [0.05, 0.06, 0.08, 0.10]}
RATIO = {"illness": 0.6, "death": 0.8, "death_after_illness": 1.0}


def cohorts(n_large: int) -> dict[str, tuple[bs.IllnessDeathData, bs.SurvivalData, float]]:
    """Each cohort as illness-death data and as overall-survival data, with the seconds spent
    validating the illness-death rows."""
    out = {}
    reference = bs.datasets.shi2021(endpoint=None)  # synthetic, calibrated to the paper
    frames = {"reference (synthetic, 219)": (reference, "hcc_time", "hcc")}
    rates = {k: np.c_[CONTROL[k], np.multiply(CONTROL[k], RATIO[k])] for k in CONTROL}
    simulated = bs.simulate_illness_death(n_large // 2, EDGES, rates, followup=60,
                                          accrual=24, random_seed=SEED)
    frames[f"simulated ({n_large:,})"] = (simulated, "illness_time", "illness")
    for name, (df, ill_time, ill) in frames.items():
        start = time.perf_counter()
        data = bs.IllnessDeathData.from_frame(df, illness_time=ill_time, illness=ill,
                                              death_time="death_time", death="death",
                                              group="arm", reference="control")
        seconds = time.perf_counter() - start
        survival = bs.SurvivalData.from_frame(df, time="death_time", event="death",
                                              group="arm", reference="control")
        out[name] = (data, survival, seconds)
    return out


def timed_fit(model, data, settings: dict, seed: int) -> tuple[float, float, object]:
    start = time.perf_counter()
    fit = model.fit(data, random_seed=seed, progressbar=False, **settings)
    wall = time.perf_counter() - start
    return wall, float(fit.idata.posterior.attrs.get("sampling_time", np.nan)), fit


def divergences(fit) -> int:
    return int(fit.idata.sample_stats["diverging"].sum())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 chains x 300 + 300")
    parser.add_argument("--n", type=int, default=1_000_000, help="simulated patients")
    args = parser.parse_args(argv)
    settings = ({"draws": 300, "tune": 300, "chains": 2} if args.quick
                else {"draws": 1000, "tune": 1000, "chains": 4})
    warnings.simplefilter("ignore")
    print(f"settings: {settings}")
    rows = []
    for name, (joint_data, single_data, validate) in cohorts(args.n).items():
        print(f"{name}: {joint_data!r}; validation {validate:.2f} s")
        for label, model, data in (("single endpoint", bs.PiecewiseExponential(cuts=[]),
                                    single_data),
                                   ("illness-death", bs.IllnessDeath(), joint_data)):
            first, _, fit = timed_fit(model, data, settings, SEED)
            warm, sampling, refit = timed_fit(model, data, settings, SEED + 1)
            rows.append({"cohort": name, "model": label, "first fit s": first,
                         "warm fit s": warm, "sampling s": sampling,
                         "divergences": divergences(fit) + divergences(refit)})
            print(f"  {label}: first {first:.1f} s, warm {warm:.1f} s", flush=True)
    table = pd.DataFrame(rows)
    print()
    print(table.round(2).to_string(index=False))
    print("\nratios illness-death / single endpoint (same cohort, same run):")
    for cohort, part in table.groupby("cohort", sort=False):
        single = part[part["model"] == "single endpoint"].iloc[0]
        joint = part[part["model"] == "illness-death"].iloc[0]
        print(f"  {cohort}: first fit {joint['first fit s'] / single['first fit s']:.2f}, "
              f"warm fit {joint['warm fit s'] / single['warm fit s']:.2f}, sampling "
              f"{joint['sampling s'] / single['sampling s']:.2f}")
    small, large = (table[table["model"] == "illness-death"]["warm fit s"].to_numpy())
    print(f"illness-death warm fit, {args.n:,} patients / 219: {large / small:.2f}")


if __name__ == "__main__":
    main()
