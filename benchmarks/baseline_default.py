"""Which default baseline keeps a fixed-cut posterior on the landmark Cox estimate?

With few baseline pieces, a baseline hazard that changes fast inside a piece leaks into the
treatment HR: the model's constant hazard on the piece is wrong early and late, and the
treatment log HR absorbs part of the misfit, differently before and after a landmark.  The
landmark Cox model leaves the baseline free, so on the same data it is the yardstick.

Trials with steep early hazards are simulated (a Weibull hazard of shape 0.5, a piecewise
hazard falling five-fold over the first months), 200-600 patients, a delayed effect with a
known HR before and after a landmark.  Each trial is fitted with ``PiecewiseExponential(cuts=
[landmark])`` under each candidate rule for the baseline cuts, and the posterior median HR
of each window is compared with the landmark Cox HR (:func:`bayesurv.frequentist.landmark`)
on the same data, in log-HR units and in Cox standard errors.

Candidate rules (``events`` = number of events, pieces at pooled event-time quantiles unless
said otherwise):

- ``old``: one piece per 10 events, at most 6 (the rule before this study);
- ``per5``: one piece per 5 events, at most 20;
- ``sqrt``: ``ceil(sqrt(events))`` pieces, at least 2, at most 20;
- ``old+cut``: ``old`` plus the treatment cut as a baseline cut;
- ``sqrt+cut``: ``sqrt`` plus the treatment cut;
- ``arm+cut``: ``sqrt`` pieces, cut at each arm's event-time quantiles pooled, plus the cut;
- ``default``: whatever :func:`bayesurv.model.arrays.default_baseline_cuts` does now.

Printed per rule: mean and max absolute log-HR difference from Cox (all windows), the same
in Cox standard errors, the share of windows further than 0.25 Cox SE (the test's bound, see
``tests/test_baseline_default.py``), the median warm fit time, and each figure as a ratio
against ``old`` measured in the same run.  The first fit of each shape compiles; its time is
left out of the median.

Run from the repository root: ``python benchmarks/baseline_default.py`` (5 scenarios x 6
trials x 7 rules, 2 chains x 400 + 400; about 10 minutes on 2 cores) or ``--quick``
(2 trials per scenario).
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

import bayesurv as bs
from bayesurv.model.arrays import default_baseline_cuts

SEED = 20261201
MAX_PIECES = 20


@dataclass(frozen=True)
class Scenario:
    """One kind of trial: its hazard, size, censoring and delayed effect."""

    name: str
    n: tuple[int, int]
    edges: tuple[float, ...]
    rates: tuple[float, ...]
    landmark: float
    hr: tuple[float, float]
    censoring: tuple[float, float]

    def simulate(self, seed: int) -> bs.SurvivalData:
        df = bs.simulate_trial(n=self.n, baseline_edges=self.edges, baseline_rates=self.rates,
                               log_hr=tuple(np.log(self.hr)), tau=self.landmark,
                               censoring=self.censoring, seed=seed)
        return bs.SurvivalData.from_frame(df, reference="control", time_unit="months")


def weibull_pieces(shape: float, scale: float, end: float, step: float):
    """A Weibull hazard as fine constant pieces (exact cumulative hazard at every edge)."""
    edges = np.arange(0.0, end, step)
    upper = np.r_[edges[1:], end]
    rates = ((upper / scale) ** shape - (edges / scale) ** shape) / (upper - edges)
    return tuple(edges.tolist()), tuple(rates.tolist())


SCENARIOS = [
    Scenario("weibull 0.5, n=300, HR 1.5 -> 0.6 at 6",
             (150, 150), *weibull_pieces(0.5, 30.0, 120.0, 0.05), landmark=6.0,
             hr=(1.5, 0.6), censoring=(12.0, 36.0)),
    Scenario("5x fall over 6 mo, n=400, HR 1.3 -> 0.6 at 4",
             (200, 200), (0.0, 2.0, 4.0, 6.0), (0.10, 0.05, 0.03, 0.02), landmark=4.0,
             hr=(1.3, 0.6), censoring=(18.0, 48.0)),
    Scenario("weibull 0.5, n=600, HR 1.0 -> 0.5 at 3",
             (300, 300), *weibull_pieces(0.5, 60.0, 120.0, 0.05), landmark=3.0,
             hr=(1.0, 0.5), censoring=(6.0, 30.0)),
    Scenario("steep then flat, n=400, HR 1.5 -> 0.7 at 3",
             (200, 200), (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0),
             (0.2, 0.12, 0.07, 0.04, 0.025, 0.015, 0.008), landmark=3.0, hr=(1.5, 0.7),
             censoring=(24.0, 60.0)),
    Scenario("weibull 0.5, n=200, HR 1.5 -> 0.6 at 9",
             (100, 100), *weibull_pieces(0.5, 20.0, 120.0, 0.05), landmark=9.0,
             hr=(1.5, 0.6), censoring=(24.0, 60.0)),
]


def _round(cuts) -> np.ndarray:
    return np.array([float(f"{c:.3g}") for c in cuts])


def _quantile_cuts(times: np.ndarray, pieces: int) -> np.ndarray:
    return np.quantile(times, np.arange(1, pieces) / pieces) if pieces > 1 else np.zeros(0)


def _clean(cuts, data: bs.SurvivalData) -> np.ndarray:
    cuts = np.unique(_round(np.asarray(cuts, dtype=float)))
    return cuts[(cuts > 0) & (cuts < data.max_time)]


def rule_old(data, cut):
    events = np.sort(data.time[data.event == 1])
    return _clean(_quantile_cuts(events, int(np.clip(events.size // 10, 1, 6))), data)


def _sqrt_pieces(events: int) -> int:
    return int(np.clip(np.ceil(np.sqrt(events)), 2, MAX_PIECES))


def rule_per5(data, cut):
    events = np.sort(data.time[data.event == 1])
    return _clean(_quantile_cuts(events, int(np.clip(events.size // 5, 1, MAX_PIECES))), data)


def rule_sqrt(data, cut):
    events = np.sort(data.time[data.event == 1])
    return _clean(_quantile_cuts(events, _sqrt_pieces(events.size)), data)


def rule_old_cut(data, cut):
    return _clean(np.r_[rule_old(data, cut), cut], data)


def rule_sqrt_cut(data, cut):
    return _clean(np.r_[rule_sqrt(data, cut), cut], data)


def rule_arm_cut(data, cut):
    events = data.time[data.event == 1]
    pieces = _sqrt_pieces(events.size)
    per_arm = [_quantile_cuts(np.sort(data.time[(data.event == 1) & (data.group_index == g)]),
                              max(pieces // 2, 1)) for g in range(len(data.groups))]
    return _clean(np.r_[np.concatenate(per_arm), cut], data)


def rule_default(data, cut):
    return None  # the model's own default


RULES = {"old": rule_old, "per5": rule_per5, "sqrt": rule_sqrt, "old+cut": rule_old_cut,
         "sqrt+cut": rule_sqrt_cut, "arm+cut": rule_arm_cut, "default": rule_default}


def one_trial(scenario: Scenario, seed: int, settings: dict, seen_shapes: set) -> list[dict]:
    data = scenario.simulate(seed)
    cox = bs.frequentist.landmark(data, at=[scenario.landmark])
    cox = cox[cox["term"] == data.treated[0]].reset_index(drop=True)
    rows = []
    for name, rule in RULES.items():
        cuts = rule(data, scenario.landmark)
        model = bs.PiecewiseExponential(cuts=[scenario.landmark],
                                        baseline=None if cuts is None else cuts.tolist())
        pieces = model.arrays(data).baseline_edges.size
        start = time.perf_counter()
        fit = model.fit(data, random_seed=seed, progressbar=False, **settings)
        seconds = time.perf_counter() - start
        shape = (pieces, model.arrays(data).fine_edges.size)
        warm = shape in seen_shapes
        seen_shapes.add(shape)
        table = fit.hazard_ratios()
        for k, window in enumerate(table.itertuples()):
            diff = np.log(window.median) - cox.loc[k, "coef"]
            rows.append({"scenario": scenario.name, "seed": seed, "rule": name,
                         "pieces": pieces, "events": data.n_events, "window": k,
                         "bayes_hr": window.median, "cox_hr": cox.loc[k, "hr"],
                         "abs_diff": abs(diff), "abs_diff_se": abs(diff) / cox.loc[k, "se"],
                         "seconds": seconds if warm else np.nan})
    return rows


def summarize(results: pd.DataFrame, bound: float) -> pd.DataFrame:
    g = results.groupby("rule", sort=False)
    out = pd.DataFrame({
        "pieces (median)": g["pieces"].median(),
        "mean |dlogHR|": g["abs_diff"].mean(),
        "max |dlogHR|": g["abs_diff"].max(),
        "mean |d|/SE": g["abs_diff_se"].mean(),
        "max |d|/SE": g["abs_diff_se"].max(),
        f"share > {bound} SE": g["abs_diff_se"].apply(lambda s: (s > bound).mean()),
        "fit s (median, warm)": g["seconds"].median(),
    })
    for column in ("mean |dlogHR|", "max |dlogHR|", "mean |d|/SE", "fit s (median, warm)"):
        out[f"{column} / old"] = out[column] / out.loc["old", column]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 trials per scenario")
    parser.add_argument("--trials", type=int, default=None, help="trials per scenario")
    args = parser.parse_args()
    trials = args.trials or (2 if args.quick else 6)
    settings = {"draws": 400, "tune": 400, "chains": 2}
    logging.getLogger("pymc").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    seen: set = set()
    rows = []
    start = time.perf_counter()
    for s, scenario in enumerate(SCENARIOS):
        for t in range(trials):
            rows += one_trial(scenario, SEED + 1000 * s + t, settings, seen)
        print(f"{scenario.name}: done ({time.perf_counter() - start:.0f} s)", flush=True)
    results = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    print(f"\n{trials} trials x {len(SCENARIOS)} scenarios, 2 windows each; "
          f"{settings['chains']} chains x {settings['draws']} draws after {settings['tune']}")
    print(summarize(results, 0.25).round(3).to_string())
    print("\nper scenario, mean |dlogHR| / Cox SE:")
    print(results.pivot_table(index="rule", columns="scenario", values="abs_diff_se",
                              aggfunc="mean", sort=False).round(3).to_string())
    print("\nper window (0 = before, 1 = after), mean signed log(Bayes/Cox):")
    results["signed"] = np.log(results["bayes_hr"] / results["cox_hr"])
    print(results.pivot_table(index="rule", columns="window", values="signed",
                              aggfunc="mean", sort=False).round(3).to_string())
    example = results.iloc[0]
    print(f"\nexample data: {example['events']} events; default cuts "
          f"{default_baseline_cuts(SCENARIOS[0].simulate(SEED)).tolist()}")
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
