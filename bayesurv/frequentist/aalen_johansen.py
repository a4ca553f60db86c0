"""The Aalen-Johansen product integral of the illness-death model and its infinitesimal
jackknife variance, on patient rows put on an ordinal time scale that encodes the tie rules.

Internally the model has four states: 0 event-free, 1 ill, 2 dead without illness, 3 dead
after illness (the two death states are told apart so that the cumulative incidence of
illness, ``p1 + p3``, is a sum of states).  The public tables are in
:mod:`bayesurv.frequentist.multistate`.

Ties
----
Transitions at the same time are simultaneous, as in R's ``survfit``: one matrix
``I + dA(t)`` with every risk set taken just before ``t``, and a patient censored at ``t``
is at risk at ``t``.  A patient whose illness and end of follow-up fall at the same time
(the data's documented rule: the illness is counted, then the death, if any) is taken ill
an instant before ``t``, before every other transition at ``t``, and is then at risk of
death at ``t``: R's ``ptime - 0.1`` construction for ``mgus2`` in the limit of a small
shift.  Both rules only need the order of events, so the times are replaced by ordinal
keys: ``2m + 2`` for the m-th distinct time, ``2m + 1`` for an illness placed an instant
before it, and entry into the illness state half a step after the illness.
"""

from __future__ import annotations

import numpy as np

from bayesurv.data.illness_death import IllnessDeathData

__all__ = ["MOVES", "N_STATES", "OrderedRows", "aalen_johansen_path", "ordered_rows",
           "time_keys"]

N_STATES = 4
# (from, to) of the transitions, in the order of the transition keys
MOVES = {"illness": (0, 1), "death": (0, 2), "death_after_illness": (1, 3)}


class OrderedRows:
    """Counting-process rows (state, start key, end key, destination or -1 if censored) and
    the patient each row belongs to; ``distinct`` are the real times behind the keys."""

    __slots__ = ("destination", "distinct", "end", "patient", "start", "state")

    def __init__(self, state, start, end, destination, patient, distinct):
        self.state, self.start, self.end = state, start, end
        self.destination, self.patient, self.distinct = destination, patient, distinct

    def subset(self, patients: np.ndarray) -> OrderedRows:
        """The rows of the patients in the boolean mask ``patients``."""
        keep = patients[self.patient]
        renumber = np.cumsum(patients) - 1
        return OrderedRows(self.state[keep], self.start[keep], self.end[keep],
                           self.destination[keep], renumber[self.patient[keep]], self.distinct)


def time_keys(distinct: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The key of real ``times``: after every transition at or before each time."""
    return 2.0 * np.searchsorted(distinct, times, side="right")


def ordered_rows(data: IllnessDeathData) -> OrderedRows:
    """Each patient's event-free row, and an ill row for the patients with an illness."""
    ill = data.illness == 1
    exit_time = np.where(ill, data.illness_time, data.death_time)
    distinct = np.unique(np.r_[exit_time, data.death_time])
    at_once = ill & (data.illness_time == data.death_time)
    exit0 = time_keys(distinct, exit_time) - at_once
    move0 = np.where(ill, 1, np.where(data.death == 1, 2, -1))
    end1 = time_keys(distinct, data.death_time[ill])
    patients = np.arange(data.n)
    return OrderedRows(
        state=np.r_[np.zeros(data.n, dtype=int), np.ones(ill.sum(), dtype=int)],
        start=np.r_[np.zeros(data.n), exit0[ill] + 0.5],
        end=np.r_[exit0, end1],
        destination=np.r_[move0, np.where(data.death[ill] == 1, 3, -1)],
        patient=np.r_[patients, patients[ill]],
        distinct=distinct)


def aalen_johansen_path(rows: OrderedRows, keys: np.ndarray, contrasts: np.ndarray):
    """State probabilities and their infinitesimal jackknife variance at ``keys``.

    The influence of patient ``i`` on ``p(t)`` is the derivative of the estimate with
    respect to the patient's case weight: ``U_i(t) = U_i(t-) T(t) + p(t-) dT_i(t)``, with
    ``T = I + dA`` and ``d dA_jk(t) / dw_i = (dN_ijk(t) - Y_ij(t) dA_jk(t)) / n_j(t)``.  The
    variance of ``p(t) @ c`` is ``sum_i (U_i(t) @ c)^2``, R's ``survfit`` for multi-state
    data.  The sum is kept as a 4 x 4 matrix: patients still event-free all have the same
    influence, and a patient whose follow-up ended only has it carried by ``T``, so the
    cost per transition time is that of the patients alive with the illness.

    Parameters
    ----------
    rows : OrderedRows
    keys : numpy.ndarray
        Increasing keys (see :func:`time_keys`) to report at.
    contrasts : numpy.ndarray
        (quantities, states): each reported quantity is ``p @ contrast``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Estimates and variances, each (keys, quantities).
    """
    moves = rows.destination >= 0
    events = np.unique(rows.end[moves])
    # a row is at risk at the events lo, ..., hi - 1, and leaves after event hi - 1
    lo = np.searchsorted(events, rows.start, side="right")
    hi = np.searchsorted(events, rows.end, side="right")
    ill_rows = np.flatnonzero(rows.state == 1)
    first_rows = np.flatnonzero(rows.state == 0)
    n_risk = np.zeros((events.size + 1, N_STATES))
    np.add.at(n_risk, (lo, rows.state), 1.0)
    np.add.at(n_risk, (hi, rows.state), -1.0)
    n_risk = np.cumsum(n_risk, axis=0)[:-1]
    counts = np.zeros((events.size, N_STATES, N_STATES))
    np.add.at(counts, (hi[moves] - 1, rows.state[moves], rows.destination[moves]), 1.0)
    hazard = counts / np.where(n_risk > 0, n_risk, 1.0)[:, :, None]
    index = np.arange(N_STATES)
    hazard[:, index, index] = -hazard.sum(axis=2)
    ill_of = np.full(rows.state.size, -1)  # an ill row -> its position among the ill rows
    ill_of[ill_rows] = np.arange(ill_rows.size)
    ill_of_patient = np.full(rows.patient.max(initial=-1) + 1, -1)
    ill_of_patient[rows.patient[ill_rows]] = np.arange(ill_rows.size)
    leaving = np.argsort(hi, kind="stable")  # rows by the event after which they leave
    bounds = np.searchsorted(hi[leaving], np.arange(events.size + 2), side="left")
    still_free = first_rows.size - np.cumsum(np.bincount(hi[first_rows],
                                                         minlength=events.size + 1))

    p = np.eye(N_STATES)[0]
    free = np.zeros(N_STATES)  # the influence of every patient still event-free
    # the influence of each patient alive with the illness, and the row it belongs to
    ill, ill_ids = np.zeros((0, N_STATES)), np.zeros(0, dtype=int)
    done = np.zeros((N_STATES, N_STATES))  # sum of U^T U over the rows that ended
    report = np.searchsorted(events, keys, side="right")
    estimates = np.zeros((keys.size, contrasts.shape[0]))
    variances = np.zeros_like(estimates)
    q = 0
    for m in range(events.size + 1):
        if m:
            step = hazard[m - 1]
            scale = p / np.where(n_risk[m - 1] > 0, n_risk[m - 1], 1.0)
            transition = np.eye(N_STATES) + step
            free = free @ transition - scale[0] * step[0]
            ill = ill @ transition - scale[1] * step[1]
            done = transition.T @ done @ transition
            p = p @ transition
            out = leaving[bounds[m]:bounds[m + 1]]  # rows whose last event this was
            first, later = out[rows.state[out] == 0], out[rows.state[out] == 1]
            u = np.tile(free, (first.size, 1))
            target = rows.destination[first]
            for k in (1, 2):
                u[target == k, k] += scale[0]
                u[target == k, 0] -= scale[0]
            onward = target == 1  # taken ill: carried on in the patient's ill row
            entered = ill_of_patient[rows.patient[first[onward]]]
            ill, ill_ids = np.r_[ill, u[onward]], np.r_[ill_ids, entered]
            done += u[~onward].T @ u[~onward]
            ending = np.isin(ill_ids, ill_of[later])
            u = ill[ending]
            died = rows.destination[ill_rows[ill_ids[ending]]] == 3
            u[died, 3] += scale[1]
            u[died, 1] -= scale[1]
            done += u.T @ u
            ill, ill_ids = ill[~ending], ill_ids[~ending]
        while q < keys.size and report[q] == m:
            total = done + still_free[m] * np.outer(free, free) + ill.T @ ill
            estimates[q] = contrasts @ p
            variances[q] = np.einsum("qs,st,qt->q", contrasts, total, contrasts)
            q += 1
    return estimates, variances
