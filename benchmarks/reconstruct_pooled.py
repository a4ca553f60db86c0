"""What a fit pooled over K = 20 reconstructions of digitized curves costs, against one fit.

The reference curves (``bs.datasets.shi2021(endpoint="death", digitized=True)``: SYNTHETIC
curves calibrated to the published Kaplan-Meier figure) are reconstructed once (the single
Guyot reconstruction) and K = 20 times (``bs.reconstruct_ipd(..., draws=20)``).  The
reference change-point model (``ChangePoint(near=13)``) and the fixed-cut model
(``PiecewiseExponential(cuts=[13])``) are fitted, with the same sampler settings (4 chains x
1000 draws after 1000 tuning steps), to the single reconstruction and to the list of 20
(pooled: each reconstruction gets ``max(ceil(1000 / 20), 200) = 200`` draws and
``max(ceil(1000 / 20), 200) = 200`` tuning steps per chain, see
:mod:`bayesurv.inference.pooled`).  Both are warm (the model is compiled before timing,
compilation is reported apart), so the ratio is the sampling cost of pooling.

Printed per model: seconds of the single fit and of the pooled fit, their ratio, the
reconstruction time, the pooled fit's reconstruction share of each log HR, and the 95%
interval width of each log HR, single against pooled.  ``--quick``: 2 chains x 300 + 300,
K = 5.  Run from the repository root: ``python benchmarks/reconstruct_pooled.py``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import bayesurv as bs

SEED = 2021


def reconstructions(k: int):
    """The single reconstruction and k draws of the reference curves, as SurvivalData, and
    the seconds the k draws took."""
    curves, risk = bs.datasets.shi2021(endpoint="death", digitized=True)
    single = bs.SurvivalData.from_frame(bs.reconstruct_ipd(curves, risk), time="time",
                                        event="event", group="group", reference="control")
    start = time.perf_counter()
    ipds = bs.reconstruct_ipd(curves, risk, draws=k, random_seed=SEED)
    datas = [bs.SurvivalData.from_frame(d, time="time", event="event", group="group",
                                        reference="control") for d in ipds]
    return single, datas, time.perf_counter() - start


def timed(model, data, settings: dict):
    start = time.perf_counter()
    fit = model.fit(data, **settings)
    return fit, time.perf_counter() - start


def widths(fit) -> np.ndarray:
    hr = fit.hazard_ratios()
    return np.log(hr["upper"].to_numpy()) - np.log(hr["lower"].to_numpy())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 x 300 + 300 draws, K = 5")
    args = parser.parse_args()
    k = 5 if args.quick else 20
    n = 300 if args.quick else 1000
    chains = 2 if args.quick else 4
    settings = {"draws": n, "tune": n, "chains": chains, "random_seed": SEED,
                "progressbar": False}
    warnings.simplefilter("ignore", bs.ConvergenceWarning)
    warnings.simplefilter("ignore", bs.DataWarning)
    single, datas, seconds = reconstructions(k)
    print(f"reference curves (synthetic, calibrated): {k} reconstructions in {seconds:.2f} s")
    print(f"sampler: {chains} chains x {n} draws after {n} tuning steps\n")
    print("| model | compile + first fit (s) | one fit (s) | pooled over K (s) | ratio | "
          "share before/after | 95% width of log HR, one -> pooled |")
    print("|---|---:|---:|---:|---:|---|---|")
    for name, model in (("ChangePoint(near=13)", bs.ChangePoint(near=13)),
                        ("PiecewiseExponential(cuts=[13])", bs.PiecewiseExponential(cuts=[13]))):
        # warm-up: compiles this model's shapes (the pooled fits share them)
        _, first = timed(model, single, settings | {"random_seed": SEED + 1})
        one, t_one = timed(model, single, settings)
        pooled, t_pooled = timed(model, datas, settings)
        share = pooled.reconstruction_share()["share"].to_numpy()
        w_one, w_pooled = widths(one), widths(pooled)
        print(f"| {name} | {first:.1f} | {t_one:.2f} | {t_pooled:.2f} | "
              f"{t_pooled / t_one:.1f} | {' / '.join(f'{s:.3f}' for s in share)} | "
              f"{' / '.join(f'{a:.3f} -> {b:.3f}' for a, b in zip(w_one, w_pooled, strict=True))}"
              " |")
        d = pooled.diagnostics(warn=False)
        print(f"|  pooled diagnostics | max R-hat within reconstructions {d.max_r_hat:.3f}, "
              f"min bulk ESS {d.min_ess_bulk:.0f}, {d.divergences} divergences | | | | | |")


if __name__ == "__main__":
    main()
