"""The reconstruction's cost grows with the patients, not the digitized points.

The walk finds the next point with events by bisection and the boundary search tries one
end per distinct level; these tests pin that the shortcuts change nothing: the shipped
curves give the very rows they gave with the point-by-point walk, and the bisection walk
equals the point-by-point rule on random curves.  Timings are in
``benchmarks/reconstruct_scaling.py``.
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pandas as pd
import pytest

from bayesurv.datasets import shi2021
from bayesurv.digitized.curve import DigitizedCurve
from bayesurv.digitized.reconstruct import reconstruct_ipd
from bayesurv.digitized.simulate import km_step_corners, simulate_trace
from bayesurv.digitized.walk import spread, walk

# sha256 of the rows the point-by-point walk reconstructed from the shipped curves
SHIPPED = {"death": "d6a64340a212cb6d914d0e741ae912d740d0427492688ff2d94e8a60226c6862",
           "hcc": "0192521989767f8ed6b52c58e7b005ff34cbcd684e40cf5b7d97a4d56c300a11"}


def rows_digest(ipd: pd.DataFrame) -> str:
    """Digest of the exact rows: times to the last bit, events and groups."""
    h = hashlib.sha256(ipd["time"].to_numpy(dtype=np.float64).tobytes())
    h.update(ipd["event"].to_numpy(dtype=np.int64).tobytes())
    h.update("\n".join(ipd["group"].astype(str)).encode())
    return h.hexdigest()


@pytest.mark.parametrize("endpoint", ["death", "hcc"])
def test_shipped_curves_give_the_same_rows_as_before(endpoint):
    curve, risk = shi2021(endpoint, digitized=True)
    assert rows_digest(reconstruct_ipd(curve, risk)) == SHIPPED[endpoint]


def point_by_point(t, s, n, s_last, censor):
    """The event rule applied at every point in turn (Guyot's walk, written plainly)."""
    d, applied, j = np.zeros(t.size, dtype=np.int64), [], 0
    for i in range(t.size):
        while j < censor.size and censor[j] < t[i]:
            if n > 0:
                applied.append(censor[j])
                n -= 1
            j += 1
        if n > 0 and s_last > 0:
            dk = min(max(int(np.floor(n * (1.0 - s[i] / s_last) + 0.5)), 0), n)
            if dk:
                s_last *= 1.0 - dk / n
                n -= dk
                d[i] = dk
    for c in censor[j:]:
        if n == 0:
            break
        applied.append(c)
        n -= 1
    return d, np.asarray(applied), n, s_last


@pytest.mark.parametrize("seed", range(20))
def test_bisection_walk_equals_the_point_by_point_rule(seed):
    """Random non-increasing curves (flat runs, ties, steps to 0), patients and censoring."""
    rng = np.random.default_rng(seed)
    size = int(rng.integers(5, 400))
    t = np.sort(rng.uniform(0, 10, size))
    t[rng.random(size) < 0.2] = 5.0  # tied times
    t.sort()
    s = np.minimum.accumulate(np.clip(1 - np.cumsum(rng.exponential(0.01, size)
                                                    * (rng.random(size) < 0.3)), 0, 1))
    n = int(rng.integers(1, 300))
    censor = spread(0.0, 10.0, int(rng.integers(0, n + 5)))
    w = walk(t, s, 0, size, n, 1.0, censor)
    d, applied, left, s_last = point_by_point(t, s, n, 1.0, censor)
    dense = np.zeros(size, dtype=np.int64)
    dense[w.points] = w.d
    assert dense.tolist() == d.tolist()
    assert w.censored.tolist() == applied.tolist()
    assert (w.left, w.s_last) == (left, s_last)


def test_a_traced_curve_of_200k_points_reconstructs_its_patients():
    """200 patients traced at 200,000 points with 1-pixel noise; the table at 24 months is
    one the curve cannot meet, so the boundary search and the scaled fall run in full
    (quadratic before: minutes).  The rows still honour the table where it can be met."""
    rng = np.random.default_rng(3)
    event_time, censor_time = rng.exponential(20.0, 200), rng.uniform(0, 60, 200)
    time = np.minimum(event_time, censor_time)
    points = simulate_trace(km_step_corners(time, event_time <= censor_time), 200_000,
                            noise_px=1.0, x_max=60.0, rng=4).assign(group="A")
    at = np.arange(0.0, 60.0, 12.0)
    n = [int(np.sum(time >= u)) for u in at]
    n[2] = n[1] - 3  # fewer leave than the curve's fall alone removes: cannot be met
    risk = pd.DataFrame({"group": "A", "time": at, "n_at_risk": n})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ipd = reconstruct_ipd(DigitizedCurve.from_frame(points), risk)
    assert len(ipd) == 200
    comparison = pd.DataFrame(ipd.attrs["at_risk"])
    # every number at risk but the impossible one is met exactly
    assert comparison.drop(index=2)["difference"].abs().max() == 0
