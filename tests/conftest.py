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
