"""Numbers-at-risk tables printed under Kaplan-Meier figures."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from bayesurv.base.checks import describe_rows, repr_argument
from bayesurv.base.columns import group_labels, numeric_column, where_label
from bayesurv.base.exceptions import DigitizedCurveError

__all__ = ["MAX_AT_RISK", "RiskTable", "as_risk_table"]

# Largest number at risk accepted: above 2**53 - 1 a float no longer holds every whole number
# (so "whole" cannot be checked), and far beyond any trial; int64 would overflow at 2**63.
MAX_AT_RISK = 2**53 - 1


class RiskTable:
    """Numbers at risk printed under a Kaplan-Meier figure, for one or more groups.

    Each group's table starts at time 0 (the number of patients) and never increases.

    Attributes
    ----------
    table : pandas.DataFrame
        ``group``, ``time``, ``n_at_risk`` (int), sorted by group then time.  A copy.
    groups : tuple of str
        Group names in order of first appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> rt = RiskTable.from_frame(pd.DataFrame({"group": ["A", "A"], "time": [0, 12],
    ...                                         "n_at_risk": [100, 80]}))
    >>> rt.group_table("A")[1].tolist()
    [100, 80]
    """

    __slots__ = ("_table", "groups", "source")

    def __init__(self, table: pd.DataFrame, source: str | None = None):
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "groups", tuple(pd.unique(table["group"])))
        object.__setattr__(self, "source", source)

    def __setattr__(self, name, value):
        raise AttributeError(f"RiskTable is immutable; cannot set {name!r}")

    @classmethod
    def from_frame(cls, df: pd.DataFrame, group: str | None = "group", time: str = "time",
                   n_at_risk: str = "n_at_risk", source: str | None = None) -> RiskTable:
        """Validate a tidy numbers-at-risk table.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per group and time; read, never modified.
        group : str or None
            Column of group names (``None``: one group named ``"curve"``).
        time, n_at_risk : str
            Columns of the times and the numbers at risk (whole numbers >= 0).
        source : str, optional
            File name, used in messages.

        Raises
        ------
        DigitizedCurveError
            Missing or non-numeric values (True/False, dates and complex numbers included),
            negative times, numbers at risk that are negative, not whole, above
            ``MAX_AT_RISK`` or increasing, repeated times, no row at time 0, or 0 at risk at
            time 0 (a group without patients).  A later 0 (everyone has had the event or
            been censored) is allowed.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [0, 6, 12], "n_at_risk": [50, 41, 30]})
        >>> RiskTable.from_frame(df, group=None).groups
        ('curve',)
        """
        where = where_label("risk table", source)
        if not isinstance(df, pd.DataFrame):
            raise DigitizedCurveError(f"{where}: expected a pandas DataFrame, got "
                                      f"{type(df).__name__}")
        if len(df) == 0:
            raise DigitizedCurveError(f"{where}: has no rows")
        labels = (np.full(len(df), "curve", dtype=object) if group is None
                  else group_labels(df, group, where))
        t = numeric_column(df, time, where, group, role="time")
        n = numeric_column(df, n_at_risk, where, group, role="numbers-at-risk")
        bad = t < 0
        if bad.any():
            raise DigitizedCurveError(f"{where}: column {time!r} must not be negative; found "
                                      f"{describe_rows(df.index[bad], t[bad])}")
        bad = (n < 0) | (n != np.round(n)) | (n > MAX_AT_RISK)
        if bad.any():
            raise DigitizedCurveError(
                f"{where}: column {n_at_risk!r} must hold whole numbers >= 0 (at most "
                f"{MAX_AT_RISK}); found {describe_rows(df.index[bad], df[n_at_risk][bad])}")
        table = pd.DataFrame({"group": labels, "time": t, "n_at_risk": n.astype(np.int64)},
                             index=df.index.copy())
        parts = []
        for name in pd.unique(labels):
            part = table[table["group"] == name].sort_values("time", kind="stable")
            _check_group_table(part, str(name), where)
            parts.append(part)
        return cls(pd.concat(parts, ignore_index=True), source)

    @classmethod
    def at_start(cls, n_patients) -> RiskTable:
        """A table with only the number of patients at time 0 (no published table).

        Parameters
        ----------
        n_patients : int or mapping of group -> int

        Examples
        --------
        >>> RiskTable.at_start({"A": 120, "B": 118}).table["n_at_risk"].tolist()
        [120, 118]
        """
        if isinstance(n_patients, Mapping):
            items = list(n_patients.items())
        else:
            items = [("curve", n_patients)]
        groups = [str(g) for g, _ in items]
        values = []
        for g, v in items:
            if (isinstance(v, bool | np.bool_) or not isinstance(v, int | np.integer) or v < 1
                    or v > MAX_AT_RISK):
                raise DigitizedCurveError(f"risk table: the number of patients of group {g!r} "
                                          f"must be a whole number >= 1 (at most {MAX_AT_RISK}), "
                                          f"got {repr_argument(v)}")
            values.append(int(v))
        return cls.from_frame(pd.DataFrame({"group": groups, "time": 0.0, "n_at_risk": values}))

    @property
    def table(self) -> pd.DataFrame:
        """The table (a copy): ``group``, ``time``, ``n_at_risk``."""
        return self._table.copy()

    def group_table(self, group: str) -> tuple[np.ndarray, np.ndarray]:
        """``(times, numbers at risk)`` of one group, sorted by time."""
        if group not in self.groups:
            raise DigitizedCurveError(f"risk table: no group {group!r}; groups are "
                                      f"{list(self.groups)}")
        part = self._table[self._table["group"] == group]
        return part["time"].to_numpy(copy=True), part["n_at_risk"].to_numpy(copy=True)

    def __repr__(self) -> str:
        parts = []
        for g in self.groups:
            t, n = self.group_table(g)
            parts.append(f"{g}: " + ", ".join(f"{ti:g}:{ni}" for ti, ni in zip(t, n, strict=True)))
        return "RiskTable(" + "; ".join(parts) + ")"


def _check_group_table(part: pd.DataFrame, name: str, where: str) -> None:
    t = part["time"].to_numpy()
    n = part["n_at_risk"].to_numpy()
    dup = np.flatnonzero(np.diff(t) == 0)
    if dup.size:
        rows = part.index[np.concatenate([dup, dup + 1])]
        raise DigitizedCurveError(f"{where}, group {name!r}: time {t[dup[0]]:g} appears more "
                                  f"than once ({describe_rows(rows)})")
    if t[0] != 0:
        raise DigitizedCurveError(
            f"{where}, group {name!r}: needs a row at time 0 (the number of patients); the "
            f"first time is {t[0]:g}")
    if n[0] == 0:
        raise DigitizedCurveError(
            f"{where}, group {name!r}: the number at risk at time 0 is 0 "
            f"({describe_rows(part.index[:1])}); it is the group's number of patients and must "
            "be at least 1 (is the group's column of the table empty, or the group misnamed?)")
    up = np.flatnonzero(np.diff(n) > 0)
    if up.size:
        i = up[0]
        raise DigitizedCurveError(
            f"{where}, group {name!r}: numbers at risk must not increase over time, but they "
            f"go from {n[i]} at time {t[i]:g} to {n[i + 1]} at time {t[i + 1]:g} "
            f"({describe_rows(part.index[[i, i + 1]])})")


def as_risk_table(risk_table) -> RiskTable | None:
    """A :class:`RiskTable` from itself, a tidy DataFrame, or numbers of patients."""
    if risk_table is None or isinstance(risk_table, RiskTable):
        return risk_table
    if isinstance(risk_table, pd.DataFrame):
        return RiskTable.from_frame(risk_table)
    if isinstance(risk_table, Mapping | int | np.integer):
        return RiskTable.at_start(risk_table)
    raise DigitizedCurveError(
        "risk_table must be a RiskTable, a DataFrame (group, time, n_at_risk), or the number "
        f"of patients per group (int or dict); got {type(risk_table).__name__}")


