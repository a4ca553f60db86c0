"""Survival curves of a fit, standardized over the cohort or at chosen covariate values.

Without covariates a group's curve is ``S_g(t) = exp(-H_g(t))``, ``H_g`` the cumulative
hazard of the draw's piecewise-exponential hazard (from
:func:`bayesurv.inference.summaries.draw_log_hazards`, each draw in its own state).

With covariates, every function here takes ``covariates=``:

- ``"standardized"`` (the default): the cohort-standardized curve of each group, the average
  over all N patients of each patient's predicted curve with that group's hazard,
  ``S_g(t) = mean_i exp(-H_g(t) exp(x_i' beta))``, per draw (``x_i`` the patient's
  standardized covariates): the survival the whole cohort would have had on each arm;
- a mapping of covariate values in the covariates' own units, e.g. ``{"meld": 15}``: the
  curve of a patient with those values (a covariate left out is at its mean), whose
  standardized covariates are ``(value - mean) / sd``.

Both are averages of per-patient curves (a single "patient" for given values), and every
estimand is computed per patient and then averaged where the estimand is linear in the curve
(survival, RMST: still exact), or from the averaged curve where it is not (the median, solved
numerically: :func:`standardized_median`).  Draws are taken in chunks so memory stays bounded
for thousands of patients.  Tables of a covariate model carry a ``covariates`` column saying
which curve they show ("standardized over the cohort", "meld=15, age=52.1 (mean)").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.inference import intervals
from bayesurv.inference.summaries import cumulative_hazard, draw_log_hazards, draws
from bayesurv.model.kind import HazardModel

__all__ = ["MEDIAN_TOLERANCE", "STANDARDIZED", "Profile", "covariate_profile", "per_patient",
           "standardized_median", "survival_draws", "survival_table"]

STANDARDIZED = "standardized"
STANDARDIZED_LABEL = "standardized over the cohort"
MEDIAN_TOLERANCE = 1e-9  # in the data's time unit
CHUNK_ELEMENTS = 2**20  # per-patient values per block of draws (8 MB)


@dataclass(frozen=True)
class Profile:
    """Whose curves are averaged: standardized covariate rows, and how tables name them.

    Attributes
    ----------
    rows : numpy.ndarray
        (patients, covariates): every patient for a standardized curve, one row for given
        values, one empty row without covariates.
    label : str or None
        The ``covariates`` column of tables; None for a fit without covariates.
    weights : numpy.ndarray
        The share of the cohort with each row (patients with the same covariates share a
        row, so a binary covariate costs two curves, not N).
    """

    rows: np.ndarray
    label: str | None
    weights: np.ndarray

    def average(self, values: np.ndarray) -> np.ndarray:
        """``values`` (..., rows) averaged over the rows with their weights.

        Examples
        --------
        >>> Profile(np.zeros((2, 1)), "x", np.array([0.25, 0.75])).average(np.array([4., 8.]))
        np.float64(7.0)
        """
        return values @ self.weights


def covariate_profile(idata, covariates=STANDARDIZED, what: str = "covariates") -> Profile:
    """The :class:`Profile` asked for by a ``covariates=`` argument.

    Examples
    --------
    >>> one = covariate_profile(fit.idata)  # no covariates: one curve per group, no label
    >>> one.rows.shape, one.label
    ((1, 0), None)
    >>> covariate_profile(fit.idata, {"meld": 15})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: covariates: the fit has no covariates, ...
    """
    constant = idata.constant_data
    names = [str(n) for n in constant["covariate"].to_numpy()] if "covariate" in constant \
        else []
    if isinstance(covariates, str) and covariates == STANDARDIZED:
        if not names:
            return Profile(np.zeros((1, 0)), None, np.ones(1))
        rows, counts = np.unique(constant["patient_covariates"].to_numpy().astype(float),
                                 axis=0, return_counts=True)
        return Profile(rows, STANDARDIZED_LABEL, counts / counts.sum())
    if not isinstance(covariates, Mapping):
        raise BayesurvInputError(f"{what}: covariates must be 'standardized' or a mapping of "
                                 f"covariate values, got {covariates!r}")
    if not names:
        if covariates:
            raise BayesurvInputError(f"{what}: the fit has no covariates, so covariates= "
                                     "cannot give values")
        return Profile(np.zeros((1, 0)), None, np.ones(1))
    unknown = [str(k) for k in covariates if k not in names]
    if unknown:
        raise BayesurvInputError(f"{what}: unknown covariate(s) {', '.join(unknown)}; the fit's "
                                 f"covariates are {', '.join(names)}")
    if "covariate_means" not in constant:
        raise BayesurvInputError(f"{what}: this fit (saved by an older version) stores no "
                                 "covariate means, so it gives curves only standardized over "
                                 "the cohort")
    means = constant["covariate_means"].to_numpy().astype(float)
    sds = constant["covariate_sds"].to_numpy().astype(float)
    values, parts = means.copy(), []
    for j, name in enumerate(names):
        if name in covariates:
            value = covariates[name]
            if isinstance(value, bool) or not isinstance(value, int | float | np.number) \
                    or not np.isfinite(value):
                raise BayesurvInputError(f"{what}: covariate {name} must be a finite number, "
                                         f"got {value!r}")
            values[j] = float(value)
            parts.append(f"{name}={values[j]:g}")
        else:
            parts.append(f"{name}={means[j]:.3g} (mean)")
    return Profile(((values - means) / sds)[None, :], ", ".join(parts), np.ones(1))


def _averaged_survival(cumulative: np.ndarray, lp: np.ndarray, profile: Profile) -> np.ndarray:
    """``sum_i w_i exp(-H exp(lp_i))`` for cumulative hazards ``H`` (s, ...) and linear
    predictors ``lp`` (s, rows): (s, ...)."""
    scale = np.exp(lp).reshape(lp.shape[0], *[1] * (cumulative.ndim - 1), lp.shape[1])
    return profile.average(np.exp(-cumulative[..., None] * scale))


def _blocks(idata, model: HazardModel, profile: Profile, width: int):
    """The fine edges, then chunks of draws: (log hazards (s, pieces, G), linear predictors
    (s, rows)), each chunk's (draws x width x groups x rows) block bounded in size."""
    edges = idata.constant_data["fine_edges"].to_numpy()
    lh = draw_log_hazards(idata, model)  # (S, pieces, G)
    n_draws, n_pieces, n_groups = lh.shape
    rows = profile.rows
    beta = draws(idata, "beta") if rows.shape[1] else np.zeros((n_draws, 0))
    step = max(1, CHUNK_ELEMENTS // (max(n_pieces, width) * n_groups * rows.shape[0]))
    yield edges
    for start in range(0, n_draws, step):
        chunk = slice(start, start + step)
        yield lh[chunk], beta[chunk] @ rows.T


def per_patient(idata, model: HazardModel, profile: Profile,
                functional: Callable[[np.ndarray, np.ndarray], np.ndarray],
                width: int = 1) -> np.ndarray:
    """``functional(edges, log_hazards)`` of each patient's curve, averaged over patients.

    ``functional`` maps log hazards (draws, pieces, curves) to (draws, [width,] curves); here
    the curves are every (group, patient) pair, patient ``i`` of group ``g`` having log
    hazard ``log h_g + x_i' beta`` on every piece (patients with the same covariates share
    one curve, weighted by their number).  ``width`` (the size of the functional's
    middle axis, 1 if it has none) sizes the chunks of draws.

    Returns
    -------
    numpy.ndarray
        (draws, [width,] groups).

    Examples
    --------
    Survival at 12 months: without covariates, the plain curve of each group.

    >>> s = per_patient(fit.idata, fit.model, covariate_profile(fit.idata),
    ...                 lambda e, lh: np.exp(-cumulative_hazard(e, lh, np.array([12.0]))))
    >>> s.shape
    (400, 1, 2)
    """
    blocks = _blocks(idata, model, profile, width)
    edges = next(blocks)
    out = []
    for lh, lp in blocks:
        patient = lh[:, :, :, None] + lp[:, None, None, :]  # (s, pieces, G, rows)
        value = functional(edges, patient.reshape(*patient.shape[:2], -1))
        out.append(profile.average(value.reshape(*value.shape[:-1], *patient.shape[2:])))
    return np.concatenate(out, axis=0)


def survival_draws(idata, model: HazardModel, times, covariates=STANDARDIZED) -> np.ndarray:
    """Survival per draw at ``times`` per group: (draws, times, groups).

    Examples
    --------
    >>> survival_draws(pw_fit.idata, pw_fit.model, [0.0, 12.0]).shape
    (400, 2, 2)
    """
    times = np.asarray(times, dtype=float)
    profile = covariates if isinstance(covariates, Profile) else covariate_profile(idata,
                                                                                 covariates)
    blocks = _blocks(idata, model, profile, times.size)
    edges = next(blocks)
    out = []
    for lh, lp in blocks:
        # hazards are proportional: a patient's cumulative hazard is H_g(t) exp(x' beta)
        out.append(_averaged_survival(cumulative_hazard(edges, lh, times), lp, profile))
    return np.concatenate(out, axis=0)


def survival_table(idata, model: HazardModel, times, mass: float = 0.95,
                   interval: str = "equal-tailed", covariates=STANDARDIZED) -> pd.DataFrame:
    """Survival per group at ``times``: posterior median and the interval of ``mass``.

    Each draw uses its own state (for a change-point fit, its own tau draw).  A fit with
    covariates adds a ``covariates`` column (see the module).

    Examples
    --------
    >>> table = survival_table(pw_fit.idata, pw_fit.model, [0.0, 12.0])
    >>> table[["time", "group", "median"]].head(1)
       time    group  median
    0   0.0  control     1.0
    >>> table.attrs["interval"]
    '95% equal-tailed'
    """
    times = np.asarray(times, dtype=float)
    profile = covariate_profile(idata, covariates, "survival")
    surv = survival_draws(idata, model, times, profile)
    groups = [str(g) for g in idata.constant_data["arm"].to_numpy()]
    rows = []
    for g, group in enumerate(groups):
        median = np.quantile(surv[:, :, g], 0.5, axis=0)
        lower, upper = intervals.credible_interval(surv[:, :, g], mass, interval)
        for t, time in enumerate(times):
            rows.append({"time": time, "group": group, "median": median[t],
                         "lower": lower[t], "upper": upper[t],
                         **({} if profile.label is None else {"covariates": profile.label})})
    return intervals.labelled(pd.DataFrame(rows), mass, interval)


def standardized_median(idata, model: HazardModel, profile: Profile,
                        followup: np.ndarray) -> np.ndarray:
    """The time each draw's averaged curve of each group reaches 0.5, ``inf`` if that is
    after the group's longest follow-up: (draws, groups).

    The averaged curve is found at the fine edges exactly, which brackets the crossing in one
    piece; there it is ``mean_i exp(-(H(e) + h u) exp(x_i' beta))``, decreasing in ``u``, and
    bisection narrows the bracket to :data:`MEDIAN_TOLERANCE`.

    Examples
    --------
    Without covariates it is the closed-form median (to the tolerance):

    >>> from bayesurv.inference.estimands import median_draws
    >>> followup = np.full(2, 1e6)  # no censoring of the median
    >>> m = standardized_median(fit.idata, fit.model, covariate_profile(fit.idata), followup)
    >>> exact = median_draws(fit.idata, fit.model, {"per_group": [
    ...     {"group": "control", "max_followup": 1e6}, {"group": "UC-MSC", "max_followup": 1e6}]})
    >>> bool(np.max(np.abs(m - exact)) < 1e-8)
    True
    """
    blocks = _blocks(idata, model, profile, 1)  # the fine grid sizes the blocks
    edges = next(blocks)
    cap = np.r_[edges[1:], np.inf]
    groups = np.arange(followup.size)
    iterations = math.ceil(math.log2(max(float(followup.max()), 1.0) / MEDIAN_TOLERANCE)) + 1
    out = []
    for lh, lp in blocks:
        def averaged(cumulative, lp=lp):  # (s, G) -> each group's averaged curve
            return _averaged_survival(cumulative, lp, profile)

        at_edges = cumulative_hazard(edges, lh, edges)  # (s, pieces, G)
        reached = averaged(cumulative_hazard(edges, lh, followup)[:, groups, groups]) <= 0.5
        above = averaged(at_edges) > 0.5
        piece = above.sum(axis=1) - 1  # (s, G): the piece where the curve crosses 0.5
        start = edges[piece]
        level = np.take_along_axis(at_edges, piece[:, None], axis=1)[:, 0]
        rate = np.exp(np.take_along_axis(lh, piece[:, None], axis=1)[:, 0])
        low = np.zeros_like(start)
        high = np.where(reached, np.minimum(cap[piece], followup[None, :]) - start, 0.0)
        for _ in range(iterations):
            mid = (low + high) / 2
            higher = averaged(level + rate * mid) > 0.5
            low, high = np.where(higher, mid, low), np.where(higher, high, mid)
        out.append(np.where(reached, start + (low + high) / 2, np.inf))
    return np.concatenate(out, axis=0)
