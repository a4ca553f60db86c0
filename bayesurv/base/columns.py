"""Checks of tables and their columns: patient rows, digitized curves and risk tables.

Each ``check_*`` function either returns cleaned values or raises a
:class:`~bayesurv.base.exceptions.BayesurvInputError` subclass whose message names the input,
the column, the first offending rows and their values.  Checks of single arguments (times,
positive numbers, sampler settings) are in :mod:`bayesurv.base.checks`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from bayesurv.base.checks import describe_rows, repr_argument
from bayesurv.base.exceptions import DataError, DigitizedCurveError

__all__ = ["check_binary", "check_columns_present", "check_frame", "check_no_missing",
           "check_nonnegative", "check_not_boolean", "check_numeric", "check_scalar_labels",
           "column_of", "group_labels", "numeric_column", "where_label"]

# Dates, durations and intervals: numbers only after a choice (origin, unit, end point) that
# the caller must make.
DATE_TYPES = (dt.date, dt.datetime, dt.timedelta, np.datetime64, np.timedelta64, pd.Period,
              pd.Interval)


# ---------------------------------------------------------------------- patient rows
def check_frame(df, what: str = "data") -> pd.DataFrame:
    """Require a non-empty pandas DataFrame with unique column names.

    Parameters
    ----------
    df : object
        The table to check.
    what : str
        The input's name, for messages.

    Returns
    -------
    pandas.DataFrame
        ``df`` itself (not a copy).

    Examples
    --------
    >>> check_frame(pd.DataFrame({"time": [1.0]})).shape
    (1, 1)
    >>> check_frame([1, 2])
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: data must be a pandas DataFrame, got list
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise DataError(f"{what} has no rows")
    duplicated = df.columns[df.columns.duplicated()].unique().tolist()
    if duplicated:
        raise DataError(f"{what} has duplicated column names: {duplicated}")
    return df


def check_columns_present(df: pd.DataFrame, columns: dict[str, str], what: str = "data") -> None:
    """Require every named column.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    columns : dict
        Role (e.g. ``"time"``) to column name.
    what : str
        The input's name, for messages.

    Examples
    --------
    >>> check_columns_present(pd.DataFrame({"t": [1]}), {"time": "months"})
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: data: the time column 'months' is not in the data ...
    """
    for role, name in columns.items():
        if not pd.api.types.is_hashable(name):
            raise DataError(f"{what}: the {role} column must be given by its name, got "
                            f"{repr_argument(name)}")
        if name not in df.columns:
            available = ", ".join(map(str, df.columns[:20]))
            raise DataError(
                f"{what}: the {role} column {name!r} is not in the data "
                f"(columns: {available}{', ...' if df.shape[1] > 20 else ''})"
            )


def check_no_missing(series: pd.Series, column: str, what: str = "data") -> None:
    """Reject missing values (NaN, None, NA, NaT).

    Parameters
    ----------
    series : pandas.Series
        The column's values.
    column, what : str
        The column's name and the input's, for messages.

    Examples
    --------
    >>> check_no_missing(pd.Series([1.0, None]), "time")
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: data: column 'time' has 1 missing value(s) at row 1; ...
    """
    missing = series.isna().to_numpy()
    if missing.any():
        labels = series.index[missing]
        raise DataError(
            f"{what}: column {column!r} has {int(missing.sum())} missing value(s) at "
            f"{describe_rows(labels)}; bayesurv never drops rows, remove or impute them first"
        )


def check_numeric(series: pd.Series, column: str, what: str = "data") -> np.ndarray:
    """Convert to float64, or reject the values that are not finite numbers.

    Parameters
    ----------
    series : pandas.Series
        The column's values; text holding numbers is read as the number.
    column, what : str
        The column's name and the input's, for messages.

    Returns
    -------
    numpy.ndarray
        The values as float64 (a new array).

    Examples
    --------
    >>> check_numeric(pd.Series([1, "2.5"]), "time")
    array([1. , 2.5])
    >>> check_numeric(pd.Series([1, "soon"]), "time")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: data: column 'time' must hold ... at row 1 (value 'soon')
    """
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=float)
    if isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_datetime64_any_dtype(
        series
    ) or pd.api.types.is_timedelta64_dtype(series):
        raise DataError(
            f"{what}: column {column!r} must be numeric, got dtype {series.dtype} "
            f"(first values {describe_rows(series.index[:3], series.iloc[:3])})"
        )
    if pd.api.types.is_complex_dtype(series):
        raise DataError(f"{what}: column {column!r} must be real numbers, got complex values")
    converted = pd.to_numeric(series, errors="coerce")
    if pd.api.types.is_complex_dtype(converted):  # an object column holding complex numbers
        bad = np.asarray([isinstance(v, complex | np.complexfloating) for v in series])
        raise DataError(f"{what}: column {column!r} must be real numbers; found complex values "
                        f"at {describe_rows(series.index[bad], series[bad])}")
    bad = converted.isna().to_numpy() & ~series.isna().to_numpy()
    values = converted.to_numpy(dtype=float, na_value=np.nan)
    bad |= np.isinf(values)
    if bad.any():
        labels = series.index[bad]
        raise DataError(
            f"{what}: column {column!r} must hold finite numbers; found other values at "
            f"{describe_rows(labels, series[bad])}"
        )
    return values


def check_not_boolean(series: pd.Series, column: str, role: str, what: str = "data") -> None:
    """Reject True/False where numbers are meant (e.g. times: the columns may be swapped).

    Parameters
    ----------
    series : pandas.Series
        The column's values.
    column : str
        The column's name, for messages.
    role : str
        What the column is for (``"time"``), for messages.
    what : str
        The input's name, for messages.

    Examples
    --------
    >>> check_not_boolean(pd.Series([True, False]), "months", "time")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: data: the time column 'months' holds True/False at ...
    """
    if pd.api.types.is_bool_dtype(series):
        bad = np.ones(len(series), dtype=bool)
    elif pd.api.types.is_object_dtype(series):
        bad = np.asarray([isinstance(v, bool | np.bool_) for v in series], dtype=bool)
    else:
        return
    if bad.any():
        raise DataError(
            f"{what}: the {role} column {column!r} holds True/False at "
            f"{describe_rows(series.index[bad], series[bad])}; {role}s must be numbers "
            "(are two columns swapped?)"
        )


def check_scalar_labels(series: pd.Series, column: str, what: str = "data") -> None:
    """Labels (e.g. groups) must be single values: text, numbers or booleans, not lists.

    Parameters
    ----------
    series : pandas.Series
        The column's values.
    column, what : str
        The column's name and the input's, for messages.

    Examples
    --------
    >>> check_scalar_labels(pd.Series(["a", ["b"]]), "arm")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: data: column 'arm' must hold single labels ... at row 1...
    """
    if not pd.api.types.is_object_dtype(series) or pd.api.types.infer_dtype(
            series, skipna=True) in ("string", "integer", "floating", "boolean",
                                     "mixed-integer-float", "decimal"):
        return
    bad = np.asarray([not pd.api.types.is_hashable(v) or isinstance(v, tuple | frozenset)
                      for v in series], dtype=bool)
    if bad.any():
        raise DataError(
            f"{what}: column {column!r} must hold single labels (text or numbers); found "
            f"containers at {describe_rows(series.index[bad], series[bad])}"
        )


def check_nonnegative(values: np.ndarray, index: pd.Index, column: str, what: str = "data") -> None:
    """Reject negative values.

    Parameters
    ----------
    values : numpy.ndarray
        The column's values, as numbers.
    index : pandas.Index
        Their row labels, for messages.
    column, what : str
        The column's name and the input's, for messages.

    Examples
    --------
    >>> check_nonnegative(np.array([1.0, -2.0]), pd.RangeIndex(2), "time")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: data: column 'time' must not be negative; ... (value -2.0)
    """
    bad = values < 0
    if bad.any():
        raise DataError(
            f"{what}: column {column!r} must not be negative; found negative values at "
            f"{describe_rows(index[bad], values[bad])}"
        )


def check_binary(series: pd.Series, column: str, what: str = "data") -> np.ndarray:
    """Accept 0/1 (any numeric dtype) or booleans.

    Parameters
    ----------
    series : pandas.Series
        The column's values.
    column, what : str
        The column's name and the input's, for messages.

    Returns
    -------
    numpy.ndarray
        The values as int8 0/1 (a new array).

    Examples
    --------
    >>> check_binary(pd.Series([True, False]), "event")
    array([1, 0], dtype=int8)
    >>> check_binary(pd.Series([1, 2]), "event")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: data: column 'event' must be 0 (censored) or 1 (event), ...
    """
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.int8)
    values = check_numeric(series, column, what)
    bad = ~np.isin(values, (0.0, 1.0))
    if bad.any():
        raise DataError(
            f"{what}: column {column!r} must be 0 (censored) or 1 (event), or booleans; "
            f"found other values at {describe_rows(series.index[bad], series[bad])}"
        )
    return values.astype(np.int8)


# ---------------------------------------------------------------------- digitized curves
def where_label(what: str, source: str | None) -> str:
    """``"risk table (file km.csv)"`` or just ``"risk table"``.

    Examples
    --------
    >>> where_label("risk table", "km.csv"), where_label("risk table", None)
    ('risk table (file km.csv)', 'risk table')
    """
    return what if source is None else f"{what} (file {source})"


def column_of(df: pd.DataFrame, column, where: str, role: str) -> pd.Series:
    """The one column named ``column``, or an error if it is missing, repeated or not a name.

    ``role`` (e.g. ``"time"``) says what the column is for in the message.

    Examples
    --------
    >>> column_of(pd.DataFrame({"t": [1]}), "time", "curves", "time")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DigitizedCurveError: curves: the time column 'time' is missing ...
    """
    if not pd.api.types.is_hashable(column):
        raise DigitizedCurveError(f"{where}: the {role} column must be given by its name, got "
                                  f"{repr_argument(column)}")
    if column not in df.columns:
        raise DigitizedCurveError(f"{where}: the {role} column {column!r} is missing (columns: "
                                  f"{', '.join(map(str, df.columns))})")
    selected = df[column]
    if isinstance(selected, pd.DataFrame):  # the name appears more than once
        raise DigitizedCurveError(f"{where}: the {role} column name {column!r} appears "
                                  f"{selected.shape[1]} times; column names must be unique")
    return selected


def _in_groups(df: pd.DataFrame, bad: np.ndarray, group_col) -> str:
    if group_col is None:
        return ""
    return f" in group(s) {sorted(set(map(str, df.loc[bad, group_col])))}"


def _wrong_kind(series: pd.Series) -> tuple[np.ndarray, str] | None:
    """Rows holding values that ``pd.to_numeric`` would turn into numbers the caller did not
    write (True -> 1, a date -> nanoseconds, 2+1j -> 2), and what they are."""
    dtype = series.dtype
    every = np.ones(len(series), dtype=bool)
    if pd.api.types.is_bool_dtype(dtype):
        return every, "True/False"
    if (pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)
            or isinstance(dtype, pd.PeriodDtype | pd.IntervalDtype)):
        return every, f"dates, durations or intervals (dtype {dtype})"
    if pd.api.types.is_complex_dtype(dtype):
        return every, f"complex numbers (dtype {dtype})"
    if not pd.api.types.is_object_dtype(dtype):
        return None
    values = series.to_numpy()
    for kinds, what in (((bool, np.bool_), "True/False"),
                        ((complex, np.complexfloating), "complex numbers"),
                        (DATE_TYPES, "dates, durations or intervals")):
        bad = np.fromiter((isinstance(v, kinds) for v in values), dtype=bool, count=len(values))
        if bad.any():
            return bad, what
    return None


def numeric_column(df: pd.DataFrame, column, where: str, group_col, role: str | None = None):
    """Float values of a column, or an error naming the column, groups, rows and values.

    Text holding numbers (``"0.5"``) is read as the number.  True/False, dates, durations
    and complex numbers are errors, not converted: each has a numeric form (1, nanoseconds,
    the real part) that is not what the caller meant.

    Examples
    --------
    >>> numeric_column(pd.DataFrame({"s": ["0.5", 1]}), "s", "curves", None)
    array([0.5, 1. ])
    """
    series = column_of(df, column, where, role or str(column))
    wrong = _wrong_kind(series)
    if wrong is not None:
        bad, what = wrong
        raise DigitizedCurveError(
            f"{where}: column {column!r} must hold real numbers; found {what}"
            f"{_in_groups(df, bad, group_col)} at {describe_rows(df.index[bad], series[bad])}")
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise DigitizedCurveError(
            f"{where}: column {column!r} must hold finite numbers; found other values"
            f"{_in_groups(df, bad, group_col)} at {describe_rows(df.index[bad], series[bad])}")
    return values


def _single_names(series: pd.Series) -> bool:
    """Whether every value is hashable and no container (checked on the distinct values,
    so millions of rows of a few names cost one hash each)."""
    try:
        names = pd.unique(series.to_numpy())
    except TypeError:  # an unhashable value
        return False
    return not any(isinstance(v, tuple | frozenset) or not pd.api.types.is_hashable(v)
                   for v in names)


def group_labels(df: pd.DataFrame, column, where: str) -> np.ndarray:
    """Group names as strings, or an error naming the rows where they are missing, are
    containers, or where one name is written in two ways (``1`` and ``"1"``).

    Examples
    --------
    >>> group_labels(pd.DataFrame({"g": [1, "1"]}), "g", "curves")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DigitizedCurveError: curves: group column 'g' has labels that ...
    """
    series = column_of(df, column, where, "group")
    missing = series.isna().to_numpy()
    if missing.any():
        raise DigitizedCurveError(f"{where}: group column {column!r} has missing values at "
                                  f"{describe_rows(df.index[missing])}")
    if pd.api.types.is_object_dtype(series.dtype) and not _single_names(series):
        values = series.to_numpy()
        bad = np.fromiter((not pd.api.types.is_hashable(v) or isinstance(v, tuple | frozenset)
                           for v in values), dtype=bool, count=len(values))
        if bad.any():
            raise DigitizedCurveError(
                f"{where}: group column {column!r} must hold single names (text or numbers); "
                f"found containers at {describe_rows(df.index[bad], series[bad])}")
    labels = series.astype(str).to_numpy(dtype=object)
    # each group must have one name and each name one group: 1 and "1" (two groups in the
    # caller's data, one name) or 1 and 1.0 (one value, two names) are ambiguous
    pairs = pd.DataFrame({"value": pd.factorize(series)[0], "label": labels}).drop_duplicates()
    clash = (pairs["value"].duplicated(keep=False) | pairs["label"].duplicated(keep=False))
    if clash.any():
        rows = pairs.index[clash.to_numpy()].to_numpy()
        raise DigitizedCurveError(
            f"{where}: group column {column!r} has labels that are one value written "
            f"differently, or different values written alike, at "
            f"{describe_rows(df.index[rows], series.iloc[rows])}; make the column one type")
    return labels
