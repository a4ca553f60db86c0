"""Patient rows from a digitized Kaplan-Meier curve: the algorithm of Guyot et al. (2012).

Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data:
reconstructing the data from published Kaplan-Meier survival curves. BMC Med Res Methodol
2012;12:9.

The algorithm itself (for one group) is in :mod:`bayesurv.digitized.guyot`; this module checks the
inputs, runs it per group, assembles the patient rows and their diagnostics.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import (
    DataWarning,
    DigitizedCurveError,
    ReconstructionWarning,
    warn_caller,
)
from bayesurv.data.survival_data import SurvivalData
from bayesurv.digitized.curve import DigitizedCurve, RiskTable, as_curve, as_risk_table
from bayesurv.digitized.diagnostics import at_risk_comparison, reconstruction_diagnostics
from bayesurv.digitized.guyot import LostFall, reconstruct_group

__all__ = ["at_risk_comparison", "reconstruct_ipd", "reconstruction_diagnostics",
           "survival_data_from_digitized"]

# Risk-table times may lie beyond the curve's last point by this fraction of its length
# (the figure's last tick versus the last point clicked) without being an error.
END_SLACK = 0.01
# Curves whose last points are this close (fraction of the longest curve) end together.
END_TIE = 0.01


def reconstruct_ipd(curve, risk_table=None, total_events=None, draws: int | None = None,
                    random_seed=None) -> pd.DataFrame | list[pd.DataFrame]:
    """Reconstruct patient rows from a digitized Kaplan-Meier curve (Guyot et al. 2012).

    Parameters
    ----------
    curve : DigitizedCurve or pandas.DataFrame
        The digitized points (a DataFrame must have columns ``group, time, survival``).
    risk_table : RiskTable, pandas.DataFrame, int or dict, optional
        The published numbers at risk (a DataFrame with ``group, time, n_at_risk``).  When
        no table was published, give at least the number of patients: an int for a single
        group or a dict ``group -> n``.  One of the two is required.
    total_events : int or dict, optional
        Total number of events, if reported: an int for a single group or a dict
        ``group -> events`` (groups left out are treated as not reported).
    draws : int, optional
        Number of plausible reconstructions to return instead of the single one.  In each,
        every digitized point is moved by Gaussian noise of the curve's estimated
        digitizing noise (:attr:`DigitizedCurve.noise`; none for exact corners), and the
        censorings of each risk-table interval are placed at random in it instead of
        evenly; each still meets the numbers at risk and total events the single
        reconstruction meets.  Their spread is the uncertainty the digitizing adds.
    random_seed : int or numpy.random.Generator, optional
        Seed of the draws (the same seed gives the same reconstructions).

    Returns
    -------
    pandas.DataFrame or list of pandas.DataFrame
        Without ``draws``, one DataFrame; with ``draws = K``, a list of K of them, each a
        valid input of :meth:`SurvivalData.from_frame`.  (The warnings of the single
        reconstruction are given once; the draws do not repeat them.)
        One row per reconstructed patient: ``time``, ``event`` (1/0), ``group``.  Its
        ``attrs["diagnostics"]`` holds the rows of :func:`reconstruction_diagnostics`
        (per group: patients, events, fit to the digitized points, numbers at risk) and
        ``attrs["at_risk"]`` those of :func:`at_risk_comparison`, as lists of records:
        ``pd.DataFrame(ipd.attrs["diagnostics"])`` is the table.  (Records, not
        DataFrames: pandas compares ``attrs`` when concatenating, and a DataFrame there
        makes ``pd.concat`` and libraries that use it, e.g. lifelines, fail.)

    Warns
    -----
    ReconstructionWarning
        When a group has neither numbers at risk after time 0 nor total events (events
        are then likely over-counted and standard errors too small), when the
        published numbers at risk or total events cannot be matched, or when the curve
        keeps falling after nobody is left at risk (that fall cannot be reconstructed).

    Raises
    ------
    DigitizedCurveError
        When the number of patients is unknown, the risk table's groups do not match the
        curve's, a risk table time lies outside the curve, or ``total_events`` is invalid.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> pts = pd.DataFrame({"group": "A", "time": [0, 2, 2, 5, 5, 8],
    ...                     "survival": [1, 1, 0.9, 0.9, 0.675, 0.675]})
    >>> risk = pd.DataFrame({"group": "A", "time": [0, 4], "n_at_risk": [10, 8]})
    >>> ipd = bs.reconstruct_ipd(pts, risk, total_events=3)
    >>> int(ipd["event"].sum()), len(ipd)
    (3, 10)
    >>> many = bs.reconstruct_ipd(pts, risk, total_events=3, draws=2, random_seed=1)
    >>> len(many), [int(d["event"].sum()) for d in many]
    (2, [3, 3])
    """
    curve = as_curve(curve)
    table = as_risk_table(risk_table)
    if table is not None and len(curve.groups) == 1 and table.groups == ("curve",) \
            and curve.groups != ("curve",):
        table = RiskTable.from_frame(table.table.assign(group=curve.groups[0]))
    _check_groups(curve, table)
    events = _events_by_group(total_events, curve.groups)
    count = _check_draws(draws)
    ipd = _reconstruct(curve, table, events, curve)
    if count is None:
        return ipd
    rng = np.random.default_rng(random_seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReconstructionWarning)
        warnings.simplefilter("ignore", DataWarning)
        return [_reconstruct(_perturbed(curve, rng), table, events, curve, rng)
                for _ in range(count)]


def _reconstruct(curve: DigitizedCurve, table: RiskTable, events: dict,
                 reference: DigitizedCurve, rng=None) -> pd.DataFrame:
    """One reconstruction of every group; diagnostics against the ``reference`` points."""
    frames = []
    ends = _common_ends(curve)
    for g in curve.groups:
        t, s = curve.group_points(g)
        risk_t, risk_n = table.group_table(g)
        risk_t, risk_n = _usable_risk_rows(risk_t, risk_n, t[-1], g)
        if risk_t.size == 1 and events.get(g) is None:
            warn_caller(
                f"reconstruct_ipd, group {g!r}: no numbers at risk after time 0 and no total "
                "events, so censoring cannot be placed; events are likely over-counted and "
                "standard errors too small (give the risk table or the total events)",
                ReconstructionWarning)
        result = reconstruct_group(t, s, risk_t, risk_n, events.get(g), ends[g], rng)
        if result.events_unscaled is not None:
            warn_caller(
                f"reconstruct_ipd, group {g!r}: the curve gives {result.events_unscaled} "
                f"events but {events[g]} were reported; the curve's fall after the last "
                "published number at risk was scaled to match; check both",
                ReconstructionWarning)
        for start, end, got, want in result.mismatches:
            warn_caller(
                f"reconstruct_ipd, group {g!r}: the published number at risk at time {end:g} "
                f"is {want}, but the curve gives {got} (interval from {start:g}); the "
                "curve's fall in that interval was scaled to match the table; check both",
                ReconstructionWarning)
        if result.lost_fall is not None:
            warn_caller(_lost_fall_message(g, result.lost_fall, risk_t, risk_n),
                        ReconstructionWarning)
        times = np.concatenate([result.event_times, result.censor_times]).astype(float)
        flags = np.concatenate([np.ones(len(result.event_times), dtype=np.int64),
                                np.zeros(len(result.censor_times), dtype=np.int64)])
        order = np.lexsort((-flags, times))
        frames.append(pd.DataFrame({"time": times[order], "event": flags[order], "group": g}))
        reported = events.get(g)
        made = int(flags.sum())
        if reported is not None and made != reported:
            warn_caller(
                f"reconstruct_ipd, group {g!r}: reconstructed {made} events but {reported} "
                "were reported; the curve and the reported total disagree",
                ReconstructionWarning)
    ipd = pd.concat(frames, ignore_index=True)
    diagnostics = reconstruction_diagnostics(ipd, reference, table, total_events=events)
    at_risk = at_risk_comparison(ipd, table)
    ipd.attrs["diagnostics"] = diagnostics.to_dict(orient="records")
    ipd.attrs["at_risk"] = at_risk.to_dict(orient="records")
    return ipd


def _check_draws(draws) -> int | None:
    if draws is None:
        return None
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
        raise DigitizedCurveError(f"reconstruct_ipd: draws must be a whole number >= 1 or "
                                  f"None, got {draws!r}")
    return int(draws)


def _perturbed(curve: DigitizedCurve, rng) -> DigitizedCurve:
    """The curve's points moved by its estimated digitizing noise, cleaned again."""
    noise = curve.noise.set_index("group")
    points = curve.points
    sd_t = noise.loc[points["group"], "time_sd"].to_numpy()
    sd_s = noise.loc[points["group"], "survival_sd"].to_numpy()
    points["time"] = np.maximum(points["time"] + rng.normal(0.0, 1.0, len(points)) * sd_t, 0)
    points["survival"] = np.clip(points["survival"]
                                 + rng.normal(0.0, 1.0, len(points)) * sd_s, 0.0, 1.0)
    return DigitizedCurve.from_frame(points, scale="fraction", time_unit=curve.time_unit)


def _lost_fall_message(group: str, lost: LostFall, risk_t, risk_n) -> str:
    zero = risk_t[(risk_n == 0) & (risk_t <= lost.first)]
    if zero.size:
        why = f"the risk table has nobody at risk from time {zero[0]:g}"
        hint = "check the risk table's last numbers and the curve's last points"
    else:
        why = (f"the censoring spread after the last published number at risk (time "
               f"{risk_t[-1]:g}) leaves nobody at risk after time {lost.after:.4g}")
        hint = ("give the total events, or a later number at risk if one was published, and "
                "check the curve's last points")
    return (f"reconstruct_ipd, group {group!r}: {why}, but the digitized curve still falls by "
            f"{lost.level - lost.end:.3g} after that (from {lost.level:.4g} to {lost.end:.4g}, "
            f"first at time {lost.first:g}); with no patient left that fall cannot be "
            f"reconstructed, so the reconstructed curve ends at {lost.reconstructed:.4g} "
            f"instead of {lost.end:.4g}; {hint}")


def _common_ends(curve: DigitizedCurve) -> dict:
    """End of follow-up per group: curves ending within END_TIE of each other share it.

    Two arms of one figure whose curves stop at the same x are digitized a pixel apart;
    censoring the patients left at the end of each arm at its own last point would put one
    arm's censorings just before the other arm's last events.
    """
    ends = {g: curve.end_time(g) for g in curve.groups}
    tol = END_TIE * max(ends.values())
    return {g: max(e for e in ends.values() if abs(e - ends[g]) <= tol) for g in ends}


def _check_groups(curve: DigitizedCurve, table: RiskTable | None) -> None:
    if table is None:
        raise DigitizedCurveError(
            "reconstruct_ipd: the number of patients is needed; give the published risk "
            "table, or at least the number of patients per group, e.g. risk_table="
            + repr({g: 100 for g in curve.groups}).replace("100", "n"))
    missing = [g for g in curve.groups if g not in table.groups]
    extra = [g for g in table.groups if g not in curve.groups]
    if missing or extra:
        raise DigitizedCurveError(
            f"reconstruct_ipd: the risk table's groups {list(table.groups)} do not match the "
            f"curve's groups {list(curve.groups)}"
            + (f"; no numbers at risk for {missing}" if missing else "")
            + (f"; no curve for {extra}" if extra else ""))


def _events_by_group(total_events, groups) -> dict:
    if total_events is None:
        return {}
    if isinstance(total_events, Mapping):
        items = dict(total_events)
        unknown = [g for g in items if g not in groups]
        if unknown:
            raise DigitizedCurveError(f"reconstruct_ipd: total_events names groups {unknown} "
                                      f"that are not in the curve ({list(groups)})")
    elif len(groups) == 1:
        items = {groups[0]: total_events}
    else:
        raise DigitizedCurveError(
            f"reconstruct_ipd: the curve has {len(groups)} groups, so total_events must be a "
            f"dict group -> events, got {total_events!r}")
    out = {}
    for g, v in items.items():
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
            raise DigitizedCurveError(f"reconstruct_ipd: total_events for group {g!r} must be "
                                      f"a whole number >= 0, got {v!r}")
        out[g] = int(v)
    return out


def _usable_risk_rows(risk_t, risk_n, t_end, group):
    """Drop rows past the curve's end with nobody at risk; reject other rows past it."""
    past = risk_t > t_end * (1 + END_SLACK)
    if np.any(past & (risk_n > 0)):
        i = int(np.flatnonzero(past & (risk_n > 0))[0])
        raise DigitizedCurveError(
            f"reconstruct_ipd, group {group!r}: the risk table has {risk_n[i]} at risk at time "
            f"{risk_t[i]:g}, after the curve's last point (time {t_end:g}); the curve must "
            "cover the risk table's times")
    return risk_t[~past], risk_n[~past]


def survival_data_from_digitized(curves, risk_tables=None, total_events=None,
                                 reference=None, time_unit: str | None = None) -> SurvivalData:
    """Reconstruct patient rows from digitized curves and build a SurvivalData.

    See :func:`bayesurv.reconstruct_ipd` for ``curves``, ``risk_tables`` and
    ``total_events``; the result is marked as reconstructed in its summary.

    Parameters
    ----------
    curves : DigitizedCurve or pandas.DataFrame
        At least two groups.
    risk_tables : RiskTable, DataFrame, int or dict, optional
    total_events : int or dict, optional
    reference : str, optional
        Reference group (default: as in ``SurvivalData.from_frame``).
    time_unit : str, optional
        Default: the curve's ``time_unit``, else ``"months"``.

    Returns
    -------
    SurvivalData
        With ``source == "reconstructed from digitized curves"``.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> pts = pd.DataFrame({"group": ["A"] * 4 + ["B"] * 4, "time": [0, 2, 2, 6] * 2,
    ...                     "survival": [1, 1, .5, .5, 1, 1, .75, .75]})
    >>> data = bs.survival_data_from_digitized(pts, risk_tables={"A": 4, "B": 4},
    ...                                        total_events={"A": 2, "B": 1})
    >>> data.n_events
    3
    """
    curve = as_curve(curves)
    ipd = reconstruct_ipd(curve, risk_table=risk_tables, total_events=total_events)
    unit = time_unit or curve.time_unit or "months"
    data = SurvivalData.from_frame(ipd, time="time", event="event", group="group",
                                   reference=reference, time_unit=unit)
    return data.replace(source="reconstructed from digitized curves")
