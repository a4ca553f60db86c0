"""Aggregated survival data: events and person-time per grid piece and group, no patient rows.

What :func:`bayesurv.aggregate` returns for cohorts too large to hold as patient rows.  The
piecewise-exponential models need nothing else (their likelihood depends on the patients
only through events and person-time per piece), as long as every cut they ask for lies on
the grid the rows were aggregated on.  What needs the rows themselves (Cox models, the
per-patient log-likelihood and LOO, covariates) is refused with a message saying so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import DataError, ModelError
from bayesurv.data.aggregated_strata import Strata
from bayesurv.data.exposure import ExposureTable
from bayesurv.data.grid_km import grid_kaplan_meier

__all__ = ["AggregatedData", "needs_patient_rows"]

MAX_LISTED = 5


def needs_patient_rows(data, what: str) -> None:
    """Refuse aggregated data where patient rows are needed.

    Examples
    --------
    >>> needs_patient_rows(object(), "cox")  # anything else passes
    """
    if isinstance(data, AggregatedData):
        raise DataError(f"{what} needs patient rows, and these data were aggregated "
                        f"({data.source}); it cannot be computed from events and "
                        "person-time per piece")


class AggregatedData:
    """Events and person-time per (grid piece, group) of a cohort, with its counts.

    Built by :func:`bayesurv.aggregate`.  Immutable: its arrays are read-only.

    Attributes
    ----------
    table : ExposureTable
        Events and person-time per (piece, group) on the aggregation grid (``table.edges``;
        the last piece is open-ended).
    ending : numpy.ndarray
        Number of patients whose follow-up ends in each (piece, group): times in
        ``(edge[j], edge[j + 1]]``, time 0 in the first piece.
    entering : numpy.ndarray or None
        With delayed entry, the number of patients entering after time 0 in each (piece,
        group); None without.
    max_followup, person_time : numpy.ndarray
        Longest follow-up (end time) and total time at risk of each group (exact).
    step : float or None
        The grid step when the grid was given as one (``grid=1.0``).
    time_unit, source : str
        Unit of the times; where the data came from.
    strata : Strata or None
        With ``aggregate(..., strata=column)``, the same totals per stratum; the attributes
        above are summed over the strata (the models, which have no strata, fit those).

    Examples
    --------
    >>> import bayesurv as bs
    >>> df = pd.DataFrame({"t": [2.5, 4.0, 1.0, 3.0], "e": [1, 0, 1, 1],
    ...                    "arm": ["a", "a", "b", "b"]})
    >>> tiny = bs.aggregate(df, time="t", event="e", grid=1.0)
    >>> tiny.table.edges.tolist(), tiny.table.events.tolist()
    ([0.0, 1.0, 2.0, 3.0], [[0.0, 1.0], [0.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    >>> tiny.n, tiny.n_events, tiny.groups
    (4, 3, ('a', 'b'))
    """

    __slots__ = ("_frozen", "ending", "entering", "max_followup", "person_time", "source",
                 "step", "strata", "table", "time_unit")

    def __init__(self, table: ExposureTable, ending: np.ndarray, max_followup: np.ndarray,
                 person_time: np.ndarray, time_unit: str = "months", step: float | None = None,
                 source: str = "aggregated patient rows", entering: np.ndarray | None = None,
                 strata: Strata | None = None):
        values = {"table": ExposureTable(_readonly(table.edges), _readonly(table.events),
                                         _readonly(table.exposure), tuple(table.groups)),
                  "ending": _readonly(np.asarray(ending, dtype=np.int64)),
                  "entering": None if entering is None else _readonly(
                      np.asarray(entering, dtype=np.int64)),
                  "max_followup": _readonly(max_followup), "person_time": _readonly(person_time),
                  "time_unit": str(time_unit), "step": None if step is None else float(step),
                  "source": str(source), "strata": strata, "_frozen": True}
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"AggregatedData is immutable; cannot set {name!r}")

    # ------------------------------------------------------------------ counts
    @property
    def groups(self) -> tuple[str, ...]:
        """Group names, the reference first."""
        return self.table.groups

    @property
    def reference(self) -> str:
        """Name of the reference group."""
        return self.groups[0]

    @property
    def treated(self) -> tuple[str, ...]:
        """Names of the non-reference groups."""
        return self.groups[1:]

    @property
    def grid(self) -> np.ndarray:
        """Left edges of the grid pieces (the last piece is open-ended)."""
        return self.table.edges

    @property
    def n(self) -> int:
        """Number of patients."""
        return int(self.ending.sum())

    @property
    def n_events(self) -> int:
        """Total number of events."""
        return round(float(self.table.events.sum()))

    @property
    def max_time(self) -> float:
        """Longest follow-up."""
        return float(self.max_followup.max())

    @property
    def covariate_names(self) -> tuple[str, ...]:
        """No covariates: aggregated data hold none."""
        return ()

    @property
    def has_entry(self) -> bool:
        """Whether some patients entered after time 0 (their person-time starts there)."""
        return self.entering is not None

    def __len__(self) -> int:
        return self.n

    def events_through(self, times: Sequence[float]) -> np.ndarray:
        """Events at or before each time, per group: shape (times, groups).

        Exact at grid edges and at times past the longest follow-up; other times are
        refused (the events inside a piece are not located more finely).

        Examples
        --------
        >>> agg.events_through([12.0, 24.0, np.inf]).tolist()  # control, UC-MSC
        [[9.0, 10.0], [14.0, 10.0], [29.0, 15.0]]
        """
        times = np.atleast_1d(np.asarray(times, dtype=float))
        beyond = times >= self.max_time
        self.check_on_grid(times[~beyond], "time")
        # piece j holds (edge[j], edge[j + 1]]: the events at or before edge[k] are those
        # of the pieces before k
        cumulative = np.vstack([np.zeros((1, len(self.groups))), self.table.events.cumsum(0)])
        where = np.where(beyond, self.grid.size, np.searchsorted(self.grid, times))
        return cumulative[where]

    def check_on_grid(self, times: np.ndarray, what: str) -> None:
        """Refuse times that are not edges of the aggregation grid (a :class:`ModelError`).

        Examples
        --------
        >>> agg.check_on_grid(np.array([1.5]), "cut")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        bayesurv.base.exceptions.ModelError: cut 1.5 is not on the grid the data were ...
        """
        times = np.asarray(times, dtype=float)
        off = times[~np.isin(times, self.grid)]
        if off.size:
            listed = ", ".join(f"{t:g}" for t in off[:MAX_LISTED])
            more = f" and {off.size - MAX_LISTED} more" if off.size > MAX_LISTED else ""
            verb = "is" if off.size == 1 else "are"
            raise ModelError(f"{what} {listed}{more} {verb} not on the grid the data were "
                             f"aggregated on ({self.describe_grid()}); choose points on it, "
                             "or aggregate again on a grid holding them")

    def table_on(self, edges: np.ndarray, what: str = "cut") -> ExposureTable:
        """The table summed onto coarser pieces whose edges lie on the grid.

        Examples
        --------
        >>> agg.table_on(np.array([0.0, 13.0])).events.tolist()  # 0-13 and 13+
        [[10.0, 10.0], [19.0, 5.0]]
        """
        self.check_on_grid(edges, what)
        return self.table.coarsen(edges)

    def describe_grid(self) -> str:
        """The grid in words.

        Examples
        --------
        >>> agg.describe_grid()
        'a piece every 1 months, the last from 84 months on'
        """
        last = float(self.grid[-1])
        if self.step is not None:
            return (f"a piece every {self.step:g} {self.time_unit}, the last from {last:g} "
                    f"{self.time_unit} on")
        shown = ", ".join(f"{t:g}" for t in self.grid[:8])
        return f"{shown}{', ...' if self.grid.size > 8 else ''} {self.time_unit}"

    # ------------------------------------------------------------------ summaries
    def median_followup(self) -> np.ndarray:
        """Median follow-up (end time) of each group, approximate: the follow-up times are
        known to the grid piece, and are taken as spread evenly inside it (up to the group's
        longest follow-up in the last piece).

        Examples
        --------
        >>> agg.median_followup().tolist()  # from the patient rows: 56.8 and 61.005
        [56.5, 61.0]
        """
        out = np.full(len(self.groups), np.nan)
        upper = np.r_[self.grid[1:], np.inf]
        for g in range(len(self.groups)):
            counts = self.ending[:, g]
            if counts.sum() == 0:
                continue
            cumulative = counts.cumsum()
            half = counts.sum() / 2.0
            j = int(np.searchsorted(cumulative, half))
            right = min(upper[j], self.max_followup[g])
            before = cumulative[j] - counts[j]
            share = (half - before) / counts[j]
            out[g] = self.grid[j] + share * (right - self.grid[j])
        return out

    def stratum(self, level) -> AggregatedData:
        """The data of one stratum (aggregated with ``strata=``), e.g. to fit a model to it.

        Examples
        --------
        >>> df = pd.DataFrame({"t": [2.5, 4.0, 1.0, 3.0], "e": [1, 0, 1, 1],
        ...                    "arm": ["a", "a", "b", "b"], "site": ["x", "y", "x", "x"]})
        >>> by_site = bs.aggregate(df, time="t", event="e", grid=1.0, strata="site")
        >>> by_site.stratum("x").n, by_site.stratum("y").n_events
        (3, 0)
        """
        if self.strata is None:
            raise DataError("these data were aggregated without strata; aggregate again with "
                            "strata=<column>")
        k = self.strata.index(level)
        s = self.strata
        return AggregatedData(
            ExposureTable(self.grid, s.events[:, :, k], s.exposure[:, :, k], self.groups),
            s.ending[:, :, k], s.max_followup[:, k], s.person_time[:, k],
            time_unit=self.time_unit, step=self.step,
            source=f"{self.source}, stratum {s.column} = {s.levels[k]}",
            entering=None if s.entering is None else s.entering[:, :, k])

    def _by_stratum(self, method: str, **kwargs) -> pd.DataFrame:
        """A table per stratum, stacked, with a ``stratum`` column after ``group``."""
        if self.strata is None:
            raise DataError("by_stratum needs data aggregated with strata=<column>")
        frames = []
        for level in self.strata.levels:
            frame = getattr(self.stratum(level), method)(**kwargs)
            frame.insert(1, "stratum", level)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def kaplan_meier(self, by_stratum: bool = False, level: float = 0.95) -> pd.DataFrame:
        """Kaplan-Meier survival at grid resolution (times known to their piece), per
        group (and stratum); see :func:`bayesurv.data.grid_km.grid_kaplan_meier`.

        Examples
        --------
        >>> agg.kaplan_meier()[["group", "time", "at_risk", "survival"]].head(3)
             group  time  at_risk  survival
        0  control   1.0      111  1.000000
        1  control   2.0      111  0.990991
        2  control   3.0      110  0.990991
        """
        if by_stratum:
            return self._by_stratum("kaplan_meier", level=level)
        return grid_kaplan_meier(self, level)

    def summary(self, by_stratum: bool = False) -> pd.DataFrame:
        """Per group (and stratum): patients, events, median (approximate) and maximum
        follow-up, person-time.

        Examples
        --------
        >>> agg.summary()[["group", "n", "events", "max_followup", "person_time"]]
             group    n  events  max_followup  person_time
        0  control  111      29         82.00      5911.84
        1   UC-MSC  108      15         84.99      6004.02
        """
        if by_stratum:
            return self._by_stratum("summary")
        n = self.ending.sum(axis=0)
        return pd.DataFrame({"group": list(self.groups), "n": n.astype(int),
                             "events": np.rint(self.table.events.sum(axis=0)).astype(int),
                             "median_followup": self.median_followup(),
                             "max_followup": self.max_followup,
                             "person_time": self.person_time})

    def to_dict(self) -> dict:
        """A JSON-friendly description (stored inside saved fits).

        Examples
        --------
        >>> d = agg.to_dict()
        >>> d["n"], d["aggregated"], d["grid_pieces"]
        (219, True, 85)
        """
        return {"n": self.n, "events": self.n_events, "groups": list(self.groups),
                "reference": self.reference, "covariates": [], "time_unit": self.time_unit,
                "source": self.source, "aggregated": True, "grid_pieces": int(self.grid.size),
                "delayed_entry": self.entering is not None,
                "strata": None if self.strata is None else {
                    "column": self.strata.column, "levels": list(self.strata.levels)},
                "per_group": self.summary().to_dict(orient="records")}

    def life_table(self, by_stratum: bool = False) -> pd.DataFrame:
        """Survival at the grid edges, per group (and stratum), by the actuarial life-table
        method.

        In each piece, ``at_risk`` patients are followed at its start, ``events`` die and
        ``censored`` leave; the conditional survival is ``1 - events / (at_risk -
        censored / 2)`` (those censored are taken as followed for half the piece on
        average; with delayed entry, those entering inside the piece are added as followed
        for half of it, and ``at_risk`` counts those entered by its start).  The Kaplan-Meier
        estimate at the same times would need the order of events and censorings inside
        each piece; on a grid fine against the follow-up the two agree closely.

        Examples
        --------
        >>> agg.life_table()[["group", "end", "at_risk", "events", "survival"]].head(4)
             group  end  at_risk  events  survival
        0  control  1.0      111     0.0  1.000000
        1  control  2.0      111     1.0  0.990991
        2  control  3.0      110     0.0  0.990991
        3  control  4.0      110     3.0  0.963964
        """
        if by_stratum:
            return self._by_stratum("life_table")
        ends = np.r_[self.grid[1:], np.nan]
        frames = []
        for g, name in enumerate(self.groups):
            ending = self.ending[:, g]
            events = self.table.events[:, g]
            at_risk = ending[::-1].cumsum()[::-1]
            entering = np.zeros_like(ending) if self.entering is None else self.entering[:, g]
            # entered after the piece's start: not yet at risk there
            at_risk = at_risk - entering[::-1].cumsum()[::-1]
            censored = ending - events
            effective = at_risk - censored / 2.0 + entering / 2.0
            with np.errstate(divide="ignore", invalid="ignore"):
                conditional = np.where(effective > 0, 1.0 - events / effective, 1.0)
            last = np.where(ends <= self.max_followup[g], ends, self.max_followup[g])
            frame = pd.DataFrame({"group": name, "start": self.grid, "end": last,
                                  "at_risk": at_risk, "events": events, "censored": censored,
                                  "survival": np.cumprod(conditional)})
            frames.append(frame[at_risk + entering > 0])
        return pd.concat(frames, ignore_index=True)

    def __repr__(self) -> str:
        lines = [f"AggregatedData: {self.n} patients, {self.n_events} events, time in "
                 f"{self.time_unit} ({self.source}); grid {self.describe_grid()}; reference "
                 f"group {self.reference!r}"]
        for row in self.summary().itertuples():
            lines.append(f"  {row.group}: n={row.n}, events={row.events}, follow-up median "
                         f"~{row.median_followup:.3g} (max {row.max_followup:.3g}) "
                         f"{self.time_unit}")
        if self.strata is not None:
            lines.append(f"  strata ({self.strata.column!r}): {', '.join(self.strata.levels)}"
                         " (the models fit the table summed over them)")
        return "\n".join(lines)


def _readonly(values) -> np.ndarray:
    array = np.array(values, dtype=float) if not isinstance(values, np.ndarray) else \
        values.copy()
    array.setflags(write=False)
    return array
