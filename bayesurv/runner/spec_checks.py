"""Checks of the tables of an analysis spec (see :mod:`bayesurv.runner.spec`).

Each ``check_*`` function reads one frozen table and calls ``fail(key, problem)``, which
raises a :class:`~bayesurv.base.exceptions.SpecError` naming the spec file, for the first
bad value.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from bayesurv.base.checks import check_times, sampler_setting_problem
from bayesurv.base.exceptions import BayesurvInputError, SpecError
from bayesurv.model.priors import named_prior_sets
from bayesurv.runner.spec_parquet import PARQUET_KEYS, check_parquet
from bayesurv.runner.spec_sources import SHIPPED, SOURCES

__all__ = ["check_compare", "check_data", "check_model_fits", "check_sampler", "compare_times",
           "frozen", "grid", "thawed"]

# [sampler] keys that the fit calls differently
FIT_NAMES = {"seed": "random_seed"}


# the [data] keys each source reads; any other key would be ignored, so it is refused
COLUMN_KEYS = {"time", "event", "group", "reference", "covariates", "time_unit"}
DATA_KEYS = {
    "csv": {"path"} | COLUMN_KEYS,
    "digitized": {"curves", "risk_table", "total_events", "scale", "reference", "time_unit",
                  "reconstructions"},
    "parquet": PARQUET_KEYS,
    **{name: {"endpoint", "digitized"} | COLUMN_KEYS for name in SHIPPED},
}
SHIPPED_DIGITIZED_KEYS = {"endpoint", "digitized", "reference", "time_unit", "reconstructions"}


def check_data(d: Mapping, fail) -> None:
    """Check a frozen ``[data]`` table; ``fail(key, problem)`` raises."""
    source = d.get("source")
    if source is None:
        fail("data.source", f"is missing; use one of {list(SOURCES)}")
    if source not in SOURCES:
        fail("data.source", f"= {source!r} is not a shipped dataset, 'csv', 'parquet' or "
             "'digitized'")
    shipped_digitized = source in SHIPPED and d.get("digitized") is True
    reads = SHIPPED_DIGITIZED_KEYS if shipped_digitized else DATA_KEYS[source]
    unused = [key for key in d if key != "source" and key not in reads]
    if unused:
        what = f"source = {source!r}" + (" with digitized = true" if shipped_digitized else "")
        fail(f"data.{unused[0]}", f"does not apply to {what} and would be ignored; the keys "
             f"it reads are {', '.join(sorted(reads))}")
    if source == "csv" and "path" not in d:
        fail("data.path", "is missing (source = 'csv' needs a CSV of patient rows)")
    if source == "parquet":
        check_parquet(d, fail)
    if source == "digitized" and "curves" not in d:
        fail("data.curves", "is missing (source = 'digitized' needs a curves CSV)")
    for key in ("path", "curves", "risk_table", "endpoint", "time", "event", "group",
                "time_unit", "scale"):
        if key in d and not isinstance(d[key], str):
            fail(f"data.{key}", f"must be text, got {thawed(d[key])!r}")
    if "digitized" in d and not isinstance(d["digitized"], bool):
        fail("data.digitized", f"must be true or false, got {d['digitized']!r}")
    covariates = d.get("covariates", ())
    if not isinstance(covariates, tuple) or not all(isinstance(c, str) for c in covariates):
        fail("data.covariates", f"must be a list of column names, got {thawed(covariates)!r}")
    if "reconstructions" in d and not (is_count(d["reconstructions"])
                                       and d["reconstructions"] >= 1):
        fail("data.reconstructions", "must be a whole number >= 1 (1: a single "
             f"reconstruction), got {thawed(d['reconstructions'])!r}")
    totals = d.get("total_events")
    if totals is not None and not (is_count(totals) or (
            isinstance(totals, Mapping) and all(is_count(v) for v in totals.values()))):
        fail("data.total_events", "must be a whole number or a table "
             f"{{group = number}}, got {thawed(totals)!r}")


def check_sampler(sampler: Mapping, fail) -> None:
    """Check a frozen ``[sampler]`` table; ``fail(key, problem)`` raises."""
    for key, value in sampler.items():
        problem = sampler_setting_problem(FIT_NAMES.get(key, key), value)
        if problem:
            fail(f"sampler.{key}", f"must be {problem}, got {thawed(value)!r}")


def check_compare(c: Mapping, fail) -> None:
    """Check a frozen ``[compare]`` table; ``fail(key, problem)`` raises."""
    draws = c.get("prior_sensitivity_draws")
    if draws is not None and not (is_count(draws) and draws >= 1):
        fail("compare.prior_sensitivity_draws", f"must be an integer >= 1, got {draws!r}")
    if "horizon" in c and not (is_number(c["horizon"]) and c["horizon"] > 0):
        fail("compare.horizon", f"must be a number > 0 (the RMST horizon), got "
             f"{thawed(c['horizon'])!r}")
    for key in ("landmarks", "milestones"):
        if key not in c:
            continue
        try:
            times = check_times(c[key], key, "compare", SpecError)
        except SpecError as exc:
            fail(f"compare.{key}", f"is not valid: {exc}")
        if (times <= 0).any():
            fail(f"compare.{key}", f"must be > 0, got {times.tolist()}")
    sets = c.get("prior_sensitivity", ())
    if not isinstance(sets, tuple) or not all(isinstance(x, str) for x in sets):
        fail("compare.prior_sensitivity", f"must be a list of prior set names, got "
             f"{thawed(sets)!r}")
    unknown = [x for x in sets if x not in named_prior_sets()]
    if unknown:
        fail("compare.prior_sensitivity", f"names unknown prior set(s) {unknown}; "
             f"choose from {sorted(named_prior_sets())}")
    for key in ("published", "published_endpoint"):
        if key in c and not isinstance(c[key], str):
            fail(f"compare.{key}", f"must be text, got {thawed(c[key])!r}")
    orientation = c.get("published_orientation")
    if orientation is not None and orientation not in ("treated_vs_reference",
                                                       "reference_vs_treated"):
        fail("compare.published_orientation", f"= {orientation!r}; use "
             "'treated_vs_reference' or 'reference_vs_treated'")


def compare_times(compare: Mapping, key: str) -> list[float]:
    """The times of ``compare.<key>`` (landmarks, milestones, horizon: one or several) as
    floats; none when the key is absent.

    Examples
    --------
    >>> compare_times({"horizon": 60, "landmarks": (6, 13)}, "landmarks")
    [6.0, 13.0]
    >>> compare_times({"horizon": 60}, "horizon"), compare_times({}, "milestones")
    ([60.0], [])
    """
    times = compare.get(key, ())
    return [float(x) for x in (times if isinstance(times, tuple) else (times,))]


def check_model_fits(spec, data, where: str) -> None:
    """Build the spec's model on the data before any sampling: a :class:`SpecError` naming
    ``[model]`` if the data cannot support it."""
    try:
        spec.build_model().arrays(data)
    except BayesurvInputError as exc:
        raise SpecError(f"{where}: [model] does not fit the data: {exc}") from None


def grid(value):
    """A grid is a list of times or a table ``{start = .., stop = .., step = ..}``."""
    if value is None or not isinstance(value, dict):
        return value
    missing = {"start", "stop", "step"} - set(value)
    extra = set(value) - {"start", "stop", "step"}
    if missing or extra:
        raise SpecError(f"model.grid needs exactly start, stop and step; "
                        f"{'missing ' + str(sorted(missing)) if missing else ''}"
                        f"{'unknown ' + str(sorted(extra)) if extra else ''}")
    bad = {k: v for k, v in value.items() if not is_number(v)}
    if bad:
        raise SpecError(f"model.grid: start, stop and step must be numbers, got {bad}")
    start, stop, step = (float(value[k]) for k in ("start", "stop", "step"))
    if step <= 0 or stop < start or (stop - start) / step > 100_000:
        raise SpecError(f"model.grid: need step > 0 and stop >= start (and at most 100000 "
                        f"points), got start={start:g}, stop={stop:g}, step={step:g}")
    return np.round(np.arange(start, stop + step / 2, step), 10)


def frozen(value):
    """A read-only copy: tables become read-only mappings, lists tuples (recursively)."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: frozen(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(frozen(item) for item in value)
    return value


def thawed(value):
    """A plain, modifiable copy of a frozen value: dicts and lists (recursively)."""
    if isinstance(value, Mapping):
        return {key: thawed(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thawed(item) for item in value]
    return value


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)


def is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
