"""The posterior predictive check: its band covers the observed Kaplan-Meier for data from the
fitted model and not for data from a clearly different one; its parts checked one by one."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv import frequentist
from bayesurv.inference.predictive import (
    kaplan_meier_rows,
    predictive_check,
    replicate_censoring,
    simulate_event_times,
)
from bayesurv.runner.report import AnalysisResult, write_report
from bayesurv.runner.spec import Spec

# one model for both data sets: the same array shapes, so one compiled sampler
MODEL = bs.PiecewiseExponential(cuts=[12], baseline=1)
SETTINGS = {"draws": 200, "tune": 200, "chains": 2, "random_seed": 1}
N_PER_ARM = 150


def weibull_trial(seed: int, shape: float = 3.0, scale: float = 25.0,
                  hr: float = 0.5) -> pd.DataFrame:
    """A two-arm trial whose hazard grows like t^2 (Weibull shape 3), proportional hazards,
    censored uniformly on 24-48 as :func:`bayesurv.simulate_trial` does."""
    rng = np.random.default_rng(seed)
    frames = []
    for arm, name in enumerate(("control", "treated")):
        cumulative = rng.exponential(size=N_PER_ARM) / (hr if arm else 1.0)
        t = scale * cumulative ** (1 / shape)
        c = rng.uniform(24, 48, size=N_PER_ARM)
        frames.append(pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int),
                                    "arm": name}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def model_data():
    """Data from the fitted model itself: constant baseline, HR 1 up to 12 then 0.4."""
    df = bs.simulate_trial(n=(N_PER_ARM, N_PER_ARM), baseline_rates=(0.03,),
                           log_hr=(0.0, np.log(0.4)), tau=12, censoring=(24, 48), seed=3)
    return bs.SurvivalData.from_frame(df, reference="control")


@pytest.fixture(scope="module")
def model_fit(fits, model_data):
    return fits.get(MODEL, model_data, **SETTINGS)


@pytest.fixture(scope="module")
def weibull_fit(fits):
    data = bs.SurvivalData.from_frame(weibull_trial(seed=3), reference="control")
    return fits.get(MODEL, data, **SETTINGS)


def test_band_covers_observed_curve_for_data_from_the_model(model_fit):
    check = model_fit.predictive_check()
    # a correct model misses at about 5% of times on average, and the posterior predictive
    # band (parameter uncertainty added) is wider than the sampling band, so the expected
    # coverage is >= 0.95; 0.9 leaves room for one stretch of misses.  Measured on seeds 0-5
    # of this design: 0.995 to 1.0 overall, >= 0.99 per arm.
    assert check.overall_coverage >= 0.9
    assert (check.coverage["coverage"] >= 0.9).all()


def test_band_misses_observed_curve_for_data_from_another_model(weibull_fit):
    check = weibull_fit.predictive_check()
    # a constant hazard cannot bend like a Weibull with shape 3: the observed curves stay
    # flat early and fall fast later, leaving the band for most of follow-up.  Measured on
    # seeds 0-5: 0.33-0.44 overall, control 0.12-0.21, treated 0.46-0.77 (its hazard is
    # lower, so fewer events show the misfit); a correct model gives >= 0.9 (above).
    assert check.overall_coverage <= 0.6
    assert (check.coverage["coverage"] <= 0.85).all()


def test_kaplan_meier_rows_equals_lifelines(reference_data):
    # data times themselves are on the grid: tied events and censorings at a grid time
    grid = np.unique(np.r_[0.0, reference_data.time[:40], 100.0])
    expected = frequentist.kaplan_meier(reference_data, times=grid)
    for g, group in enumerate(reference_data.groups):
        arm = reference_data.group_index == g
        mine = kaplan_meier_rows(reference_data.time[None, arm],
                                 reference_data.event[None, arm].astype(bool), grid)[0]
        np.testing.assert_allclose(mine, expected.loc[expected["group"] == group, "survival"],
                                   rtol=0, atol=1e-12)


def test_censoring_of_patients_with_events_follows_reverse_kaplan_meier():
    # events at 5 and 15, censorings at 10 and 20: the reverse Kaplan-Meier puts 1/3 on 10
    # (3 at risk, 1 censored) and 2/3 on 20; given C >= 5 that stays, given C >= 15 C = 20
    time = np.array([5.0, 10.0, 15.0, 20.0])
    event = np.array([True, False, True, False])
    censor = replicate_censoring(time, event, np.zeros(4, dtype=int), 4000,
                                 np.random.default_rng(2))
    assert (censor[:, [1, 3]] == [10.0, 20.0]).all()  # known censoring times kept
    assert set(np.unique(censor[:, 0])) == {10.0, 20.0}
    assert (censor[:, 2] == 20.0).all()
    # binomial SE of a share of 1/3 in 4000 draws is 0.0075: 0.03 is 4 SE
    assert abs((censor[:, 0] == 10.0).mean() - 1 / 3) < 0.03


def test_censoring_mass_past_last_censoring_goes_to_last_follow_up():
    # the last patient dies at 30 after the only censoring (at 10): the reverse Kaplan-Meier
    # keeps mass 1/2 beyond 10, put at the last follow-up time 30
    time, event = np.array([5.0, 10.0, 30.0]), np.array([True, False, True])
    censor = replicate_censoring(time, event, np.zeros(3, dtype=int), 10,
                                 np.random.default_rng(0))
    assert (censor[:, 2] == 30.0).all()
    assert set(np.unique(censor[:, 0])) <= {10.0, 30.0}


def test_event_times_scale_with_the_linear_predictor():
    # hazard 0.1 times exp(log 2): P(T > 5) = exp(-0.2 x 5) = exp(-1)
    n = 20000
    t = simulate_event_times(np.array([0.0]), np.log([[[0.1]]]), np.zeros(n, dtype=int),
                             np.full((1, n), np.log(2.0)), np.random.default_rng(4))
    # binomial SE of exp(-1) in 20000 draws is 0.0034: 0.015 is over 4 SE
    assert abs((t > 5).mean() - np.exp(-1)) < 0.015


def test_check_is_reproducible_and_uses_its_seed(model_fit):
    a = model_fit.predictive_check(draws=30, random_seed=5)
    b = model_fit.predictive_check(draws=30, random_seed=5)
    c = model_fit.predictive_check(draws=30, random_seed=6)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not np.array_equal(a.replicates, c.replicates)


def test_band_table_holds_the_observed_kaplan_meier(model_fit, model_data):
    check = predictive_check(model_fit.idata, model_fit.model, draws=20, times=[0, 6, 24, 60])
    km = frequentist.kaplan_meier(model_data, times=[0, 6, 24, 60])
    np.testing.assert_allclose(check.table["observed"], km["survival"], atol=1e-12)
    assert check.table["in_followup"].tolist() == [False, True, True, False] * 2
    assert (check.coverage["points"] == 2).all()
    assert check.draws == 20 and check.replicates.shape == (20, 4, 2)
    assert model_fit.predictive_check(draws=10_000).draws == 400  # every draw, once


@pytest.mark.parametrize("kwargs", [{"mass": 1.0}, {"draws": 0}, {"draws": True},
                                    {"random_seed": -1}, {"times": [5, 2]},
                                    {"times": "12"}])
def test_bad_arguments_are_bayesurv_errors(model_fit, kwargs):
    with pytest.raises(bs.BayesurvInputError):
        model_fit.predictive_check(**kwargs)


def test_plot_shows_band_and_observed_curve_per_arm(model_fit):
    check = model_fit.predictive_check(draws=20)
    fig = bs.plots.plot_predictive_check(check, caption="simulated data")
    try:
        ax = fig.axes[0]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert len(labels) == 4 and labels[1].startswith("control: observed (inside at")
        assert ax.get_xlabel() == "time since randomisation (months)"
        assert ax.get_xlim()[1] == pytest.approx(check.table["time"][
            check.table["in_followup"]].max())
    finally:
        plt.close(fig)
    with pytest.raises(bs.BayesurvInputError, match="PredictiveCheck"):
        bs.plots.plot_predictive_check(check.table)


def test_report_has_predictive_check_table_figure_and_section(model_fit, model_data, tmp_path):
    # the spec only names the report here; the fit and data are the simulated ones
    spec = Spec.from_dict({"title": "simulated", "data": {"source": "shi2021"},
                           "model": {"type": "piecewise", "cuts": [12]}})
    result = AnalysisResult(spec, model_data, model_fit, bs.compare(model_fit, model_data),
                            None, model_fit.diagnostics(warn=False),
                            frequentist.cox(model_data), frequentist.logrank(model_data))
    out = write_report(result, tmp_path / "report", log=lambda message: None)
    table = pd.read_csv(out / "tables" / "predictive_check.csv")
    assert table.columns.tolist() == ["group", "time", "observed", "median", "lower", "upper",
                                      "inside", "in_followup", "interval"]
    assert set(table["interval"]) == {"95% equal-tailed"}
    assert (out / "figures" / "predictive_check.png").exists()
    text = (out / "summary.md").read_text(encoding="utf-8")
    overall = model_fit.predictive_check().overall_coverage
    assert "## Does the model reproduce the data?" in text
    assert f"band of the replicated curves at {overall:.0%}" in text
    assert "(figures/predictive_check.png)" in text


def test_coverage_is_nan_without_grid_times_in_follow_up(model_fit):
    check = model_fit.predictive_check(draws=10, times=[0, 500])
    assert check.coverage["points"].tolist() == [0, 0]
    assert check.coverage["coverage"].isna().all() and np.isnan(check.overall_coverage)
