"""What a saved illness-death fit must hold, checked when it is loaded.

An illness-death fit file is written like any bayesurv fit
(:func:`bayesurv.inference.fit_io.write_fit_file`: atomically, with a SHA-256 digest of its
content) and holds, per transition ``<key>``, the draws ``log_baseline_<key>`` and
``log_hr_<key>`` and the arrays of :meth:`~bayesurv.model.transitions.IllnessDeathArrays.
constant_data`.  :func:`check_illness_death_fit` refuses anything else with a
:class:`~bayesurv.FitFileError`; messages name variables and attributes, never their values.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bayesurv.base.exceptions import FitFileError
from bayesurv.base.vocabulary import interval_labels
from bayesurv.data.exposure import piece_of_edges
from bayesurv.inference.fit_file import (
    ATTR_PREFIX,
    bayesurv_attrs,
    check_digest,
    check_sampler_attrs,
    json_attr,
    numeric_array,
)
from bayesurv.model.illness_death import IllnessDeath
from bayesurv.model.transitions import transition_name, transition_values

__all__ = ["check_illness_death_fit"]

REQUIRED_ATTRS = ("version", "model", "data", "sampler")
# each transition's arrays (its kind's own arrays come on top)
TRANSITION_ARRAYS = ("fine_edges", "baseline_edges", "baseline_map", "events", "exposure")


def _fail(problem: str):
    raise FitFileError(f"this bayesurv illness-death fit is damaged or inconsistent: {problem}")


def check_illness_death_fit(idata) -> IllnessDeath:
    """Everything a loaded illness-death fit must satisfy; return its model.

    Examples
    --------
    >>> import bayesurv as bs
    >>> from bayesurv.inference.illness_death_fit import _cohort
    >>> idfit = bs.IllnessDeath().fit(_cohort(), draws=200, tune=200, chains=2,
    ...                               random_seed=1, progressbar=False)
    >>> check_illness_death_fit(idfit.idata).kind
    'illness_death'
    >>> damaged = idfit.idata.copy()
    >>> del damaged.posterior["log_hr_death"]
    >>> check_illness_death_fit(damaged)
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.FitFileError: this bayesurv illness-death fit is damaged or ...
    """
    attrs = bayesurv_attrs(idata)
    missing = [f"attribute {ATTR_PREFIX}{a}" for a in REQUIRED_ATTRS
               if ATTR_PREFIX + a not in attrs]
    if missing:
        _fail(f"missing {', '.join(missing)}")
    settings, summary, sampler = (json_attr(attrs, key) for key in ("model", "data", "sampler"))
    if not isinstance(settings, Mapping) or settings.get("kind") != IllnessDeath.kind:
        raise FitFileError(f"this bayesurv fit is not an illness-death fit (attribute "
                           f"{ATTR_PREFIX}model names another kind); load it with bs.Fit")
    try:
        model = IllnessDeath.from_settings(settings)
    except Exception as exc:  # settings of any shape: whatever a constructor raises
        _fail(f"attribute {ATTR_PREFIX}model does not describe a model ({type(exc).__name__})")
    check_sampler_attrs(idata, sampler)
    _check_transitions(idata, model, summary)
    check_digest(idata)
    return model


def _check_transitions(idata, model: IllnessDeath, summary) -> None:
    posterior, constant = idata.posterior, idata.constant_data
    if not isinstance(summary, Mapping) or not isinstance(summary.get("events"), Mapping) \
            or not isinstance(summary.get("groups"), list):
        _fail(f"attribute {ATTR_PREFIX}data lacks the events per transition or the groups")
    groups = [str(g) for g in np.asarray(constant["arm"].values).ravel()] \
        if "arm" in constant.coords else []
    if len(groups) < 2 or summary["groups"] != groups:
        _fail(f"attribute {ATTR_PREFIX}data: the groups do not match constant_data")
    expected = set()
    for key, kind in model.transitions.items():
        names = [transition_name(n, key) for n in (*TRANSITION_ARRAYS, *kind.kind_array_names)]
        missing = [f"constant_data.{n}" for n in names if n not in constant]
        if missing:
            _fail(f"missing {', '.join(missing)}")
        values = transition_values(constant, key)
        for name in (*TRANSITION_ARRAYS, *kind.kind_array_names):
            where = f"constant_data.{transition_name(name, key)}"
            values[name] = numeric_array(values[name], where)
        fine, base = values["fine_edges"], values["baseline_edges"]
        if (fine.size == 0 or fine[0] != 0 or (np.diff(fine) <= 0).any() or base.size == 0
                or not np.isin(base, fine).all()
                or not np.array_equal(values["baseline_map"], piece_of_edges(base, fine))):
            _fail(f"the fine and baseline edges of transition {key!r} do not agree")
        if (values["events"] < 0).any() or (values["exposure"] < 0).any():
            _fail(f"the exposure table of transition {key!r} has negative values")
        if round(float(values["events"].sum())) != summary["events"].get(key):
            _fail(f"attribute {ATTR_PREFIX}data: the events of transition {key!r} do not "
                  "match constant_data")
        periods = [label for label, _, _ in kind.period_rows(values)]
        dims = {transition_name("log_baseline", key): (transition_name("piece", key),),
                transition_name("log_hr", key): ("group", transition_name("period", key))}
        for name, own in dims.items():
            expected.add(name)
            if name not in posterior or posterior[name].dims != ("chain", "draw", *own):
                _fail(f"posterior.{name} is missing or has the wrong dimensions")
            numeric_array(posterior[name].values, f"posterior.{name}")
        if model.covariates[key]:  # its own coefficients, on the covariates of its arrays
            name, dim = transition_name("beta", key), transition_name("covariate", key)
            expected.add(name)
            if name not in posterior or posterior[name].dims != ("chain", "draw", dim):
                _fail(f"posterior.{name} is missing or has the wrong dimensions")
            numeric_array(posterior[name].values, f"posterior.{name}")
            if dim not in constant.coords or [str(v) for v in posterior[dim].values] != [
                    str(v) for v in constant[dim].values]:
                _fail(f"the {dim} labels of the posterior do not match constant_data")
        labels = {transition_name("piece", key): interval_labels(base),
                  transition_name("period", key): periods, "group": groups[1:]}
        for dim, wanted in labels.items():
            if [str(v) for v in posterior[dim].values] != wanted:
                _fail(f"the {dim} labels of the posterior do not match constant_data")
    extra = sorted(set(map(str, posterior.data_vars)) - expected)
    if extra:
        _fail(f"the posterior has {', '.join(extra)}, which an illness-death fit does not have")
