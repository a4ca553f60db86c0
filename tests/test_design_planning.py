"""Tests of trial planning: posterior scenarios (assurance), accrual profiles, power curves and
the sample size on common random numbers, the ``[design]`` spec table and ``bayesurv design``.

Simulation tests state their Monte Carlo error next to the assertion.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import bayesurv as bs
from bayesurv.design.scenario import PosteriorScenario
from bayesurv.design.search import _check, _evaluate
from bayesurv.design.trials import draw_trials
from bayesurv.runner.cli import main
from bayesurv.runner.design_spec import DesignSpec
from bayesurv.runner.spec import Spec

ALPHA = 0.025
DELAYED = bs.design.Scenario(control_hazard=[0.05], hazard_ratio=[1.0, 0.5], hr_cuts=[6])


# ---------------------------------------------------------------- posterior scenarios


def test_assurance_of_a_posterior_without_spread_is_the_power_there():
    """400 posterior "draws" within 1e-6 (relative) of one scenario: each trial's patients are
    drawn before its posterior draw, so assurance and power are computed on the same patients
    and their hazards differ by 1e-6: the rates agree to far below the Monte Carlo se (0.022
    for 500 trials); we allow one se."""
    starts = np.array([0.0, 6.0])
    rng = np.random.default_rng(1)
    jitter = np.exp(1e-6 * rng.standard_normal((400, 2)))
    posterior = PosteriorScenario(starts, 0.05 * jitter, np.array([0.05, 0.025]) * jitter[::-1],
                                  time_unit="months")
    design = {"n": 200, "accrual": 12, "events": 100, "tests": ["logrank", "fh(0,1)"],
              "trials": 500, "random_seed": 3}
    assurance = bs.design.simulate(posterior, **design).power()
    power = bs.design.simulate(DELAYED, **design).power()
    assert list(assurance.columns[:2]) == ["test", "assurance"]
    assert list(power.columns[:2]) == ["test", "power"]
    se = power["mc_se"].to_numpy()
    assert np.all(np.abs(assurance["assurance"] - power["power"]) <= se)
    assert posterior.point().hazard_ratio == pytest.approx((1.0, 0.5), rel=1e-5)


def test_from_fit_draws_are_the_fit_hazards(fits, reference_data, small_settings):
    """The HR of each draw on a piece after 13 months is that draw's HR of the fit's "13+"
    period: the median over all draws equals the fit's median exactly (same draws)."""
    fit = fits.get(bs.PiecewiseExponential(cuts=[13]), reference_data, **small_settings)
    sc = bs.design.Scenario.from_fit(fit)
    assert sc.is_posterior and sc.draws == 400 and sc.time_unit == fit.time_unit
    after = sc.hazard_ratio_draws()[:, np.searchsorted(sc.starts, 13.0)]
    table = fit.hazard_ratios().set_index("period")
    assert np.median(after) == pytest.approx(table.loc["13+", "median"], rel=1e-9)
    assert np.mean(after < 1) == pytest.approx(table.loc["13+", "p_benefit"], abs=1e-12)
    kept = bs.design.Scenario.from_fit(fit, draws=50, random_seed=1)
    assert kept.draws == 50
    with pytest.raises(bs.DesignError, match="draws must be a whole number from 1 to"):
        bs.design.Scenario.from_fit(fit, draws=401)


def test_from_fit_refuses_covariates_and_illness_death(fits, reference_data, small_settings):
    fit = fits.get(bs.PiecewiseExponential(cuts=[13]), reference_data, **small_settings)
    idata = fit.idata.copy()
    constant = idata.constant_data  # a fake covariate: the check comes before any use
    constant = constant.drop_vars([v for v in constant.data_vars
                                   if "covariate" in constant[v].dims])
    idata.constant_data = constant.assign_coords(covariate=["meld"])
    with pytest.raises(bs.DesignError, match=r"covariates \(meld\)"):
        PosteriorScenario.from_fit(_with_idata(fit, idata))
    with pytest.raises(bs.DesignError, match="illness-death fit"):
        bs.design.Scenario.from_fit(object.__new__(bs.IllnessDeathFit))
    with pytest.raises(bs.DesignError, match="must be a bayesurv Fit"):
        bs.design.Scenario.from_fit("fit")


def _with_idata(fit, idata):
    other = object.__new__(type(fit))
    other.model, other.idata = fit.model, idata
    return other


# ---------------------------------------------------------------- accrual and dropout


def test_accrual_rate_profile_gives_the_expected_entry_times():
    """Rates 5 then 10 per month from month 6: 100 patients enter by 13 months, with mean
    entry (5 * 6^2 / 2 + 10 * (13^2 - 6^2) / 2) / 100 = 7.55.  The mean of 200 x 100 entry
    times has se 3.4 / sqrt(20000) = 0.024: allow 4 se (0.1).  Dropout 0 in the control arm
    means none there."""
    profile = bs.design.Accrual(rates=[5, 10], cuts=[6])
    assert profile.duration(100) == pytest.approx(13.0)
    entry, _, gone = draw_trials(bs.design.Scenario([0.05]), np.random.default_rng(2), 200, 50,
                                 50, profile, (0.0, 0.1))
    assert entry.max() <= 13.0 and entry.mean() == pytest.approx(7.55, abs=0.1)
    assert np.isinf(gone[:, :50]).all() and np.isfinite(gone[:, 50:]).all()
    # the mean dropout time of the treatment arm is 1 / 0.1 (se 10 / sqrt(10000) = 0.1)
    assert gone[:, 50:].mean() == pytest.approx(10.0, abs=0.4)
    with pytest.raises(bs.DesignError, match="one value per piece"):
        bs.design.Accrual(rates=[5, 10])
    with pytest.raises(bs.DesignError, match="dropout must be"):
        bs.design.simulate(DELAYED, n=20, accrual=6, events=5, dropout=[0.1, -1])


def test_results_do_not_depend_on_workers_or_progress(capsys):
    """Blocks draw from their own streams: 2 threads give the same trials as 1, and the
    progress line changes nothing but standard error."""
    design = {"n": 80, "accrual": 6, "follow_up": 6, "tests": ["logrank", "maxcombo"],
              "trials": 600, "random_seed": 4}
    one = bs.design.simulate(DELAYED, **design)
    two = bs.design.simulate(DELAYED, workers=2, progress=True, **design)
    assert "simulating: 600/600 trials (100%)" in capsys.readouterr().err
    for name in one.z:
        assert np.array_equal(one.z[name], two.z[name])
    curve = {"n": [40, 80], "accrual": 6, "follow_up": 6, "trials": 300, "random_seed": 4}
    assert bs.design.power_curve(DELAYED, **curve).equals(
        bs.design.power_curve(DELAYED, workers=2, **curve))


# ---------------------------------------------------------------- common random numbers


def test_designs_share_their_trials():
    """Trial i of a design is the same whatever other designs are evaluated with it, and an
    analysis at 40 events of n = 120 sees the first patients of the trial of n = 160."""
    design = _check(DELAYED, 6, 1.0, None, ["logrank"], ALPHA, 300, 5, "test")
    alone = _evaluate(design, [(120, 40, None)])[0]
    both = _evaluate(design, [(120, 40, None), (160, 40, None)])
    assert np.array_equal(alone.z["logrank"], both[0].z["logrank"])
    assert not np.array_equal(both[0].z["logrank"], both[1].z["logrank"])
    # with a fixed accrual duration the larger trial only adds patients: its analysis at
    # 40 events is never later than the smaller trial's
    assert np.all(both[1].analysis_time <= both[0].analysis_time)


def test_sample_size_matches_schoenfeld():
    """Log-rank under proportional hazards, HR 0.7, 1:1, one-sided 0.025, power 0.8:
    Schoenfeld (1983, Biometrics 39:499) needs D = 4 (z_0.975 + z_0.8)^2 / log(0.7)^2 = 246.8
    events.  The search's stated tolerance (2 Monte Carlo se of the power through the curve's
    slope, about 12 events with 1000 trials) bounds its error; allow twice that, which also
    covers the formula's own error (under 0.005 in power, about 2 events here)."""
    events = 4 * (stats.norm.isf(ALPHA) + stats.norm.isf(0.2)) ** 2 / np.log(0.7) ** 2
    sc = bs.design.Scenario(control_hazard=[0.04], hazard_ratio=0.7)
    found = bs.design.sample_size(sc, 0.8, n=400, accrual=12, events=(100, 400), trials=1000,
                                  random_seed=3)
    assert found.search == "events" and 5 < found.tolerance < 25
    assert abs(found.value - events) <= 2 * found.tolerance
    assert found.power >= 0.8
    lower = found.evaluations[found.evaluations["events"] < found.value]
    assert (lower["power"] < 0.8).all()  # the smallest value reaching the target
    assert "events give power" in found.describe()


def test_sample_size_reports_a_target_out_of_reach():
    sc = bs.design.Scenario(control_hazard=[0.05], hazard_ratio=0.9)
    found = bs.design.sample_size(sc, 0.9, n=(20, 60), accrual=6, follow_up=6, trials=100,
                                  random_seed=1)
    assert found.value is None and "does not reach 0.9" in found.describe()
    with pytest.raises(bs.DesignError, match="as a pair"):
        bs.design.sample_size(sc, 0.9, n=60, accrual=6, events=30)


def test_wrong_direction_and_wrong_sign_of_a_harmful_treatment():
    """HR 1.6: most trials favour control (wrong sign) and many significantly; no trial is
    significant for benefit."""
    harm = bs.design.Scenario([0.05], hazard_ratio=1.6)
    table = bs.design.power_curve(harm, n=[200], accrual=6, events=[100], trials=200,
                                  random_seed=2, tests=["logrank", "rmst(6)"])
    assert (table["power"] < 0.02).all()
    assert (table["wrong_sign"] > 0.9).all() and (table["wrong_direction"] > 0.3).all()
    assert table.attrs["measure"] == "power"


# ---------------------------------------------------------------- the [design] spec


BASE = {"control_hazard": [0.05], "hazard_ratio": [1.0, 0.5], "hr_cuts": [6], "n": [60, 120],
        "accrual": 6, "follow_up": [6], "tests": ["logrank", "fh(0,1)"], "trials": 40,
        "target": 0.8, "sample_size_range": [20, 400], "sample_size_test": "fh(0,1)"}


@pytest.mark.parametrize(("change", "message"), [
    ({"n": [60, 1.5]}, "design.n must be a list of whole numbers"),
    ({"scenario": "guess"}, "design.scenario = 'guess'"),
    ({"control_hazard": None}, "design.control_hazard is missing"),
    ({"hazard_ratio": [0.5, 0.5, 0.5]}, "design.scenario is not valid: .*hazard_ratio needs"),
    ({"follow_up": None}, "design.follow_up or design.events is needed"),
    ({"events": [500], "follow_up": None}, "design.events .* more events than"),
    ({"accrual": None}, "design.accrual or design.accrual_rates is needed"),
    ({"tests": ["wilcoxon"]}, "design.tests is not valid: .*unknown test"),
    ({"sample_size_test": "maxcombo"}, "design.sample_size_test = 'maxcombo' must be one of"),
    ({"sample_size_range": [400, 20]}, "design.sample_size_range must be \\[low, high\\]"),
    ({"dropout": "some"}, "design.dropout is not valid"),
    ({"alpha": 0.5}, "design.alpha must be a number in"),
    ({"trials": 0}, "design.trials must be a whole number >= 1"),
    ({"posterior_draws": 10}, "posterior_draws applies to scenario = 'posterior' only"),
    ({"budget": 3}, "design.budget is not a design key"),
])
def test_design_spec_errors_name_the_key(change, message):
    table = {k: v for k, v in (BASE | change).items() if v is not None}
    with pytest.raises(bs.SpecError, match=message) as caught:
        DesignSpec.from_dict({"design": table})
    assert isinstance(caught.value, ValueError)


def test_posterior_design_spec_needs_the_analysis_tables():
    with pytest.raises(bs.SpecError, match=r"the \[data\] table is missing"):
        DesignSpec.from_dict({"design": {"scenario": "posterior", "n": [100], "accrual": 6,
                                         "follow_up": [6]}})
    with pytest.raises(bs.SpecError, match="does not apply to scenario = 'posterior'"):
        DesignSpec.from_dict({"data": {"source": "shi2021"}, "model": {"type": "piecewise"},
                              "design": {"scenario": "posterior", "n": [100], "accrual": 6,
                                         "follow_up": [6], "hazard_ratio": 0.5}})
    # an analysis spec with a [design] table still runs with `bayesurv run`
    Spec.from_dict({"data": {"source": "shi2021"}, "model": {"type": "piecewise"},
                    "design": {"n": [100]}})


def test_cli_design_writes_the_report_folder(tmp_path, capsys):
    spec = tmp_path / "plan.toml"
    spec.write_text("title = 'tiny plan'\n[design]\n" + "\n".join(
        f"{k} = {v!r}".replace("'", '"') for k, v in BASE.items()) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["design", str(spec), "--out", str(out), "--quiet", "--trials", "30"]) == 0
    folder = out / "plan"
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == [
        "power.csv", "power_curve.png", "sample_size.csv", "summary.md"]
    text = (folder / "summary.md").read_text(encoding="utf-8")
    assert "# tiny plan" in text and "fh(0,1):" in text and "30 simulated trials" in text
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left
    assert "report in" in capsys.readouterr().out
    spec.write_text("[design]\nn = [10]\n", encoding="utf-8")
    assert main(["design", str(spec), "--out", str(out)]) == 2
    assert "design.control_hazard is missing" in capsys.readouterr().err
