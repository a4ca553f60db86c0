"""How well reconstructed patient rows reproduce the digitized curve and the risk table."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import DigitizedCurveError

__all__ = ["at_risk_comparison", "km_bounds", "reconstruction_diagnostics"]

DIAGNOSTIC_COLUMNS = ["group", "patients", "events", "events_reported", "rmse",
                      "max_abs_diff", "risk_times", "max_at_risk_diff"]


def km_bounds(time: np.ndarray, event: np.ndarray, at: np.ndarray):
    """Kaplan-Meier ``S(at)`` and its left limit ``S(at-)`` for right-censored data.

    Examples
    --------
    >>> right, left = km_bounds(np.array([1.0, 2, 3]), np.array([1, 0, 1]), np.array([1.0]))
    >>> round(float(right[0]), 4), float(left[0])
    (0.6667, 1.0)
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event)
    uniq = np.unique(time[event == 1])
    sorted_time = np.sort(time)
    at_risk = time.size - np.searchsorted(sorted_time, uniq, side="left")
    sorted_events = np.sort(time[event == 1])
    deaths = (np.searchsorted(sorted_events, uniq, side="right")
              - np.searchsorted(sorted_events, uniq, side="left"))
    surv = np.concatenate([[1.0], np.cumprod(1.0 - deaths / at_risk)])
    at = np.asarray(at, dtype=float)
    right = surv[np.searchsorted(uniq, at, side="right")]
    left = surv[np.searchsorted(uniq, at, side="left")]
    return right, left


def reconstruction_diagnostics(ipd: pd.DataFrame, curve, risk_table=None,
                               total_events=None) -> pd.DataFrame:
    """Per group: reconstructed vs digitized survival, events, and numbers at risk.

    The distance of a digitized point to the reconstructed Kaplan-Meier curve is taken
    vertically to the drawn step curve: at a jump time, to the nearest point of the jump.

    Parameters
    ----------
    ipd : pandas.DataFrame
        Patient rows with ``time``, ``event``, ``group`` (e.g. from
        :func:`bayesurv.reconstruct_ipd`).
    curve : DigitizedCurve or pandas.DataFrame
        The digitized curve (its cleaned points are compared).
    risk_table : RiskTable, pandas.DataFrame, int or dict, optional
        The published numbers at risk.
    total_events : int or dict, optional
        Reported total events (shown next to the reconstructed ones).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group, patients, events, events_reported, rmse,
        max_abs_diff, risk_times, max_at_risk_diff`` (the largest absolute difference
        between reconstructed and published numbers at risk; see
        :func:`at_risk_comparison` for the detail).

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> pts = pd.DataFrame({"group": "A", "time": [0, 2, 2, 5],
    ...                     "survival": [1, 1, 0.5, 0.5]})
    >>> ipd = pd.DataFrame({"time": [2.0, 5.0], "event": [1, 0], "group": "A"})
    >>> d = bs.reconstruction_diagnostics(ipd, pts, risk_table={"A": 2})
    >>> float(d.loc[0, "max_abs_diff"])
    0.0
    """
    from bayesurv.digitized.curve import as_curve, as_risk_table

    curve = as_curve(curve)
    table = as_risk_table(risk_table)
    for column in ("time", "event", "group"):
        if column not in ipd.columns:
            raise DigitizedCurveError(f"reconstruction_diagnostics: ipd has no {column!r} "
                                      "column")
    if total_events is not None and not isinstance(total_events, Mapping):
        total_events = {curve.groups[0]: total_events} if len(curve.groups) == 1 else None
    total_events = total_events or {}
    comparison = at_risk_comparison(ipd, table) if table is not None else None
    rows = []
    for g in curve.groups:
        part = ipd[ipd["group"].astype(str) == g]
        time = part["time"].to_numpy(dtype=float)
        event = part["event"].to_numpy(dtype=int)
        t, s = curve.group_points(g)
        right, left = km_bounds(time, event, t)
        gap = np.maximum.reduce([s - left, right - s, np.zeros_like(s)])
        risk = (comparison[comparison["group"] == g] if comparison is not None
                else comparison)
        has_risk = risk is not None and len(risk) > 0
        reported = total_events.get(g)
        rows.append({
            "group": g,
            "patients": int(time.size),
            "events": int(event.sum()),
            "events_reported": np.nan if reported is None else int(reported),
            "rmse": float(np.sqrt(np.mean(gap ** 2))),
            "max_abs_diff": float(gap.max()),
            "risk_times": len(risk) if has_risk else 0,
            "max_at_risk_diff": float(risk["difference"].abs().max()) if has_risk else np.nan,
        })
    return pd.DataFrame(rows, columns=DIAGNOSTIC_COLUMNS)


def at_risk_comparison(ipd: pd.DataFrame, risk_table) -> pd.DataFrame:
    """Reconstructed against published numbers at risk, one row per group and time.

    Parameters
    ----------
    ipd : pandas.DataFrame
        Patient rows with ``time`` and ``group``.
    risk_table : RiskTable, pandas.DataFrame, int or dict
        The published numbers at risk.

    Returns
    -------
    pandas.DataFrame
        ``group, time, published, reconstructed, difference`` (reconstructed minus
        published).

    Examples
    --------
    >>> import pandas as pd
    >>> ipd = pd.DataFrame({"time": [2.0, 5.0], "event": [1, 0], "group": "A"})
    >>> rt = pd.DataFrame({"group": "A", "time": [0, 3], "n_at_risk": [2, 1]})
    >>> at_risk_comparison(ipd, rt)["difference"].tolist()
    [0, 0]
    """
    from bayesurv.digitized.curve import as_risk_table

    table = as_risk_table(risk_table)
    rows = []
    for g in table.groups:
        time = ipd.loc[ipd["group"].astype(str) == g, "time"].to_numpy(dtype=float)
        for u, pub in zip(*table.group_table(g), strict=True):
            got = int(np.sum(time >= u))
            rows.append({"group": g, "time": float(u), "published": int(pub),
                         "reconstructed": got, "difference": got - int(pub)})
    return pd.DataFrame(rows, columns=["group", "time", "published", "reconstructed",
                                       "difference"])
