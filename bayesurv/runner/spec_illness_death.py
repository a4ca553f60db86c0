"""The illness-death form of an analysis spec (see :mod:`bayesurv.runner.spec`).

A spec whose ``model.type`` is ``"illness-death"`` fits :class:`~bayesurv.IllnessDeath`::

    title = "HCC and death in one model"

    [data]
    source = "shi2021"            # the shipped (synthetic) cohort, both endpoints per patient
    endpoint = "joint"

    [model]
    type = "illness-death"
    baseline = 4                  # optional: baseline pieces of every transition
    clock = "forward"             # or "reset": illness -> death on the time since illness
    # shared_changepoint = ["illness", "death"]  # one change-point (needs equal grids)

    [model.illness]               # event-free -> illness
    type = "changepoint"
    near = 8

    [model.death]                 # event-free -> death
    type = "changepoint"
    near = 13

    [model.death_after_illness]   # illness -> death (a missing table: constant HR)
    type = "constant"

    [compare]
    horizon = 24                  # restricted mean time alive without illness
    milestones = [12, 24]         # times of the state-probability tables

A transition's ``type`` is ``"constant"`` (one HR), ``"piecewise"`` (with ``cuts``) or
``"changepoint"`` (with ``grid``, ``near``, ``spread``, ``prior``); each may set its own
``baseline``.  With ``source = "csv"`` the patient rows name their columns with
``illness_time``, ``illness``, ``death_time``, ``death`` and ``group``.

The functions read the frozen tables of a :class:`~bayesurv.runner.spec.Spec` and call
``fail(key, problem)``, which raises a :class:`~bayesurv.base.exceptions.SpecError` naming
the spec file, for the first bad value.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bayesurv.base.exceptions import BayesurvInputError, SpecError
from bayesurv.data.illness_death import CLOCKS, TRANSITIONS, IllnessDeathData
from bayesurv.model.changepoint import ChangePoint
from bayesurv.model.illness_death import IllnessDeath
from bayesurv.model.piecewise import PiecewiseExponential
from bayesurv.model.priors import PriorSet
from bayesurv.runner.spec_checks import check_model_fits, compare_times, grid, thawed
from bayesurv.runner.spec_sources import SHIPPED, SOURCES, read_csv, resolve

__all__ = ["COMPARE_KEYS", "DATA_KEYS", "MODEL_KEYS", "TYPE", "build_illness_death",
           "check_against_data", "check_illness_death", "follow_up", "is_illness_death",
           "load_illness_death"]

TYPE = "illness-death"
JOINT = "joint"
# role -> default column of the patient rows (source = "csv")
COLUMNS = {"illness_time": "illness_time", "illness": "illness", "death_time": "death_time",
           "death": "death", "group": "arm"}
# the shipped cohort's columns for the same roles
SHIPPED_COLUMNS = {"illness_time": "hcc_time", "illness": "hcc", "death_time": "death_time",
                   "death": "death", "group": "arm"}
DATA_KEYS = {"csv": {"path", *COLUMNS, "reference", "time_unit", "covariates"},
             **{name: {"endpoint", "reference", "time_unit", "covariates"} for name in SHIPPED}}
MODEL_KEYS = {"type", "baseline", "clock", "shared_changepoint", *TRANSITIONS}
EFFECTS = {"constant": PiecewiseExponential, "piecewise": PiecewiseExponential,
           "changepoint": ChangePoint}
# every effect may also name the covariates its transition adjusts for
EFFECT_KEYS = {"constant": ("baseline", "covariates"),
               "piecewise": (*PiecewiseExponential.setting_names, "covariates"),
               "changepoint": (*ChangePoint.setting_names, "covariates")}
# the report tabulates states at the milestones and the restricted mean to the horizon
COMPARE_KEYS = {"horizon", "milestones"}


def is_illness_death(model: Mapping) -> bool:
    """Whether a ``[model]`` table asks for the illness-death model.

    Examples
    --------
    >>> is_illness_death({"type": "illness-death"}), is_illness_death({"type": "changepoint"})
    (True, False)
    """
    return model.get("type") == TYPE


def check_illness_death(data: Mapping, model: Mapping, compare: Mapping, fail) -> None:
    """Check the ``[data]``, ``[model]`` and ``[compare]`` tables of an illness-death spec.

    Examples
    --------
    >>> def fail(key, problem):
    ...     raise SpecError(f"spec: {key} {problem}")
    >>> check_illness_death({"source": "shi2021"}, {"type": "illness-death",
    ...                      "illness": {"type": "changepoint", "cuts": [8]}}, {}, fail)
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.SpecError: spec: model.illness.cuts does not apply to a ...
    """
    _check_data(data, fail)
    for key in model:
        if key not in MODEL_KEYS:
            fail(f"model.{key}", f"does not apply to an {TYPE} model; its keys are "
                 f"{', '.join(sorted(MODEL_KEYS))}")
    for key in TRANSITIONS:
        if key in model:
            _check_effect(model[key], key, fail)
            _check_covariates(model[key], key, data.get("covariates", ()), fail)
    if "clock" in model and model["clock"] not in CLOCKS:
        fail("model.clock", f"= {thawed(model['clock'])!r}; use "
             f"{' or '.join(map(repr, CLOCKS))} (the time scale of illness -> death)")
    shared = model.get("shared_changepoint", ())
    if not (isinstance(shared, tuple) and all(k in TRANSITIONS for k in shared)):
        fail("model.shared_changepoint", f"must be a list of transitions "
             f"({', '.join(TRANSITIONS)}), got {thawed(shared)!r}")
    for key in compare:
        if key not in COMPARE_KEYS:
            fail(f"compare.{key}", f"does not apply to an {TYPE} model and would be "
                 f"ignored; the keys it reads are {', '.join(sorted(COMPARE_KEYS))}")


def _check_data(d: Mapping, fail) -> None:
    source = d.get("source")
    if source is None:
        fail("data.source", f"is missing; use one of {[*SHIPPED, 'csv']}")
    if source not in SOURCES or source not in DATA_KEYS:
        fail("data.source", f"= {thawed(source)!r}; an {TYPE} model reads a shipped dataset "
             f"({', '.join(map(repr, SHIPPED))}) or 'csv' (patient rows with both endpoints)")
    reads = DATA_KEYS[source]
    unused = [key for key in d if key != "source" and key not in reads]
    if unused:
        fail(f"data.{unused[0]}", f"does not apply to source = {source!r} with an {TYPE} "
             f"model and would be ignored; the keys it reads are {', '.join(sorted(reads))}")
    covariates = d.get("covariates", ())
    if not isinstance(covariates, tuple) or not all(isinstance(c, str) for c in covariates):
        fail("data.covariates", f"must be a list of column names, got {thawed(covariates)!r}")
    for key in sorted(reads - {"reference", "covariates"}):
        if key in d and not isinstance(d[key], str):
            fail(f"data.{key}", f"must be text, got {thawed(d[key])!r}")
    if source in SHIPPED and d.get("endpoint", JOINT) != JOINT:
        fail("data.endpoint", f"= {d['endpoint']!r}; an {TYPE} model reads both endpoints: "
             f"use endpoint = {JOINT!r}")
    if source == "csv" and "path" not in d:
        fail("data.path", "is missing (source = 'csv' needs a CSV of patient rows)")


def _check_effect(table, key: str, fail) -> None:
    where = f"model.{key}"
    if not isinstance(table, Mapping):
        fail(where, f"must be a table ([{where}] with type = ...), got {thawed(table)!r}")
    kind = table.get("type", "constant")
    if not isinstance(kind, str) or kind not in EFFECTS:
        fail(f"{where}.type", f"= {thawed(kind)!r}; use {' or '.join(map(repr, EFFECTS))}")
    for name in table:
        if name != "type" and name not in EFFECT_KEYS[kind]:
            fail(f"{where}.{name}", f"does not apply to a {kind} effect; its keys are "
                 f"{', '.join(EFFECT_KEYS[kind])}")


def _check_covariates(table, key: str, loaded, fail) -> None:
    names = table.get("covariates", ()) if isinstance(table, Mapping) else ()
    if not isinstance(names, tuple) or not all(isinstance(c, str) for c in names):
        fail(f"model.{key}.covariates", f"must be a list of column names, got "
             f"{thawed(names)!r}")
    missing = [c for c in names if c not in loaded]
    if missing:
        fail(f"model.{key}.covariates", f"names {missing}, which data.covariates does not "
             f"load ({list(loaded)})")


def build_illness_death(model: Mapping, priors: PriorSet, fail,
                        covariates=()) -> IllnessDeath:
    """The :class:`~bayesurv.IllnessDeath` model of a checked ``[model]`` table.

    Examples
    --------
    >>> def fail(key, problem):
    ...     raise SpecError(f"spec: {key} {problem}")
    >>> built = build_illness_death({"type": "illness-death", "illness": {
    ...     "type": "changepoint", "near": 8, "grid": {"start": 2, "stop": 20, "step": 2}}},
    ...     PriorSet.named("default"), fail)
    >>> {key: kind.kind for key, kind in built.transitions.items()}
    {'illness': 'changepoint', 'death': 'piecewise', 'death_after_illness': 'piecewise'}
    >>> build_illness_death({"type": "illness-death", "death": {"type": "piecewise",
    ...                                                         "cuts": [-3]}},
    ...                     PriorSet.named("default"), fail)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.SpecError: spec: model.death is not valid: ...
    """
    settings = thawed(model)
    effects, baselines = {}, {}
    # data.covariates: every transition adjusts for them unless its table names its own
    adjusted = {key: list(covariates) for key in TRANSITIONS}
    for key in TRANSITIONS:
        table = settings.get(key, {})
        kind = table.pop("type", "constant")
        if "covariates" in table:
            adjusted[key] = table.pop("covariates")
        if "grid" in table:
            try:
                table["grid"] = grid(table["grid"])
            except SpecError as exc:
                fail(f"model.{key}", f"is not valid: {exc}")
        if "baseline" in table:
            baselines[key] = table.pop("baseline")
        elif "baseline" in settings:
            baselines[key] = settings["baseline"]
        try:
            effects[key] = EFFECTS[kind](**table)
        except BayesurvInputError as exc:
            fail(f"model.{key}", f"is not valid: {exc}")
    try:
        return IllnessDeath(effects=effects, baseline=baselines or None, priors=priors,
                            clock=settings.get("clock", "forward"),
                            covariates=adjusted if any(adjusted.values()) else None,
                            shared_changepoint=settings.get("shared_changepoint") or None)
    except BayesurvInputError as exc:
        fail("[model]", f"is not valid: {exc}")


def load_illness_death(data: Mapping, spec_path: Path | None, where: str) -> IllnessDeathData:
    """The patient rows a checked ``[data]`` table names, as :class:`IllnessDeathData`.

    Examples
    --------
    >>> rows = load_illness_death({"source": "shi2021", "endpoint": "joint"}, None, "spec")
    >>> rows.n, rows.summary()["illness"].tolist()
    (219, [23, 13])
    """
    source = data["source"]
    reference, time_unit = data.get("reference"), data.get("time_unit", "months")
    covariates = list(data.get("covariates", ())) or None
    if source in SHIPPED:
        from bayesurv import datasets

        frame, columns = datasets.shi2021(endpoint=None), SHIPPED_COLUMNS
        reference = reference or "control"
    else:
        columns = {role: data.get(role, default) for role, default in COLUMNS.items()}
        path = resolve(spec_path, data["path"], where)
        required = [(f"{role} column", name) for role, name in columns.items()]
        required += [("covariate column", c) for c in covariates or ()]
        frame = read_csv(path, f"{where}: data.path (file {Path(data['path']).name})", required)
    return IllnessDeathData.from_frame(frame, **columns, reference=reference,
                                       time_unit=time_unit, covariates=covariates)


def check_against_data(spec, data: IllnessDeathData) -> None:
    """Refuse milestones or a horizon past an arm's follow-up, and a model whose transitions
    the data cannot support, before any sampling.

    Examples
    --------
    >>> from bayesurv.runner.spec import Spec
    >>> spec = Spec.from_dict({"data": {"source": "shi2021", "endpoint": "joint"},
    ...                        "model": {"type": "illness-death"},
    ...                        "compare": {"milestones": [12, 120]}})
    >>> check_against_data(spec, spec.load_data())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.SpecError: spec: compare.milestones = [12.0, 120.0] reach past ...
    """
    where = str(spec.path) if spec.path else "spec"
    reach = follow_up(data)
    for key in ("milestones", "horizon"):
        times = compare_times(spec.compare, key)
        if times and max(times) > reach:
            raise SpecError(f"{where}: compare.{key} = {times} reach past the follow-up of "
                            f"every arm ({reach:g} {data.time_unit}); it must be inside it")
    check_model_fits(spec, data, where)


def follow_up(data: IllnessDeathData) -> float:
    """The shortest of the arms' longest follow-ups (every arm was followed that long).

    Examples
    --------
    >>> from bayesurv.data.illness_death import _example
    >>> follow_up(_example())
    12.0
    """
    return min(float(data.death_time[data.group_index == g].max())
               for g in range(len(data.groups)))

