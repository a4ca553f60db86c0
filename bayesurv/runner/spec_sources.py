"""Where a spec's data come from: a shipped dataset, a CSV of patient rows or digitized curves.

The functions read the validated ``[data]`` and ``[compare]`` tables of a
:class:`~bayesurv.runner.spec.Spec`; paths in them are relative to the spec file's folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from bayesurv.base.checks import describe_rows, repr_value
from bayesurv.base.exceptions import BayesurvInputError, SpecError
from bayesurv.base.files import parse_csv, read_input_text
from bayesurv.data.survival_data import SurvivalData

__all__ = ["PUBLISHED_COLUMNS", "SHIPPED", "SOURCES", "check_published_file",
           "data_note", "load_source", "published_table", "read_csv", "resolve"]

SHIPPED = ("shi2021",)
SOURCES = (*SHIPPED, "csv", "digitized", "parquet")
SYNTHETIC_NOTE = (
    "The data are a synthetic cohort calibrated to the published summaries of Shi et al. "
    "(Hepatol Int 2021;15:1431-1441); they are not the trial's patients, whose data are not "
    "public.")
DIGITIZED_NOTE = (
    "The data are patient rows reconstructed (Guyot et al. 2012) from digitized Kaplan-Meier "
    "curves of a synthetic cohort calibrated to the published summaries of Shi et al. "
    "(Hepatol Int 2021;15:1431-1441); they are not the trial's patients, whose data are not "
    "public.")
# the columns of a published HR table; an HR and its interval are reported together
PUBLISHED_COLUMNS = ("start", "end", "hr", "lower", "upper")
HR_COLUMNS = ("hr", "lower", "upper")


def resolve(spec_path: Path | None, relative: str, where: str) -> Path:
    """The file ``relative`` names, relative to the spec's folder (or the working folder).

    Examples
    --------
    >>> resolve(Path("models/shi2021_death.toml"), "shi2021_hcc.toml", "spec").name
    'shi2021_hcc.toml'
    >>> resolve(None, "nowhere.csv", "my.toml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.SpecError: my.toml: file 'nowhere.csv' not found (looked for ...)
    """
    base = spec_path.parent if spec_path else Path.cwd()
    path = (base / relative).resolve()
    if not path.exists():
        raise SpecError(f"{where}: file {relative!r} not found (looked for {path})")
    return path


def read_csv(path: Path, where: str, required=None) -> pd.DataFrame:
    """A CSV file as a DataFrame, or a :class:`SpecError` naming the spec and the file.

    Parameters
    ----------
    path : pathlib.Path
        The file; it must be a regular file of UTF-8 text, no larger than the input size
        limit (see :mod:`bayesurv.base.files`).
    where : str
        The spec file, the key and the file's name, for messages.
    required : mapping or sequence of pairs, optional
        The columns needed, ``what it is for -> name``: checked in the header before the
        rows are read, so a wrong file is named without quoting it.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "empty.csv"
    ...     _ = path.write_text("")
    ...     read_csv(path, "my.toml: data.path")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.SpecError: my.toml: data.path: cannot be read as CSV (No columns ...
    """
    return parse_csv(read_input_text(path, where, SpecError), where, SpecError, required)


def _where_file(where: str, key: str, relative: str) -> str:
    return f"{where}: {key} (file {Path(relative).name})"


def load_source(data: Mapping, spec_path: Path | None, where: str
                ) -> tuple[SurvivalData, pd.DataFrame | None]:
    """The data a ``[data]`` table names, and the reconstruction diagnostics when they come
    from digitized curves (None for patient rows).

    Examples
    --------
    >>> rows, reconstruction = load_source({"source": "shi2021", "endpoint": "hcc"}, None,
    ...                                    "spec")
    >>> rows.n_events, reconstruction is None
    (36, True)
    """
    d = data
    source = d["source"]
    columns = {"time": d.get("time", "time"), "event": d.get("event", "event"),
               "group": d.get("group", "arm"), "reference": d.get("reference"),
               "covariates": None if d.get("covariates") is None else list(d["covariates"]),
               "time_unit": d.get("time_unit", "months")}
    if source == "csv":
        required = [(f"{role} column", columns[role]) for role in ("time", "event", "group")]
        required += [("covariate column", c) for c in columns["covariates"] or ()]
        frame = read_csv(resolve(spec_path, d["path"], where),
                         _where_file(where, "data.path", d["path"]), required)
        return SurvivalData.from_frame(frame, **columns), None
    if source == "parquet":  # aggregated on Dask: the rows are never in memory
        from bayesurv.runner.spec_parquet import load_parquet

        return load_parquet(d, spec_path, where), None
    if source == "shi2021":
        from bayesurv import datasets

        columns["reference"] = columns["reference"] or "control"
        if not d.get("digitized", False):
            return SurvivalData.from_frame(datasets.shi2021(d.get("endpoint", "death")),
                                           **columns), None
    from bayesurv.digitized.reconstruct import reconstruct_ipd

    curves, risk, total_events = digitized_source(d, spec_path, where)
    ipd = reconstruct_ipd(curves, risk, total_events=total_events)
    diagnostics = pd.DataFrame(ipd.attrs.get("diagnostics", []))
    return reconstructed_rows(ipd, d), diagnostics


def reconstructed_rows(ipd: pd.DataFrame, d: Mapping) -> SurvivalData:
    """Reconstructed patient rows as the SurvivalData of a ``[data]`` table ``d``.

    Examples
    --------
    >>> ipd = pd.DataFrame({"time": [1.0, 2.0], "event": [1, 0], "group": ["a", "b"]})
    >>> reconstructed_rows(ipd, {"source": "digitized", "reference": "a"}).source
    'reconstructed from digitized curves'
    """
    reference = d.get("reference") or ("control" if d["source"] == "shi2021" else None)
    rows = SurvivalData.from_frame(ipd, time="time", event="event", group="group",
                                   reference=reference,
                                   time_unit=d.get("time_unit", "months"))
    return rows.replace(source="reconstructed from digitized curves")


def digitized_source(d: Mapping, spec_path: Path | None, where: str):
    """The digitized curves, numbers at risk and total events a ``[data]`` table names.

    Examples
    --------
    >>> curves, risk, events = digitized_source({"source": "shi2021", "digitized": True},
    ...                                         None, "spec")
    >>> curves.groups, events is None
    (('control', 'UC-MSC'), True)
    """
    if d["source"] == "shi2021":
        from bayesurv import datasets

        curves, risk = datasets.shi2021(d.get("endpoint", "death"), digitized=True)
        return curves, risk, None
    from bayesurv.digitized.io import read_curves_csv, read_risk_table_csv

    key = "data.curves"
    try:
        curves = read_curves_csv(resolve(spec_path, d["curves"], where),
                                 scale=d.get("scale", "auto"))
        key = "data.risk_table"
        risk = (read_risk_table_csv(resolve(spec_path, d["risk_table"], where))
                if "risk_table" in d else None)
    except SpecError:
        raise
    except BayesurvInputError as exc:
        raise SpecError(f"{where}: {key}: {exc}") from None
    total_events = d.get("total_events")
    if isinstance(total_events, Mapping):
        total_events = dict(total_events)
    return curves, risk, total_events


def published_table(compare: Mapping, data: Mapping, spec_path: Path | None,
                    where: str) -> pd.DataFrame | None:
    """The published HR table a ``[compare]`` table names (None when it names none).

    A file is checked by :func:`check_published_file`.

    Examples
    --------
    >>> table = published_table({"published": "shi2021"}, {"endpoint": "hcc"}, None, "spec")
    >>> len(table), table["endpoint"].unique().tolist()
    (3, ['hcc'])
    """
    published = compare.get("published")
    if published is None:
        return None
    if published in SHIPPED:
        from bayesurv import datasets

        table = datasets.shi2021_published()
        endpoint = compare.get("published_endpoint", data.get("endpoint", "death"))
        return table[table["endpoint"] == endpoint].reset_index(drop=True)
    where_file = _where_file(where, "compare.published", published)
    path = resolve(spec_path, published, where)
    text = read_input_text(path, where_file, SpecError)
    table = parse_csv(text, where_file, SpecError,
                      {f"{column} column": column for column in PUBLISHED_COLUMNS})
    table.index = _line_numbers(text, len(table))
    return check_published_file(table, where_file)


def _line_numbers(text: str, n_rows: int) -> pd.Index:
    """The line of each data row (after the header), when blank lines are the only gaps;
    else the data rows counted from 1."""
    lines = [k for k, line in enumerate(text.splitlines(), start=1) if line.strip()][1:]
    return pd.Index(lines) if len(lines) == n_rows else pd.RangeIndex(1, n_rows + 1)


def check_published_file(table: pd.DataFrame, where: str) -> pd.DataFrame:
    """The published HR table of a file, its numbers checked, or a :class:`SpecError`.

    Each row is a window (``start``, ``end``: numbers, ``0 <= start < end``) and its HR with
    the interval (``hr``, ``lower``, ``upper``: ``0 < lower <= hr <= upper``) and optionally
    ``p``.  A value that was not reported is left empty: the HR and its interval together,
    or ``p`` alone.  Row labels in messages are the file's line numbers.

    Examples
    --------
    >>> table = pd.DataFrame({"start": [0, 13], "end": [13, 75], "hr": [0.9, "NR"],
    ...                       "lower": [0.4, None], "upper": [2.1, None]}, index=[2, 3])
    >>> check_published_file(table, "hr.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.SpecError: hr.csv: column 'hr' must hold numbers; found line 3 ...
    """
    values = {}
    for column in (*PUBLISHED_COLUMNS, *(["p"] if "p" in table.columns else [])):
        series = table[column]
        numbers = pd.to_numeric(series, errors="coerce")
        bad = (series.notna() & numbers.isna()).to_numpy()
        if pd.api.types.is_bool_dtype(series) or pd.api.types.is_object_dtype(series):
            bad |= np.fromiter((isinstance(v, bool | np.bool_) for v in series), dtype=bool,
                               count=len(series))
        if bad.any():
            raise SpecError(f"{where}: column {column!r} must hold numbers; found "
                            f"{_lines(table.index[bad], series[bad])}; leave values that were "
                            "not reported empty")
        values[column] = numbers.to_numpy(dtype=float, na_value=np.nan)
    start, end = values["start"], values["end"]
    _refuse(table, np.isnan(start) | np.isnan(end), where,
            "every row needs its window's start and end; empty", "start", "end")
    _refuse(table, ~np.isfinite(start) | (start < 0) | ~(end > start), where,
            "windows need 0 <= start < end; not so", "start", "end")
    given = ~np.isnan(np.column_stack([values[c] for c in HR_COLUMNS]))
    _refuse(table, given.any(axis=1) & ~given.all(axis=1), where,
            "an HR and its interval are reported together or left empty together; only "
            "some given", *HR_COLUMNS)
    hr, lower, upper = (values[c] for c in HR_COLUMNS)
    with np.errstate(invalid="ignore"):
        bad = given.all(axis=1) & ~((lower > 0) & (lower <= hr) & (hr <= upper)
                                    & np.isfinite(upper))
    _refuse(table, bad, where, "each row needs 0 < lower <= hr <= upper; not so", *HR_COLUMNS)
    if "p" in values:
        p = values["p"]
        _refuse(table, ~np.isnan(p) & ~((p >= 0) & (p <= 1)), where,
                "p-values must be between 0 and 1; not so", "p")
    return table.assign(**values)


def _lines(index, values=None) -> str:
    return describe_rows(index, values).replace("row", "line", 1)


def _refuse(table: pd.DataFrame, bad: np.ndarray, where: str, problem: str, *columns) -> None:
    if bad.any():
        shown = "; ".join(f"{column} " + ", ".join(map(repr_value, table[column][bad].iloc[:5]))
                          for column in columns)
        raise SpecError(f"{where}: {problem} at {_lines(table.index[bad])} ({shown})")


def data_note(data: Mapping) -> str | None:
    """A sentence on data provenance for reports: synthetic data say so (None otherwise).

    Examples
    --------
    >>> data_note({"source": "shi2021", "digitized": True})[:44]
    'The data are patient rows reconstructed (Guy'
    >>> data_note({"source": "csv"}) is None
    True
    """
    if data["source"] not in SHIPPED:
        return None
    return DIGITIZED_NOTE if data.get("digitized", False) else SYNTHETIC_NOTE
