"""Validated illness-death data: one row per patient with an illness and a death time.

The three-state illness-death model has the states *event-free* (0), *illness* (1) and
*death* (2) and the transitions

- ``"illness"``: event-free -> illness (e.g. HCC);
- ``"death"``: event-free -> death (death without prior illness);
- ``"death_after_illness"``: illness -> death.

Time is measured from randomization on every transition (the "clock-forward" scale): a
patient enters the illness -> death transition at the illness time, a delayed entry (left
truncation) in that transition's data.

Rules for the patient rows
--------------------------
- ``death_time`` is the end of follow-up: the death time if ``death`` is 1, else the last
  time the patient was known alive.
- With ``illness`` 1, ``illness_time`` is the illness time and must not be after
  ``death_time``.  With ``illness`` 0, the patient is taken as illness-free until
  ``death_time``; ``illness_time`` must not be after it either (a last illness-free
  assessment before the end of follow-up is accepted and counted illness-free to the end,
  with a :class:`~bayesurv.DataWarning`).
- Illness and death at the same time: the illness is counted, then the death immediately
  after it (a death after illness with no time spent ill: an event with no person-time in
  the illness -> death transition).  R's ``coxph`` refuses such zero-length intervals.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayesurv.base.checks import describe_rows
from bayesurv.base.columns import (
    check_binary,
    check_columns_present,
    check_frame,
    check_no_missing,
    check_nonnegative,
    check_not_boolean,
    check_numeric,
)
from bayesurv.base.exceptions import DataError, DataWarning
from bayesurv.data.encoding import as_name_list, design_matrix, encode_groups
from bayesurv.data.survival_data import SurvivalData

__all__ = ["CLOCKS", "STATES", "TRANSITIONS", "IllnessDeathData"]

WHAT = "IllnessDeathData"
TRANSITIONS = ("illness", "death", "death_after_illness")
STATES = ("event-free", "illness", "death")
# the time scale of illness -> death: since randomization (Markov) or since the illness
CLOCKS = ("forward", "reset")
TRANSITION_WORDS = {"illness": "event-free -> illness", "death": "event-free -> death",
                    "death_after_illness": "illness -> death"}


def _readonly(values, dtype) -> np.ndarray:
    array = np.array(values, dtype=dtype, copy=True)
    array.setflags(write=False)
    return array


class IllnessDeathData:
    """Illness-death data for two or more groups, validated once and immutable.

    Attributes
    ----------
    illness_time, death_time : numpy.ndarray
        Illness time and end of follow-up (death or last known alive) of each patient.
    illness, death : numpy.ndarray
        1 if the illness / death was observed.
    group_index : numpy.ndarray
        Integer code of each patient's group: 0 is the reference group.
    groups : tuple of str
        Group names, the reference first.
    time_unit : str
        Unit of the times.
    row_labels : pandas.Index
        The caller's row labels, used in messages.
    covariates : numpy.ndarray
        Covariate matrix (patients x covariates), categorical columns expanded to 0/1
        indicators, as in :class:`~bayesurv.SurvivalData`.
    covariate_names : tuple of str
        Their names, e.g. ``"age"`` or ``"child_pugh[B]"``.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> df = pd.DataFrame({"hcc_time": [4.0, 10.0, 6.0, 12.0], "hcc": [1, 0, 1, 0],
    ...                    "death_time": [9.0, 10.0, 6.0, 12.0], "death": [1, 1, 1, 0],
    ...                    "arm": ["control", "control", "new", "new"]})
    >>> ill = bs.IllnessDeathData.from_frame(df, illness_time="hcc_time", illness="hcc",
    ...                                      death_time="death_time", death="death",
    ...                                      group="arm", reference="control")
    >>> ill.n, ill.groups
    (4, ('control', 'new'))
    >>> ill.transition("death_after_illness").frame()[["entry", "time", "event"]]
       entry  time  event
    0    4.0   9.0      1
    2    6.0   6.0      1
    """

    __slots__ = ("covariate_names", "covariates", "death", "death_time", "group_index",
                 "groups", "illness", "illness_time", "row_labels", "time_unit")

    def __init__(self, illness_time, illness, death_time, death, group_index,
                 groups: Sequence[str], time_unit: str = "months", row_labels=None,
                 covariates=None, covariate_names: Sequence[str] = ()):
        n = np.shape(death_time)[0]
        covariates = np.zeros((n, 0)) if covariates is None else covariates
        object.__setattr__(self, "covariates",
                           _readonly(np.asarray(covariates, dtype=float).reshape(n, -1), float))
        object.__setattr__(self, "covariate_names", tuple(str(c) for c in covariate_names))
        if self.covariates.shape[1] != len(self.covariate_names):
            raise DataError(f"{WHAT}: {self.covariates.shape[1]} covariate columns but "
                            f"{len(self.covariate_names)} names")
        for name, value in (("illness_time", illness_time), ("death_time", death_time)):
            object.__setattr__(self, name, _readonly(value, float))
        for name, value in (("illness", illness), ("death", death)):
            object.__setattr__(self, name, _readonly(value, np.int8))
        object.__setattr__(self, "group_index", _readonly(group_index, np.intp))
        object.__setattr__(self, "groups", tuple(str(g) for g in groups))
        object.__setattr__(self, "time_unit", str(time_unit))
        labels = pd.RangeIndex(n) if row_labels is None else pd.Index(row_labels)
        object.__setattr__(self, "row_labels", labels)

    def __setattr__(self, name, value):
        raise AttributeError(f"IllnessDeathData is immutable; cannot set {name!r}")

    def __reduce__(self):
        # rebuilt through __init__ (pickling, e.g. to the worker processes of a run of
        # several specs), so it stays read-only
        return (type(self), (self.illness_time, self.illness, self.death_time, self.death,
                             self.group_index, self.groups, self.time_unit, self.row_labels,
                             self.covariates, self.covariate_names))

    @classmethod
    def from_frame(cls, df: pd.DataFrame, illness_time: str = "illness_time",
                   illness: str = "illness", death_time: str = "death_time",
                   death: str = "death", group: str = "arm", reference=None,
                   time_unit: str = "months",
                   covariates: Sequence[str] | None = None) -> IllnessDeathData:
        """Validate patient rows and build :class:`IllnessDeathData`.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per patient; read, never modified, no row dropped.
        illness_time, illness : str
            Columns of the illness time and its indicator (1/0 or True/False).
        death_time, death : str
            Columns of the end of follow-up (death or last known alive) and the death
            indicator.
        group : str
            Column of group labels (at least two levels).
        reference : optional
            The reference (control) level; default the first in sorted order.
        time_unit : str
            Unit of the times, e.g. ``"months"``.
        covariates : sequence of str, optional
            Baseline covariate columns a model may adjust some transitions for (see
            ``IllnessDeath(covariates=...)``); numeric columns as they are, text or
            categorical ones as 0/1 indicators ``"column[level]"``.

        Raises
        ------
        DataError
            A missing column or value, a negative or non-numeric time, an indicator other
            than 0/1, an illness time after the death or after the last follow-up, fewer
            than two groups.  The message names the column, rows and values.

        Examples
        --------
        >>> bad = _example_frame().assign(hcc_time=[4.0, 10.0, 12.0, 7.0, 8.0, 5.0])
        >>> bs.IllnessDeathData.from_frame(bad, illness_time="hcc_time", illness="hcc",
        ...                                group="arm")
        Traceback (most recent call last):
        ...
        bayesurv.base.exceptions.DataError: IllnessDeathData: illness after death ... row 3 ...
        """
        df = check_frame(df, WHAT)
        roles = {"illness_time": illness_time, "illness": illness, "death_time": death_time,
                 "death": death, "group": group}
        covariates = [] if covariates is None else as_name_list(covariates, "covariates")
        check_columns_present(df, roles | {f"covariate {c!r}": c for c in covariates}, WHAT)
        if len(set(roles.values())) < len(roles):
            raise DataError(f"{WHAT}: the five columns must differ, got {roles}")
        clash = sorted(set(covariates) & set(roles.values()))
        if clash:
            raise DataError(f"{WHAT}: column(s) {clash} cannot be both a covariate and a "
                            "time, indicator or group column")
        for column in [*roles.values(), *covariates]:
            check_no_missing(df[column], column, WHAT)
        times = {}
        for column in (illness_time, death_time):
            check_not_boolean(df[column], column, "time", WHAT)
            times[column] = check_numeric(df[column], column, WHAT)
            check_nonnegative(times[column], df.index, column, WHAT)
        t_ill, t_end = times[illness_time], times[death_time]
        d_ill = check_binary(df[illness], illness, WHAT)
        d_death = check_binary(df[death], death, WHAT)
        late = t_ill > t_end
        for mask, words in ((late & (d_ill == 1) & (d_death == 1), "illness after death"),
                            (late & (d_ill == 1) & (d_death == 0),
                             "illness time past the last follow-up"),
                            (late & (d_ill == 0), "illness-free time past the last follow-up")):
            if mask.any():
                raise DataError(f"{WHAT}: {words} ({illness_time!r} > {death_time!r}) at "
                                f"{describe_rows(df.index[mask], t_ill[mask])}")
        early = (d_ill == 0) & (t_ill < t_end)
        if early.any():
            warnings.warn(f"{WHAT}: {int(early.sum())} patient(s) without illness have "
                          f"{illness_time!r} before {death_time!r} (first at "
                          f"{describe_rows(df.index[early], t_ill[early])}); they are counted "
                          f"illness-free until {death_time!r}", DataWarning, stacklevel=2)
        group_index, levels = encode_groups(df[group], group, reference)
        design, names = design_matrix(df, covariates)
        return cls(t_ill, d_ill, t_end, d_death, group_index, levels, time_unit, df.index,
                   covariates=design, covariate_names=names)

    # ------------------------------------------------------------------ properties
    @property
    def n(self) -> int:
        """Number of patients.

        Examples
        --------
        >>> ill = _example()
        >>> ill.n
        6
        """
        return int(self.death_time.shape[0])

    @property
    def reference(self) -> str:
        """Name of the reference group.

        Examples
        --------
        >>> ill = _example()
        >>> ill.reference
        'control'
        """
        return self.groups[0]

    @property
    def max_time(self) -> float:
        """Longest follow-up.

        Examples
        --------
        >>> ill = _example()
        >>> ill.max_time
        14.0
        """
        return float(self.death_time.max())

    def transition(self, key: str, clock: str = "forward",
                   covariates: Sequence[str] = ()) -> SurvivalData:
        """The data of one transition as :class:`SurvivalData`.

        ``"illness"`` and ``"death"``: every patient, followed until the illness, the death
        or the end of follow-up, whichever comes first; the event is the illness / a death
        without prior illness.  ``"death_after_illness"``: the patients with an illness,
        followed until death or the end of follow-up; with ``clock="forward"`` (time since
        randomization) they enter at the illness time (``entry``), with ``clock="reset"``
        the time is counted from the illness (``death_time - illness_time``, from 0).
        ``covariates``: the covariate columns (names given to ``from_frame``, or expanded
        indicator names) the transition's data carry; none by default.

        Examples
        --------
        >>> ill = _example()
        >>> [ill.transition(k).n_events for k in ("illness", "death", "death_after_illness")]
        [3, 2, 2]
        >>> ill.transition("illness").time.tolist()
        [4.0, 10.0, 12.0, 6.0, 8.0, 5.0]
        >>> ill.transition("death_after_illness", clock="reset").time.tolist()  # since illness
        [5.0, 0.0, 9.0]
        """
        ill = self.illness == 1
        columns = self._covariate_columns(covariates)
        names = [self.covariate_names[j] for j in columns]
        if key in ("illness", "death"):
            time = np.where(ill, self.illness_time, self.death_time)
            event = ill if key == "illness" else (~ill) & (self.death == 1)
            return SurvivalData(time, event, self.group_index, self.groups,
                                self.covariates[:, columns], names, time_unit=self.time_unit,
                                row_labels=self.row_labels,
                                source=f"{TRANSITION_WORDS[key]} transition")
        if key == "death_after_illness":
            if clock not in CLOCKS:
                raise DataError(f"{WHAT}: clock must be one of {list(CLOCKS)}, got {clock!r}")
            forward = clock == "forward"
            time = self.death_time[ill] - (0.0 if forward else self.illness_time[ill])
            return SurvivalData(time, self.death[ill], self.group_index[ill],
                                self.groups, self.covariates[ill][:, columns], names,
                                time_unit=self.time_unit,
                                row_labels=self.row_labels[ill],
                                source=f"{TRANSITION_WORDS[key]} transition",
                                entry=self.illness_time[ill] if forward else None)
        raise DataError(f"{WHAT}: unknown transition {key!r}; transitions are "
                        f"{list(TRANSITIONS)}")

    def _covariate_columns(self, selected: Sequence[str]) -> list[int]:
        """Indices of the covariate columns named by ``selected`` (a column given to
        ``from_frame`` selects all its indicators)."""
        columns = []
        for name in selected:
            found = [j for j, c in enumerate(self.covariate_names)
                     if c == name or c.startswith(f"{name}[")]
            if not found:
                raise DataError(f"{WHAT}: no covariate {name!r}; the data have "
                                f"{list(self.covariate_names) or 'none'} (give covariates=[...] "
                                "to IllnessDeathData.from_frame)")
            columns.extend(j for j in found if j not in columns)
        return columns

    def transition_frame(self, key: str, clock: str = "forward") -> pd.DataFrame:
        """One transition in counting-process form: ``tstart, tstop, status, group``
        (``clock`` as in :meth:`transition`).

        The form of R's ``Surv(tstart, tstop, status)`` and lifelines' ``entry_col``.

        Examples
        --------
        >>> ill = _example()
        >>> ill.transition_frame("death_after_illness")
           tstart  tstop  status    group
        0     4.0    9.0       1  control
        3     6.0    6.0       1      new
        5     5.0   14.0       0      new
        """
        part = self.transition(key, clock)
        return pd.DataFrame({"tstart": part.entry, "tstop": part.time,
                             "status": part.event.astype(int), "group": part.group},
                            index=part.row_labels.copy())

    def summary(self) -> pd.DataFrame:
        """Patients and events of each transition per group.

        Examples
        --------
        >>> ill = _example()
        >>> ill.summary()
             group  n  illness  death  death_after_illness
        0  control  3        1      1                    1
        1      new  3        2      1                    1
        """
        rows = []
        for g, name in enumerate(self.groups):
            row = {"group": name, "n": int((self.group_index == g).sum())}
            for key in TRANSITIONS:
                part = self.transition(key)
                row[key] = int(part.event[part.group_index == g].sum())
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """A JSON-friendly description (stored inside fits).

        Examples
        --------
        >>> ill = _example()
        >>> d = ill.to_dict()
        >>> d["n"], d["events"], d["groups"]
        (6, {'illness': 3, 'death': 2, 'death_after_illness': 2}, ['control', 'new'])
        """
        per_group = []
        for g, name in enumerate(self.groups):
            m = self.group_index == g
            per_group.append({"group": name, "n": int(m.sum()),
                              "max_followup": float(self.death_time[m].max()) if m.any()
                              else float("nan")})
        return {"n": self.n, "groups": list(self.groups), "reference": self.reference,
                "time_unit": self.time_unit, "source": "illness-death patient rows",
                "events": {k: self.transition(k).n_events for k in TRANSITIONS},
                "per_group": per_group, "covariates": list(self.covariate_names)}

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        events = ", ".join(f"{TRANSITION_WORDS[k]}: {v}" for k, v in
                           self.to_dict()["events"].items())
        return (f"IllnessDeathData: {self.n} patients, time in {self.time_unit}; reference "
                f"group {self.reference!r}; events {events}")


def _example_frame() -> pd.DataFrame:
    """Six patients for the examples: in each arm an illness then death (in ``new`` at the
    same time), a death without illness, and a censored patient."""
    return pd.DataFrame({"hcc_time": [4.0, 10.0, 12.0, 6.0, 8.0, 5.0],
                         "hcc": [1, 0, 0, 1, 0, 1],
                         "death_time": [9.0, 10.0, 12.0, 6.0, 8.0, 14.0],
                         "death": [1, 1, 0, 1, 1, 0],
                         "arm": ["control"] * 3 + ["new"] * 3})


def _example() -> IllnessDeathData:
    return IllnessDeathData.from_frame(_example_frame(), illness_time="hcc_time",
                                       illness="hcc", reference="control")
