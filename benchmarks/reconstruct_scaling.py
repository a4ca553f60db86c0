"""Time of ``reconstruct_ipd`` against the number of digitized points.

A Kaplan-Meier curve of 500 patients (exponential event times, uniform censoring) is traced
by a simulated automatic digitizer at 10^4 .. 2 x 10^6 points with 1-pixel noise, and
cleaned and reconstructed with a risk table every 12 months, once as published (the table
agrees with the curve) and once with one number at risk that the curve cannot meet (the
boundary search and the scaling of the fall then run in full).  Printed per size: the
cleaning time (``DigitizedCurve`` construction), the reconstruction time, microseconds per
point and the ratio of time per point to that at the smallest size: a linear method keeps
the ratio near 1 (below 1 while fixed costs dominate).

Run ``python benchmarks/reconstruct_scaling.py`` (sizes up to 2 x 10^6) or ``--quick``
(up to 2 x 10^5).
"""

from __future__ import annotations

import argparse
import sys
import time as _time
import warnings

import numpy as np
import pandas as pd

from bayesurv.digitized.curve import DigitizedCurve
from bayesurv.digitized.reconstruct import reconstruct_ipd
from bayesurv.digitized.simulate import km_step_corners, simulate_trace

SEED = 19
PATIENTS = 500
RISK_TIMES = np.arange(0.0, 60.0, 12.0)


def cohort(seed: int = SEED) -> pd.DataFrame:
    """500 patients: exponential event times (mean 20 months), censored uniformly on 0-60."""
    rng = np.random.default_rng(seed)
    event_time = rng.exponential(20.0, PATIENTS)
    censor_time = rng.uniform(0.0, 60.0, PATIENTS)
    return pd.DataFrame({"time": np.minimum(event_time, censor_time),
                         "event": (event_time <= censor_time).astype(int)})


def risk_table(rows: pd.DataFrame, unmet: bool) -> pd.DataFrame:
    """Numbers at risk every 12 months; ``unmet``: the one at 24 says nobody left at all."""
    n = [int(np.sum(rows["time"] >= u)) for u in RISK_TIMES]
    if unmet:
        n[2] = n[1] - 5  # fewer than the curve's fall alone removes
    return pd.DataFrame({"group": "A", "time": RISK_TIMES, "n_at_risk": n})


def one_size(n_points: int, rows: pd.DataFrame, unmet: bool) -> dict:
    """Clean and reconstruct one traced curve of ``n_points`` points; times in seconds."""
    corners = km_step_corners(rows["time"], rows["event"])
    points = simulate_trace(corners, n_points, noise_px=1.0, x_max=60.0,
                            rng=SEED + n_points).assign(group="A")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = _time.perf_counter()
        curve = DigitizedCurve.from_frame(points)
        cleaned = _time.perf_counter()
        ipd = reconstruct_ipd(curve, risk_table(rows, unmet))
        done = _time.perf_counter()
    return {"points": n_points, "unmet_table": unmet, "clean_s": cleaned - start,
            "reconstruct_s": done - cleaned, "patients": len(ipd),
            "events": int(ipd["event"].sum())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 2 x 10^5")
    args = parser.parse_args(argv)
    sizes = [10_000, 50_000, 200_000] + ([] if args.quick else [1_000_000, 2_000_000])
    rows = cohort()
    table = pd.DataFrame([one_size(n, rows, unmet) for unmet in (False, True)
                          for n in sizes])
    total = table["clean_s"] + table["reconstruct_s"]
    table["us_per_point"] = 1e6 * total / table["points"]
    first = table.groupby("unmet_table")["us_per_point"].transform("first")
    table["ratio_to_smallest"] = table["us_per_point"] / first
    with pd.option_context("display.width", 200):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
