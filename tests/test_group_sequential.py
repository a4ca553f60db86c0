"""Group-sequential designs: alpha-spending boundaries and simulated trials with interim looks.

Reference values come from R 4.x with rpact 4.x; the R calls are written in each test's
docstring and the printed numbers copied here, so R is not needed to run the tests.  The
survival design of the simulation tests is rpact's::

    d <- getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "asOF",
                                  informationRates = c(0.5, 0.75, 1),
                                  futilityBounds = c(0, 0), bindingFutility = FALSE)
    p <- getPowerSurvival(design = d, hazardRatio = 0.7, lambda2 = 0.04,
                          accrualTime = c(0, 12), maxNumberOfSubjects = 300,
                          maxNumberOfEvents = 200, directionUpper = FALSE)

(control hazard 0.04 per month, HR 0.7, 300 patients accrued uniformly over 12 months, looks at
100, 150 and 200 events, non-binding futility at z = 0.)
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import bayesurv as bs
from bayesurv.design.group_sequential import efficacy_bounds, exit_probabilities, spent_alpha

ALPHA = 0.025
LOOKS = [0.5, 0.75, 1.0]
DESIGN = {"n": 300, "accrual": 12, "events": 200, "looks": LOOKS}
# getPowerSurvival(...) above, printed with print(..., digits = 12)
RPACT_REJECT = [0.119156621107, 0.315382123026, 0.266547292557]  # p$rejectPerStage
RPACT_FUTILITY = [0.0372626628090, 0.0047536100698]  # p$futilityPerStage
RPACT_POWER = 0.701086036691  # p$overallReject
RPACT_EVENTS = 168.351284954  # p$expectedNumberOfEvents
RPACT_LOOK_TIMES = [18.2091448287, 26.8166834049, 39.0838583805]  # p$analysisTime
RPACT_DURATION = 31.8914895809  # p$studyDuration
# the same design under HR 1 (hazardRatio = 1)
RPACT_NULL_REJECT = [0.00152532275799, 0.00812265804716, 0.01510885785363]
RPACT_NULL_FUTILITY = [0.5, 0.0979566307191]
TRIALS = 4000


@pytest.mark.parametrize(("spending", "looks", "z_r", "spent_r"), [
    ("obf", LOOKS, [2.96258804272755, 2.35901770740747, 2.01408367604017],
     [0.001525322757989, 0.00964932489486947, 0.025]),
    ("pocock", LOOKS, [2.15699921834468, 2.31242273002863, 2.32693163305521],
     [0.015502862673957, 0.0206997234171369, 0.025]),
    ("obf", [0.25, 0.5, 0.75, 1.0],
     [4.33263364604956, 2.96313159912825, 2.35904427617788, 2.01409014314413],
     [7.36680843593795e-06, 1.52532275747064e-03, 9.64932511918348e-03, 0.025]),
])
def test_boundaries_equal_rpact(spending, looks, z_r, spent_r):
    """``d <- getDesignGroupSequential(kMax = K, alpha = 0.025, sided = 1, typeOfDesign =
    "asOF" | "asP", informationRates = looks)``; ``print(d$criticalValues, digits = 15)`` and
    ``d$alphaSpent`` (rpact spends 0.02499999 in all, hence 1e-6 relative).  Our bounds move
    by < 1e-8 on a grid 4 times finer and rpact's own error is of the order 1e-8 (its bounds
    differ by up to 3e-8 from ours): 5e-8 absolute on z."""
    table = bs.design.boundaries(looks, alpha=ALPHA, spending=spending)
    assert table["z_efficacy"].to_numpy() == pytest.approx(z_r, abs=5e-8)
    assert table["alpha_spent"].to_numpy() == pytest.approx(spent_r, rel=1e-6, abs=1e-9)
    assert table["nominal_p"].to_numpy() == pytest.approx(stats.norm.sf(z_r), rel=1e-6)
    assert table["look"].tolist() == list(range(1, len(looks) + 1))
    assert table["z_futility"].isna().all()


def test_exit_probabilities_equal_rpact_power():
    """rpact's power of the survival design (module docstring) is the canonical joint normal
    with Schoenfeld's drift ``-log(0.7) sqrt(200) / 2``: our recursion gives its per-look
    rejection and futility probabilities, overall power and expected events (printed to 12
    digits) to 1e-8.  Under HR 1 the non-binding futility bound makes the type I error
    0.0247568 < 0.025."""
    bounds = efficacy_bounds(LOOKS, ALPHA)
    drift = -np.log(0.7) * np.sqrt(200) / 2
    reject, futile = exit_probabilities(LOOKS, bounds, [0.0, 0.0], drift)
    assert reject == pytest.approx(RPACT_REJECT, abs=1e-8)
    assert futile[:2] == pytest.approx(RPACT_FUTILITY, abs=1e-8) and futile[2] == 0
    assert reject.sum() == pytest.approx(RPACT_POWER, abs=1e-8)
    stop = reject + futile
    stop[-1] = 1 - stop[:-1].sum()
    assert stop @ [100, 150, 200] == pytest.approx(RPACT_EVENTS, abs=1e-6)
    null_reject, null_futile = exit_probabilities(LOOKS, bounds, [0.0, 0.0], 0.0)
    assert null_reject == pytest.approx(RPACT_NULL_REJECT, abs=1e-8)
    assert null_futile[:2] == pytest.approx(RPACT_NULL_FUTILITY, abs=1e-8)
    # without futility the crossing probabilities are the spent alpha
    crossing, _ = exit_probabilities(LOOKS, bounds)
    assert np.cumsum(crossing) == pytest.approx(spent_alpha(LOOKS, ALPHA), abs=1e-10)


def test_boundaries_on_the_hazard_ratio_scale():
    """With ``events``, the bounds on the HR scale are ``exp(-z (1 + r) / sqrt(D r))``:
    rpact's ``p$criticalValuesEffectScale`` of the design in the module docstring (12 digits,
    1e-8) and ``p$futilityBoundsEffectScale`` (1, 1)."""
    table = bs.design.boundaries(LOOKS, futility=0.0, events=200)
    assert table["events"].tolist() == [100, 150, 200]
    assert table["hr_efficacy"].to_numpy() == pytest.approx(
        [0.552933460913, 0.680296886371, 0.752138764315], abs=1e-8)
    assert table["hr_futility"].tolist()[:2] == [1.0, 1.0]
    assert np.isnan(table["z_futility"].iloc[-1])
    # 2:1 allocation: the scale is sqrt(D * 2) / 3
    two_to_one = bs.design.boundaries(LOOKS, events=200, allocation=2)
    assert two_to_one["hr_efficacy"].iloc[-1] == pytest.approx(
        np.exp(-2.01408367604017 * 3 / np.sqrt(400)), rel=1e-7)


@pytest.fixture(scope="module")
def alternative():
    """4000 trials of the rpact design under HR 0.7 with the futility bound z = 0."""
    sc = bs.design.Scenario(control_hazard=[0.04], hazard_ratio=0.7)
    return bs.design.simulate(sc, futility=0.0, trials=TRIALS, random_seed=20261201, **DESIGN)


def test_simulated_group_sequential_trials_match_rpact(alternative):
    """Power, stopping probabilities, expected events and analysis times of the simulation
    against rpact's normal approximation (module docstring).  Monte Carlo se with 4000
    trials: 0.0072 for the power, <= 0.0074 for a look's probability, about 0.6 event for the
    expected events and 0.13 month for the expected duration.  Schoenfeld's drift is itself
    approximate: 24,000 trials gave power 0.693 (se 0.003) against rpact's 0.701, so allow
    3 se + 0.01 on probabilities (+ 1 event on the expected events).  rpact's look times solve
    E[events by t] = D, not E[time of the D-th event]: they differ by 0.3% at most here, 1%."""
    power = alternative.power().iloc[0]
    se = np.sqrt(RPACT_POWER * (1 - RPACT_POWER) / TRIALS)
    assert abs(power["power"] - RPACT_POWER) <= 3 * se + 0.01
    looks = alternative.stopping()
    for k in range(3):
        p = RPACT_REJECT[k]
        assert abs(looks["p_efficacy"][k] - p) <= 3 * np.sqrt(p * (1 - p) / TRIALS) + 0.01
    for k in range(2):
        p = RPACT_FUTILITY[k]
        assert abs(looks["p_futility"][k] - p) <= 3 * np.sqrt(p * (1 - p) / TRIALS) + 0.01
    assert looks["mean_events"].tolist() == [100, 150, 200]
    events_se = alternative.events.std() / np.sqrt(TRIALS)
    assert abs(power["mean_events"] - RPACT_EVENTS) <= 3 * events_se + 1.0
    assert looks["mean_analysis_time"].to_numpy() == pytest.approx(RPACT_LOOK_TIMES, rel=0.01)
    time_se = alternative.analysis_time.std() / np.sqrt(TRIALS)
    assert abs(power["mean_analysis_time"] - RPACT_DURATION) <= 3 * time_se + 0.01 * 39
    assert looks["cumulative_power"].iloc[-1] == pytest.approx(power["power"])


def test_stopping_rule_is_applied_per_trial(alternative):
    """Each trial stops at its first look beyond a bound; its statistic, events and time are
    those of that look; the final look rejects at its own bound only."""
    seq = alternative.sequential
    bounds = seq.plan.efficacy
    z = seq.look_z
    for i in np.flatnonzero(seq.look < 3)[:50]:
        k = seq.look[i] - 1
        assert z[i, k] >= bounds[k] or z[i, k] <= 0.0
        assert np.all((z[i, :k] < bounds[:k]) & (z[i, :k] > 0.0))
    rows = np.arange(TRIALS)
    assert np.array_equal(alternative.z["logrank"], z[rows, seq.look - 1])
    assert np.array_equal(alternative.events, seq.look_events[rows, seq.look - 1])
    assert np.all(seq.look_time[:, 0] < seq.look_time[:, 1])
    final = seq.look == 3
    assert np.array_equal(alternative.reject["logrank"][final], z[final, 2] >= bounds[2])
    assert not np.any(seq.futility & alternative.reject["logrank"])
    frame = alternative.per_trial()
    assert frame["look"].tolist() == seq.look.tolist()


def test_group_sequential_type_one_error():
    """Under the null without futility the share of trials crossing by look k is the alpha
    spent, 0.0015, 0.0096 and 0.025 (4000 trials: se 0.0006, 0.0015, 0.0025), within 3 se."""
    res = bs.design.simulate(bs.design.Scenario([0.04]), trials=TRIALS, random_seed=7,
                             **DESIGN)
    spent = spent_alpha(LOOKS, ALPHA)
    crossed = res.stopping()["cumulative_power"].to_numpy()
    assert np.all(np.abs(crossed - spent) <= 3 * np.sqrt(spent * (1 - spent) / TRIALS))
    assert res.power()["power"][0] == crossed[-1]


def test_a_single_look_is_the_fixed_design():
    """``looks=[1.0]`` spends all of alpha at the final analysis: the same trials and
    decisions as without looks."""
    sc = bs.design.Scenario(control_hazard=[0.05], hazard_ratio=0.8)
    kwargs = {"n": 80, "accrual": 6, "events": 50, "trials": 300, "random_seed": 3}
    fixed = bs.design.simulate(sc, **kwargs)
    one = bs.design.simulate(sc, looks=[1.0], **kwargs)
    assert np.array_equal(fixed.z["logrank"], one.z["logrank"])
    assert np.array_equal(fixed.reject["logrank"], one.reject["logrank"])
    assert one.sequential.plan.efficacy[0] == pytest.approx(stats.norm.isf(ALPHA))
    assert fixed.power().equals(one.power())
    with pytest.raises(bs.DesignError, match="no interim looks"):
        fixed.stopping()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"tests": ["maxcombo"]}, r"log-rank test only .* got \['maxcombo'\]"),
    ({"tests": ["logrank", "fh(0,1)"]}, "log-rank test only"),
    ({"events": None, "follow_up": 24}, "looks need an event-driven trial"),
    ({"follow_up": 24}, "looks need an event-driven trial"),
    ({"looks": [0.5, 0.9]}, "ending with 1"),
    ({"looks": [0.6, 0.5, 1.0]}, "increasing"),
    ({"looks": [0.0, 1.0]}, "in \\(0, 1\\]"),
    ({"looks": ["half", 1.0]}, "looks must be a number"),
    ({"looks": [0.001, 1.0]}, r"event counts \[0, 50\]"),
    ({"spending": "haybittle"}, r"spending must be one of \['obf', 'pocock'\]"),
    ({"futility": [0.0]}, r"one z bound per interim look \(2\)"),
    # 50 events: looks at 25, 38 and 50 events, information 0.5, 0.76 and 1
    ({"futility": [0.0, 2.5]}, "futility bound 2.5 at look 2 is not below its efficacy "
                               "bound 2.3397"),
    ({"futility": np.nan}, "futility must be finite"),
    ({"looks": None, "futility": 0.0}, "futility bounds need interim looks"),
])
def test_looks_reject_bad_settings(kwargs, message):
    settings = {"n": 100, "accrual": 12, "events": 50, "trials": 10,
                "looks": [0.5, 0.75, 1.0]} | kwargs
    with pytest.raises(bs.DesignError, match=message) as caught:
        bs.design.simulate(bs.design.Scenario([0.05]), **settings)
    assert str(caught.value).startswith("simulate: ")


def test_boundaries_reject_bad_input():
    with pytest.raises(bs.DesignError, match="boundaries: alpha is a one-sided level"):
        bs.design.boundaries(LOOKS, alpha=0.5)
    with pytest.raises(bs.DesignError, match="boundaries: events must be a whole number"):
        bs.design.boundaries(LOOKS, events=10.5)
    with pytest.raises(bs.DesignError, match="boundaries: looks must be increasing"):
        bs.design.boundaries([])


@pytest.mark.slow
def test_rpact_sample_size_gives_its_power_in_simulation():
    """``getSampleSizeSurvival(design = getDesignGroupSequential(kMax = 3, alpha = 0.025,
    sided = 1, typeOfDesign = "asOF", informationRates = c(0.5, 0.75, 1), beta = 0.2),
    hazardRatio = 0.7, lambda2 = 0.04, accrualTime = c(0, 12), maxNumberOfSubjects = 300)``
    needs 251.6 events for 80% power; with 252 (``getPowerSurvival(..., maxNumberOfEvents =
    252, directionUpper = FALSE)``) rpact gives power 0.800575, expected events 207.33 and
    duration 45.48.  10,000 trials: se 0.004 on the power; 3 se + 0.01 for Schoenfeld's
    approximation as in the fast test, 3 se + 1 event, 3 se + 1%."""
    sc = bs.design.Scenario(control_hazard=[0.04], hazard_ratio=0.7)
    res = bs.design.simulate(sc, n=300, accrual=12, events=252, looks=LOOKS, trials=10_000,
                             random_seed=11)
    row = res.power().iloc[0]
    assert abs(row["power"] - 0.800575192444) <= 3 * row["mc_se"] + 0.01
    assert abs(row["mean_events"] - 207.330651787) <= \
        3 * res.events.std() / 1e2 + 1.0
    assert abs(row["mean_analysis_time"] - 45.4754633243) <= \
        3 * res.analysis_time.std() / 1e2 + 0.455


def test_maxcombo_power_matches_the_published_delayed_effect_design():
    """Prior (2020, Statistical Methods in Medical Research), delayed-effect example: hazard
    0.25/month in both arms for 1.5 months, then 0.125 in the active arm; 25 patients a month
    for 4 months, no censoring; log-rank at 50 events (one-sided alpha 0.0015, bound 2.968),
    then the maximum of FH(0,0) and FH(0,1) at 100 events, overall one-sided 0.025.  Prior
    reports a power of about 73%; the R package lrstat's vignette ``maxcombo`` (Lu, 2021)
    gives the asymptotic drifts (0.900, 2.234, 2.662) and correlations (0.748, 0.370, 0.861)
    of (log-rank at 50, log-rank at 100, FH(0,1) at 100), from which (R, mvtnorm)::

        sigma <- matrix(c(1, .748, .370, .748, 1, .861, .370, .861, 1), 3, 3)
        u2 <- uniroot(function(u) 1 - pmvnorm(upper = c(2.968, u, u), corr = sigma)
                      - 0.025, c(1.5, 3))$root                       # 2.1367
        1 - pmvnorm(upper = c(2.968, u2, u2), mean = c(.9, 2.234, 2.662), corr = sigma)
        # 0.7244

    The simulated trials (the same patients analysed at 50 and at 100 events) reproduce the
    drifts, the correlations and the power."""
    from scipy import optimize, stats

    sigma = np.array([[1, 0.748, 0.370], [0.748, 1, 0.861], [0.370, 0.861, 1]])
    def excess(u):
        return 1 - stats.multivariate_normal.cdf(np.array([2.968, u, u]), mean=np.zeros(3),
                                                 cov=sigma, abseps=1e-7) - 0.025

    u2 = optimize.brentq(excess, 1.5, 3.0, xtol=1e-4)
    assert abs(u2 - 2.1367) < 0.003  # Genz's integration error is ~1e-5 in probability
    alt = bs.design.Scenario(control_hazard=[0.25], hazard_ratio=[1.0, 0.5], hr_cuts=[1.5])
    common = {"n": 100, "accrual": 4.0, "trials": 10_000, "random_seed": 12}
    interim = bs.design.simulate(alt, events=50, tests=["logrank"], **common).z["logrank"]
    final = bs.design.simulate(alt, events=100, tests=["fh(0,0)", "fh(0,1)"], **common).z
    z = np.vstack([interim, final["fh(0,0)"], final["fh(0,1)"]])
    # 10,000 trials: the MC se of a mean z is 0.01, of a correlation < 0.01; the finite-sample
    # drift of the final log-rank is ~0.03 below the asymptotic one (100 events)
    np.testing.assert_allclose(z.mean(axis=1), [0.900, 2.234, 2.662], atol=0.06)
    np.testing.assert_allclose(np.corrcoef(z)[np.triu_indices(3, 1)], [0.748, 0.370, 0.861],
                               atol=0.04)
    power = np.mean((interim >= 2.968) | (np.maximum(final["fh(0,0)"], final["fh(0,1)"]) >= u2))
    # MC se 0.0045; 3 se around lrstat's 0.724 (Prior's "about 73%")
    assert abs(power - 0.724) < 0.0135
