"""One registry of fits per test session, shared by the tests and the docstring examples.

Compiling and sampling a PyMC model takes seconds, so every (model settings, data, sampler
settings) combination is fitted once per session: tests ask the ``fits`` fixture,
``fits.get(model, data, draws=..., ...)``, and get the cached :class:`bayesurv.Fit`.  A shared
fit is read-only: a test that needs to change its ``idata`` works on ``fit.idata.copy()``.
The registry checks that no fit changed under it (see :meth:`FitRegistry.verify`).

Docstring examples of ``Fit`` methods and friends use ``data``, ``fit`` (a change-point fit)
and ``pw_fit`` (a fixed cut at 13 months) on the synthetic reference cohort, drawn from the
same registry with the standard small settings (:data:`SMALL`).  Examples that call
``model.fit(...)`` themselves go through the registry too (they get a private copy of the
cached fit, so an example may change what it got); the first call of each combination
really fits.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json

import numpy as np
import pandas as pd
import pytest

# the standard small settings: "some fit of the reference data" uses these, so it is shared
SMALL = {"draws": 200, "tune": 200, "chains": 2, "random_seed": 1, "progressbar": False}
# sampler arguments that do not change the result
NOT_IN_KEY = ("progressbar",)


def data_fingerprint(data) -> str:
    """A hash of everything in a SurvivalData (or IllnessDeathData) that reaches a fit."""
    h = hashlib.sha256()
    if isinstance(data, list | tuple):  # data sets of a pooled fit
        h.update(" ".join(map(data_fingerprint, data)).encode())
        return h.hexdigest()
    if hasattr(data, "illness_time"):
        arrays = (data.illness_time, data.illness, data.death_time, data.death,
                  data.group_index)
        labels = (type(data).__name__, data.groups, data.time_unit)
    else:
        arrays = (data.time, data.event, data.group_index, data.covariates, data.entry)
        labels = (data.groups, data.covariate_names, data.time_unit, data.source)
    for array in arrays:
        h.update(np.ascontiguousarray(array).tobytes())
        h.update(repr((array.dtype.str, array.shape)).encode())
    h.update(repr(labels).encode())
    return h.hexdigest()


def idata_fingerprint(idata) -> str:
    """A hash of every group, variable, coordinate and attribute of an InferenceData."""
    h = hashlib.sha256()
    for group in idata.groups():
        dataset = idata[group]
        h.update(group.encode())
        h.update(json.dumps(dict(dataset.attrs), sort_keys=True, default=str).encode())
        for name in sorted(map(str, dataset.variables)):
            values = dataset[name].to_numpy()
            h.update(name.encode())
            h.update(repr((values.dtype.str, values.shape)).encode())
            h.update(np.ascontiguousarray(values).tobytes() if values.dtype != object
                     else repr(values.tolist()).encode())
    return h.hexdigest()


class FitRegistry:
    """Fits once per (model, data, sampler settings) and hands out the cached Fit."""

    def __init__(self):
        self._fits = {}  # key -> (fit, fingerprint of its idata)
        self.misses = 0
        self.hits = 0

    @staticmethod
    def key(model, data, **sampler_kwargs) -> tuple:
        """Model class and settings, data fingerprint and the (completed) sampler settings."""
        from bayesurv.model.kind import HazardModel

        bound = inspect.signature(HazardModel.fit).bind(model, data, **sampler_kwargs)
        bound.apply_defaults()
        sampler = {k: v for k, v in bound.arguments.items()
                   if k not in ("self", "data", *NOT_IN_KEY)}
        if sampler["random_seed"] is None:
            raise ValueError("fits.get needs an explicit random_seed: a fit with a random "
                             "seed cannot be shared")
        settings = json.dumps(model.settings(), sort_keys=True, default=str)
        return (type(model).__qualname__, repr(model), settings, data_fingerprint(data),
                json.dumps(sampler, sort_keys=True, default=str))

    def get(self, model, data, **sampler_kwargs):
        """The fit of ``model`` to ``data`` with these sampler settings (fitted on first use).

        Read-only: copy ``fit.idata`` before changing anything in it.
        """
        key = self.key(model, data, **sampler_kwargs)
        if key in self._fits:
            self.hits += 1
            self._check(key)
            return self._fits[key][0]
        self.misses += 1
        fit = _original_fit(model, data, **(sampler_kwargs | {"progressbar": False}))
        self._fits[key] = (fit, idata_fingerprint(fit.idata))
        return fit

    def small(self, model, data):
        """``get`` with the standard small settings (:data:`SMALL`)."""
        return self.get(model, data, **SMALL)

    def _check(self, key) -> None:
        fit, fingerprint = self._fits[key]
        if idata_fingerprint(fit.idata) != fingerprint:
            raise AssertionError(f"a shared fit was modified by a test ({key[1]}); tests must "
                                 "treat shared fits as read-only (copy fit.idata to change it)")

    def verify(self) -> None:
        """Fail if any shared fit changed since it was made."""
        for key in self._fits:
            self._check(key)

    def __len__(self) -> int:
        return len(self._fits)


def _original_fit(model, data, **kwargs):
    from bayesurv.model.kind import HazardModel

    return _UNPATCHED.get("fit", HazardModel.fit)(model, data, **kwargs)


_UNPATCHED = {}
_REGISTRY = FitRegistry()


@pytest.fixture(scope="session")
def fits():
    """The session's registry of fits: ``fits.get(model, data, **sampler_kwargs)``."""
    yield _REGISTRY
    _REGISTRY.verify()


@pytest.fixture(scope="session")
def small_settings():
    """The standard small sampler settings (:data:`SMALL`), as a fresh dict."""
    return dict(SMALL)


@pytest.fixture(scope="session")
def reference_data():
    """The synthetic cohort calibrated to the reference trial, deaths, control as reference."""
    import bayesurv as bs

    return bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")


@pytest.fixture(scope="session")
def _doctest_objects(fits, reference_data):
    import bayesurv as bs

    return {
        "bs": bs,
        "np": np,
        "pd": pd,
        "data": reference_data,
        # the reference data aggregated on a monthly grid (bayesurv.aggregate)
        "agg": bs.aggregate(bs.datasets.shi2021("death"), reference="control", grid=1.0),
        "fit": fits.small(bs.ChangePoint(near=13), reference_data),
        "pw_fit": fits.small(bs.PiecewiseExponential(cuts=[13]), reference_data),
    }


@pytest.fixture(autouse=True)
def _add_doctest_objects(request, doctest_namespace):
    if request.node.__class__.__name__ == "DoctestItem":
        doctest_namespace.update(request.getfixturevalue("_doctest_objects"))
        monkeypatch = request.getfixturevalue("monkeypatch")
        from bayesurv.model.kind import HazardModel

        original = _UNPATCHED.setdefault("fit", HazardModel.fit)

        @functools.wraps(original)
        def fit_from_registry(self, data, *args, **kwargs):
            """model.fit in a docstring example: the registry's fit, as a private copy."""
            bound = inspect.signature(original).bind(self, data, *args, **kwargs)
            arguments = {k: v for k, v in bound.arguments.items() if k not in ("self", "data")}
            if arguments.get("random_seed") is None:
                return original(self, data, *args, **kwargs)
            shared = _REGISTRY.get(self, data, **arguments)
            return type(shared)(shared.idata.copy())

        monkeypatch.setattr(HazardModel, "fit", fit_from_registry)
