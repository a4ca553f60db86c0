"""Several plausible reconstructions: ``reconstruct_ipd(..., draws=K, random_seed=...)``.

Each draw moves the digitized points by the curve's estimated digitizing noise and places
each interval's censorings at random in it; the draws are reproducible, each meets the
risk table, and they spread more when the figure was digitized less precisely.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayesurv.base.exceptions import DigitizedCurveError
from bayesurv.data.survival_data import SurvivalData
from bayesurv.datasets import shi2021
from bayesurv.digitized.curve import DigitizedCurve
from bayesurv.digitized.reconstruct import reconstruct_ipd
from bayesurv.digitized.simulate import km_step_corners, simulate_digitization
from bayesurv.frequentist import cox

CANVAS = (1000, 600)


@pytest.fixture(scope="module")
def shipped():
    return shi2021("death", digitized=True)


def test_draws_are_reproducible_per_seed(shipped):
    curve, risk = shipped
    one = reconstruct_ipd(curve, risk, draws=3, random_seed=7)
    again = reconstruct_ipd(curve, risk, draws=3, random_seed=7)
    other = reconstruct_ipd(curve, risk, draws=3, random_seed=8)
    assert isinstance(one, list) and len(one) == 3
    for a, b in zip(one, again, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert not one[0]["time"].equals(other[0]["time"])
    assert not one[0]["time"].equals(one[1]["time"])  # the draws differ from each other
    # without draws: the single reconstruction, as before
    assert isinstance(reconstruct_ipd(curve, risk), pd.DataFrame)


def test_each_draw_meets_the_risk_table_and_is_survival_data(shipped):
    curve, risk = shipped
    for ipd in reconstruct_ipd(curve, risk, draws=4, random_seed=1):
        assert len(ipd) == 219
        at_risk = pd.DataFrame(ipd.attrs["at_risk"])
        assert at_risk["difference"].abs().max() == 0
        data = SurvivalData.from_frame(ipd, time="time", event="event", group="group",
                                       reference="control")
        assert data.n_events == int(ipd["event"].sum())


def test_draws_meet_reported_total_events():
    pts = pd.DataFrame({"group": "A", "time": [0, 2, 2, 5, 5, 8],
                        "survival": [1, 1, 0.9, 0.9, 0.675, 0.675]})
    risk = pd.DataFrame({"group": "A", "time": [0, 4], "n_at_risk": [10, 8]})
    for ipd in reconstruct_ipd(pts, risk, total_events=3, draws=5, random_seed=2):
        assert int(ipd["event"].sum()) == 3 and len(ipd) == 10


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "3"])
def test_bad_draws_are_refused(shipped, bad):
    curve, risk = shipped
    with pytest.raises(DigitizedCurveError, match="draws must be a whole number"):
        reconstruct_ipd(curve, risk, draws=bad)


def trial_figure(noise_px: float, seed: int, n_points: int | None = None):
    """The shipped synthetic cohort's death curves digitized at ``noise_px`` pixels (every
    step corner, or about ``n_points`` points per curve)."""
    rows = shi2021("death")
    rng = np.random.default_rng(seed)
    points, risk = [], []
    x_max = float(rows["time"].max())
    for arm, part in rows.groupby("arm"):
        corners = km_step_corners(part["time"], part["event"])
        pts = simulate_digitization(corners, canvas=CANVAS, noise_px=noise_px, x_max=x_max,
                                    n_points=n_points, rng=rng)
        points.append(pts.assign(group=arm))
        at = np.arange(0.0, x_max, 12.0)
        risk.append(pd.DataFrame({"group": arm, "time": at,
                                  "n_at_risk": [int((part["time"] >= u).sum()) for u in at]}))
    return DigitizedCurve.from_frame(pd.concat(points)), pd.concat(risk)


def log_hrs(curve, risk, draws: int) -> np.ndarray:
    out = []
    for ipd in reconstruct_ipd(curve, risk, draws=draws, random_seed=3):
        data = SurvivalData.from_frame(ipd, time="time", event="event", group="group",
                                       reference="control")
        out.append(float(cox(data)["coef"].iloc[0]))
    return np.asarray(out)


@pytest.mark.filterwarnings("ignore::bayesurv.base.exceptions.DataWarning")
def test_the_estimated_noise_follows_the_simulated_one():
    """1 pixel on a 1000 x 600 canvas over 84 months is 0.084 months and 0.00167 in
    survival; 3 pixels three times that.  Measured: 0.085-0.088 and 0.0015 at 1 pixel,
    0.19-0.21 and 0.003-0.004 at 3 (pairs of ends of segments are only levelled while
    they differ by less than a step, which trims the largest differences); exact corners
    give 0.  The tolerances hold those with a margin."""
    for px in (0.0, 1.0, 3.0):
        noise = trial_figure(px, seed=11)[0].noise
        assert noise["time_sd"].to_numpy() == pytest.approx(0.084 * px, rel=0.35, abs=1e-12)
        assert noise["survival_sd"].to_numpy() == pytest.approx(px / CANVAS[1], rel=0.45,
                                                                abs=1e-12)


@pytest.mark.filterwarnings("ignore::bayesurv.base.exceptions.DataWarning")
def test_a_curve_clicked_at_a_few_points_gets_the_assumed_noise():
    """20 clicks per curve, none two ends of one segment: the differences of neighbours'
    times are the spacing of the clicks, not the noise.  Measured from them, the time SD
    came out in months (2.3 months on a 25-click curve of the calibration benchmark, 60
    months wide), and perturbing the points by it made draws non-monotone (an error).  The
    assumed 2 pixels of a 1000 x 600 plot are 0.002 of the time span (84 months: 0.17)
    and 0.0033 in survival, against 0.084 and 0.0017 of the 1 pixel simulated here."""
    curve, risk = trial_figure(1.0, seed=5, n_points=20)
    noise = curve.noise
    assert noise["assumed"].all()
    span = curve.points.groupby("group")["time"].max().to_numpy()
    assert noise["time_sd"].to_numpy() == pytest.approx(0.002 * span, rel=1e-9)
    assert noise["survival_sd"].to_numpy() == pytest.approx(2 / 600, rel=1e-9)
    assert not trial_figure(1.0, seed=5)[0].noise["assumed"].any()  # every corner clicked
    draws = reconstruct_ipd(curve, risk, draws=5, random_seed=1)
    assert [len(d) for d in draws] == [219] * 5


@pytest.mark.filterwarnings("ignore::bayesurv.base.exceptions.DataWarning")
def test_the_spread_across_draws_grows_with_the_noise():
    """Exact corners against 3 pixels of click noise: the standard deviation of the Cox
    log HR over 12 draws (exact corners: censorings placed at random only) grows; measured
    0.0018 and 0.0055, a ratio of 3; the margin of 2 is well outside the ~20% error of an
    SD from 12 draws."""
    spread_exact = log_hrs(*trial_figure(0.0, seed=11), 12).std()
    spread_loud = log_hrs(*trial_figure(3.0, seed=11), 12).std()
    assert spread_exact > 0  # censoring placement alone already moves the risk sets
    assert spread_loud > 2 * spread_exact
