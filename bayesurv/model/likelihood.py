"""Piecewise-exponential log-likelihoods, written once for NumPy and for PyTensor.

Every function takes the array module ``xp`` (``numpy`` or ``pytensor.tensor``) first, so the
sampled model and the post-hoc pointwise log-likelihood (for LOO) are the same code.

Notation: ``lh`` is the log hazard on the fine grid, shape (pieces, groups); the fine pieces are
right-closed intervals ``(edge[j], edge[j+1]]``.  A change-point candidate ``tau_k`` is the fine
edge with index ``m_k``: pieces ``j < m_k`` lie before it (event times <= tau), the others
after.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = [
    "aggregated_loglik",
    "changepoint_aggregated_loglik",
    "changepoint_patient_loglik",
    "changepoint_patient_totals",
    "cumulative_hazard_at_edges",
    "patient_loglik",
    "patient_or_table_loglik",
]


def aggregated_loglik(xp, events, exposure, lh):
    """Poisson-form log-likelihood ``sum D*lh - E*exp(lh)`` over (piece, group) cells.

    Examples
    --------
    Two events in 10 time units at hazard 0.2: ``2 log(0.2) - 10 * 0.2``.

    >>> round(float(aggregated_loglik(np, np.array([[2.0]]), np.array([[10.0]]),
    ...                               np.log([[0.2]]))), 4)
    -5.2189
    """
    return xp.sum(events * lh - exposure * xp.exp(lh))


def cumulative_hazard_at_edges(xp, widths, lh):
    """Cumulative hazard up to each fine edge, shape (pieces, groups); row 0 is zero.

    Examples
    --------
    >>> h = cumulative_hazard_at_edges(np, np.array([10.0, 10.0]), np.log([[0.1], [0.2], [0.3]]))
    >>> h.ravel().round(6)
    array([0., 1., 3.])
    """
    increments = widths[:, None] * xp.exp(lh[:-1])
    zero = xp.zeros_like(lh[:1])
    return xp.concatenate([zero, xp.cumsum(increments, axis=0)], axis=0)


def _patient_hazards(xp, piece, offset, group, widths, lh):
    """Log hazard at each patient's end time and cumulative hazard up to it (no covariates)."""
    at_end = lh[piece, group]
    cumulative = cumulative_hazard_at_edges(xp, widths, lh)
    return at_end, cumulative[piece, group] + offset * xp.exp(at_end)


def patient_loglik(xp, piece, offset, event, group, widths, lh, xb):
    """Per-patient log-likelihood (vector), with linear predictor ``xb`` of covariates.

    Uses the prefix structure of each patient's exposure, so its cost is O(N + pieces).

    Examples
    --------
    An event at 5 and a censoring at 12, with hazard 0.1 up to 10 and 0.2 after:

    >>> ll = patient_loglik(np, np.array([0, 1]), np.array([5.0, 2.0]), np.array([1.0, 0.0]),
    ...                     np.array([0, 0]), np.array([10.0]), np.log([[0.1], [0.2]]), 0.0)
    >>> ll.round(4)  # log(0.1) - 0.5 and -(1 + 0.4)
    array([-2.8026, -1.4   ])
    """
    at_end, cumhaz = _patient_hazards(xp, piece, offset, group, widths, lh)
    return event * (at_end + xb) - xp.exp(xb) * cumhaz


def changepoint_aggregated_loglik(xp, events, exposure, lh_before, lh_after, tau_index):
    """Log-likelihood at every change-point candidate at once, shape (candidates,).

    ``lh_before`` / ``lh_after`` are the log hazards if every piece were before / after the
    change-point; the reference group's columns are equal in both.

    Examples
    --------
    With two pieces, the candidate at the second edge (index 1) gives the plain
    log-likelihood with the first piece before the change and the second after it:

    >>> events = np.array([[3.0, 2.0], [4.0, 1.0]])
    >>> exposure = np.array([[30.0, 30.0], [50.0, 40.0]])
    >>> before = np.log([[0.1, 0.1], [0.1, 0.1]])
    >>> after = np.log([[0.1, 0.05], [0.1, 0.05]])
    >>> per_tau = changepoint_aggregated_loglik(np, events, exposure, before, after,
    ...                                         np.array([1]))
    >>> mixed = np.vstack([before[:1], after[1:]])
    >>> per_tau.shape, bool(np.isclose(per_tau[0], aggregated_loglik(np, events, exposure, mixed)))
    ((1,), True)
    """
    before = xp.sum(events * lh_before - exposure * xp.exp(lh_before), axis=1)
    after = xp.sum(events * lh_after - exposure * xp.exp(lh_after), axis=1)
    zero = xp.zeros_like(before[:1])
    cum_before = xp.concatenate([zero, xp.cumsum(before)])
    cum_after = xp.concatenate([zero, xp.cumsum(after)])
    return cum_before[tau_index] + (cum_after[-1] - cum_after[tau_index])


def changepoint_patient_loglik(xp, piece, offset, event, group, widths, lh_before, lh_after,
                               xb, tau_index):
    """Per-patient log-likelihood at every candidate, shape (patients, candidates).

    Examples
    --------
    At the candidate on the second edge (index 1), each patient's term is the plain
    one with the first piece before the change and the second after it:

    >>> piece, offset = np.array([0, 1, 1]), np.array([5.0, 2.0, 8.0])
    >>> event, group, widths = np.array([1.0, 0.0, 1.0]), np.array([0, 1, 1]), np.array([10.0])
    >>> before = np.log([[0.1, 0.1], [0.1, 0.1]])
    >>> after = np.log([[0.1, 0.1], [0.1, 0.05]])
    >>> ll = changepoint_patient_loglik(np, piece, offset, event, group, widths, before, after,
    ...                                 0.0, np.array([1]))
    >>> mixed = np.vstack([before[:1], after[1:]])
    >>> ll.shape, bool(np.allclose(ll[:, 0], patient_loglik(np, piece, offset, event, group,
    ...                                                        widths, mixed, 0.0)))
    ((3, 1), True)
    """
    end_b, cum_b = _patient_hazards(xp, piece, offset, group, widths, lh_before)
    end_a, cum_a = _patient_hazards(xp, piece, offset, group, widths, lh_after)
    edge_b = cumulative_hazard_at_edges(xp, widths, lh_before)[tau_index][:, group].T
    edge_a = cumulative_hazard_at_edges(xp, widths, lh_after)[tau_index][:, group].T
    is_before = piece[:, None] < tau_index[None, :]
    cumhaz = xp.where(is_before, cum_b[:, None], edge_b - edge_a + cum_a[:, None])
    log_hazard = xp.where(is_before, end_b[:, None], end_a[:, None])
    xb = xb if getattr(xb, "ndim", 0) == 0 else xb[:, None]
    return event[:, None] * (log_hazard + xb) - xp.exp(xb) * cumhaz


def segment_sum(xp, values, index, size: int):
    """Sum ``values`` by ``index`` into ``size`` bins (``np.bincount`` for both backends).

    Examples
    --------
    >>> segment_sum(np, np.array([1.0, 2.0, 3.0]), np.array([0, 2, 0]), 3)
    array([4., 0., 2.])
    """
    if xp is np:
        out = np.zeros((size, *values.shape[1:]))
        np.add.at(out, index, values)
        return out
    return xp.inc_subtensor(xp.zeros((size, *[values.shape[k] for k in range(1, values.ndim)]))
                            [index], values)


def changepoint_patient_totals(xp, piece, offset, event, group, widths, lh_before, lh_after,
                               xb, tau_index):
    """Total log-likelihood at every candidate with per-patient covariates, shape (candidates,).

    Equal to ``changepoint_patient_loglik(...).sum(axis=0)`` but O(N + pieces x candidates):
    a patient whose follow-up ends before tau_k contributes its all-before term; one ending
    after contributes its all-after term minus ``exp(xb)`` times the difference of the two
    cumulative hazards at tau_k, which depends on the patient only through the group.

    Examples
    --------
    >>> piece, offset = np.array([0, 1, 2]), np.array([5.0, 2.0, 8.0])
    >>> event, group = np.array([1.0, 0.0, 1.0]), np.array([0, 1, 1])
    >>> widths = np.array([10.0, 10.0])
    >>> before = np.log([[0.1, 0.1], [0.1, 0.1], [0.1, 0.1]])
    >>> after = np.log([[0.1, 0.1], [0.1, 0.05], [0.1, 0.05]])
    >>> xb, tau_index = np.array([0.5, -0.2, 0.1]), np.array([1, 2])
    >>> totals = changepoint_patient_totals(np, piece, offset, event, group, widths, before,
    ...                                     after, xb, tau_index)
    >>> per_patient = changepoint_patient_loglik(np, piece, offset, event, group, widths,
    ...                                          before, after, xb, tau_index)
    >>> totals.shape, bool(np.allclose(totals, per_patient.sum(axis=0)))
    ((2,), True)
    """
    n_pieces, n_groups = lh_before.shape[0], lh_before.shape[1]
    end_b, cum_b = _patient_hazards(xp, piece, offset, group, widths, lh_before)
    end_a, cum_a = _patient_hazards(xp, piece, offset, group, widths, lh_after)
    risk = xp.exp(xb) * xp.ones_like(offset)
    all_before = event * (end_b + xb) - risk * cum_b
    all_after = event * (end_a + xb) - risk * cum_a
    zero = xp.zeros_like(all_before[:1])
    cum_all_before = xp.concatenate([zero, xp.cumsum(segment_sum(xp, all_before, piece,
                                                                 n_pieces))])
    cum_all_after = xp.concatenate([zero, xp.cumsum(segment_sum(xp, all_after, piece,
                                                               n_pieces))])
    one_hot = xp.eye(n_groups)[group] * risk[:, None]
    risk_by_piece = segment_sum(xp, one_hot, piece, n_pieces)
    risk_from = risk_by_piece[::-1].cumsum(axis=0)[::-1]  # patients ending at or after piece j
    shift = (cumulative_hazard_at_edges(xp, widths, lh_before)
             - cumulative_hazard_at_edges(xp, widths, lh_after))
    switch = xp.sum(shift[tau_index] * risk_from[tau_index], axis=1)
    return (cum_all_before[tau_index] + cum_all_after[-1] - cum_all_after[tau_index]
            - switch)


def patient_or_table_loglik(xp, lh, xb, d: Mapping):
    """Plain log-likelihood of one regime's log hazards ``lh`` (pieces, groups): the exposure
    table without covariates, the per-patient form with them (``d`` as in
    :meth:`~bayesurv.model.kind.HazardModel.graph_values`).

    Examples
    --------
    >>> model = bs.PiecewiseExponential()
    >>> values = model.graph_values(model.arrays(data))
    >>> lh = np.full((values["events"].shape[0], 2), np.log(0.005))
    >>> round(float(patient_or_table_loglik(np, lh, 0.0, values)), 3)
    -292.705

    That is ``44 log(0.005) - 0.005 x 11915.86``: 44 deaths in 11,915.86 months of follow-up.
    """
    if "patient_covariates" in d:
        return patient_loglik(xp, d["patient_piece"], d["patient_offset"], d["patient_event"],
                                  d["patient_group"], d["widths"], lh, xb).sum()
    return aggregated_loglik(xp, d["events"], d["exposure"], lh)
