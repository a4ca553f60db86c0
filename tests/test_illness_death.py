"""Illness-death model: data rules, delayed entry, the closed-form state probabilities, and
fits on simulated cohorts with known transition hazards."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv.data.exposure import ExposureTable
from bayesurv.data.illness_death import STATES, TRANSITIONS
from bayesurv.model.multistate import illness_death_probabilities

SEED = 20261201
FIT = {"draws": 300, "tune": 300, "chains": 2, "random_seed": SEED, "progressbar": False}


def frame(**changes) -> pd.DataFrame:
    """Four patients: illness then death, death without illness, illness then censored,
    censored event-free."""
    df = pd.DataFrame({"ill_t": [3.0, 7.0, 2.0, 9.0], "ill": [1, 0, 1, 0],
                       "end_t": [8.0, 7.0, 10.0, 9.0], "dead": [1, 1, 0, 0],
                       "arm": ["a", "a", "b", "b"]})
    return df.assign(**changes)


def build(df: pd.DataFrame) -> bs.IllnessDeathData:
    return bs.IllnessDeathData.from_frame(df, illness_time="ill_t", illness="ill",
                                          death_time="end_t", death="dead", group="arm")


# ---------------------------------------------------------------------- data rules
@pytest.mark.parametrize(("changes", "message"), [
    ({"ill_t": [9.0, 7.0, 2.0, 9.0]}, "illness after death ('ill_t' > 'end_t') at row 0 "
                                      "(value 9.0)"),
    ({"ill_t": [3.0, 7.0, 12.0, 9.0]}, "illness time past the last follow-up ('ill_t' > "
                                       "'end_t') at row 2 (value 12.0)"),
    ({"ill_t": [3.0, 7.5, 2.0, 9.0]}, "illness-free time past the last follow-up"),
    ({"ill_t": [3.0, np.nan, 2.0, 9.0]}, "'ill_t'"),
    ({"dead": [1, 2, 0, 0]}, "column 'dead' must be 0 (censored) or 1"),
    ({"ill": [1, 0, -1, 0]}, "column 'ill' must be 0 (censored) or 1"),
    ({"end_t": [8.0, -7.0, 10.0, 9.0]}, "column 'end_t' must not be negative"),
    ({"arm": ["a", "a", "a", "a"]}, "arm"),
])
def test_bad_rows_are_named(changes, message):
    df = frame(**changes)
    before = df.copy()
    with pytest.raises(bs.DataError) as caught:
        build(df)
    assert message in str(caught.value)
    pd.testing.assert_frame_equal(df, before)  # the caller's frame is never modified


def test_rows_kept_and_transitions_derived():
    df = frame()
    before = df.copy()
    data = build(df)
    pd.testing.assert_frame_equal(df, before)
    assert data.n == 4
    illness, death, after = (data.transition(k) for k in TRANSITIONS)
    # event-free -> illness / death: everyone, until the first event or the end
    assert illness.time.tolist() == [3.0, 7.0, 2.0, 9.0]
    assert illness.event.tolist() == [1, 0, 1, 0]
    assert death.event.tolist() == [0, 1, 0, 0]
    # illness -> death: the ill patients, entering at the illness time (clock-forward)
    assert after.entry.tolist() == [3.0, 2.0] and after.time.tolist() == [8.0, 10.0]
    assert after.event.tolist() == [1, 0]
    assert after.row_labels.tolist() == [0, 2]


def test_illness_and_death_at_the_same_time():
    """The documented rule: the illness counts, then the death right after it."""
    data = build(frame(ill_t=[8.0, 7.0, 2.0, 9.0]))
    assert data.transition("illness").event[0] == 1
    assert data.transition("death").event[0] == 0
    after = data.transition("death_after_illness")
    assert (after.entry[0], after.time[0], after.event[0]) == (8.0, 8.0, 1)
    table = ExposureTable.from_data(after, np.array([0.0, 5.0]))
    assert table.events[:, 0].tolist() == [0.0, 1.0]  # the death counts at 8 ...
    assert table.exposure[:, 0].tolist() == [0.0, 0.0]  # ... with no time spent ill


def test_illness_free_assessment_before_the_end_warns():
    with pytest.warns(bs.DataWarning, match="counted illness-free until 'end_t'"):
        data = build(frame(ill_t=[3.0, 5.0, 2.0, 9.0]))
    assert data.transition("illness").time[1] == 7.0


# ---------------------------------------------------------------------- model settings
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"effects": {"hcc": bs.ChangePoint(near=8)}}, "unknown transition(s) ['hcc'] in effects"),
    ({"effects": {"death": 13}}, "the effect of transition 'death' must be None"),
    ({"effects": [bs.ChangePoint()]}, "effects must be a mapping by transition"),
    ({"baseline": {"relapse": 2}}, "unknown transition(s) ['relapse'] in baseline"),
])
def test_bad_model_settings_are_named(kwargs, message):
    with pytest.raises(bs.ModelError) as caught:
        bs.IllnessDeath(**kwargs)
    assert message in str(caught.value)


def test_settings_round_trip_and_baselines_per_transition():
    model = bs.IllnessDeath(effects={"illness": bs.ChangePoint(grid=[3, 6], near=4),
                                     "death": bs.PiecewiseExponential(cuts=[5], baseline=2)},
                            baseline={"illness": 1}, priors="skeptical")
    again = bs.IllnessDeath.from_settings(model.settings())
    assert again.settings() == model.settings()
    assert {k: kind.baseline for k, kind in again.transitions.items()} == {
        "illness": 1, "death": 2, "death_after_illness": None}
    assert all(kind.priors.name == "skeptical" for kind in again.transitions.values())


def test_unusable_data_fail_before_sampling():
    with pytest.raises(bs.DataError, match=r"IllnessDeath needs bs\.IllnessDeathData"):
        bs.IllnessDeath().fit(bs.SurvivalData.from_frame(bs.datasets.shi2021(),
                                                         reference="control"))
    no_illness = build(frame(ill=[0, 0, 0, 0], ill_t=[8.0, 7.0, 10.0, 9.0]))
    with pytest.raises(bs.DataError, match=r"transition 'illness' .* no events"):
        bs.IllnessDeath().fit(no_illness)


# ---------------------------------------------------------------------- delayed entry
def test_exposure_with_entry_by_hand():
    df = pd.DataFrame({"entry": [0.0, 3.0, 6.0, 12.0], "time": [4.0, 8.0, 15.0, 12.0],
                       "event": [1, 0, 1, 1], "arm": ["a", "a", "b", "b"]})
    data = bs.SurvivalData.from_frame(df, reference="a", entry="entry")
    table = ExposureTable.from_data(data, np.array([0.0, 5.0, 10.0]))
    # pieces (0,5], (5,10], (10,inf); arm a: 0-4 and 3-8; arm b: 6-15 and the event at its
    # entry, 12 (no person-time)
    expected = np.array([[4.0 + 2.0, 0.0], [3.0, 4.0], [0.0, 5.0]])
    np.testing.assert_array_equal(table.exposure, expected)
    np.testing.assert_array_equal(table.events, [[1, 0], [0, 0], [0, 2]])
    assert data.summary()["person_time"].tolist() == [9.0, 9.0]


def test_table_likelihood_with_entry_equals_the_per_patient_one():
    """sum_i [d_i log h(t_i) - (H(t_i) - H(a_i))] for left-truncated rows, against the
    Poisson form on the exposure table."""
    from bayesurv.model.likelihood import aggregated_loglik

    rng = np.random.default_rng(SEED)
    entry = rng.uniform(0, 10, 200)
    time = entry + rng.exponential(8, 200)
    event = rng.integers(0, 2, 200)
    arm = np.where(rng.random(200) < 0.5, "a", "b")
    data = bs.SurvivalData.from_frame(pd.DataFrame({"e": entry, "t": time, "d": event,
                                                    "arm": arm}),
                                      time="t", event="d", entry="e", reference="a")
    edges = np.array([0.0, 4.0, 9.0, 15.0])
    rates = np.array([[0.1, 0.05], [0.2, 0.1], [0.05, 0.07], [0.3, 0.2]])
    table = ExposureTable.from_data(data, edges)
    g = data.group_index
    at_edges = np.vstack([np.zeros(2), np.cumsum(rates[:-1] * np.diff(edges)[:, None], 0)])

    def cumulative(t):
        j = np.searchsorted(edges, t, side="left").clip(1) - 1
        return at_edges[j, g] + (t - edges[j]) * rates[j, g]

    j_end = np.searchsorted(edges, time, side="left").clip(1) - 1
    by_patient = np.sum(event * np.log(rates[j_end, g]) - (cumulative(time) - cumulative(entry)))
    assert abs(aggregated_loglik(np, table.events, table.exposure, np.log(rates))
               - by_patient) < 1e-9 * abs(by_patient)


def test_delayed_entry_is_refused_where_it_is_not_handled_yet():
    df = pd.DataFrame({"entry": [0.0, 3.0, 1.0, 2.0], "time": [4.0, 8.0, 15.0, 12.0],
                       "event": [1, 0, 1, 1], "arm": ["a", "a", "b", "b"], "x": [1, 2, 3, 5]})
    data = bs.SurvivalData.from_frame(df, reference="a", entry="entry")
    with pytest.raises(bs.DataError, match="rmst: the data have delayed entry"):
        bs.frequentist.rmst(data, 10.0)
    with_x = bs.SurvivalData.from_frame(df, reference="a", entry="entry", covariates=["x"])
    with pytest.raises(bs.ModelError, match="covariates with delayed entry"):
        bs.PiecewiseExponential().arrays(with_x)


def test_exposure_with_zero_entry_is_unchanged_bit_for_bit():
    df = bs.datasets.shi2021("death")
    plain = bs.SurvivalData.from_frame(df, reference="control")
    zero = bs.SurvivalData.from_frame(df.assign(start=0.0), reference="control", entry="start")
    edges = np.r_[0.0, np.arange(1.0, 84.0)]
    a, b = ExposureTable.from_data(plain, edges), ExposureTable.from_data(zero, edges)
    assert a.exposure.tobytes() == b.exposure.tobytes()
    assert a.events.tobytes() == b.events.tobytes()


def test_entry_after_the_end_is_named():
    df = pd.DataFrame({"entry": [0.0, 9.0], "time": [4.0, 8.0], "event": [1, 0],
                       "arm": ["a", "b"]})
    with pytest.raises(bs.DataError, match=r"entry time after the end .* row 1 \(value 9.0\)"):
        bs.SurvivalData.from_frame(df, reference="a", entry="entry")


# ---------------------------------------------------------------------- closed form
def test_state_probabilities_match_quadrature():
    """The piece-by-piece closed form against a direct trapezoid integration of
    P(ill at t) = int_0^t h01(u) S0(u) exp(-(H12(t) - H12(u))) du on a 1e-4 grid."""
    edges = np.array([0.0, 4.0, 10.0, 17.0])
    h1, h2, h3 = np.array([0.05, 0.12, 0.03, 0.08]), np.array([0.02, 0.02, 0.06, 0.01]), \
        np.array([0.2, 0.07, 0.07, 0.3])
    times = np.array([0.0, 3.0, 4.0, 12.5, 25.0])
    grid = np.union1d(edges, times)
    closed = illness_death_probabilities(grid, *(h[np.searchsorted(edges, grid, "right") - 1]
                                                 for h in (h1, h2, h3)))
    u = np.linspace(0.0, 25.0, 250_001)
    j = np.searchsorted(edges, u, side="right") - 1
    cum = {}  # exact cumulative hazards: only the outer integral is numeric
    for name, h in (("1", h1), ("2", h2), ("3", h3)):
        at_edges = np.r_[0.0, np.cumsum(h[:-1] * np.diff(edges))]
        cum[name] = at_edges[j] + (u - edges[j]) * h[j]
    s0 = np.exp(-cum["1"] - cum["2"])
    for t in times:
        k = np.searchsorted(u, t)
        integrand = h1[j[: k + 1]] * s0[: k + 1] * np.exp(-(cum["3"][k] - cum["3"][: k + 1]))
        ill = np.trapezoid(integrand, u[: k + 1]) if k else 0.0
        at = np.searchsorted(grid, t)
        # the trapezoid's error is ~ step x jump of h01 / 2 = 1e-4 x 0.09 / 2 per jump of
        # the integrand (3 jumps), far below what a wrong formula would give (> 1e-3)
        assert abs(closed["illness"][at] - ill) < 1e-5
        assert abs(closed["event-free"][at] - s0[k]) < 1e-12
        # restricted mean time event-free: S0 is smooth between edges, trapezoid error ~1e-9
        assert abs(closed["time_event_free"][at] - np.trapezoid(s0[: k + 1], u[: k + 1])) < 1e-7
    total = closed["event-free"] + closed["illness"] + closed["death"]
    np.testing.assert_allclose(total, 1.0, atol=1e-14)
    np.testing.assert_allclose(closed["death"],
                               closed["cif_death"] + closed["cif_illness"] - closed["illness"],
                               atol=1e-14)


# ---------------------------------------------------------------------- Cox references
def small_cohort() -> bs.IllnessDeathData:
    rates = {"illness": [[0.04, 0.025]], "death": [[0.02, 0.015]],
             "death_after_illness": [[0.08, 0.06]]}
    df = bs.simulate_illness_death(40, [0.0], rates, groups=("control", "treated"),
                                   followup=24, accrual=12, random_seed=7)
    return bs.IllnessDeathData.from_frame(df, reference="control")


def test_cause_specific_cox_matches_r():
    """Cause-specific Cox per transition, delayed entry for illness -> death.

    R (survival 3.x), with ``transition_frame(key)`` of ``small_cohort()`` written to CSV
    with 17 significant digits::

        d$arm <- factor(d$group, levels = c("control", "treated"))
        coef(coxph(Surv(tstart, tstop, status) ~ arm, data = d, ties = "efron"))
        # illness 0.2406484614, death -0.1342240158, death_after_illness -0.1716431285
    """
    reference = {"illness": 0.2406484614, "death": -0.1342240158,
                 "death_after_illness": -0.1716431285}
    data = small_cohort()
    for key, coef in reference.items():
        got = bs.frequentist.cox(data.transition(key))["coef"].iloc[0]
        assert abs(got - coef) < 1e-6, key  # both maximize the same partial likelihood


# ---------------------------------------------------------------------- fits
# One cohort, one fit: known piecewise hazards; the treated arm's illness hazard equals the
# control's up to 8 months and is 0.4 x it after; constant HRs on the two death transitions.
EDGES = np.array([0.0, 8.0, 12.0])
CONTROL = {"illness": [0.04, 0.04, 0.05], "death": [0.01, 0.01, 0.02],
           "death_after_illness": [0.08, 0.08, 0.12]}
RATIO = {"illness": [1.0, 0.4, 0.4], "death": [0.8] * 3, "death_after_illness": [0.75] * 3}
RATES = {k: np.c_[CONTROL[k], np.multiply(CONTROL[k], RATIO[k])] for k in TRANSITIONS}


@pytest.fixture(scope="module")
def cohort():
    df = bs.simulate_illness_death(1500, EDGES, RATES, followup=30, accrual=6,
                                   random_seed=SEED)
    return bs.IllnessDeathData.from_frame(df, reference="control")


@pytest.fixture(scope="module")
def fit(fits, cohort):
    model = bs.IllnessDeath(effects={"illness": bs.ChangePoint(grid=range(2, 21), near=10)})
    return fits.get(model, cohort, **FIT)


def test_changepoint_on_one_transition_is_recovered(fit):
    tau = fit.transition_changepoints()
    assert set(tau["transition"]) == {"illness"}
    assert abs(tau["probability"].sum() - 1.0) < 1e-9
    mode = float(tau.loc[tau["probability"].idxmax(), "tau"])
    # ~1000 illness events: the change is located within a month
    assert abs(mode - 8.0) <= 1.0
    assert float(tau.loc[tau["tau"].between(7, 9), "probability"].sum()) > 0.9


def test_transition_log_hrs_recover_truth_and_agree_with_cox(fit, cohort):
    table = fit.transition_hazard_ratios()
    assert table.columns.tolist()[:5] == ["transition", "period", "start", "end", "group"]
    assert table["transition"].tolist() == ["illness", "illness", "death",
                                            "death_after_illness"]
    rows = table.set_index(["transition", "period"])
    # cause-specific Cox per transition (delayed entry for illness -> death); for the
    # change-point transition, landmark Cox at the true change-point
    cox = {("death", "0+"): bs.frequentist.cox(cohort.transition("death")).iloc[0],
           ("death_after_illness", "0+"):
               bs.frequentist.cox(cohort.transition("death_after_illness")).iloc[0]}
    landmark = bs.frequentist.landmark(cohort.transition("illness"), at=8)
    cox[("illness", "before")], cox[("illness", "after")] = landmark.iloc[0], landmark.iloc[1]
    truth = {("death", "0+"): 0.8, ("death_after_illness", "0+"): 0.75,
             ("illness", "before"): 1.0, ("illness", "after"): 0.4}
    for key, reference in cox.items():
        row = rows.loc[key]
        # hundreds of events per transition: the piecewise-exponential and Cox estimates of
        # the same proportional effect differ by a small fraction of a standard error
        assert abs(np.log(row["median"]) - reference["coef"]) < 0.3 * reference["se"], key
        # the truth inside the 95% interval (each could miss 1 time in 20; fixed seed)
        assert row["lower"] < truth[key] < row["upper"], key


def test_state_probabilities_agree_with_truth(fit):
    times = np.array([6.0, 12.0, 24.0])
    draws = fit.probability_draws(times)
    states = draws.sel(quantity=list(STATES)).sum("quantity")
    np.testing.assert_allclose(states, 1.0, atol=1e-12)  # every draw
    assert float(draws.min()) >= 0.0
    assert bool((draws.sel(quantity="illness") <= draws.sel(quantity="cif_illness")).all())

    grid = np.union1d(EDGES, times)
    piece = np.searchsorted(EDGES, grid, side="right") - 1
    truth = illness_death_probabilities(grid, *(RATES[k][piece].T for k in TRANSITIONS))
    # 1500 patients per arm: the binomial SE of a probability is <= 0.013; 3 SE
    tolerance = 0.04
    table = fit.state_probabilities(times)
    assert table.columns.tolist() == ["time", "group", "state", "median", "mean", "lower",
                                      "upper"]
    for row in table.itertuples():
        g = fit.groups.index(row.group)
        expected = truth[row.state][g, np.searchsorted(grid, row.time)]
        assert abs(row.median - expected) < tolerance, (row.time, row.group, row.state)
    rmst = fit.restricted_mean_event_free(24.0)
    for row in rmst.itertuples():
        g = fit.groups.index(row.group)
        expected = truth["time_event_free"][g, np.searchsorted(grid, 24.0)]
        # the SE of a 24-month restricted mean with 1500 patients is about 0.2 months
        assert abs(row.median - expected) < 0.6, row.group
    differences = fit.state_differences(times)
    for row in differences.itertuples():
        expected = (truth[row.quantity][1, np.searchsorted(grid, row.time)]
                    - truth[row.quantity][0, np.searchsorted(grid, row.time)])
        # a difference of two arms: sqrt(2) x the single-arm tolerance
        limit = 0.85 if row.quantity == "time_event_free" else 0.057
        assert abs(row.median - expected) < limit, (row.time, row.quantity)
        paired = draws.sel(group="treated", quantity=row.quantity, time=row.time) - \
            draws.sel(group="control", quantity=row.quantity, time=row.time)
        assert row.median == pytest.approx(float(paired.median()))
    incidence = fit.cumulative_incidence(times)
    assert set(incidence["event"]) == {"illness", "death"}
    for row in incidence.itertuples():
        g = fit.groups.index(row.group)
        expected = truth[f"cif_{row.event}"][g, np.searchsorted(grid, row.time)]
        assert abs(row.median - expected) < tolerance, (row.time, row.group, row.event)


# ---------------------------------------------------------------------- clock-reset
# Death after illness on the time since the illness: very likely in the first 3 months after
# it, rarely later; the treated arm's hazard after illness is 0.6 x the control's.
AFTER_EDGES = np.array([0.0, 3.0])
RESET_RATES = {"illness": [[0.04, 0.03]], "death": [[0.01, 0.008]],
               "death_after_illness": [[0.3, 0.18], [0.04, 0.024]]}


def test_clock_reset_illness_probability_matches_quadrature_and_simulation():
    """P(ill at t) on the clock-reset scale against scipy's adaptive quadrature of
    int_0^t h01(u) S0(u) exp(-H12(t - u)) du, and against the share of simulated patients
    (no censoring) alive with the illness at t."""
    from scipy.integrate import quad

    from bayesurv.model.multistate import cumulative_hazard, illness_probability_clock_reset

    edges, h1, h2 = np.array([0.0, 6.0, 15.0]), np.array([0.05, 0.1, 0.03]), \
        np.array([0.02, 0.04, 0.06])
    after_edges, h3 = np.array([0.0, 3.0, 10.0]), np.array([0.5, 0.1, 0.2])
    times = np.array([2.0, 7.0, 20.0, 40.0])
    closed = illness_probability_clock_reset(times, edges, h1, h2, after_edges, h3)
    for t, value in zip(times, closed, strict=True):
        def integrand(u, t=t):
            j = np.searchsorted(edges, u, side="right") - 1
            s0 = np.exp(-cumulative_hazard(edges, h1 + h2, np.array([u]))[0])
            return h1[j] * s0 * np.exp(-cumulative_hazard(after_edges, h3,
                                                          np.array([t - u]))[0])
        expected = quad(integrand, 0.0, t, points=[6, 15, t - 3, t - 10], limit=200)[0]
        assert abs(value - expected) < 1e-10  # quad's error estimate is below 1e-12 here

    control = {k: np.asarray(v, dtype=float)[:, :1] for k, v in RESET_RATES.items()}
    control = {k: v if v.shape[0] == 2 else np.repeat(v, 2, axis=0) for k, v in control.items()}
    df = bs.simulate_illness_death(200_000, AFTER_EDGES, control, groups=("control",),
                                   followup=100.0, random_seed=3, clock="reset")
    for t in (5.0, 12.0):
        share = float(((df["illness"] == 1) & (df["illness_time"] <= t)
                       & (df["death_time"] > t)).mean())
        expected = illness_probability_clock_reset(
            np.array([t]), np.array([0.0]), np.array([0.04]), np.array([0.01]), AFTER_EDGES,
            np.array([0.3, 0.04]))[0]
        # binomial SE with 200,000 patients: sqrt(0.2 x 0.8 / 2e5) < 0.001; 4 SE
        assert abs(share - expected) < 0.004, t


@pytest.fixture(scope="module")
def reset_cohort():
    rates = {k: np.asarray(v, dtype=float) for k, v in RESET_RATES.items()}
    rates = {k: v if v.shape[0] == 2 else np.repeat(v, 2, axis=0) for k, v in rates.items()}
    df = bs.simulate_illness_death(1500, AFTER_EDGES, rates, followup=30, accrual=6,
                                   random_seed=SEED, clock="reset")
    return bs.IllnessDeathData.from_frame(df, reference="control")


def test_clock_reset_fit_recovers_the_effect_and_the_states(fits, reset_cohort):
    from bayesurv.model.multistate import illness_probability_clock_reset

    model = bs.IllnessDeath(clock="reset", baseline={"illness": 1, "death": 1,
                                                     "death_after_illness": [3.0]})
    fit = fits.get(model, reset_cohort, **FIT)
    assert "semi-Markov" in fit.model.describe(None, "months")
    row = fit.transition_hazard_ratios().set_index("transition").loc["death_after_illness"]
    # ~600 deaths after illness: the posterior SD of the log HR is about 0.09
    assert row["lower"] < 0.6 < row["upper"]
    cox = bs.frequentist.cox(reset_cohort.transition("death_after_illness", clock="reset"))
    assert abs(np.log(row["median"]) - cox["coef"].iloc[0]) < 0.3 * cox["se"].iloc[0]
    table = fit.state_probabilities([6.0, 12.0, 24.0]).set_index(["time", "group", "state"])
    for g, group in enumerate(fit.groups):
        rates = {k: np.asarray(v)[:, g] for k, v in RESET_RATES.items()}
        truth = illness_probability_clock_reset(np.array([6.0, 12.0, 24.0]), np.array([0.0]),
                                                rates["illness"], rates["death"], AFTER_EDGES,
                                                rates["death_after_illness"])
        for t, expected in zip((6.0, 12.0, 24.0), truth, strict=True):
            # 1500 patients per arm: binomial SE of a share of ~0.1 is < 0.008; 3 SE
            assert abs(table.loc[(t, group, "illness"), "median"] - expected) < 0.025, (t, group)


# ---------------------------------------------------------------------- shared change-point
@pytest.mark.parametrize(("kwargs", "message"), [
    ({"shared_changepoint": ["illness"]}, "two or more transition keys"),
    ({"shared_changepoint": ["illness", "relapse"]}, "unknown transition(s) ['relapse']"),
    ({"shared_changepoint": ["illness", "death"],
      "effects": {"illness": bs.ChangePoint(grid=[4, 8]), "death": bs.ChangePoint(near=8)}},
     "transition 'death' needs a ChangePoint effect with an explicit grid"),
    ({"shared_changepoint": ["illness", "death"],
      "effects": {"illness": bs.ChangePoint(grid=[4, 8]),
                  "death": bs.ChangePoint(grid=[4, 8], near=6)}},
     "other grid or prior settings"),
    ({"shared_changepoint": ["illness", "death_after_illness"], "clock": "reset",
      "effects": {"illness": bs.ChangePoint(grid=[4, 8]),
                  "death_after_illness": bs.ChangePoint(grid=[4, 8])}},
     "cannot be shared"),
])
def test_bad_shared_changepoints_are_named(kwargs, message):
    with pytest.raises(bs.ModelError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        bs.IllnessDeath(**kwargs)


def test_a_shared_changepoint_is_recovered_once_for_both_transitions(fits):
    """Illness and death without illness both halve after 8 months in the treated arm; the
    shared change-point is located there and both members draw the same one."""
    edges = np.array([0.0, 8.0])
    rates = {"illness": np.array([[0.04, 0.04], [0.04, 0.02]]),
             "death": np.array([[0.03, 0.03], [0.03, 0.015]]),
             "death_after_illness": np.array([[0.08, 0.08], [0.08, 0.08]])}
    df = bs.simulate_illness_death(1000, edges, rates, followup=30, accrual=6,
                                   random_seed=SEED + 1)
    data = bs.IllnessDeathData.from_frame(df, reference="control")
    grid = list(range(2, 21))
    model = bs.IllnessDeath(effects={"illness": bs.ChangePoint(grid=grid),
                                     "death": bs.ChangePoint(grid=grid)},
                            baseline=1, shared_changepoint=("death", "illness"))
    assert model.shared_changepoint == ("illness", "death")
    assert bs.IllnessDeath.from_settings(model.settings()).shared_changepoint == \
        ("illness", "death")
    fit = fits.get(model, data, **FIT)
    tau = fit.transition_changepoints().pivot(index="tau", columns="transition",
                                              values="probability")
    np.testing.assert_allclose(tau["illness"], tau["death"], atol=1e-12)
    # ~450 illness and ~350 death events, the HR halves: the change is within a month of 8
    assert abs(float(tau["illness"].idxmax()) - 8.0) <= 1.0
    assert float(tau.loc[7:9, "illness"].sum()) > 0.9
    ill, _ = fit.hazard_draws("illness")
    dead, _ = fit.hazard_draws("death")
    ratio_ill, ratio_dead = ill[:, :, 1] / ill[:, :, 0], dead[:, :, 1] / dead[:, :, 0]
    # the piece where the treated/control ratio switches is the same in every draw
    first_ill = np.argmax(~np.isclose(ratio_ill, ratio_ill[:, :1]), axis=1)
    first_dead = np.argmax(~np.isclose(ratio_dead, ratio_dead[:, :1]), axis=1)
    _, edges_ill = fit.hazard_draws("illness")
    _, edges_dead = fit.hazard_draws("death")
    np.testing.assert_array_equal(edges_ill[first_ill], edges_dead[first_dead])


def test_state_probabilities_agree_with_aalen_johansen(fit, cohort):
    """The posterior medians beside the nonparametric Aalen-Johansen curves of the same
    cohort (the model is correct here: piecewise hazards, a change-point on illness)."""
    from test_multistate import model_against_aalen_johansen

    table = model_against_aalen_johansen(fit, cohort, [6.0, 12.0, 24.0])
    # Both estimate the same probability from the same data and the model's estimate is
    # the more precise, so their difference has an SD below the Aalen-Johansen se; 3 se
    # bounds it (the Monte Carlo error of a median of 600 draws adds ~0.05 posterior SD).
    assert (table["z"].abs() < 3.0).all(), table.round(4).to_string()


# ---------------------------------------------------------------------- covariates
def covariate_cohort(n: int = 1500, seed: int = SEED + 2) -> pd.DataFrame:
    """Constant hazards; a standard-normal covariate ``x`` multiplies the illness hazard by
    1.5 per unit and leaves the deaths alone; the treated arm's illness hazard is 0.6 x the
    control's.  Death after illness on the time since illness (clock-reset)."""
    rng = np.random.default_rng(seed)
    arm = np.repeat(["control", "treated"], n)
    x = rng.standard_normal(2 * n)
    treated = arm == "treated"
    illness_rate = 0.04 * 1.5 ** x * np.where(treated, 0.6, 1.0)
    to_illness = rng.exponential(1 / illness_rate)
    to_death = rng.exponential(1 / 0.015, 2 * n)
    censor = 30.0 - rng.uniform(0.0, 6.0, 2 * n)
    ill = (to_illness < to_death) & (to_illness <= censor)
    after = to_illness + rng.exponential(1 / 0.08, 2 * n)
    death_time = np.where(ill, np.minimum(after, censor), np.minimum(to_death, censor))
    death = np.where(ill, after <= censor, to_death <= censor)
    return pd.DataFrame({"illness_time": np.where(ill, to_illness, death_time),
                         "illness": ill.astype(int), "death_time": death_time,
                         "death": death.astype(int), "arm": arm, "x": x})


def test_covariates_per_transition_are_checked():
    df = covariate_cohort(20)
    with pytest.raises(bs.DataError, match="no covariate 'age'"):
        data = bs.IllnessDeathData.from_frame(df, reference="control", covariates=["x"])
        bs.IllnessDeath(covariates={"illness": ["age"]}).arrays(data)
    with pytest.raises(bs.DataError, match="cannot be both a covariate"):
        bs.IllnessDeathData.from_frame(df, reference="control", covariates=["death"])
    with pytest.raises(bs.ModelError, match="covariates of 'death' must be a list"):
        bs.IllnessDeath(covariates={"death": "x"})


def test_covariates_per_transition_recover_their_effects(fits):
    df = covariate_cohort()
    data = bs.IllnessDeathData.from_frame(df, reference="control", covariates=["x"])
    model = bs.IllnessDeath(covariates={"illness": ["x"], "death": ["x"]}, baseline=1,
                            clock="reset")
    assert "illness with a constant HR adjusted for x" in model.describe(None, "months")
    fit = fits.get(model, data, **FIT)
    effects = fit.transition_covariate_effects().query("scale == 'per unit'")
    effects = effects.set_index("transition")
    # ~1000 illness events: the posterior SD of log 1.5 is about 0.035; 95% intervals
    assert effects.loc["illness", "lower"] < 1.5 < effects.loc["illness", "upper"]
    assert effects.loc["death", "lower"] < 1.0 < effects.loc["death", "upper"]
    # the same adjusted effects as cause-specific Cox (pinned to R elsewhere), within a
    # fraction of a standard error: same data, same proportional model
    cox = bs.frequentist.cox(data.transition("illness", covariates=["x"]), covariates=["x"])
    cox = cox.set_index("term")
    hr = fit.transition_hazard_ratios().set_index("transition").loc["illness"]
    assert abs(np.log(hr["median"]) - cox.iloc[0]["coef"]) < 0.3 * cox.iloc[0]["se"]
    assert abs(np.log(effects.loc["illness", "median"]) - cox.loc["x", "coef"]) \
        < 0.3 * cox.loc["x", "se"]
    # state probabilities of a patient with the cohort's mean covariates: finite, add to 1
    p = fit.probability_draws([12.0])
    np.testing.assert_allclose(p.sel(quantity=list(STATES)).sum("quantity"), 1.0, atol=1e-12)
