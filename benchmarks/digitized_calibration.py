"""Calibration of fits to digitized curves: one reconstruction, pooled reconstructions, the
interval likelihood and the true patients, against the log HRs the trials were simulated with.

Each trial: 150 patients per arm, a constant control hazard of 0.03 per month, treatment HR
1.0 for the first 12 months and 0.6 after (log HR 0 and -0.511), uniform censoring between
24 and 60 months (about 190 events).  Its Kaplan-Meier curves are drawn on a 1000 x 600
pixel figure (x axis 0-60 months) and digitized by simulation (``bs.simulate_digitization``)
in three ways: every step corner clicked with Gaussian click noise of 1 or 2 pixels on each
coordinate ("1 px", "2 px"), or only about 25 points per curve with 2 pixels of noise
("25 clicks": the steps between clicks are not seen, and the noise cannot be measured, so
the assumed noise of ``bayesurv.digitized.clean.Noise`` is used).  The figure prints the
numbers at risk every 6 months up to 48 ("risk table"), or, in the settings without one, the
paper gives only the number of patients and the total events per arm.

Every analysis fits the same model, ``PiecewiseExponential(cuts=[12], baseline=[6, 12, 24,
36])`` (default priors; cuts on risk-table times so that the interval likelihood can be
fitted with it; the same shapes in every fit, so each worker compiles it once):

- ``one``: one reconstruction (``bs.reconstruct_ipd``), as a single data set;
- ``pooled``: K reconstructions (``draws=K``) fitted as one list, ``model.fit(datas)``: the
  equal-weight mixture of their posteriors, 200 draws and 200 tuning steps per chain each
  (the pooled fit's floors);
- ``interval``: the interval likelihood (``bs.interval_data``, ``draws=K``), pooled the same
  way; only with a risk table (it needs the numbers at risk);
- ``truth``: the true patients (one fit per trial, shared by all settings).

Printed per setting, method and period: bias of the posterior median of the log HR, coverage
of the 90% equal-tailed interval of the true log HR (with a binomial 95% interval), the mean
interval width, and the coverage and width relative to ``truth`` in the same trials.
Per-trial rows go to a CSV (written atomically).  Each trial is a task of ``bs.run_tasks``
with its own seed (derived from the study's seed and the trial's index), so the results are
identical for any number of workers.

Run ``python benchmarks/digitized_calibration.py`` (300 trials, K = 10, 2 Dask workers: 97
fits per trial, about 20 s per trial per worker) or ``--quick`` (2 trials, K = 2, short
chains).  ``--trials``, ``--reconstructions``, ``--draws``, ``--tune``, ``--workers`` and
``--out`` override; ``--truth-only 300`` fits only the true patients of 300 other trials
(the reference method's coverage from independent trials).
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

SEED = 20261219
LOG_HR = (0.0, float(np.log(0.6)))
RISK_TIMES = tuple(float(t) for t in range(0, 54, 6))
# How each figure is digitized: (label, click noise in pixels, points clicked per curve;
# None = every step corner)
DIGITIZINGS = (("1 px", 1.0, None), ("2 px", 2.0, None), ("25 clicks", 2.0, 25))
PERIODS = ("0-12", "12+")


@dataclass(frozen=True)
class Setup:
    """The study: trial shape, figure, model and sampler settings."""

    n: tuple[int, int] = (150, 150)
    rate: float = 0.03
    tau: float = 12.0
    censoring: tuple[float, float] = (24.0, 60.0)
    x_max: float = 60.0
    canvas: tuple[int, int] = (1000, 600)
    reconstructions: int = 10
    draws: int = 250
    tune: int = 250
    pooled_draws: int = 200  # draws and tuning steps per chain per pooled data set
    chains: int = 2

    def model(self):
        import bayesurv as bs

        return bs.PiecewiseExponential(cuts=[self.tau], baseline=[6.0, 12.0, 24.0, 36.0])


def _log_hr_draws(fit) -> np.ndarray:
    """Posterior draws of the treated arm's log HR per period: shape (draws, periods)."""
    values = fit.idata.posterior["log_hr"].to_numpy()[:, :, 0, :]
    return values.reshape(-1, values.shape[-1])


def _fit_draws(setup: Setup, data, seed: int, draws: int, tune: int | None = None
               ) -> np.ndarray:
    fit = setup.model().fit(data, draws=draws, tune=setup.tune if tune is None else tune,
                            chains=setup.chains, random_seed=seed, progressbar=False)
    return _log_hr_draws(fit)


def pooled_draws(setup: Setup, datas, seed: int) -> np.ndarray:
    """The pooled posterior of several data sets (``model.fit(list)``: an equal-weight
    mixture, ``setup.pooled_draws`` draws and tuning steps per chain per data set)."""
    k = len(datas)
    return _fit_draws(setup, datas, seed, setup.pooled_draws * k,
                      tune=setup.pooled_draws * k)


def _digitize(frame: pd.DataFrame, setup: Setup, noise: float, n_points: int | None, rng):
    """The digitized points of both arms and the published risk table."""
    import bayesurv as bs

    points, risk = [], []
    for arm in ("control", "treated"):
        part = frame[frame["arm"] == arm]
        corners = bs.km_step_corners(part["time"], part["event"])
        clicked = bs.simulate_digitization(corners, canvas=setup.canvas, noise_px=noise,
                                           n_points=n_points, x_max=setup.x_max, rng=rng)
        points.append(clicked.assign(group=arm))
        risk.append(pd.DataFrame({"group": arm, "time": RISK_TIMES,
                                  "n_at_risk": [int((part["time"] >= t).sum())
                                                for t in RISK_TIMES]}))
    curve = bs.DigitizedCurve.from_frame(pd.concat(points, ignore_index=True),
                                         scale="fraction", time_unit="months")
    return curve, pd.concat(risk, ignore_index=True)


def _as_data(ipd):
    import bayesurv as bs

    return bs.SurvivalData.from_frame(ipd, time="time", event="event", group="group",
                                      reference="control")


def _score(draws: np.ndarray) -> dict:
    out = {}
    for k, period in enumerate(PERIODS):
        lo, hi = np.quantile(draws[:, k], [0.05, 0.95])
        out[period] = {"median": float(np.median(draws[:, k])), "lower": float(lo),
                       "upper": float(hi), "covered": bool(lo <= LOG_HR[k] <= hi)}
    return out


def run_trial(index: int, seed: int, setup: Setup, truth_only: bool = False) -> list[dict]:
    """Simulate trial ``index`` and score every method in every setting (only the true
    patients' fit with ``truth_only``): one row each."""
    import logging

    import bayesurv as bs

    logging.getLogger("pymc").setLevel(logging.ERROR)
    warnings.simplefilter("ignore", bs.BayesurvWarning)
    warnings.simplefilter("ignore", RuntimeWarning)
    rng = np.random.default_rng(seed)
    frame = bs.simulate_trial(n=setup.n, baseline_rates=[setup.rate], log_hr=LOG_HR,
                              tau=setup.tau, censoring=setup.censoring, seed=rng)
    seeds = iter(int(s) for s in rng.integers(2**31, size=64))
    truth = _as_data(frame.rename(columns={"arm": "group"}))
    results = [("-", "-", "truth", _fit_draws(setup, truth, next(seeds), setup.draws))]
    events = frame.groupby("arm")["event"].sum().astype(int).to_dict()
    k = setup.reconstructions
    for noise, px, n_points in () if truth_only else DIGITIZINGS:
        curve, risk = _digitize(frame, setup, px, n_points, rng)
        for table in ("risk table", "n + events"):
            given = risk if table == "risk table" else dict(zip(*np.unique(
                frame["arm"], return_counts=True), strict=True))
            total = None if table == "risk table" else events
            one = bs.reconstruct_ipd(curve, given, total_events=total)
            results.append((noise, table, "one", _fit_draws(setup, _as_data(one), next(seeds),
                                                            setup.draws)))
            many = bs.reconstruct_ipd(curve, given, total_events=total, draws=k,
                                      random_seed=next(seeds))
            results.append((noise, table, "pooled",
                            pooled_draws(setup, [_as_data(d) for d in many], next(seeds))))
            if table == "risk table":
                intervals = bs.interval_data(curve, risk, draws=k, random_seed=next(seeds),
                                             reference="control")
                results.append((noise, table, "interval",
                                pooled_draws(setup, intervals, next(seeds))))
    rows = []
    for noise, table, method, draws in results:
        for period, score in _score(draws).items():
            rows.append({"trial": index, "digitizing": noise, "table": table, "method": method,
                         "period": period, "true": LOG_HR[PERIODS.index(period)], **score})
    return rows


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Bias, 90% coverage (binomial 95% interval) and width per setting, method and period,
    with coverage and width against the true patients' fits of the same trials."""
    rows = rows.assign(error=rows["median"] - rows["true"],
                       width=rows["upper"] - rows["lower"])
    truth = rows[rows["method"] == "truth"].set_index(["trial", "period"])
    out = []
    settings = rows[rows["method"] != "truth"][["digitizing", "table"]].drop_duplicates()
    for noise, table in [("-", "-"), *settings.itertuples(index=False)]:
        part = rows[(rows["digitizing"] == noise) & (rows["table"] == table)]
        for (method, period), cell in part.groupby(["method", "period"], sort=False):
            hits = int(cell["covered"].sum())
            ci = stats.binomtest(hits, len(cell)).proportion_ci(0.95)
            ref = truth.loc[list(zip(cell["trial"], cell["period"], strict=True))]
            out.append({"digitizing": noise, "table": table, "method": method,
                        "period": period, "trials": len(cell), "bias": cell["error"].mean(),
                        "cover90": hits / len(cell), "cover_lo": ci.low, "cover_hi": ci.high,
                        "width": cell["width"].mean(),
                        "width_vs_truth": cell["width"].mean() / ref["width"].mean()})
    return pd.DataFrame(out)


def markdown(table: pd.DataFrame) -> str:
    """The summary as a markdown table for the docs: one row per setting and method, the
    periods side by side."""
    lines = ["| digitizing | numbers given | method | 90% coverage 0-12 (95% CI) | "
             "90% coverage 12+ (95% CI) | bias 0-12 | bias 12+ | width vs truth |",
             "|---|---|---|---|---|---|---|---|"]
    for (noise, given, method), cell in table.groupby(["digitizing", "table", "method"],
                                                      sort=False):
        by = cell.set_index("period")
        cover = [f"{by.at[p, 'cover90']:.2f} ({by.at[p, 'cover_lo']:.2f}-"
                 f"{by.at[p, 'cover_hi']:.2f})" for p in PERIODS]
        bias = [f"{by.at[p, 'bias']:+.3f}" for p in PERIODS]
        widths = "/".join(f"{by.at[p, 'width_vs_truth']:.2f}" for p in PERIODS)
        lines.append(f"| {noise} | {given} | {method} | {' | '.join(cover)} | "
                     f"{' | '.join(bias)} | {widths} |")
    return "\n".join(lines)


def _print_summary(rows: pd.DataFrame) -> None:
    pd.set_option("display.width", 160)
    table = summary(rows)
    print(f"\nBias of the posterior median and coverage of 90% intervals of the true log HR "
          f"({rows['trial'].nunique()} trials; cover_lo/hi: binomial 95% interval; "
          "width_vs_truth: mean width over the true patients' in the same trials)")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print("\nAs a markdown table (width vs truth: 0-12/12+):\n")
    print(markdown(table))


def _task(setup: Setup, truth_only: bool = False):
    def task(index, seed):
        return run_trial(index, seed, setup, truth_only)
    return task


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="2 trials, K = 2, 100 + 100 draws (a smoke run)")
    parser.add_argument("--trials", type=int, default=None, help="number of trials (300)")
    parser.add_argument("--reconstructions", type=int, default=None, help="K (10)")
    parser.add_argument("--draws", type=int, default=None, help="draws per chain (250)")
    parser.add_argument("--tune", type=int, default=None, help="tuning steps (250)")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes (2)")
    parser.add_argument("--out", default="digitized_calibration.csv", help="per-trial CSV")
    parser.add_argument("--truth-only", type=int, default=None, metavar="N",
                        help="fit only the true patients of N other trials (the coverage "
                             "of the reference method with less Monte Carlo noise)")
    parser.add_argument("--summarize", metavar="CSV", default=None,
                        help="print the tables of the per-trial CSV of an earlier run")
    args = parser.parse_args(argv)
    if args.summarize:
        _print_summary(pd.read_csv(args.summarize, keep_default_na=False))
        return 0
    setup = (Setup(reconstructions=2, draws=100, tune=100, pooled_draws=50) if args.quick
             else Setup())
    changes = {name: getattr(args, name) for name in ("reconstructions", "draws", "tune")
               if getattr(args, name) is not None}
    setup = Setup(**{**setup.__dict__, **changes})
    n_trials = args.trials or (2 if args.quick else 300)
    seed = SEED
    if args.truth_only:
        n_trials, seed = args.truth_only, SEED + 1  # other trials than the study's

    import bayesurv as bs
    from bayesurv.base.output import write_atomically

    print(f"Digitized-curve calibration: {n_trials} trials of {setup.n[0]} + {setup.n[1]} "
          f"patients, hazard {setup.rate}/month, true log HR {LOG_HR[0]:.3f} before "
          f"{setup.tau:g} months and {LOG_HR[1]:.3f} after, censoring U{setup.censoring}; "
          f"digitized as {', '.join(d[0] for d in DIGITIZINGS)} on {setup.canvas}; "
          f"K = {setup.reconstructions}; {setup.chains} chains x ({setup.tune} tune + "
          f"{setup.draws} draws), {setup.pooled_draws} draws and tuning steps per chain per "
          f"pooled data set; seed {seed}",
          flush=True)
    start = time.perf_counter()

    def report(done, total):
        print(f"  {done}/{total} trials ({time.perf_counter() - start:.0f} s)", flush=True)

    if args.workers > 1:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            results = bs.run_tasks(_task(setup, bool(args.truth_only)), n_trials, seed=seed,
                                   client=client, progress=report)
    else:
        results = bs.run_tasks(_task(setup, bool(args.truth_only)), n_trials, seed=seed,
                               progress=report)
    rows = pd.DataFrame([row for trial in results for row in trial])
    write_atomically(args.out, lambda path: rows.to_csv(path, index=False))
    _print_summary(rows)
    print(f"\nRun time {time.perf_counter() - start:.0f} s on {args.workers} worker(s); "
          f"per-trial rows in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
