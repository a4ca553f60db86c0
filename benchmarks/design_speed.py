"""Simulated trials analysed per second by ``bayesurv.design.simulate``, per test.

The scenario is the delayed effect of issue 20 (control hazard 0.03 per month, HR 1 for 13
months then 0.6), 400 patients accrued uniformly over 24 months, analysis at 200 events.  For
each test alone the script times ``simulate`` (drawing the trials, cutting them at the
analysis and testing), and prints trials per second and the time relative to the log-rank
test measured in the same run; a first row times the drawing and cutting alone.  MaxCombo's
time depends on the scenario: only trials whose largest statistic lies between the one-test
and the Bonferroni critical values need the 4-variate normal CDF.  A last row times a
group-sequential log-rank test with looks at 50%, 75% and 100% of the events (O'Brien-Fleming
type alpha spending): each trial is cut and tested at every look, so it costs about three
log-rank analyses, plus the boundaries (computed once per call).

Run ``python benchmarks/design_speed.py`` (2000 trials per test) or ``--quick`` (500).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import bayesurv as bs
from bayesurv.design.simulate import block_size
from bayesurv.design.trials import analysis_data, draw_trials

TESTS = ["logrank", "fh(0,1)", "fh(1,1)", "maxcombo", "rmst(30)", "landmark(13)"]
SETTINGS = {"n": 400, "accrual": 24, "events": 200}
LOOKS = [0.5, 0.75, 1.0]


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 trials per test")
    args = parser.parse_args()
    trials = 500 if args.quick else 2000
    sc = bs.design.Scenario(control_hazard=[0.03], hazard_ratio=[1.0, 0.6], hr_cuts=[13])
    bs.design.simulate(sc, tests=TESTS, trials=50, random_seed=0, **SETTINGS)  # warm-up

    def draw_only():
        rng = np.random.default_rng(0)
        size = block_size(SETTINGS["n"])
        for _ in range(0, trials, size):
            analysis_data(*draw_trials(sc, rng, size, 200, 200, 24.0, None), n_control=200,
                          events=200)

    rows = [{"test": "(drawing and cutting only)", "seconds": _timed(draw_only)}]
    powers = {}
    for test in TESTS:
        def run(test=test):
            powers[test] = bs.design.simulate(sc, tests=[test], trials=trials, random_seed=1,
                                              **SETTINGS).power()["power"][0]
        rows.append({"test": test, "seconds": _timed(run)})

    def sequential():
        powers["logrank, 3 looks"] = bs.design.simulate(
            sc, looks=LOOKS, trials=trials, random_seed=1, **SETTINGS).power()["power"][0]
    rows.append({"test": "logrank, 3 looks", "seconds": _timed(sequential)})
    table = pd.DataFrame(rows)
    table["trials_per_second"] = trials / table["seconds"]
    table["time_vs_logrank"] = table["seconds"] / table.loc[1, "seconds"]
    table["power"] = table["test"].map(powers)
    print(f"{trials} simulated trials of {SETTINGS['n']} patients per test "
          f"(analysis at {SETTINGS['events']} events)")
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
