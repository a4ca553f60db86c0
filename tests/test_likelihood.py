"""The models' log-likelihoods against a brute-force patient-level computation.

The change-point model marginalizes tau with cumulative sums over the fine grid; here the
same quantity is computed the slow way: for each grid point, integrate every patient's
hazard piece by piece, then log-sum-exp over the grid with the prior weights.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp

import bayesurv as bs
from bayesurv.model import likelihood as lik
from bayesurv.model.graph import log_hazards


def small_data(covariates: bool, seed: int = 3) -> bs.SurvivalData:
    rng = np.random.default_rng(seed)
    n = 60
    df = pd.DataFrame({
        "time": np.round(rng.exponential(15, n), 1) + 0.1,
        "event": rng.integers(0, 2, n),
        "arm": rng.choice(["control", "a", "b"], n),
        "x1": rng.normal(size=n),
        "x2": rng.choice(["lo", "hi"], n),
    })
    df.loc[:2, "time"] = [5.0, 10.0, 20.0]  # ties exactly on grid points
    df.loc[:2, "event"] = 1
    # every arm has events before the first and after the last grid point used here, so no
    # candidate is dropped as uninformative
    df.loc[3:8, "time"] = [1.0, 2.0, 3.0, 25.0, 26.0, 27.0]
    df.loc[3:8, "event"] = 1
    df.loc[3:8, "arm"] = ["control", "a", "b"] * 2
    return bs.SurvivalData.from_frame(df, reference="control",
                                      covariates=["x1", "x2"] if covariates else None)


def brute_force_loglik(data, x, baseline_edges, log_baseline, log_hr_of, xb_coef):
    """Sum over patients of d*log h(t) - H(t), integrating h piece by piece.

    ``log_hr_of(g, t)`` is the treatment log HR of group g at time t (0 for the reference).
    """
    total = 0.0
    breaks_all = np.unique(np.r_[baseline_edges, np.arange(0.0, 200.0, 0.5)])
    for i in range(data.n):
        t, g = data.time[i], data.group_index[i]
        xb = x[i] @ xb_coef

        def log_h(s, g=g, xb=xb):
            piece = max(np.searchsorted(baseline_edges, s, side="left") - 1, 0)
            return log_baseline[piece] + log_hr_of(g, s) + xb

        cum = 0.0
        points = np.r_[breaks_all[breaks_all < t], t]
        for a, b in itertools.pairwise(points):
            cum += (b - a) * np.exp(log_h(0.5 * (a + b)))
        total += data.event[i] * log_h(t) - cum
    return total


def model_potential(model, data, point):
    design = model.arrays(data)
    pm_model = model.build_model(design)
    expression = pm_model.logp(vars=pm_model.potentials, jacobian=False)
    fn = pm_model.compile_fn(expression, point_fn=True)
    return float(fn(point)), design


@pytest.mark.parametrize("covariates", [False, True])
def test_changepoint_marginal_loglik_equals_brute_force(covariates):
    data = small_data(covariates)
    grid = np.array([5.0, 7.5, 10.0, 15.0, 20.0])
    weights = np.array([0.1, 0.3, 0.2, 0.25, 0.15])
    model = bs.ChangePoint(grid=grid, prior=weights, baseline=[4.0, 12.0])
    rng = np.random.default_rng(0)
    log_baseline = rng.normal(-3, 0.3, 3)
    log_hr = rng.normal(0, 0.5, (2, 2))
    beta = rng.normal(0, 0.3, len(data.covariate_names))
    point = {"log_baseline": log_baseline, "log_hr": log_hr}
    if covariates:
        point["beta"] = beta
    value, design = model_potential(model, data, point)

    per_tau = []
    for tau in grid:
        def log_hr_of(g, s, tau=tau):
            return 0.0 if g == 0 else log_hr[g - 1, 0 if s <= tau else 1]
        per_tau.append(brute_force_loglik(data, design.covariates, design.baseline_edges,
                                          log_baseline, log_hr_of, beta))
    expected = logsumexp(np.log(weights) + np.array(per_tau))
    assert value == pytest.approx(expected, rel=0, abs=1e-8)


@pytest.mark.parametrize("covariates", [False, True])
def test_piecewise_loglik_equals_brute_force(covariates):
    data = small_data(covariates, seed=5)
    cuts = [6.0, 18.0]
    model = bs.PiecewiseExponential(cuts=cuts, baseline=[3.0, 12.0, 30.0])
    rng = np.random.default_rng(1)
    log_baseline = rng.normal(-3, 0.3, 4)
    log_hr = rng.normal(0, 0.5, (2, 3))
    beta = rng.normal(0, 0.3, len(data.covariate_names))
    point = {"log_baseline": log_baseline, "log_hr": log_hr}
    if covariates:
        point["beta"] = beta
    value, design = model_potential(model, data, point)

    def log_hr_of(g, s):
        period = max(np.searchsorted([0.0, *cuts], s, side="left") - 1, 0)
        return 0.0 if g == 0 else log_hr[g - 1, period]

    expected = brute_force_loglik(data, design.covariates, design.baseline_edges,
                                  log_baseline, log_hr_of, beta)
    assert value == pytest.approx(expected, rel=0, abs=1e-8)


def test_patient_and_aggregated_forms_agree():
    data = small_data(False, seed=9)
    design = bs.PiecewiseExponential(cuts=[10]).arrays(data)
    rng = np.random.default_rng(2)
    lh = rng.normal(-3, 0.5, (design.fine_edges.size, 3))
    p = design.patients
    per_patient = lik.patient_loglik(np, p.piece, p.offset, p.event, p.group, design.widths,
                                     lh, 0.0)
    aggregated = lik.aggregated_loglik(np, design.table.events, design.table.exposure, lh)
    assert per_patient.sum() == pytest.approx(aggregated, abs=1e-9)


def test_changepoint_patient_and_aggregated_forms_agree():
    data = small_data(False, seed=11)
    design = bs.ChangePoint(grid=[5, 10, 15]).arrays(data)
    rng = np.random.default_rng(4)
    before = rng.normal(-3, 0.5, (design.fine_edges.size, 3))
    after = before + rng.normal(0, 0.5, (1, 3))
    after[:, 0] = before[:, 0]
    tau_index = design["tau_index"]
    p = design.patients
    per_patient = lik.changepoint_patient_loglik(np, p.piece, p.offset, p.event, p.group,
                                                 design.widths, before, after, 0.0, tau_index)
    aggregated = lik.changepoint_aggregated_loglik(np, design.table.events,
                                                   design.table.exposure, before, after,
                                                   tau_index)
    np.testing.assert_allclose(per_patient.sum(axis=0), aggregated, atol=1e-9)


def test_changepoint_totals_equal_the_per_patient_matrix():
    """The O(N) per-piece form used in the model equals the (patients x candidates) form."""
    data = small_data(True, seed=13)
    design = bs.ChangePoint(grid=[5, 10, 15, 20]).arrays(data)
    rng = np.random.default_rng(4)
    before = rng.normal(-3, 0.5, (design.fine_edges.size, 3))
    after = before + rng.normal(0, 0.5, (1, 3))
    after[:, 0] = before[:, 0]
    xb = design.covariates @ rng.normal(0, 0.3, design.covariates.shape[1])
    p, tau_index = design.patients, design["tau_index"]
    args = (np, p.piece, p.offset, p.event, p.group, design.widths, before, after, xb, tau_index)
    np.testing.assert_allclose(lik.changepoint_patient_totals(*args),
                               lik.changepoint_patient_loglik(*args).sum(axis=0), atol=1e-9)


@pytest.mark.parametrize("which", ["piecewise_fit", "changepoint_fit"])
def test_numpy_loglik_on_posterior_draws_equals_the_pymc_graph(which, request,
                                                                reference_like_data):
    """The kind's one log-hazard function, evaluated in NumPy on posterior draws, gives the
    log-likelihood PyMC's graph gives at the same draws, and the change-point probabilities
    PyMC recorded during sampling: the summaries cannot drift from the fitted likelihood."""
    fit = request.getfixturevalue(which)
    model = fit.model  # rebuilt from the settings stored in the fit
    arrays = model.arrays(reference_like_data)
    values = model.graph_values(arrays)
    pm_model = model.build_model(arrays)
    potential = pm_model.compile_fn(pm_model.logp(vars=pm_model.potentials, jacobian=False),
                                    point_fn=True)
    posterior = fit.idata.posterior
    for chain, draw in ((0, 0), (1, 123), (0, 299)):
        log_baseline = posterior["log_baseline"].to_numpy()[chain, draw]
        log_hr = posterior["log_hr"].to_numpy()[chain, draw]
        lh = log_hazards(np, log_baseline, model.effects(np, log_hr, values),
                         values["baseline_map"])
        joint = model.state_loglik(np, lh, 0.0, values) + model.state_log_prior(values)
        expected = potential({"log_baseline": log_baseline, "log_hr": log_hr})
        # same terms, NumPy vs PyTensor summation: agreement to floating-point rounding
        assert logsumexp(joint) == pytest.approx(expected, rel=1e-12, abs=1e-9)
        if model.state_name is not None:
            recorded = posterior[f"{model.state_name}_probability"].to_numpy()[chain, draw]
            np.testing.assert_allclose(np.exp(joint - logsumexp(joint)), recorded, atol=1e-12)


@pytest.mark.parametrize("covariates", [False, True])
@pytest.mark.parametrize("kind", ["piecewise", "changepoint"])
def test_compiled_once_log_density_equals_pymc(kind, covariates):
    """The JAX function of (parameters, data) that the default sampler runs, on data padded to
    its repeatable shapes, gives PyMC's log density of the unpadded model: padding adds
    nothing and the data really are arguments (a second data set through the same compiled
    function gives that data set's PyMC log density)."""
    from bayesurv.inference import jax_nuts

    model = (bs.PiecewiseExponential(cuts=[8.0], baseline=[4.0, 12.0]) if kind == "piecewise"
             else bs.ChangePoint(grid=[5.0, 7.5, 10.0, 15.0], baseline=[4.0, 12.0]))
    rng = np.random.default_rng(3)
    compiled = None
    for seed in (11, 12):
        data = small_data(covariates, seed=seed)
        arrays = model.arrays(data)
        dims = model.graph_dims(arrays)
        values = jax_nuts.padded_values(model.graph_values(arrays), dims)
        this = jax_nuts.compiled_model(model, arrays, values)
        compiled = compiled or this
        assert this is compiled  # same shapes after padding: compiled once
        logp = model.build_model(arrays).compile_logp()
        for _ in range(3):
            point = {"log_baseline": rng.normal(-3, 0.3, 3),
                     "log_hr": rng.normal(0, 0.5, compiled.shapes["log_hr"])}
            if covariates:
                point["beta"] = rng.normal(0, 0.3, len(data.covariate_names))
            data_args = tuple(values[name] for name in compiled.data_names)
            # same terms summed by XLA and by PyTensor's C backend: agreement to rounding
            assert float(compiled.log_density(point, data_args)) == pytest.approx(
                float(logp(point)), rel=1e-10)
