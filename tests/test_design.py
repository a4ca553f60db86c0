"""Tests of bayesurv.design: scenarios, simulated trials, the analysis cut and the tests.

Reference statistics come from R 4.x (survival 3.5, survMisc 0.5.6); the R call is written in
each test's docstring and the data values are copied here, so R is not needed to run them.
Simulation tests state their Monte Carlo error next to the assertion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayesurv as bs
from bayesurv import frequentist as fq
from bayesurv.design.maxcombo import maxcombo_exceeds, maxcombo_p_value
from bayesurv.design.statistics import (
    MAXCOMBO_WEIGHTS,
    analyse,
    landmark_z,
    parse_test,
    rmst_z,
)
from bayesurv.design.trials import AnalysisData, analysis_data, draw_trials
from bayesurv.frequentist.weighted import weighted_logrank_scores

# survival::aml (tied times): Maintained = control, Nonmaintained = treated
AML_TIME = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161,
            5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
AML_STATUS = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
AML_TREATED = [0] * 11 + [1] * 12
# survival::ovarian (no tied times): rx 1 = control, rx 2 = treated
OVARIAN_TIME = [59, 115, 156, 421, 431, 448, 464, 475, 477, 563, 638, 744, 769, 770, 803, 855,
                1040, 1106, 1129, 1206, 1227, 268, 329, 353, 365, 377]
OVARIAN_STATUS = [1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0]
OVARIAN_RX = [1, 1, 1, 2, 1, 1, 2, 2, 1, 2, 1, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 1, 1, 2, 2, 2]

ALPHA = 0.025


def _data(time, status, treated):
    df = pd.DataFrame({"time": time, "event": status,
                       "arm": np.where(np.asarray(treated) == 1, "treated", "control")})
    return bs.SurvivalData.from_frame(df, reference="control")


# ---------------------------------------------------------------- scenarios


def test_scenario_pieces_merge_both_sets_of_cuts():
    sc = bs.design.Scenario(control_hazard=[0.05, 0.02], control_cuts=[12],
                            hazard_ratio=[1.0, 0.5], hr_cuts=[6])
    starts, rates = sc.pieces("treatment")
    assert starts.tolist() == [0.0, 6.0, 12.0]
    assert rates.tolist() == pytest.approx([0.05, 0.025, 0.01])
    # exp(-(6 * 0.05 + 6 * 0.025 + 8 * 0.01)) at 20
    assert sc.survival(20, "treatment")[0] == pytest.approx(np.exp(-0.53))
    assert not sc.is_null and bs.design.Scenario([0.1], hazard_ratio=[1, 1], hr_cuts=[3]).is_null


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"control_hazard": [0.03, 0.02]}, "one value per piece"),
    ({"control_hazard": [0.03], "hazard_ratio": [1, 0.6], "hr_cuts": []}, "hazard_ratio needs"),
    ({"control_hazard": [-0.1]}, "control_hazard must hold finite numbers > 0"),
    ({"control_hazard": [0.1], "hazard_ratio": [np.nan]}, "hazard_ratio must hold finite"),
    ({"control_hazard": [0.1, 0.2, 0.3], "control_cuts": [5, 2]}, "strictly increasing"),
    ({"control_hazard": [0.1, 0.2], "control_cuts": [0]}, "control_cuts must hold"),
    ({"control_hazard": "fast"}, "must be a number or a list"),
    ({"control_hazard": []}, "1 piece .* but 0 values"),
])
def test_scenario_rejects_bad_input(kwargs, message):
    with pytest.raises(bs.DesignError, match=message) as caught:
        bs.design.Scenario(**kwargs)
    assert isinstance(caught.value, ValueError)


def test_event_times_follow_the_scenario_survival():
    """Inversion of the cumulative hazard: the empirical survival of 40,000 draws at each time
    is within 4 binomial standard errors (<= 0.0025) of the scenario's."""
    sc = bs.design.Scenario(control_hazard=[0.05, 0.01, 0.08], control_cuts=[6, 20],
                            hazard_ratio=[1.0, 0.4], hr_cuts=[10])
    unit = np.random.default_rng(7).standard_exponential(40_000)
    times = np.array([3.0, 8.0, 15.0, 25.0, 40.0])
    for arm in ("control", "treatment"):
        drawn = sc.event_times(unit, arm)
        empirical = (drawn[:, None] > times).mean(axis=0)
        exact = sc.survival(times, arm)
        se = np.sqrt(exact * (1 - exact) / unit.size)
        assert np.all(np.abs(empirical - exact) <= 4 * se), arm


# ---------------------------------------------------------------- the analysis cut


def test_event_driven_analysis_time_on_a_hand_made_trial():
    """Four patients enter at 0, 2, 4 and 9; events 10, 3, 1 and 1 after entry (calendar 10, 5,
    5 and 10) except the second, who drops out at 2 (before her event at 3).  Observed events
    in calendar order: 5 (patient 3), 10 (patient 1), 10 (patient 4)."""
    entry = np.array([[0.0, 2.0, 4.0, 9.0]])
    event_time = np.array([[10.0, 3.0, 1.0, 1.5]])
    dropout = np.array([[np.inf, 2.0, np.inf, np.inf]])
    one = analysis_data(entry, event_time, dropout, n_control=2, events=1)
    assert one.analysis_time.tolist() == [5.0]  # the first observed event, not the dropout
    assert one.time.tolist() == [[5.0, 2.0, 1.0, 0.0]]  # patient 4 not enrolled yet
    assert one.event.tolist() == [[False, False, True, False]]
    assert one.events.tolist() == [1]
    two = analysis_data(entry, event_time, dropout, n_control=2, events=2)
    assert two.analysis_time.tolist() == [10.0]
    assert two.event.tolist() == [[True, False, True, False]]  # patient 4's event is at 10.5
    assert two.time.tolist() == [[10.0, 2.0, 1.0, 1.0]]
    # a third event never happens before everyone has left follow-up (at 10.5)
    four = analysis_data(entry, event_time, dropout, n_control=2, events=4)
    assert four.analysis_time.tolist() == [10.5] and four.events.tolist() == [3]
    # calendar analysis 1.5 after the last entry, or the first event if that comes first
    fixed = analysis_data(entry, event_time, dropout, n_control=2, follow_up=1.5)
    assert fixed.analysis_time.tolist() == [10.5] and fixed.events.tolist() == [3]
    both = analysis_data(entry, event_time, dropout, n_control=2, events=2, follow_up=1.5)
    assert both.analysis_time.tolist() == [10.0]
    assert one.treated.tolist() == [[False, False, True, True]]


def test_event_driven_analysis_has_exactly_the_target_events():
    sc = bs.design.Scenario(control_hazard=[0.05], hazard_ratio=0.7)
    res = bs.design.simulate(sc, n=100, accrual=10, events=60, dropout=0.01, trials=300,
                             random_seed=2)
    assert np.all(res.events == 60)
    assert np.all(res.analysis_time > 0)


# ---------------------------------------------------------------- agreement with R


@pytest.mark.parametrize(("rho", "chisq"), [(0, 3.3963886989776), (1, 2.77927954475177),
                                            (0.5, 3.01864328786983)])
def test_weighted_logrank_equals_survdiff_with_ties(rho, chisq):
    """``survdiff(Surv(time, status) ~ x, data = aml, rho = rho)$chisq`` (tied times: the
    hypergeometric variance with the ties correction).  R prints 15 digits: 1e-9 relative."""
    out = fq.fleming_harrington(_data(AML_TIME, AML_STATUS, AML_TREATED), rho=rho)
    assert out["statistic"][0] == pytest.approx(chisq, rel=1e-9)
    assert out["z"][0] < 0  # Nonmaintained has more deaths than expected: harm
    assert out["p"][0] == pytest.approx(stats.chi2.sf(chisq, 1), rel=1e-9)


@pytest.mark.parametrize(("rho", "gamma", "z_r"), [
    (0, 0, -1.0308927496550813), (1, 0, -1.2980194958695721), (0, 1, 0.0101031441461496),
    (1, 1, -0.0576438090085087), (0.5, 2, 0.1651158094313480)])
def test_fleming_harrington_equals_survmisc(rho, gamma, z_r):
    """survMisc on ovarian (no ties, so its variance and survdiff's agree: the FH(0,0) and
    FH(1,0) chi-squares equal ``survdiff(..., rho = 0 / 1)$chisq``, 1.06273986129141 and
    1.68485461165750)::

        f <- survfit(Surv(futime, fustat) ~ rx, data = ovarian); t <- ten(f)
        comp(t, p = c(0, 1, 0, 1, 0.5), q = c(0, 0, 1, 1, 2)); attr(t, "lrt")$Z

    survMisc's Z is the first group's (rx 1) O - E, so ours (treated rx 2, positive for
    benefit) is its negative.  Printed to 16 digits: 1e-9 absolute."""
    data = _data(OVARIAN_TIME, OVARIAN_STATUS, np.array(OVARIAN_RX) == 2)
    out = fq.fleming_harrington(data, rho=rho, gamma=gamma)
    assert out["z"][0] == pytest.approx(-z_r, abs=1e-9)
    if gamma == 0:
        assert out["statistic"][0] == pytest.approx(
            {0: 1.06273986129141, 1: 1.68485461165750}[rho], rel=1e-9)


def test_fleming_harrington_rejects_bad_input():
    data = _data(AML_TIME, AML_STATUS, AML_TREATED)
    with pytest.raises(bs.DataError, match="gamma must be >= 0"):
        fq.fleming_harrington(data, gamma=-1)
    with pytest.raises(bs.DataError, match="SurvivalData"):
        fq.fleming_harrington(pd.DataFrame())


def test_vectorized_rmst_equals_the_frequentist_rmst():
    """The vectorized RMST difference of the design tests equals ``frequentist.rmst`` (R's
    ``print(survfit(...), rmean = 40)``), on aml with its ties, to rounding error."""
    horizon = 40.0
    reference = fq.rmst(_data(AML_TIME, AML_STATUS, AML_TREATED), horizon)
    diff = reference.iloc[2]
    order = np.argsort(AML_TREATED, kind="stable")  # control columns first
    cut = AnalysisData(time=np.asarray(AML_TIME, dtype=float)[order][None, :],
                       event=np.asarray(AML_STATUS, dtype=bool)[order][None, :],
                       treated=np.asarray(AML_TREATED, dtype=bool)[order][None, :],
                       analysis_time=np.array([200.0]), events=np.array([sum(AML_STATUS)]))
    assert rmst_z(cut, horizon)[0] == pytest.approx(diff["rmst"] / diff["se"], rel=1e-9)


def test_simulated_trials_analysed_as_single_data_sets():
    """The vectorized statistics of simulated trials (patients not yet enrolled kept in the
    arrays with time 0) equal lifelines' log-rank test and ``fleming_harrington`` on each
    trial's enrolled patients alone, to rounding error."""
    from lifelines.statistics import logrank_test

    sc = bs.design.Scenario(control_hazard=[0.03], hazard_ratio=[1.0, 0.6], hr_cuts=[13])
    rng = np.random.default_rng(1)
    cut = analysis_data(*draw_trials(sc, rng, 5, 60, 60, 24.0, 0.01), n_control=60, events=15)
    out = analyse(cut, [parse_test("logrank"), parse_test("fh(1,1)")], ALPHA)
    assert (cut.time == 0).any()  # some patients are not enrolled at the analysis
    for i in range(5):
        keep = cut.time[i] > 0
        t, e, z = cut.time[i][keep], cut.event[i][keep], cut.treated[i][keep]
        assert logrank_test(t[~z], t[z], e[~z], e[z]).test_statistic == pytest.approx(
            out["logrank"][0][i] ** 2, rel=1e-9)
        fh = fq.fleming_harrington(_data(t, e.astype(int), z.astype(int)), rho=1, gamma=1)
        assert fh["z"][0] == pytest.approx(out["fh(1,1)"][0][i], rel=1e-9)


def _ovarian_cut():
    return AnalysisData(time=np.asarray(OVARIAN_TIME, dtype=float)[None, :],
                        event=np.asarray(OVARIAN_STATUS, dtype=bool)[None, :],
                        treated=(np.asarray(OVARIAN_RX) == 2)[None, :],
                        analysis_time=np.array([2000.0]), events=np.array([12]))


@pytest.mark.parametrize(("at", "z_r"), [(360, 0.468039531742974), (0, -1.01599776930251)])
def test_landmark_cox_equals_coxph(at, z_r):
    """``summary(coxph(Surv(futime, fustat) ~ I(rx == 2), data = subset(ovarian, futime >
    at)))$coefficients[, "z"]`` (no ties, so Breslow = Efron = R's default); our z is
    positive for benefit, R's for harm.  R prints 15 digits; Newton's method converges to
    ~1e-9: 1e-8 absolute."""
    assert landmark_z(_ovarian_cut(), at)[0] == pytest.approx(-z_r, abs=1e-8)
    if at:  # the same number as the frequentist landmark model's "after" window
        after = fq.landmark(_data(OVARIAN_TIME, OVARIAN_STATUS,
                                  np.array(OVARIAN_RX) == 2), at=at).iloc[1]
        assert landmark_z(_ovarian_cut(), at)[0] == pytest.approx(
            -after["coef"] / after["se"], abs=1e-6)


def test_landmark_cox_without_events_in_one_arm_is_not_significant():
    """After 800 only control patients of ovarian are followed with no event: beta runs off
    and the Wald z tends to 0 (Hauck-Donner), with no overflow."""
    cut = _ovarian_cut()
    cut = AnalysisData(time=cut.time, event=cut.event | (cut.time > 1100) & ~cut.treated,
                       treated=cut.treated, analysis_time=cut.analysis_time, events=cut.events)
    z = landmark_z(cut, 1000)
    assert np.isfinite(z).all() and abs(z[0]) < 0.1


# ---------------------------------------------------------------- MaxCombo p-values


@pytest.fixture(scope="module")
def maxcombo_trials():
    """The four MaxCombo statistics and their correlations in 40 simulated delayed-effect
    trials."""
    sc = bs.design.Scenario(control_hazard=[0.03], hazard_ratio=[1.0, 0.6], hr_cuts=[13])
    cut = analysis_data(*draw_trials(sc, np.random.default_rng(3), 40, 100, 100, 24.0, None),
                        n_control=100, events=100)
    return weighted_logrank_scores(cut.time, cut.event, cut.treated, MAXCOMBO_WEIGHTS)


def test_logrank_statistic_is_a_combination_of_fh01_and_fh10(maxcombo_trials):
    """The premise of the MaxCombo integral: 1 = (1 - S) + S makes the correlation matrix of
    the four statistics singular (rank 3)."""
    _, corr = maxcombo_trials
    assert np.all(np.linalg.eigvalsh(corr)[:, 0] < 1e-10)
    assert np.all(np.linalg.eigvalsh(corr)[:, 1] > 1e-4)


def test_maxcombo_p_value_equals_the_multivariate_normal_cdf(maxcombo_trials):
    """Against scipy's ``multivariate_normal.cdf`` of the four statistics (Genz's algorithm
    with 400,000 points; it agreed with 2e7 plain Monte Carlo draws within their se, 2e-5 to
    5e-5, when this test was written) at three levels of z_max.  Our quasi-Monte Carlo error
    is about 1e-5 (it varies with the scrambling): 4e-5 absolute."""
    _, corr = maxcombo_trials
    for top in (1.8, 2.2, 2.6):
        z = np.full((4, 3), -1.0)
        z[1] = top  # the largest is FH(0,1): only z_max matters
        ours = maxcombo_p_value(z, corr[:3])
        ref = [1 - stats.multivariate_normal.cdf(np.full(4, top), cov=corr[i],
                                                 allow_singular=True, maxpts=400_000,
                                                 rng=np.random.default_rng(i))
               for i in range(3)]
        assert ours == pytest.approx(ref, abs=4e-5)
        # between the tail of one statistic and four times it
        assert np.all((ours > stats.norm.sf(top)) & (ours < 4 * stats.norm.sf(top)))


def test_maxcombo_decisions_follow_the_p_value(maxcombo_trials):
    z, corr = maxcombo_trials
    exceeds = maxcombo_exceeds(z, corr, ALPHA)  # bounds, then coarse, then all points
    assert exceeds.tolist() == (maxcombo_p_value(z, corr) <= ALPHA).tolist()
    assert 0 < exceeds.sum() < z.shape[1]  # the check is not vacuous


def test_parse_test_names_and_errors():
    assert parse_test(" LogRank ").name == "logrank"
    assert parse_test("fh(1, 0.5)").name == "fh(1,0.5)"
    assert parse_test("rmst(36.5)").horizon == 36.5
    for bad in ("wilcoxon", "fh(-1,0)", "rmst(0)", "fh(1)", 3):
        with pytest.raises(bs.DesignError, match="test"):
            parse_test(bad)


# ---------------------------------------------------------------- simulation


NULL_TESTS = ["logrank", "fh(0,1)", "fh(1,0)", "fh(1,1)", "maxcombo", "rmst(12)", "landmark(6)"]


@pytest.fixture(scope="module")
def null_result():
    """4000 trials under equal hazards (control hazard changing at 12), 300 patients, 150
    events (analysis near month 21, so every patient can be followed 9 months and most far
    beyond the RMST horizon 12)."""
    sc = bs.design.Scenario(control_hazard=[0.05, 0.03], control_cuts=[12])
    return bs.design.simulate(sc, n=300, accrual=12, events=150, tests=NULL_TESTS,
                              trials=4000, random_seed=20261201)


@pytest.mark.parametrize("test", NULL_TESTS)
def test_type_one_error_at_nominal_level(null_result, test):
    """Rejection rate under the null within 3 Monte Carlo standard errors of alpha:
    sqrt(0.025 * 0.975 / 4000) = 0.0025, so |rate - 0.025| <= 0.0074."""
    rate = null_result.power().set_index("test").loc[test]
    se = np.sqrt(ALPHA * (1 - ALPHA) / 4000)
    assert abs(rate["power"] - ALPHA) <= 3 * se
    assert abs(rate["wrong_direction"] - ALPHA) <= 3 * se  # the null is symmetric


def test_logrank_power_matches_schoenfeld():
    """Proportional hazards, HR 0.7, 1:1, analysis at D = 200 events: Schoenfeld (1983,
    Biometrics 39:499) gives power Phi(sqrt(D / 4) |log HR| - z_{1-alpha}) = 0.713.  The
    formula's own error here is under 0.005 (the exact drift of the score with the
    at-risk proportions near 1/2); Monte Carlo se with 4000 trials 0.0072: allow 3 se + 0.005."""
    hr, events = 0.7, 200
    sc = bs.design.Scenario(control_hazard=[0.04], hazard_ratio=hr)
    res = bs.design.simulate(sc, n=300, accrual=12, events=events, trials=4000, random_seed=11)
    row = res.power().iloc[0]
    schoenfeld = stats.norm.cdf(np.sqrt(events / 4) * -np.log(hr) - stats.norm.isf(ALPHA))
    assert abs(row["power"] - schoenfeld) <= 3 * row["mc_se"] + 0.005
    assert row["mean_events"] == events


def test_delayed_effect_favours_late_weights_and_wrong_direction_is_counted():
    """HR 1 for 12 months then 0.5: FH(0,1) must beat the log-rank test by far more than the
    Monte Carlo error (difference of paired rates, se < 0.016 with 1000 trials).  A harmful
    treatment (HR 1.5) is significant in the wrong direction, not for benefit."""
    sc = bs.design.Scenario(control_hazard=[0.04], hazard_ratio=[1.0, 0.5], hr_cuts=[12])
    res = bs.design.simulate(sc, n=300, accrual=12, events=180, trials=1000, random_seed=5,
                             tests=["logrank", "fh(0,1)", "maxcombo"])
    power = res.power().set_index("test")["power"]
    assert power["fh(0,1)"] - power["logrank"] > 0.1
    assert power["maxcombo"] > power["logrank"]
    harm = bs.design.simulate(bs.design.Scenario([0.04], hazard_ratio=1.5), n=200, accrual=12,
                              events=100, trials=300, random_seed=5).power().iloc[0]
    assert harm["power"] < 0.02 and harm["wrong_direction"] > 0.5


def test_results_reproducible_per_seed_and_extended_by_more_trials():
    sc = bs.design.Scenario(control_hazard=[0.05], hazard_ratio=0.8)
    kwargs = {"n": 60, "accrual": 6, "follow_up": 12, "tests": ["logrank", "rmst(10)"]}
    a = bs.design.simulate(sc, trials=300, random_seed=9, **kwargs)
    b = bs.design.simulate(sc, trials=300, random_seed=9, **kwargs)
    longer = bs.design.simulate(sc, trials=600, random_seed=9, **kwargs)
    other = bs.design.simulate(sc, trials=300, random_seed=10, **kwargs)
    for name in ("logrank", "rmst(10)"):
        assert np.array_equal(a.z[name], b.z[name])
        assert np.array_equal(a.z[name], longer.z[name][:300])
        assert not np.array_equal(a.z[name], other.z[name])
    assert np.array_equal(a.analysis_time, longer.analysis_time[:300])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"events": None}, "give events"),
    ({"events": 500}, "events must be a whole number >= 1 and <= 100"),
    ({"tests": ["wilcoxon"]}, "unknown test"),
    ({"tests": []}, "tests is empty"),
    ({"alpha": 0.6}, "one-sided level"),
    ({"allocation": 0.001}, "leaves an arm"),
    ({"n": 10.5}, "n must be a whole number"),
    ({"trials": 0}, "trials must be"),
    ({"accrual": -1}, "accrual"),
])
def test_simulate_rejects_bad_settings(kwargs, message):
    settings = {"n": 100, "accrual": 12, "events": 50, "trials": 10} | kwargs
    with pytest.raises(bs.DesignError, match=message):
        bs.design.simulate(bs.design.Scenario([0.05]), **settings)


def test_rmst_horizon_past_follow_up_warns():
    """Analysis at 30 events of 100 patients accrued over 12 months: nobody is followed 40
    months, so the RMST horizon 40 is past the follow-up in every trial."""
    sc = bs.design.Scenario(control_hazard=[0.05])
    with pytest.warns(bs.DataWarning, match=r"rmst\(40\) is past the last follow-up .* 100.0%"):
        res = bs.design.simulate(sc, n=100, accrual=12, events=30, tests=["rmst(40)"],
                                 trials=20, random_seed=1)
    assert res.horizon_past_follow_up == {"rmst(40)": 1.0}


def test_allocation_and_dropout():
    """2:1 allocation gives arms of 50 and 100.  Event hazard 0.05, analysis 30 months after
    the last entry, so follow-up u is uniform on 30..36: a patient has an event with
    probability 1 - (e^-1.5 - e^-1.8) / 0.3 = 0.8072 without dropout and, with a dropout hazard
    of 0.05, 0.5 (1 - (e^-3 - e^-3.6) / 0.6) = 0.4813.  Expected events 121.1 and 72.2; the
    mean over 200 trials has se about 0.35: allow 1.5."""
    sc = bs.design.Scenario(control_hazard=[0.05])
    kwargs = {"n": 150, "accrual": 6, "follow_up": 30, "trials": 200, "random_seed": 4}
    res = bs.design.simulate(sc, allocation=2, **kwargs)
    assert res.settings["arms"] == {"control": 50, "treatment": 100}
    frame = res.per_trial()
    assert len(frame) == 200 and np.array_equal(frame["events"], res.events)
    with_dropout = bs.design.simulate(sc, allocation=2, dropout=0.05, **kwargs)
    assert res.events.mean() == pytest.approx(150 * 0.8072, abs=1.5)
    assert with_dropout.events.mean() == pytest.approx(150 * 0.4813, abs=1.5)


# ---------------------------------------------------------------- the Bayesian rule

TINY = {"draws": 150, "tune": 150, "chains": 2}


def test_bayes_rule_probability_is_that_of_a_direct_fit():
    """The rule fits the trial's enrolled patients: the same model, data and seed fitted
    directly give the same P(HR 6+ < 1)."""
    from bayesurv.design.bayes import posterior_benefit

    sc = bs.design.Scenario(control_hazard=[0.05], hazard_ratio=[1.0, 0.5], hr_cuts=[6])
    cut = analysis_data(*draw_trials(sc, np.random.default_rng(8), 1, 40, 40, 36.0, None),
                        n_control=40, events=30)
    assert (cut.time == 0).any()  # not everyone is enrolled: they must be left out
    rule = bs.design.BayesRule(bs.PiecewiseExponential(cuts=[6]), period="6+", **TINY)
    probability, _ = posterior_benefit(cut, rule, np.random.default_rng(0))
    seed = int(np.random.default_rng(0).integers(0, 2**31 - 1, size=1)[0])
    keep = cut.time[0] > 0
    data = _data(cut.time[0][keep], cut.event[0][keep].astype(int),
                 cut.treated[0][keep].astype(int))
    direct = bs.PiecewiseExponential(cuts=[6]).fit(data, random_seed=seed, progressbar=False,
                                                   **TINY)
    assert probability[0] == direct.hazard_ratios()["p_benefit"].iloc[1]


def test_bayes_rule_decisions_and_threshold():
    """Rejections are the probabilities above the threshold, wrong-direction results those
    below 1 - threshold; the null threshold leaves at most alpha of the null probabilities
    above it and is the smallest such value."""
    from bayesurv.design.bayes import null_threshold

    rule = bs.design.BayesRule(bs.PiecewiseExponential(cuts=[6]), threshold=0.8, **TINY)
    sc = bs.design.Scenario(control_hazard=[0.05], hazard_ratio=[1.0, 0.7], hr_cuts=[6])
    res = bs.design.simulate(sc, n=60, accrual=6, events=30, tests=[rule, "logrank"],
                             trials=4, random_seed=3)
    p = res.z["bayes"]
    assert np.all((p >= 0) & (p <= 1))
    assert res.reject["bayes"].tolist() == (p > 0.8).tolist()
    assert res.wrong_direction["bayes"].tolist() == (1 - p > 0.8).tolist()
    assert set(res.fit_warnings) == {"bayes"}
    probabilities = np.random.default_rng(1).uniform(size=1000)
    c = null_threshold(probabilities, ALPHA)
    assert np.mean(probabilities > c) <= ALPHA < np.mean(probabilities >= c)


def test_bayes_rule_rejects_bad_input():
    model = bs.PiecewiseExponential(cuts=[6])
    sc = bs.design.Scenario(control_hazard=[0.05])
    design = {"n": 60, "accrual": 6, "events": 30, "trials": 2, "random_seed": 1}
    with pytest.raises(bs.DesignError, match="no threshold; calibrate"):
        bs.design.simulate(sc, tests=[bs.design.BayesRule(model)], **design)
    with pytest.raises(bs.DesignError, match="must be a null"):
        bs.design.calibrate(bs.design.BayesRule(model),
                            bs.design.Scenario([0.05], hazard_ratio=0.5), **design)
    with pytest.raises(bs.DesignError, match="period 'after' is not one of"):
        bs.design.simulate(sc, tests=[bs.design.BayesRule(model, period="after",
                                                          threshold=0.9, **TINY)], **design)
    with pytest.raises(bs.DesignError, match="model must be a bayesurv model"):
        bs.design.BayesRule("piecewise")
    with pytest.raises(bs.DesignError, match="threshold must be in"):
        bs.design.BayesRule(model, threshold=1.5)
