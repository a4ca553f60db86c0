"""What a saved bayesurv fit must hold, checked when a fit is made or loaded.

A fit file is an ArviZ InferenceData with the posterior, sample statistics, the model arrays
(``constant_data``) and, as JSON attributes of the posterior, the model settings, a data
summary, the sampler settings and the package version.  :func:`check_fit` refuses anything
else with a :class:`~bayesurv.FitFileError`:

- a fit that is incomplete (:func:`check_complete`);
- a fit whose parts disagree (:func:`check_consistent`): shapes and labels of the draws
  against the model arrays, chains and draws against the sampler settings, the data summary
  against the stored data, change-point draws off the grid, non-finite draws;
- a file changed after bayesurv wrote it: :func:`bayesurv.inference.fit_io.write_fit_file`
  stores a SHA-256 of the attributes and arrays (:func:`content_digest`), checked on load.
  Files without one (saved by an older version) get the other checks only.

Messages name variables and attributes, never their values: a file may hold anything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import numpy as np

from bayesurv.base.checks import sampler_setting_problem
from bayesurv.base.exceptions import FitFileError
from bayesurv.base.vocabulary import interval_labels
from bayesurv.data.exposure import piece_of_edges
from bayesurv.model.kind import KINDS, HazardModel, kind_from_settings

__all__ = ["ATTR_PREFIX", "DIGEST_ATTR", "bayesurv_attrs", "check_complete", "check_consistent",
           "check_digest", "check_fit", "content_digest"]

ATTR_PREFIX = "bayesurv_"
DIGEST_ATTR = ATTR_PREFIX + "digest"
DIGEST_GROUPS = ("posterior", "sample_stats", "constant_data")

REQUIRED_POSTERIOR = ("log_baseline", "log_hr")
REQUIRED_CONSTANT = ("fine_edges", "baseline_edges", "baseline_map", "events", "exposure",
                     "patient_piece", "patient_offset", "patient_event", "patient_group",
                     "patient_covariates")
REQUIRED_ATTRS = ("version", "model", "data", "sampler")
# dimensions of the arrays every kind stores (a kind's own arrays are one-dimensional)
CONSTANT_DIMS = {"fine_edges": ("fine_piece",), "baseline_edges": ("piece",),
                 "baseline_map": ("fine_piece",), "events": ("fine_piece", "arm"),
                 "exposure": ("fine_piece", "arm"), "patient_piece": ("patient",),
                 "patient_offset": ("patient",), "patient_event": ("patient",),
                 "patient_group": ("patient",), "patient_covariates": ("patient", "covariate"),
                 "covariate_means": ("covariate",)}
# index arrays and the dimension they index: an index out of range would fail deep inside a
# summary instead of on load
INDEX_DIMS = {"baseline_map": "piece", "patient_piece": "fine_piece", "patient_group": "arm",
              "period_map": "period", "tau_index": "fine_piece"}
SAMPLER_KEYS = ("draws", "tune", "chains", "random_seed", "sampler", "target_accept")


def check_fit(idata) -> HazardModel:
    """Everything a fit must satisfy, made or loaded; return its model kind.

    Examples
    --------
    >>> check_fit(pw_fit.idata)
    PiecewiseExponential(cuts=[13.0], baseline=None, priors='default')
    >>> edited = pw_fit.idata.copy()
    >>> edited.posterior.attrs[DIGEST_ATTR] = content_digest(edited)
    >>> edited.posterior.attrs["bayesurv_version"] = "0.0.1"
    >>> check_fit(edited)
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.FitFileError: this bayesurv fit was modified after bayesurv ...
    """
    bayesurv_attrs(idata)
    model = check_complete(idata)
    check_consistent(idata, model)
    check_digest(idata)
    return model


def bayesurv_attrs(idata) -> Mapping:
    """The posterior's attributes of an InferenceData bayesurv made (any kind of fit); a
    :class:`FitFileError` without bayesurv's model settings or constant data."""
    attrs = getattr(getattr(idata, "posterior", None), "attrs", {})
    if ATTR_PREFIX + "model" not in attrs or "constant_data" not in idata:
        raise FitFileError("this InferenceData was not made by bayesurv (no bayesurv model "
                           "settings or constant data in it)")
    return attrs


def check_digest(idata) -> None:
    """Refuse a fit whose content no longer matches the digest saved with it (a fit never
    saved has none)."""
    digest = idata.posterior.attrs.get(DIGEST_ATTR)
    if digest is not None and not (isinstance(digest, str)
                                   and digest == content_digest(idata)):
        raise FitFileError(f"this bayesurv fit was modified after bayesurv saved it: its "
                           f"content does not match its digest (attribute {DIGEST_ATTR})")


def check_complete(idata) -> HazardModel:
    """Refuse a damaged fit on load rather than on first use; return its model kind.

    Examples
    --------
    >>> check_complete(fit.idata)
    ChangePoint(grid=None, near=13.0, spread=None, prior=None, baseline=None, priors='default')
    >>> damaged = fit.idata.copy()
    >>> del damaged.posterior["log_hr"]
    >>> check_complete(damaged)
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.FitFileError: this bayesurv fit is incomplete or damaged: ...log_hr
    """
    if '"kind": "illness_death"' in str(idata.posterior.attrs.get(ATTR_PREFIX + "model")):
        raise FitFileError("this is an illness-death fit: load it with "
                           "bs.IllnessDeathFit.from_netcdf")
    missing = [f"posterior.{v}" for v in REQUIRED_POSTERIOR if v not in idata.posterior]
    missing += [f"constant_data.{v}" for v in REQUIRED_CONSTANT if v not in idata.constant_data]
    attrs = idata.posterior.attrs
    missing += [f"attribute {ATTR_PREFIX}{a}" for a in REQUIRED_ATTRS
                if ATTR_PREFIX + a not in attrs]
    if missing:
        raise FitFileError(f"this bayesurv fit is incomplete or damaged: missing "
                           f"{', '.join(missing)}")
    settings, _, _ = (json_attr(attrs, key) for key in ("model", "data", "sampler"))
    kind = settings.get("kind") if isinstance(settings, Mapping) else None
    if not isinstance(kind, str) or kind not in KINDS:
        raise FitFileError(f"this bayesurv fit is damaged: attribute {ATTR_PREFIX}model does "
                           f"not name a model kind this version knows ({', '.join(KINDS)})")
    try:
        model = kind_from_settings(settings)
    except Exception as exc:  # settings of any shape: whatever a constructor raises
        raise FitFileError(f"this bayesurv fit is damaged: attribute {ATTR_PREFIX}model does "
                           f"not describe a model ({type(exc).__name__})") from None
    missing = [f"constant_data.{v}" for v in model.kind_array_names
               if v not in idata.constant_data]
    if model.state_name is not None:
        missing += [f"posterior.{v}" for v in (model.state_name,
                                               f"{model.state_name}_probability")
                    if v not in idata.posterior]
    if missing:
        raise FitFileError(f"this bayesurv fit is incomplete or damaged: missing "
                           f"{', '.join(missing)}")
    return model


def check_consistent(idata, model: HazardModel) -> None:
    """Refuse a fit whose parts disagree: the draws, the model arrays, the settings and the
    data summary must describe one fit of ``model``.

    Examples
    --------
    >>> mixed = pw_fit.idata.copy()  # with the periods of a change-point fit:
    >>> mixed.posterior = mixed.posterior.assign_coords(period=["before", "after"])
    >>> check_consistent(mixed, pw_fit.model)
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.FitFileError: this bayesurv fit is inconsistent: the period labels ...
    """
    constant = idata.constant_data
    summary = json_attr(idata.posterior.attrs, "data")
    # a fit of aggregated data (bayesurv.aggregate) has the table and no patients
    aggregated = isinstance(summary, Mapping) and summary.get("aggregated") is True
    _check_constant_data(constant, model, aggregated)
    arrays = {name: value.to_numpy() for name, value in constant.data_vars.items()}
    _check_draws(idata.posterior, model, arrays, constant)
    check_sampler_attrs(idata, json_attr(idata.posterior.attrs, "sampler"))
    _check_data_summary(summary, arrays, constant, aggregated)
    _check_baseline_setting(model, arrays["baseline_edges"])


def content_digest(idata) -> str:
    """SHA-256 of the ``bayesurv_*`` attributes (but the digest) and of every variable of the
    groups a fit uses (name, dimensions, type, shape and values).

    Text is hashed as text whatever its NumPy type, since a file gives back fixed-width
    strings as objects and the other way round.

    Examples
    --------
    >>> content_digest(fit.idata) == content_digest(fit.idata.copy())
    True
    >>> content_digest(fit.idata) == content_digest(pw_fit.idata)
    False
    """
    h = hashlib.sha256(b"bayesurv fit digest 1")
    attrs = idata.posterior.attrs
    for key in sorted(k for k in map(str, attrs) if k.startswith(ATTR_PREFIX)):
        if key != DIGEST_ATTR:
            value = attrs[key]
            text = value if isinstance(value, str) else repr(np.asarray(value).tolist())
            _feed(h, "attribute", key, text)
    for group in DIGEST_GROUPS:
        if group not in idata:
            _feed(h, "no group", group)
            continue
        dataset = idata[group]
        for name in sorted(map(str, dataset.variables)):
            variable = dataset.variables[name]
            values = np.asarray(variable.values)
            if values.dtype.kind in "OSU":
                kind, raw = "text", json.dumps([str(v) for v in values.ravel()]).encode()
            else:
                little = values.dtype.newbyteorder("<")
                kind, raw = little.str, np.ascontiguousarray(values, dtype=little).tobytes()
            _feed(h, group, name, repr(variable.dims), kind, repr(values.shape))
            _feed(h, raw)
    return h.hexdigest()


# ---------------------------------------------------------------------------- the parts
def _fail(problem: str):
    raise FitFileError(f"this bayesurv fit is inconsistent: {problem}")


def _feed(h, *parts) -> None:
    for part in parts:
        raw = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        h.update(len(raw).to_bytes(8, "little") + raw)


def json_attr(attrs, key: str):
    """A bayesurv attribute of a fit file, decoded from JSON."""
    try:
        return json.loads(attrs[ATTR_PREFIX + key])
    except (TypeError, ValueError):
        raise FitFileError(f"this bayesurv fit is damaged: attribute {ATTR_PREFIX}{key} is not "
                           "valid JSON") from None


def numeric_array(values, where: str, integer: bool = False) -> np.ndarray:
    """``values`` as an array, if numeric and finite (named by ``where`` otherwise)."""
    values = np.asarray(values)
    if values.dtype.kind not in "iuf" + ("" if integer else "b"):
        _fail(f"{where} is not {'integer' if integer else 'numeric'}")
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        _fail(f"{where} has {int((~np.isfinite(values)).sum())} non-finite values")
    return values


def _labels(values) -> list[str]:
    return [str(v) for v in np.asarray(values).ravel()]


def _check_constant_data(constant, model: HazardModel, aggregated: bool = False) -> None:
    for name, dims in CONSTANT_DIMS.items():
        if name in constant and constant[name].dims != dims:
            _fail(f"constant_data.{name} has dimensions {constant[name].dims}, expected {dims}")
    for name in model.kind_array_names:
        if constant[name].ndim != 1:
            _fail(f"constant_data.{name} is not one-dimensional")
        numeric_array(constant[name].values, f"constant_data.{name}")
    for name, dim in INDEX_DIMS.items():
        if name in constant:
            index = numeric_array(constant[name].values, f"constant_data.{name}", integer=True)
            if index.size and (index.min() < 0 or index.max() >= constant.sizes.get(dim, 0)):
                _fail(f"constant_data.{name} indexes past its dimension {dim!r}")
    fine = numeric_array(constant["fine_edges"].values, "constant_data.fine_edges")
    base = numeric_array(constant["baseline_edges"].values, "constant_data.baseline_edges")
    for name, edges in (("fine_edges", fine), ("baseline_edges", base)):
        if edges.size == 0 or edges[0] != 0 or (np.diff(edges) <= 0).any():
            _fail(f"constant_data.{name} does not rise from 0")
    if not np.isin(base, fine).all() or not np.array_equal(
            constant["baseline_map"].values, piece_of_edges(base, fine)):
        _fail("constant_data.baseline_map does not map the fine pieces to the baseline pieces")
    for name in ("events", "exposure", "patient_offset", "patient_event", "patient_covariates"):
        values = numeric_array(constant[name].values, f"constant_data.{name}")
        if name != "patient_covariates" and (values < 0).any():
            _fail(f"constant_data.{name} has negative values")
    if not np.isin(constant["patient_event"].values, (0, 1)).all():
        _fail("constant_data.patient_event is not 0 or 1")
    if aggregated:
        if constant.sizes.get("patient", 0):
            _fail("constant_data has patients, but the data summary says aggregated data")
        return
    per_arm = np.bincount(constant["patient_group"].values, constant["patient_event"].values,
                          minlength=constant.sizes["arm"])
    if not np.array_equal(constant["events"].values.sum(axis=0), per_arm):
        _fail("constant_data.events does not add up to the events of constant_data.patient_event")


def _check_draws(posterior, model: HazardModel, arrays, constant) -> None:
    expected = {"piece": interval_labels(arrays["baseline_edges"]),
                "group": _labels(constant["arm"].values)[1:],
                "period": [label for label, _, _ in model.period_rows(arrays)],
                "covariate": _labels(constant["covariate"].values)}
    dims = {"log_baseline": ("piece",), "log_hr": ("group", "period")}
    if expected["covariate"]:
        dims["beta"] = ("covariate",)
    if model.state_name is not None:
        states = numeric_array(model.state_values(arrays), "the model's states")
        if states.size == 0 or (np.diff(states) <= 0).any():
            _fail(f"the {model.state_dim} values of constant_data do not rise")
        with np.errstate(all="ignore"):
            prior = np.exp(model.state_log_prior(arrays))
        if not (np.isfinite(prior).all() and np.isclose(prior.sum(), 1.0)):
            _fail(f"the prior over the {model.state_dim} values is not a probability vector")
        dims |= {model.state_name: (), f"{model.state_name}_probability": (model.state_dim,)}
    extra = sorted(set(map(str, posterior.data_vars)) - set(dims))
    if extra:
        _fail(f"the posterior has {', '.join(extra)}, which a {model.label} fit does not have")
    for name, own in dims.items():
        if name not in posterior:
            _fail(f"posterior.{name} is missing")
        if posterior[name].dims != ("chain", "draw", *own):
            _fail(f"posterior.{name} has dimensions {posterior[name].dims}, expected "
                  f"{('chain', 'draw', *own)}")
        numeric_array(posterior[name].values, f"posterior.{name}")
    for dim, labels in expected.items():
        if dim in posterior.sizes and _labels(posterior[dim].values) != labels:
            _fail(f"the {dim} labels of the posterior ({posterior.sizes[dim]}) do not match the "
                  f"model arrays ({len(labels)})")
    if model.state_name is not None:
        _check_states(posterior, model, states)


def _check_states(posterior, model: HazardModel, states: np.ndarray) -> None:
    coords = numeric_array(posterior[model.state_dim].values, f"posterior.{model.state_dim}")
    if coords.shape != states.shape or not np.allclose(coords, states):
        _fail(f"the {model.state_dim} values of the posterior do not match constant_data")
    probability = posterior[f"{model.state_name}_probability"].values
    if (probability < 0).any() or not np.allclose(probability.sum(axis=-1), 1.0, atol=1e-6):
        _fail(f"posterior.{model.state_name}_probability does not sum to 1 in every draw")
    if not np.isin(posterior[model.state_name].values, states).all():
        _fail(f"posterior.{model.state_name} has draws that are not {model.state_dim} values")


def check_sampler_attrs(idata, sampler) -> None:
    """The sampler settings attribute: valid settings that match the stored draws."""
    if not isinstance(sampler, Mapping):
        _fail(f"attribute {ATTR_PREFIX}sampler is not a mapping")
    for key in SAMPLER_KEYS:
        if key not in sampler or sampler_setting_problem(key, sampler[key]):
            _fail(f"attribute {ATTR_PREFIX}sampler: {key} is missing or invalid")
    chains = sampler["chains"] * _reconstructions(idata)
    for group in ("posterior", "sample_stats"):
        if group in idata:
            sizes = idata[group].sizes
            if (sizes.get("chain"), sizes.get("draw")) != (chains, sampler["draws"]):
                _fail(f"{group} has {sizes.get('chain')} chains x {sizes.get('draw')} draws, "
                      f"attribute {ATTR_PREFIX}sampler says {chains} x {sampler['draws']}")


def _reconstructions(idata) -> int:
    """Data sets pooled in the fit (1 unless it is pooled over reconstructions): its
    chains are this many times the sampler's chains."""
    if ATTR_PREFIX + "reconstructions" not in idata.posterior.attrs:
        return 1
    record = json_attr(idata.posterior.attrs, "reconstructions")
    count = record.get("count") if isinstance(record, Mapping) else None
    if not _is_count(count) or count < 1:
        _fail(f"attribute {ATTR_PREFIX}reconstructions has no valid count")
    return count


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_data_summary(summary, arrays, constant, aggregated: bool = False) -> None:
    name = f"attribute {ATTR_PREFIX}data"
    if not isinstance(summary, Mapping):
        _fail(f"{name} is not a mapping")
    types = {"reference": str, "time_unit": str, "source": str, "groups": list,
             "covariates": list, "per_group": list}
    if (not (_is_count(summary.get("n")) and _is_count(summary.get("events")))
            or not all(isinstance(summary.get(key), kind) for key, kind in types.items())
            or not all(isinstance(g, Mapping) for g in summary["per_group"])):
        _fail(f"{name} lacks n, events, groups, reference, covariates, time_unit, source or "
              "per_group, or one of them has the wrong type")
    groups = _labels(constant["arm"].values)
    if len(groups) < 2 or summary["groups"] != groups or summary["reference"] != groups[0]:
        _fail(f"{name}: the groups do not match constant_data")
    if summary["covariates"] != _labels(constant["covariate"].values):
        _fail(f"{name}: the covariates do not match constant_data")
    if aggregated:
        per_arm = arrays["events"].sum(axis=0)
        rows = summary["per_group"]
        if (summary["events"] != round(float(per_arm.sum())) or len(rows) != len(groups)
                or any(not isinstance(row.get("events"), int) or row["events"] != round(d)
                       for row, d in zip(rows, per_arm.tolist(), strict=False))):
            _fail(f"{name}: events do not match constant_data")
        return
    events = arrays["patient_event"]
    if summary["n"] != events.size or summary["events"] != events.sum():
        _fail(f"{name}: n or events do not match constant_data")
    group = arrays["patient_group"]
    time = arrays["fine_edges"][arrays["patient_piece"]] + arrays["patient_offset"]
    for g, row in enumerate(summary["per_group"]):
        mine = group == g
        last = time[mine].max() if mine.any() else np.nan
        if (g >= len(groups) or row.get("group") != groups[g]
                or not _is_count(row.get("n")) or row["n"] != mine.sum()
                or not _is_count(row.get("events")) or row["events"] != events[mine].sum()
                or not _close(row.get("max_followup"), last)):
            _fail(f"{name}: per_group does not match constant_data")
    if len(summary["per_group"]) != len(groups):
        _fail(f"{name}: per_group does not match constant_data")


def _close(value, expected: float) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return bool(np.isclose(value, expected, rtol=1e-9, equal_nan=True))


def _check_baseline_setting(model: HazardModel, edges: np.ndarray) -> None:
    baseline = model.baseline  # None (the default pieces), a number of pieces or the cuts
    if isinstance(baseline, int):
        agrees = edges.size <= baseline
    else:
        try:
            cuts = np.asarray(edges[1:] if baseline is None else baseline, dtype=float)
        except (TypeError, ValueError):
            cuts = np.full(1, np.nan)
        agrees = cuts.shape == edges[1:].shape and np.allclose(cuts, edges[1:])
    if not agrees:
        _fail(f"attribute {ATTR_PREFIX}model: its baseline does not match "
              "constant_data.baseline_edges")
