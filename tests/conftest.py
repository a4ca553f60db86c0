"""Shared fixtures: simulated data sets and fits compiled once per test session."""

from __future__ import annotations

import numpy as np
import pytest

import bayesurv as bs

SEED = 20261121


@pytest.fixture(scope="session")
def reference_like_data():
    """A simulated trial shaped like the reference trial (about 110 per arm, ~45 events)."""
    df = bs.simulate_trial(n=(111, 108), baseline_rates=[0.0035], log_hr=(0.0, np.log(0.3)),
                           tau=13, censoring=(24, 85), seed=SEED)
    return bs.SurvivalData.from_frame(df, reference="control")


@pytest.fixture(scope="session")
def changepoint_fit(reference_like_data):
    """A small change-point fit reused by the summary, save/load and comparison tests."""
    model = bs.ChangePoint(near=13)
    return model.fit(reference_like_data, draws=300, tune=300, chains=2, random_seed=SEED,
                     progressbar=False)


@pytest.fixture(scope="session")
def piecewise_fit(reference_like_data):
    """A small fixed-cut fit on the same data."""
    model = bs.PiecewiseExponential(cuts=[13])
    return model.fit(reference_like_data, draws=300, tune=300, chains=2, random_seed=SEED,
                     progressbar=False)


@pytest.fixture(scope="session")
def seed():
    """The seed the session fits were drawn with."""
    return SEED
