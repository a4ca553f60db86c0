"""Posterior summaries as functions of a bayesurv InferenceData.

Hazard ratios by period, the change-point posterior, HR(t), survival curves and pointwise
log-likelihoods.  :class:`bayesurv.Fit` methods call these; they never call the Fit.
Survival and hazards are for a patient with average covariates (covariates are centred).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesurv.base.vocabulary import window_label
from bayesurv.data.exposure import piece_index, piece_of_edges
from bayesurv.model import likelihood as lik

__all__ = [
    "changepoint_probability",
    "changepoint_summary",
    "changepoint_table",
    "hazard_ratio_curve",
    "hazard_ratio_table",
    "kind_of",
    "pointwise_log_likelihood",
    "survival_table",
    "window_hazard_ratios",
]

def kind_of(idata) -> str:
    """``"piecewise"`` or ``"changepoint"``.

    Examples
    --------
    >>> kind_of(fit.idata), kind_of(pw_fit.idata)
    ('changepoint', 'piecewise')
    """
    return "changepoint" if "tau_grid" in idata.constant_data else "piecewise"


def draws(idata, name: str) -> np.ndarray:
    """Posterior draws of ``name`` with chains and draws flattened into the first axis.

    Examples
    --------
    >>> draws(fit.idata, "log_hr").shape  # 2 chains x 200 draws, treated groups, periods
    (400, 1, 2)
    """
    values = idata.posterior[name].to_numpy()
    return values.reshape((-1, *values.shape[2:]))


def _const(idata, name: str) -> np.ndarray:
    return idata.constant_data[name].to_numpy()


def summarize_hr(log_hr: np.ndarray, mass: float = 0.95) -> dict:
    """Median, mean, equal-tailed interval and P(HR < 1) of HR draws given on the log scale.

    Examples
    --------
    >>> out = summarize_hr(np.log([0.5, 1.0, 2.0]))
    >>> {name: round(value, 3) for name, value in out.items()}
    {'median': 1.0, 'mean': 1.167, 'lower': 0.525, 'upper': 1.95, 'p_benefit': 0.333}
    """
    tail = (1.0 - mass) / 2.0
    hr = np.exp(log_hr)
    return {
        "median": float(np.median(hr)),
        "mean": float(hr.mean()),
        "lower": float(np.quantile(hr, tail)),
        "upper": float(np.quantile(hr, 1.0 - tail)),
        "p_benefit": float((log_hr < 0).mean()),
    }


def treated_groups(idata) -> list[str]:
    """Names of the non-reference groups.

    Examples
    --------
    >>> treated_groups(fit.idata)
    ['UC-MSC']
    """
    return [str(g) for g in idata.posterior["group"].to_numpy()]


def hazard_ratio_table(idata, mass: float = 0.95) -> pd.DataFrame:
    """One row per (period, treated group): HR summaries, treated vs reference.

    Examples
    --------
    >>> table = hazard_ratio_table(pw_fit.idata)
    >>> table["period"].tolist(), table.equals(pw_fit.hazard_ratios())
    (['0-13', '13+'], True)
    """
    log_hr = draws(idata, "log_hr")  # (S, groups, periods)
    periods = [str(p) for p in idata.posterior["period"].to_numpy()]
    if kind_of(idata) == "changepoint":
        starts, ends = [0.0, np.nan], [np.nan, np.inf]
    else:
        edges = _const(idata, "period_edges")
        starts, ends = edges.tolist(), [*edges[1:].tolist(), np.inf]
    rows = []
    for g, group in enumerate(treated_groups(idata)):
        for k, period in enumerate(periods):
            rows.append({"period": period, "start": starts[k], "end": ends[k],
                         **summarize_hr(log_hr[:, g, k], mass), "group": group})
    return pd.DataFrame(rows)


def fine_log_hazards(idata) -> tuple[np.ndarray, np.ndarray]:
    """Log hazards on the fine grid, (draws, pieces, groups), before and after any change.

    For a fixed-cut model both are the same array.

    Examples
    --------
    >>> before, after = fine_log_hazards(fit.idata)
    >>> before.shape  # draws, fine pieces, groups
    (400, 57, 2)
    >>> bool(np.array_equal(before[:, :, 0], after[:, :, 0]))  # the reference group never changes
    True
    """
    log_baseline = draws(idata, "log_baseline")
    fine = _const(idata, "fine_edges")
    base_map = piece_of_edges(_const(idata, "baseline_edges"), fine)
    lh0 = log_baseline[:, base_map][:, :, None]
    log_hr = draws(idata, "log_hr")
    zeros = np.zeros((log_hr.shape[0], 1))
    if kind_of(idata) == "changepoint":
        before = lh0 + np.concatenate([zeros, log_hr[:, :, 0]], axis=1)[:, None, :]
        after = lh0 + np.concatenate([zeros, log_hr[:, :, 1]], axis=1)[:, None, :]
        return before, after
    period_map = piece_of_edges(_const(idata, "period_edges"), fine)
    effect = np.concatenate([np.zeros((*log_hr.shape[:1], 1, fine.size)),
                             log_hr[:, :, period_map]], axis=1)
    lh = lh0 + np.transpose(effect, (0, 2, 1))
    return lh, lh


def cumulative_hazard(edges: np.ndarray, lh: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Cumulative hazard at ``times`` (draws, T) or (T,), per draw and group: (draws, T, G).

    Examples
    --------
    Hazard 0.1 up to time 10, then 0.2, in one draw and one group:

    >>> lh = np.log([[[0.1], [0.2]]])
    >>> cumulative_hazard(np.array([0.0, 10.0]), lh, np.array([5.0, 20.0])).ravel().round(6)
    array([0.5, 3. ])
    """
    widths = np.diff(edges)
    increments = widths[None, :, None] * np.exp(lh[:, :-1, :])
    at_edges = np.concatenate([np.zeros_like(lh[:, :1, :]), increments.cumsum(axis=1)], axis=1)
    times = np.broadcast_to(times, (lh.shape[0], np.shape(times)[-1]))
    piece = piece_index(edges, times)
    rows = np.arange(lh.shape[0])[:, None]
    offset = (times - edges[piece])[:, :, None]
    return at_edges[rows, piece, :] + offset * np.exp(lh[rows, piece, :])


def survival_table(idata, times, mass: float = 0.95) -> pd.DataFrame:
    """Survival per group at ``times``: posterior median and equal-tailed band.

    For a change-point fit each draw uses its own tau draw.

    Examples
    --------
    >>> table = survival_table(pw_fit.idata, [0.0, 12.0])
    >>> table[["time", "group", "median"]].head(1)
       time    group  median
    0   0.0  control     1.0
    >>> len(table)  # times x groups
    4
    """
    times = np.asarray(times, dtype=float)
    edges = _const(idata, "fine_edges")
    before, after = fine_log_hazards(idata)
    cum = cumulative_hazard(edges, before, times)
    if kind_of(idata) == "changepoint":
        tau = draws(idata, "tau")[:, None]
        cum_after = cumulative_hazard(edges, after, times)
        switch_b = cumulative_hazard(edges, before, tau)
        switch_a = cumulative_hazard(edges, after, tau)
        later = (times[None, :] > tau)[:, :, None]
        cum = np.where(later, switch_b - switch_a + cum_after, cum)
    surv = np.exp(-cum)
    tail = (1 - mass) / 2
    groups = [str(g) for g in idata.constant_data["arm"].to_numpy()]
    rows = []
    for g, group in enumerate(groups):
        q = np.quantile(surv[:, :, g], [0.5, tail, 1 - tail], axis=0)
        for t, time in enumerate(times):
            rows.append({"time": time, "group": group, "median": q[0, t], "lower": q[1, t],
                         "upper": q[2, t]})
    return pd.DataFrame(rows)


def hazard_ratio_curve(idata, times, mass: float = 0.95) -> pd.DataFrame:
    """Posterior of HR(t) (treated vs reference) at ``times``: median, mean and band.

    For a change-point fit tau is averaged out exactly: the posterior of HR(t) is the
    mixture putting weight P(tau >= t | draw) on the draw's ``before`` HR and the rest on
    its ``after`` HR.

    Examples
    --------
    >>> curve = hazard_ratio_curve(fit.idata, [6.0, 24.0])
    >>> curve["time"].tolist(), curve["group"].tolist()
    ([6.0, 24.0], ['UC-MSC', 'UC-MSC'])
    >>> bool(curve["p_benefit"].iloc[1] > curve["p_benefit"].iloc[0])
    True
    """
    times = np.asarray(times, dtype=float)
    log_hr = draws(idata, "log_hr")
    tail = (1 - mass) / 2
    is_changepoint = kind_of(idata) == "changepoint"
    if is_changepoint:
        grid = _const(idata, "tau_grid")
        prob = draws(idata, "tau_probability")
        # P(tau >= t | draw) for every t at once, from reverse cumulative sums over the grid
        at_or_after = np.concatenate([prob[:, ::-1].cumsum(axis=1)[:, ::-1],
                                      np.zeros((prob.shape[0], 1))], axis=1)
        before_weight = at_or_after[:, np.searchsorted(grid, times, side="left")]
    else:
        periods = piece_index(_const(idata, "period_edges"), times)
    rows = []
    for g, group in enumerate(treated_groups(idata)):
        for i, time in enumerate(times):
            if is_changepoint:
                values = log_hr[:, g, :].T.ravel()  # the before draws, then the after draws
                weights = np.r_[before_weight[:, i], 1.0 - before_weight[:, i]]
            else:
                values, weights = log_hr[:, g, periods[i]], np.ones(log_hr.shape[0])
            lo, med, hi = weighted_quantiles(values, weights, [tail, 0.5, 1 - tail])
            mean = float(np.sum(weights * np.exp(values)) / weights.sum())
            rows.append({"time": time, "group": group, "median": float(np.exp(med)),
                         "mean": mean, "lower": float(np.exp(lo)), "upper": float(np.exp(hi)),
                         "p_benefit": float(np.sum(weights * (values < 0)) / weights.sum())})
    return pd.DataFrame(rows)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, probs) -> np.ndarray:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF).

    Examples
    --------
    >>> weighted_quantiles(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 6.0]), [0.1, 0.5])
    array([1., 3.])
    """
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cdf = np.cumsum(w) / w.sum()
    # a CDF step landing exactly on p must not depend on the order weights were summed in
    idx = np.searchsorted(cdf, np.asarray(probs) - 1e-12, side="left")
    return v[np.minimum(idx, v.size - 1)]


def window_hazard_ratios(idata, windows, max_time: float, mass: float = 0.95) -> pd.DataFrame:
    """HR summaries over time windows (e.g. landmark windows), treated vs reference.

    The HR of a window ``(a, b]`` is ``exp`` of the time-average of log HR(t) over it (``b``
    capped at ``max_time``, the longest follow-up).  For a fixed-cut fit whose periods match
    the windows this is the period HR; for a change-point fit each draw uses its tau draw.

    Examples
    --------
    >>> w = window_hazard_ratios(pw_fit.idata, [(0, 13), (13, np.inf)], pw_fit.max_time)
    >>> w["window"].tolist(), bool(np.allclose(w["median"], pw_fit.hazard_ratios()["median"]))
    (['0-13', '13+'], True)
    """
    log_hr = draws(idata, "log_hr")
    groups = treated_groups(idata)
    is_changepoint = kind_of(idata) == "changepoint"
    if is_changepoint:
        tau = draws(idata, "tau")
    else:
        edges = np.r_[_const(idata, "period_edges"), np.inf]
    rows = []
    for a, b in windows:
        end = min(b, max_time)
        if is_changepoint:
            frac_before = np.clip((tau - a) / (end - a), 0.0, 1.0)
            weights = np.stack([frac_before, 1.0 - frac_before], axis=1)  # per draw
        else:
            overlap = np.clip(np.minimum(edges[1:], end) - np.maximum(edges[:-1], a), 0, None)
            weights = np.broadcast_to(overlap / overlap.sum(), (log_hr.shape[0], overlap.size))
        for g, group in enumerate(groups):
            values = np.sum(weights * log_hr[:, g, :], axis=1)
            rows.append({"window": window_label(a, b), "start": a, "end": b,
                         **summarize_hr(values, mass), "group": group})
    return pd.DataFrame(rows)


def changepoint_table(idata) -> pd.DataFrame:
    """Posterior (Rao-Blackwellized) and prior probability of each candidate tau.

    Examples
    --------
    >>> table = changepoint_table(fit.idata)
    >>> table.columns.tolist(), round(float(table["cumulative"].iloc[-1]), 6)
    (['tau', 'probability', 'prior', 'cumulative'], 1.0)
    """
    grid = _const(idata, "tau_grid")
    prob = draws(idata, "tau_probability").mean(axis=0)
    return pd.DataFrame({"tau": grid, "probability": prob, "prior": _const(idata, "tau_prior"),
                         "cumulative": np.cumsum(prob)})


def changepoint_summary(idata, mass: float = 0.90) -> pd.Series:
    """Mode, median, mean and equal-tailed interval of the tau posterior.

    Examples
    --------
    >>> s = changepoint_summary(fit.idata, mass=0.5)
    >>> float(s["mass"]), bool(s["lower"] <= s["median"] <= s["upper"])
    (0.5, True)
    """
    table = changepoint_table(idata)
    tail = (1 - mass) / 2
    cdf = table["cumulative"].to_numpy() / table["cumulative"].iloc[-1]
    grid = table["tau"].to_numpy()

    def quantile(p):
        return float(grid[min(np.searchsorted(cdf, p - 1e-12), grid.size - 1)])

    return pd.Series({
        "mode": float(grid[np.argmax(table["probability"].to_numpy())]),
        "median": quantile(0.5),
        "mean": float(np.sum(grid * table["probability"])),
        "lower": quantile(tail),
        "upper": quantile(1 - tail),
        "mass": mass,
    })


def changepoint_probability(idata, start: float, end: float) -> float:
    """P(start < tau <= end).

    Examples
    --------
    >>> early = changepoint_probability(fit.idata, 0, 13)
    >>> late = changepoint_probability(fit.idata, 13, fit.max_time)
    >>> round(early + late, 6)
    1.0
    """
    table = changepoint_table(idata)
    inside = (table["tau"] > start) & (table["tau"] <= end)
    return float(table.loc[inside, "probability"].sum())


def pointwise_log_likelihood(idata) -> np.ndarray:
    """Log-likelihood of each patient per draw, shape (chains, draws, patients).

    For a change-point fit it is conditional on the draw's tau.

    Examples
    --------
    >>> ll = pointwise_log_likelihood(pw_fit.idata)
    >>> ll.shape, bool(np.isfinite(ll).all())
    ((2, 200, 219), True)
    """
    c = idata.constant_data
    piece = c["patient_piece"].to_numpy()
    offset = c["patient_offset"].to_numpy()
    event = c["patient_event"].to_numpy()
    group = c["patient_group"].to_numpy()
    x = c["patient_covariates"].to_numpy()
    widths = np.diff(_const(idata, "fine_edges"))
    before, after = fine_log_hazards(idata)
    beta = draws(idata, "beta") if x.shape[1] else np.zeros((before.shape[0], 0))
    is_cp = kind_of(idata) == "changepoint"
    if is_cp:
        tau_index = _const(idata, "tau_index")
        which = np.searchsorted(_const(idata, "tau_grid"), draws(idata, "tau"))
    out = np.empty((before.shape[0], piece.size))
    for s in range(before.shape[0]):
        xb = x @ beta[s]
        if is_cp:
            out[s] = lik.changepoint_patient_loglik(
                np, piece, offset, event, group, widths, before[s], after[s], xb,
                tau_index[which[s]: which[s] + 1])[:, 0]
        else:
            out[s] = lik.patient_loglik(np, piece, offset, event, group, widths, before[s], xb)
    shape = idata.posterior.sizes
    return out.reshape(shape["chain"], shape["draw"], piece.size)
