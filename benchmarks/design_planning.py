"""Common random numbers in power curves: noise of a curve's slope and cost per design.

A power curve compares designs; what matters is the difference between neighbouring trial
sizes.  ``bs.design.power_curve`` evaluates all sizes on the same trials (trial i of n = 300
holds the first patients of trial i of n = 400); the baseline, measured in the same run, is
one independent ``bs.design.simulate`` per size.  Over ``--repeats`` seeds the script prints,
per test, the standard deviation of the estimated power difference between n = 300 and
n = 400 under both schemes (and its ratio), and the wall time of one curve under both.

Scenario: the delayed effect of issue 20 (control hazard 0.03 per month, HR 1 for 13 months
then 0.6), accrual over 24 months, analysis 24 months after the last entry.

Run ``python benchmarks/design_planning.py`` (40 seeds x 1000 trials) or ``--quick``
(8 x 400).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import bayesurv as bs

SIZES = [300, 400]
TESTS = ["logrank", "fh(0,1)", "maxcombo"]
SCENARIO = bs.design.Scenario(control_hazard=[0.03], hazard_ratio=[1.0, 0.6], hr_cuts=[13])
DESIGN = {"accrual": 24, "follow_up": 24, "tests": TESTS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 seeds x 400 trials")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    repeats = args.repeats or (8 if args.quick else 40)
    trials = 400 if args.quick else 1000
    common, independent, times = [], [], {"common": 0.0, "independent": 0.0}
    levels = []
    for seed in range(repeats):
        start = time.perf_counter()
        curve = bs.design.power_curve(SCENARIO, n=SIZES, trials=trials, random_seed=seed,
                                      **DESIGN).pivot(index="test", columns="n",
                                                      values="power")
        times["common"] += time.perf_counter() - start
        common.append(curve[SIZES[1]] - curve[SIZES[0]])
        levels.append({f"{test} p{n}": curve.loc[test, n] for test in TESTS for n in SIZES})
        start = time.perf_counter()
        power = [bs.design.simulate(SCENARIO, n=n, trials=trials,
                                    random_seed=1000 * seed + k, **DESIGN)
                 .power().set_index("test")["power"] for k, n in enumerate(SIZES)]
        times["independent"] += time.perf_counter() - start
        independent.append(power[1] - power[0])
    common, independent = pd.DataFrame(common), pd.DataFrame(independent)
    means = pd.DataFrame(levels).mean()  # power at the two sizes, per test

    def binomial(test):  # sd of the difference of two independent binomial estimates
        return np.sqrt(sum(means[f"{test} p{n}"] * (1 - means[f"{test} p{n}"]) / trials
                           for n in SIZES))

    table = pd.DataFrame({"mean difference": common.mean(),
                          "sd, common numbers": common.std(ddof=1),
                          "sd, independent runs": independent.std(ddof=1)})
    table["sd, binomial"] = [binomial(test) for test in table.index]
    table["sd ratio (independent / common)"] = (table["sd, independent runs"]
                                                / table["sd, common numbers"])
    print(f"power(n = {SIZES[1]}) - power(n = {SIZES[0]}), {repeats} seeds x {trials} trials")
    print(table.round(4).to_string())
    print(f"\nwall time per curve: common numbers {times['common'] / repeats:.2f} s, "
          f"independent runs {times['independent'] / repeats:.2f} s "
          f"(ratio {times['common'] / times['independent']:.2f})")


if __name__ == "__main__":
    main()
