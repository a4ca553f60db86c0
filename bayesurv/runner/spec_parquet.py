"""A spec's ``[data]`` read from Parquet files of patient rows, aggregated on Dask.

``source = "parquet"`` names a Parquet file, folder or glob (``path``, relative to the spec)
and the grid the rows are aggregated on (``grid``: a step or a list of times); the columns
are named as for ``source = "csv"`` (no covariates), with optional ``strata`` and ``entry``
columns.  The rows are never held in memory: :func:`bayesurv.aggregate` condenses them into
events and person-time per piece, and the report is written from those
(:mod:`bayesurv.runner.report_aggregated`)::

    [data]
    source = "parquet"
    path = "registry/*.parquet"
    grid = 1.0                  # a piece per month; every model cut must lie on it
    time = "months"
    event = "died"
    group = "arm"
    reference = "control"
"""

from __future__ import annotations

import glob
from collections.abc import Mapping
from pathlib import Path

from bayesurv.base.exceptions import SpecError
from bayesurv.data.aggregate import aggregate
from bayesurv.data.aggregated import AggregatedData

__all__ = ["PARQUET_KEYS", "check_parquet", "load_parquet"]

PARQUET_KEYS = {"path", "grid", "strata", "entry", "time", "event", "group", "reference",
                "time_unit"}


def check_parquet(d: Mapping, fail) -> None:
    """Check the keys of a ``source = "parquet"`` table; ``fail(key, problem)`` raises.

    Examples
    --------
    >>> def fail(key, problem):
    ...     raise SpecError(f"spec: {key} {problem}")
    >>> check_parquet({"source": "parquet", "path": "rows/*.parquet"}, fail)
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.SpecError: spec: data.grid is missing (source = 'parquet' ...
    """
    if "path" not in d:
        fail("data.path", "is missing (source = 'parquet' needs a Parquet file, folder or glob "
             "of patient rows)")
    if "grid" not in d:
        fail("data.grid", "is missing (source = 'parquet' aggregates the rows on a grid: a "
             "step such as 1.0, or a list of times)")
    grid = d["grid"]
    numbers = grid if isinstance(grid, tuple) else (grid,)
    if not numbers or not all(isinstance(x, int | float) and not isinstance(x, bool)
                              for x in numbers):
        fail("data.grid", f"must be a number (a step) or a list of times, got {grid!r}")
    for key in ("strata", "entry"):
        if key in d and not isinstance(d[key], str):
            fail(f"data.{key}", f"must be a column name, got {d[key]!r}")


def load_parquet(d: Mapping, spec_path: Path | None, where: str) -> AggregatedData:
    """Aggregate the Parquet rows a ``[data]`` table names.

    Examples
    --------
    >>> load_parquet({"path": "nowhere/*.parquet", "grid": 1.0}, None, "my.toml")
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.SpecError: my.toml: data.path = 'nowhere/*.parquet' matches no file
    """
    base = spec_path.parent if spec_path else Path.cwd()
    pattern = str(base / d["path"])
    files = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
    files = [f for f in files if Path(f).exists()]
    if not files:
        raise SpecError(f"{where}: data.path = {d['path']!r} matches no file")
    grid = d["grid"]
    return aggregate(files[0] if len(files) == 1 else files, time=d.get("time", "time"),
                     event=d.get("event", "event"), group=d.get("group", "arm"),
                     reference=d.get("reference"), time_unit=d.get("time_unit", "months"),
                     grid=list(grid) if isinstance(grid, tuple) else grid,
                     strata=d.get("strata"), entry=d.get("entry"))
