"""Shared fixtures: simulated data sets, and fits drawn from the session's registry.

The ``fits`` registry (root ``conftest.py``) fits each model/data/settings combination once
per session; the fits below are read-only views into it.
"""

from __future__ import annotations

import numpy as np
import pytest

import bayesurv as bs

SEED = 20261121
# 2 chains x 300 draws: the tolerances of the tests using these fits are stated for 600 draws
SIM_SETTINGS = {"draws": 300, "tune": 300, "chains": 2, "random_seed": SEED,
                "progressbar": False}


@pytest.fixture(scope="session")
def reference_like_data():
    """A simulated trial shaped like the reference trial (about 110 per arm, ~45 events)."""
    df = bs.simulate_trial(n=(111, 108), baseline_rates=[0.0035], log_hr=(0.0, np.log(0.3)),
                           tau=13, censoring=(24, 85), seed=SEED)
    return bs.SurvivalData.from_frame(df, reference="control")


@pytest.fixture(scope="session")
def changepoint_fit(fits, reference_like_data):
    """A small change-point fit reused by the summary, save/load and comparison tests."""
    return fits.get(bs.ChangePoint(near=13), reference_like_data, **SIM_SETTINGS)


@pytest.fixture(scope="session")
def piecewise_fit(fits, reference_like_data):
    """A small fixed-cut fit on the same data."""
    return fits.get(bs.PiecewiseExponential(cuts=[13]), reference_like_data, **SIM_SETTINGS)


@pytest.fixture(scope="session")
def seed():
    """The seed the session fits were drawn with."""
    return SEED


# ----------------------------------------------------------------- a change-point reference
TINY_GRID = (4.0, 8.0, 12.0, 16.0, 20.0)
TINY_PRIOR = (0.3, 0.25, 0.2, 0.15, 0.1)
TINY_SETTINGS = {"draws": 500, "tune": 500, "chains": 2, "random_seed": 7, "progressbar": False}


def exact_changepoint_posterior(data, grid, prior, hr_sd=1.0, level_sd=2.0, step=0.01):
    """Posterior of tau and of both log HRs of a one-baseline-piece change-point model, by
    quadrature, written out from the likelihood (not from bayesurv's code).

    Parameters: log baseline ``u`` ~ N(log(D/E), level_sd) (the crude rate of all patients),
    log HRs ``b0`` (before tau) and ``b1`` (after) ~ N(0, hr_sd), tau ~ ``prior`` on ``grid``.
    Events at times <= tau fall before the change.  Given tau, with D/E the events and
    person-time of a cell::

        loglik = D0*u - E0*e^u + Db*(u + b0) - Eb*e^(u + b0) + Da*(u + b1) - Ea*e^(u + b1)

    and, given u, b0 and b1 are independent, so P(data | tau) is a 1-D integral over u of
    two 1-D integrals over b.  Riemann sums on a 0.01 grid (u within 3 of its centre, 15
    posterior sds; b within 7 prior sds) are exact to well below 1e-4 for these smooth
    integrands.
    """
    from scipy import special, stats

    t, d, g = data.time, data.event.astype(float), data.group_index
    centre = np.log(d.sum() / t.sum())
    u = centre + np.arange(-3.0, 3.0, step)
    b = np.arange(-7.0, 7.0, step) * hr_sd
    d0, e0 = d[g == 0].sum(), t[g == 0].sum()
    log_pu = stats.norm.logpdf(u, centre, level_sd) + d0 * u - e0 * np.exp(u)
    log_pb = stats.norm.logpdf(b, 0.0, hr_sd)
    x = u[:, None] + b[None, :]
    tt, dd = t[g == 1], d[g == 1]

    def cell(events, exposure):  # log of (prior x likelihood) of one treated cell, on (u, b)
        return log_pb[None, :] + events * x - exposure * np.exp(x)

    log_marginal, mean_b = [], []
    for tau in grid:
        before = cell(dd[tt <= tau].sum(), np.minimum(tt, tau).sum())
        after = cell(dd[tt > tau].sum(), np.clip(tt - tau, 0.0, None).sum())
        inner_before = special.logsumexp(before, axis=1)  # log integral over b0, per u
        inner_after = special.logsumexp(after, axis=1)
        log_marginal.append(special.logsumexp(log_pu + inner_before + inner_after))
        # posterior means of b0 and b1 given tau: weight each (u, b) by the rest
        means = []
        for own, other in ((before, inner_after), (after, inner_before)):
            w = np.exp(own + (log_pu + other)[:, None] - log_marginal[-1])
            means.append((w * b[None, :]).sum() / w.sum())
        mean_b.append(means)
    log_post = np.log(np.asarray(prior, dtype=float)) + np.array(log_marginal)
    probability = np.exp(log_post - special.logsumexp(log_post))
    return {"tau": np.asarray(grid, dtype=float), "probability": probability,
            "log_hr_mean": probability @ np.array(mean_b)}


@pytest.fixture(scope="session")
def tiny_changepoint(fits):
    """60 + 60 patients, HR 1 then 0.3 after 12 months, a 5-point grid with unequal prior
    weights and one baseline piece: a fit and its exact posterior
    (:func:`exact_changepoint_posterior`)."""
    df = bs.simulate_trial(n=(60, 60), baseline_rates=[0.04], log_hr=(0.0, np.log(0.3)),
                           tau=12, censoring=(18, 30), seed=12)
    data = bs.SurvivalData.from_frame(df, reference="control")
    model = bs.ChangePoint(grid=TINY_GRID, prior=TINY_PRIOR, baseline=1)
    fit = fits.get(model, data, **TINY_SETTINGS)
    exact = exact_changepoint_posterior(data, TINY_GRID, TINY_PRIOR)
    return {"data": data, "model": model, "fit": fit, "exact": exact,
            "prior": np.array(TINY_PRIOR)}


# ----------------------------------------------------------------- an exponential reference
def closed_form_exponential_survival(data, times, mass=0.95) -> dict:
    """Closed-form posterior survival of each arm of a constant-hazard (exponential) model
    with flat priors on the log rates: by Poisson-gamma conjugacy the rate of an arm with
    ``D`` events in person-time ``E`` is Gamma(D, rate E), so S(t) = exp(-rate t) has
    quantiles exp(-t * gamma quantile at 1 - q).  Returns {group: (median, lower, upper)}
    arrays over ``times``, computed from the patient rows."""
    from scipy import stats

    times = np.asarray(times, dtype=float)
    tail = (1 - mass) / 2
    out = {}
    for g, name in enumerate(data.groups):
        events = data.event[data.group_index == g].sum()
        exposure = data.time[data.group_index == g].sum()
        rate = stats.gamma(events, scale=1 / exposure)
        out[name] = tuple(np.exp(-times * rate.ppf(1 - q)) for q in (0.5, tail, 1 - tail))
    return out


@pytest.fixture(scope="session")
def gamma_survival():
    """:func:`closed_form_exponential_survival`, for the tests."""
    return closed_form_exponential_survival


@pytest.fixture(scope="session")
def exponential_fit(fits, reference_data, small_settings):
    """One constant hazard and one constant HR with vague priors (sd 10 on the log scale),
    fitted to the reference cohort; 2 x 1000 draws (cheap for two parameters) keep the MC
    error of its tail quantiles near a tenth of a posterior sd.

    The vague priors are flat up to a tilt of the log rates by ~(posterior sd / 10)^2, i.e.
    about 5e-4 here: the posterior is :func:`closed_form_exponential_survival`'s to within
    MC error."""
    model = bs.PiecewiseExponential(cuts=[], baseline=1, priors="vague")
    return fits.get(model, reference_data, **(small_settings | {"draws": 1000, "tune": 500}))
