"""Named validation functions shared by every public entry point.

Each ``check_*`` function either returns a cleaned value or raises a
:class:`~bayesurv.base.exceptions.BayesurvInputError` subclass whose message names the input,
the column, the first offending rows and their values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from numbers import Real

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import BayesurvInputError, DataError

MAX_ROWS_SHOWN = 5


def describe_rows(labels: Sequence, values: Sequence | None = None) -> str:
    """Describe offending rows as ``"rows 3, 7 (values -1, -2) and 4 more"``."""
    labels = list(labels)
    shown = labels[:MAX_ROWS_SHOWN]
    text = ("row " if len(labels) == 1 else "rows ") + ", ".join(repr_label(x) for x in shown)
    if values is not None:
        vals = list(values)[:MAX_ROWS_SHOWN]
        text += " (value" + ("" if len(vals) == 1 else "s") + " "
        text += ", ".join(repr_value(v) for v in vals) + ")"
    if len(labels) > len(shown):
        text += f" and {len(labels) - len(shown)} more"
    return text


def repr_label(label) -> str:
    """Row label as the user would type it."""
    if isinstance(label, np.generic):
        label = label.item()
    return str(label)


def repr_value(value) -> str:
    """A short, unambiguous rendering of one offending value."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "missing"
    if value is pd.NA or value is pd.NaT:
        return "missing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def repr_argument(value) -> str:
    """An argument's value as the user wrote it (``1.5``, not ``np.float64(1.5)``).

    Examples
    --------
    >>> repr_argument(np.float64(1.5)), repr_argument("13")
    ('1.5', "'13'")
    """
    if isinstance(value, np.generic):
        value = value.item()
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def check_frame(df, what: str = "data") -> pd.DataFrame:
    """Require a non-empty pandas DataFrame with unique column names."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise DataError(f"{what} has no rows")
    duplicated = df.columns[df.columns.duplicated()].unique().tolist()
    if duplicated:
        raise DataError(f"{what} has duplicated column names: {duplicated}")
    return df


def check_columns_present(df: pd.DataFrame, columns: dict[str, str], what: str = "data") -> None:
    """Require every named column; ``columns`` maps role (e.g. ``"time"``) to column name."""
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
    """Reject missing values (NaN, None, NA, NaT)."""
    missing = series.isna().to_numpy()
    if missing.any():
        labels = series.index[missing]
        raise DataError(
            f"{what}: column {column!r} has {int(missing.sum())} missing value(s) at "
            f"{describe_rows(labels)}; bayesurv never drops rows, remove or impute them first"
        )


def check_numeric(series: pd.Series, column: str, what: str = "data") -> np.ndarray:
    """Convert to float64 or reject the values that are not numbers (including +/-inf)."""
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
    """Reject negative values."""
    bad = values < 0
    if bad.any():
        raise DataError(
            f"{what}: column {column!r} must not be negative; found negative values at "
            f"{describe_rows(index[bad], values[bad])}"
        )


def check_binary(series: pd.Series, column: str, what: str = "data") -> np.ndarray:
    """Accept 0/1 (any numeric dtype) or booleans; return int8 0/1."""
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


def _as_number(value, name: str, what: str, error) -> float:
    """``float(value)`` for real numbers only: not text, booleans or one-element lists."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise error(f"{what}: {name} must be a number, got {repr_argument(value)}")
    return float(value)


def check_positive(value, name: str, what: str = "argument", error=BayesurvInputError) -> float:
    """A finite number > 0."""
    number = _as_number(value, name, what, error)
    if not np.isfinite(number) or number <= 0:
        raise error(f"{what}: {name} must be a finite number > 0, got {repr_argument(value)}")
    return number


def check_finite_number(value, name: str, what: str = "argument", error=BayesurvInputError):
    """A finite real number."""
    number = _as_number(value, name, what, error)
    if not np.isfinite(number):
        raise error(f"{what}: {name} must be finite, got {repr_argument(value)}")
    return number


def check_times(values, name: str, what: str = "argument", error=BayesurvInputError,
                allow_empty: bool = True) -> np.ndarray:
    """A 1-d sequence of finite, non-negative, strictly increasing numbers (e.g. cuts).

    A single number is a sequence of one.  Text, booleans, complex numbers, mappings and
    sets are errors: ``{13: 1}`` or ``"13"`` would otherwise be read as something the caller
    did not write.
    """
    def fail(problem: str = "must be a sequence of numbers"):
        return error(f"{what}: {name} {problem}, got {repr_argument(values)}")

    if isinstance(values, str | bytes | Mapping | Set | bool | np.bool_):
        raise fail()
    if isinstance(values, np.ndarray) and values.ndim > 1:
        raise fail(f"must be one-dimensional (shape {values.shape})")
    if np.isscalar(values) or (isinstance(values, np.ndarray) and values.ndim == 0):
        values = [values]
    try:
        items = list(values)
    except TypeError:
        raise fail() from None
    if any(isinstance(v, list | tuple | np.ndarray) for v in items):
        raise fail("must be one-dimensional")
    if not all(isinstance(v, Real) and not isinstance(v, bool | np.bool_) for v in items):
        raise fail()
    arr = np.asarray(items, dtype=float)
    if arr.size == 0 and not allow_empty:
        raise error(f"{what}: {name} is empty")
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise error(
            f"{what}: {name} must be finite and non-negative; got "
            + ", ".join(f"{float(v):g}" for v in arr[bad][:MAX_ROWS_SHOWN])
        )
    if arr.size > 1:
        dup = np.flatnonzero(np.diff(arr) == 0)
        if dup.size:
            raise error(f"{what}: {name} has duplicated value(s) "
                        + ", ".join(f"{v:g}" for v in sorted({float(v) for v in arr[dup + 1]})))
        down = np.flatnonzero(np.diff(arr) < 0)
        if down.size:
            raise error(
                f"{what}: {name} must be sorted increasingly; "
                f"{float(arr[down[0] + 1]):g} comes after {float(arr[down[0]]):g}"
            )
    return arr
