"""Side-by-side tables: orientation, window alignment, published-table inversion, LOO."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv import frequentist
from bayesurv.comparison.tables import invert_published
from bayesurv.inference.summaries import draw_log_hazards
from bayesurv.model import likelihood as lik


@pytest.fixture(scope="module")
def published_from_landmarks(reference_like_data):
    """A 'published' table: the landmark Cox results, treated vs reference."""
    lm = frequentist.landmark(reference_like_data, at=13)
    return lm.assign(end=lm["end"].replace(np.inf, 85.0))[
        ["start", "end", "hr", "lower", "upper", "p"]].reset_index(drop=True)


def test_orientation_and_alignment(piecewise_fit, reference_like_data):
    """Truth: HR 0.3 after 13 months, so every column must say benefit in the 13+ window."""
    table = bs.compare(piecewise_fit, reference_like_data)
    assert table["window"].tolist() == ["0-13", "13+"]
    late = table.set_index("window").loc["13+"]
    assert late["bayes_hr"] < 1 and late["freq_hr"] < 1 and late["p_benefit"] > 0.95
    # windows align with the fit's periods: the same numbers as hazard_ratios()
    periods = piecewise_fit.hazard_ratios()
    np.testing.assert_allclose(table["bayes_hr"], periods["median"], rtol=1e-12)
    lm = frequentist.landmark(reference_like_data, at=13)
    np.testing.assert_allclose(table["freq_hr"], lm["hr"], rtol=1e-12)
    np.testing.assert_allclose(table["freq_p"], lm["p"], rtol=1e-12)


def test_inverted_published_table_round_trips(piecewise_fit, reference_like_data,
                                               published_from_landmarks):
    inverted = invert_published(published_from_landmarks)
    assert (inverted["hr"] > 1).any()
    table = bs.compare(piecewise_fit, reference_like_data, inverted,
                       published_orientation="reference_vs_treated")
    for column in ("hr", "lower", "upper", "p"):
        np.testing.assert_allclose(table[f"published_{column}"],
                                   published_from_landmarks[column], rtol=1e-12)
    # the same table given in our orientation is taken as it is
    same = bs.compare(piecewise_fit, reference_like_data, published_from_landmarks,
                      published_orientation="treated_vs_reference")
    pd.testing.assert_frame_equal(same, table)


def test_orientation_column_is_read(piecewise_fit, reference_like_data,
                                    published_from_landmarks):
    inverted = invert_published(published_from_landmarks)
    labelled = inverted.assign(orientation="control vs treated")
    table = bs.compare(piecewise_fit, reference_like_data, labelled)
    np.testing.assert_allclose(table["published_hr"], published_from_landmarks["hr"])


def test_reference_trial_published_table_is_inverted(piecewise_fit, reference_like_data):
    """shi2021_published says "control vs UC-MSC": control is the reference, so it is
    read as reference vs treated and inverted; a label naming no group is rejected."""
    published = bs.datasets.shi2021_published().query("endpoint == 'death'")
    table = bs.compare(piecewise_fit, reference_like_data, published)
    late = table.set_index("window").loc["13+"]
    assert late["published_hr"] == pytest.approx(1 / 3.68)
    assert late["published_lower"] == pytest.approx(1 / 9.85)
    assert late["published_upper"] == pytest.approx(1 / 1.38)
    with pytest.raises(bs.DataError, match="names neither the reference"):
        bs.compare(piecewise_fit, reference_like_data,
                   published.assign(orientation="placebo vs drug"))


def test_changepoint_windows_carry_tau_probability(changepoint_fit, reference_like_data):
    table = bs.compare(changepoint_fit, reference_like_data, landmarks=[8, 13])
    assert table["window"].tolist() == ["0-8", "8-13", "13+"]
    assert table["p_tau_in_window"].sum() == pytest.approx(1.0)
    assert table.loc[0, "p_tau_in_window"] == pytest.approx(
        changepoint_fit.changepoint_probability(0, 8))


def test_compare_checks_its_inputs(piecewise_fit, reference_like_data):
    other = reference_like_data.subset(np.arange(reference_like_data.n) < 150)
    with pytest.raises(bs.DataError, match="are not the data of the fit"):
        bs.compare(piecewise_fit, other)
    with pytest.raises(bs.BayesurvInputError, match="published_orientation must be"):
        bs.compare(piecewise_fit, reference_like_data,
                   pd.DataFrame({"start": [0], "end": [13], "hr": [1.0], "lower": [0.5],
                                 "upper": [2.0]}))
    with pytest.raises(bs.DataError, match=r"missing column\(s\) \['upper'\]"):
        bs.compare(piecewise_fit, reference_like_data,
                   pd.DataFrame({"start": [0], "end": [13], "hr": [1.0], "lower": [0.5]}),
                   published_orientation="treated_vs_reference")


def test_prior_sensitivity_moves_the_way_the_priors_pull(reference_like_data, changepoint_fit,
                                                         seed):
    """The skeptical prior shrinks the after-tau log HR towards 0 relative to the default;
    the enthusiastic prior (centred at HR 0.5) pulls the before-tau HR below the skeptical."""
    table = bs.compare_priors(bs.ChangePoint(near=13), reference_like_data,
                              fits={"default": changepoint_fit}, draws=300, tune=300,
                              chains=2, random_seed=seed, progressbar=False)
    assert table["prior"].unique().tolist() == ["default", "skeptical", "enthusiastic"]
    med = table.set_index(["prior", "period"])["median"]
    assert abs(np.log(med["skeptical", "after"])) < abs(np.log(med["default", "after"]))
    assert med["enthusiastic", "before"] < med["skeptical", "before"]
    assert table.loc[0, "log_hr_prior"] == "Normal(0, 1)"


@pytest.mark.parametrize("which", ["piecewise_fit", "changepoint_fit"])
def test_pointwise_log_likelihood_sums_to_the_model_likelihood(which, request):
    """Per-patient terms at a draw add up to the exposure-table likelihood at that draw
    (for the change-point fit, at the draw's tau)."""
    fit = request.getfixturevalue(which)
    pointwise = fit.log_likelihood().reshape(-1, fit.data_summary["n"])
    lh = draw_log_hazards(fit.idata, fit.model)  # each draw in its own state (tau)
    c = fit.idata.constant_data
    events, exposure = c["events"].to_numpy(), c["exposure"].to_numpy()
    for s in (0, 17, 250):
        total = lik.aggregated_loglik(np, events, exposure, lh[s])
        # two summation orders of the same ~220 terms: agreement to rounding
        assert pointwise[s].sum() == pytest.approx(total, abs=1e-8)


def test_compare_models_ranks_the_fits(piecewise_fit, changepoint_fit):
    table = bs.compare_models({"cut at 13": piecewise_fit, "change-point": changepoint_fit})
    assert set(table.index) == {"cut at 13", "change-point"}
    assert table["weight"].sum() == pytest.approx(1.0)
    assert (table["p_loo"] > 0).all()
    with pytest.raises(bs.BayesurvInputError, match="at least two fits"):
        bs.compare_models({"one": piecewise_fit})
