"""A model fitted to several reconstructions: the pooled posterior, its reconstruction share,
its diagnostics, the refusals, and the spec and command-line paths.

The pooled posterior must be the equal-weight mixture of the per-data-set posteriors.  The
checks compare it with *separately* fitted single fits (other seeds, other draws), so they
would fail if the pooling dropped, duplicated or mis-weighted a data set.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv.inference.pooled import MIN_DRAWS, MIN_TUNE, per_reconstruction
from bayesurv.runner.cli import main
from bayesurv.runner.report import run_analysis, write_report
from bayesurv.runner.report_text import summary_markdown
from bayesurv.runner.spec import Spec

# three trials of 110 + 110 patients that differ on purpose: HR after 13 months of 0.3, 0.5
# and 0.8, so the three posteriors of the late log HR sit ~0.5 posterior sd apart.  Seven
# baseline pieces and a cut at 13: the shapes of the session's fixed-cut fits, so the model
# compiled for them serves these fits too.
MODEL = bs.PiecewiseExponential(cuts=[13], baseline=[4, 7, 13, 20, 30, 45])
POOLED = {"draws": 600, "tune": 300, "chains": 2, "random_seed": 11, "progressbar": False}
SINGLE = {"draws": 500, "tune": 300, "chains": 2, "random_seed": 5, "progressbar": False}


@pytest.fixture(scope="module")
def trials():
    out = []
    for k, hr in enumerate((0.3, 0.5, 0.8)):
        df = bs.simulate_trial(n=(110, 110), baseline_rates=[0.02], log_hr=(0.0, np.log(hr)),
                               tau=13, censoring=(24, 60), seed=100 + k)
        out.append(bs.SurvivalData.from_frame(df, reference="control"))
    return out


@pytest.fixture(scope="module")
def pooled(fits, trials):
    return fits.get(MODEL, trials, **POOLED)


@pytest.fixture(scope="module")
def singles(fits, trials):
    return [fits.get(MODEL, data, **SINGLE) for data in trials]


def test_pooled_posterior_is_the_mixture_of_separate_fits(pooled, singles):
    """Mean and variance of each log HR = those of the equal-weight mixture of the three
    separately fitted posteriors (law of total variance: mean of the variances plus the
    variance of the means).

    Tolerances: each posterior mean has a Monte-Carlo error near sd / sqrt(ESS) with ESS
    ~ 3 x 300 for the pooled fit and ~ 3 x 250 for the mixture of singles, i.e. about 0.014
    and 0.015 for sd ~ 0.4; their difference has sd ~ 0.02, and 0.06 is three of those.
    The sample variance's relative error is about sqrt(2 / ESS) ~ 5% for each, 7% for the
    difference; 20% is three of those.  Pooling only the first data set would miss the
    mean of the late log HR by ~0.5 posterior sd (~0.2) and its variance by ~25%."""
    for g, p in np.ndindex(1, 2):
        draws = [s.idata.posterior["log_hr"].to_numpy()[:, :, g, p].ravel() for s in singles]
        means = np.array([d.mean() for d in draws])
        mixture_mean = means.mean()
        mixture_var = np.mean([d.var() for d in draws]) + means.var()
        values = pooled.idata.posterior["log_hr"].to_numpy()[:, :, g, p].ravel()
        assert values.mean() == pytest.approx(mixture_mean, abs=0.06)
        assert values.var() == pytest.approx(mixture_var, rel=0.20)


def test_pooled_fit_is_a_normal_fit_with_its_reconstructions(pooled):
    assert pooled.reconstructions == 3
    posterior = pooled.idata.posterior
    # per reconstruction: ceil(600 / 3) = 200 draws per chain, tune ceil(300 / 3) -> 200
    assert (posterior.sizes["chain"], posterior.sizes["draw"]) == (6, 200)
    assert posterior["reconstruction"].to_numpy().tolist() == [0, 0, 1, 1, 2, 2]
    assert pooled.sampler_settings["tune"] == 200
    assert pooled.sampler_settings["chains"] == 2  # per reconstruction
    record = json.loads(posterior.attrs["bayesurv_reconstructions"])
    assert record["count"] == 3 and record["n"] == [220, 220, 220]
    hr = pooled.hazard_ratios()
    assert hr["period"].tolist() == ["0-13", "13+"]
    assert "3 reconstructions" in hr.attrs["note"] and "3 reconstructions" in repr(pooled)


def test_reconstruction_share_matches_the_separate_fits(pooled, singles):
    """Share of the late log HR = variance of the three posterior means over the mixture
    variance, from the separate fits.  Between and total variances each carry the Monte-
    Carlo errors above (the between part ~ 0.02 on a share of ~0.5 for three means); 0.1
    covers both.  The early log HR has no designed difference (all three trials have HR 1
    before 13 months), so its share is smaller than the late one's."""
    share = pooled.reconstruction_share()
    assert share.columns.tolist() == ["period", "group", "share", "total_sd", "between_sd"]
    assert share["share"].between(0, 1).all()
    late = [s.idata.posterior["log_hr"].to_numpy()[:, :, 0, 1].ravel() for s in singles]
    means = np.array([d.mean() for d in late])
    expected = means.var() / (np.mean([d.var() for d in late]) + means.var())
    assert share["share"].iloc[1] == pytest.approx(expected, abs=0.1)
    assert share["share"].iloc[1] > 0.2


def test_identical_data_sets_have_a_share_near_zero(fits, trials):
    """Two copies of one data set: the posteriors differ by Monte-Carlo error only, which
    the share removes (its remainder is of order 1 / ESS per reconstruction, ~ 0.003)."""
    same = fits.get(MODEL, [trials[0]] * 2, **POOLED)
    share = same.reconstruction_share()["share"]
    assert (share >= 0).all() and (share < 0.02).all()


def test_diagnostics_are_within_each_reconstruction(pooled):
    """Chains of different reconstructions legitimately differ: R-hat across all six chains
    of the (deliberately different) trials is far above 1.01, within them it is not."""
    import arviz as az

    across = float(az.rhat(pooled.idata.posterior[["log_hr"]])["log_hr"].max())
    d = pooled.diagnostics(warn=False)
    assert across > 1.05
    assert d.max_r_hat < 1.02
    assert d.chains == 2  # per reconstruction
    summary = pooled.summary()
    assert summary.loc["log_hr[treated, 13+]", "r_hat"] < 1.02


@pytest.mark.slow  # NetCDF writing costs seconds
def test_pooled_fit_survives_a_round_trip(pooled, tmp_path):
    path = tmp_path / "pooled.nc"
    pooled.to_netcdf(path)
    again = bs.Fit.from_netcdf(path)
    assert again.reconstructions == 3
    pd.testing.assert_frame_equal(again.reconstruction_share(), pooled.reconstruction_share())


def as_reconstructed(fit):
    """A copy of ``fit`` whose data summary says its rows were reconstructed from digitized
    curves (as :func:`bayesurv.survival_data_from_digitized` marks them)."""
    idata = fit.idata.copy()
    summary = json.loads(idata.posterior.attrs["bayesurv_data"])
    summary["source"] = "reconstructed from digitized curves"
    idata.posterior.attrs["bayesurv_data"] = json.dumps(summary)
    return bs.Fit(idata)


def test_loo_is_refused_on_a_pooled_fit_and_warned_on_one_reconstruction(
        pooled, singles, changepoint_fit, piecewise_fit):
    with pytest.raises(bs.DataError, match="over-optimistic"):
        pooled.log_likelihood()
    with pytest.raises(bs.BayesurvInputError, match="pooled over 3 reconstructions"):
        bs.compare_models({"pooled": pooled, "single": singles[0]})
    fits = {"change-point": as_reconstructed(changepoint_fit),
            "cut": as_reconstructed(piecewise_fit)}
    with pytest.warns(bs.ReconstructionWarning, match="over-optimistic"):
        table = bs.compare_models(fits)
    assert len(table) == 2  # still computed, with the caveat


def test_single_fit_has_no_reconstruction_share(singles):
    assert singles[0].reconstructions is None
    with pytest.raises(bs.BayesurvInputError, match="single data set"):
        singles[0].reconstruction_share()


@pytest.mark.parametrize(("bad", "error", "match"), [
    ([], bs.BayesurvInputError, "the list of data sets is empty"),
    (["rows.csv"], bs.BayesurvInputError, "data set 0 of the list is a str"),
    ("other reference", bs.DataError, "data set 1 of the list has groups"),
    ("other unit", bs.DataError, "data set 1 of the list has time_unit 'weeks'"),
])
def test_bad_lists_are_refused_before_sampling(trials, bad, error, match):
    df = bs.simulate_trial(n=(20, 20), baseline_rates=[0.05], log_hr=(0.0, 0.0), seed=1)
    if bad == "other reference":
        bad = [trials[0], bs.SurvivalData.from_frame(df, reference="treated")]
    elif bad == "other unit":
        bad = [trials[0], bs.SurvivalData.from_frame(df, reference="control",
                                                     time_unit="weeks")]
    with pytest.raises(error, match=match):
        MODEL.fit(bad, draws=10, tune=10, chains=1, random_seed=1, progressbar=False)


def test_draws_per_reconstruction_rule():
    assert MIN_DRAWS == 200 and MIN_TUNE == 200
    assert per_reconstruction(1000, 20, MIN_DRAWS) == 200  # ceil(1000 / 20) = 50, floored
    assert per_reconstruction(1000, 3, MIN_DRAWS) == 334
    assert per_reconstruction(60, 20, MIN_DRAWS) == 60  # never more than asked


@pytest.fixture(scope="module")
def digitized_result():
    """The shipped digitized spec's data, pooled over 2 reconstructions, tiny sampler (7
    baseline pieces: the shapes of MODEL, compiled once)."""
    spec = Spec.from_dict({
        "title": "digitized, pooled", "data": {"source": "shi2021", "digitized": True,
                                               "reconstructions": 2},
        "model": {"type": "piecewise", "cuts": [13], "baseline": 7}, "sampler": {"seed": 4}})
    return run_analysis(spec, draws=100, tune=100, chains=2, progress=False,
                        log=lambda message: None)


def test_spec_on_digitized_curves_pools_and_says_so(digitized_result):
    result = digitized_result
    assert result.fit.reconstructions == 2 and result.sensitivities is None
    assert result.data.source == "reconstructed from digitized curves"  # the single one
    text = summary_markdown(result, figures={}, out=Path("report"))
    assert "## Reconstruction uncertainty" in text and "each of 2 plausible" in text
    assert "Leave-one-out model comparison is not offered" in text


@pytest.mark.slow
def test_report_of_a_pooled_fit_has_the_share_table(digitized_result, tmp_path):
    out = write_report(digitized_result, tmp_path / "report", log=lambda message: None)
    share = pd.read_csv(out / "tables" / "reconstruction_share.csv")
    assert share["period"].tolist() == ["0-13", "13+"] and share["share"].between(0, 1).all()


def test_reconstructions_default_and_one():
    from bayesurv.runner.spec_reconstructions import load_reconstructions, reconstruction_count

    assert reconstruction_count({"source": "shi2021", "digitized": True}) == 20
    assert reconstruction_count({"source": "shi2021"}) is None
    one = {"source": "shi2021", "digitized": True, "reconstructions": 1}
    assert load_reconstructions(one, None, "spec", seed=1) is None  # today's single fit


@pytest.mark.parametrize(("value", "match"), [(0, "whole number >= 1"),
                                              ("many", "whole number >= 1")])
def test_spec_refuses_a_bad_number_of_reconstructions(value, match):
    with pytest.raises(bs.SpecError, match=rf"data\.reconstructions.*{match}"):
        Spec.from_dict({"data": {"source": "shi2021", "digitized": True,
                                 "reconstructions": value},
                        "model": {"type": "piecewise"}})


def test_reconstructions_key_is_refused_for_patient_rows():
    with pytest.raises(bs.SpecError, match=r"data\.reconstructions"):
        Spec.from_dict({"data": {"source": "shi2021", "reconstructions": 3},
                        "model": {"type": "piecewise"}})


def test_cli_writes_k_reconstructions_in_one_file(tmp_path, capsys):
    folder = files("bayesurv.datasets") / "data"
    out = tmp_path / "draws.csv"
    with pytest.warns(bs.DataWarning, match="moved to make the curve non-increasing"):
        code = main(["reconstruct", str(folder / "shi2021_death_digitized_curves.csv"),
                     "--risk-table", str(folder / "shi2021_death_risk_table.csv"),
                     "--draws", "3", "--seed", "2", "-o", str(out)])
    assert code == 0
    frame = pd.read_csv(out)
    assert frame.columns.tolist() == ["reconstruction", "time", "event", "group"]
    assert frame.groupby("reconstruction").size().tolist() == [219, 219, 219]
    assert "(3 reconstructions)" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.tmp*"))  # written through a temporary sibling, renamed
