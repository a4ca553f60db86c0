"""The numbers behind every figure, computed apart from drawing so they can be tested.

Each ``*_data`` function returns a DataFrame or a dict of DataFrames that the matching
``plot_*`` function in :mod:`bayesurv.plotting.figures` draws without further computation.  Hazard
ratios are treated vs reference (HR < 1 = benefit) throughout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesurv.base import formatting as markdown
from bayesurv.base.checks import check_mass, check_times
from bayesurv.base.exceptions import BayesurvInputError, DataError
from bayesurv.base.vocabulary import window_label
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.fit import Fit
from bayesurv.plotting import risk_table

__all__ = [
    "changepoint_data",
    "forest_data",
    "format_hr",
    "format_probability",
    "hazard_ratio_curve_data",
    "prior_posterior_data",
    "survival_data",
]

DEFAULT_POINTS = 200
ESTIMATORS = ("Bayesian", "Landmark Cox", "Published")
_FOREST_COLUMNS = {
    "Bayesian": ("bayes_hr", "bayes_lower", "bayes_upper", "p_benefit"),
    "Landmark Cox": ("freq_hr", "freq_lower", "freq_upper", "freq_p"),
    "Published": ("published_hr", "published_lower", "published_upper", "published_p"),
}
_COMPARE_REQUIRED = ["window", "start", "end", "group", *_FOREST_COLUMNS["Bayesian"],
                     *_FOREST_COLUMNS["Landmark Cox"]]


# ---------------------------------------------------------------------------- checks
def check_fit(fit, what: str) -> Fit:
    """Require a bayesurv Fit.

    Examples
    --------
    >>> check_fit(fit, "my_plot") is fit
    True
    >>> check_fit("a fit", "my_plot")
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: my_plot: fit must be a bayesurv Fit, got str
    """
    if not isinstance(fit, Fit):
        raise BayesurvInputError(f"{what}: fit must be a bayesurv Fit, got "
                                 f"{type(fit).__name__}")
    return fit


def check_data_of_fit(fit: Fit, data, what: str) -> SurvivalData:
    """Require the SurvivalData the fit was made on (same size, events and groups).

    Examples
    --------
    >>> check_data_of_fit(fit, data, "my_plot") is data
    True
    >>> check_data_of_fit(fit, data.subset(data.group == "UC-MSC"), "my_plot")
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.DataError: my_plot: the data (...) are not the data of the fit (...)
    """
    if not isinstance(data, SurvivalData):
        raise BayesurvInputError(f"{what}: data must be a bayesurv SurvivalData, got "
                                 f"{type(data).__name__}")
    summary = fit.data_summary
    if (data.n, data.n_events, list(data.groups)) != (summary["n"], summary["events"],
                                                      list(summary["groups"])):
        raise DataError(f"{what}: the data ({data.n} patients, {data.n_events} events, groups "
                        f"{list(data.groups)}) are not the data of the fit ({summary['n']} "
                        f"patients, {summary['events']} events, groups {summary['groups']})")
    return data


def time_grid(fit: Fit, times, what: str) -> np.ndarray:
    """``times`` checked, or 200 points from 0 to the longest follow-up.

    Examples
    --------
    >>> grid = time_grid(fit, None, "my_plot")
    >>> grid.size, float(grid[0]), float(grid[-1])
    (200, 0.0, 84.99)
    >>> time_grid(fit, [0, 12, 24], "my_plot")
    array([ 0., 12., 24.])
    """
    if times is None:
        return np.linspace(0.0, fit.max_time, DEFAULT_POINTS)
    return check_times(times, "times", what, allow_empty=False)


# ---------------------------------------------------------------------------- labels
def format_hr(hr: float, lower: float, upper: float) -> str:
    """``"0.33 (0.13-0.70)"``; ``"not reported"`` when the HR is missing.

    Examples
    --------
    >>> format_hr(0.3214, 0.127, 0.714), format_hr(float("nan"), 0.1, 1.0)
    ('0.32 (0.13-0.71)', 'not reported')
    """
    return markdown.format_hr(hr, lower, upper, missing="not reported")


def format_probability(p: float) -> str:
    """``"= 0.420"`` (three decimals), ``"< 0.001"`` or ``"> 0.999"``; ``""`` if missing.

    Examples
    --------
    >>> format_probability(0.42), format_probability(0.9995), format_probability(float("nan"))
    ('= 0.420', '> 0.999', '')
    """
    text = markdown.format_probability(p)
    return text if not text or text[0] in "<>" else f"= {text}"


def window_text(start: float, end: float, time_unit: str | None) -> str:
    """``"0-13 months"`` or ``"13+ months"``.

    Examples
    --------
    >>> window_text(0, 13, "months"), window_text(13, float("inf"), "months")
    ('0-13 months', '13+ months')
    """
    unit = f" {time_unit}" if time_unit else ""
    return window_label(start, end) + unit


def treated_and_reference(fit: Fit) -> tuple[list[str], str]:
    """Treated group names and the reference group name of a fit.

    Examples
    --------
    >>> treated_and_reference(fit)
    (['UC-MSC'], 'control')
    """
    arms = [str(a) for a in fit.idata.constant_data["arm"].to_numpy()]
    return arms[1:], arms[0]


# ---------------------------------------------------------------------------- forest
def forest_data(compare_table: pd.DataFrame, time_unit: str | None = None) -> dict:
    """Rows of a forest plot from a :func:`bayesurv.compare` table.

    Parameters
    ----------
    compare_table : pandas.DataFrame
        The output of :func:`bayesurv.compare` (one row per window and treated group).
    time_unit : str, optional
        Unit written in the window labels ("0-13 months").

    Returns
    -------
    dict of pandas.DataFrame
        ``"rows"``: one row per window and estimator (``Bayesian``, ``Landmark Cox`` and, when
        the table has published columns, ``Published``) with ``window, group, estimator, hr,
        lower, upper, p, hr_text`` ("0.33 (0.13-0.70)"), ``p_text`` ("P(HR<1) > 0.999" or
        "p = 0.007") and ``y`` (row position, top row 0).  ``"windows"``: one row per window
        with its heading ``label`` (with P(tau in window) when the table has it) and ``y``.

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> fit = bs.PiecewiseExponential(cuts=[13]).fit(data, draws=200, tune=200, chains=2,
    ...                                              random_seed=1, progressbar=False)
    >>> rows = forest_data(bs.compare(fit, data), "months")["rows"]
    >>> rows["estimator"].tolist()
    ['Bayesian', 'Landmark Cox', 'Bayesian', 'Landmark Cox']
    """
    if not isinstance(compare_table, pd.DataFrame):
        raise DataError(f"forest_data: compare_table must be the DataFrame made by "
                        f"bayesurv.compare, got {type(compare_table).__name__}")
    missing = [c for c in _COMPARE_REQUIRED if c not in compare_table.columns]
    if missing:
        raise DataError(f"forest_data: compare_table lacks column(s) {missing}; pass the "
                        "table made by bayesurv.compare")
    if compare_table.empty:
        raise DataError("forest_data: compare_table has no rows")
    estimators = [e for e in ESTIMATORS if _FOREST_COLUMNS[e][0] in compare_table.columns]
    several_groups = compare_table["group"].nunique() > 1
    rows, windows = [], []
    y = 0.0
    for entry in compare_table.itertuples(index=False):
        label = window_text(entry.start, entry.end, time_unit)
        if several_groups:
            label = f"{entry.group}, {label}"
        if "p_tau_in_window" in compare_table.columns:
            label += f"  (P(τ in window) = {entry.p_tau_in_window:.2f})"
        windows.append({"window": entry.window, "group": entry.group, "label": label, "y": y})
        for estimator in estimators:
            y += 1.0
            hr, lower, upper, p = (float(getattr(entry, c)) for c in _FOREST_COLUMNS[estimator])
            name = "P(HR<1)" if estimator == "Bayesian" else "p"
            rows.append({"window": entry.window, "group": entry.group, "estimator": estimator,
                         "hr": hr, "lower": lower, "upper": upper, "p": p,
                         "hr_text": format_hr(hr, lower, upper),
                         "p_text": (f"{name} {format_probability(p)}" if np.isfinite(p)
                                    else ""),
                         "y": y})
        y += 1.5
    return {"rows": pd.DataFrame(rows), "windows": pd.DataFrame(windows)}


# ---------------------------------------------------------------------------- HR(t)
def hazard_ratio_curve_data(fit: Fit, times=None, landmarks=None, mass: float = 0.95) -> dict:
    """Posterior HR(t) over a time grid, the period steps of a fixed-cut fit, the landmarks.

    Parameters
    ----------
    fit : Fit
        A fitted model.
    times : sequence of float, optional
        Time grid; default 200 points from 0 to the longest follow-up (``fit.max_time``).
    landmarks : float or sequence of float, optional
        Landmark times to mark on the plot.
    mass : float
        Mass of the credible band.

    Returns
    -------
    dict of pandas.DataFrame
        ``"curve"``: :meth:`Fit.hazard_ratio_curve` at ``times`` (tau averaged out for a
        change-point fit).  ``"steps"``: for a fixed-cut fit, :meth:`Fit.hazard_ratios` with
        the last period's open end replaced by the grid's end (empty for a change-point fit).
        ``"landmarks"``: column ``time``.

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> fit = bs.PiecewiseExponential(cuts=[13]).fit(data, draws=200, tune=200, chains=2,
    ...                                              random_seed=1, progressbar=False)
    >>> out = hazard_ratio_curve_data(fit, landmarks=13)
    >>> len(out["curve"]), out["steps"]["end"].tolist()
    (200, [13.0, 84.99])
    """
    check_fit(fit, "hazard_ratio_curve_data")
    times = time_grid(fit, times, "hazard_ratio_curve_data")
    mass = check_mass(mass, "hazard_ratio_curve_data")
    marks = ([] if landmarks is None
             else check_times(landmarks, "landmarks", "hazard_ratio_curve_data"))
    curve = fit.hazard_ratio_curve(times, mass)
    if not fit.has_changepoint:
        steps = fit.hazard_ratios(mass)
        steps["end"] = np.where(np.isfinite(steps["end"]), steps["end"],
                                max(float(times[-1]), float(steps["start"].max())))
    else:
        steps = pd.DataFrame(columns=["period", "start", "end", "median", "mean", "lower",
                                      "upper", "p_benefit", "group"])
    return {"curve": curve, "steps": steps,
            "landmarks": pd.DataFrame({"time": np.asarray(marks, dtype=float)})}


# ---------------------------------------------------------------------------- tau
def changepoint_data(fit: Fit, mass: float = 0.95) -> dict:
    """Posterior and prior probability of each candidate change-point, and its summary.

    Returns
    -------
    dict of pandas.DataFrame
        ``"bars"``: :meth:`Fit.changepoint` (``tau, probability, prior, cumulative``) plus
        ``in_interval`` (tau inside the equal-tailed ``mass`` interval).  ``"summary"``: one row of
        :meth:`Fit.changepoint_summary` (``mode, median, mean, lower, upper, mass``).

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> fit = bs.ChangePoint(near=13).fit(data, draws=200, tune=200, chains=2,
    ...                                   random_seed=1, progressbar=False)
    >>> bars = changepoint_data(fit)["bars"]
    >>> round(float(bars["probability"].sum()), 6)
    1.0
    """
    check_fit(fit, "changepoint_data")
    if not fit.has_changepoint:
        raise BayesurvInputError(f"changepoint_data: needs a ChangePoint fit; this fit is a "
                                 f"{fit.model.label} model ({fit.kind!r})")
    mass = check_mass(mass, "changepoint_data")
    bars = fit.changepoint()
    summary = fit.changepoint_summary(mass)
    bars["in_interval"] = (bars["tau"] >= summary["lower"]) & (bars["tau"] <= summary["upper"])
    return {"bars": bars, "summary": summary.to_frame().T.reset_index(drop=True)}


# ---------------------------------------------------------------------------- survival
def survival_data(fit: Fit, data: SurvivalData, times=None, mass: float = 0.95) -> dict:
    """Posterior survival per arm over a time grid, and the Kaplan-Meier steps of the data.

    Returns
    -------
    dict of pandas.DataFrame
        ``"posterior"``: :meth:`Fit.survival` at ``times`` (default: 200 points from 0 to the
        longest follow-up).  ``"kaplan_meier"``, ``"censored"``, ``"at_risk"``:
        :func:`~bayesurv.plotting.risk_table.kaplan_meier_data` of ``data``, the numbers at
        risk at the time axis ticks (:func:`~bayesurv.plotting.risk_table.time_ticks` to the
        end of ``times`` or of follow-up, whichever is later).

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> fit = bs.PiecewiseExponential(cuts=[13]).fit(data, draws=200, tune=200, chains=2,
    ...                                              random_seed=1, progressbar=False)
    >>> sorted(survival_data(fit, data)["posterior"]["group"].unique())
    ['UC-MSC', 'control']
    """
    check_fit(fit, "survival_data")
    check_data_of_fit(fit, data, "survival_data")
    times = time_grid(fit, times, "survival_data")
    mass = check_mass(mass, "survival_data")
    ticks = risk_table.time_ticks(max(float(np.max(times)), float(data.time.max())))
    return {"posterior": fit.survival(times, mass)} | risk_table.kaplan_meier_data(data, ticks)


# ---------------------------------------------------------------------------- priors
def prior_posterior_data(fit: Fit, bins: int = 20, points: int = 300) -> dict:
    """Posterior histogram and prior density of each period's log HR.

    Parameters
    ----------
    fit : Fit
        A fitted model.
    bins : int
        Histogram bins per panel (over the range of that panel's draws).
    points : int
        Points at which the prior density is evaluated; they span the posterior draws of all
        panels and the prior's central 99%, but reach at most one posterior range beyond
        the draws (so a vague prior does not flatten the picture).

    Returns
    -------
    dict of pandas.DataFrame
        ``"histogram"``: ``group, period, left, right, count, density`` (density integrates
        to 1 per panel).  ``"prior"``: ``group, period, log_hr, density``
        (``exp(fit.priors.log_hr.logpdf(log_hr))``).  ``"summary"``: :meth:`Fit.hazard_ratios`.

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> fit = bs.PiecewiseExponential(cuts=[13]).fit(data, draws=200, tune=200, chains=2,
    ...                                              random_seed=1, progressbar=False)
    >>> out = prior_posterior_data(fit)
    >>> int(out["histogram"].groupby("period")["count"].sum().iloc[0])
    400
    """
    check_fit(fit, "prior_posterior_data")
    for value, name in ((bins, "bins"), (points, "points")):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 2:
            raise BayesurvInputError(f"prior_posterior_data: {name} must be an integer >= 2, "
                                     f"got {value!r}")
    log_hr = fit.idata.posterior["log_hr"]
    periods = [str(p) for p in log_hr["period"].to_numpy()]
    groups = [str(g) for g in log_hr["group"].to_numpy()]
    values = log_hr.to_numpy().reshape(-1, len(groups), len(periods))
    prior = fit.priors.log_hr
    low, high = float(values.min()), float(values.max())
    span = max(high - low, 1e-9)
    prior_low, prior_high = prior.interval(0.99)
    grid = np.linspace(max(min(low, prior_low), low - span),
                       min(max(high, prior_high), high + span), points)
    histogram, density = [], []
    for g, group in enumerate(groups):
        for k, period in enumerate(periods):
            counts, edges = np.histogram(values[:, g, k], bins=bins)
            histogram.append(pd.DataFrame({
                "group": group, "period": period, "left": edges[:-1], "right": edges[1:],
                "count": counts, "density": counts / (counts.sum() * np.diff(edges))}))
            density.append(pd.DataFrame({"group": group, "period": period, "log_hr": grid,
                                         "density": np.exp(prior.logpdf(grid))}))
    return {"histogram": pd.concat(histogram, ignore_index=True),
            "prior": pd.concat(density, ignore_index=True),
            "summary": fit.hazard_ratios()}
