"""Common random numbers in power curves: noise of a curve's slope and cost per design.

A power curve compares designs; what matters is the difference between neighbouring trial
sizes.  ``bs.design.power_curve`` evaluates all sizes on the same trials (trial i of n = 400
holds the first patients of trial i of n = 300), so the rejections of trial i at both sizes
are correlated and the Monte Carlo standard error of the power difference is
``sd(r400_i - r300_i) / sqrt(T)``; two independent runs (``bs.design.simulate`` per size,
the baseline) have ``sqrt(var(r300) + var(r400)) / sqrt(T)``.  Both are computed from the
same per-trial rejections of one large run, which estimates them far more precisely than
repeating runs over seeds would.  The script also times one curve of both sizes against two
``simulate`` runs in the same process.

Scenario: the delayed effect of issue 20 (control hazard 0.03 per month, HR 1 for 13 months
then 0.6), accrual over 24 months, analysis 24 months after the last entry.

Run ``python benchmarks/design_planning.py`` (4000 trials) or ``--quick`` (1000).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import bayesurv as bs
from bayesurv.design.search import _check, _evaluate

SIZES = [300, 400]
TESTS = ["logrank", "fh(0,1)", "maxcombo"]
SCENARIO = bs.design.Scenario(control_hazard=[0.03], hazard_ratio=[1.0, 0.6], hr_cuts=[13])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1000 trials")
    args = parser.parse_args()
    trials = 1000 if args.quick else 4000
    design = _check(SCENARIO, 24, 1.0, None, TESTS, 0.025, trials, 1, "benchmark")
    start = time.perf_counter()
    small, large = _evaluate(design, [(n, None, 24.0) for n in SIZES])
    common_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for k, n in enumerate(SIZES):
        bs.design.simulate(SCENARIO, n=n, accrual=24, follow_up=24, tests=TESTS, trials=trials,
                           random_seed=k)
    independent_seconds = time.perf_counter() - start
    rows = []
    for test in TESTS:
        a, b = small.reject[test].astype(float), large.reject[test].astype(float)
        common = np.std(b - a, ddof=1) / np.sqrt(trials)
        independent = np.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / trials)
        rows.append({"test": test, f"power n={SIZES[0]}": a.mean(),
                     f"power n={SIZES[1]}": b.mean(), "difference": b.mean() - a.mean(),
                     "se, common numbers": common, "se, independent runs": independent,
                     "se ratio": independent / common,
                     "trials for the same se (ratio)": (independent / common) ** 2})
    print(f"power(n = {SIZES[1]}) - power(n = {SIZES[0]}), {trials} trials")
    print(pd.DataFrame(rows).round(4).to_string(index=False))
    print(f"\nwall time: one curve of both sizes {common_seconds:.2f} s, two simulate runs "
          f"{independent_seconds:.2f} s (ratio {common_seconds / independent_seconds:.2f})")


if __name__ == "__main__":
    main()
