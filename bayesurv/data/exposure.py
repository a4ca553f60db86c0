"""Events and person-time on a fine time grid: the sufficient statistics of every model.

With a hazard that is constant on each piece of a grid, the log-likelihood of right-censored
data depends on the patients only through the number of events ``D`` and the person-time
``E`` observed in each (piece, group) cell.  Pieces are right-closed intervals
``(edge[j], edge[j + 1]]`` (the convention of R's ``survSplit``), the last one open-ended, so an
event exactly at a cut belongs to the piece that ends there.  A time of 0 falls in the first
piece with no person-time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from bayesurv.data.survival_data import SurvivalData

__all__ = ["ExposureTable", "PatientPieces", "cell_totals", "fine_grid", "piece_index",
           "piece_of_edges"]


def fine_grid(*cut_sets: Iterable[float]) -> np.ndarray:
    """Union of every cut any model asks for, starting at 0.

    Parameters
    ----------
    *cut_sets : iterables of float
        Cut points (treatment periods, baseline pieces, change-point candidates...).

    Returns
    -------
    numpy.ndarray
        Sorted unique left edges of the fine pieces; the first is 0.

    Examples
    --------
    >>> fine_grid([13], [6, 13, 24])
    array([ 0.,  6., 13., 24.])
    """
    values = [0.0]
    for cuts in cut_sets:
        values.extend(float(c) for c in np.atleast_1d(np.asarray(list(cuts), dtype=float)))
    return np.unique(np.asarray(values, dtype=float))


def piece_index(edges: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Index of the right-closed piece ``(edges[j], edges[j+1]]`` holding each time.

    Times equal to 0 are put in piece 0.

    Examples
    --------
    >>> piece_index(np.array([0.0, 13.0]), np.array([0.0, 5.0, 13.0, 20.0]))
    array([0, 0, 0, 1])
    """
    j = np.searchsorted(edges, time, side="left") - 1
    return np.clip(j, 0, edges.size - 1)


def piece_of_edges(coarse_edges: np.ndarray, fine_edges: np.ndarray) -> np.ndarray:
    """Which coarse piece each fine piece belongs to (fine edges include the coarse ones).

    Examples
    --------
    >>> piece_of_edges(np.array([0.0, 24.0]), np.array([0.0, 13.0, 24.0, 36.0]))
    array([0, 0, 1, 1])
    """
    return np.searchsorted(coarse_edges, fine_edges, side="right") - 1


def cell_totals(edges: np.ndarray, time: np.ndarray, event: np.ndarray,
                group_index: np.ndarray, n_groups: int):
    """Events, person-time and follow-up ends per (piece, group) of some patients.

    Patient ``i`` contributes ``min(max(time_i - edges[j], 0), width_j)`` to piece ``j``;
    rather than that (patients x pieces) sum, each patient is located once in the piece
    where its follow-up ends and the full widths of the pieces before are counted from
    cumulative sums of those ends.  Every total is a sum over patients, so totals of
    disjoint sets of patients (chunks of a large file) add up to the totals of their union.

    Returns
    -------
    events, exposure, ending : numpy.ndarray
        Shape (pieces, groups) each: events, person-time, and the number of patients whose
        follow-up ends in the piece.

    Examples
    --------
    >>> d, e, ends = cell_totals(np.array([0.0, 13.0]), np.array([5.0, 13.0, 20.0]),
    ...                          np.array([1, 0, 1]), np.array([0, 1, 1]), 2)
    >>> d.tolist(), e.tolist(), ends.tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [[5.0, 26.0], [0.0, 7.0]], [[1, 1], [0, 1]])
    """
    edges = np.asarray(edges, dtype=float)
    piece = piece_index(edges, time)
    offset = np.maximum(time - edges[piece], 0.0)
    m, g = edges.size, n_groups
    cell = piece * g + group_index
    events = np.bincount(cell, weights=event, minlength=m * g).reshape(m, g)
    partial = np.bincount(cell, weights=offset, minlength=m * g).reshape(m, g)
    ending = np.bincount(cell, minlength=m * g).reshape(m, g)
    # patients still followed beyond piece j contribute its full width
    beyond = ending[::-1].cumsum(axis=0)[::-1] - ending
    exposure = partial.astype(float, copy=False)  # with no patients, bincount gives ints
    exposure[: m - 1] += beyond[: m - 1] * np.diff(edges)[:, None]
    return events, exposure, ending


@dataclass(frozen=True)
class PatientPieces:
    """Where each patient's follow-up ends on the fine grid.

    A patient whose follow-up ends in piece ``j`` is exposed for the full width of every
    piece before ``j`` and for ``offset`` time units in piece ``j``: the prefix structure that
    lets models with covariates compute each patient's cumulative hazard in O(1) from
    cumulative sums over pieces.

    Attributes
    ----------
    edges : numpy.ndarray
        Left edges of the fine pieces.
    piece : numpy.ndarray
        Fine piece in which each patient's follow-up ends.
    offset : numpy.ndarray
        Time spent in that last piece.
    event, group : numpy.ndarray
        Event indicator and group code of each patient.

    Examples
    --------
    >>> df = pd.DataFrame({"time": [5.0, 13.0, 20.0], "event": [1, 0, 1],
    ...                    "arm": ["a", "b", "b"]})
    >>> small = SurvivalData.from_frame(df, reference="a")
    >>> pieces = PatientPieces.from_data(small, np.array([0.0, 13.0]))
    >>> pieces.piece, pieces.offset
    (array([0, 0, 1]), array([ 5., 13.,  7.]))
    """

    edges: np.ndarray
    piece: np.ndarray
    offset: np.ndarray
    event: np.ndarray
    group: np.ndarray

    @classmethod
    def from_data(cls, data: SurvivalData, edges: np.ndarray) -> PatientPieces:
        """Locate every patient's end of follow-up on the grid ``edges``.

        Examples
        --------
        >>> pieces = PatientPieces.from_data(data, fine_grid([13]))  # pieces 0-13 and 13+
        >>> pieces.piece.size, int(pieces.event.sum()), int((pieces.piece == 1).sum())
        (219, 44, 195)
        """
        edges = np.asarray(edges, dtype=float)
        piece = piece_index(edges, data.time)
        offset = np.maximum(data.time - edges[piece], 0.0)
        return cls(edges, piece, offset, data.event.astype(float), data.group_index.copy())

    def dense(self) -> np.ndarray:
        """Per-patient exposure as a dense (patients x pieces) matrix (for checks and tests).

        Examples
        --------
        >>> df = pd.DataFrame({"time": [5.0, 13.0, 20.0], "event": [1, 0, 1],
        ...                    "arm": ["a", "b", "b"]})
        >>> small = SurvivalData.from_frame(df, reference="a")
        >>> PatientPieces.from_data(small, np.array([0.0, 13.0])).dense()
        array([[ 5.,  0.],
               [13.,  0.],
               [13.,  7.]])
        """
        widths = np.diff(self.edges)
        n, m = self.piece.size, self.edges.size
        out = np.zeros((n, m))
        full = np.arange(m)[None, :] < self.piece[:, None]
        out[:, : m - 1] = np.where(full[:, : m - 1], widths[None, :], 0.0)
        out[np.arange(n), self.piece] = self.offset
        return out


@dataclass(frozen=True)
class ExposureTable:
    """Events ``D`` and person-time ``E`` per (fine piece, group).

    Built in O(N log N) with a sort-free binary search and bin counts; nothing loops over
    patients.  With delayed entry (``data.entry``), a patient counts person-time only after
    entry; the event, if any, is counted in the piece holding the exit time.

    Attributes
    ----------
    edges : numpy.ndarray
        Left edges of the pieces (the last piece is open-ended).
    events : numpy.ndarray
        ``D``, shape (pieces, groups).
    exposure : numpy.ndarray
        ``E``, shape (pieces, groups), in the data's time unit.
    groups : tuple of str
        Group names, the reference first.

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> table = ExposureTable.from_data(data, fine_grid([13]))
    >>> table.events.sum(axis=0)
    array([29., 15.])
    """

    edges: np.ndarray
    events: np.ndarray
    exposure: np.ndarray
    groups: tuple[str, ...]

    @classmethod
    def from_data(cls, data: SurvivalData, edges: np.ndarray) -> ExposureTable:
        """Split every patient's follow-up on ``edges`` and total it by piece and group.

        Examples
        --------
        >>> table = ExposureTable.from_data(data, fine_grid([13]))
        >>> table.events  # events per piece (0-13, 13+) and group (control, UC-MSC)
        array([[10., 10.],
               [19.,  5.]])
        >>> table.exposure.sum(axis=0).round(2)  # all person-time is counted
        array([5911.84, 6004.02])
        """
        edges = np.asarray(edges, dtype=float)
        g = len(data.groups)
        events, exposure, _ = cell_totals(edges, data.time, data.event, data.group_index, g)
        if data.has_entry:
            # follow-up from entry to exit is follow-up from 0 to exit minus that from 0 to
            # entry, piece by piece; without delayed entry nothing is subtracted
            _, before_entry, _ = cell_totals(edges, data.entry, np.zeros(data.n),
                                             data.group_index, g)
            exposure = exposure - before_entry
        return cls(edges, events, exposure, tuple(data.groups))

    @property
    def n_pieces(self) -> int:
        """Number of fine pieces.

        Examples
        --------
        >>> ExposureTable.from_data(data, fine_grid(range(12, 84, 12))).n_pieces
        7
        """
        return int(self.edges.size)

    def coarsen(self, edges: np.ndarray) -> ExposureTable:
        """Sum the table onto coarser pieces whose edges are a subset of this grid's edges.

        Examples
        --------
        >>> fine = ExposureTable.from_data(data, fine_grid([6, 13, 24]))
        >>> coarse = fine.coarsen(np.array([0.0, 13.0]))
        >>> direct = ExposureTable.from_data(data, fine_grid([13]))
        >>> bool(np.allclose(coarse.events, direct.events) and np.allclose(coarse.exposure,
        ...                                                                  direct.exposure))
        True
        """
        edges = np.asarray(edges, dtype=float)
        if edges[0] != 0 or not np.isin(edges, self.edges).all():
            raise ValueError("coarse edges must start at 0 and be fine-grid edges")
        which = piece_of_edges(edges, self.edges)
        events = np.zeros((edges.size, self.events.shape[1]))
        exposure = np.zeros_like(events)
        np.add.at(events, which, self.events)
        np.add.at(exposure, which, self.exposure)
        return ExposureTable(edges, events, exposure, self.groups)
