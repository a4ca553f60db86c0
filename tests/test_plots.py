"""Figures: the plot data against reference values, then what the figures draw.

The fits are small (2 chains x 200 draws) fits of the synthetic cohort calibrated to the
reference trial's published summaries (not the trial's patients), shared with the rest of
the session through the ``fits`` registry (read-only).
"""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text
from scipy import stats

import bayesurv as bs
from bayesurv import frequentist
from bayesurv.plotting import figures as plots
from bayesurv.plotting import plot_data as pdata

HR_TICKS = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def data(reference_data):
    return reference_data


@pytest.fixture(scope="module")
def cp_fit(fits, data, small_settings):
    return fits.get(bs.ChangePoint(near=13), data, **small_settings)


@pytest.fixture(scope="module")
def pw_fit(fits, data, small_settings):
    return fits.get(bs.PiecewiseExponential(cuts=[13]), data, **small_settings)


@pytest.fixture(scope="module")
def published():
    return bs.datasets.shi2021_published().query("endpoint == 'death'")


@pytest.fixture(scope="module")
def cp_table(cp_fit, data, published):
    return bs.compare(cp_fit, data, published, landmarks=[13])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def hr_draws(fit, period: str) -> np.ndarray:
    """Sorted posterior HR draws of one period (the single treated group)."""
    values = fit.idata.posterior["log_hr"].sel(group="UC-MSC", period=period).to_numpy()
    return np.sort(np.exp(values.ravel()))


def texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


# ---------------------------------------------------------------------------- labels
def test_number_formats():
    assert pdata.format_hr(0.3312, 0.1349, 0.7031) == "0.33 (0.13-0.70)"
    assert pdata.format_hr(np.nan, np.nan, np.nan) == "not reported"
    assert pdata.format_probability(0.0069) == "= 0.007"
    assert pdata.format_probability(1.0) == "> 0.999"
    assert pdata.format_probability(0.0) == "< 0.001"
    assert pdata.format_probability(np.nan) == ""


# ---------------------------------------------------------------------------- forest
def test_forest_data_has_three_estimators_with_the_compare_numbers(cp_table):
    out = pdata.forest_data(cp_table, "months")
    rows, windows = out["rows"], out["windows"]
    assert rows.groupby("window")["estimator"].apply(list).to_dict() == {
        "0-13": ["Bayesian", "Landmark Cox", "Published"],
        "13+": ["Bayesian", "Landmark Cox", "Published"]}
    for estimator, prefix in (("Bayesian", "bayes"), ("Landmark Cox", "freq"),
                              ("Published", "published")):
        sub = rows[rows["estimator"] == estimator].reset_index(drop=True)
        for column in ("hr", "lower", "upper"):
            np.testing.assert_array_equal(sub[column], cp_table[f"{prefix}_{column}"])
    # the paper's 13-75 month HR 3.68 (1.38-9.85), control vs UC-MSC, inverted by hand:
    # 1/3.68 = 0.2717, 1/9.85 = 0.1015, 1/1.38 = 0.7246
    late = rows[(rows["window"] == "13+") & (rows["estimator"] == "Published")].iloc[0]
    assert late["hr_text"] == "0.27 (0.10-0.72)"
    assert late["p_text"] == "p = 0.005"
    p_tau = cp_table["p_tau_in_window"].to_numpy()
    assert windows["label"].tolist() == [f"0-13 months  (P(τ in window) = {p_tau[0]:.2f})",
                                         f"13+ months  (P(τ in window) = {p_tau[1]:.2f})"]
    # rows are drawn top-down, each window's heading above its estimators
    assert rows["y"].is_monotonic_increasing
    assert (windows["y"].to_numpy() < rows.groupby("window", sort=False)["y"].min()).all()


def test_forest_data_without_published_table(pw_fit, data):
    rows = pdata.forest_data(bs.compare(pw_fit, data))["rows"]
    assert rows["estimator"].tolist() == ["Bayesian", "Landmark Cox"] * 2
    assert rows["p_text"].iloc[0].startswith("P(HR<1) ")


def test_forest_data_rejects_other_tables(pw_fit):
    with pytest.raises(bs.DataError, match=r"lacks column\(s\) \['window'"):
        pdata.forest_data(pw_fit.hazard_ratios())
    with pytest.raises(bs.DataError, match="got list"):
        pdata.forest_data([1, 2])


# ---------------------------------------------------------------------------- HR(t)
def test_hr_curve_of_fixed_cut_fit_is_the_period_hr(pw_fit):
    out = pdata.hazard_ratio_curve_data(pw_fit, landmarks=[13])
    curve = out["curve"]
    np.testing.assert_allclose(curve["time"], np.linspace(0, pw_fit.max_time, 200))
    assert pw_fit.max_time == pytest.approx(84.99)  # longest follow-up of the cohort
    # HR(5) is the 0-13 period's HR.  The curve takes the weighted-sample quantile (an order
    # statistic), hazard_ratios() interpolates (np.quantile), so both must sit between the
    # same two order statistics of the 400 draws: the 200th/201st for the median, the
    # 10th/11th for the 2.5% bound.
    at5 = curve.iloc[np.argmin(np.abs(curve["time"] - 5))]
    period = pw_fit.hazard_ratios().set_index("period").loc["0-13"]
    hr = hr_draws(pw_fit, "0-13")
    for value in (at5["median"], period["median"]):
        assert hr[199] <= value <= hr[200]
    for value in (at5["lower"], period["lower"]):
        assert hr[9] <= value <= hr[10]
    assert at5["p_benefit"] == pytest.approx(period["p_benefit"], abs=1e-12)
    # the step function is the period table, its open end closed at the grid's end
    steps = out["steps"]
    expected = pw_fit.hazard_ratios().assign(end=[13.0, pw_fit.max_time])
    pd.testing.assert_frame_equal(steps, expected)
    assert out["landmarks"]["time"].tolist() == [13.0]


def test_hr_curve_of_changepoint_fit_at_the_ends_of_the_grid(cp_fit):
    grid = cp_fit.idata.constant_data["tau_grid"].to_numpy()
    out = pdata.hazard_ratio_curve_data(cp_fit, times=[0.0, grid.max() + 1])
    curve = out["curve"]
    assert out["steps"].empty
    # tau lies on the grid, so at t=0 every draw is before the change and past the grid's
    # end every draw is after it: HR(t) is then the before / after HR posterior, and its
    # quantiles are order statistics of those 400 draws (the weights P(tau >= t) are 1 up to
    # rounding, so either neighbour can be picked)
    for row, period in ((0, "before"), (1, "after")):
        hr = hr_draws(cp_fit, period)
        assert hr[199] <= curve["median"].iloc[row] <= hr[200]
        assert hr[9] <= curve["lower"].iloc[row] <= hr[10]
        assert curve["p_benefit"].iloc[row] == pytest.approx((hr < 1).mean(), abs=1e-12)


def test_hr_curve_data_checks_its_arguments(cp_fit):
    with pytest.raises(bs.BayesurvInputError, match="times must be finite and non-negative"):
        pdata.hazard_ratio_curve_data(cp_fit, times=[-1.0, 2.0])
    with pytest.raises(bs.BayesurvInputError, match=r"mass must be .*between 0 and 1"):
        pdata.hazard_ratio_curve_data(cp_fit, mass=1.5)
    with pytest.raises(bs.BayesurvInputError, match="fit must be a bayesurv Fit"):
        pdata.hazard_ratio_curve_data("fit")


# ---------------------------------------------------------------------------- tau
def test_changepoint_data_of_the_reference_fit(cp_fit, pw_fit):
    out = pdata.changepoint_data(cp_fit)
    bars = out["bars"]
    # the default grid of the cohort: whole months leaving 3 deaths on each side
    np.testing.assert_array_equal(bars["tau"], np.arange(4.0, 57.0))
    assert bars["probability"].sum() == pytest.approx(1.0, abs=1e-9)
    # the 95% interval is one run of bars holding at least 95% of the posterior
    inside = np.flatnonzero(bars["in_interval"].to_numpy())
    assert np.all(np.diff(inside) == 1)
    assert bars.loc[bars["in_interval"], "probability"].sum() >= 0.95
    with pytest.raises(bs.BayesurvInputError, match="needs a ChangePoint fit"):
        pdata.changepoint_data(pw_fit)


def test_changepoint_data_matches_brute_force(tiny_changepoint):
    """Bars of the tiny change-point fit against its exact posterior (quadrature of the
    likelihood, conftest.py): 0.056, 0.070, 0.836, 0.035, 0.004 on 4-20 months, prior
    weights as given.  Tolerance: 4 MC standard errors of each averaged probability plus
    1e-3 for the quadrature.  The exact CDF jumps from 0.125 to 0.961 at 12, so the central
    50% interval and the mode are 12 whatever the MC error."""
    fit, exact = tiny_changepoint["fit"], tiny_changepoint["exact"]
    out = pdata.changepoint_data(fit, mass=0.5)
    bars, summary = out["bars"], out["summary"].iloc[0]
    np.testing.assert_array_equal(bars["tau"], exact["tau"])
    np.testing.assert_allclose(bars["prior"], tiny_changepoint["prior"], rtol=1e-12)
    mcse = az.mcse(fit.idata, var_names=["tau_probability"])["tau_probability"].to_numpy()
    np.testing.assert_array_less(np.abs(bars["probability"] - exact["probability"]),
                                 4 * mcse + 1e-3)
    assert bars.loc[bars["in_interval"], "tau"].tolist() == [12.0]
    assert summary["mode"] == summary["lower"] == summary["upper"] == 12.0
    assert summary["mass"] == 0.5


# ---------------------------------------------------------------------------- survival
def km_by_hand(time, event, at) -> tuple[np.ndarray, np.ndarray]:
    """Product-limit survival and number at risk just before each time in ``at``."""
    deaths = np.unique(time[event == 1])
    factors = np.array([1 - np.sum((time == t) & (event == 1)) / np.sum(time >= t)
                        for t in deaths])
    survival = np.array([np.prod(factors[deaths <= t]) for t in at])
    at_risk = np.array([np.sum(time >= t) for t in at])
    return survival, at_risk


def test_survival_data_km_steps_match_the_product_limit_by_hand(pw_fit, data):
    km = pdata.survival_data(pw_fit, data, times=[0.0, 13.0])["kaplan_meier"]
    assert km["group"].unique().tolist() == list(data.groups)
    for g, name in enumerate(data.groups):
        rows = km[km["group"] == name]
        time, event = data.time[data.group_index == g], data.event[data.group_index == g]
        assert rows["time"].iloc[0] == 0.0 and rows["survival"].iloc[0] == 1.0
        # a step at every death, and only at observed times
        assert set(time[event == 1]) <= set(rows["time"]) <= set(time) | {0.0}
        survival, at_risk = km_by_hand(time, event, rows["time"].to_numpy())
        np.testing.assert_allclose(rows["survival"], survival, rtol=1e-12)
        np.testing.assert_array_equal(rows["at_risk"], at_risk)
        assert (rows["lower"] <= rows["survival"]).all()
        assert (rows["survival"] <= rows["upper"]).all()


def test_survival_data_posterior_matches_the_gamma_closed_form(exponential_fit, data,
                                                               gamma_survival):
    """Exponential model, vague priors: each arm's S(t) = exp(-rate t), rate ~ Gamma(D, E)
    (``gamma_survival`` in conftest.py, from the patient rows).  Compared on the log-rate
    scale, log(-log S(t) / t), where each band is a quantile of the log-rate draws; the
    tolerance is 4 MC standard errors of that quantile (ArviZ ``mcse``) plus 0.005 for the
    interpolation between order statistics (2000 draws) and the prior tilt (~5e-4)."""
    times = np.array([0.0, 6.0, 13.0, 36.0, 60.0])
    out = pdata.survival_data(exponential_fit, data, times=times)["posterior"]
    expected = gamma_survival(data, times)
    post = exponential_fit.idata.posterior
    log_rates = {data.groups[0]: post["log_baseline"].isel(piece=0),
                 data.groups[1]: post["log_baseline"].isel(piece=0)
                 + post["log_hr"].isel(group=0, period=0)}
    for name in data.groups:
        rows = out[out["group"] == name].set_index("time")
        assert rows.loc[0.0, ["median", "lower", "upper"]].tolist() == [1.0, 1.0, 1.0]
        draws = log_rates[name].to_numpy()
        for column, values, q in zip(("median", "lower", "upper"), expected[name],
                                     (0.5, 0.975, 0.025), strict=True):
            tolerance = 4 * float(az.mcse(draws, method="quantile", prob=q)) + 0.005
            got = np.log(-np.log(rows.loc[times[1:], column].to_numpy()) / times[1:])
            want = np.log(-np.log(values[1:]) / times[1:])
            np.testing.assert_array_less(np.abs(got - want), tolerance)


def test_survival_data_needs_the_data_of_the_fit(pw_fit, data):
    fewer = data.subset(np.arange(data.n) > 0)
    with pytest.raises(bs.DataError, match=r"218 patients.*not the data of the fit"):
        pdata.survival_data(pw_fit, fewer)


# ---------------------------------------------------------------------------- priors
def test_prior_posterior_data(cp_fit):
    out = pdata.prior_posterior_data(cp_fit, bins=25)
    hist, prior = out["histogram"], out["prior"]
    for period in ("before", "after"):
        h = hist[hist["period"] == period]
        assert len(h) == 25 and h["count"].sum() == 400
        assert np.sum(h["density"] * (h["right"] - h["left"])) == pytest.approx(1.0)
        # every draw is inside the panel's bins
        draws = hr_draws(cp_fit, period)
        assert np.exp(h["left"].min()) <= draws[0] and draws[-1] <= np.exp(h["right"].max())
    # the default prior on log HR is Normal(0, 1)
    p = prior[prior["period"] == "after"]
    np.testing.assert_allclose(p["density"], stats.norm.pdf(p["log_hr"]), rtol=1e-12)
    # the prior is drawn over every draw of both panels
    all_draws = np.log(np.r_[hr_draws(cp_fit, "before"), hr_draws(cp_fit, "after")])
    assert p["log_hr"].min() <= all_draws.min() and all_draws.max() <= p["log_hr"].max()


# ---------------------------------------------------------------------------- drawing
def check_hr_axis(axis) -> None:
    assert axis.get_scale() == "log"
    ticks = axis.get_ticklocs()
    assert set(HR_TICKS) <= set(np.round(ticks, 6))
    assert [t.get_text() for t in axis.get_ticklabels()
            if t.get_text() in {"0.1", "0.2", "0.5", "1", "2", "5"}] == [
        "0.1", "0.2", "0.5", "1", "2", "5"]


def check_readable(fig) -> None:
    """A journal page's width (7 in) drawn at print size, so no text under 7 pt."""
    assert fig.get_figwidth() == 7.0 and fig.dpi == 100
    sizes = [t.get_fontsize() for t in texts(fig)]
    assert sizes and min(sizes) >= 7


def test_forest_figure(cp_table):
    fig = plots.plot_forest(cp_table, "months", "control")
    ax = fig.axes[0]
    check_hr_axis(ax.xaxis)
    check_readable(fig)
    assert ax.get_xlabel() == ("hazard ratio, UC-MSC vs control (log scale; < 1 favours "
                               "UC-MSC)")
    assert ax.get_title()
    # one marker per estimator and window: 3 marker series of 2 points each
    markers = [line for line in ax.get_lines() if line.get_marker() in ("o", "s", "D")]
    assert sorted(line.get_marker() for line in markers) == ["D", "o", "s"]
    assert all(len(line.get_xdata()) == 2 for line in markers)
    assert any(np.allclose(line.get_xdata(), 1.0) for line in ax.get_lines())  # HR = 1
    right = ax.child_axes[0]  # the numbers column
    labels = [t.get_text() for t in right.get_yticklabels()]
    assert any(label.startswith("0.27 (0.10-0.72)") for label in labels)
    assert any("0-13 months" in t.get_text() for t in ax.texts)


@pytest.mark.parametrize("kind", ["changepoint", "piecewise"])
def test_hazard_ratio_figure(kind, cp_fit, pw_fit):
    fit = cp_fit if kind == "changepoint" else pw_fit
    fig = plots.plot_hazard_ratio_curve(fit, landmarks=[8, 13])
    ax = fig.axes[0]
    check_hr_axis(ax.yaxis)
    check_readable(fig)
    assert "(months)" in ax.get_xlabel()
    assert ax.get_ylabel() == "hazard ratio, UC-MSC vs control (log scale)"
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert sorted(line.get_xdata()[0] for line in dashed) == [8, 13]
    assert ax.get_legend() is not None
    median = next(line for line in ax.get_lines() if line.get_label() == "posterior median")
    if kind == "piecewise":  # a step at the cut: the period medians, drawn steps-post
        assert median.get_drawstyle() == "steps-post"
        np.testing.assert_allclose(median.get_xdata(), [0, 13, fit.max_time])
        np.testing.assert_allclose(median.get_ydata()[:2], fit.hazard_ratios()["median"])
    else:
        assert len(median.get_xdata()) == 200


def test_changepoint_figure(cp_fit):
    fig = plots.plot_changepoint(cp_fit)
    ax = fig.axes[0]
    check_readable(fig)
    assert sum(len(c) for c in ax.containers) == 53  # one bar per candidate tau
    assert ax.get_xlabel() == "change-point tau (months)"
    assert ax.get_ylabel() == "probability"
    summary = cp_fit.changepoint_summary()
    notes = [t.get_text() for t in ax.texts]
    assert f"mode {summary['mode']:g}" in notes
    assert f"95% equal-tailed interval {summary['lower']:g}-{summary['upper']:g} months" in notes
    prior = next(line for line in ax.get_lines() if line.get_label() == "prior")
    np.testing.assert_array_equal(prior.get_ydata(), cp_fit.changepoint()["prior"])


def test_survival_figure(pw_fit, data):
    fig = plots.plot_survival(pw_fit, data)
    ax = fig.axes[0]
    check_readable(fig)
    assert ax.get_xlabel() == "time since randomisation (months)"
    assert ax.get_ylabel() == "survival probability"
    km = frequentist.kaplan_meier(data)
    steps = [line for line in ax.get_lines() if line.get_drawstyle() == "steps-post"]
    # per arm: a posterior median, a Kaplan-Meier line and its censoring marks
    assert len(steps) == 2 and len(ax.get_lines()) == 6
    for line, group in zip(steps, data.groups, strict=True):
        np.testing.assert_array_equal(line.get_ydata(), km.loc[km["group"] == group,
                                                               "survival"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "control", "UC-MSC", "posterior median, 95% band", "Kaplan-Meier, | censored"]


def test_prior_posterior_figure(cp_fit):
    fig = plots.plot_prior_posterior(cp_fit)
    check_readable(fig)
    panels = [a for a in fig.axes if a.get_xlabel().startswith("log hazard ratio")]
    assert len(panels) == 2
    assert panels[0].get_xlabel() == "log hazard ratio (UC-MSC vs control)"
    assert panels[0].get_title().startswith("before the change-point")
    assert len(panels[1].patches) == 20  # histogram bars
    tops = [child for a in panels for child in a.child_axes]
    assert [a.get_xlabel() for a in tops] == ["hazard ratio"] * 2
    labels = {t.get_text() for t in tops[0].get_xticklabels()}
    assert {"0.5", "1", "2"} <= labels


def test_figures_draw_into_given_axes(cp_fit, cp_table):
    fig, axes = plt.subplots(1, 3)
    assert plots.plot_forest(cp_table, ax=axes[0]) is fig
    assert plots.plot_changepoint(cp_fit, ax=axes[1]) is fig
    assert len(axes[1].containers) == 2
    with pytest.raises(bs.BayesurvInputError, match="ax must be a matplotlib Axes"):
        plots.plot_hazard_ratio_curve(cp_fit, ax="left")
    with pytest.raises(bs.BayesurvInputError, match="ax must be 2 matplotlib Axes"):
        plots.plot_prior_posterior(cp_fit, ax=axes[2])


def png_size(path) -> tuple[int, int]:
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == PNG_SIGNATURE
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_save_figures_writes_pngs_and_svgs_and_closes_its_figures(cp_fit, pw_fit, data,
                                                                   cp_table, tmp_path):
    before = plt.get_fignums()
    paths = plots.save_figures(cp_fit, data, tmp_path / "cp", compare_table=cp_table,
                               landmarks=[13], caption="synthetic data")
    assert plt.get_fignums() == before
    assert {name: os.path.basename(p) for name, p in paths.items()} == {
        "kaplan_meier": "kaplan_meier.png", "forest": "forest.png",
        "hazard_ratio_over_time": "hazard_ratio_over_time.png",
        "changepoint_posterior": "changepoint_posterior.png", "survival": "survival.png",
        "prior_posterior": "prior_posterior.png"}
    for path in paths.values():
        width, height = png_size(path)
        # 7 in wide at 300 dpi, not cropped; 4.2 in high or more (caption, at-risk table)
        assert width == 2100 and 1260 < height <= 1800
        assert os.path.getsize(path) > 50_000
    assert sorted(os.listdir(tmp_path / "cp")) == sorted(
        [*map(os.path.basename, paths.values()),
         *(os.path.basename(p)[:-4] + ".svg" for p in paths.values())])
    # a fixed-cut fit has no change-point figure: test_figures.py saves one
    with pytest.raises(bs.DataError, match="not the data of the fit"):
        plots.save_figures(pw_fit, data.subset(np.arange(data.n) > 0), tmp_path / "x",
                           cp_table)
