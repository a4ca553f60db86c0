"""Restricted mean, milestone and median survival of the Kaplan-Meier curves, as R prints them.

The frequentist counterparts of :meth:`bayesurv.Fit.rmst`, :meth:`bayesurv.Fit.survival_difference`
and :meth:`bayesurv.Fit.median_survival`, on the Kaplan-Meier steps of
:func:`bayesurv.frequentist.survival.km_steps`.  Variances are Greenwood's; pointwise survival
intervals are R's default ``conf.type = "log"`` band; the rows of a difference (treated minus
reference) add the two variances, as for independent arms.  Covariates play no part: these are
the unadjusted curves of each arm.

Examples
--------
>>> import bayesurv as bs
>>> from bayesurv import frequentist
>>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
>>> frequentist.rmst(data, 60).round(2).to_numpy().tolist()  # doctest: +NORMALIZE_WHITESPACE
[['control', 51.3, 1.66, 48.05, 54.54], ['UC-MSC', 54.35, 1.53, 51.35, 57.35],
 ['UC-MSC - control', 3.05, 2.25, -1.37, 7.47]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from bayesurv.base.checks import check_mass, check_positive, check_times
from bayesurv.base.exceptions import DataError
from bayesurv.base.vocabulary import difference_label
from bayesurv.data.survival_data import SurvivalData
from bayesurv.frequentist.survival import _check_data, km_steps

__all__ = ["median_survival", "rmst", "survival_difference"]

# R's tolerance for "the curve is exactly 0.5" (``.Machine$double.eps^0.5``)
TOLERANCE = np.finfo(float).eps ** 0.5


def _greenwood_terms(steps: pd.DataFrame) -> np.ndarray:
    """d / (n (n - d)) at each step; 0 where every patient at risk has the event (the curve
    is 0 from there on, and R counts no variance for it)."""
    n, d = steps["at_risk"].to_numpy(), steps["events"].to_numpy()
    left = n - d
    return np.divide(d, n * left, out=np.zeros_like(d), where=left > 0)


def _z(mass: float) -> float:
    return float(stats.norm.ppf(0.5 + mass / 2))


def _arms(data: SurvivalData, what: str, limit: float | None = None):
    """Each group's name and Kaplan-Meier steps; an error if ``limit`` (the latest time asked
    about) is past a group's last follow-up, where its curve is not defined."""
    _check_data(data, what)
    out = []
    for g, name in enumerate(data.groups):
        steps = km_steps(data, g, what)
        last = float(steps["time"].iloc[-1])
        if limit is not None and limit > last:
            raise DataError(f"{what}: time {limit:g} {data.time_unit} is past the last "
                            f"follow-up of group {name!r} ({last:g} {data.time_unit}); the "
                            "Kaplan-Meier curve is not defined there")
        out.append((name, steps))
    return out


def _with_differences(arms: pd.DataFrame, data: SurvivalData, value: str, mass: float,
                      by: str | None = None) -> pd.DataFrame:
    """Append one row per treated group: ``value`` treated minus reference, with
    ``se = sqrt(se1^2 + se2^2)`` and a normal interval."""
    z = _z(mass)
    keys = [None] if by is None else list(dict.fromkeys(arms[by]))
    rows = []
    for treated in data.treated:
        for key in keys:
            part = arms if by is None else arms[arms[by] == key]
            ref = part[part["group"] == data.reference].iloc[0]
            trt = part[part["group"] == treated].iloc[0]
            diff = trt[value] - ref[value]
            se = float(np.hypot(trt["se"], ref["se"]))
            rows.append({"group": difference_label(treated, data.reference),
                         **({} if by is None else {by: key}),
                         value: diff, "se": se, "lower": diff - z * se, "upper": diff + z * se})
    return pd.concat([arms, pd.DataFrame(rows)], ignore_index=True)


def rmst(data: SurvivalData, horizon: float, mass: float = 0.95) -> pd.DataFrame:
    """Restricted mean survival time up to ``horizon``: the area under each Kaplan-Meier curve.

    Parameters
    ----------
    data : SurvivalData
    horizon : float
        The upper limit of the integral, at most the last follow-up time of every group.
    mass : float
        Coverage of the normal intervals.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, rmst, se, lower, upper``: one row per group, then one per treated
        group named like ``"UC-MSC - control"`` (treated minus reference, ``se`` the root sum
        of squares of the two).  ``rmst`` and ``se`` are those R prints with
        ``print(survfit(Surv(time, event) ~ group, data), rmean = horizon)``: the variance is
        ``sum_i A_i^2 d_i / (n_i (n_i - d_i))`` over the steps up to ``horizon``, ``A_i`` the
        area under the curve from step ``i`` to ``horizon``.  ``lower``/``upper``: ``rmst`` plus
        or minus the normal quantile times ``se``.

    Raises
    ------
    DataError
        If ``horizon`` is past a group's last follow-up time.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> from bayesurv import frequentist
    >>> df = pd.DataFrame({"t": [2, 3, 3, 5, 1, 4], "d": [1, 0, 1, 1, 1, 0],
    ...                    "arm": ["a", "a", "a", "a", "b", "b"]})
    >>> data = bs.SurvivalData.from_frame(df, time="t", event="d", group="arm")
    >>> frequentist.rmst(data, 4)[["group", "rmst"]].to_numpy().tolist()
    [['a', 3.25], ['b', 2.5], ['b - a', -0.75]]
    """
    what = "frequentist.rmst"
    horizon = check_positive(horizon, "horizon", what)
    mass = check_mass(mass, what)
    rows = []
    for name, steps in _arms(data, what, limit=horizon):
        keep = steps["time"].to_numpy() <= horizon
        start = steps["time"].to_numpy()[keep]
        # the curve after each step, up to the next step (the last one up to the horizon)
        areas = steps["survival"].to_numpy()[keep] * np.diff(np.r_[start, horizon])
        after = np.cumsum(areas[::-1])[::-1]  # area from each step to the horizon
        variance = np.sum(after**2 * _greenwood_terms(steps)[keep])
        rows.append({"group": name, "rmst": float(areas.sum()), "se": float(np.sqrt(variance))})
    arms = pd.DataFrame(rows)
    z = _z(mass)
    arms["lower"], arms["upper"] = arms["rmst"] - z * arms["se"], arms["rmst"] + z * arms["se"]
    return _with_differences(arms, data, "rmst", mass)


def _log_band(steps: pd.DataFrame, mass: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greenwood se of the survival and R's ``conf.type = "log"`` band at each step (no band
    where the curve is 0, as in R)."""
    surv = steps["survival"].to_numpy()
    se_log = np.sqrt(np.cumsum(_greenwood_terms(steps)))
    z = _z(mass)
    positive = surv > 0
    lower = np.where(positive, surv * np.exp(-z * se_log), np.nan)
    upper = np.where(positive, np.minimum(surv * np.exp(z * se_log), 1.0), np.nan)
    return surv * se_log, lower, upper


def survival_difference(data: SurvivalData, times, mass: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier (milestone) survival of each group at ``times``, and the differences.

    Parameters
    ----------
    data : SurvivalData
    times : float or sequence of float
        Increasing times, none past a group's last follow-up time.
    mass : float
        Coverage of the intervals.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, time, survival, se, lower, upper``.  Group rows are R's
        ``summary(survfit(Surv(time, event) ~ group, data, conf.int = mass), times = times)``:
        ``se`` is Greenwood's standard error of the survival and ``lower``/``upper`` the
        default log-scale band, ``S exp(-/+ z se / S)`` (the upper end capped at 1).  Then one
        row per treated group and time, named like ``"UC-MSC - control"``: the difference of
        survival, ``se = sqrt(se1^2 + se2^2)`` and a normal interval.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> from bayesurv import frequentist
    >>> df = pd.DataFrame({"t": [2, 3, 3, 5, 1, 4], "d": [1, 0, 1, 1, 1, 0],
    ...                    "arm": ["a", "a", "a", "a", "b", "b"]})
    >>> data = bs.SurvivalData.from_frame(df, time="t", event="d", group="arm")
    >>> frequentist.survival_difference(data, 3)[["group", "survival"]].to_numpy().tolist()
    [['a', 0.5], ['b', 0.5], ['b - a', 0.0]]
    """
    what = "frequentist.survival_difference"
    times = check_times(times, "times", what, allow_empty=False)
    mass = check_mass(mass, what)
    frames = []
    for name, steps in _arms(data, what, limit=times[-1]):
        se, lower, upper = _log_band(steps, mass)
        at = np.searchsorted(steps["time"].to_numpy(), times, side="right") - 1
        frames.append(pd.DataFrame({"group": name, "time": times,
                                    "survival": steps["survival"].to_numpy()[at],
                                    "se": se[at], "lower": lower[at], "upper": upper[at]}))
    arms = pd.concat(frames, ignore_index=True)
    return _with_differences(arms, data, "survival", mass, by="time")


def _first_below_half(values: np.ndarray, times: np.ndarray) -> float:
    """R's median of a step curve: the first time it is <= 0.5; when it is exactly 0.5 there
    and drops lower later, the midpoint of that stretch (NaN if it never gets to 0.5).

    Examples
    --------
    >>> _first_below_half(np.array([1.0, 0.5, 0.5, 0.25]), np.array([0.0, 2.0, 3.0, 4.0]))
    3.0
    >>> _first_below_half(np.array([1.0, 0.5, 0.5]), np.array([0.0, 2.0, 3.0]))
    2.0
    """
    keep = ~np.isnan(values) & (values < 0.5 + TOLERANCE)
    if not keep.any():
        return np.nan
    y, x = values[keep], times[keep]
    lower = np.flatnonzero(y < y[0])
    if abs(y[0] - 0.5) < TOLERANCE and lower.size:
        return float((x[0] + x[lower[0]]) / 2)
    return float(x[0])


def median_survival(data: SurvivalData, mass: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier median survival of each group with the interval R prints.

    Parameters
    ----------
    data : SurvivalData
    mass : float
        Coverage of the pointwise band the interval is read from.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, median, lower, upper``: as ``print(survfit(Surv(time, event) ~ group,
        data, conf.int = mass))``.  The median is the first time the curve is <= 0.5; where
        the curve is exactly 0.5 and later drops lower, the midpoint of that flat stretch (if
        it stays at 0.5 to the end, the stretch's start: R's ``quantile(fit, 0.5)`` gives the
        midpoint to the last follow-up there instead).  ``lower``/``upper`` apply the same
        rule to the lower and upper ends of the log-scale band.  NaN means not reached
        within the follow-up.  Then one row per treated group, named like
        ``"UC-MSC - control"``, with the difference of the medians (NaN unless both are
        reached) and no interval (NaN).

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> from bayesurv import frequentist
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 1, 2, 3, 4], "d": [1, 1, 1, 1, 1, 1, 0, 0],
    ...                    "arm": ["a"] * 4 + ["b"] * 4})
    >>> data = bs.SurvivalData.from_frame(df, time="t", event="d", group="arm")
    >>> frequentist.median_survival(data)[["group", "median", "lower"]].to_numpy().tolist()
    [['a', 2.5, 1.0], ['b', 2.0, 1.0], ['b - a', -0.5, nan]]
    """
    what = "frequentist.median_survival"
    mass = check_mass(mass, what)
    rows = []
    for name, steps in _arms(data, what):
        times = steps["time"].to_numpy()
        _, lower, upper = _log_band(steps, mass)
        rows.append({"group": name,
                     "median": _first_below_half(steps["survival"].to_numpy(), times),
                     "lower": _first_below_half(lower, times),
                     "upper": _first_below_half(upper, times)})
    arms = pd.DataFrame(rows).set_index("group", drop=False)
    differences = pd.DataFrame([
        {"group": difference_label(treated, data.reference),
         "median": arms.loc[treated, "median"] - arms.loc[data.reference, "median"],
         "lower": np.nan, "upper": np.nan} for treated in data.treated])
    return pd.concat([arms, differences], ignore_index=True)
