"""Readers for digitized Kaplan-Meier curves and numbers-at-risk tables.

- :func:`read_digitizer_csv`: the export of a plot digitizer such as WebPlotDigitizer: a
  wide CSV with one X,Y column pair per curve, under a row of curve names and a row of
  ``X,Y`` labels (either header row may be missing; a single two-column file is one curve).
- :func:`read_curves_csv`: a tidy long CSV with columns group, time, survival.
- :func:`read_risk_table_csv`: a tidy long CSV with columns group, time, n_at_risk.

Row labels in error messages are line numbers of the file (the first line is 1).  Files
must be UTF-8 text (a byte-order mark is allowed); anything else, and an empty file, is a
:class:`~bayesurv.DigitizedCurveError` naming the file.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from bayesurv.base.checks import repr_value
from bayesurv.base.exceptions import DigitizedCurveError
from bayesurv.base.files import parse_csv, read_input_text, where_file
from bayesurv.digitized.curve import DigitizedCurve
from bayesurv.digitized.risk_table import RiskTable

__all__ = ["read_curves_csv", "read_digitizer_csv", "read_risk_table_csv"]

AXIS_LABELS = {"x", "y", "time", "survival", "t", "s", "surv"}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_text(path: Path, where: str) -> str:
    """The file's text, or an error if it is not UTF-8 text (a missing file stays OSError)."""
    return read_input_text(path, where, DigitizedCurveError)


def _read_rows(path: Path, where: str) -> list[list[str]]:
    text = _read_text(path, where)
    lines = text.splitlines()
    first = lines[0] if text.strip() else ""
    delimiter = ";" if ";" in first and "," not in first else (
        "\t" if "\t" in first and "," not in first else ",")
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(lines, delimiter=delimiter)]
    except csv.Error as err:  # e.g. a field longer than the csv module's limit
        raise DigitizedCurveError(f"{where}: cannot be read as CSV: {err}") from None


def read_digitizer_csv(path, groups=None, scale: str = "auto",
                       time_unit: str | None = None) -> DigitizedCurve:
    """Read a plot digitizer's CSV export (one X,Y column pair per curve).

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file.  Layout: optionally a row of curve names (each over its X,Y pair),
        optionally a row of ``X,Y`` labels, then one row per point; a curve with fewer
        points than another leaves its cells empty.  A two-column file is one curve.
    groups : sequence of str, optional
        Curve names, in column order; they replace the names in the file.  Default: the
        names in the file, else the file's stem (one curve) or ``"curve 1"``, ...
    scale : {"auto", "fraction", "percent"}
        How survival (Y) is given; see :meth:`DigitizedCurve.from_frame`.
    time_unit : str, optional
        Unit of the X axis.

    Returns
    -------
    DigitizedCurve

    Raises
    ------
    DigitizedCurveError
        A file that is empty or not UTF-8 text (e.g. an image or a UTF-16 export), an odd
        number of columns, a point with only one coordinate, a value that is not a
        number (the message names the file, curve, line and value), or a curve that
        cannot be a survival curve.
    OSError
        The file cannot be opened (e.g. it does not exist).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import bayesurv as bs
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "km.csv"
    >>> _ = f.write_text("Control,,MSC,\\nX,Y,X,Y\\n0,100,0,100\\n5,80,6,90\\n9,80,,\\n")
    >>> bs.read_digitizer_csv(f).groups
    ('Control', 'MSC')
    """
    path = Path(path)
    where = where_file(path, "digitizer CSV")
    rows = _read_rows(path, where)
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        raise DigitizedCurveError(f"{where}: the file is empty")
    width = max(len(r) for r in rows)
    while width > 2 and all(len(r) < width or not r[width - 1] for r in rows):
        width -= 1  # trailing empty columns (e.g. a final delimiter on every line)
    rows = [r + [""] * (width - len(r)) for r in rows]
    header = 0
    while header < min(2, len(rows)) and any(c and not _is_number(c) for c in rows[header]):
        header += 1
    if width % 2:
        raise DigitizedCurveError(f"{where}: expected X,Y column pairs (an even number of "
                                  f"columns), found {width} columns")
    n_curves = width // 2
    names = _curve_names(rows[:header], n_curves, path)
    if groups is not None:
        groups = [str(g) for g in ([groups] if isinstance(groups, str) else groups)]
        if len(groups) != n_curves:
            raise DigitizedCurveError(f"{where}: {len(groups)} group names given but the file "
                                      f"has {n_curves} curve(s)")
        names = groups
    if len(set(names)) != len(names):
        first = next(k for k, name in enumerate(names) if names.count(name) > 1)
        again = names.index(names[first], first + 1)
        raise DigitizedCurveError(f"{where}: curves {first + 1} and {again + 1} have the same "
                                  "name; curve names must be unique")
    records, lines = [], []
    for offset, row in enumerate(rows[header:]):
        line = header + offset + 1
        for j, name in enumerate(names):
            x, y = row[2 * j], row[2 * j + 1]
            if not x and not y:
                continue
            if not x or not y:
                raise DigitizedCurveError(
                    f"{where}, curve {name!r}, line {line}: a point needs both X and Y, got "
                    f"X={repr_value(x or None)}, Y={repr_value(y or None)}")
            for label, value in (("X", x), ("Y", y)):
                if not _is_number(value):
                    raise DigitizedCurveError(
                        f"{where}, curve {name!r}, line {line}: {label} must be a number, got "
                        f"{repr_value(value)}")
            records.append((name, float(x), float(y)))
            lines.append(line)
    if not records:
        raise DigitizedCurveError(f"{where}: no points found")
    df = pd.DataFrame(records, columns=["group", "time", "survival"], index=lines)
    return DigitizedCurve.from_frame(df, scale=scale, time_unit=time_unit, source=path.name)


def _curve_names(header_rows, n_curves, path: Path) -> list[str]:
    for row in header_rows:
        cells = [row[2 * j] or row[2 * j + 1] for j in range(n_curves)]
        labels = {c.lower() for c in row if c}
        if all(cells) and not labels <= AXIS_LABELS:
            return cells
    return [path.stem] if n_curves == 1 else [f"curve {j + 1}" for j in range(n_curves)]


def _read_tidy(path, what: str, required: dict) -> tuple[pd.DataFrame, str]:
    path = Path(path)
    where = where_file(path, what)
    text = _read_text(path, where)
    if not any(line.strip() and not line.lstrip().startswith("#")
               for line in text.splitlines()):
        raise DigitizedCurveError(f"{where}: the file is empty"
                                  + (" (only comment lines)" if text.strip() else ""))
    df = parse_csv(text, where, DigitizedCurveError, required, comment="#")
    first_data_line = _first_data_line(text)
    df.index = pd.RangeIndex(first_data_line, first_data_line + len(df))
    return df, path.name


def _first_data_line(text: str) -> int:
    """Line number of the first data row (after comments, blank lines and the header)."""
    seen_header = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if seen_header:
            return number
        seen_header = True
    return 2


def read_curves_csv(path, group: str | None = "group", time: str = "time",
                    survival: str = "survival", scale: str = "auto",
                    time_unit: str | None = None) -> DigitizedCurve:
    """Read a tidy CSV of digitized points: one row per point (group, time, survival).

    Lines starting with ``#`` are comments (e.g. a note on where the points come from).

    Parameters
    ----------
    path : str or pathlib.Path
    group, time, survival : str
        Column names (``group=None`` for a single curve).
    scale : {"auto", "fraction", "percent"}
    time_unit : str, optional

    Returns
    -------
    DigitizedCurve

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "curves.csv"
    >>> _ = f.write_text("group,time,survival\\nA,0,1\\nA,3,0.8\\nB,0,1\\nB,4,0.9\\n")
    >>> read_curves_csv(f).groups
    ('A', 'B')
    """
    df, name = _read_tidy(path, "digitized curve", {"group column": group, "time column": time,
                                                    "survival column": survival})
    return DigitizedCurve.from_frame(df, group=group, time=time, survival=survival,
                                     scale=scale, time_unit=time_unit, source=name)


def read_risk_table_csv(path, group: str | None = "group", time: str = "time",
                        n_at_risk: str = "n_at_risk") -> RiskTable:
    """Read a tidy CSV of numbers at risk: one row per group and time.

    Lines starting with ``#`` are comments.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "risk.csv"
    >>> _ = f.write_text("group,time,n_at_risk\\nA,0,50\\nA,12,31\\n")
    >>> read_risk_table_csv(f).group_table("A")[1].tolist()
    [50, 31]
    """
    df, name = _read_tidy(path, "risk table", {"group column": group, "time column": time,
                                               "numbers-at-risk column": n_at_risk})
    return RiskTable.from_frame(df, group=group, time=time, n_at_risk=n_at_risk, source=name)
