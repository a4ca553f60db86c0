"""Fleming-Harrington weighted log-rank tests, vectorized over many two-arm data sets.

The score of the weighted log-rank test (Fleming and Harrington 1991, ch. 7) compares the
treated arm's events with their expectation under equal hazards at each distinct event time,

    U = sum_j w_j (D1_j - D_j Y1_j / Y_j),

with ``Y_j``/``Y1_j`` the patients at risk (all / treated) and ``D_j``/``D1_j`` the events
(all / treated) at time ``t_j``.  Under the null its variance is

    V = sum_j w_j^2 D_j (Y1_j / Y_j) (1 - Y1_j / Y_j) (Y_j - D_j) / (Y_j - 1),

the hypergeometric variance with the correction for tied events R's ``survdiff`` uses.  The
FH(rho, gamma) weight is ``S(t_j-)^rho (1 - S(t_j-))^gamma``, ``S`` the pooled Kaplan-Meier
curve just before ``t_j``; FH(0, 0) is the log-rank test, FH(rho, 0) equals
``survdiff(..., rho = rho)``.  The scores of several weights on the same data have the
covariances ``sum_j w_a w_b (variance term)_j``, which MaxCombo uses.

Every function works on arrays whose last axis holds the patients of one data set, so a
thousand simulated trials are analysed in one call without a Python loop over patients.

Examples
--------
>>> import pandas as pd
>>> import bayesurv as bs
>>> from bayesurv import frequentist
>>> df = pd.DataFrame({"t": [2, 3, 3, 5, 1, 4], "d": [1, 0, 1, 1, 1, 0],
...                    "arm": ["a", "a", "a", "a", "b", "b"]})
>>> data = bs.SurvivalData.from_frame(df, time="t", event="d", group="arm")
>>> frequentist.fleming_harrington(data, rho=0, gamma=0).round(3).to_numpy().tolist()
[[0.082, -0.287, 0.774]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from bayesurv.base.checks import check_finite_number
from bayesurv.base.exceptions import DataError
from bayesurv.data.survival_data import SurvivalData
from bayesurv.frequentist.survival import _check_data, _group_arrays

__all__ = ["fleming_harrington", "kaplan_meier_before_after", "risk_sets",
           "weighted_logrank_scores"]


def _take(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    return np.take_along_axis(values, index, axis=-1)


def risk_sets(time: np.ndarray, event: np.ndarray, treated: np.ndarray) -> dict:
    """At-risk and event counts at each distinct time of each data set (last axis: patients).

    The patients are sorted by time; every count is given at the last position of each run of
    tied times (``step`` marks these positions; elsewhere the counts are not meaningful).

    Returns
    -------
    dict
        ``time`` (sorted), ``step`` (bool), ``at_risk``, ``treated_at_risk``, ``events``,
        ``treated_events``, each shaped like ``time``.

    Examples
    --------
    >>> import numpy as np
    >>> sets = risk_sets(np.array([3.0, 1.0, 3.0, 2.0]), np.array([1, 1, 0, 1]),
    ...                  np.array([1, 0, 1, 0]))
    >>> sets["at_risk"][sets["step"]].tolist(), sets["events"][sets["step"]].tolist()
    ([4, 3, 2], [1.0, 1.0, 1.0])
    """
    time, event, treated = np.broadcast_arrays(np.asarray(time, dtype=float),
                                               np.asarray(event, dtype=float),
                                               np.asarray(treated, dtype=float))
    order = np.argsort(time, axis=-1, kind="stable")
    t, d, z = _take(time, order), _take(event, order), _take(treated, order)
    n = t.shape[-1]
    new = np.ones(t.shape, dtype=bool)
    new[..., 1:] = t[..., 1:] != t[..., :-1]
    step = np.ones(t.shape, dtype=bool)
    step[..., :-1] = new[..., 1:]
    first = np.maximum.accumulate(np.where(new, np.arange(n), 0), axis=-1)

    def before_first(values):
        """The sum of ``values`` over the patients sorted before each run of ties."""
        total = np.cumsum(values, axis=-1)
        return _take(total - values, first), total

    z_before, _ = before_first(z)
    d_before, d_total = before_first(d)
    d1_before, d1_total = before_first(d * z)
    return {"time": t, "step": step, "at_risk": n - first,
            "treated_at_risk": z.sum(axis=-1, keepdims=True) - z_before,
            "events": d_total - d_before, "treated_events": d1_total - d1_before}


def kaplan_meier_before_after(sets: dict) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan-Meier curve of the patients in ``sets`` (from :func:`risk_sets`) just
    before and just after each sorted time, S(t-) and S(t).

    Examples
    --------
    >>> import numpy as np
    >>> sets = risk_sets(np.array([1.0, 2, 2, 3]), np.array([1, 1, 0, 1]), np.zeros(4))
    >>> [s.tolist() for s in kaplan_meier_before_after(sets)]
    [[1.0, 0.75, 0.75, 0.5], [0.75, 0.75, 0.5, 0.0]]
    """
    at_risk, events = sets["at_risk"], sets["events"]
    factor = np.where(sets["step"], 1.0 - events / np.maximum(at_risk, 1), 1.0)
    after = np.cumprod(factor, axis=-1)
    before = np.ones_like(after)
    before[..., 1:] = after[..., :-1]
    return before, after


def weighted_logrank_scores(time, event, treated,
                            weights: Sequence[tuple[float, float]] = ((0.0, 0.0),)):
    """Scores and their covariance for FH(rho, gamma) weights, per data set.

    Parameters
    ----------
    time, event, treated : array_like
        Same shape ``(..., patients)``: follow-up time, 1 for an event, 1 for the treated arm.
        A patient with time 0 and no event takes no part (so simulated patients not yet
        enrolled can be kept in the arrays).
    weights : sequence of (rho, gamma)
        The weights, each ``S(t-)^rho (1 - S(t-))^gamma``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``z`` of shape ``(k, ...)``: the standardized statistics ``-U / sqrt(V)``, positive
        when the treated arm has fewer events than expected (benefit), 0 where ``V = 0``; and
        the correlation matrices of the ``k`` statistics, shaped ``(..., k, k)``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[1.0, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]])
    >>> z, corr = weighted_logrank_scores(t, np.ones((2, 6)), np.array([1, 1, 1, 0, 0, 0]))
    >>> z.round(3).tolist()  # the treated die first in the first trial, last in the second
    [[-2.248, 2.248]]
    """
    sets = risk_sets(time, event, treated)
    at_risk, events = sets["at_risk"].astype(float), sets["events"]
    share = sets["treated_at_risk"] / np.maximum(at_risk, 1.0)
    counted = sets["step"] & (events > 0)
    observed_minus_expected = np.where(counted, sets["treated_events"] - events * share, 0.0)
    tie_correction = np.divide(at_risk - events, at_risk - 1.0,
                               out=np.zeros_like(at_risk), where=at_risk > 1)
    variance_term = np.where(counted, events * share * (1 - share) * tie_correction, 0.0)
    surv, _ = kaplan_meier_before_after(sets)
    w = np.stack([surv**rho * (1.0 - surv)**gamma for rho, gamma in weights])
    scores = np.sum(w * observed_minus_expected, axis=-1)
    cov = np.einsum("a...i,b...i,...i->...ab", w, w, variance_term)
    var = np.diagonal(cov, axis1=-2, axis2=-1)
    sd = np.sqrt(var)
    z = np.divide(-scores, np.moveaxis(sd, -1, 0), out=np.zeros_like(scores),
                  where=np.moveaxis(sd, -1, 0) > 0)
    outer = sd[..., :, None] * sd[..., None, :]
    corr = np.divide(cov, outer, out=np.zeros_like(cov), where=outer > 0)
    k = len(weights)
    corr[..., np.arange(k), np.arange(k)] = 1.0
    return z, corr


def fleming_harrington(data: SurvivalData, rho: float = 0.0, gamma: float = 0.0) -> pd.DataFrame:
    """Fleming-Harrington FH(rho, gamma) weighted log-rank test of two groups.

    Parameters
    ----------
    data : SurvivalData
        Two groups; the second is the treated one.
    rho, gamma : float
        Exponents (>= 0) of the weight ``S(t-)^rho (1 - S(t-))^gamma``; FH(0, 0) is the
        log-rank test, FH(0, 1) weights late differences, FH(1, 0) early ones.

    Returns
    -------
    pandas.DataFrame
        One row: ``statistic`` (chi-square with 1 df, R's ``survdiff(rho = rho)`` when
        ``gamma = 0``), ``z`` (positive when the treated group has fewer events than expected)
        and ``p`` (two-sided).

    Examples
    --------
    >>> import bayesurv as bs
    >>> from bayesurv import frequentist
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> frequentist.fleming_harrington(data, 0, 1).round(3).to_numpy().tolist()
    [[5.401, 2.324, 0.02]]
    """
    what = "frequentist.fleming_harrington"
    _check_data(data, what)
    if len(data.groups) != 2:
        raise DataError(f"{what}: needs exactly two groups, got {len(data.groups)}")
    for g in range(2):
        _group_arrays(data, g, what)
    exponents = []
    for name, value in (("rho", rho), ("gamma", gamma)):
        value = check_finite_number(value, name, what, DataError)
        if value < 0:
            raise DataError(f"{what}: {name} must be >= 0, got {value:g}")
        exponents.append(value)
    if data.n_events == 0:
        raise DataError(f"{what}: the data have no events; the test is undefined")
    z, _ = weighted_logrank_scores(data.time, data.event, data.group_index == 1,
                                   [tuple(exponents)])
    z = float(z[0])
    return pd.DataFrame({"statistic": [z**2], "z": [z],
                         "p": [float(stats.chi2.sf(z**2, 1))]})
