"""Simulation of illness-death cohorts with known piecewise-constant transition hazards."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import DataError
from bayesurv.data.exposure import piece_index
from bayesurv.data.illness_death import CLOCKS, TRANSITIONS
from bayesurv.data.simulate import inverse_cumulative_hazard

__all__ = ["simulate_illness_death"]


def simulate_illness_death(n_per_group: int, edges, hazards: Mapping[str, np.ndarray],
                           groups=("control", "treated"), followup: float = 24.0,
                           accrual: float = 0.0, random_seed: int = 0,
                           clock: str = "forward") -> pd.DataFrame:
    """Patient rows from an illness-death model with piecewise-constant hazards.

    With ``clock="forward"`` (Markov), after an illness at ``u`` death follows the hazard
    ``hazards["death_after_illness"]`` from ``u`` on, on the time since randomization; with
    ``clock="reset"`` (semi-Markov) that hazard runs on the time since the illness (its
    ``edges`` count from the illness).  Censoring is administrative: each patient is
    followed ``followup`` time units minus a uniform accrual delay in ``[0, accrual]``.

    Parameters
    ----------
    n_per_group : int
        Patients per group.
    edges : sequence of float
        Left edges of the hazard pieces, starting at 0.
    hazards : mapping
        For each transition key (``"illness"``, ``"death"``, ``"death_after_illness"``) an
        array of rates, shape (pieces, groups).
    groups : sequence of str
        Group names, the reference first.
    followup, accrual : float
        Longest follow-up and the spread of entry delays.
    random_seed : int
        Seed of the generator.
    clock : {"forward", "reset"}
        Time scale of the illness -> death hazard.

    Returns
    -------
    pandas.DataFrame
        Columns ``illness_time, illness, death_time, death, arm``; a patient without
        illness has ``illness_time`` equal to ``death_time``.

    Examples
    --------
    >>> rates = {k: np.full((1, 2), 0.05) for k in TRANSITIONS}
    >>> df = simulate_illness_death(500, [0.0], rates, random_seed=1)
    >>> df.shape, bool((df["illness_time"] <= df["death_time"]).all())
    ((1000, 5), True)
    """
    if clock not in CLOCKS:
        raise DataError(f"simulate_illness_death: clock must be one of {list(CLOCKS)}, "
                        f"got {clock!r}")
    edges = np.asarray(edges, dtype=float)
    rates = {}
    for key in TRANSITIONS:
        if key not in hazards:
            raise DataError(f"simulate_illness_death: no hazards for transition {key!r}")
        rates[key] = np.asarray(hazards[key], dtype=float).reshape(edges.size, len(groups))
        if not (rates[key] > 0).all():
            raise DataError(f"simulate_illness_death: hazards of {key!r} must be > 0")
    rng = np.random.default_rng(random_seed)
    n = n_per_group * len(groups)
    group = np.repeat(np.arange(len(groups)), n_per_group)
    censor = followup - rng.uniform(0.0, accrual, n)
    latent = {key: np.empty(n) for key in TRANSITIONS}
    for g in range(len(groups)):
        m = group == g
        for key in ("illness", "death"):
            latent[key][m] = inverse_cumulative_hazard(edges, rates[key][:, g],
                                                       rng.exponential(size=m.sum()))
    first = np.minimum(latent["illness"], latent["death"])
    ill = (latent["illness"] < latent["death"]) & (latent["illness"] <= censor)
    death_time = np.minimum(first, censor)
    death = (latent["death"] <= latent["illness"]) & (latent["death"] <= censor)
    for g in range(len(groups)):
        m = ill & (group == g)
        r = rates["death_after_illness"][:, g]
        start = latent["illness"][m]
        if clock == "reset":
            after = start + inverse_cumulative_hazard(edges, r, rng.exponential(size=m.sum()))
        else:
            # cumulative hazard reached at the illness time, then one more unit exponential
            j = piece_index(edges, start)
            base = np.r_[0.0, np.cumsum(r[:-1] * np.diff(edges))]
            reached = base[np.minimum(j, edges.size - 1)] + (start - edges[j]) * r[j]
            after = inverse_cumulative_hazard(edges, r,
                                              reached + rng.exponential(size=m.sum()))
        death[m] = after <= censor[m]
        death_time[m] = np.minimum(after, censor[m])
    illness_time = np.where(ill, latent["illness"], death_time)
    return pd.DataFrame({"illness_time": illness_time, "illness": ill.astype(int),
                         "death_time": death_time, "death": death.astype(int),
                         "arm": np.asarray(groups, dtype=object)[group]})
