"""State occupation probabilities of the illness-death model with piecewise-constant hazards.

With hazards ``h01`` (event-free -> illness), ``h02`` (event-free -> death) and ``h12``
(illness -> death), constant on each piece of a grid (Markov, time since randomization):

- event-free: ``S0(t) = exp(-int_0^t (h01 + h02))``;
- cumulative incidence of illness ``F1(t) = int_0^t h01 S0`` and of death without illness
  ``F2(t) = int_0^t h02 S0``;
- illness: ``P1(t) = int_0^t h01(u) S0(u) exp(-int_u^t h12) du``;
- death: ``1 - S0 - P1`` (= ``F2`` plus the deaths after illness, ``F1 - P1``);
- restricted mean time event-free (alive without illness) up to ``t``: ``int_0^t S0``.

On a piece of width ``x`` where the rates are ``a = h01 + h02``, ``h01`` and ``b = h12``,
starting from ``S0``, ``P1``::

    S0 <- S0 exp(-a x)
    P1 <- P1 exp(-b x) + h01 S0 (exp(-b x) - exp(-a x)) / (a - b)

so every quantity is an exact product of exponentials, piece by piece (no quadrature), for
any number of posterior draws at once.

Semi-Markov, clock-reset (:func:`illness_probability_clock_reset`): the hazard of death after
illness is a function ``h12(d)`` of the time ``d`` since the illness, so

    P1(t) = int_0^t h01(u) S0(u) exp(-H12(t - u)) du,   H12(d) = int_0^d h12.

The breakpoints of the integrand are the edges of ``h01``/``h02`` and ``t`` minus the edges
of ``h12``; between two breakpoints ``h01 S0`` decays at rate ``a`` in ``u`` and
``exp(-H12(t - u))`` grows at rate ``b``, so each stretch is again
``h01 S0(u_k) exp(-H12(t - u_k+1)) exp_difference(a, b, x)``: exact, no quadrature.  Event-free
survival and the cumulative incidences do not involve ``h12`` and are the same on both clocks.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cumulative_hazard", "exp_difference", "illness_death_probabilities",
           "illness_probability_clock_reset"]

# below this |a - b| x, (exp(-b x) - exp(-a x)) / (a - b) is x exp(-a x) to double precision
# (the next term of the series is of relative size (|a - b| x)^2 / 24 < 1e-17)
_SERIES_BELOW = 1e-9


def exp_difference(a, b, x):
    """``(exp(-b x) - exp(-a x)) / (a - b)``, and its limit ``x exp(-a x)`` when ``a = b``.

    Computed as ``exp(-min(a, b) x) (1 - exp(-|a - b| x)) / |a - b|``, which neither
    cancels nor overflows.

    Examples
    --------
    >>> bool(np.isclose(exp_difference(0.3, 0.1, 2.0), (np.exp(-0.2) - np.exp(-0.6)) / 0.2))
    True
    >>> bool(float(exp_difference(0.1, 0.1, 2.0)) == 2.0 * np.exp(-0.2))
    True
    """
    a, b, x = np.asarray(a, float), np.asarray(b, float), np.asarray(x, float)
    gap = np.abs(a - b)
    z = gap * x
    safe_gap = np.where(gap > 0, gap, 1.0)
    ratio = np.where(z > _SERIES_BELOW, -np.expm1(-z) / safe_gap, x)
    return np.exp(-np.minimum(a, b) * x) * ratio


def illness_death_probabilities(edges, h_illness, h_death, h_after) -> dict[str, np.ndarray]:
    """State probabilities and cumulative incidences at every edge of a grid.

    Parameters
    ----------
    edges : numpy.ndarray
        Left edges of the pieces, starting at 0 (the last piece is open-ended).
    h_illness, h_death, h_after : numpy.ndarray
        Hazards of event-free -> illness, event-free -> death and illness -> death,
        shape (..., pieces): constant from ``edges[j]`` to ``edges[j + 1]``.

    Returns
    -------
    dict
        ``"event-free"``, ``"illness"``, ``"death"``, ``"cif_illness"``, ``"cif_death"``
        (death without prior illness) and ``"time_event_free"`` (the restricted mean time
        event-free), each of shape (..., pieces) and evaluated at the edges (the first is
        time 0).

    Examples
    --------
    Constant hazards, 0.1 to illness, 0.05 to death and 0.2 after illness, at time 10:

    >>> p = illness_death_probabilities(np.array([0.0, 10.0]), np.array([0.1, 0.1]),
    ...                                 np.array([0.05, 0.05]), np.array([0.2, 0.2]))
    >>> round(float(p["event-free"][1]), 6) == round(float(np.exp(-1.5)), 6)
    True
    >>> expected = 0.1 * (np.exp(-0.15 * 10) - np.exp(-0.2 * 10)) / (0.2 - 0.15)
    >>> bool(np.isclose(p["illness"][1], expected))
    True
    >>> sum(float(p[s][1]) for s in ("event-free", "illness", "death"))
    1.0
    """
    edges = np.asarray(edges, dtype=float)
    h1, h2, h3 = (np.asarray(h, dtype=float) for h in (h_illness, h_death, h_after))
    shape = np.broadcast_shapes(h1.shape, h2.shape, h3.shape)
    h1, h2, h3 = (np.broadcast_to(h, shape) for h in (h1, h2, h3))
    out = {name: np.zeros(shape) for name in ("event-free", "illness", "cif_illness",
                                              "cif_death", "time_event_free")}
    out["event-free"][..., 0] = 1.0
    widths = np.diff(edges)
    for j, x in enumerate(widths):
        a, b = h1[..., j] + h2[..., j], h3[..., j]
        s0 = out["event-free"][..., j]
        leaving = s0 * -np.expm1(-a * x)  # event-free patients who leave within the piece
        out["event-free"][..., j + 1] = s0 * np.exp(-a * x)
        out["cif_illness"][..., j + 1] = out["cif_illness"][..., j] + leaving * h1[..., j] / a
        out["cif_death"][..., j + 1] = out["cif_death"][..., j] + leaving * h2[..., j] / a
        out["time_event_free"][..., j + 1] = out["time_event_free"][..., j] + leaving / a
        out["illness"][..., j + 1] = (out["illness"][..., j] * np.exp(-b * x)
                                      + h1[..., j] * s0 * exp_difference(a, b, x))
    out["death"] = 1.0 - out["event-free"] - out["illness"]
    return out


def cumulative_hazard(edges, hazard, at) -> np.ndarray:
    """``int_0^at`` of a hazard constant on the pieces starting at ``edges`` (the last piece
    open-ended), shape (..., len(at)) for hazards of shape (..., pieces).

    Examples
    --------
    >>> cumulative_hazard(np.array([0.0, 10.0]), np.array([0.1, 0.3]), np.array([5.0, 12.0]))
    array([0.5, 1.6])
    """
    edges = np.asarray(edges, dtype=float)
    hazard = np.asarray(hazard, dtype=float)
    at = np.asarray(at, dtype=float)
    at_edges = np.concatenate([np.zeros((*hazard.shape[:-1], 1)),
                               np.cumsum(hazard[..., :-1] * np.diff(edges), axis=-1)], axis=-1)
    j = np.clip(np.searchsorted(edges, at, side="right") - 1, 0, edges.size - 1)
    return at_edges[..., j] + hazard[..., j] * (at - edges[j])


def illness_probability_clock_reset(times, edges, h_illness, h_death, edges_after,
                                    h_after) -> np.ndarray:
    """P(alive with the illness at ``t``) when the hazard of death after illness runs on the
    time since the illness (semi-Markov, clock-reset).

    Parameters
    ----------
    times : numpy.ndarray
        Times since randomization, >= 0.
    edges, h_illness, h_death : numpy.ndarray
        Left edges (from 0) and hazards, shape (..., pieces), of event-free -> illness and
        event-free -> death, as functions of the time since randomization.
    edges_after, h_after : numpy.ndarray
        Left edges (from 0) and hazards, shape (..., pieces_after), of illness -> death as a
        function of the time since the illness.

    Returns
    -------
    numpy.ndarray
        Shape (..., len(times)).

    Examples
    --------
    With a death-after-illness hazard that does not change over time, the two clocks agree
    (0.1 to illness, 0.05 to death, 0.2 after illness, at time 10):

    >>> p = illness_probability_clock_reset(np.array([10.0]), np.array([0.0]), np.array([0.1]),
    ...                                     np.array([0.05]), np.array([0.0]), np.array([0.2]))
    >>> bool(np.isclose(p[0], 0.1 * (np.exp(-1.5) - np.exp(-2.0)) / 0.05))
    True
    """
    times = np.asarray(times, dtype=float)
    edges, edges_after = np.asarray(edges, float), np.asarray(edges_after, float)
    h1, h2, h3 = (np.asarray(h, dtype=float) for h in (h_illness, h_death, h_after))
    batch = np.broadcast_shapes(h1.shape[:-1], h2.shape[:-1], h3.shape[:-1])
    h1, h2 = (np.broadcast_to(h, (*batch, h.shape[-1])) for h in (h1, h2))
    h3 = np.broadcast_to(h3, (*batch, h3.shape[-1]))
    a = h1 + h2
    out = np.zeros((*batch, times.size))
    for i, t in enumerate(times):
        if t <= 0:
            continue
        u = np.unique(np.r_[0.0, t, edges[edges < t], t - edges_after[edges_after < t]])
        mid = (u[:-1] + u[1:]) / 2.0
        j = np.searchsorted(edges, mid, side="right") - 1
        k = np.searchsorted(edges_after, t - mid, side="right") - 1
        start_free = np.exp(-cumulative_hazard(edges, a, u[:-1]))
        end_after = np.exp(-cumulative_hazard(edges_after, h3, t - u[1:]))
        stretch = exp_difference(a[..., j], h3[..., k], np.diff(u))
        out[..., i] = (h1[..., j] * start_free * end_after * stretch).sum(axis=-1)
    return out
