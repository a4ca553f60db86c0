"""Tests of the estimands: restricted mean, milestone and median survival.

Frequentist (``bayesurv.frequentist``): reference numbers come from R 4.x with survival 3.5.3,
the R call in each test's docstring, on ``d``, the shipped synthetic cohort
(``bs.datasets.shi2021("death")`` written to CSV; ``arm`` a factor with levels ``control``,
``UC-MSC``) and on ``g``, ``TH.data::GBSG2`` (the rows of ``lifelines.datasets.load_gbsg2``,
``horTh`` with levels ``no``, ``yes``).  R printed them with ``options(digits = 10)`` or more,
so a rounded reference is within 5e-10 relative of R's value; the same arithmetic in another
order differs by ~1e-12.  Tolerance 1e-8 relative: far below any change of convention (a
variance that drops a step, another interval scale, another median rule moves the numbers by
more than 1e-3).  Medians are times of the data, compared exactly.

Bayesian (``Fit`` methods): the closed forms of a piecewise-exponential curve checked against
numerical quadrature, the posterior of an exponential model checked draw by draw against
``(1 - exp(-rate t)) / rate``, and the posteriors compared with the Kaplan-Meier estimates on
the reference cohort and on a large simulated trial (tolerances at each test).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_gbsg2
from scipy import integrate, optimize, stats

import bayesurv as bs
from bayesurv import frequentist as fq
from bayesurv.inference.estimands import piecewise_median, piecewise_rmst, summarize_draws

REL = 1e-8  # see the module docstring


@pytest.fixture(scope="module")
def gbsg2():
    return bs.SurvivalData.from_frame(load_gbsg2(), time="time", event="cens", group="horTh",
                                      reference="no", time_unit="days")


def rows(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index(["group", "time"] if "time" in table else "group")


# ------------------------------------------------------------------ frequentist, against R
def test_rmst_matches_r_on_the_reference_cohort(reference_data):
    """R: ``f <- survfit(Surv(time, event) ~ arm, data = d); t <- summary(f, rmean = 60)$table``:
    rmean 51.29512108 (se 1.655674294) control, 54.34844962 (se 1.530020181) UC-MSC
    (``print(f, rmean = 60)`` prints the same rounded); the difference
    ``t[2, "rmean"] - t[1, "rmean"]`` 3.05332853929, ``sqrt(sum(t[, "se(rmean)"]^2))``
    2.25437776841."""
    table = rows(fq.rmst(reference_data, 60))
    assert table.columns.tolist() == ["rmst", "se", "lower", "upper"]
    expected = {"control": (51.29512108, 1.655674294), "UC-MSC": (54.34844962, 1.530020181),
                "UC-MSC - control": (3.05332853929, 2.25437776841)}
    z = stats.norm.ppf(0.975)
    for group, (value, se) in expected.items():
        row = table.loc[group]
        assert row["rmst"] == pytest.approx(value, rel=REL)
        assert row["se"] == pytest.approx(se, rel=REL)
        assert (row["lower"], row["upper"]) == pytest.approx((value - z * se, value + z * se),
                                                             rel=REL)


def test_rmst_matches_r_on_gbsg2(gbsg2):
    """R: ``t <- summary(survfit(Surv(time, cens) ~ horTh, data = g), rmean = 2000)$table``:
    rmean 1340.447108 (se 34.67671425) no, 1513.229306 (se 43.15059678) yes; difference
    172.782197383, se 55.3574612286 (as above).  A 90% interval is rmst -/+ 1.645 se."""
    table = rows(fq.rmst(gbsg2, 2000, mass=0.9))
    expected = {"no": (1340.447108, 34.67671425), "yes": (1513.229306, 43.15059678),
                "yes - no": (172.782197383, 55.3574612286)}
    z = stats.norm.ppf(0.95)
    for group, (value, se) in expected.items():
        assert table.loc[group, "rmst"] == pytest.approx(value, rel=REL)
        assert table.loc[group, "se"] == pytest.approx(se, rel=REL)
        assert table.loc[group, "upper"] == pytest.approx(value + z * se, rel=REL)


def test_milestone_survival_matches_r(reference_data, gbsg2):
    """R: ``s <- summary(survfit(Surv(time, event) ~ arm, data = d), times = c(12, 24, 60))``
    (surv, std.err, lower, upper; the default ``conf.type = "log"``); the UC-MSC curve is flat
    from 12 to 24.  Differences at 60: ``s$surv[2] - s$surv[1]`` 0.124048635686,
    ``sqrt(sum(s$std.err^2))`` 0.0581009665558.  GBSG2 at 1825 days:
    ``summary(survfit(Surv(time, cens) ~ horTh, data = g), times = 1825)``, difference
    0.144404295109, se 0.0468733962574."""
    table = rows(fq.survival_difference(reference_data, [12, 24, 60]))
    expected = {
        ("control", 12): (0.9189189189, 0.02590817801, 0.8695173492, 0.9711272355),
        ("control", 24): (0.8738738739, 0.03151123444, 0.8142449397, 0.9378695651),
        ("control", 60): (0.7226329862, 0.04468833018, 0.6401454259, 0.8157496900),
        ("UC-MSC", 12): (0.9062588502, 0.02822326616, 0.8525966519, 0.9632985325),
        ("UC-MSC", 24): (0.9062588502, 0.02822326616, 0.8525966519, 0.9632985325),
        ("UC-MSC", 60): (0.8466816219, 0.03713051926, 0.7769470041, 0.9226752469),
    }
    for key, values in expected.items():
        assert tuple(table.loc[key, ["survival", "se", "lower", "upper"]]) == pytest.approx(
            values, rel=REL)
    difference = table.loc[("UC-MSC - control", 60)]
    assert (difference["survival"], difference["se"]) == pytest.approx(
        (0.124048635686, 0.0581009665558), rel=REL)

    table = rows(fq.survival_difference(gbsg2, [365, 1825]))
    assert tuple(table.loc[("no", 1825), ["survival", "se", "lower", "upper"]]) == pytest.approx(
        (0.4368057718, 0.02974213550, 0.3822345990, 0.4991680051), rel=REL)
    assert tuple(table.loc[("yes", 365), ["survival", "se", "lower", "upper"]]) == pytest.approx(
        (0.9495842122, 0.01418409080, 0.9221869077, 0.9777954648), rel=REL)
    assert tuple(table.loc[("yes - no", 1825), ["survival", "se"]]) == pytest.approx(
        (0.144404295109, 0.0468733962574), rel=REL)


def test_median_matches_what_r_prints(gbsg2, reference_data):
    """R: ``print(survfit(Surv(time, cens) ~ horTh, data = g))``: median (0.95LCL, 0.95UCL)
    1528 (1296, 1814) no, 2018 (1918, NA) yes; with ``conf.int = 0.9``: 1528 (1329, 1814),
    2018 (1975, NA).  On ``d`` both medians are NA (the curves stay above 0.5)."""
    for mass, expected in ((0.95, {"no": (1528, 1296, 1814), "yes": (2018, 1918, np.nan)}),
                           (0.9, {"no": (1528, 1329, 1814), "yes": (2018, 1975, np.nan)})):
        table = rows(fq.median_survival(gbsg2, mass=mass))
        for group, values in expected.items():
            np.testing.assert_array_equal(table.loc[group, ["median", "lower", "upper"]],
                                          values)
        assert table.loc["yes - no", "median"] == 490
        assert table.loc["yes - no", ["lower", "upper"]].isna().all()
    assert fq.median_survival(reference_data)["median"].isna().all()


def test_median_on_a_curve_exactly_at_one_half_follows_print_survfit():
    """R: ``d2 <- data.frame(time = c(1, 2, 3, 4, 1, 2, 3, 4), event = c(1, 1, 1, 1, 1, 1, 0, 0),
    arm = rep(c("a", "b"), each = 4)); print(survfit(Surv(time, event) ~ arm, data = d2))``:
    median 2.5 (LCL 1, UCL NA) for a (0.5 from 2 to 3, then lower: the midpoint), 2.0 (1, NA)
    for b (0.5 from 2 to the end).  ``quantile(survfit(...), 0.5)`` gives 3 for b (the
    midpoint up to the last follow-up): the printed rule is the one followed."""
    df = pd.DataFrame({"time": [1, 2, 3, 4, 1, 2, 3, 4], "event": [1, 1, 1, 1, 1, 1, 0, 0],
                       "arm": ["a"] * 4 + ["b"] * 4})
    data = bs.SurvivalData.from_frame(df, reference="a")
    table = rows(fq.median_survival(data))
    np.testing.assert_array_equal(table.loc["a", ["median", "lower", "upper"]], (2.5, 1, np.nan))
    np.testing.assert_array_equal(table.loc["b", ["median", "lower", "upper"]], (2.0, 1, np.nan))


def test_frequentist_horizon_past_follow_up_is_an_error(reference_data):
    """R extends the last value (``summary(survfit(...), rmean = 84.99)`` gives 69.35 for
    control, whose last follow-up is 82): bayesurv refuses instead."""
    with pytest.raises(bs.DataError, match=r"'control' \(82 months\)"):
        fq.rmst(reference_data, 84.99)
    with pytest.raises(bs.DataError, match="past the last follow-up"):
        fq.survival_difference(reference_data, [12, 83])
    assert len(fq.rmst(reference_data, 82)) == 3  # up to the last follow-up is fine


@pytest.mark.parametrize("call", [
    lambda d: fq.rmst(d, 0), lambda d: fq.rmst(d, "60"), lambda d: fq.rmst(d, 60, mass=95),
    lambda d: fq.survival_difference(d, [24, 12]), lambda d: fq.survival_difference(d, []),
    lambda d: fq.median_survival(d, mass=1.0),
])
def test_frequentist_arguments_are_checked(reference_data, call):
    with pytest.raises(bs.BayesurvInputError):
        call(reference_data)


def test_frequentist_estimands_require_survival_data(reference_data):
    with pytest.raises(bs.DataError, match="SurvivalData"):
        fq.rmst(reference_data.frame, 60)


# ------------------------------------------------------------------ Bayesian closed forms
def test_piecewise_closed_forms_match_quadrature():
    """Random piecewise hazards on uneven pieces: the area under exp(-H) from 0 to the
    horizon by adaptive quadrature (the edges given as break points, so the integrand is
    smooth on each stretch: error ~1e-12) and the root of H(t) = log 2; 1e-9 relative."""
    rng = np.random.default_rng(4)
    edges = np.array([0.0, 1.5, 4.0, 4.5, 9.0, 20.0])
    lh = np.log(rng.uniform(0.01, 0.4, size=(5, edges.size, 2)))

    def cumulative(t, rates):
        widths = np.clip(np.minimum(np.r_[edges[1:], np.inf], t) - edges, 0.0, None)
        return float(widths @ rates)

    for horizon in (3.0, 4.5, 30.0):
        exact = piecewise_rmst(edges, lh, horizon)
        for s, g in np.ndindex(exact.shape):
            rates = np.exp(lh[s, :, g])
            area, _ = integrate.quad(lambda t, r=rates: np.exp(-cumulative(t, r)), 0, horizon,
                                     points=edges[edges < horizon][1:], epsabs=0, epsrel=1e-12)
            assert exact[s, g] == pytest.approx(area, rel=1e-9)
    median = piecewise_median(edges, lh)
    for s, g in np.ndindex(median.shape):
        rates = np.exp(lh[s, :, g])
        root = optimize.brentq(lambda t, r=rates: cumulative(t, r) - np.log(2), 0, 1e4,
                               xtol=1e-14)
        assert median[s, g] == pytest.approx(root, rel=1e-9)


def test_summaries_of_draws_with_medians_not_reached():
    """inf is a median not reached, NaN a difference of two such: a statistic is reported
    only when those draws cannot change it."""
    reached = summarize_draws(np.array([4.0, 1.0, 3.0, 2.0, np.inf]), mass=0.6)
    assert (reached["median"], reached["lower"]) == (3.0, pytest.approx(1.8))
    assert np.isnan(reached["upper"]) and np.isnan(reached["mean"])  # between 4 and inf
    assert summarize_draws(np.array([4.0, 1.0, 3.0, 2.0, np.inf]), mass=0.5)["upper"] == 4.0
    mostly_not = summarize_draws(np.array([1.0, 2.0, np.inf, np.inf, np.inf]))
    assert np.isnan(mostly_not["median"]) and mostly_not["lower"] == pytest.approx(1.1)
    # a NaN draw could sit anywhere: the median is 2 wherever it goes in the first case,
    # 2 or 5 (so NaN) in the second
    tied = summarize_draws(np.array([-np.inf, 2.0, 2.0, 2.0, np.nan, np.inf]))
    assert tied["median"] == 2.0
    loose = summarize_draws(np.array([-1.0, 2.0, 5.0, 6.0, np.nan, -np.inf, np.inf]),
                            benefit=True)
    assert np.isnan(loose["median"])
    assert np.isnan(loose["p_benefit"])  # 3/7 or 4/7
    unanimous = summarize_draws(np.array([1.0, 2.0, np.inf, np.inf]), benefit=True)
    assert unanimous["p_benefit"] == 1.0
    plain = summarize_draws(np.array([-1.0, 1.0, 2.0, 3.0]), benefit=True)
    assert plain["p_benefit"] == 0.75 and plain["mean"] == 1.25


def exponential_rates(fit) -> np.ndarray:
    """Each arm's rate per (chain, draw) of a one-piece, constant-HR fit: (chain, draw, 2)."""
    posterior = fit.idata.posterior
    control = np.exp(posterior["log_baseline"].isel(piece=0).to_numpy())
    treated = control * np.exp(posterior["log_hr"].isel(group=0, period=0).to_numpy())
    return np.stack([control, treated], axis=-1)


def test_estimands_of_an_exponential_fit_are_the_closed_forms(exponential_fit):
    """One hazard per arm: S(t) = exp(-rate t), RMST(tau) = (1 - exp(-rate tau)) / rate,
    median log(2) / rate, from each posterior draw of the rates (``exponential_fit`` in
    tests/conftest.py).  The fit still sums over its 57 fine pieces, so this checks the sum;
    1e-9 relative allows for the order of the sums."""
    rates = exponential_rates(exponential_fit)
    flat = rates.reshape(-1, 2)
    horizon = 60.0
    table = rows(exponential_fit.rmst(horizon))
    rmst = -np.expm1(-flat * horizon) / flat
    for column, values in (("control", rmst[:, 0]), ("UC-MSC", rmst[:, 1]),
                           ("UC-MSC - control", rmst[:, 1] - rmst[:, 0])):
        row = table.loc[column]
        assert row["median"] == pytest.approx(np.median(values), rel=1e-9)
        assert row["mean"] == pytest.approx(values.mean(), rel=1e-9)
        assert (row["lower"], row["upper"]) == pytest.approx(
            tuple(np.quantile(values, [0.025, 0.975])), rel=1e-9)
    assert table.loc["UC-MSC - control", "p_benefit"] == np.mean(rmst[:, 1] > rmst[:, 0])
    assert np.isnan(table.loc["control", "p_benefit"])

    curves = exponential_fit.survival_draws([12, 60])
    expected = np.exp(-rates[:, :, :, None] * np.array([12.0, 60.0]))  # chain, draw, group, t
    np.testing.assert_allclose(curves.to_numpy(), expected, rtol=1e-9)
    assert curves.sel(group="UC-MSC", time=60).shape == rates.shape[:2]
    survival = rows(exponential_fit.survival_difference([60], mass=0.5))
    difference = expected[..., 1, 1] - expected[..., 0, 1]
    assert survival.loc[("UC-MSC - control", 60), "lower"] == pytest.approx(
        np.quantile(difference, 0.25), rel=1e-9)

    # log(2) / rate is past the follow-up (82 and 85 months) in every draw: not reached
    followup = np.array([82.0, 84.99])
    reached = (np.log(2) / flat <= followup).mean(axis=0)
    median = rows(exponential_fit.median_survival())
    assert median.loc[["control", "UC-MSC"], "reached"].tolist() == reached.tolist()
    assert median["median"].isna().all()


def test_a_horizon_past_the_follow_up_warns(pw_fit_ref):
    """82 months is the control arm's last follow-up, 84.99 the UC-MSC arm's."""
    with pytest.warns(bs.DataWarning, match=r"follow-up of control \(82 months\);") as caught:
        late = pw_fit_ref.rmst(84)
    assert caught[0].filename == __file__  # attributed to the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        early = pw_fit_ref.rmst(82)
    assert (late["median"].iloc[:2] > early["median"].iloc[:2]).all()


@pytest.mark.parametrize("call", [
    lambda f: f.rmst(-1), lambda f: f.rmst([60]), lambda f: f.rmst(60, mass=0),
    lambda f: f.survival_difference([60, 12]), lambda f: f.survival_difference("12"),
    lambda f: f.median_survival(mass=1.5), lambda f: f.survival_draws([]),
])
def test_fit_arguments_are_checked(pw_fit_ref, call):
    with pytest.raises(bs.BayesurvInputError):
        call(pw_fit_ref)


@pytest.fixture(scope="module")
def pw_fit_ref(fits, reference_data, small_settings):
    """The fixed-cut fit of the reference cohort the docstring examples use (``pw_fit``)."""
    return fits.get(bs.PiecewiseExponential(cuts=[13]), reference_data, **small_settings)


# ------------------------------------------------------------------ Bayesian vs Kaplan-Meier
def test_rmst_on_the_reference_cohort_is_close_to_kaplan_meier(pw_fit_ref, reference_data):
    """With 44 deaths the model pools the baseline hazard over pieces and its N(0, 1) prior
    pulls each log HR towards 0, so its RMST differs from the Kaplan-Meier area by part of a
    standard error (here about 0.3 se per arm, 0.5 se for the difference, whose KM value is
    3.05 with se 2.25): within 0.6 se per arm and 1 se for the difference, while swapped arms,
    a wrong horizon or survival read as 1 - survival would each be off by 2 se or more.  The
    posterior sd is within a factor 1.5 of the KM se."""
    bayes, freq = rows(pw_fit_ref.rmst(60)), rows(fq.rmst(reference_data, 60))
    z = stats.norm.ppf(0.975)
    for group, allowed in (("control", 0.6), ("UC-MSC", 0.6), ("UC-MSC - control", 1.0)):
        se = freq.loc[group, "se"]
        assert abs(bayes.loc[group, "median"] - freq.loc[group, "rmst"]) < allowed * se
        sd = (bayes.loc[group, "upper"] - bayes.loc[group, "lower"]) / (2 * z)
        assert 1 / 1.5 < sd / se < 1.5
    assert bayes.loc["UC-MSC - control", "p_benefit"] > 0.5


LARGE_TRIAL = {"n": (1500, 1500), "baseline_rates": [0.05], "log_hr": (0.0, np.log(0.5)),
               "tau": 6, "censoring": (30, 40), "seed": 3}


def true_curves(t):
    """The simulated truth: hazard 0.05, and 0.025 in the treated arm after 6."""
    t = np.asarray(t, dtype=float)
    return np.exp(-0.05 * t), np.exp(-0.05 * np.minimum(t, 6) - 0.025 * np.clip(t - 6, 0, None))


def test_estimands_of_a_large_trial_agree_with_kaplan_meier_and_the_truth(fits, small_settings):
    """3000 patients (about 2200 deaths), HR 1 then 0.5 after 6 months, fitted with the true
    cut.  With that much data the posterior is close to normal around an efficient estimate:
    its median is within 1 KM standard error of the KM estimate (two consistent estimators
    of one quantity, whose difference has sd below the KM se; observed up to 0.6 se) and
    within 3 posterior sd of the truth (RMST by quadrature, the survival in closed form;
    observed up to 1.9 sd).  Its sd is between 0.6 and 1.15 times the KM se: the model,
    which shares one hazard per piece and one HR per period, is more efficient than the
    Kaplan-Meier curve (observed 0.80 to 0.95), and 1.15 leaves room for the MC error of the
    interval ends.  The medians are reached in every draw; their 95% intervals hold the
    true medians (closed form) and the posterior medians lie inside R's intervals."""
    data = bs.SurvivalData.from_frame(bs.simulate_trial(**LARGE_TRIAL), reference="control")
    fit = fits.get(bs.PiecewiseExponential(cuts=[6]), data, **(small_settings | {"draws": 300}))
    z = stats.norm.ppf(0.975)
    true_rmst = [integrate.quad(lambda t, k=k: true_curves(t)[k], 0, 24)[0] for k in (0, 1)]
    control, treated = true_curves([12, 24])
    truth = {"rmst": {"control": true_rmst[0], "treated": true_rmst[1],
                      "treated - control": true_rmst[1] - true_rmst[0]}}
    for k, t in enumerate((12.0, 24.0)):
        truth[t] = {"control": control[k], "treated": treated[k],
                    "treated - control": treated[k] - control[k]}
    bayes_rmst, freq_rmst = rows(fit.rmst(24)), rows(fq.rmst(data, 24))
    bayes_surv = rows(fit.survival_difference([12, 24]))
    freq_surv = rows(fq.survival_difference(data, [12, 24]))
    for group in ("control", "treated", "treated - control"):
        pairs = [(bayes_rmst.loc[group], freq_rmst.loc[group, "rmst"],
                  freq_rmst.loc[group, "se"], truth["rmst"][group])]
        for t in (12.0, 24.0):
            pairs.append((bayes_surv.loc[(group, t)], freq_surv.loc[(group, t), "survival"],
                          freq_surv.loc[(group, t), "se"], truth[t][group]))
        for bayes, estimate, se, true in pairs:
            sd = (bayes["upper"] - bayes["lower"]) / (2 * z)
            assert abs(bayes["median"] - estimate) < se
            assert abs(bayes["median"] - true) < 3 * sd
            assert 0.6 < sd / se < 1.15

    median, freq_median = rows(fit.median_survival()), rows(fq.median_survival(data))
    true_median = {"control": np.log(2) / 0.05, "treated": 6 + (np.log(2) - 0.3) / 0.025}
    assert (median["reached"] == 1.0).all()
    for group, true in true_median.items():
        row = median.loc[group]
        assert freq_median.loc[group, "lower"] < row["median"] < freq_median.loc[group, "upper"]
        assert row["lower"] < true < row["upper"]
    difference = median.loc["treated - control"]
    true = true_median["treated"] - true_median["control"]
    assert difference["lower"] < true < difference["upper"]
    assert difference["p_benefit"] == 1.0
