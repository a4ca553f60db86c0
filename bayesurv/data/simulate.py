"""Simulate two-arm trials from a piecewise-exponential model with a change-point.

Used by the tests, the calibration study and the benchmarks; handy for planning too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import BayesurvInputError

__all__ = ["inverse_cumulative_hazard", "simulate_trial"]


def simulate_trial(
    n: Sequence[int] = (110, 110),
    baseline_edges: Sequence[float] = (0.0,),
    baseline_rates: Sequence[float] = (0.01,),
    log_hr: tuple[float, float] = (0.0, 0.0),
    tau: float = np.inf,
    censoring: tuple[float, float] = (24.0, 85.0),
    groups: tuple[str, str] = ("control", "treated"),
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Simulate patient rows of a two-arm trial.

    The reference arm has a piecewise-constant hazard (``baseline_rates`` on pieces starting
    at ``baseline_edges``); the treated arm's log HR is ``log_hr[0]`` up to ``tau`` and
    ``log_hr[1]`` after.  Censoring is uniform on ``censoring`` (administrative, e.g. from
    staggered entry).

    Parameters
    ----------
    n : (int, int)
        Patients in the reference and treated arms.
    baseline_edges, baseline_rates : sequences of float
        Baseline hazard pieces (events per time unit); ``baseline_edges[0]`` must be 0.
    log_hr : (float, float)
        Treatment log HR before and after ``tau``.
    tau : float
        Change-point (``inf`` for a constant HR).
    censoring : (float, float)
        Bounds of the uniform censoring time.
    groups : (str, str)
        Names of the reference and treated arms.
    seed : int or numpy.random.Generator, optional
        Randomness.

    Returns
    -------
    pandas.DataFrame
        Columns ``time``, ``event``, ``arm``.

    Examples
    --------
    >>> df = simulate_trial(n=(500, 500), log_hr=(0.0, np.log(0.3)), tau=13, seed=1)
    >>> sorted(df["arm"].unique())
    ['control', 'treated']
    """
    rng = np.random.default_rng(seed)
    edges = np.asarray(baseline_edges, dtype=float)
    rates = np.asarray(baseline_rates, dtype=float)
    if edges.size != rates.size or edges[0] != 0 or (np.diff(edges) <= 0).any():
        raise BayesurvInputError("simulate_trial: baseline_edges must start at 0, increase, and "
                                 "match baseline_rates in length")
    if (rates <= 0).any():
        raise BayesurvInputError("simulate_trial: baseline_rates must be > 0")
    frames = []
    for arm, (size, name) in enumerate(zip(n, groups, strict=True)):
        if arm == 0:
            piece_edges, piece_rates = edges, rates
        else:
            piece_edges = np.unique(np.r_[edges, tau] if np.isfinite(tau) else edges)
            base = rates[np.searchsorted(edges, piece_edges, side="right") - 1]
            effect = np.where(piece_edges < tau, log_hr[0], log_hr[1])
            piece_rates = base * np.exp(effect)
        event_time = inverse_cumulative_hazard(piece_edges, piece_rates,
                                                rng.exponential(size=size))
        censor = rng.uniform(censoring[0], censoring[1], size=size)
        frames.append(pd.DataFrame({"time": np.minimum(event_time, censor),
                                    "event": (event_time <= censor).astype(int),
                                    "arm": name}))
    return pd.concat(frames, ignore_index=True)


def inverse_cumulative_hazard(edges: np.ndarray, rates: np.ndarray, target: np.ndarray
                              ) -> np.ndarray:
    """Time at which the cumulative hazard of piecewise-constant ``rates`` reaches ``target``.

    ``rates[j]`` holds from ``edges[j]`` to ``edges[j + 1]`` (the last one for ever); rates
    must be > 0.

    Examples
    --------
    >>> inverse_cumulative_hazard(np.array([0.0, 10.0]), np.array([0.1, 0.5]),
    ...                           np.array([0.5, 1.0, 2.0]))
    array([ 5., 10., 12.])
    """
    edges, rates = np.asarray(edges, float), np.asarray(rates, float)
    at_edges = np.r_[0.0, np.cumsum(rates[:-1] * np.diff(edges))]
    j = np.clip(np.searchsorted(at_edges, target, side="right") - 1, 0, edges.size - 1)
    return edges[j] + (target - at_edges[j]) / rates[j]
