"""Change-point model: recovery, the tau prior and posterior, HR(t), argument checks."""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv.model.changepoint import default_grid, nice_step


@pytest.mark.slow
def test_large_sample_recovery():
    """N = 20000, tau = 13, HR 1.0 then 0.3 (issue acceptance criterion).

    With ~11000 events the likelihood of tau away from 13 drops by tens of log units, so the
    posterior mode must be 13 and P(|tau - 13| <= 1) > 0.9; log HR posterior sds are ~0.03,
    so both medians must be within 0.05 of the truth.
    """
    truth = np.log([1.0, 0.3])
    df = bs.simulate_trial(n=(10000, 10000), baseline_rates=[0.02], log_hr=tuple(truth),
                           tau=13, seed=7)
    data = bs.SurvivalData.from_frame(df, reference="control")
    fit = bs.ChangePoint(grid=range(1, 61)).fit(data, draws=500, tune=500, chains=2,
                                                random_seed=3, progressbar=False)
    summary = fit.changepoint_summary()
    assert summary["mode"] == 13
    assert fit.changepoint_probability(11.999, 14.0) > 0.9
    medians = np.log(fit.hazard_ratios()["median"].to_numpy())
    np.testing.assert_array_less(np.abs(medians - truth), 0.05)


@pytest.mark.slow
def test_no_divergences_with_default_settings():
    """Three reference-trial-sized simulations, default sampler settings: no divergence."""
    for seed in (1, 2, 3):
        df = bs.simulate_trial(n=(111, 108), baseline_rates=[0.0035],
                               log_hr=(0.0, np.log(0.3)), tau=13, seed=seed)
        data = bs.SurvivalData.from_frame(df, reference="control")
        fit = bs.ChangePoint(near=13).fit(data, random_seed=seed, progressbar=False)
        assert fit.diagnostics(warn=False).divergences == 0


def tau_probability_mcse(fit) -> np.ndarray:
    """Monte Carlo standard error of each candidate's averaged P(tau = k | rest)."""
    return az.mcse(fit.idata, var_names=["tau_probability"])["tau_probability"].to_numpy()


def test_tau_posterior_matches_brute_force(tiny_changepoint):
    """P(tau = k | data) against the quadrature of the likelihood written out by hand
    (``exact_changepoint_posterior`` in conftest.py), on 120 patients and a 5-point grid
    with prior weights 0.3, 0.25, 0.2, 0.15, 0.1.

    Exact: 0.056, 0.070, 0.836, 0.035, 0.004.  The fit's table is a Monte Carlo average of
    P(tau = k | parameters, data), so each value must be within 4 of its MC standard errors
    (ArviZ ``mcse``, 0.001-0.006 here) plus 1e-3 for the quadrature.
    """
    fit, exact = tiny_changepoint["fit"], tiny_changepoint["exact"]
    table = fit.changepoint()
    assert list(table.columns) == ["tau", "probability", "prior", "cumulative"]
    np.testing.assert_array_equal(table["tau"], exact["tau"])
    np.testing.assert_allclose(table["prior"], tiny_changepoint["prior"], rtol=1e-12)
    mcse = tau_probability_mcse(fit)
    np.testing.assert_array_less(np.abs(table["probability"] - exact["probability"]),
                                 4 * mcse + 1e-3)
    # the cumulative column: its error is at most the sum of the errors of its terms
    np.testing.assert_array_less(np.abs(table["cumulative"] - np.cumsum(exact["probability"])),
                                 4 * np.cumsum(mcse) + 1e-3)


def test_log_hr_posterior_matches_brute_force(tiny_changepoint):
    """Posterior means of the before/after log HRs, averaged over tau, against quadrature
    (exact 0.352 and -1.192); tolerance 4 MC standard errors (0.01-0.02) plus 1e-3."""
    fit, exact = tiny_changepoint["fit"], tiny_changepoint["exact"]
    draws = fit.idata.posterior["log_hr"].sel(group="treated")
    mcse = az.mcse(fit.idata, var_names=["log_hr"])["log_hr"].sel(group="treated").to_numpy()
    means = draws.mean(("chain", "draw")).to_numpy()
    np.testing.assert_array_less(np.abs(means - exact["log_hr_mean"]), 4 * mcse + 1e-3)


def test_tau_draws_follow_the_rao_blackwellized_posterior(changepoint_fit):
    """Frequencies of the per-draw tau draws agree with the averaged P(tau = k | rest).

    600 draws: a binomial proportion's sd is at most 0.02, so 0.08 is 4 sd.
    """
    table = changepoint_fit.changepoint().set_index("tau")
    taus = changepoint_fit.idata.posterior["tau"].to_numpy().ravel()
    for tau, prob in table["probability"].nlargest(3).items():
        assert (taus == tau).mean() == pytest.approx(prob, abs=0.08)


def test_changepoint_summary_matches_brute_force(tiny_changepoint):
    """Summary of the tiny fit against the exact posterior (0.056, 0.070, 0.836, 0.035, 0.004
    on 4, 8, 12, 16, 20): mode and median 12, and the central 50% interval is {12} (the exact
    CDF jumps from 0.125 to 0.961 there, far beyond MC error); the mean and P(8 < tau <= 16)
    within 4 MC standard errors (the latter's error is at most the sum of its terms')."""
    fit, exact = tiny_changepoint["fit"], tiny_changepoint["exact"]
    summary = fit.changepoint_summary(mass=0.5)
    assert summary["mode"] == summary["median"] == summary["lower"] == summary["upper"] == 12
    mcse = tau_probability_mcse(fit)
    exact_mean = float(exact["tau"] @ exact["probability"])
    assert summary["mean"] == pytest.approx(exact_mean, abs=4 * float(exact["tau"] @ mcse))
    inside = (exact["tau"] > 8) & (exact["tau"] <= 16)
    assert fit.changepoint_probability(8, 16) == pytest.approx(
        exact["probability"][inside].sum(), abs=4 * mcse[inside].sum() + 1e-3)


def test_hr_curve_is_the_before_hr_early_and_the_after_hr_late(changepoint_fit):
    """Before every candidate tau, HR(t) is the `before` HR; after all of them, the `after` HR.

    The curve uses the weighted sample's inverse CDF and the table numpy's interpolated
    quantiles, so each curve quantile must be within one order statistic of the table's
    (the tails of 600 draws can be several percent apart between neighbours)."""
    grid = changepoint_fit.changepoint()["tau"]
    curve = changepoint_fit.hazard_ratio_curve([grid.min() - 0.5, grid.max() + 0.5])
    table = changepoint_fit.hazard_ratios().set_index("period")
    log_hr = changepoint_fit.idata.posterior["log_hr"].to_numpy()
    for row, period in ((0, "before"), (1, "after")):
        hr = np.sort(np.exp(log_hr[:, :, 0, row].ravel()))
        for column, q in (("median", 0.5), ("lower", 0.025), ("upper", 0.975)):
            position = q * (hr.size - 1)
            low = hr[max(int(np.floor(position)) - 1, 0)]
            high = hr[min(int(np.ceil(position)) + 1, hr.size - 1)]
            assert low <= curve.loc[row, column] <= high
            assert low <= table.loc[period, column] <= high
        assert curve.loc[row, "p_benefit"] == pytest.approx(table.loc[period, "p_benefit"])


def test_window_hrs_match_period_hrs_when_tau_is_certain():
    """With all prior mass on tau = 13, the landmark windows at 13 are the two periods."""
    df = bs.simulate_trial(n=(150, 150), baseline_rates=[0.01], log_hr=(0.0, -1.0), tau=13,
                           seed=4)
    data = bs.SurvivalData.from_frame(df, reference="control")
    fit = bs.ChangePoint(grid=[10, 13, 16], prior=[0, 1, 0]).fit(
        data, draws=200, tune=200, chains=2, random_seed=1, progressbar=False)
    windows = fit.window_hazard_ratios([(0, 13), (13, np.inf)])
    periods = fit.hazard_ratios()
    np.testing.assert_allclose(windows["median"], periods["median"], rtol=1e-9)
    assert fit.changepoint_probability(0, 13) == pytest.approx(1.0)


def test_default_grid_is_monthly_and_leaves_events_on_both_sides():
    df = bs.datasets.shi2021("death")
    data = bs.SurvivalData.from_frame(df, reference="control")
    grid = default_grid(data)
    assert np.allclose(np.diff(grid), 1.0)
    event_times = data.time[data.event == 1]
    for tau in (grid[0], grid[-1]):
        assert (event_times <= tau).sum() >= 3 and (event_times > tau).sum() >= 3
    assert nice_step(85.0) == 1.0 and nice_step(2659.0) == 20.0


def test_near_prior_is_a_discretized_normal():
    model = bs.ChangePoint(grid=range(1, 61), near=13, spread=3)
    weights = model.tau_prior(np.arange(1.0, 61.0))
    assert weights.sum() == pytest.approx(1.0)
    assert np.argmax(weights) == 12
    ratio = weights[12 + 3] / weights[12]
    assert ratio == pytest.approx(np.exp(-0.5), rel=1e-12)


def test_uniform_prior_by_default():
    weights = bs.ChangePoint(grid=[5, 10, 15, 20]).tau_prior(np.array([5.0, 10, 15, 20]))
    np.testing.assert_allclose(weights, 0.25)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"grid": []}, bs.ModelError, "grid is empty"),
        ({"grid": [10, 5]}, bs.ModelError, "sorted"),
        ({"grid": [0, 5]}, bs.ModelError, "grid points must be > 0"),
        ({"spread": 2}, bs.PriorError, "spread needs near"),
        ({"near": 13, "spread": 0}, bs.PriorError, "spread must be a finite number > 0"),
        ({"near": -2}, bs.ModelError, "near must be a finite number > 0"),
        ({"grid": [5, 10], "prior": [1, 2, 3]}, bs.PriorError, "3 weights but the grid has 2"),
        ({"grid": [5, 10], "prior": [0, 0]}, bs.PriorError, "not all 0"),
        ({"prior": [1, 2]}, bs.PriorError, "need an explicit grid"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        bs.ChangePoint(**kwargs)


def test_grid_points_where_an_arm_has_no_events_on_one_side_are_dropped(reference_like_data):
    """A candidate before an arm's first event (or after its last) cannot be told apart from
    its neighbours by that arm's data: it is dropped, with a warning naming it, and its prior
    weight goes to the others; a grid with no informative point is an error."""
    data = reference_like_data
    first = {g: data.time[(data.group_index == k) & (data.event == 1)].min()
             for k, g in enumerate(data.groups)}
    early = float(np.round(min(first.values()) / 2, 3))
    late_arm = max(first, key=first.get)
    between = float(np.round((min(first.values()) + first[late_arm]) / 2, 3))
    grid = [early, between, 13] if between < first[late_arm] else [early, 13]
    with pytest.warns(bs.DataWarning, match=rf"grid point\(s\) {early:g}.* dropped: arm "
                                            r"'\w+' has no events before it"):
        arrays = bs.ChangePoint(grid=grid, prior=[1] * len(grid)).arrays(data)
    assert arrays["tau_grid"].tolist() == [13.0]
    assert arrays["tau_prior"].tolist() == [1.0]
    with pytest.raises(bs.ModelError, match=r"no change-point grid point"):
        bs.ChangePoint(grid=[early]).arrays(data)
    with pytest.raises(bs.ModelError, match=r"grid point 200 is not inside the follow-up"):
        bs.ChangePoint(grid=[13, 200]).arrays(data)


def test_near_outside_the_grid_is_rejected(reference_like_data):
    with pytest.raises(bs.ModelError, match=r"near=500 is outside the change-point grid "
                                            r"\(5 to 10"):
        bs.ChangePoint(grid=[5, 10], near=500, spread=1).arrays(reference_like_data)
    with pytest.raises(bs.PriorError, match="puts no prior mass on the grid"):
        bs.ChangePoint(grid=[5, 10], near=7.5, spread=1e-300).arrays(reference_like_data)


def test_changepoint_methods_need_a_changepoint_fit(piecewise_fit):
    with pytest.raises(bs.BayesurvInputError, match="needs a ChangePoint fit"):
        piecewise_fit.changepoint()


def test_covariates_enter_the_changepoint_model():
    df = bs.datasets.shi2021("death")
    data = bs.SurvivalData.from_frame(df, reference="control", covariates=["meld"])
    fit = bs.ChangePoint(near=13).fit(data, draws=200, tune=200, chains=2, random_seed=1,
                                      progressbar=False)
    assert "beta" in fit.idata.posterior
    assert fit.idata.posterior["beta"].dims == ("chain", "draw", "covariate")
    assert isinstance(fit.hazard_ratios(), pd.DataFrame)
    # MELD (sd ~5 points) with 44 deaths pins its per-point log HR to a posterior sd of a few
    # hundredths; a covariate left out of the likelihood would keep the prior's sd of 1
    assert float(fit.idata.posterior["beta"].std()) < 0.2
