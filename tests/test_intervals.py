"""One interval convention: 95% equal-tailed by default, HDI on request, ``mass`` validated by
every method, and every table naming its interval."""

from __future__ import annotations

import numpy as np
import pytest

import bayesurv as bs
from bayesurv.inference.intervals import credible_interval, hdi, interval_label

METHODS = {
    "hazard_ratios": lambda f, **k: f.hazard_ratios(**k),
    "window_hazard_ratios": lambda f, **k: f.window_hazard_ratios([(0, 13), (13, 40)], **k),
    "hazard_ratio_curve": lambda f, **k: f.hazard_ratio_curve([6, 24], **k),
    "survival": lambda f, **k: f.survival([12, 36], **k),
    "rmst": lambda f, **k: f.rmst(36, **k),
    "survival_difference": lambda f, **k: f.survival_difference([24], **k),
    "median_survival": lambda f, **k: f.median_survival(**k),
    "covariate_effects": lambda f, **k: f.covariate_effects(**k),
    "summary": lambda f, **k: f.summary(**k),
    "changepoint_summary": lambda f, **k: f.changepoint_summary(**k),
}


@pytest.fixture(scope="module")
def cp_fit(fits, reference_data):
    return fits.small(bs.ChangePoint(near=13), reference_data)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mass", [0, 1, 1.5, -0.2, 95, float("nan"), True, "0.95", None])
def test_every_method_refuses_a_mass_outside_0_1(cp_fit, method, mass):
    with pytest.raises(bs.BayesurvInputError, match="mass"):
        METHODS[method](cp_fit, mass=mass)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_refuses_an_unknown_interval(cp_fit, method):
    with pytest.raises(bs.BayesurvInputError, match="interval must be 'equal-tailed' or 'hdi'"):
        METHODS[method](cp_fit, interval="HPD")


@pytest.mark.parametrize("method", METHODS)
def test_every_table_names_its_interval(cp_fit, method):
    assert METHODS[method](cp_fit).attrs["interval"] == "95% equal-tailed"
    assert METHODS[method](cp_fit, mass=0.8, interval="hdi").attrs["interval"] == "80% HDI"


def test_the_change_point_interval_is_95_by_default(cp_fit):
    summary = cp_fit.changepoint_summary()
    assert summary["mass"] == 0.95
    table = cp_fit.changepoint()
    inside = table[(table["tau"] >= summary["lower"]) & (table["tau"] <= summary["upper"])]
    # equal-tailed: at most 2.5% of the posterior on each side, so at least 95% inside
    assert inside["probability"].sum() >= 0.95 - 1e-9
    below = table.loc[table["tau"] < summary["lower"], "probability"].sum()
    assert below <= 0.025 + 1e-9


def test_hdi_of_exponential_draws_starts_at_zero():
    """Exponential(rate 0.5): the density decreases, HDI = [0, -log(1 - mass) / rate].  The
    upper end is a quantile of 400,000 draws: SE about 0.01, so 0.05 is five of them; the
    lower end is the smallest draw, about 1 / (n rate) = 5e-6."""
    draws = np.random.default_rng(2).exponential(2.0, 400_000)
    for mass in (0.5, 0.9, 0.95):
        lower, upper = hdi(draws, mass)
        assert lower < 1e-3
        assert upper == pytest.approx(-np.log(1 - mass) / 0.5, abs=0.05)
        # the equal-tailed interval of the same draws is longer
        et_lower, et_upper = credible_interval(draws, mass)
        assert et_upper - et_lower > upper - lower + 0.1


def test_hdi_of_normal_draws_is_the_equal_tailed_interval():
    """Symmetric and unimodal: both are mean -/+ 1.96 sd (quantile SE of 200,000 draws about
    0.006 sd, so 0.03 is five)."""
    draws = np.random.default_rng(3).normal(5.0, 2.0, (200_000, 3))
    lower, upper = hdi(draws, 0.95)
    assert lower.shape == (3,)
    np.testing.assert_allclose(lower, 5 - 1.96 * 2, atol=0.06)
    np.testing.assert_allclose(upper, 5 + 1.96 * 2, atol=0.06)


def test_hdi_counts_whole_draws_and_skips_the_long_tail():
    # 5 of 6 draws: the shortest run of 5 sorted draws leaves out the far one
    lower, upper = hdi(np.array([0.0, 1.0, 1.1, 1.2, 1.3, 9.0]), 0.8)
    assert (float(lower), float(upper)) == (0.0, 1.3)
    # with infinite draws (medians not reached) a finite window is still found if it exists
    lower, upper = hdi(np.array([1.0, 2.0, 3.0, np.inf]), 0.75)
    assert (float(lower), float(upper)) == (1.0, 3.0)
    assert np.isnan(hdi(np.array([1.0, np.inf, np.inf, np.inf]), 0.75)[0])


def test_weighted_hdi_of_a_discrete_posterior():
    grid = np.arange(1.0, 8.0)
    probability = np.array([0.01, 0.04, 0.5, 0.3, 0.1, 0.03, 0.02])
    assert tuple(map(float, hdi(grid, 0.9, probability))) == (3.0, 5.0)  # 0.9 exactly
    # 0.91: no width-2 run holds it; of the width-3 runs 2-5 (0.94) and 3-6 (0.93), the first
    assert tuple(map(float, hdi(grid, 0.91, probability))) == (2.0, 5.0)
    # equal-tailed on the same grid: the CDF reaches 0.05 at 2 and 0.95 at 5, exactly
    assert tuple(map(float, credible_interval(grid, 0.9, weights=probability))) == (2.0, 5.0)
    assert tuple(map(float, credible_interval(grid, 0.8, weights=probability))) == (3.0, 5.0)


def test_hdi_through_the_fit_is_the_hdi_of_the_draws(cp_fit):
    table = cp_fit.hazard_ratios(mass=0.9, interval="hdi")
    draws = np.exp(cp_fit.idata.posterior["log_hr"].to_numpy().reshape(-1, 2))
    for k in range(2):
        lower, upper = hdi(draws[:, k], 0.9)
        assert (table["lower"].iloc[k], table["upper"].iloc[k]) == (lower, upper)
        assert np.mean((draws[:, k] >= lower) & (draws[:, k] <= upper)) >= 0.9
    summary = cp_fit.summary(interval="hdi")
    assert set(summary["interval"]) == {"95% HDI"}
    cp = cp_fit.changepoint_summary(interval="hdi")
    table = cp_fit.changepoint()
    inside = table[(table["tau"] >= cp["lower"]) & (table["tau"] <= cp["upper"])]
    assert inside["probability"].sum() >= 0.95 - 1e-9


def test_interval_labels():
    assert interval_label(0.95) == "95% equal-tailed"
    assert interval_label(0.5, "hdi") == "50% HDI"
    assert interval_label(0.999) == "99.9% equal-tailed"
