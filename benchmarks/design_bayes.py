"""The Bayesian decision rule in trial design: calibration under the null, type I error on new
null trials, power beside the frequentist tests, and fits per second.

Design: 300 patients accrued over 24 months, analysis at 150 events; null scenario control
hazard 0.03 per month in both arms; alternative: HR 1 for 13 months then 0.6.  The rule is
``P(HR after 13 < 1 | data) > c`` of ``bs.PiecewiseExponential(cuts=[13])`` (2 chains x 500
draws after 500 tuning steps per fit).  Steps, each on ``--trials`` trials with its own seed:

1. calibrate ``c`` on null trials (``bs.design.calibrate``);
2. the rejection rate of the calibrated rule on new null trials (its type I error, with its
   Monte Carlo error; the calibration's own error adds about as much again);
3. power of the rule, log-rank, FH(0,1), MaxCombo and landmark(13) on the same trials under
   the alternative.

Prints the threshold, both tables, fits per second and the time per trial relative to the
log-rank test on the same trials.  ``python benchmarks/design_bayes.py`` runs 500 trials per
step (1500 fits, about 15-25 minutes on 2 busy cores); ``--trials 60`` is a smoke run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import bayesurv as bs

DESIGN = {"n": 300, "accrual": 24, "events": 150}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=500, help="trials per step (500)")
    args = parser.parse_args()
    trials = args.trials
    rule = bs.design.BayesRule(bs.PiecewiseExponential(cuts=[13]), period="13+",
                               name="bayes P(HR 13+ < 1)")
    null = bs.design.Scenario(control_hazard=[0.03])
    delayed = bs.design.Scenario(control_hazard=[0.03], hazard_ratio=[1.0, 0.6], hr_cuts=[13])

    start = time.perf_counter()
    rule, calibration = bs.design.calibrate(rule, null, trials=trials, random_seed=1, **DESIGN)
    fit_seconds = time.perf_counter() - start
    print(f"threshold c = {rule.threshold:.4f} from {trials} null trials "
          f"({trials / fit_seconds:.2f} fits per second; fits that warned: "
          f"{calibration.fit_warnings[rule.name]:.1%})")

    frequentist = ["logrank", "fh(0,1)", "maxcombo", "landmark(13)"]
    check = bs.design.simulate(null, tests=[rule, *frequentist], trials=trials, random_seed=2,
                               **DESIGN)
    table = check.power()
    se = np.sqrt(0.025 * 0.975 / trials)
    print(f"\ntype I error on {trials} new null trials (Monte Carlo se at 0.025: {se:.4f})")
    print(table[["test", "power", "mc_se", "wrong_direction"]].round(4).to_string(index=False))

    start = time.perf_counter()
    power = bs.design.simulate(delayed, tests=[rule], trials=trials, random_seed=3, **DESIGN)
    bayes_seconds = time.perf_counter() - start
    start = time.perf_counter()
    others = bs.design.simulate(delayed, tests=frequentist, trials=trials, random_seed=3,
                                **DESIGN)
    logrank_seconds = time.perf_counter() - start
    print(f"\npower under the delayed effect ({trials} trials, the same trials for every test)")
    print(power.power().round(4).to_string(index=False))
    print(others.power().round(4).to_string(index=False))
    print(f"\ntime per trial: Bayesian rule {bayes_seconds / trials:.3f} s, the four "
          f"frequentist tests together {logrank_seconds / trials:.5f} s "
          f"(ratio {bayes_seconds / logrank_seconds:.0f})")


if __name__ == "__main__":
    main()
