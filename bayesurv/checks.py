"""Named validation functions shared by every public entry point.

Each ``check_*`` function either returns a cleaned value or raises a
:class:`~bayesurv.exceptions.BayesurvInputError` subclass whose message names the input,
the column, the first offending rows and their values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayesurv.exceptions import BayesurvInputError, DataError

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


def check_positive(value, name: str, what: str = "argument", error=BayesurvInputError) -> float:
    """A finite number > 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise error(f"{what}: {name} must be a number, got {value!r}") from None
    if not np.isfinite(number) or number <= 0:
        raise error(f"{what}: {name} must be a finite number > 0, got {value!r}")
    return number


def check_finite_number(value, name: str, what: str = "argument", error=BayesurvInputError):
    """A finite real number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise error(f"{what}: {name} must be a number, got {value!r}") from None
    if not np.isfinite(number):
        raise error(f"{what}: {name} must be finite, got {value!r}")
    return number


def check_times(values, name: str, what: str = "argument", error=BayesurvInputError,
                allow_empty: bool = True) -> np.ndarray:
    """A 1-d sequence of finite, non-negative, strictly increasing numbers (e.g. cuts)."""
    if np.isscalar(values):
        values = [values]
    try:
        arr = np.asarray(list(values), dtype=float)
    except (TypeError, ValueError):
        raise error(f"{what}: {name} must be a sequence of numbers, got {values!r}") from None
    if arr.ndim != 1:
        raise error(f"{what}: {name} must be one-dimensional, got shape {arr.shape}")
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
                        f"{sorted({float(v) for v in arr[dup + 1]})}")
        down = np.flatnonzero(np.diff(arr) < 0)
        if down.size:
            raise error(
                f"{what}: {name} must be sorted increasingly; "
                f"{float(arr[down[0] + 1]):g} comes after {float(arr[down[0]]):g}"
            )
    return arr
