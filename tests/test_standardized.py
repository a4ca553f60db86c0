"""Survival curves and estimands of covariate models: standardized over the cohort, or at
given covariate values.

Two data shapes: the synthetic reference cohort with one binary covariate (closed forms), and
a large simulated trial whose binary covariate has a strong effect (HR 9), where the
cohort-standardized curve is the arm's marginal survival (what Kaplan-Meier estimates) and the
curve at the average covariate is not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv.inference import curves, estimands

SMALL = {"draws": 200, "tune": 200, "chains": 2, "random_seed": 1}


@pytest.fixture(scope="module")
def binary(fits):
    """The reference cohort with a binary covariate (MELD above 15), one baseline piece."""
    df = bs.datasets.shi2021("death").assign(high=lambda d: (d["meld"] > 15).astype(float))
    data = bs.SurvivalData.from_frame(df, reference="control", covariates=["high"])
    return data, fits.get(bs.PiecewiseExponential(cuts=[13], baseline=1), data, **SMALL)


def _hand_hazards(fit):
    """Each draw's cumulative hazard function per arm from the sampled parameters alone."""
    post = fit.idata.posterior
    rate = np.exp(post["log_baseline"].to_numpy().reshape(-1))  # one piece
    log_hr = post["log_hr"].to_numpy().reshape(rate.size, -1)  # (draws, periods): 0-13, 13+

    def cumulative(t):  # (draws, arms)
        treated = (np.exp(log_hr[:, 0]) * min(t, 13.0) + np.exp(log_hr[:, 1]) * max(t - 13, 0))
        return np.stack([rate * t, rate * treated], axis=1)

    beta = post["beta"].to_numpy().reshape(rate.size)
    return cumulative, beta


def test_standardized_survival_is_the_average_of_two_exponentials(binary):
    data, fit = binary
    x = data.covariates[:, 0]
    share = x.mean()
    z = (np.array([0.0, 1.0]) - share) / x.std()  # the model's standardized values
    cumulative, beta = _hand_hazards(fit)
    times = [6.0, 24.0, 48.0]
    got = fit.survival_draws(times).to_numpy().reshape(-1, 2, 3)  # (draws, arms, times)
    for t, time in enumerate(times):
        h = cumulative(time)[:, :, None] * np.exp(beta[:, None, None] * z)  # (draws, arm, x)
        closed = (1 - share) * np.exp(-h[..., 0]) + share * np.exp(-h[..., 1])
        np.testing.assert_allclose(got[:, :, t], closed, rtol=0, atol=1e-10)
    assert fit.survival_draws(times).attrs["covariates"] == "standardized over the cohort"


def test_estimands_of_the_binary_covariate_model_follow_the_closed_form(binary):
    data, fit = binary
    x = data.covariates[:, 0]
    share = x.mean()
    z = (np.array([0.0, 1.0]) - share) / x.std()
    cumulative, beta = _hand_hazards(fit)
    # milestone survival: the same average of exponentials, row by row
    table = fit.survival_difference([24.0])
    h = cumulative(24.0)[:, :, None] * np.exp(beta[:, None, None] * z)
    closed = (1 - share) * np.exp(-h[..., 0]) + share * np.exp(-h[..., 1])
    assert table["median"].iloc[:2].to_numpy() == pytest.approx(np.median(closed, axis=0),
                                                                 abs=1e-10)
    assert set(table["covariates"]) == {"standardized over the cohort"}
    assert table.columns[-1] == "group"
    # RMST to 12 (one hazard piece per arm): the average of (1 - exp(-r 12)) / r
    rates = cumulative(1.0)[:, :, None] * np.exp(beta[:, None, None] * z)  # hazard before 13
    per_x = -np.expm1(-rates * 12.0) / rates
    closed_rmst = (1 - share) * per_x[..., 0] + share * per_x[..., 1]
    got = estimands.rmst_draws(fit.idata, fit.model, 12.0)
    np.testing.assert_allclose(got, closed_rmst, rtol=0, atol=1e-10)


def test_standardized_median_solves_the_averaged_curve(binary):
    """Past the follow-up nothing is censored (follow-up set far out): each draw's median
    must put the averaged curve at 0.5, to the solver's tolerance times the curve's slope
    (the density, < 0.1 per month here, so 1e-9 * 0.1 < 1e-9)."""
    data, fit = binary
    profile = curves.covariate_profile(fit.idata)
    median = curves.standardized_median(fit.idata, fit.model, profile, np.full(2, 1e6))
    assert np.isfinite(median).all()
    x = data.covariates[:, 0]
    share, z = x.mean(), (np.array([0.0, 1.0]) - x.mean()) / x.std()
    cumulative, beta = _hand_hazards(fit)
    for s in range(0, median.shape[0], 37):
        for g in range(2):
            h = cumulative(median[s, g])[s, g] * np.exp(beta[s] * z)
            value = (1 - share) * np.exp(-h[0]) + share * np.exp(-h[1])
            assert value == pytest.approx(0.5, abs=1e-9)


def test_curves_at_given_covariate_values_match_a_hand_computation(binary):
    data, fit = binary
    cumulative, beta = _hand_hazards(fit)
    x = data.covariates[:, 0]
    z = (1.0 - x.mean()) / x.std()
    got = fit.survival_draws([30.0], covariates={"high": 1}).to_numpy().reshape(-1, 2)
    np.testing.assert_allclose(got, np.exp(-cumulative(30.0) * np.exp(beta * z)[:, None]),
                               rtol=0, atol=1e-12)
    table = fit.survival([30.0], covariates={"high": 1})
    assert set(table["covariates"]) == {"high=1"}
    at_mean = fit.median_survival(covariates={})
    assert set(at_mean["covariates"]) == {f"high={x.mean():.3g} (mean)"}
    # one curve per arm at given values: the median is the closed form of that curve
    m = estimands.median_draws(fit.idata, fit.model, fit.data_summary, {"high": 1})
    finite = np.isfinite(m)
    assert finite.any()
    for s, g in zip(*np.nonzero(finite), strict=True):
        assert np.exp(-cumulative(m[s, g])[s, g] * np.exp(beta[s] * z)) == pytest.approx(
            0.5, abs=1e-12)


@pytest.mark.parametrize("covariates, message", [
    ({"nope": 1}, "unknown covariate"),
    ({"high": "a"}, "finite number"),
    ({"high": np.nan}, "finite number"),
    ("average", "must be 'standardized' or a mapping"),
])
def test_bad_covariate_values_are_refused(binary, covariates, message):
    _, fit = binary
    with pytest.raises(bs.BayesurvInputError, match=message):
        fit.rmst(24, covariates=covariates)


def test_a_fit_without_covariates_has_no_covariates_column(fits, reference_data):
    fit = fits.small(bs.PiecewiseExponential(cuts=[13]), reference_data)
    assert "covariates" not in fit.survival([12]).columns
    assert "covariates" not in fit.survival_draws([12]).attrs
    with pytest.raises(bs.BayesurvInputError, match="no covariates"):
        fit.survival([12], covariates={"meld": 15})


@pytest.fixture(scope="module")
def strong(fits):
    """1,500 patients per arm, half with a binary covariate of HR 9, exponential hazard 0.05
    (treatment HR 0.6), administrative censoring uniform on 30-40 months."""
    rng = np.random.default_rng(11)
    n = 1500
    arm = np.repeat(["control", "treated"], n)
    x = rng.integers(0, 2, 2 * n).astype(float)
    rate = 0.05 * np.exp(np.log(9.0) * x + np.log(0.6) * (arm == "treated"))
    event_time = rng.exponential(1 / rate)
    censor = rng.uniform(30, 40, 2 * n)
    df = pd.DataFrame({"time": np.minimum(event_time, censor),
                       "event": (event_time <= censor).astype(int), "arm": arm, "x": x})
    data = bs.SurvivalData.from_frame(df, reference="control", covariates=["x"])
    return data, fits.get(bs.PiecewiseExponential(cuts=[12], baseline=1), data, **SMALL)


def test_standardized_curves_agree_with_kaplan_meier_and_average_ones_do_not(strong):
    """Kaplan-Meier estimates each arm's marginal survival, which the standardized curve is;
    its standard error at S ~ 0.1-0.3 with 1,500 patients is at most 0.012, so 0.04 is over
    three of them.  At the average covariate (x = 1/2) the hazard is 3 times the x = 0 one,
    whose curve misses the mixture of x = 0 and x = 1 curves (hazards 1 and 9 times) by 0.10
    to 0.14 at 20 and 30 months on both arms, so it must miss Kaplan-Meier by over 0.06."""
    data, fit = strong
    times = [20.0, 30.0]
    km = bs.frequentist.kaplan_meier(data, times).set_index(["group", "time"])["survival"]
    standardized = fit.survival(times).set_index(["group", "time"])["median"]
    average = fit.survival(times, covariates={"x": float(data.covariates[:, 0].mean())})
    average = average.set_index(["group", "time"])["median"]
    assert np.max(np.abs(standardized - km.loc[standardized.index])) < 0.04
    assert np.min(np.abs(average - km.loc[average.index])) > 0.06
    # and the standardized RMST to 30 agrees with Kaplan-Meier's (SE about 0.3 months)
    freq = bs.frequentist.rmst(data, 30.0).set_index("group")["rmst"]
    bayes = fit.rmst(30.0).set_index("group")["median"]
    for group in ("control", "treated"):
        assert bayes[group] == pytest.approx(freq[group], abs=1.0)
