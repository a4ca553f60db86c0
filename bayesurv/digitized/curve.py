"""Digitized Kaplan-Meier curves and numbers-at-risk tables.

A :class:`DigitizedCurve` holds the points read off a published figure, one or more groups,
survival as a fraction, cleaned at construction (see :mod:`bayesurv.digitized.clean`; the
steps are in :attr:`DigitizedCurve.cleaning_report`).  A :class:`RiskTable` holds the
numbers at risk printed under the figure.
:func:`bayesurv.survival_data_from_digitized` turns both into a
:class:`~bayesurv.SurvivalData` through :func:`bayesurv.reconstruct_ipd`.
CSV readers live in :mod:`bayesurv.digitized.io`.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

import numpy as np
import pandas as pd

from bayesurv.base.checks import repr_argument
from bayesurv.base.columns import group_labels, numeric_column, where_label
from bayesurv.base.exceptions import DigitizedCurveError
from bayesurv.digitized.clean import REPORT_COLUMNS, CleaningSettings, clean_curve
from bayesurv.digitized.risk_table import RiskTable, as_risk_table

__all__ = [
    "DigitizedCurve",
    "RiskTable",
    "as_curve",
    "as_risk_table",
]

SCALES = ("auto", "fraction", "percent")


class DigitizedCurve:
    """Kaplan-Meier points digitized from a figure, for one or more groups.

    Build it with :meth:`from_frame` or :meth:`from_points`, or read it with
    :func:`bayesurv.read_digitizer_csv` / :func:`bayesurv.read_curves_csv`.  The points are
    cleaned at construction (sorted, started at ``(0, 1)``, clipped to [0, 1], isolated
    spikes removed, forced non-increasing); a :class:`~bayesurv.DataWarning` names the
    spikes removed (row, time, height) and another says how many points the last step
    moved and by how much; every step is listed in :attr:`cleaning_report`.  The object is
    immutable.

    Attributes
    ----------
    points : pandas.DataFrame
        The cleaned points: ``group``, ``time``, ``survival`` (fraction).  A copy.
    raw : pandas.DataFrame
        The points as given (survival converted to a fraction), with their row labels.
    cleaning_report : pandas.DataFrame
        One row per group and step: ``group, step, points, max_change, detail``.
    groups : tuple of str
        Group names in order of first appearance.
    scale : str
        ``"fraction"`` or ``"percent"``: how the survival values were given.
    time_unit : str or None
        Unit of the time axis, if known.
    source : str or None
        File the points came from, if any.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> df = pd.DataFrame({"group": ["A"] * 4, "time": [0, 2, 2, 5],
    ...                    "survival": [100, 100, 90, 90]})
    >>> curve = bs.DigitizedCurve.from_frame(df)
    >>> curve.scale, curve.groups
    ('percent', ('A',))
    """

    __slots__ = ("_noise", "_points", "_raw", "_report", "groups", "scale", "source",
                 "time_unit")

    def __init__(self, points: pd.DataFrame, raw: pd.DataFrame, report: pd.DataFrame,
                 scale: str, time_unit: str | None = None, source: str | None = None,
                 noise: pd.DataFrame | None = None):
        object.__setattr__(self, "_noise", noise)
        object.__setattr__(self, "_points", points)
        object.__setattr__(self, "_raw", raw)
        object.__setattr__(self, "_report", report)
        object.__setattr__(self, "groups", tuple(pd.unique(points["group"])))
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "time_unit", time_unit)
        object.__setattr__(self, "source", source)

    def __setattr__(self, name, value):
        raise AttributeError(f"DigitizedCurve is immutable; cannot set {name!r}")

    @classmethod
    def from_frame(cls, df: pd.DataFrame, group: str | None = "group", time: str = "time",
                   survival: str = "survival", scale: str = "auto",
                   time_unit: str | None = None, source: str | None = None,
                   settings: CleaningSettings | None = None) -> DigitizedCurve:
        """Validate and clean a tidy table of digitized points.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per point; it is read, never modified.
        group : str or None
            Column of group (curve) names; ``None`` for a single curve named ``"curve"``.
        time, survival : str
            Columns of the x and y coordinates.
        scale : {"auto", "fraction", "percent"}
            How survival is given; ``"auto"`` takes percentages when the largest value is
            above 1.5.
        time_unit : str, optional
            Unit of the time axis (passed on to the reconstructed data).
        source : str, optional
            Name of the file, used in messages.
        settings : CleaningSettings, optional
            Tolerances of the cleaning steps.

        Returns
        -------
        DigitizedCurve

        Raises
        ------
        DigitizedCurveError
            Missing, repeated or unhashable column names, missing values, non-numbers
            (True/False, dates, durations and complex numbers included), group labels
            that are ambiguous as text, values outside [0, 1] (or [0, 100]), a curve that
            is mostly increasing or cannot be made non-increasing without large moves.

        Warns
        -----
        DataWarning
            When isolated spikes are removed or points are moved to make the curve
            non-increasing.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"time": [0.0, 1.0, 1.0, 3.0], "survival": [1, 1, .8, .8]})
        >>> DigitizedCurve.from_frame(df, group=None).groups
        ('curve',)
        """
        where = where_label("digitized curve", source)
        if not isinstance(df, pd.DataFrame):
            raise DigitizedCurveError(f"{where}: expected a pandas DataFrame, got "
                                      f"{type(df).__name__}")
        if len(df) == 0:
            raise DigitizedCurveError(f"{where}: has no rows")
        if scale not in SCALES:
            raise DigitizedCurveError(f"{where}: scale must be one of {SCALES}, got {scale!r}")
        labels = (np.full(len(df), "curve", dtype=object) if group is None
                  else group_labels(df, group, where))
        t = numeric_column(df, time, where, group, role="time")
        s = numeric_column(df, survival, where, group, role="survival")
        scale = _resolve_scale(s, scale, where)
        if scale == "percent":
            s = s / 100.0
        raw = pd.DataFrame({"group": labels, "time": t, "survival": s}, index=df.index.copy())
        return cls._from_raw(raw, scale, time_unit, source, settings or CleaningSettings())

    @classmethod
    def from_points(cls, time, survival, group: str = "curve", scale: str = "auto",
                    time_unit: str | None = None) -> DigitizedCurve:
        """A single-group curve from arrays of x and y coordinates.

        ``time`` and ``survival`` are one-dimensional sequences of the same length; they
        are checked and cleaned as the columns of :meth:`from_frame` (row labels in
        messages are positions).  Text, nested or ragged sequences and a single number
        raise :class:`~bayesurv.DigitizedCurveError`.

        Examples
        --------
        >>> DigitizedCurve.from_points([0, 4, 4, 9], [1, 1, .5, .5], group="B").groups
        ('B',)
        """
        where = f"digitized curve, group {group!r}"
        t = _coordinates(time, "time", where)
        s = _coordinates(survival, "survival", where)
        if t.size != s.size:
            raise DigitizedCurveError(f"{where}: time has {t.size} values but survival has "
                                      f"{s.size}")
        df = pd.DataFrame({"group": str(group), "time": t, "survival": s})
        return cls.from_frame(df, scale=scale, time_unit=time_unit)

    @classmethod
    def _from_raw(cls, raw, scale, time_unit, source, settings) -> DigitizedCurve:
        where = where_label("digitized curve", source)
        frames, reports, noise = [], [], []
        for name in pd.unique(raw["group"]):
            part = raw[raw["group"] == name]
            t, s, rep, sd = clean_curve(part["time"].to_numpy(), part["survival"].to_numpy(),
                                    part.index.to_numpy(dtype=object), str(name), settings,
                                    where)
            frames.append(pd.DataFrame({"group": str(name), "time": t, "survival": s}))
            reports.extend(rep)
            noise.append({"group": str(name), "time_sd": sd.time_sd,
                          "survival_sd": sd.survival_sd, "assumed": sd.assumed})
        points = pd.concat(frames, ignore_index=True)
        report = pd.DataFrame(reports, columns=REPORT_COLUMNS)
        return cls(points, raw, report, scale, time_unit, source, pd.DataFrame(noise))

    @property
    def points(self) -> pd.DataFrame:
        """Cleaned points (a copy): ``group``, ``time``, ``survival``."""
        return self._points.copy()

    @property
    def noise(self) -> pd.DataFrame:
        """Estimated digitizing noise per group (a copy): ``group, time_sd, survival_sd,
        assumed``.

        Standard deviations in data units, from the pairs of points that should coincide
        (see :class:`bayesurv.digitized.clean.Noise`); 0 for exact corners.  ``assumed`` is
        True for a curve clicked at too few points to measure its noise: 2 pixels of a
        1000 x 600 plot are then taken.
        """
        return self._noise.copy()

    @property
    def raw(self) -> pd.DataFrame:
        """The points as given, survival as a fraction (a copy)."""
        return self._raw.copy()

    @property
    def cleaning_report(self) -> pd.DataFrame:
        """What each cleaning step did, per group (a copy)."""
        return self._report.copy()

    def group_points(self, group: str) -> tuple[np.ndarray, np.ndarray]:
        """Cleaned ``(time, survival)`` arrays of one group."""
        if group not in self.groups:
            raise DigitizedCurveError(f"digitized curve: no group {group!r}; groups are "
                                      f"{list(self.groups)}")
        part = self._points[self._points["group"] == group]
        return part["time"].to_numpy(copy=True), part["survival"].to_numpy(copy=True)

    def end_time(self, group: str) -> float:
        """Time of the last point of a group."""
        return float(self.group_points(group)[0][-1])

    def __repr__(self) -> str:
        sizes = self._points.groupby("group", sort=False).size()
        parts = ", ".join(f"{g}: {sizes[g]} points to t={self.end_time(g):.4g}"
                          for g in self.groups)
        return f"DigitizedCurve({parts})"


def _coordinates(values, name: str, where: str) -> np.ndarray:
    """A 1-d array of one coordinate as given (checked as a column by ``from_frame``)."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):  # ragged nested lists
        array = None
    if isinstance(values, str | bytes | Mapping | Set) or (array is not None
                                                            and array.ndim == 0):
        raise DigitizedCurveError(f"{where}: {name} must be a sequence of numbers, got "
                                  f"{repr_argument(values)}")
    if array is None or array.ndim != 1:
        shape = "" if array is None else f" (shape {array.shape})"
        raise DigitizedCurveError(f"{where}: {name} must be a one-dimensional sequence of "
                                  f"numbers{shape}, got {repr_argument(values)}")
    return array


def _resolve_scale(s: np.ndarray, scale: str, where: str) -> str:
    top = float(np.max(s))
    if scale == "auto":
        return "percent" if top > 1.5 else "fraction"
    if scale == "fraction" and top > 1.5:
        raise DigitizedCurveError(f"{where}: scale='fraction' but survival goes up to {top:.4g}; "
                                  "these look like percentages (use scale='percent' or 'auto')")
    if scale == "percent" and top <= 1.5:
        raise DigitizedCurveError(f"{where}: scale='percent' but the largest survival value is "
                                  f"{top:.4g}; these look like fractions (use scale='fraction')")
    return scale


def as_curve(curves) -> DigitizedCurve:
    """A :class:`DigitizedCurve` from itself or a tidy DataFrame (group, time, survival)."""
    if isinstance(curves, DigitizedCurve):
        return curves
    if isinstance(curves, pd.DataFrame):
        return DigitizedCurve.from_frame(curves)
    raise DigitizedCurveError("expected a DigitizedCurve or a DataFrame with columns group, "
                              f"time, survival; got {type(curves).__name__}")
