"""Bayesian vs frequentist landmark vs published hazard ratios, in one orientation.

:func:`compare` puts, per time window, the posterior HR of a fit next to the landmark Cox HR
of the same data and, when given, the HR a paper published; :func:`compare_priors` repeats
the Bayesian summaries under several prior sets (the prior-sensitivity table).  Every HR is
treated vs reference (HR < 1 = benefit); a published table in the other orientation is
inverted (1/HR, bounds swapped).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayesurv import frequentist
from bayesurv.base.checks import check_times
from bayesurv.base.exceptions import BayesurvInputError, DataError
from bayesurv.base.vocabulary import landmark_windows
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.fit import Fit
from bayesurv.inference.intervals import both_intervals, interval_label

__all__ = ["compare", "compare_priors", "fit_covariates", "invert_published", "landmark_windows"]

TREATED_VS_REFERENCE = "treated_vs_reference"
REFERENCE_VS_TREATED = "reference_vs_treated"


def invert_published(table: pd.DataFrame) -> pd.DataFrame:
    """A published table in the other orientation: 1/HR with the bounds swapped.

    Examples
    --------
    >>> import bayesurv as bs
    >>> table = bs.datasets.shi2021_published().query("endpoint == 'death'")
    >>> flipped = invert_published(table)  # control vs UC-MSC -> UC-MSC vs control
    >>> print(flipped[["start", "end", "hr", "lower", "upper"]].round(3).to_string(index=False))
     start  end    hr  lower  upper
       0.0 75.0 0.529  0.279  0.990
       0.0 13.0 1.031  0.431  2.500
      13.0 75.0 0.272  0.102  0.725
    """
    out = table.copy()
    out["hr"], out["lower"], out["upper"] = 1 / table["hr"], 1 / table["upper"], 1 / table["lower"]
    return out


def _default_landmarks(fit: Fit) -> list[float]:
    """The model's own landmarks (its cuts, or ``near``), else the posterior mode of tau."""
    landmarks = fit.model.default_landmarks()
    return [float(fit.changepoint_summary()["mode"])] if landmarks is None else landmarks


def _orient_published(published: pd.DataFrame, orientation, data: SurvivalData) -> pd.DataFrame:
    """The published table treated vs reference: rows given the other way round inverted.

    Without ``orientation``, each row's ``orientation`` label ("control vs UC-MSC") says which
    group comes first; with several treated groups the labels may differ between rows.
    """
    if orientation is None and "orientation" in published.columns:
        flip = []
        for label in published["orientation"].astype(str):
            first = label.split(" vs ")[0].strip()
            if first == data.reference:
                flip.append(True)
            elif first in data.treated:
                flip.append(False)
            else:
                raise DataError(f"published table: orientation {label!r} names neither the "
                                f"reference {data.reference!r} nor a treated group "
                                f"{list(data.treated)} first; pass published_orientation=")
        inverted, out = invert_published(published), published.copy()
        for column in ("hr", "lower", "upper"):
            out[column] = np.where(flip, inverted[column], published[column])
        return out
    if orientation not in (TREATED_VS_REFERENCE, REFERENCE_VS_TREATED):
        raise BayesurvInputError(
            f"compare: published_orientation must be {TREATED_VS_REFERENCE!r} or "
            f"{REFERENCE_VS_TREATED!r} (say how the published HRs are oriented), got "
            f"{orientation!r}")
    return invert_published(published) if orientation == REFERENCE_VS_TREATED else published


def _check_published(published, data: SurvivalData) -> pd.DataFrame:
    if not isinstance(published, pd.DataFrame):
        raise DataError(f"published must be a DataFrame, got {type(published).__name__}")
    missing = [c for c in ("start", "end", "hr", "lower", "upper") if c not in published.columns]
    if missing:
        raise DataError(f"published table: missing column(s) {missing}; it needs start, end, "
                        "hr, lower, upper (and optionally p)")
    hr, lower, upper = published["hr"], published["lower"], published["upper"]
    bad = published[(hr <= 0) | (lower <= 0) | (lower > hr) | (hr > upper)]
    if len(bad):
        raise DataError(f"published table: rows {bad.index.tolist()[:5]} do not satisfy "
                        "0 < lower <= hr <= upper")
    if "group" in published.columns:
        unknown = sorted(set(published["group"].astype(str)) - set(data.treated))
        if unknown:
            raise DataError(f"published table: group(s) {unknown} are not treated groups of "
                            f"the data {list(data.treated)}")
    elif len(data.treated) > 1:
        # without it every treated arm would be shown the same published HR
        raise DataError(f"published table: the data have {len(data.treated)} treated groups "
                        f"{list(data.treated)}; add a group column naming the treated group "
                        "of each row")
    return published


def _match_published(published: pd.DataFrame, start: float, end: float,
                     group: str) -> pd.Series | None:
    """The published row of a window (and treated group, when the table names groups): same
    start and end; for an open-ended window, the longest published window with that start
    (papers give a last follow-up time)."""
    rows = published[np.isclose(published["start"], start)]
    if "group" in rows.columns:
        rows = rows[rows["group"].astype(str) == group]
    if np.isfinite(end):
        rows = rows[np.isclose(rows["end"], end)]
    else:
        rows = rows[rows["end"] == rows["end"].max()]
    if len(rows) > 1:
        raise DataError(f"published table: {len(rows)} rows for the window starting at "
                        f"{start:g}; keep one row per window (filter by endpoint first)")
    return None if rows.empty else rows.iloc[0]


def compare(fit: Fit, data: SurvivalData, published: pd.DataFrame | None = None,
            landmarks: Sequence[float] | None = None, published_orientation: str | None = None,
            mass: float = 0.95) -> pd.DataFrame:
    """One table: Bayesian vs frequentist landmark vs published HR per window.

    Parameters
    ----------
    fit : Fit
        A fit of ``data``.
    data : SurvivalData
        The data the fit was made on (the landmark Cox models are fitted to it).
    published : pandas.DataFrame, optional
        Published HRs with columns ``start, end, hr, lower, upper`` (and ``p``), one row per
        window, e.g. ``bs.datasets.shi2021_published().query("endpoint == 'death'")``; with
        several treated groups also ``group`` (the treated group of each row).
    landmarks : sequence of float, optional
        Landmarks splitting the follow-up into windows.  Default: the cuts of a fixed-cut fit;
        ``near`` (else the posterior mode of tau) for a change-point fit.
    published_orientation : {"treated_vs_reference", "reference_vs_treated"}, optional
        How the published HRs are oriented; read from each row's ``orientation`` label
        ("control vs UC-MSC") when not given.  Published HRs are inverted to treated vs
        reference.
    mass : float
        Mass of the Bayesian intervals.

    Returns
    -------
    pandas.DataFrame
        One row per (window, treated group): ``window, start, end, group``; the Bayesian
        ``bayes_hr`` (posterior median), ``bayes_lower``, ``bayes_upper``, ``p_benefit``
        (P(HR < 1)); for a change-point fit ``p_tau_in_window`` (P(start < tau <= end)); the
        landmark Cox ``freq_hr, freq_lower, freq_upper, freq_p, freq_events`` and
        ``freq_adjusted_for`` (the covariates of the fit, which the Cox models are adjusted
        for; empty without covariates); and with a published table ``published_hr,
        published_lower, published_upper, published_p``.

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> fit = bs.PiecewiseExponential(cuts=[13]).fit(data, draws=200, tune=200, chains=2,
    ...                                              random_seed=1, progressbar=False)
    >>> published = bs.datasets.shi2021_published().query("endpoint == 'death'")
    >>> table = bs.compare(fit, data, published)
    >>> table["window"].tolist()
    ['0-13', '13+']
    """
    if not isinstance(fit, Fit):
        raise BayesurvInputError(f"compare: fit must be a bayesurv Fit, got {type(fit).__name__}")
    if data.n != fit.data_summary["n"] or data.n_events != fit.data_summary["events"]:
        raise DataError(f"compare: the data ({data.n} patients, {data.n_events} events) are not "
                        f"the data of the fit ({fit.data_summary['n']} patients, "
                        f"{fit.data_summary['events']} events)")
    landmarks = _default_landmarks(fit) if landmarks is None else landmarks
    landmarks = check_times(landmarks, "landmarks", "compare", BayesurvInputError)
    windows = landmark_windows(landmarks)
    bayes = fit.window_hazard_ratios(windows, mass)
    # a covariate-adjusted posterior is compared with Cox models adjusted for the same
    adjusted = fit_covariates(fit, data)
    freq = (frequentist.landmark(data, at=list(landmarks), covariates=adjusted)
            if len(landmarks) else
            frequentist.cox(data, covariates=adjusted).assign(start=0.0, end=np.inf))
    if published is not None:
        published = _orient_published(_check_published(published, data),
                                      published_orientation, data)
    rows = []
    for b in bayes.itertuples(index=False):
        row = {"window": b.window, "start": b.start, "end": b.end, "group": b.group,
               "bayes_hr": b.median, "bayes_lower": b.lower, "bayes_upper": b.upper,
               "p_benefit": b.p_benefit}
        if fit.has_changepoint:
            row["p_tau_in_window"] = fit.changepoint_probability(b.start, b.end)
        f = freq[np.isclose(freq["start"], b.start) & (freq["term"] == b.group)].iloc[0]
        row.update(freq_hr=f["hr"], freq_lower=f["lower"], freq_upper=f["upper"],
                   freq_p=f["p"], freq_events=int(f["events"]),
                   freq_adjusted_for=", ".join(adjusted or ()))
        if published is not None:
            match = _match_published(published, b.start, b.end, b.group)
            row.update(published_hr=np.nan, published_lower=np.nan, published_upper=np.nan,
                       published_p=np.nan)
            if match is not None:
                row.update(published_hr=match["hr"], published_lower=match["lower"],
                           published_upper=match["upper"],
                           published_p=match["p"] if "p" in match else np.nan)
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["interval"] = both_intervals(mass)
    return out


def fit_covariates(fit: Fit, data: SurvivalData) -> list[str] | None:
    """The covariates of a fit (None without), which ``data`` must hold.

    Examples
    --------
    >>> fit_covariates(pw_fit, data) is None
    True
    """
    names = list(fit.data_summary.get("covariates") or [])
    missing = [name for name in names if name not in data.covariate_names]
    if missing:
        raise DataError(f"compare: the fit is adjusted for {', '.join(names)} but the data "
                        f"have no covariate {', '.join(map(repr, missing))}; pass the data "
                        "the fit was made on")
    return names or None


def compare_priors(model, data: SurvivalData,
                   priors: Sequence = ("default", "skeptical", "enthusiastic"),
                   fits: dict | None = None, **fit_kwargs) -> pd.DataFrame:
    """HR summaries of the same model under several prior sets (prior sensitivity).

    Parameters
    ----------
    model : PiecewiseExponential or ChangePoint
        The model; its prior set is replaced by each of ``priors`` in turn.
    data : SurvivalData
        The data.
    priors : sequence
        Prior set names (or PriorSet objects / override dicts).
    fits : dict, optional
        Fits already made, keyed by prior set name, reused instead of refitting.
    **fit_kwargs
        Passed to ``model.fit`` (draws, tune, chains, random_seed, progressbar...).

    Returns
    -------
    pandas.DataFrame
        ``prior, log_hr_prior, period, group, median, lower, upper, p_benefit``, plus the
        change-point posterior mode and 95% interval for a change-point model; all intervals
        are equal-tailed (``attrs["interval"]``).

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> table = bs.compare_priors(bs.PiecewiseExponential(cuts=[13]), data,
    ...                           ["default", "skeptical"], draws=200, tune=200, chains=2,
    ...                           random_seed=1, progressbar=False)
    >>> table[["prior", "period"]].to_numpy().tolist()
    [['default', '0-13'], ['default', '13+'], ['skeptical', '0-13'], ['skeptical', '13+']]
    """
    fits = dict(fits or {})
    frames = []
    for choice in priors:
        candidate = model.with_priors(choice)
        name = candidate.priors.name
        fit = fits.get(name) or candidate.fit(data, **fit_kwargs)
        table = fit.hazard_ratios()
        table.insert(0, "log_hr_prior", candidate.priors.log_hr.describe())
        table.insert(0, "prior", name)
        if fit.has_changepoint:
            summary = fit.changepoint_summary()
            table["tau_mode"] = summary["mode"]
            table["tau_lower"], table["tau_upper"] = summary["lower"], summary["upper"]
        frames.append(table)
    columns = ["prior", "log_hr_prior", "period", "group", "median", "lower", "upper",
               "p_benefit"]
    out = pd.concat(frames, ignore_index=True)
    extra = [c for c in ("tau_mode", "tau_lower", "tau_upper") if c in out.columns]
    out = out[columns + extra]
    out.attrs["interval"] = interval_label(0.95)
    return out
