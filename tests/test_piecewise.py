"""Fixed-cut piecewise-exponential model: recovery and agreement with maximum likelihood."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from lifelines.datasets import load_gbsg2

import bayesurv as bs


def test_recovers_a_delayed_effect():
    """N = 5000, HR 1.0 before 13 and 0.3 after: 95% intervals cover, medians within 0.1.

    With ~3000 events the posterior sd of each log HR is ~0.05, so a median more than 0.1
    away from the truth (2 sd) fails about 5% of seeds; the seed is fixed, and the check
    is exactly the issue's acceptance criterion.
    """
    truth = np.log([1.0, 0.3])
    df = bs.simulate_trial(n=(2500, 2500), baseline_rates=[0.03], log_hr=tuple(truth), tau=13,
                           seed=11)
    data = bs.SurvivalData.from_frame(df, reference="control")
    fit = bs.PiecewiseExponential(cuts=[13]).fit(data, draws=500, tune=500, chains=2,
                                                 random_seed=5, progressbar=False)
    table = fit.hazard_ratios()
    assert table["period"].tolist() == ["0-13", "13+"]
    assert table["start"].tolist() == [0.0, 13.0]
    assert table["end"].tolist() == [13.0, np.inf]
    assert (table["lower"] < np.exp(truth)).all() and (np.exp(truth) < table["upper"]).all()
    np.testing.assert_array_less(np.abs(np.log(table["median"]) - truth), 0.1)
    assert table.loc[1, "p_benefit"] == 1.0


def test_gbsg2_agrees_with_poisson_glm():
    """GBSG2, treated = horTh "yes", one cut at 730 days, baseline pieces at the same cut.

    This model is exactly a Poisson GLM on the split data, fitted in R (survival 3.5)::

        d <- survSplit(Surv(time, cens) ~ horTh, data = GBSG2, cut = 730,
                       episode = "piece")
        d$expo <- d$tstop - d$tstart
        glm(cens ~ factor(piece) + factor(piece):horTh + offset(log(expo)),
            family = poisson, data = d)

    giving log HR -0.2940 (se 0.1694) before 730 and -0.4332 (se 0.1839) after.  With vague
    priors (sd 10) the posterior is the normalized likelihood, so its median and sd match the
    MLE and its standard error up to Monte Carlo error (~0.03 sd for the median with 2000+
    effective draws, ~2% for the sd) and likelihood skewness (~0.05 sd with ~140 events per
    period): hence 0.15 posterior sd and 10%.
    """
    data = bs.SurvivalData.from_frame(load_gbsg2(), time="time", event="cens", group="horTh",
                                      reference="no", time_unit="days")
    model = bs.PiecewiseExponential(cuts=[730], baseline=[730], priors="vague")
    fit = model.fit(data, draws=1000, tune=1000, chains=4, random_seed=2, progressbar=False)
    draws = fit.idata.posterior["log_hr"].to_numpy().reshape(-1, 2)
    median, sd = np.median(draws, axis=0), draws.std(axis=0, ddof=1)
    mle, se = np.array([-0.2940, -0.4332]), np.array([0.1694, 0.1839])
    np.testing.assert_array_less(np.abs(median - mle) / sd, 0.15)
    np.testing.assert_allclose(sd / se, 1.0, atol=0.10)


def test_constant_hr_with_no_cuts(reference_like_data):
    model = bs.PiecewiseExponential(cuts=[])
    design = model.arrays(reference_like_data)
    assert design["period_edges"].tolist() == [0.0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cuts": [13, 13]}, "duplicated"),
        ({"cuts": [24, 13]}, "sorted"),
        ({"cuts": [-1]}, "non-negative"),
        ({"cuts": [0]}, "must be > 0"),
        ({"cuts": [1, 2], "baseline": 0}, "number of pieces must be >= 1"),
    ],
)
def test_bad_arguments_are_rejected(reference_like_data, kwargs, message):
    with pytest.raises(bs.ModelError, match=message):
        bs.PiecewiseExponential(**kwargs).arrays(reference_like_data)


def test_cut_outside_followup_is_rejected(reference_like_data):
    with pytest.raises(bs.ModelError, match=r"cut 90 is not inside the follow-up: the longest "
                                            r"follow-up is 8\d\.\d+ months"):
        bs.PiecewiseExponential(cuts=[13, 90]).arrays(reference_like_data)


def test_period_without_events_warns(reference_like_data):
    with pytest.warns(bs.DataWarning, match="no events in period 0-0.5"):
        bs.PiecewiseExponential(cuts=[0.5]).arrays(reference_like_data)


def test_default_baseline_pieces_sit_at_event_quantiles_and_the_cut(reference_like_data):
    design = bs.PiecewiseExponential(cuts=[13]).arrays(reference_like_data)
    event_times = reference_like_data.time[reference_like_data.event == 1]
    cuts = design.baseline_edges[1:]
    assert 13.0 in cuts  # the treatment cut is a baseline cut too
    quantile_cuts = cuts[cuts != 13.0]
    assert len(quantile_cuts) == min(20, int(np.ceil(np.sqrt(event_times.size)))) - 1
    shares = [(event_times <= c).mean() for c in quantile_cuts]
    expected = np.arange(1, len(quantile_cuts) + 1) / (len(quantile_cuts) + 1)
    np.testing.assert_allclose(shares, expected, atol=1.5 / event_times.size + 0.02)


def test_unknown_prior_names_are_rejected():
    with pytest.raises(bs.PriorError, match="unknown prior set 'optimistic'"):
        bs.PiecewiseExponential(priors="optimistic")
    with pytest.raises(bs.PriorError, match="unknown prior role 'hr'"):
        bs.PiecewiseExponential(priors={"hr": bs.priors.Normal(0, 1)})
    with pytest.raises(bs.PriorError, match="sigma must be > 0"):
        bs.priors.Normal(0, 0)


def test_named_prior_sets_imply_documented_probabilities():
    sets = bs.priors.named_prior_sets()
    log_half = np.log(0.5)
    assert sets["skeptical"].log_hr.prob_below(log_half) == pytest.approx(0.05, abs=1e-6)
    assert 1 - sets["enthusiastic"].log_hr.prob_below(0.0) == pytest.approx(0.05, abs=1e-6)
    assert sets["default"].log_hr.prob_below(log_half) == pytest.approx(0.2441, abs=1e-4)


def test_construction_does_not_touch_data():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = bs.PiecewiseExponential(cuts=[13], priors="skeptical")
    assert "cuts" in model.settings() and model.priors.name == "skeptical"
