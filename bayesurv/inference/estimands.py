"""Posteriors of the estimands trials report: restricted mean, milestone and median survival.

Every estimand is a functional of each draw's survival curve, which is piecewise exponential:
the log hazards per fine piece come from :func:`bayesurv.inference.summaries.draw_log_hazards`
(each draw in its own state, for a change-point fit its own tau) and the cumulative hazard
from :func:`bayesurv.inference.summaries.cumulative_hazard`, so these curves are those of
:meth:`bayesurv.Fit.survival`.  For a fit with covariates they are, like them, standardized
over the cohort by default or at given covariate values (``covariates=``, see
:mod:`bayesurv.inference.curves`): RMST and milestone survival are averages of each patient's
exact value, the median is that of the averaged curve (found numerically to
:data:`bayesurv.inference.curves.MEDIAN_TOLERANCE`); the tables then add a ``covariates``
column, before ``group``.

Each table has one row per group, then one per treated group for the difference, treated
minus reference (``group`` like ``"UC-MSC - control"``).  Columns: the time the estimand is
taken at (``horizon`` or ``time``, none for medians), then those of
:meth:`bayesurv.Fit.hazard_ratios`: ``median, mean, lower, upper`` (posterior median, mean
and interval of ``mass``, equal-tailed by default, named in ``table.attrs["interval"]``) and
``p_benefit``, the posterior probability that the
difference is > 0 (longer or more survival on the treated arm; NaN on the group rows); medians
add ``reached``; ``group`` comes last.  Medians not reached within the follow-up, and the rule
for summarizing them, are described at :func:`summarize_draws` and :func:`median_table`.
:class:`bayesurv.Fit` methods call these.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayesurv.base.exceptions import DataWarning, warn_caller
from bayesurv.base.vocabulary import difference_label
from bayesurv.inference import curves, intervals, summaries
from bayesurv.model.kind import HazardModel

__all__ = [
    "median_draws",
    "median_table",
    "piecewise_median",
    "piecewise_rmst",
    "rmst_draws",
    "rmst_table",
    "summarize_draws",
    "survival_curves",
    "survival_difference_table",
]


def _groups(idata) -> list[str]:
    return [str(g) for g in idata.constant_data["arm"].to_numpy()]


def _followup(idata, data_summary: dict) -> np.ndarray:
    """Each group's longest follow-up, in the order of the fit's groups."""
    by_name = {str(g["group"]): float(g["max_followup"]) for g in data_summary["per_group"]}
    return np.array([by_name[group] for group in _groups(idata)])


def survival_curves(idata, model: HazardModel, times,
                    covariates=curves.STANDARDIZED) -> xr.DataArray:
    """Posterior survival curves at ``times``, dims ``(chain, draw, group, time)``; for a fit
    with covariates ``attrs["covariates"]`` says which curves (see :mod:`~.curves`).

    Examples
    --------
    >>> curves = survival_curves(pw_fit.idata, pw_fit.model, [0.0, 12.0])
    >>> curves.dims, curves.sizes["draw"], curves["group"].to_numpy().tolist()
    (('chain', 'draw', 'group', 'time'), 200, ['control', 'UC-MSC'])
    """
    times = np.asarray(times, dtype=float)
    profile = curves.covariate_profile(idata, covariates, "survival_draws")
    surv = curves.survival_draws(idata, model, times, profile)  # (draws, times, groups)
    posterior = idata.posterior
    shape = (posterior.sizes["chain"], posterior.sizes["draw"], *surv.shape[1:])
    return xr.DataArray(surv.reshape(shape).transpose(0, 1, 3, 2),
                        dims=("chain", "draw", "group", "time"),
                        coords={"chain": posterior["chain"].to_numpy(),
                                "draw": posterior["draw"].to_numpy(),
                                "group": _groups(idata), "time": times},
                        name="survival",
                        attrs={} if profile.label is None else {"covariates": profile.label})


def _at_edges(edges: np.ndarray, lh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative hazard at the start of each piece and the hazard on it: (draws, pieces,
    groups) each."""
    return summaries.cumulative_hazard(edges, lh, edges), np.exp(lh)


def piecewise_rmst(edges: np.ndarray, lh: np.ndarray, horizon: float) -> np.ndarray:
    """Area under piecewise-exponential survival curves from 0 to ``horizon``, exactly.

    On a piece starting at ``e`` with hazard ``h``, ``S(e + u) = S(e) exp(-h u)``, whose
    integral over a width ``w`` is ``S(e) (1 - exp(-h w)) / h``.  The last piece runs on past
    the last edge.

    Parameters
    ----------
    edges : numpy.ndarray
        Start of each piece (the first is 0).
    lh : numpy.ndarray
        Log hazards, (draws, pieces, groups).
    horizon : float

    Returns
    -------
    numpy.ndarray
        (draws, groups).

    Examples
    --------
    A constant hazard 0.1 split in two pieces: ``(1 - exp(-0.1 * 15)) / 0.1``.

    >>> lh = np.log(np.full((1, 2, 1), 0.1))
    >>> round(piecewise_rmst(np.array([0.0, 10.0]), lh, 15.0).item(), 12)
    7.768698398516
    >>> round(float((1 - np.exp(-1.5)) / 0.1), 12)
    7.768698398516
    """
    cumulative, hazard = _at_edges(edges, lh)
    ends = np.r_[edges[1:], np.inf]
    width = np.clip(np.minimum(ends, horizon) - edges, 0.0, None)[None, :, None]
    exposure = hazard * width
    # (1 - exp(-x)) / h, written to keep its precision when x is small
    share = np.divide(-np.expm1(-exposure), hazard, out=np.zeros_like(exposure),
                      where=width > 0)
    return np.sum(np.exp(-cumulative) * share, axis=1)


def piecewise_median(edges: np.ndarray, lh: np.ndarray) -> np.ndarray:
    """The time each piecewise-exponential curve reaches 0.5, i.e. cumulative hazard log 2.

    Parameters
    ----------
    edges : numpy.ndarray
        Start of each piece (the first is 0).
    lh : numpy.ndarray
        Log hazards, (draws, pieces, groups).

    Returns
    -------
    numpy.ndarray
        (draws, groups); the last piece runs on past the last edge, so every curve gets there.

    Examples
    --------
    Hazard 0.1 up to 5 (cumulative hazard 0.5 there), then 0.2: ``5 + (log 2 - 0.5) / 0.2``.

    >>> lh = np.log(np.array([[[0.1], [0.2]]]))
    >>> piecewise_median(np.array([0.0, 5.0]), lh).round(6).item()
    5.965736
    """
    cumulative, hazard = _at_edges(edges, lh)
    half = np.log(2.0)
    # the piece where the cumulative hazard crosses log 2: the last one starting below it
    piece = (cumulative < half).sum(axis=1, keepdims=True) - 1
    start = np.take_along_axis(cumulative, piece, axis=1)[:, 0]
    rate = np.take_along_axis(hazard, piece, axis=1)[:, 0]
    return edges[piece[:, 0]] + (half - start) / rate


def _profile(idata, covariates, what: str) -> curves.Profile:
    if isinstance(covariates, curves.Profile):
        return covariates
    return curves.covariate_profile(idata, covariates, what)


def rmst_draws(idata, model: HazardModel, horizon: float,
               covariates=curves.STANDARDIZED) -> np.ndarray:
    """Restricted mean survival time up to ``horizon`` per draw and group: (draws, groups);
    with covariates, the mean of each patient's exact RMST (see :mod:`~.curves`).

    Examples
    --------
    >>> rmst_draws(pw_fit.idata, pw_fit.model, 60.0).shape
    (400, 2)
    """
    profile = _profile(idata, covariates, "rmst")
    return curves.per_patient(idata, model, profile,
                              lambda edges, lh: piecewise_rmst(edges, lh, horizon))


def median_draws(idata, model: HazardModel, data_summary: dict,
                 covariates=curves.STANDARDIZED) -> np.ndarray:
    """Median survival per draw and group, ``inf`` where it comes after the group's longest
    follow-up (not reached): (draws, groups).

    For one curve per group (no covariates, or given values) the closed form
    :func:`piecewise_median`; for curves standardized over the cohort, the median of the
    averaged curve (:func:`bayesurv.inference.curves.standardized_median`).

    Examples
    --------
    >>> m = median_draws(pw_fit.idata, pw_fit.model, pw_fit.data_summary)
    >>> m.shape, bool(np.isinf(m).any())
    ((400, 2), True)
    """
    profile = _profile(idata, covariates, "median_survival")
    followup = _followup(idata, data_summary)
    if profile.rows.shape[0] > 1:
        return curves.standardized_median(idata, model, profile, followup)
    median = curves.per_patient(idata, model, profile, piecewise_median)
    return np.where(median <= followup, median, np.inf)


def summarize_draws(values: np.ndarray, mass: float = 0.95, benefit: bool = False,
                    interval: str = "equal-tailed") -> dict:
    """Median, mean, interval of ``mass`` and (if ``benefit``) P(value > 0) of draws.

    Draws may be ``inf`` (a median not reached) and, for a difference of two medians neither
    of which is reached, NaN (unordered).  A quantile is reported only when it is the same
    wherever the NaN draws would fall and it is finite; otherwise it is NaN, and so is the
    mean unless every draw is finite.  ``p_benefit`` likewise, NaN if the NaN draws decide it.

    Examples
    --------
    >>> out = summarize_draws(np.array([1.0, 2.0, 3.0, np.inf]), mass=0.5)
    >>> {name: float(value) for name, value in out.items()}
    {'median': 2.5, 'mean': nan, 'lower': 1.75, 'upper': nan}
    >>> summarize_draws(np.array([-1.0, 2.0, 3.0, np.nan]), benefit=True)["p_benefit"]
    nan
    """
    unordered = np.isnan(values)

    def summary(placed):
        return np.array([intervals.quantiles(placed, [0.5])[0],
                         *intervals.credible_interval(placed, mass, interval)])

    first = summary(np.where(unordered, -np.inf, values))
    last = summary(np.where(unordered, np.inf, values))
    median, lower, upper = np.where(first == last, first, np.nan)
    out = {"median": float(median),
           "mean": float(values.mean()) if np.isfinite(values).all() else np.nan,
           "lower": float(lower), "upper": float(upper)}
    if benefit:
        surely, maybe = (values > 0).mean(), (unordered | (values > 0)).mean()
        out["p_benefit"] = float(surely) if surely == maybe else np.nan
    return out


def _table(idata, per_group: np.ndarray, mass: float, interval: str, label: str | None,
           extra: dict | None = None, reached: np.ndarray | None = None) -> list[dict]:
    """Rows for the groups and the differences (treated minus reference) of (draws, groups)
    values; ``reached`` (draws, groups) adds the share of draws where each is finite,
    ``label`` (the covariate profile's) a ``covariates`` column."""
    groups = _groups(idata)
    extra = extra or {}
    named = {} if label is None else {"covariates": label}
    rows = []
    for g, group in enumerate(groups):
        rows.append({**extra, **summarize_draws(per_group[:, g], mass, interval=interval),
                     "p_benefit": np.nan,
                     **({} if reached is None else {"reached": float(reached[:, g].mean())}),
                     **named, "group": group})
    for g in range(1, len(groups)):
        with np.errstate(invalid="ignore"):  # inf - inf: neither median reached
            difference = per_group[:, g] - per_group[:, 0]
        both = None if reached is None else float((reached[:, g] & reached[:, 0]).mean())
        rows.append({**extra, **summarize_draws(difference, mass, True, interval),
                     **({} if both is None else {"reached": both}),
                     **named, "group": difference_label(groups[g], groups[0])})
    return rows


def rmst_table(idata, model: HazardModel, data_summary: dict, horizon: float,
               mass: float = 0.95, interval: str = "equal-tailed",
               covariates=curves.STANDARDIZED) -> pd.DataFrame:
    """Posterior restricted mean survival time up to ``horizon`` and its differences.

    Warns (:class:`~bayesurv.DataWarning`) if ``horizon`` is past a group's longest
    follow-up: there the curve is the model's extrapolation, the hazard of the last piece
    carried forward.

    Examples
    --------
    >>> table = rmst_table(pw_fit.idata, pw_fit.model, pw_fit.data_summary, 60.0)
    >>> table.columns.tolist()
    ['horizon', 'median', 'mean', 'lower', 'upper', 'p_benefit', 'group']
    >>> table["group"].tolist()
    ['control', 'UC-MSC', 'UC-MSC - control']
    """
    followup = _followup(idata, data_summary)
    if (horizon > followup).any():
        unit = data_summary["time_unit"]
        past = [f"{g} ({f:g} {unit})" for g, f in zip(_groups(idata), followup, strict=True)
                if horizon > f]
        warn_caller(f"Fit.rmst: horizon {horizon:g} {unit} is past the longest follow-up of "
                    f"{', '.join(past)}; beyond it the survival curve carries the hazard of "
                    "the last piece forward", DataWarning)
    profile = _profile(idata, covariates, "rmst")
    values = rmst_draws(idata, model, horizon, profile)
    return intervals.labelled(pd.DataFrame(_table(idata, values, mass, interval, profile.label,
                                                  {"horizon": horizon})), mass, interval)


def survival_difference_table(idata, model: HazardModel, times, mass: float = 0.95,
                              interval: str = "equal-tailed",
                              covariates=curves.STANDARDIZED) -> pd.DataFrame:
    """Posterior (milestone) survival at each of ``times`` per group, and its differences.

    Examples
    --------
    >>> table = survival_difference_table(pw_fit.idata, pw_fit.model, [12.0, 60.0])
    >>> table[["time", "group"]].to_numpy().tolist()  # doctest: +NORMALIZE_WHITESPACE
    [[12.0, 'control'], [12.0, 'UC-MSC'], [12.0, 'UC-MSC - control'],
     [60.0, 'control'], [60.0, 'UC-MSC'], [60.0, 'UC-MSC - control']]
    """
    times = np.asarray(times, dtype=float)
    profile = _profile(idata, covariates, "survival_difference")
    surv = curves.survival_draws(idata, model, times, profile)  # (draws, times, groups)
    rows = []
    for t, time in enumerate(times):
        rows += _table(idata, surv[:, t, :], mass, interval, profile.label,
                       {"time": float(time)})
    return intervals.labelled(pd.DataFrame(rows), mass, interval)


def median_table(idata, model: HazardModel, data_summary: dict, mass: float = 0.95,
                 interval: str = "equal-tailed",
                 covariates=curves.STANDARDIZED) -> pd.DataFrame:
    """Posterior median survival per group and its differences.

    A draw whose median comes after the group's longest follow-up has not reached it: it
    counts as ``inf`` (see :func:`summarize_draws`), so the posterior median is NaN when
    fewer than half the draws reach it, and ``reached`` is the share of draws that do (of
    both groups, on a difference row).

    Examples
    --------
    >>> table = median_table(pw_fit.idata, pw_fit.model, pw_fit.data_summary)
    >>> table.columns.tolist()
    ['median', 'mean', 'lower', 'upper', 'p_benefit', 'reached', 'group']
    """
    profile = _profile(idata, covariates, "median_survival")
    values = median_draws(idata, model, data_summary, profile)
    return intervals.labelled(pd.DataFrame(_table(idata, values, mass, interval, profile.label,
                                                  reached=np.isfinite(values))),
                              mass, interval)
