"""The Fit result: tables, reproducibility, save/load and diagnostics."""

from __future__ import annotations

import os
import warnings

import arviz as az
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

import bayesurv as bs
from bayesurv.inference.summaries import cumulative_hazard, weighted_quantiles


def test_hazard_ratio_table_matches_the_draws(piecewise_fit):
    table = piecewise_fit.hazard_ratios()
    assert list(table.columns) == ["period", "start", "end", "median", "mean", "lower", "upper",
                                   "p_benefit", "group"]
    draws = piecewise_fit.idata.posterior["log_hr"].sel(group="treated", period="13+")
    hr = np.exp(draws.to_numpy().ravel())
    row = table.set_index("period").loc["13+"]
    assert row["median"] == pytest.approx(np.median(hr))
    assert row["lower"] == pytest.approx(np.quantile(hr, 0.025))
    assert row["upper"] == pytest.approx(np.quantile(hr, 0.975))
    assert row["p_benefit"] == pytest.approx((hr < 1).mean())


@pytest.mark.slow
def test_same_seed_same_numbers_in_a_new_process(tmp_path):
    """The default (JAX) sampler reproduces a fit exactly in another process, whether that
    process compiles afresh (an empty compilation cache) or loads the compiled code."""
    import subprocess
    import sys

    code = ("import warnings; warnings.simplefilter('ignore'); import bayesurv as bs; "
            "d = bs.SurvivalData.from_frame(bs.datasets.shi2021('death'), reference='control');"
            " f = bs.PiecewiseExponential(cuts=[13]).fit(d, draws=100, tune=100, chains=2,"
            " random_seed=5, progressbar=False);"
            " print(f.idata.posterior['log_hr'].to_numpy().tobytes().hex())")
    outputs = []
    for _ in range(2):  # the first run fills the empty cache, the second loads from it
        env = dict(os.environ, BAYESURV_CACHE_DIR=str(tmp_path))
        run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)
        outputs.append(run.stdout.strip())
    assert outputs[0] == outputs[1] and len(outputs[0]) == 2 * 8 * 2 * 100 * 2


@pytest.mark.parametrize("which", ["piecewise_fit", "changepoint_fit"])
def test_netcdf_round_trip_is_exact(which, request, tmp_path):
    fit = request.getfixturevalue(which)
    path = tmp_path / "fit.nc"
    fit.to_netcdf(path)
    loaded = bs.Fit.from_netcdf(path)
    pd.testing.assert_frame_equal(loaded.hazard_ratios(), fit.hazard_ratios())
    pd.testing.assert_frame_equal(loaded.survival([6, 13, 36]), fit.survival([6, 13, 36]))
    assert loaded.settings == fit.settings
    assert loaded.data_summary == fit.data_summary
    assert loaded.version == bs.__version__
    if fit.kind == "changepoint":
        pd.testing.assert_frame_equal(loaded.changepoint(), fit.changepoint())


def test_loading_a_non_bayesurv_file_is_a_clear_error(tmp_path):
    other = tmp_path / "other.nc"
    xr.Dataset({"x": ("a", [1.0, 2.0])}).to_netcdf(other)
    with pytest.raises(bs.FitFileError, match="not made by bayesurv"):
        bs.Fit.from_netcdf(other)
    garbage = tmp_path / "garbage.nc"
    garbage.write_text("not a netcdf file")
    with pytest.raises(bs.FitFileError, match="not a NetCDF file"):
        bs.Fit.from_netcdf(garbage)
    with pytest.raises(bs.FitFileError, match="no such file"):
        bs.Fit.from_netcdf(tmp_path / "missing.nc")


def test_fit_records_its_context(piecewise_fit, seed):
    assert piecewise_fit.sampler_settings["random_seed"] == seed
    assert piecewise_fit.sampler_settings["chains"] == 2
    assert piecewise_fit.data_summary["n"] == 219
    assert piecewise_fit.settings["cuts"] == [13.0]
    assert piecewise_fit.priors.name == "default"


def test_summary_has_readable_names(piecewise_fit):
    index = piecewise_fit.summary().index
    assert "log_hr[treated, 0-13]" in index
    assert "log_hr[treated, 13+]" in index


def test_survival_is_the_exponential_of_the_cumulative_hazard(piecewise_fit):
    """Survival at t from the draws, recomputed by hand for the reference group."""
    post = piecewise_fit.idata.posterior
    const = piecewise_fit.idata.constant_data
    log_baseline = post["log_baseline"].to_numpy().reshape(-1, post.sizes["piece"])
    edges = const["baseline_edges"].to_numpy()
    t = 30.0
    widths = np.clip(np.diff(np.minimum(np.r_[edges, np.inf], t)), 0, None)
    by_hand = np.exp(-(np.exp(log_baseline) * widths).sum(axis=1))
    table = piecewise_fit.survival([t]).set_index("group")
    assert table.loc["control", "median"] == pytest.approx(np.median(by_hand), rel=1e-10)


def mcse_of_mean(values: np.ndarray) -> float:
    """Monte Carlo standard error of the mean of (chain, draw) values."""
    return float(az.mcse(az.convert_to_dataset(values))["x"])


def test_hazard_ratio_of_an_exponential_model_is_the_beta_prime_closed_form(exponential_fit,
                                                                          reference_data):
    """Constant hazards, vague priors: the arm rates are independent Gamma(D, rate E)
    (Poisson-gamma conjugacy with a flat prior on the log rates), so
    HR = rate1 / rate0 = (E0 / E1) * G1 / G0 with G ~ Gamma(D, 1), i.e. E0/E1 times a
    beta-prime(D1, D0) variable; P(HR < 1) is its CDF at E1/E0.  Everything is computed
    from the patient rows.  Tolerances: 4 MC standard errors (ArviZ ``mcse`` of the log-HR
    quantile, or of the mean of the indicator log HR < 0), plus 0.005 for the interpolation
    between order statistics and the prior tilt (~5e-4)."""
    data = reference_data
    events = np.bincount(data.group_index, weights=data.event)
    exposure = np.bincount(data.group_index, weights=data.time)
    ratio = stats.betaprime(events[1], events[0], scale=exposure[0] / exposure[1])
    row = exponential_fit.hazard_ratios().iloc[0]
    assert (row["start"], row["end"]) == (0.0, np.inf)
    draws = exponential_fit.idata.posterior["log_hr"].isel(group=0, period=0).to_numpy()
    for column, q in (("median", 0.5), ("lower", 0.025), ("upper", 0.975)):
        tolerance = 4 * float(az.mcse(draws, method="quantile", prob=q)) + 0.005
        assert abs(np.log(row[column]) - np.log(ratio.ppf(q))) < tolerance
    tolerance = 4 * mcse_of_mean((draws < 0).astype(float)) + 0.005
    assert row["p_benefit"] == pytest.approx(ratio.cdf(1.0), abs=tolerance)


def test_rate_of_an_exponential_model_is_the_gamma_closed_form(exponential_fit, reference_data):
    """The control arm's posterior mean rate is D0 / E0 (Gamma(D0, E0), flat prior on the
    log rate); tolerance 4 MC standard errors of the mean plus the prior tilt (0.1%)."""
    data = reference_data
    control = data.group_index == 0
    rate = np.exp(exponential_fit.idata.posterior["log_baseline"].isel(piece=0).to_numpy())
    expected = data.event[control].sum() / data.time[control].sum()
    tolerance = 4 * mcse_of_mean(rate) + 1e-3 * expected
    assert rate.mean() == pytest.approx(expected, abs=tolerance)


def test_cumulative_hazard_of_a_constant_hazard_is_linear():
    edges = np.array([0.0, 5.0, 10.0])
    lh = np.full((3, 3, 2), np.log(0.2))
    cum = cumulative_hazard(edges, lh, np.array([0.0, 2.5, 7.0, 12.0]))
    np.testing.assert_allclose(cum[1, :, 0], 0.2 * np.array([0.0, 2.5, 7.0, 12.0]))


def test_weighted_quantiles_match_unweighted_with_equal_weights():
    values = np.random.default_rng(0).normal(size=1001)
    got = weighted_quantiles(values, np.ones_like(values), [0.5])
    assert got[0] == np.median(values)


def test_low_ess_warns_with_parameter_and_advice(reference_like_data):
    with pytest.warns(bs.ConvergenceWarning, match=r"bulk ESS below 400 .* lowest "
                                                   r"log_\w+\[.*increase draws="):
        bs.PiecewiseExponential(cuts=[13]).fit(reference_like_data, draws=50, tune=50,
                                               chains=2, random_seed=1, progressbar=False)


def test_diagnostics_table(changepoint_fit):
    diagnostics = changepoint_fit.diagnostics(warn=False)
    assert set(diagnostics.table.columns) == {"parameter", "r_hat", "ess_bulk", "ess_tail",
                                              "ok"}
    assert "log_hr[treated, before]" in diagnostics.table["parameter"].tolist()
    assert diagnostics.divergences == int(changepoint_fit.idata.sample_stats["diverging"].sum())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"draws": 0}, "draws must be an integer >= 1"),
        ({"chains": 1.5}, "chains must be an integer >= 1"),
        ({"sampler": "stan"}, "sampler must be one of"),
        ({"target_accept": 1.2}, "target_accept must be a number strictly between 0 and 1"),
    ],
)
def test_bad_sampler_arguments(reference_like_data, kwargs, message):
    with pytest.raises(bs.BayesurvInputError, match=message):
        bs.PiecewiseExponential(cuts=[13]).fit(reference_like_data, progressbar=False,
                                               **kwargs)


def test_fit_rejects_what_is_not_survival_data():
    with pytest.raises(bs.DataError, match=r"expected a bayesurv\.SurvivalData"):
        bs.PiecewiseExponential().fit(pd.DataFrame({"time": [1.0]}))


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["pymc", "nutpie"])
def test_other_samplers_agree_with_the_default(sampler, reference_like_data, piecewise_fit,
                                               seed):
    """PyMC's own NUTS (and nutpie, the `fast` extra, when installed) on the same model give
    the default JAX sampler's posterior up to Monte Carlo error.

    600 draws each: the MC standard error of a posterior median is ~1.25 sd / sqrt(ESS) ~
    0.06 sd, so two independent samplers agree within 0.3 posterior sd.
    """
    if sampler == "nutpie":
        pytest.importorskip("nutpie")
    assert piecewise_fit.sampler_settings["sampler"] == "jax"
    fit = bs.PiecewiseExponential(cuts=[13]).fit(reference_like_data, draws=300, tune=300,
                                                 chains=2, random_seed=seed, sampler=sampler,
                                                 progressbar=False)
    assert fit.sampler_settings["sampler"] == sampler
    a = fit.idata.posterior["log_hr"].to_numpy().reshape(-1, 2)
    b = piecewise_fit.idata.posterior["log_hr"].to_numpy().reshape(-1, 2)
    sd = b.std(axis=0)
    np.testing.assert_array_less(np.abs(np.median(a, axis=0) - np.median(b, axis=0)), 0.3 * sd)


def test_saving_over_the_file_a_fit_was_loaded_from(changepoint_fit, tmp_path):
    """A loaded fit lives in memory: it can be saved over its own file, and it still answers
    when the file is gone."""
    path = tmp_path / "fit.nc"
    changepoint_fit.to_netcdf(path)
    loaded = bs.Fit.from_netcdf(path)
    loaded.to_netcdf(path)  # was an HDF5 "file is already open" error with lazy loading
    path.write_bytes(b"")  # the loaded fit must not read the file again
    pd.testing.assert_frame_equal(loaded.hazard_ratios(), changepoint_fit.hazard_ratios())
    pd.testing.assert_frame_equal(loaded.changepoint(), changepoint_fit.changepoint())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.nc"]


def test_a_failed_save_leaves_the_previous_file_as_it_was(piecewise_fit, changepoint_fit,
                                                          tmp_path, monkeypatch):
    path = tmp_path / "fit.nc"
    piecewise_fit.to_netcdf(path)
    before = path.read_bytes()

    def fail(self, filename, *args, **kwargs):
        with open(filename, "wb") as handle:  # a partial file, then the failure
            handle.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(az.InferenceData, "to_netcdf", fail)
    with pytest.raises(KeyboardInterrupt):
        changepoint_fit.to_netcdf(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.nc"]


def test_too_few_draws_are_not_assessable_never_a_pass(reference_like_data):
    """Two draws per chain: R-hat and ESS cannot be computed (NaN), so the diagnostics must
    not pass, and say why."""
    tiny = bs.PiecewiseExponential(cuts=[13]).fit(reference_like_data, draws=2, tune=50,
                                                  chains=2, random_seed=1, progressbar=False)
    d = tiny.diagnostics(warn=False)
    assert not d.ok and not d.table["ok"].any()
    assert any("not assessable" in p for p in d.problems)


@pytest.mark.parametrize(("call", "message"), [
    (lambda f: f.window_hazard_ratios([(13, 0)]), r"window \(13, 0\) must have 0 <= start < end"),
    (lambda f: f.window_hazard_ratios([(-1, 5)]), "must have 0 <= start < end"),
    (lambda f: f.window_hazard_ratios([(90, 120)]), "starts after the longest follow-up"),
    (lambda f: f.window_hazard_ratios([13]), r"must be \(start, end\) pairs"),
    (lambda f: f.hazard_ratios(mass=2), "mass"),
    (lambda f: f.survival([12], mass=95), "mass"),
    (lambda f: f.hazard_ratio_curve([12], mass=0), "mass"),
    (lambda f: f.changepoint_summary(mass=True), "mass"),
])
def test_bad_windows_and_masses_are_refused(changepoint_fit, call, message):
    """Each of these returned numbers or a raw NumPy error before."""
    with pytest.raises(bs.BayesurvInputError, match=message):
        call(changepoint_fit)


@pytest.mark.parametrize("method", ["survival", "survival_draws", "survival_difference",
                                    "hazard_ratio_curve"])
def test_curves_refuse_negative_times_and_warn_past_follow_up(piecewise_fit, method):
    """A curve before time 0 is meaningless (it came out above 1); past the longest
    follow-up the last piece's hazard is carried forward, which the data do not inform."""
    call = getattr(piecewise_fit, method)
    with pytest.raises(bs.BayesurvInputError, match="non-negative"):
        call([-1.0, 3.0])
    past = piecewise_fit.max_time + 10
    with pytest.warns(bs.DataWarning, match=rf"time\(s\) {past:g} .* past the longest "
                                            r"follow-up .* carried forward"):
        call([3.0, past])
    with warnings.catch_warnings():
        warnings.simplefilter("error", bs.DataWarning)
        call([3.0, piecewise_fit.max_time])  # up to the end of follow-up: no warning
