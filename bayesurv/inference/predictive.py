"""Posterior predictive check: Kaplan-Meier curves of trials replicated from the posterior.

For each draw of a random subset of the posterior, every patient of the fit gets a new event
time from that draw's hazard for the patient's arm (each draw in its own state: for a
change-point fit, its own tau; with covariates, scaled by the patient's hazard multiplier
``exp(x' beta)``) and is censored as in the trial (:func:`replicate_censoring`).  The
Kaplan-Meier curve of each arm of each replicated trial, on a time grid, gives an
equal-tailed band; if the model reproduces the data, the observed Kaplan-Meier lies inside
it.  The **coverage** is the share of grid times within an arm's follow-up (time 0, where
every curve is 1, excluded) at which it does.

The patients come from the fit itself (``constant_data`` holds each patient's follow-up,
event, arm and standardized covariates), so the check needs no data argument and cannot be
given the wrong data.

Examples
--------
>>> check = predictive_check(pw_fit.idata, pw_fit.model, draws=100, random_seed=1)
>>> check.coverage.columns.tolist()
['group', 'points', 'inside', 'coverage']
>>> bool(check.overall_coverage > 0.8)  # the fixed-cut model reproduces the trial's curves
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesurv.base.checks import check_mass, check_times, repr_argument, sampler_setting_problem
from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.inference import summaries
from bayesurv.inference.fit_file import ATTR_PREFIX
from bayesurv.inference.intervals import credible_interval, labelled
from bayesurv.model.kind import HazardModel

__all__ = ["PredictiveCheck", "kaplan_meier_rows", "predictive_check", "replicate_censoring",
           "simulate_event_times"]

DEFAULT_POINTS = 201


@dataclass(frozen=True)
class PredictiveCheck:
    """The result of a posterior predictive check (made by :meth:`bayesurv.Fit.predictive_check`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per arm and grid time: ``group, time, observed`` (the data's Kaplan-Meier),
        ``median, lower, upper`` (of the replicated Kaplan-Meier curves; the band holds
        ``mass``), ``inside`` (lower <= observed <= upper) and ``in_followup`` (0 < time <=
        the arm's last follow-up: the times the coverage counts).
    coverage : pandas.DataFrame
        Per arm: ``group, points`` (grid times counted), ``inside`` (of those, inside the
        band) and ``coverage`` (their ratio; NaN without grid times in follow-up).
    replicates : numpy.ndarray
        Kaplan-Meier survival of every replicated trial, (draws, times, groups).
    mass, draws, random_seed, time_unit
        Band mass, number of replicated trials, the seed, the data's time unit.

    Examples
    --------
    >>> check = pw_fit.predictive_check(draws=50)
    >>> check.replicates.shape  # replicated trials, grid times, arms
    (50, 201, 2)
    """

    table: pd.DataFrame
    coverage: pd.DataFrame
    replicates: np.ndarray
    mass: float
    draws: int
    random_seed: int | None
    time_unit: str

    @property
    def overall_coverage(self) -> float:
        """Share of the grid times of all arms (pooled) at which the observed curve is inside
        its arm's band.

        Examples
        --------
        >>> check = pw_fit.predictive_check(draws=50)
        >>> c = check.coverage
        >>> bool(check.overall_coverage == c["inside"].sum() / c["points"].sum())
        True
        """
        points = int(self.coverage["points"].sum())
        return int(self.coverage["inside"].sum()) / points if points else float("nan")

    def __repr__(self) -> str:
        arms = ", ".join(f"{r.group} {r.coverage:.0%}" for r in self.coverage.itertuples())
        return (f"PredictiveCheck ({self.draws} replicated trials): the observed Kaplan-Meier "
                f"is inside the {self.mass:.0%} band at {self.overall_coverage:.0%} of grid "
                f"times ({arms})")


def predictive_check(idata, model: HazardModel, draws: int = 200, times=None,
                     mass: float = 0.95, random_seed: int | None = 0) -> PredictiveCheck:
    """Replicate the trial from ``draws`` posterior draws and compare Kaplan-Meier curves.

    Parameters
    ----------
    idata : arviz.InferenceData
        A bayesurv fit's InferenceData.
    model : HazardModel
        Its model kind.
    draws : int
        Number of posterior draws (one replicated trial each), taken at random without
        replacement; all of them if the fit has fewer.
    times : sequence of float, optional
        Increasing time grid; default 201 points from 0 to the longest follow-up.
    mass : float
        Mass of the equal-tailed band.
    random_seed : int or None
        Seed of the draw subset, event times and censoring times.

    Returns
    -------
    PredictiveCheck

    Examples
    --------
    >>> check = predictive_check(fit.idata, fit.model, draws=50, times=[0, 12, 24, 90])
    >>> check.table[["group", "time", "in_followup"]].head(4)
         group  time  in_followup
    0  control   0.0        False
    1  control  12.0         True
    2  control  24.0         True
    3  control  90.0        False
    """
    what = "predictive_check"
    for name, value in (("draws", draws), ("random_seed", random_seed)):
        problem = sampler_setting_problem(name, value)
        if problem:
            raise BayesurvInputError(f"{what}: {name} must be {problem}, got "
                                     f"{repr_argument(value)}")
    mass = check_mass(mass, what)
    a = summaries.constant_arrays(idata)
    edges = a["fine_edges"]
    time = edges[a["patient_piece"]] + a["patient_offset"]
    event = a["patient_event"].astype(bool)
    group = a["patient_group"].astype(int)
    grid = (np.linspace(0.0, time.max(), DEFAULT_POINTS) if times is None
            else check_times(times, "times", what, allow_empty=False))
    rng = np.random.default_rng(random_seed)
    every = summaries.draw_log_hazards(idata, model)
    chosen = np.sort(rng.choice(every.shape[0], size=min(int(draws), every.shape[0]),
                                replace=False))
    x = a["patient_covariates"]
    xb = (summaries.draws(idata, "beta")[chosen] @ x.T if x.shape[1]
          else np.zeros((chosen.size, time.size)))
    event_time = simulate_event_times(edges, every[chosen], group, xb, rng)
    censor = replicate_censoring(time, event, group, chosen.size, rng)
    rep_time, rep_event = np.minimum(event_time, censor), event_time <= censor

    groups = [str(g) for g in idata.constant_data["arm"].to_numpy()]
    replicates = np.empty((chosen.size, grid.size, len(groups)))
    frames, counts = [], []
    for g, name in enumerate(groups):
        arm = group == g
        replicates[:, :, g] = kaplan_meier_rows(rep_time[:, arm], rep_event[:, arm], grid)
        observed = kaplan_meier_rows(time[None, arm], event[None, arm], grid)[0]
        median = np.median(replicates[:, :, g], axis=0)
        lower, upper = credible_interval(replicates[:, :, g], mass)
        inside = (lower <= observed) & (observed <= upper)
        followed = (grid > 0) & (grid <= time[arm].max())
        frames.append(pd.DataFrame({"group": name, "time": grid, "observed": observed,
                                    "median": median, "lower": lower, "upper": upper,
                                    "inside": inside, "in_followup": followed}))
        points, n_inside = int(followed.sum()), int((inside & followed).sum())
        counts.append({"group": name, "points": points, "inside": n_inside,
                       "coverage": n_inside / points if points else float("nan")})
    return PredictiveCheck(table=labelled(pd.concat(frames, ignore_index=True), mass),
                           coverage=pd.DataFrame(counts), replicates=replicates, mass=mass,
                           draws=int(chosen.size), random_seed=random_seed,
                           time_unit=str(json.loads(idata.posterior.attrs[ATTR_PREFIX + "data"])
                                         ["time_unit"]))


def simulate_event_times(edges: np.ndarray, lh: np.ndarray, group: np.ndarray, xb: np.ndarray,
                         rng: np.random.Generator) -> np.ndarray:
    """Event times per draw and patient, (draws, patients), by inverting the cumulative hazard.

    Patient ``i`` in draw ``s`` has hazard ``exp(lh[s, j, group[i]] + xb[s, i])`` on the
    piece starting at ``edges[j]`` (the last piece open-ended).

    Examples
    --------
    Hazard 0.1 up to time 10, then 0.5: P(T > 10) = exp(-1) and P(T > 12) = exp(-2).

    >>> lh = np.log([[[0.1], [0.5]]])
    >>> t = simulate_event_times(np.array([0.0, 10.0]), lh, np.zeros(20000, dtype=int),
    ...                          np.zeros((1, 20000)), np.random.default_rng(1))
    >>> bool(np.allclose([(t > 10).mean(), (t > 12).mean()], np.exp([-1, -2]), atol=0.01))
    True
    """
    n_draws, n_pieces, n_groups = lh.shape
    rate = np.exp(lh)
    at_edges = np.concatenate([np.zeros((n_draws, 1, n_groups)),
                               (np.diff(edges)[None, :, None] * rate[:, :-1]).cumsum(axis=1)],
                              axis=1)
    # one row per (draw, arm): each patient looks up the row of his own arm
    rows = at_edges.transpose(0, 2, 1).reshape(n_draws * n_groups, n_pieces)
    row_rate = rate.transpose(0, 2, 1).reshape(n_draws * n_groups, n_pieces)
    row_of = np.arange(n_draws)[:, None] * n_groups + group[None, :]
    target = rng.exponential(size=row_of.shape) * np.exp(-xb)
    piece = _searchsorted_rows(rows, target, row_of, side="right") - 1
    return edges[piece] + (target - rows[row_of, piece]) / row_rate[row_of, piece]


def replicate_censoring(time: np.ndarray, event: np.ndarray, group: np.ndarray, n_draws: int,
                        rng: np.random.Generator) -> np.ndarray:
    """Censoring times of the replicated patients, (draws, patients).

    A censored patient keeps his censoring time.  A patient with an event has an unknown
    censoring time, known only to be at least his event time; it is drawn from his arm's
    censoring distribution (the reverse Kaplan-Meier: censorings counted as events) given
    that it is at least the event time.  Mass the reverse Kaplan-Meier leaves after the
    arm's last censoring is put at the arm's last follow-up time: nobody was followed longer.
    Censoring everybody at the end of follow-up would ignore drop-out; fresh censoring times
    for everybody would throw away the known ones.

    Examples
    --------
    Everybody censored at 30 or dead before: the patients with an event are censored at 30.

    >>> time, event = np.array([5.0, 30.0, 12.0, 30.0]), np.array([True, False, True, False])
    >>> replicate_censoring(time, event, np.zeros(4, dtype=int), 2, np.random.default_rng(1))
    array([[30., 30., 30., 30.],
           [30., 30., 30., 30.]])
    """
    out = np.broadcast_to(time, (n_draws, time.size)).copy()
    for g in np.unique(group):
        arm = group == g
        t, d = time[arm], event[arm]
        support = np.unique(t[~d])
        still_followed = kaplan_meier_rows(t[None], ~d[None], support)[0]
        mass = -np.diff(np.r_[1.0, still_followed])
        support = np.r_[support, t.max()]
        cdf = np.cumsum(np.r_[mass, 1.0 - mass.sum()])
        cdf /= cdf[-1]
        dead = np.flatnonzero(arm & event)
        before = np.r_[0.0, cdf][np.searchsorted(support, time[dead], side="left")]
        u = before + rng.uniform(size=(n_draws, dead.size)) * (1.0 - before)
        pick = np.minimum(np.searchsorted(cdf, u, side="right"), support.size - 1)
        out[:, dead] = support[pick]
    return out


def kaplan_meier_rows(time: np.ndarray, event: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Kaplan-Meier survival of each row of ``time``/``event`` (rows, patients) at ``times``.

    Right-continuous (the value at ``t`` includes the events at ``t``); at tied times events
    come before censorings, so a patient censored at ``t`` is at risk for the events at ``t``.
    Past a row's last time the curve keeps its last value.

    Examples
    --------
    >>> time = np.array([[2.0, 3.0, 3.0, 5.0]])
    >>> event = np.array([[True, False, True, True]])
    >>> kaplan_meier_rows(time, event, np.array([0.0, 2.0, 3.0, 4.0, 9.0]))
    array([[1.  , 0.75, 0.5 , 0.5 , 0.  ]])
    """
    order = np.lexsort((~event, time), axis=-1)
    t = np.take_along_axis(time, order, axis=-1)
    d = np.take_along_axis(event, order, axis=-1)
    n_rows, n = t.shape
    # tied events one at a time: (1 - 1/n)(1 - 1/(n-1)) = (n - 2)/n, the usual factor
    factor = np.where(d, 1.0 - 1.0 / (n - np.arange(n)), 1.0)
    steps = np.concatenate([np.ones((n_rows, 1)), np.cumprod(factor, axis=-1)], axis=-1)
    query = np.broadcast_to(np.asarray(times, dtype=float), (n_rows, np.size(times)))
    row_of = np.broadcast_to(np.arange(n_rows)[:, None], query.shape)
    count = _searchsorted_rows(t, query, row_of, side="right")
    return np.take_along_axis(steps, count, axis=-1)


def _searchsorted_rows(rows: np.ndarray, values: np.ndarray, row_of: np.ndarray,
                       side: str) -> np.ndarray:
    """``np.searchsorted(rows[row_of[k]], values[k], side)`` for every ``k`` at once.

    ``rows`` (R, K) has sorted rows.  Every number is replaced by its exact rank among all
    of them and row ``r`` shifted by ``r`` times the number of ranks, so one search over the
    flattened rows answers every row with no rounding.

    Examples
    --------
    >>> rows = np.array([[0.0, 1.0, 2.0], [0.0, 10.0, 20.0]])
    >>> _searchsorted_rows(rows, np.array([1.5, 1.5, 20.0]), np.array([0, 1, 1]), "right")
    array([2, 1, 3])
    """
    n_rows, width = rows.shape
    _, rank = np.unique(np.concatenate([rows.ravel(), np.ravel(values)]), return_inverse=True)
    n_ranks = int(rank.max()) + 1
    keyed_rows = rank[:rows.size].reshape(rows.shape) + np.arange(n_rows)[:, None] * n_ranks
    keyed = rank[rows.size:].reshape(np.shape(values)) + row_of * n_ranks
    return np.searchsorted(keyed_rows.ravel(), keyed, side=side) - row_of * width
