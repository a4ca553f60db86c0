"""Argument checks: sampler settings and probability masses are checked once, in one place."""

from __future__ import annotations

import numpy as np
import pytest

from bayesurv.base.checks import check_mass, check_sampler_settings
from bayesurv.base.exceptions import BayesurvInputError, SpecError


def test_valid_settings_come_back_as_a_new_dict_of_plain_values():
    given = {"draws": np.int64(500), "tune": 0, "chains": 4, "random_seed": None,
             "cores": 2, "sampler": "nutpie", "target_accept": 1 / 2, "progressbar": False}
    checked = check_sampler_settings(given)
    assert checked == {"draws": 500, "tune": 0, "chains": 4, "random_seed": None, "cores": 2,
                       "sampler": "nutpie", "target_accept": 0.5, "progressbar": False}
    assert checked is not given
    assert type(checked["draws"]) is int and type(checked["target_accept"]) is float
    assert type(given["draws"]) is np.int64  # the caller's mapping is left alone


def test_target_accept_given_as_a_numpy_float_becomes_a_python_float():
    assert type(check_sampler_settings({"target_accept": np.float32(0.8)})["target_accept"]) \
        is float


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("draws", 0, "fit: draws must be an integer >= 1, got 0"),
        ("draws", 2.0, "fit: draws must be an integer >= 1, got 2.0"),
        ("draws", True, "fit: draws must be an integer >= 1, got True"),
        ("draws", "100", "fit: draws must be an integer >= 1, got '100'"),
        ("draws", 10**6 + 1, "fit: draws must be at most 1000000"),
        ("tune", -1, "fit: tune must be an integer >= 0, got -1"),
        ("tune", 10**7, "fit: tune must be at most 1000000"),
        ("chains", 0, "fit: chains must be an integer >= 1, got 0"),
        ("chains", 65, "fit: chains must be at most 64"),
        ("random_seed", -3, "fit: random_seed must be an integer >= 0 or None, got -3"),
        ("random_seed", False, "fit: random_seed must be an integer >= 0 or None, got False"),
        ("cores", 0, "fit: cores must be an integer >= 1 or None, got 0"),
        ("sampler", "stan", "fit: sampler must be one of 'jax', 'pymc', 'nutpie', got 'stan'"),
        ("target_accept", 1, "fit: target_accept must be a number strictly between 0 and 1"),
        ("target_accept", 0.0, "fit: target_accept must be a number strictly between 0 and 1"),
        ("target_accept", float("nan"), "strictly between 0 and 1, got nan"),
        ("target_accept", "0.9", "strictly between 0 and 1, got '0.9'"),
        ("progressbar", 1, "fit: progressbar must be True or False, got 1"),
    ],
)
def test_bad_settings_name_the_key_and_the_value(key, value, message):
    with pytest.raises(BayesurvInputError) as info:
        check_sampler_settings({key: value})
    assert message in str(info.value)


def test_unknown_keys_are_refused_and_listed():
    with pytest.raises(BayesurvInputError, match=r"unknown sampler setting 'seed'.*random_seed"):
        check_sampler_settings({"seed": 1})


def test_largest_accepted_values_pass():
    checked = check_sampler_settings({"draws": 10**6, "tune": 10**6, "chains": 64})
    assert checked == {"draws": 10**6, "tune": 10**6, "chains": 64}


def test_where_and_error_class_are_the_callers():
    with pytest.raises(SpecError, match=r"^run\.toml: chains must be"):
        check_sampler_settings({"chains": -1}, where="run.toml", error=SpecError)


def test_settings_must_be_a_mapping():
    with pytest.raises(BayesurvInputError, match="must be a mapping"):
        check_sampler_settings([("draws", 10)])


@pytest.mark.parametrize("mass", [0.5, 0.95, np.float64(0.8)])
def test_mass_accepts_numbers_between_0_and_1(mass):
    assert check_mass(mass, "summary") == pytest.approx(float(mass))
    assert type(check_mass(mass, "summary")) is float


@pytest.mark.parametrize("mass", [0, 1, 95, -0.1, float("nan"), True, "0.9", [0.9], None])
def test_mass_refuses_everything_else(mass):
    with pytest.raises(BayesurvInputError, match="summary: mass must be"):
        check_mass(mass, "summary")
