"""Survival estimands side by side: posterior vs Kaplan-Meier, for RMST, milestones, medians.

:func:`compare_estimands` puts, per estimand and group (each arm and each difference treated
minus reference), the posterior median and equal-tailed interval of a fit next to the
Kaplan-Meier estimate and its interval (:mod:`bayesurv.frequentist.estimands`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayesurv import frequentist
from bayesurv.base.checks import check_mass, check_positive, check_times
from bayesurv.base.exceptions import BayesurvInputError, DataError
from bayesurv.data.aggregated import AggregatedData
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.fit import Fit
from bayesurv.inference.intervals import both_intervals

__all__ = ["compare_estimands", "default_horizon"]

COLUMNS = ["estimand", "at", "group", "bayes", "bayes_lower", "bayes_upper", "p_benefit",
           "reached", "freq", "freq_lower", "freq_upper"]


def default_horizon(data: SurvivalData) -> float:
    """The RMST horizon when none is given: the shorter of the arms' longest follow-ups,
    rounded down to two significant digits (a round time every arm was followed to).

    Examples
    --------
    >>> default_horizon(data)  # arms followed to 82 and 84.99 months
    82.0
    """
    if isinstance(data, AggregatedData):  # its longest follow-ups are kept exactly
        reach = float(np.min(data.max_followup))
    else:
        reach = min(float(data.time[data.group_index == k].max())
                    for k in range(len(data.groups)))
    scale = 10.0 ** (np.floor(np.log10(reach)) - 1)
    return float(np.floor(reach / scale) * scale)


def compare_estimands(fit: Fit, data: SurvivalData, horizon: float | None = None,
                      times: Sequence[float] | None = None, mass: float = 0.95) -> pd.DataFrame:
    """RMST, milestone survival and median survival: posterior vs Kaplan-Meier.

    Parameters
    ----------
    fit : Fit
        A fit of ``data``.
    data : SurvivalData
        The data the fit was made on.
    horizon : float, optional
        RMST horizon, inside every arm's follow-up (default :func:`default_horizon`).
    times : sequence of float, optional
        Milestone times (default: the horizon).
    mass : float
        Mass of both sides' intervals.

    Returns
    -------
    pandas.DataFrame
        One row per (estimand, time, group): ``estimand`` ("RMST", "survival" or
        "median"), ``at`` (the horizon or milestone; NaN for the median), ``group`` (an arm,
        or "treated - reference" for a difference), the posterior median ``bayes`` with
        ``bayes_lower``, ``bayes_upper`` and ``p_benefit`` (P(difference > 0), differences
        only), ``reached`` (for a median: the share of draws reaching it within follow-up),
        and the Kaplan-Meier ``freq``, ``freq_lower``, ``freq_upper`` (unadjusted; for a
        median "not reached" is NaN, and the difference of medians has no interval).

    Examples
    --------
    >>> table = compare_estimands(pw_fit, data, horizon=60, times=[12])
    >>> table[["estimand", "at", "group"]].head(3).to_numpy().tolist()
    [['RMST', 60.0, 'control'], ['RMST', 60.0, 'UC-MSC'], ['RMST', 60.0, 'UC-MSC - control']]
    """
    if not isinstance(fit, Fit):
        raise BayesurvInputError(f"compare_estimands: fit must be a bayesurv Fit, got "
                                 f"{type(fit).__name__}")
    if data.n != fit.data_summary["n"] or data.n_events != fit.data_summary["events"]:
        raise DataError("compare_estimands: the data are not the data of the fit")
    mass = check_mass(mass, "compare_estimands")
    horizon = (default_horizon(data) if horizon is None
               else check_positive(horizon, "horizon", "compare_estimands"))
    times = [horizon] if times is None else check_times(times, "times", "compare_estimands",
                                                        BayesurvInputError).tolist()
    parts = [
        _side_by_side("RMST", fit.rmst(horizon, mass=mass),
                      frequentist.rmst(data, horizon, mass=mass).rename(columns={"rmst": "freq"}),
                      at=horizon),
        _side_by_side("survival", fit.survival_difference(times, mass=mass),
                      frequentist.survival_difference(data, times, mass=mass)
                      .rename(columns={"survival": "freq"}), on_time=True),
        _side_by_side("median", fit.median_survival(mass=mass),
                      frequentist.median_survival(data, mass=mass)
                      .rename(columns={"median": "freq"}), at=np.nan),
    ]
    out = pd.concat(parts, ignore_index=True)[COLUMNS]
    out.attrs["interval"] = both_intervals(mass)
    return out


def _side_by_side(estimand: str, bayes: pd.DataFrame, freq: pd.DataFrame, at: float = np.nan,
                  on_time: bool = False) -> pd.DataFrame:
    keys = ["time", "group"] if on_time else ["group"]
    b = bayes.rename(columns={"median": "bayes", "lower": "bayes_lower",
                              "upper": "bayes_upper"})
    f = freq.rename(columns={"lower": "freq_lower", "upper": "freq_upper"})
    merged = b.merge(f[[*keys, "freq", "freq_lower", "freq_upper"]], on=keys, how="left",
                     validate="one_to_one")
    merged.insert(0, "estimand", estimand)
    if "reached" not in merged.columns:
        merged["reached"] = np.nan
    merged["at"] = merged["time"] if on_time else at
    return merged
