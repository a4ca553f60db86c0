"""Aggregation of patient rows too many for memory, on Dask: events and person-time per piece.

Each partition of the rows (a Parquet file or row group, or a slice of a DataFrame) is
checked by the same rules as :meth:`bayesurv.SurvivalData.from_frame` and condensed into
events, person-time and follow-up ends per (grid piece, group) by
:func:`bayesurv.data.exposure.cell_totals`; the partition totals are then added up.  Memory
is bounded by a partition (times the scheduler's threads or workers), whatever the number
of rows.  Dask is imported on first use, so ``import bayesurv`` does not pay for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bayesurv.base.checks import check_times, describe_rows, repr_argument, repr_label
from bayesurv.base.columns import (
    check_columns_present,
    check_frame,
    check_no_missing,
    check_nonnegative,
    check_not_boolean,
    check_numeric,
)
from bayesurv.base.exceptions import DataError
from bayesurv.data.aggregated import AggregatedData
from bayesurv.data.aggregated_strata import Strata
from bayesurv.data.encoding import (
    WHAT,
    check_patient_columns,
    checked_times_events,
    group_codes,
    order_levels,
)
from bayesurv.data.exposure import ExposureTable, cell_totals, fine_grid, piece_index

__all__ = ["aggregate"]

PANDAS_PARTITION_ROWS = 1_000_000  # a pandas frame is checked and condensed in such slices
FAN_IN = 8  # partition totals added up per task


def aggregate(source, *, time="time", event="event", group="arm", reference=None,
              time_unit: str = "months", grid, strata=None, entry=None,
              client=None) -> AggregatedData:
    """Events and person-time per grid piece and group of patient rows, on Dask.

    Parameters
    ----------
    source : dask DataFrame, str, path, list of paths or pandas.DataFrame
        The patient rows: a Dask DataFrame, a Parquet file, folder or glob
        (``"cohort/*.parquet"``) or a list of Parquet files, or a pandas DataFrame
        (processed in slices of :data:`PANDAS_PARTITION_ROWS` rows).
    time, event, group, reference, time_unit
        As in :meth:`bayesurv.SurvivalData.from_frame`.
    grid : float or sequence of float
        A step (``1.0``: a piece per time unit, up to the longest follow-up) or the piece
        edges.  Every cut of a model fitted to the result must lie on this grid.
    strata : str, optional
        Column of strata (e.g. centre or region): events, person-time and counts are also
        kept per stratum (:attr:`AggregatedData.strata`), for stratified summaries, life
        tables and Kaplan-Meier curves and for :meth:`AggregatedData.stratum`.  Stratum
        labels follow the rules of group labels.  The models have no strata: they fit the
        table summed over the strata (fit one per stratum with ``agg.stratum(level)``).
    entry : str, optional
        Column of entry times (delayed entry, left truncation): a patient is at risk from
        ``entry`` to ``time``, so contributes person-time ``min(max(time - edge_j, 0),
        width_j) - min(max(entry - edge_j, 0), width_j)`` to piece ``j``.  Entry times
        follow the rules of follow-up times and must not be after them.
    client : dask.distributed.Client, optional
        Run on that cluster; default: Dask's threaded scheduler in this process.

    Returns
    -------
    AggregatedData

    Raises
    ------
    DataError
        A row breaks a rule of :meth:`~bayesurv.SurvivalData.from_frame`; the message names
        the partition (numbered from 0, in the order of the files or of the Dask DataFrame)
        and the row by its label: the label of the pandas DataFrame, or for Parquet files
        stored without an index, the row's position in its partition, from 0.

    Examples
    --------
    >>> import bayesurv as bs
    >>> df = bs.datasets.shi2021("death")
    >>> agg = bs.aggregate(df, reference="control", grid=1.0)
    >>> agg.n, agg.n_events, agg.table.events.shape
    (219, 44, (85, 2))
    >>> data = bs.SurvivalData.from_frame(df, reference="control")
    >>> direct = ExposureTable.from_data(data, agg.grid)
    >>> bool(np.allclose(agg.table.exposure, direct.exposure, rtol=1e-12, atol=0))
    True
    """
    step, edges = _resolve_grid(grid)
    frame = _dask_frame(source, time, event, group, entry, strata)
    parts = frame.to_delayed()
    import dask

    spec = _Spec(time, event, group, step, edges, len(parts), entry, strata)
    totals = [dask.delayed(_partition_totals)(part, i, spec) for i, part in enumerate(parts)]
    while len(totals) > 1:
        totals = [dask.delayed(_add)(*totals[i:i + FAN_IN])
                  for i in range(0, len(totals), FAN_IN)]
    if client is None:
        (total,) = dask.compute(totals[0], scheduler="threads")
    else:
        total = client.compute(totals[0]).result()
    return _finish(total, spec, reference, time_unit, frame)


@dataclass(frozen=True)
class _Spec:
    time: object
    event: object
    group: object
    step: float | None
    edges: np.ndarray | None
    n_parts: int
    entry: object = None
    strata: object = None


@dataclass
class _Totals:
    """Totals of some partitions, per (piece, cell); a cell is a group name, or with strata
    a (group name, stratum name) pair."""

    names: list
    events: np.ndarray
    exposure: np.ndarray
    ending: np.ndarray
    max_time: np.ndarray
    sum_time: np.ndarray
    # for each level name: its value and where it was first seen, by the value's type
    seen: dict = field(default_factory=dict)
    entering: np.ndarray | None = None  # entries after time 0, per piece (delayed entry)
    seen_strata: dict = field(default_factory=dict)  # as ``seen``, for the stratum labels


def _resolve_grid(grid) -> tuple[float | None, np.ndarray | None]:
    if np.ndim(grid) == 0 and not isinstance(grid, str | bytes | bool | np.bool_):
        try:
            step = float(grid)
        except (TypeError, ValueError):
            step = np.nan
        if not np.isfinite(step) or step <= 0:
            raise DataError(f"aggregate: grid must be a step > 0 or a sequence of times, got "
                            f"{repr_argument(grid)}")
        return step, None
    return None, fine_grid(check_times(grid, "grid", "aggregate", DataError, allow_empty=False))


def _dask_frame(source, time, event, group, entry, strata=None):
    import dask.dataframe as dd

    columns = [time, event, group] + [c for c in (entry, strata) if c is not None]
    if isinstance(source, pd.DataFrame):
        check_frame(source, WHAT)
        _check_columns(source, time, event, group, entry, strata)
        return dd.from_pandas(source[columns], chunksize=PANDAS_PARTITION_ROWS, sort=False)
    if isinstance(source, str | os.PathLike):
        frame = dd.read_parquet(os.fspath(source))
    elif isinstance(source, list | tuple) and source and all(
            isinstance(path, str | os.PathLike) for path in source):
        frame = dd.read_parquet([os.fspath(path) for path in source])
    elif isinstance(source, dd.DataFrame):
        frame = source
    else:
        raise DataError(f"aggregate: source must be a Dask or pandas DataFrame, a Parquet "
                        f"path or a list of them, got {type(source).__name__}")
    _check_columns(frame, time, event, group, entry, strata)
    return frame[columns]


def _check_columns(frame, time, event, group, entry, strata=None) -> None:
    check_patient_columns(frame, time, event, group)
    for role, column in (("entry", entry), ("strata", strata)):
        if column is None:
            continue
        check_columns_present(frame, {role: column}, WHAT)
        if column in (time, event, group) or (role == "strata" and column == entry):
            raise DataError(f"{WHAT}: the {role} column {column!r} is also the time, event, "
                            "group or entry column")


def _stratum_codes(df: pd.DataFrame, column, what: str):
    """Stratum labels, checked by the rules of group labels (named as strata)."""
    check_no_missing(df[column], column, what)
    try:
        return group_codes(df[column], column, what)
    except DataError as error:
        raise DataError(str(error).replace("group column", "strata column")) from None


def _entries(df: pd.DataFrame, times: np.ndarray, spec: _Spec, what: str) -> np.ndarray:
    """Entry times, checked as follow-up times are, and not after the end of follow-up."""
    column = spec.entry
    check_no_missing(df[column], column, what)
    check_not_boolean(df[column], column, "entry time", what)
    entries = check_numeric(df[column], column, what)
    check_nonnegative(entries, df.index, column, what)
    late = entries > times
    if late.any():
        raise DataError(f"{what}: entry column {column!r} is after the end of follow-up "
                        f"({spec.time!r}) at {describe_rows(df.index[late], entries[late])}")
    return entries


def _partition_totals(df: pd.DataFrame, number: int, spec: _Spec) -> _Totals:
    what = f"{WHAT} (partition {number}, numbered from 0, of {spec.n_parts})"
    if len(df) == 0:
        return _Totals([], *(np.zeros((1, 0)) for _ in range(3)), np.zeros(0), np.zeros(0))
    times, events = checked_times_events(df, spec.time, spec.event, spec.group, what)
    codes, values, names = group_codes(df[spec.group], spec.group, what)
    group_first = _first_rows(codes, len(names))
    seen_strata = {}
    keys = names
    cells = codes
    if spec.strata is not None:
        s_codes, s_values, s_names = _stratum_codes(df, spec.strata, what)
        seen_strata = _seen(s_names, s_values, _first_rows(s_codes, len(s_names)), df,
                            number)
        cells, combos = pd.factorize(codes * len(s_names) + s_codes)
        keys = [(names[c // len(s_names)], s_names[c % len(s_names)]) for c in combos]
    edges = spec.edges
    if edges is None:  # a step grid, up to this partition's longest follow-up
        edges = spec.step * np.arange(int(np.ceil(times.max() / spec.step)) + 2)
    d, e, ends = cell_totals(edges, times, events, cells, len(keys))
    longest = np.full(len(keys), -np.inf)
    np.maximum.at(longest, cells, times)
    entering = None
    if spec.entry is not None:
        entries = _entries(df, times, spec, what)
        _, before_entry, _ = cell_totals(edges, entries, np.zeros(entries.size), cells,
                                         len(keys))
        # the same cells summed in another order can differ in the last bit
        e = np.maximum(e - before_entry, 0.0)
        late = entries > 0
        _, _, entering = cell_totals(edges, entries[late], np.zeros(int(late.sum())),
                                     cells[late], len(keys))
        times = times - entries  # the person-time summed below
    return _Totals(list(keys), d, e, ends, longest,
                   np.bincount(cells, weights=times, minlength=len(keys)),
                   _seen(names, values, group_first, df, number), entering, seen_strata)


def _first_rows(codes: np.ndarray, n_levels: int) -> np.ndarray:
    """Row of each level's first appearance."""
    # codes number the levels in order of appearance: level k first appears where the
    # running maximum of the codes reaches k
    return np.searchsorted(np.maximum.accumulate(codes), np.arange(n_levels))


def _seen(names, values, first, df: pd.DataFrame, number: int) -> dict:
    return {name: {type(value).__name__: (value, df.index[row], number)}
            for name, value, row in zip(names, values, first, strict=True)}


def _add(*parts: _Totals) -> _Totals:
    names = list(dict.fromkeys(name for part in parts for name in part.names))
    m = max(part.events.shape[0] for part in parts)
    shape = (m, len(names))
    total = _Totals(names, np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=np.int64),
                    np.zeros(len(names)), np.zeros(len(names)))
    if any(part.entering is not None for part in parts):
        total.entering = np.zeros(shape, dtype=np.int64)
    for part in parts:
        cols = [names.index(name) for name in part.names]
        rows = part.events.shape[0]
        total.events[:rows, cols] += part.events
        total.exposure[:rows, cols] += part.exposure
        total.ending[:rows, cols] += part.ending
        total.max_time[cols] = np.maximum(total.max_time[cols], part.max_time)
        total.sum_time[cols] += part.sum_time
        if part.entering is not None:
            total.entering[:rows, cols] += part.entering
        for seen, into in ((part.seen, total.seen), (part.seen_strata, total.seen_strata)):
            for name, by_type in seen.items():
                for kind, where in by_type.items():
                    into.setdefault(name, {}).setdefault(kind, where)
    return total


def _finish(total: _Totals, spec: _Spec, reference, time_unit: str, frame) -> AggregatedData:
    if not total.names:
        raise DataError(f"{WHAT} has no rows")
    groups = _consistent_labels(total.seen, spec.group, frame)
    ordered = order_levels(groups, spec.group, reference)
    if spec.strata is None:
        levels, cells = [None], [(name, None) for name in total.names]
    else:
        levels = _consistent_labels(total.seen_strata, spec.strata, frame, "strata column")
        try:
            levels = [str(v) for v in (levels if isinstance(levels, pd.Index)
                                       else sorted(levels))]
        except TypeError:  # mixed types cannot be sorted: keep order of appearance
            levels = [str(v) for v in levels]
        cells = total.names
    edges = spec.edges
    if edges is None:
        edges = spec.step * np.arange(total.events.shape[0])
        keep = int(piece_index(edges, np.array([total.max_time.max()]))[0]) + 1
    else:
        keep = edges.size
    # every total as (piece, group, stratum); a (group, stratum) never seen stays empty
    shape = (keep, len(ordered), len(levels))
    cube = {name: np.zeros(shape, dtype=float if name in ("events", "exposure") else np.int64)
            for name in ("events", "exposure", "ending", "entering")}
    longest, person_time = np.zeros(shape[1:]), np.zeros(shape[1:])
    for k, (name, level) in enumerate(cells):
        at = (ordered.index(name), levels.index(level))
        cube["events"][(slice(None), *at)] = total.events[:keep, k]
        cube["exposure"][(slice(None), *at)] = total.exposure[:keep, k]
        cube["ending"][(slice(None), *at)] = total.ending[:keep, k]
        if total.entering is not None:
            cube["entering"][(slice(None), *at)] = total.entering[:keep, k]
        longest[at] = total.max_time[k]
        person_time[at] = total.sum_time[k]
    rows = int(total.ending.sum())
    source = f"{rows} patient rows aggregated in {spec.n_parts} partition(s)"
    entering = None if total.entering is None else cube["entering"]
    strata = None
    if spec.strata is not None:
        strata = Strata(str(spec.strata), tuple(levels), cube["events"], cube["exposure"],
                        cube["ending"], entering, longest, person_time)
    table = ExposureTable(edges[:keep], cube["events"].sum(axis=2),
                          cube["exposure"].sum(axis=2), tuple(ordered))
    return AggregatedData(table, cube["ending"].sum(axis=2), longest.max(axis=1),
                          person_time.sum(axis=1), time_unit=time_unit, step=spec.step,
                          source=source,
                          entering=None if entering is None else entering.sum(axis=2),
                          strata=strata)


def _consistent_labels(seen: dict, column, frame, role: str = "group column"):
    """The values of the labels (by name, in order of appearance; a categorical column's
    categories in their order), once those of different partitions agree."""
    # labels seen in different partitions must be one value per name, as within one
    firsts = [where for by_type in seen.values() for where in by_type.values()]
    labels = pd.Series([value for value, _, _ in firsts], dtype=object,
                       index=[f"{repr_label(row)} of partition {number}"
                              for _, row, number in firsts])
    try:
        group_codes(labels, column, f"{WHAT} (all partitions)")
    except DataError as error:
        raise DataError(str(error).replace("group column", role)) from None
    values = [next(iter(by_type.values()))[0] for by_type in seen.values()]
    dtype = frame.dtypes[column]
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None:
        present = set(seen)
        categories = [c for c in dtype.categories if str(c) in present]
        if len(categories) == len(values):  # else the categories were not known to Dask
            values = pd.Index(categories, dtype=object)
    return values
