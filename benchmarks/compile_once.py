"""Compile once, sample fast: what a fit, a refit and a report cost with each sampler.

Measured in one run, on the reference change-point model (``ChangePoint(near=13)``, 4 chains x
1000 draws after 1000 tuning steps) and a simulated 219-patient trial shaped like the reference
trial:

1. the first fit in a fresh process (a subprocess), with nothing cached (an empty
   compilation-cache folder) and with JAX's persistent cache warm: whole-process seconds,
   import included;
2. the warm per-fit time (same process, new seed), for the JAX route and, as the baseline
   measured in the same run, PyMC's own NUTS (which compiles the model at every fit);
3. a refit on a *new* trial of the same size through a *new* model object;
4. a report's cost: one fit plus three prior-sensitivity refits (``bs.compare_priors`` with
   the default, skeptical and enthusiastic sets) against one fit;
5. N = 10^6 patients against N = 219 (the exposure table makes cost independent of N);
6. divergences, max R-hat and min bulk ESS of each fit.

Ratios are computed within the run.  ``--quick`` uses 2 chains x 300 + 300 and skips N = 10^6
and the cold subprocess.  Run from the repository root: ``python benchmarks/compile_once.py``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

import bayesurv as bs

SEED = 2021
FIRST_FIT = """
import time, warnings
start = time.perf_counter()
import bayesurv as bs
warnings.simplefilter("ignore")
data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
fit = bs.ChangePoint(near=13).fit(data, random_seed=1, progressbar=False,
                                  draws={draws}, tune={tune}, chains={chains})
{extra}print(time.perf_counter() - start)
"""
REFITS = """bs.compare_priors(bs.ChangePoint(near=13), data,
                  ("default", "skeptical", "enthusiastic"), fits={{"default": fit}},
                  random_seed=1, progressbar=False, draws={draws}, tune={tune},
                  chains={chains})
"""


def trial(n_per_arm: int, seed: int) -> bs.SurvivalData:
    """A trial shaped like the reference trial: effect from 13 months, HR 0.3 after it."""
    df = bs.simulate_trial(n=(n_per_arm, n_per_arm), baseline_rates=[0.0035],
                           log_hr=(0.0, np.log(0.3)), tau=13, censoring=(24, 85), seed=seed)
    return bs.SurvivalData.from_frame(df, reference="control")


def timed_fit(model, data, settings: dict, sampler: str, seed: int):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(data, random_seed=seed, progressbar=False, sampler=sampler, **settings)
    seconds = time.perf_counter() - start
    d = fit.diagnostics(warn=False)
    return seconds, fit, f"{d.divergences} div, R-hat {d.max_r_hat:.3f}, ESS {d.min_ess_bulk:.0f}"


def same_shape_trial(reference_model, reference: bs.SurvivalData, seed: int) -> bs.SurvivalData:
    """A newly simulated trial of the reference's size whose model arrays have the reference's
    shapes (same number of baseline pieces, fine pieces and grid points after padding)."""
    from bayesurv.inference.jax_nuts import padded_values

    def shapes(data):
        arrays = reference_model.arrays(data)
        values = padded_values(reference_model.graph_values(arrays),
                               reference_model.graph_dims(arrays))
        return arrays.baseline_edges.size, {k: np.shape(v) for k, v in values.items()}

    target = shapes(reference)
    for k in range(200):
        df = bs.simulate_trial(n=(111, 108), baseline_rates=[0.0045],
                               log_hr=(0.0, np.log(0.3)), tau=13, censoring=(24, 85),
                               seed=seed + k)
        data = bs.SurvivalData.from_frame(df, reference="control")
        if shapes(data) == target:
            return data
    raise RuntimeError("no simulated trial with the reference's shapes in 200 tries")


def first_fit_in_fresh_process(settings: dict, cache: str | None, extra: str = "") -> float:
    env = dict(os.environ)
    if cache is not None:
        env["BAYESURV_CACHE_DIR"] = cache
    code = FIRST_FIT.format(**settings, extra=extra.format(**settings))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    whole = time.perf_counter() - start
    return whole if out.stdout.strip() else float("nan")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small settings, no N = 10^6")
    args = parser.parse_args(argv)
    settings = ({"draws": 300, "tune": 300, "chains": 2} if args.quick
                else {"draws": 1000, "tune": 1000, "chains": 4})
    rows = []

    print(f"settings: {settings['chains']} chains x {settings['draws']} draws after "
          f"{settings['tune']} tuning steps\n")
    print("1. first fit in a fresh process (whole process, import included)")
    with tempfile.TemporaryDirectory() as cache:
        if not args.quick:
            cold = first_fit_in_fresh_process(settings, cache)
            print(f"   nothing cached:        {cold:6.1f} s")
        warm = first_fit_in_fresh_process(settings, cache)
        print(f"   persistent cache warm: {warm:6.1f} s")

    reference = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    print("\n2. per-fit time on the reference data (after a first fit in this process)")
    timed_fit(bs.ChangePoint(near=13), reference, settings, "jax", SEED)
    jax_seconds, _, jax_diag = timed_fit(bs.ChangePoint(near=13), reference, settings, "jax",
                                         SEED + 1)
    pymc_seconds, _, pymc_diag = timed_fit(bs.ChangePoint(near=13), reference, settings, "pymc",
                                           SEED + 1)
    rows += [("jax, warm refit", jax_seconds, jax_diag),
             ("pymc (compiles every fit)", pymc_seconds, pymc_diag)]
    print(f"   jax:  {jax_seconds:6.2f} s  ({jax_diag})")
    print(f"   pymc: {pymc_seconds:6.2f} s  ({pymc_diag})")
    print(f"   pymc / jax: {pymc_seconds / jax_seconds:.1f}x")

    print("\n3. refit of a new trial of the same shape, through a new model object")
    new = same_shape_trial(bs.ChangePoint(near=13), reference, SEED)
    new_seconds, _, new_diag = timed_fit(bs.ChangePoint(near=13), new, settings, "jax", SEED)
    print(f"   {new.n} patients, {new.n_events} events: {new_seconds:6.2f} s  ({new_diag})")

    print("\n4. a report: one fit, or one fit plus three prior-sensitivity refits, each in a "
          "fresh process (whole process; persistent cache warm)")
    with tempfile.TemporaryDirectory() as cache:
        first_fit_in_fresh_process(settings, cache)  # fills the cache
        single = min(first_fit_in_fresh_process(settings, cache) for _ in range(2))
        report = min(first_fit_in_fresh_process(settings, cache, REFITS) for _ in range(2))
    print(f"   one fit {single:.1f} s; with the refits {report:.1f} s: {report / single:.2f}x")

    if not args.quick:
        print("\n5. N = 10^6 against N = 219 (each fitted twice; the second fit is timed)")
        times = {}
        for n_per_arm in (110, 500_000):
            data = trial(n_per_arm, SEED)
            timed_fit(bs.ChangePoint(near=13), data, settings, "jax", SEED)
            times[data.n], _, diag = timed_fit(bs.ChangePoint(near=13), data, settings, "jax",
                                              SEED + 1)
            print(f"   N = {data.n}: {times[data.n]:.2f} s ({diag})")
        small, big = sorted(times)
        print(f"   ratio: {times[big] / times[small]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
