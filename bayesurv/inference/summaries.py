"""Posterior summaries of any model kind, from its InferenceData and its kind object.

Hazard ratios by period, HR(t), HR over windows, cumulative hazards, pointwise
log-likelihoods and the posterior of the kind's discrete parameter (the change-point).  Every
function asks the kind for its math (:func:`bayesurv.model.kind.log_hazards` and the kind's
``effects``, ``regimes`` and ``period_rows``), so a survival curve comes from the same function
as the likelihood that was fitted; nothing here knows which kind it is.  :class:`bayesurv.Fit`
methods call these.  Hazards here are those of a patient with average covariates
(covariates are centred); survival curves, standardized over the cohort or at given covariate
values, are in :mod:`bayesurv.inference.curves`.  Every interval comes from
:func:`bayesurv.inference.intervals.credible_interval` and every table says which it shows
(``table.attrs["interval"]``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesurv.base.vocabulary import window_label
from bayesurv.data.exposure import piece_index
from bayesurv.inference.intervals import credible_interval, labelled, weighted_quantiles
from bayesurv.model import likelihood as lik
from bayesurv.model.graph import log_hazards
from bayesurv.model.kind import HazardModel

__all__ = [
    "constant_arrays",
    "draw_log_hazards",
    "hazard_ratio_curve",
    "hazard_ratio_table",
    "pointwise_log_likelihood",
    "state_probability",
    "state_summary",
    "state_table",
    "summarize_hr",
    "weighted_quantiles",
    "window_hazard_ratios",
]


def draws(idata, name: str) -> np.ndarray:
    """Posterior draws of ``name`` with chains and draws flattened into the first axis.

    Examples
    --------
    >>> draws(fit.idata, "log_hr").shape  # 2 chains x 200 draws, treated groups, periods
    (400, 1, 2)
    """
    values = idata.posterior[name].to_numpy()
    return values.reshape((-1, *values.shape[2:]))


def constant_arrays(idata) -> dict[str, np.ndarray]:
    """The model arrays stored in a fit (``constant_data``), by name.

    Examples
    --------
    >>> constant_arrays(pw_fit.idata)["period_edges"]
    array([ 0., 13.])
    """
    return {name: value.to_numpy() for name, value in idata.constant_data.data_vars.items()}


def summarize_hr(log_hr: np.ndarray, mass: float = 0.95,
                 interval: str = "equal-tailed") -> dict:
    """Median, mean, interval of ``mass`` and P(HR < 1) of HR draws given on the log scale.

    Examples
    --------
    >>> out = summarize_hr(np.log([0.5, 1.0, 2.0]))
    >>> {name: round(value, 3) for name, value in out.items()}
    {'median': 1.0, 'mean': 1.167, 'lower': 0.525, 'upper': 1.95, 'p_benefit': 0.333}
    >>> summarize_hr(np.log([0.5, 1.0, 2.0]), 0.6, "hdi")["upper"]  # 2 draws of 3: 0.5, 1.0
    1.0
    """
    hr = np.exp(log_hr)
    lower, upper = credible_interval(hr, mass, interval)
    return {
        "median": float(np.median(hr)),
        "mean": float(hr.mean()),
        "lower": float(lower),
        "upper": float(upper),
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


def hazard_ratio_table(idata, model: HazardModel, mass: float = 0.95,
                       interval: str = "equal-tailed") -> pd.DataFrame:
    """One row per (period, treated group): HR summaries, treated vs reference.

    Examples
    --------
    >>> table = hazard_ratio_table(pw_fit.idata, pw_fit.model)
    >>> table["period"].tolist(), table["end"].tolist()
    (['0-13', '13+'], [13.0, inf])
    """
    log_hr = draws(idata, "log_hr")  # (S, groups, periods)
    periods = model.period_rows(constant_arrays(idata))
    rows = []
    for g, group in enumerate(treated_groups(idata)):
        for k, (period, start, end) in enumerate(periods):
            rows.append({"period": period, "start": start, "end": end,
                         **summarize_hr(log_hr[:, g, k], mass, interval), "group": group})
    return labelled(pd.DataFrame(rows), mass, interval)


def _state_index(idata, model: HazardModel, arrays) -> np.ndarray:
    """Index of each draw's state (0 for a kind with a single state)."""
    if model.state_name is None:
        return np.zeros(draws(idata, "log_hr").shape[0], dtype=int)
    return np.searchsorted(model.state_values(arrays), draws(idata, model.state_name))


def _in_own_state(idata, model: HazardModel, arrays, per_regime: np.ndarray) -> np.ndarray:
    """``per_regime`` (draws, regimes, fine pieces, ...) taken, on each fine piece, in the
    regime of each draw's own state: (draws, fine pieces, ...)."""
    regime = model.regimes(arrays)[_state_index(idata, model, arrays)]  # (draws, pieces)
    index = regime.reshape(*regime.shape[:1], 1, *regime.shape[1:],
                           *[1] * (per_regime.ndim - 3))
    return np.take_along_axis(per_regime, index, axis=1)[:, 0]


def _effects(idata, model: HazardModel, arrays) -> np.ndarray:
    """Treatment log HR per (draw, regime, fine piece, treated group)."""
    return model.effects(np, draws(idata, "log_hr"), arrays)


def draw_log_hazards(idata, model: HazardModel) -> np.ndarray:
    """Log hazards on the fine grid per draw, in the draw's own state: (draws, pieces, groups).

    Examples
    --------
    >>> lh = draw_log_hazards(fit.idata, fit.model)
    >>> lh.shape  # draws, fine pieces, groups
    (400, 60, 2)
    """
    arrays = constant_arrays(idata)
    every = log_hazards(np, draws(idata, "log_baseline"), _effects(idata, model, arrays),
                        arrays["baseline_map"])  # (S, regimes, pieces, groups)
    return _in_own_state(idata, model, arrays, every)


def cumulative_hazard(edges: np.ndarray, lh: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Cumulative hazard at ``times`` (draws, T) or (T,), per draw and group: (draws, T, G).

    Examples
    --------
    Hazard 0.1 up to time 10, then 0.2, in one draw and one group:

    >>> lh = np.log([[[0.1], [0.2]]])
    >>> cumulative_hazard(np.array([0.0, 10.0]), lh, np.array([5.0, 20.0])).ravel().round(6)
    array([0.5, 3. ])
    """
    increments = np.diff(edges)[None, :, None] * np.exp(lh[:, :-1, :])
    at_edges = np.concatenate([np.zeros_like(lh[:, :1, :]), increments.cumsum(axis=1)], axis=1)
    times = np.broadcast_to(times, (lh.shape[0], np.shape(times)[-1]))
    piece = piece_index(edges, times)
    rows = np.arange(lh.shape[0])[:, None]
    offset = (times - edges[piece])[:, :, None]
    return at_edges[rows, piece, :] + offset * np.exp(lh[rows, piece, :])


def regime_weights(idata, model: HazardModel) -> np.ndarray:
    """P(regime r holds on fine piece j | draw), (draws, pieces, regimes), averaging over the
    kind's states with their conditional posterior (Rao-Blackwellized).

    Examples
    --------
    >>> w = regime_weights(fit.idata, fit.model)
    >>> w.shape, bool(np.allclose(w.sum(axis=-1), 1))
    ((400, 60, 2), True)
    """
    arrays = constant_arrays(idata)
    regimes = model.regimes(arrays)  # (states, pieces)
    n_regimes = int(regimes.max()) + 1
    one_hot = np.eye(n_regimes)[regimes]  # (states, pieces, regimes)
    if model.state_name is None:
        return np.broadcast_to(one_hot[0], (draws(idata, "log_hr").shape[0], *one_hot.shape[1:]))
    prob = draws(idata, f"{model.state_name}_probability")
    return np.einsum("sk,kpr->spr", prob, one_hot)


def hazard_ratio_curve(idata, model: HazardModel, times, mass: float = 0.95,
                       interval: str = "equal-tailed") -> pd.DataFrame:
    """Posterior of HR(t) (treated vs reference) at ``times``: median, mean and band.

    The kind's discrete parameter is averaged out exactly: the posterior of HR(t) is the
    mixture over regimes with weight P(regime at t | draw) (for a change-point fit,
    P(tau >= t) on the draw's ``before`` HR and the rest on its ``after`` HR).

    Examples
    --------
    >>> curve = hazard_ratio_curve(fit.idata, fit.model, [6.0, 24.0])
    >>> curve["time"].tolist(), curve["group"].tolist()
    ([6.0, 24.0], ['UC-MSC', 'UC-MSC'])
    """
    times = np.asarray(times, dtype=float)
    arrays = constant_arrays(idata)
    effects = _effects(idata, model, arrays)  # (S, regimes, pieces, treated)
    weights = regime_weights(idata, model)  # (S, pieces, regimes)
    pieces = piece_index(arrays["fine_edges"], times)
    rows = []
    for g, group in enumerate(treated_groups(idata)):
        for i, time in enumerate(times):
            values = effects[:, :, pieces[i], g].T.ravel()  # regime by regime
            w = weights[:, pieces[i], :].T.ravel()
            med = weighted_quantiles(values, w, [0.5])[0]
            lo, hi = credible_interval(values, mass, interval, weights=w)
            rows.append({"time": time, "group": group, "median": float(np.exp(med)),
                         "mean": float(np.sum(w * np.exp(values)) / w.sum()),
                         "lower": float(np.exp(lo)), "upper": float(np.exp(hi)),
                         "p_benefit": float(np.sum(w * (values < 0)) / w.sum())})
    return labelled(pd.DataFrame(rows), mass, interval)


def window_hazard_ratios(idata, model: HazardModel, windows, max_time: float,
                         mass: float = 0.95, interval: str = "equal-tailed") -> pd.DataFrame:
    """HR summaries over time windows (e.g. landmark windows), treated vs reference.

    The HR of a window ``(a, b]`` is ``exp`` of the time-average of log HR(t) over it (``b``
    capped at ``max_time``, the longest follow-up), each draw in its own state.

    Examples
    --------
    >>> w = window_hazard_ratios(pw_fit.idata, pw_fit.model, [(0, 13), (13, np.inf)],
    ...                          pw_fit.max_time)
    >>> w["window"].tolist()
    ['0-13', '13+']
    """
    arrays = constant_arrays(idata)
    per_draw = _in_own_state(idata, model, arrays, _effects(idata, model, arrays))  # (S, P, G)
    starts = arrays["fine_edges"]
    ends = np.r_[starts[1:], np.inf]
    rows = []
    groups = treated_groups(idata)
    for a, b in windows:
        end = min(b, max_time)
        overlap = np.clip(np.minimum(ends, end) - np.maximum(starts, a), 0.0, None)
        for g, group in enumerate(groups):
            values = per_draw[:, :, g] @ (overlap / (end - a))
            rows.append({"window": window_label(a, b), "start": a, "end": b,
                         **summarize_hr(values, mass, interval), "group": group})
    return labelled(pd.DataFrame(rows), mass, interval)


def state_table(idata, model: HazardModel) -> pd.DataFrame:
    """Posterior (Rao-Blackwellized) and prior probability of each state of the kind's
    discrete parameter; for a change-point fit, columns ``tau, probability, prior,
    cumulative``.

    Examples
    --------
    >>> table = state_table(fit.idata, fit.model)
    >>> table.columns.tolist(), len(table)
    (['tau', 'probability', 'prior', 'cumulative'], 53)
    """
    arrays = constant_arrays(idata)
    prob = draws(idata, f"{model.state_name}_probability").mean(axis=0)
    return pd.DataFrame({model.state_name: model.state_values(arrays), "probability": prob,
                         "prior": np.exp(model.state_log_prior(arrays)),
                         "cumulative": np.cumsum(prob)})


def state_summary(idata, model: HazardModel, mass: float = 0.95,
                  interval: str = "equal-tailed") -> pd.Series:
    """Mode, median, mean and interval of ``mass`` of the discrete parameter's posterior.

    The HDI is the shortest range of the parameter's values holding at least ``mass``
    (:func:`bayesurv.inference.intervals.hdi` on the grid weighted by its probabilities).

    Examples
    --------
    >>> s = state_summary(fit.idata, fit.model, mass=0.5)
    >>> float(s["mass"]), bool(s["lower"] <= s["median"] <= s["upper"])
    (0.5, True)
    """
    table = state_table(idata, model)
    grid = table[model.state_name].to_numpy().astype(float)
    probability = table["probability"].to_numpy()
    lower, upper = credible_interval(grid, mass, interval, weights=probability)
    return labelled(pd.Series({
        "mode": float(grid[np.argmax(probability)]),
        "median": float(weighted_quantiles(grid, probability, [0.5])[0]),
        "mean": float(np.sum(grid * probability)),
        "lower": float(lower),
        "upper": float(upper),
        "mass": mass,
    }), mass, interval)


def state_probability(idata, model: HazardModel, start: float, end: float) -> float:
    """P(start < value <= end) for the discrete parameter (e.g. tau in a window).

    Examples
    --------
    >>> early = state_probability(fit.idata, fit.model, 0, 13)
    >>> late = state_probability(fit.idata, fit.model, 13, fit.max_time)
    >>> round(early + late, 6)
    1.0
    """
    table = state_table(idata, model)
    values = table[model.state_name]
    return float(table.loc[(values > start) & (values <= end), "probability"].sum())


def pointwise_log_likelihood(idata, model: HazardModel) -> np.ndarray:
    """Log-likelihood of each patient per draw, shape (chains, draws, patients), each draw in
    its own state (for a change-point fit: conditional on the draw's tau).

    Examples
    --------
    >>> ll = pointwise_log_likelihood(pw_fit.idata, pw_fit.model)
    >>> ll.shape, bool(np.isfinite(ll).all())
    ((2, 200, 219), True)
    """
    a = constant_arrays(idata)
    lh = draw_log_hazards(idata, model)
    x = a["patient_covariates"]
    beta = draws(idata, "beta") if x.shape[1] else np.zeros((lh.shape[0], 0))
    widths = np.diff(a["fine_edges"])
    out = np.empty((lh.shape[0], a["patient_piece"].size))
    for s in range(lh.shape[0]):
        out[s] = lik.patient_loglik(np, a["patient_piece"], a["patient_offset"],
                                    a["patient_event"], a["patient_group"], widths, lh[s],
                                    x @ beta[s])
    shape = idata.posterior.sizes
    return out.reshape(shape["chain"], shape["draw"], out.shape[1])
