"""Strata of aggregated data: the totals of :class:`~bayesurv.AggregatedData` per stratum.

The bayesurv models have no strata (no stratum-specific baseline), so they fit the table
summed over the strata; the strata serve the stratified counts, life tables and
Kaplan-Meier curves, and :meth:`bayesurv.AggregatedData.stratum`, which gives one
stratum's data (to fit a model per stratum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesurv.base.exceptions import DataError

__all__ = ["Strata"]


@dataclass(frozen=True)
class Strata:
    """Totals per (piece, group, stratum) of a cohort aggregated with ``strata=``.

    Attributes
    ----------
    column : str
        The strata column.
    levels : tuple of str
        The strata, sorted by value (a categorical column: in its categories' order).
    events, exposure, ending : numpy.ndarray
        Shape (pieces, groups, strata): as the attributes of the same names of
        :class:`~bayesurv.AggregatedData`, per stratum.
    entering : numpy.ndarray or None
        Likewise, with delayed entry.
    max_followup, person_time : numpy.ndarray
        Shape (groups, strata): longest follow-up (0 where a group has no patient in a
        stratum) and total time at risk.

    Examples
    --------
    >>> s = Strata("site", ("a",), np.ones((2, 2, 1)), np.ones((2, 2, 1)),
    ...            np.ones((2, 2, 1), dtype=int), None, np.ones((2, 1)), np.ones((2, 1)))
    >>> s.index("a"), s.events.flags.writeable
    (0, False)
    """

    column: str
    levels: tuple
    events: np.ndarray
    exposure: np.ndarray
    ending: np.ndarray
    entering: np.ndarray | None
    max_followup: np.ndarray
    person_time: np.ndarray

    def __post_init__(self):
        for name in ("events", "exposure", "ending", "entering", "max_followup",
                     "person_time"):
            value = getattr(self, name)
            if value is not None:
                value = np.array(value)
                value.setflags(write=False)
                object.__setattr__(self, name, value)
        object.__setattr__(self, "levels", tuple(str(level) for level in self.levels))

    def index(self, level) -> int:
        """Position of a stratum, by its label (or the label's text); a :class:`DataError`
        listing the strata otherwise."""
        name = str(level)
        if name not in self.levels:
            raise DataError(f"{level!r} is not a stratum of column {self.column!r}; strata are "
                           f"{list(self.levels)}")
        return self.levels.index(name)
