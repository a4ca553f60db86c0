"""Doctest namespace: method examples share one small fit of each model kind.

Docstring examples of ``Fit`` methods and friends use ``data``, ``fit`` (a change-point fit)
and ``pw_fit`` (a fixed cut at 13 months) on the synthetic reference cohort, fitted once per
test session; class docstrings show how such objects are made.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def _doctest_objects():
    import bayesurv as bs

    data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    small = {"draws": 200, "tune": 200, "chains": 2, "random_seed": 1, "progressbar": False}
    return {
        "bs": bs,
        "np": np,
        "pd": pd,
        "data": data,
        "fit": bs.ChangePoint(near=13).fit(data, **small),
        "pw_fit": bs.PiecewiseExponential(cuts=[13]).fit(data, **small),
    }


@pytest.fixture(autouse=True)
def _add_doctest_objects(request, doctest_namespace):
    if request.node.__class__.__name__ == "DoctestItem":
        doctest_namespace.update(request.getfixturevalue("_doctest_objects"))
