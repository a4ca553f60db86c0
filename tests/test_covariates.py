"""Covariates: standardized in the model, compared with Cox models adjusted for the same.

Two fits of the synthetic reference cohort adjusted for MELD and age, one with MELD in
points and one in hundreds of points, share everything else (seed included).
"""

from __future__ import annotations

import numpy as np
import pytest

import bayesurv as bs
from bayesurv.runner.report_text import comparison_display

SETTINGS = {"draws": 500, "tune": 500, "chains": 2, "random_seed": 3}


def _fit(fits, meld_column: str):
    df = bs.datasets.shi2021("death").assign(meld_hundreds=lambda d: d["meld"] / 100)
    data = bs.SurvivalData.from_frame(df, reference="control", covariates=[meld_column, "age"])
    return data, fits.get(bs.PiecewiseExponential(cuts=[13]), data, **SETTINGS)


@pytest.fixture(scope="module")
def in_points(fits):
    return _fit(fits, "meld")


@pytest.fixture(scope="module")
def in_hundreds(fits):
    return _fit(fits, "meld_hundreds")


def test_a_change_of_unit_does_not_change_the_answer(in_points, in_hundreds):
    """MELD in hundreds of points has an SD of about 0.05: a Normal(0, 1) prior per unit
    would be a prior SD of 0.05 per SD of MELD and would shrink its HR per SD (posterior
    log HR about 0.25 +- 0.1) to about 0.05.  Per SD, the two fits see the same model up to
    floating-point rounding, which lets the two chains drift apart after a while: their
    medians differ by Monte Carlo error, about sqrt(2) x sd / sqrt(ESS ~ 300): 0.01 for the
    per-SD log HRs (sd 0.1), 0.03 for the treatment log HRs (sd 0.4); the tolerances are
    three of those, far below the 0.2 that the per-unit prior would shift MELD by."""
    (_, points), (_, hundreds) = in_points, in_hundreds
    a, b = points.covariate_effects(), hundreds.covariate_effects()
    per_sd = a["scale"] == "per SD"
    assert np.log(a.loc[per_sd, "median"]).to_numpy() == pytest.approx(
        np.log(b.loc[per_sd, "median"]).to_numpy(), abs=0.03)
    assert np.log(a.loc[per_sd, "median"].iloc[0]) > 0.1  # MELD's effect is not shrunk away
    # per unit: a hundred points is a hundred times the log HR of one point
    per_unit = ~per_sd & (a["covariate"] == "meld").to_numpy()
    log_point = np.log(a.loc[per_unit, "median"].iloc[0])
    log_hundred = np.log(b.loc[(b["covariate"] == "meld_hundreds") & ~per_sd, "median"].iloc[0])
    assert log_hundred == pytest.approx(100 * log_point, rel=0.05)
    treatment_a, treatment_b = points.hazard_ratios(), hundreds.hazard_ratios()
    assert np.log(treatment_a["median"]).to_numpy() == pytest.approx(
        np.log(treatment_b["median"]).to_numpy(), abs=0.09)


def test_covariate_effects_give_the_sd_of_the_data(in_points):
    _, fit = in_points
    table = fit.covariate_effects(mass=0.9)
    sds = table.drop_duplicates("covariate").set_index("covariate")["sd"]
    # the population SD of the cohort's MELD column, computed from the shipped rows
    meld = bs.datasets.shi2021("death")["meld"]
    assert sds["meld"] == pytest.approx(float(meld.std(ddof=0)), rel=1e-12)
    per_sd = table[table["scale"] == "per SD"].set_index("covariate")
    assert (per_sd["lower"] < per_sd["median"]).all() and (per_sd["median"] < per_sd["upper"]).all()
    with pytest.raises(bs.BayesurvInputError, match="mass"):
        fit.covariate_effects(mass=95)


def test_compare_uses_cox_models_adjusted_for_the_fits_covariates(in_points):
    """The landmark Cox HRs beside an adjusted posterior are adjusted for the same covariates.

    R (survival 3.x), on the shipped synthetic cohort ``d`` with ``arm`` releveled to control::

        early <- transform(d, t = pmin(death_time, 13), e = death * (death_time <= 13))
        exp(coef(coxph(Surv(t, e) ~ arm + meld + age, early)))                    # 0.9133000367
        exp(coef(coxph(Surv(death_time, death) ~ arm + meld + age,
                       subset(d, death_time > 13))))                              # 0.2351629299

    Both fits converge to R's maximum to about 1e-8 in the coefficient; 1e-6 relative allows
    for that.
    """
    data, fit = in_points
    table = bs.compare(fit, data, landmarks=[13])
    assert table["freq_hr"].to_numpy() == pytest.approx([0.9133000367, 0.2351629299], rel=1e-6)
    assert table["freq_adjusted_for"].tolist() == ["meld, age", "meld, age"]
    # unadjusted, the early window's HR is another number: the adjustment is not a no-op
    plain = bs.frequentist.landmark(data, at=[13])
    assert plain.loc[plain["term"] == "UC-MSC", "hr"].iloc[0] != pytest.approx(0.9133, rel=0.01)
    header = [c for c in comparison_display(table, "months").columns if "Cox HR" in c]
    assert header == ["landmark Cox HR adjusted for meld, age (95% CI)"]
    with pytest.raises(bs.DataError, match="adjusted for meld, age but the data have no"):
        bs.compare(fit, bs.SurvivalData.from_frame(bs.datasets.shi2021("death"),
                                                   reference="control"))
