"""Checks and encoding of patient rows: times and events, group labels to indices, covariates
to a design matrix.

Internal helpers of :meth:`bayesurv.SurvivalData.from_frame` and :func:`bayesurv.aggregate`
(which applies them to each partition); messages name the column, the rows and the values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesurv.base.checks import describe_rows, repr_argument
from bayesurv.base.columns import (
    check_binary,
    check_columns_present,
    check_no_missing,
    check_nonnegative,
    check_not_boolean,
    check_numeric,
    check_scalar_labels,
)
from bayesurv.base.exceptions import DataError

__all__ = [
    "as_name_list",
    "check_patient_columns",
    "checked_times_events",
    "design_matrix",
    "encode_groups",
    "group_codes",
    "order_levels",
]

WHAT = "SurvivalData"


def as_name_list(value, what: str) -> list[str]:
    """One column name or several, as a new list.

    Examples
    --------
    >>> as_name_list("age", "covariates"), as_name_list(("age", "meld"), "covariates")
    (['age'], ['age', 'meld'])
    """
    if isinstance(value, str):
        return [value]
    try:
        return list(value)
    except TypeError:
        raise DataError(f"{WHAT}: {what} must be a list of column names, got {value!r}") from None


def check_patient_columns(df, time, event, group, covariates=(), entry=None) -> None:
    """The time, event, group, covariate (and entry) columns exist and play one role each.

    ``df`` may be any table with ``columns`` (a pandas or Dask DataFrame).

    Examples
    --------
    >>> check_patient_columns(pd.DataFrame({"t": [1.0], "e": [1]}), "t", "e", "arm")
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: SurvivalData: the group column 'arm' is not in the data ...
    """
    check_columns_present(df, {"time": time, "event": event, "group": group}, WHAT)
    for c in covariates:
        check_columns_present(df, {"covariate": c}, WHAT)
    roles = {time: "time", event: "event", group: "group"}
    if len(roles) < 3:
        raise DataError(f"{WHAT}: time, event and group must be three different columns, "
                        f"got time={time!r}, event={event!r}, group={group!r}")
    if entry is not None:
        check_columns_present(df, {"entry": entry}, WHAT)
        if entry in roles:
            raise DataError(f"{WHAT}: column {entry!r} is the {roles[entry]} column and "
                            "cannot also be the entry column")
        roles[entry] = "entry"
    for c in covariates:
        if c in roles:
            raise DataError(f"{WHAT}: column {c!r} is the {roles[c]} column and cannot "
                            "also be a covariate")
    if len(set(covariates)) != len(covariates):
        raise DataError(f"{WHAT}: covariates are listed twice: {list(covariates)}")


def checked_times_events(df: pd.DataFrame, time, event, group,
                         what: str = WHAT) -> tuple[np.ndarray, np.ndarray]:
    """Follow-up times (numbers >= 0) and event indicators (0/1) of patient rows, once no
    time, event or group is missing.

    Examples
    --------
    >>> frame = pd.DataFrame({"t": [1.0, -2.0], "e": [1, 0], "g": ["a", "b"]})
    >>> checked_times_events(frame, "t", "e", "g")
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: SurvivalData: column 't' must not be negative; ...
    """
    for column in (time, event, group):
        check_no_missing(df[column], column, what)
    check_not_boolean(df[time], time, "time", what)
    times = check_numeric(df[time], time, what)
    check_nonnegative(times, df.index, time, what)
    return times, check_binary(df[event], event, what)



def encode_groups(series: pd.Series, column: str, reference) -> tuple[np.ndarray, list[str]]:
    """Integer codes with the reference level first.

    Levels are the distinct values; each is named by its text (``str``).  Values that are
    equal but written differently (``1``, ``1.0``, ``True``) or different but written the
    same (``1``, ``"1"``) would be merged or split silently, so they are errors.

    Examples
    --------
    >>> codes, levels = encode_groups(pd.Series(["b", "a", "b"]), "arm", reference="b")
    >>> codes.tolist(), levels
    ([0, 1, 0], ['b', 'a'])
    """
    local, values, names = group_codes(series, column)
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(names)
        values = pd.Index([c for c in series.cat.categories if str(c) in present], dtype=object)
    ordered = order_levels(values, column, reference)
    position = {name: k for k, name in enumerate(ordered)}
    return np.asarray([position[name] for name in names], dtype=np.intp)[local], ordered


def group_codes(series: pd.Series, column: str,
                what: str = WHAT) -> tuple[np.ndarray, list, list[str]]:
    """Check the group labels and code them in order of appearance.

    Labels must be single values, not dates, and their values and texts must match one to
    one (``1`` and ``1.0``, or ``1`` and ``"1"``, are errors).  A column of one type (not
    ``object``) is checked on its distinct values only, which is exact there and fast on
    millions of rows; the rows are named when a check fails.

    Returns
    -------
    codes : numpy.ndarray
        Index of each row's level in ``values``.
    values, names : list
        The distinct labels, in order of appearance, and their texts.

    Examples
    --------
    >>> codes, values, names = group_codes(pd.Series([2, 10, 2]), "arm")
    >>> codes.tolist(), values, names
    ([0, 1, 0], [2, 10], ['2', '10'])
    >>> group_codes(pd.Series([1, "1"]), "arm")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: SurvivalData: group column 'arm' has labels that ...
    """
    if not pd.api.types.is_object_dtype(series.dtype):
        codes, uniques = pd.factorize(series)
        distinct = pd.Series(uniques)
        try:
            _check_group_labels(distinct, column, what)
        except DataError:
            _check_group_labels(series, column, what)  # the same error, naming the rows
            raise
        values = distinct.astype(object).tolist()
        return codes.astype(np.intp), values, [str(v) for v in values]
    names_per_row = _check_group_labels(series, column, what)
    codes, names = pd.factorize(names_per_row)
    first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
    return codes.astype(np.intp), series.iloc[first].tolist(), list(names)


def _check_group_labels(series: pd.Series, column: str, what: str) -> pd.Series:
    """The text of each row's label, once the labels are known to be usable."""
    check_scalar_labels(series, column, what)
    dates = series.map(lambda v: isinstance(v, pd.Timestamp | pd.Timedelta | np.datetime64
                                            | np.timedelta64)).to_numpy(dtype=bool)
    if (pd.api.types.is_datetime64_any_dtype(series)
            or pd.api.types.is_timedelta64_dtype(series) or dates.any()):
        rows = series.index[dates] if dates.any() else series.index
        raise DataError(f"{what}: group column {column!r} holds dates or durations (first at "
                        f"row {rows[0]!r}); a group is a label such as 'control': is the right "
                        "column named as group=?")
    names_per_row = series.astype(object).map(str)
    clash = _clashing_labels(series, names_per_row)
    if clash:
        raise DataError(f"{what}: group column {column!r} has labels that are equal as values "
                        f"but written differently, or written the same but of different types: "
                        f"{clash}; make the column one type (e.g. text)")
    return names_per_row


def order_levels(levels: list, column: str, reference) -> list[str]:
    """Names of the distinct group ``levels``, the reference first, the others in order.

    Levels are sorted by value (``2`` before ``10``) unless ``levels`` comes from a
    categorical column's categories, whose order is kept (pass them as a ``pd.Index`` of
    the categories); mixed types that cannot be sorted keep their order of appearance.

    Examples
    --------
    >>> order_levels([10, 2, 3], "arm", reference=3)
    ['3', '2', '10']
    >>> order_levels(["a"], "arm", None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: SurvivalData: group column 'arm' must have at least ...
    """
    if reference is not None and not pd.api.types.is_hashable(reference):
        raise DataError(f"{WHAT}: reference must be a single group label, got "
                        f"{repr_argument(reference)}")
    if not isinstance(levels, pd.Index):
        try:
            levels = sorted(levels)
        except TypeError:  # mixed types cannot be sorted: keep order of appearance
            levels = list(levels)
    levels = list(levels)
    names = [str(level) for level in levels]
    if len(levels) < 2:
        raise DataError(f"{WHAT}: group column {column!r} must have at least two levels, "
                        f"found {len(levels)}: {names}")
    if reference is None:
        ref_pos = 0
    else:
        matches = [i for i, level in enumerate(levels) if _same_label(level, reference)
                   or names[i] == str(reference)]
        if not matches:
            raise DataError(f"{WHAT}: reference {repr_argument(reference)} is not a level of "
                            f"group column {column!r}; levels are {names}")
        ref_pos = matches[0]
    order = [ref_pos] + [i for i in range(len(levels)) if i != ref_pos]
    return [names[i] for i in order]


def _same_label(level, reference) -> bool:
    """``level == reference``, except that True is not 1; never raises (``pd.NA``)."""
    if isinstance(level, bool | np.bool_) != isinstance(reference, bool | np.bool_):
        return False
    try:
        return bool(level == reference)
    except (TypeError, ValueError):
        return False


def _clashing_labels(series: pd.Series, names_per_row: pd.Series) -> str:
    """Labels whose values and texts do not match one to one, with their rows ("" if none)."""
    values = series.astype(object)
    level = pd.factorize(values)[0]  # equal values (1, 1.0, True) share a level
    frame = pd.DataFrame({"level": level, "name": names_per_row.to_numpy()})
    pairs = frame.drop_duplicates()
    if pairs["level"].is_unique and pairs["name"].is_unique:
        return ""
    frame["type"] = values.map(lambda v: type(v).__name__).to_numpy()
    split = frame.groupby("level")["name"].transform("nunique") > 1
    merged = frame.groupby("name")["level"].transform("nunique") > 1
    parts = []
    for _, part in frame[split | merged].groupby(["name", "type"], sort=False):
        rows = part.index.to_numpy()
        parts.append(f"{values.iloc[rows[0]]!r} at {describe_rows(series.index[rows])}")
    return "; ".join(parts[:6])


def design_matrix(df: pd.DataFrame, covariates: list[str]) -> tuple[np.ndarray, list[str]]:
    """Numeric columns as they are, categorical columns as indicators (first level dropped).

    Examples
    --------
    >>> frame = pd.DataFrame({"age": [50, 60, 70], "sex": ["f", "m", "f"]})
    >>> matrix, names = design_matrix(frame, ["age", "sex"])
    >>> matrix.tolist(), names
    ([[50.0, 0.0], [60.0, 1.0], [70.0, 0.0]], ['age', 'sex[m]'])
    """
    columns: list[np.ndarray] = []
    names: list[str] = []
    for c in covariates:
        s = df[c]
        if _is_categorical(s):
            levels = (list(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype)
                      else sorted(pd.unique(s), key=str))
            levels = [lv for lv in levels if (s == lv).any()]
            if len(levels) < 2:
                raise DataError(f"{WHAT}: covariate {c!r} has a single level {levels}; "
                                "it cannot be estimated")
            for level in levels[1:]:
                columns.append((s == level).to_numpy(dtype=float))
                names.append(f"{c}[{level}]")
        else:
            values = check_numeric(s, c, WHAT)
            if values.min() == values.max():
                raise DataError(f"{WHAT}: covariate {c!r} takes the single value "
                                f"{float(values[0])!r} in every row; it cannot be estimated")
            columns.append(values)
            names.append(str(c))
    if not columns:
        return np.zeros((len(df), 0)), []
    return np.column_stack(columns), names


def _is_categorical(s: pd.Series) -> bool:
    """Text or categorical columns become indicators; mixed text/number columns are errors."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_string_dtype(s.dtype) and not pd.api.types.is_object_dtype(s.dtype):
        return True
    if pd.api.types.is_object_dtype(s.dtype):
        is_text = s.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        if is_text.all():
            return True
        if is_text.any():
            raise DataError(
                f"{WHAT}: covariate {s.name!r} mixes text and numbers; "
                f"text at {describe_rows(s.index[is_text], s[is_text])}, numbers at "
                f"{describe_rows(s.index[~is_text], s[~is_text])}"
            )
    return False
