"""Shared validation of digitized-curve and risk-table inputs (internal)."""

from __future__ import annotations

import datetime as dt
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from bayesurv.base.checks import describe_rows, repr_argument
from bayesurv.base.exceptions import DigitizedCurveError

__all__ = ["column_of", "group_labels", "numeric_column", "warn_caller", "where_label"]

PACKAGE_DIR = str(Path(__file__).resolve().parent) + os.sep

# Dates, durations and intervals: numbers only after a choice (origin, unit, end point) that
# the caller must make.
DATE_TYPES = (dt.date, dt.datetime, dt.timedelta, np.datetime64, np.timedelta64, pd.Period,
              pd.Interval)


def where_label(what: str, source: str | None) -> str:
    """``"risk table (file km.csv)"`` or just ``"risk table"``."""
    return what if source is None else f"{what} (file {source})"


def warn_caller(message: str, category: type[Warning]) -> None:
    """Warn, attributing the warning to the first caller outside bayesurv.

    The same cleaning or reconstruction step is reached through several public entry points
    (``DigitizedCurve.from_frame``, the CSV readers, ``SurvivalData.from_digitized``...), so
    no fixed ``stacklevel`` points at the user's line for all of them.
    """
    frame, level = sys._getframe(0), 1  # stacklevel 1 is this function
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(
            PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def column_of(df: pd.DataFrame, column, where: str, role: str) -> pd.Series:
    """The one column named ``column``, or an error if it is missing, repeated or not a name.

    ``role`` (e.g. ``"time"``) says what the column is for in the message.
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


def group_labels(df: pd.DataFrame, column, where: str) -> np.ndarray:
    """Group names as strings, or an error naming the rows where they are missing, are
    containers, or where one name is written in two ways (``1`` and ``"1"``)."""
    series = column_of(df, column, where, "group")
    missing = series.isna().to_numpy()
    if missing.any():
        raise DigitizedCurveError(f"{where}: group column {column!r} has missing values at "
                                  f"{describe_rows(df.index[missing])}")
    if pd.api.types.is_object_dtype(series.dtype):
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
