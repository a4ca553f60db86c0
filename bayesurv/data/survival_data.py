"""Validated, immutable survival data: the single entry point for patient rows."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayesurv.base.checks import describe_rows
from bayesurv.base.columns import (
    check_frame,
    check_no_missing,
    check_nonnegative,
    check_not_boolean,
    check_numeric,
)
from bayesurv.base.exceptions import DataError
from bayesurv.data.encoding import (
    WHAT,
    as_name_list,
    check_patient_columns,
    checked_times_events,
    design_matrix,
    encode_groups,
)

__all__ = ["SurvivalData"]


def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


class SurvivalData:
    """Right-censored survival data for two or more groups, validated once.

    Build it with :meth:`from_frame` (patient rows) or :func:`bayesurv.survival_data_from_digitized`
    (Kaplan-Meier curves digitized from a paper).  The object is immutable: its arrays are
    read-only and its attributes cannot be reassigned.  The caller's DataFrame is never
    modified.

    Attributes
    ----------
    time : numpy.ndarray
        Follow-up time of each patient (float, >= 0), in ``time_unit``.
    event : numpy.ndarray
        1 if the follow-up ended with the event, 0 if censored.
    group_index : numpy.ndarray
        Integer code of each patient's group: 0 is the reference group.
    groups : tuple of str
        Group names, the reference first.
    covariates : numpy.ndarray
        Covariate matrix (patients x covariates), categorical ones expanded to indicators.
    covariate_names : tuple of str
        Names of the covariate columns, e.g. ``"meld"`` or ``"child_pugh[B]"``.
    time_unit : str
        Unit of ``time`` (e.g. ``"months"``); cuts and grids are given in the same unit.
    row_labels : pandas.Index
        The original row labels, used in messages about individual patients.
    entry : numpy.ndarray
        Time each patient enters the risk set (delayed entry, left truncation); 0 for
        everyone unless an ``entry`` column was given.  Person-time counts only after it.
    source : str
        Where the data came from (e.g. ``"patient rows"``, ``"reconstructed from digitized
        curves"``); shown in summaries.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> df = pd.DataFrame({"months": [3.0, 8.5, 12.0, 20.0], "died": [1, 0, 1, 0],
    ...                    "arm": ["control", "control", "new", "new"]})
    >>> data = bs.SurvivalData.from_frame(df, time="months", event="died", group="arm",
    ...                                   reference="control")
    >>> data.groups
    ('control', 'new')
    """

    __slots__ = (
        "_frozen",
        "covariate_names",
        "covariates",
        "entry",
        "event",
        "group_index",
        "groups",
        "row_labels",
        "source",
        "time",
        "time_unit",
    )

    def __init__(
        self,
        time: np.ndarray,
        event: np.ndarray,
        group_index: np.ndarray,
        groups: Sequence[str],
        covariates: np.ndarray | None = None,
        covariate_names: Sequence[str] = (),
        time_unit: str = "months",
        row_labels: pd.Index | None = None,
        source: str = "patient rows",
        entry: np.ndarray | None = None,
    ):
        time = np.asarray(time, dtype=float)
        n = time.shape[0]
        entry = np.zeros(n) if entry is None else np.asarray(entry, dtype=float)
        if covariates is None:
            covariates = np.zeros((n, 0))
        covariates = np.asarray(covariates, dtype=float).reshape(n, -1)
        if covariates.shape[1] != len(covariate_names):
            raise DataError(f"{WHAT}: {covariates.shape[1]} covariate columns but "
                            f"{len(covariate_names)} names")
        object.__setattr__(self, "time", _readonly(time))
        object.__setattr__(self, "entry", _readonly(entry))
        object.__setattr__(self, "event", _readonly(np.asarray(event, dtype=np.int8)))
        object.__setattr__(self, "group_index", _readonly(np.asarray(group_index, dtype=np.intp)))
        object.__setattr__(self, "groups", tuple(str(g) for g in groups))
        object.__setattr__(self, "covariates", _readonly(covariates))
        object.__setattr__(self, "covariate_names", tuple(covariate_names))
        object.__setattr__(self, "time_unit", str(time_unit))
        labels = pd.RangeIndex(n) if row_labels is None else pd.Index(row_labels)
        object.__setattr__(self, "row_labels", labels)
        object.__setattr__(self, "source", str(source))
        object.__setattr__(self, "_frozen", True)

    def __setattr__(self, name, value):
        raise AttributeError(f"SurvivalData is immutable; cannot set {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"SurvivalData is immutable; cannot delete {name!r}")

    def __reduce__(self):
        # rebuilt through __init__ (pickling, e.g. to worker processes), so it stays read-only
        return (type(self), (self.time, self.event, self.group_index, self.groups,
                             self.covariates, self.covariate_names, self.time_unit,
                             self.row_labels, self.source,
                             self.entry if self.has_entry else None))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        time: str = "time",
        event: str = "event",
        group: str = "arm",
        reference=None,
        covariates: Sequence[str] | None = None,
        time_unit: str = "months",
        entry: str | None = None,
    ) -> SurvivalData:
        """Validate patient rows and build a :class:`SurvivalData`.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per patient.  It is read, never modified.
        time : str
            Column of follow-up times (numbers >= 0; 0 is allowed).
        event : str
            Column of event indicators: 1/0 or True/False.
        group : str
            Column of group labels (at least two levels).
        reference : optional
            The reference (control) level; hazard ratios are other groups vs this one.
            Default: the first level in sorted order (or the first category of a
            categorical column).
        covariates : sequence of str, optional
            Columns adjusted for.  Numeric and boolean columns are used as they are;
            text or categorical columns are expanded to 0/1 indicators named
            ``"column[level]"`` (the first level is the baseline).
        time_unit : str
            Unit of ``time``, e.g. ``"days"``, ``"months"``; used in labels.
        entry : str, optional
            Column of entry times (delayed entry, left truncation): a patient is at risk,
            and counts person-time, only after it.  Numbers >= 0 and <= ``time``; an event
            at the entry time itself counts with no person-time.  Default: everyone at
            risk from 0.

        Returns
        -------
        SurvivalData

        Raises
        ------
        DataError
            When a column is missing or holds missing values, negative, non-numeric or
            True/False times, events other than 0/1, fewer than two groups, group labels
            that are not single values or that clash (``1`` and ``1.0``, ``1`` and
            ``"1"``), an unknown reference, or an unusable covariate.  The message names
            the column, the first rows and their values.

        Examples
        --------
        >>> import bayesurv as bs
        >>> df = bs.datasets.shi2021("death")
        >>> data = bs.SurvivalData.from_frame(df, time="time", event="event", group="arm",
        ...                                   reference="control", covariates=["meld"])
        >>> data.n
        219
        """
        df = check_frame(df, WHAT)
        covariates = [] if covariates is None else as_name_list(covariates, "covariates")
        check_patient_columns(df, time, event, group, covariates, entry)
        times, events = checked_times_events(df, time, event, group)
        for column in covariates:
            check_no_missing(df[column], column, WHAT)
        entries = None if entry is None else check_entry(df, entry, times)
        group_index, levels = encode_groups(df[group], group, reference)
        design, names = design_matrix(df, covariates)
        return cls(times, events, group_index, levels, design, names, time_unit,
                   row_labels=df.index, source="patient rows", entry=entries)

    # ------------------------------------------------------------------ properties
    @property
    def n(self) -> int:
        """Number of patients.

        Examples
        --------
        >>> data.n, len(data)
        (219, 219)
        """
        return int(self.time.shape[0])

    @property
    def n_events(self) -> int:
        """Total number of events.

        Examples
        --------
        >>> data.n_events, int(data.event.sum())
        (44, 44)
        """
        return int(self.event.sum())

    @property
    def reference(self) -> str:
        """Name of the reference group.

        Examples
        --------
        >>> data.reference
        'control'
        """
        return self.groups[0]

    @property
    def treated(self) -> tuple[str, ...]:
        """Names of the non-reference groups, in order.

        Examples
        --------
        >>> data.treated
        ('UC-MSC',)
        """
        return self.groups[1:]

    @property
    def group(self) -> np.ndarray:
        """Group name of each patient.

        Examples
        --------
        >>> data.group[:2]
        array(['control', 'control'], dtype=object)
        >>> int((data.group == "UC-MSC").sum())
        108
        """
        return np.asarray(self.groups, dtype=object)[self.group_index]

    @property
    def has_entry(self) -> bool:
        """Whether some patient enters the risk set after time 0 (delayed entry).

        Examples
        --------
        >>> data.has_entry
        False
        """
        return bool(self.entry.any())

    @property
    def max_time(self) -> float:
        """Longest follow-up.

        Examples
        --------
        >>> data.max_time
        84.99
        """
        return float(self.time.max())

    def frame(self) -> pd.DataFrame:
        """A new DataFrame: ``time``, ``event``, ``group`` and one column per covariate.

        Examples
        --------
        >>> df = data.frame()
        >>> df.columns.tolist(), df.shape
        (['time', 'event', 'group'], (219, 3))
        """
        out = pd.DataFrame({"time": self.time, "event": self.event.astype(int),
                            "group": self.group}, index=self.row_labels.copy())
        for j, name in enumerate(self.covariate_names):
            out[name] = self.covariates[:, j]
        if self.has_entry:
            out["entry"] = self.entry
        return out

    def subset(self, mask: np.ndarray, source: str | None = None) -> SurvivalData:
        """A new SurvivalData with the patients where ``mask`` is true (groups kept).

        Examples
        --------
        >>> treated_only = data.subset(data.group == "UC-MSC")
        >>> treated_only.groups, treated_only.summary()["n"].tolist()
        (('control', 'UC-MSC'), [0, 108])
        """
        mask = np.asarray(mask, dtype=bool)
        return SurvivalData(self.time[mask], self.event[mask], self.group_index[mask],
                            self.groups, self.covariates[mask], self.covariate_names,
                            self.time_unit, self.row_labels[mask], source or self.source)

    def replace(self, time=None, event=None, source: str | None = None) -> SurvivalData:
        """A new SurvivalData with the same patients but other times or events.

        Examples
        --------
        Administrative censoring at 24 months:

        >>> cut = data.replace(time=np.minimum(data.time, 24.0),
        ...                    event=np.where(data.time > 24.0, 0, data.event),
        ...                    source="censored at 24 months")
        >>> cut.max_time, cut.n_events, cut.n
        (24.0, 24, 219)
        """
        return SurvivalData(self.time if time is None else time,
                            self.event if event is None else event, self.group_index,
                            self.groups, self.covariates, self.covariate_names, self.time_unit,
                            self.row_labels, source or self.source, entry=self.entry)

    def summary(self) -> pd.DataFrame:
        """Per group: patients, events, median and maximum follow-up, person-time.

        Examples
        --------
        >>> data.summary()[["group", "n", "events", "max_followup"]]
             group    n  events  max_followup
        0  control  111      29         82.00
        1   UC-MSC  108      15         84.99
        """
        rows = []
        for g, name in enumerate(self.groups):
            m = self.group_index == g
            t = self.time[m]
            at_risk = t - self.entry[m] if self.has_entry else t
            rows.append({
                "group": name,
                "n": int(m.sum()),
                "events": int(self.event[m].sum()),
                "median_followup": float(np.median(t)) if t.size else np.nan,
                "max_followup": float(t.max()) if t.size else np.nan,
                "person_time": float(at_risk.sum()),
            })
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """A JSON-friendly description (stored inside saved fits).

        Examples
        --------
        >>> d = data.to_dict()
        >>> d["n"], d["events"], d["groups"], d["time_unit"]
        (219, 44, ['control', 'UC-MSC'], 'months')
        """
        summary = self.summary()
        extra = {"delayed_entry": True} if self.has_entry else {}
        return {
            "n": self.n,
            "events": self.n_events,
            "groups": list(self.groups),
            "reference": self.reference,
            "covariates": list(self.covariate_names),
            "time_unit": self.time_unit,
            "source": self.source,
            "per_group": summary.to_dict(orient="records"),
            **extra,
        }

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        s = self.summary()
        lines = [f"SurvivalData: {self.n} patients, {self.n_events} events, time in "
                 f"{self.time_unit} ({self.source}); reference group {self.reference!r}"]
        for row in s.itertuples():
            lines.append(f"  {row.group}: n={row.n}, events={row.events}, follow-up median "
                         f"{row.median_followup:.3g} (max {row.max_followup:.3g}) "
                         f"{self.time_unit}")
        if self.covariate_names:
            lines.append("  covariates: " + ", ".join(self.covariate_names))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = html.escape(repr(self).splitlines()[0])
        return f"<p>{head}</p>" + self.summary().to_html(index=False, float_format="%.3g")


def check_entry(df: pd.DataFrame, column: str, times: np.ndarray) -> np.ndarray:
    """Entry times: numbers, not missing, >= 0 and not after the row's end of follow-up.

    Examples
    --------
    >>> df = pd.DataFrame({"entry": [0.0, 9.0]})
    >>> check_entry(df, "entry", np.array([5.0, 7.0]))
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: SurvivalData: entry time after the end of follow-up ...
    """
    check_no_missing(df[column], column, WHAT)
    check_not_boolean(df[column], column, "entry", WHAT)
    entries = check_numeric(df[column], column, WHAT)
    check_nonnegative(entries, df.index, column, WHAT)
    late = entries > times
    if late.any():
        raise DataError(f"{WHAT}: entry time after the end of follow-up (column {column!r}) at "
                        f"{describe_rows(df.index[late], entries[late])}")
    return entries
