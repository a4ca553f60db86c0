"""Can a piecewise-exponential model be fitted to these data?  Errors before any sampling.

Checks every model kind runs on the data before it builds its arrays: events and follow-up
exist, totals do not overflow, covariates are on a usable scale, and cuts lie inside the
follow-up; warnings for groups the prior will largely decide.
"""

from __future__ import annotations

import warnings

import numpy as np

from bayesurv.base.exceptions import DataError, DataWarning, ModelError
from bayesurv.data.aggregated import AggregatedData
from bayesurv.data.survival_data import SurvivalData

__all__ = ["check_data_usable", "check_inside_followup", "events_through",
           "warn_sparse_groups"]

# Below this many events in a group, the standard error of a log HR involving it is at least
# 1 / sqrt(2) = 0.71 (Var(log HR) ~ 1/d_treated + 1/d_reference), close to the default
# prior sd of 1: the posterior is then shaped by the prior as much as by the data.
MIN_GROUP_EVENTS = 3


def events_through(data: SurvivalData | AggregatedData, times) -> np.ndarray:
    """Events at or before each time, per group: shape (times, groups).

    Aggregated data answer at their grid edges only (see
    :meth:`bayesurv.AggregatedData.events_through`).

    Examples
    --------
    >>> events_through(data, [12.0, 24.0, np.inf]).tolist()  # control, UC-MSC
    [[9.0, 10.0], [14.0, 10.0], [29.0, 15.0]]
    """
    if isinstance(data, AggregatedData):
        return data.events_through(times)
    times = np.atleast_1d(np.asarray(times, dtype=float))
    out = np.empty((times.size, len(data.groups)))
    for g in range(len(data.groups)):
        event_times = np.sort(data.time[(data.group_index == g) & (data.event == 1)])
        out[:, g] = np.searchsorted(event_times, times, side="right")
    return out


def check_inside_followup(cuts: np.ndarray, data: SurvivalData | AggregatedData,
                          what: str) -> None:
    """Every cut must be > 0 and before the longest follow-up (and, for aggregated data,
    on the grid they were aggregated on).

    Examples
    --------
    >>> check_inside_followup(np.array([13.0]), data, "cut")  # fine: nothing happens
    >>> check_inside_followup(np.array([90.0]), data, "cut")
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.ModelError: cut 90 is not inside the follow-up: ... 84.99 months
    """
    for c in cuts:
        if c <= 0:
            raise ModelError(f"{what} {c:g} must be > 0 (time 0 is the start of follow-up)")
        if c >= data.max_time:
            raise ModelError(f"{what} {c:g} is not inside the follow-up: the longest follow-up "
                             f"is {data.max_time:g} {data.time_unit}")
    if isinstance(data, AggregatedData):
        data.check_on_grid(cuts, what)


def check_data_usable(data: SurvivalData, stacklevel: int = 2) -> None:
    """Data a piecewise-exponential model can be fitted to; warn about sparse groups.

    Warnings are attributed to the line calling this function (``stacklevel=1``) or to its
    caller's line (``2``, the default: the user's ``model.fit`` line when called from
    ``fit``).

    Raises
    ------
    DataError
        Not a SurvivalData, no events, no follow-up time, a total follow-up time too large
        for floating point, or a covariate too large to standardize (its mean or standard
        deviation overflows).

    Warns
    -----
    DataWarning
        A group with no events, or with fewer than :data:`MIN_GROUP_EVENTS` (see
        :func:`warn_sparse_groups`).

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> check_data_usable(data)  # 44 events in two arms: nothing to say
    """
    if not isinstance(data, SurvivalData | AggregatedData):
        raise DataError(f"expected a bayesurv.SurvivalData, got {type(data).__name__}; build one "
                        "with bs.SurvivalData.from_frame(df, time=..., event=..., group=...) "
                        "(or bs.aggregate for rows too many for memory)")
    if data.n_events == 0:
        raise DataError(f"the data have no events ({data.n} patients, all censored): there is "
                        "nothing to estimate")
    if isinstance(data, AggregatedData):
        total = float(data.person_time.sum())
        if total <= 0:
            raise DataError("the data have no follow-up time (every time is 0)")
        warn_sparse_groups(data, stacklevel=stacklevel + 1)
        return
    with np.errstate(over="ignore", invalid="ignore"):
        total = data.time.sum()
        # the model standardizes covariates: mean and SD must be finite numbers
        spread = data.covariates.std(axis=0)
        centred_ok = np.isfinite(spread) & np.isfinite(data.covariates.mean(axis=0))
    if total <= 0:
        raise DataError("the data have no follow-up time (every time is 0)")
    if not np.isfinite(total):
        raise DataError(f"the total follow-up time overflows (longest time {data.max_time:g} "
                        f"{data.time_unit}); express the times in a larger unit")
    if not centred_ok.all():
        name = data.covariate_names[int(np.flatnonzero(~centred_ok)[0])]
        raise DataError(f"covariate {name!r} has values too large to standardize (largest "
                        f"absolute value {np.abs(data.covariates).max():g}: its mean or standard "
                        "deviation overflows); rescale it")
    warn_sparse_groups(data, stacklevel=stacklevel + 1)


def warn_sparse_groups(data: SurvivalData | AggregatedData, stacklevel: int = 1) -> None:
    """Warn (DataWarning) about groups whose hazard ratio the prior will largely decide.

    With ``d`` events in a group, the standard error of a log hazard ratio involving it is
    at least ``1 / sqrt(d)``; with no events the likelihood keeps pushing the hazard ratio
    towards 0 (a treated group) or infinity (the reference group), and only the prior stops
    it.  ``stacklevel`` 1 attributes the warning to the line calling this function.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> df = pd.DataFrame({"time": [2.0, 5.0, 7.0, 9.0], "event": [1, 1, 1, 0],
    ...                    "arm": ["a", "a", "a", "b"]})
    >>> data = SurvivalData.from_frame(df, reference="a")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_sparse_groups(data)
    >>> str(caught[0].message)[:46]
    "group 'b' has no events among its 1 patient(s)"
    """
    reference = data.groups[0]
    counts = data.summary()
    for g, name in enumerate(data.groups):
        n, d = int(counts["n"].iloc[g]), int(counts["events"].iloc[g])
        if d == 0:
            if g == 0:
                effect = (f"the hazard ratios of the other groups vs {reference!r} are pushed "
                          "towards infinity")
            else:
                effect = f"its hazard ratio vs {reference!r} is pushed towards 0"
            message = (f"group {name!r} has no events among its {n} patient(s): {effect}, and "
                       "only the prior bounds it (the maximum-likelihood estimate does not "
                       "exist); report the prior with the result")
        elif d < MIN_GROUP_EVENTS:
            message = (f"group {name!r} has only {d} event(s) among its {n} patient(s): the "
                       f"standard error of any log hazard ratio involving it is at least "
                       f"{d ** -0.5:.2f}, "
                       "so the posterior is shaped by the prior about as much as by the data")
        else:
            continue
        warnings.warn(message, DataWarning, stacklevel=stacklevel + 1)
