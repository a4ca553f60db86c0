"""Fast tier of the change-point calibration study (``benchmarks/changepoint_calibration.py``).

Twenty trials are simulated from the very priors the fit uses and fitted with short chains;
if ``ChangePoint`` is coded correctly, posterior intervals cover the true values at their
nominal rate and the PIT values of tau are uniform.  The bounds below are chosen so that a
calibrated model fails each check with probability below 0.3% (binomial distribution, see
each test).  A gross error breaks them: simulating the treated arm with the HR inverted
(an orientation bug) gave 90% coverage of 6/20 and 5/20 with these seeds.  Twenty trials
cannot detect subtle errors (tau shifted by 6 months went unnoticed): that is the job of the
full study (``python benchmarks/changepoint_calibration.py``, 400 trials), whose functions
this test imports, so both run the same code.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "changepoint_calibration.py"
N_TRIALS = 20


def _load_study():
    name = "changepoint_calibration"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


study = _load_study()


@pytest.fixture(scope="module")
def results():
    # 2 chains x (200 + 200): enough draws for 90% intervals and PITs at this resolution
    setup = study.Setup(draws=200, tune=200)
    return study.run_trials(setup, N_TRIALS, processes=1, seed=study.SEED)


@pytest.mark.parametrize("name", ["log_hr_before", "log_hr_after"])
def test_log_hr_90_percent_coverage(results, name):
    # calibrated 90% intervals: hits ~ Binomial(20, 0.9), P(hits <= 12) = 0.0004
    assert results[f"{name}:in90"].sum() >= 13


@pytest.mark.parametrize("name", ["log_hr_before", "log_hr_after"])
def test_log_hr_50_percent_coverage(results, name):
    # catches intervals that are too wide as well as too narrow:
    # hits ~ Binomial(20, 0.5), P(hits <= 3 or hits >= 17) = 0.0026
    assert 4 <= results[f"{name}:in50"].sum() <= 16


def test_tau_pit_not_one_sided(results):
    # PIT ~ Uniform(0, 1): the count below 0.5 is Binomial(20, 0.5),
    # P(count <= 3 or count >= 17) = 0.0026
    below = (results["tau:pit"] < 0.5).sum()
    assert 4 <= below <= 16


def test_no_divergences(results):
    # the marginalized change-point likelihood is smooth in the sampled parameters
    assert results["divergences"].sum() == 0


def test_randomized_pit_closed_form():
    # posterior 0.2, 0.5, 0.3 on 1, 2, 3; truth 2, u = 0.5: 0.2 + 0.5 * 0.5
    pit = study.randomized_pit(np.array([1.0, 2.0, 3.0]), np.array([0.2, 0.5, 0.3]), 2.0, 0.5)
    assert pit == pytest.approx(0.45, abs=1e-12)


def test_simulated_parameters_follow_the_fit_priors():
    """The study draws its truths from the priors the fit uses (the premise of calibration).

    The last baseline piece is a random walk of 3 steps from the first: mean = centre,
    sd = sqrt(0.3^2 + 3 * 0.3^2) = 0.6.  With 4000 draws the sample mean has SE 0.0095 and the
    sample sd SE 0.0067; the tolerances are 4 SE.  tau is uniform on the 31 grid points.
    """
    setup = study.Setup()
    rng = np.random.default_rng(7)
    draws = [study.draw_parameters(setup, rng) for _ in range(4000)]
    last = np.array([d["log_baseline"][-1] for d in draws])
    assert last.mean() == pytest.approx(setup.baseline_centre, abs=0.04)
    assert last.std() == pytest.approx(0.6, abs=0.027)
    log_hr = np.array([d["log_hr"] for d in draws])
    assert log_hr.std(axis=0) == pytest.approx([1.0, 1.0], abs=0.045)  # SE 0.011
    tau = np.array([d["tau"] for d in draws])
    assert set(np.unique(tau)) == set(setup.grid)
    np.testing.assert_allclose(setup.tau_prior(), np.full(31, 1 / 31))
