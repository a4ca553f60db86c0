"""The tests applied to each simulated trial, all one-sided with benefit meaning HR < 1.

Test names:

- ``"logrank"``: the log-rank test, FH(0, 0);
- ``"fh(rho,gamma)"``: the Fleming-Harrington weighted log-rank test with weight
  ``S(t-)^rho (1 - S(t-))^gamma`` (:mod:`bayesurv.frequentist.weighted`);
- ``"maxcombo"``: the largest of the FH(0,0), FH(0,1), FH(1,1) and FH(1,0) statistics, whose
  p-value ``P(max_k Z_k >= z_max)`` comes from the joint normal distribution of the four
  statistics under the null, with the correlations of their weights in each trial (Karrison
  2016, Statistical Communications in Infectious Diseases 8(1); Lin et al. 2020, Statistics in
  Biopharmaceutical Research 12(2)); computed in :mod:`bayesurv.design.maxcombo`;
- ``"rmst(h)"``: the difference (treatment - control) of the restricted mean survival times
  up to ``h``, each the area under its arm's Kaplan-Meier curve, over the root sum of their
  Greenwood-type variances (the variance of :func:`bayesurv.frequentist.rmst`).  Past an arm's
  last follow-up its curve keeps its last value; :func:`~bayesurv.design.simulate` warns when
  that happens in 1% of the trials or more, as the test then loses its level;
- ``"landmark(L)"``: the Wald test of the treatment log HR of a Cox model of the events after
  ``L`` among the patients still at risk at ``L`` (the "after" window of
  :func:`bayesurv.frequentist.landmark`), ``z = -beta / se``.  Simulated times have no ties,
  so Breslow's partial likelihood used here is the exact one (and Efron's).  When one arm has
  no events after ``L``, beta runs off to infinity and, as for any Wald test, z tends to 0.

Every statistic ``z`` is positive for benefit; a trial rejects when ``z`` exceeds the
one-sided critical value, and is *significant in the wrong direction* when ``-z`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy import stats

from bayesurv.base.exceptions import DesignError
from bayesurv.design.bayes import BayesRule, posterior_benefit
from bayesurv.design.maxcombo import maxcombo_exceeds
from bayesurv.design.trials import AnalysisData
from bayesurv.frequentist.weighted import (
    kaplan_meier_before_after,
    risk_sets,
    weighted_logrank_scores,
)

__all__ = ["MAXCOMBO_WEIGHTS", "Method", "analyse", "horizon_past_follow_up", "landmark_z",
           "parse_test", "rmst_z"]

MAXCOMBO_WEIGHTS = ((0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0))

_NUMBER = r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*"
_FH = re.compile(rf"fh\({_NUMBER},{_NUMBER}\)")
_RMST = re.compile(rf"rmst\({_NUMBER}\)")
_LANDMARK = re.compile(rf"landmark\({_NUMBER}\)")
# Newton steps of the Cox fit: capped so a trial with an arm free of events cannot overflow
NEWTON_STEPS, MAX_STEP = 30, 2.0


@dataclass(frozen=True)
class Method:
    """One test: ``kind`` is ``"fh"``, ``"maxcombo"`` or ``"rmst"``."""

    name: str
    kind: str
    rho: float = 0.0
    gamma: float = 0.0
    horizon: float = 0.0
    at: float = 0.0
    rule: BayesRule | None = None


def parse_test(text) -> Method:
    """A test from its name.

    Examples
    --------
    >>> parse_test("FH(0, 1)")
    Method(name='fh(0,1)', kind='fh', rho=0.0, gamma=1.0, horizon=0.0, at=0.0, rule=None)
    >>> parse_test("rmst(36)").horizon
    36.0
    """
    if isinstance(text, BayesRule):
        if text.threshold is None:
            raise DesignError(f"simulate: the BayesRule {text.name!r} has no threshold; "
                              "calibrate it under the null with bs.design.calibrate")
        return Method(text.name, "bayes", rule=text)
    if not isinstance(text, str):
        raise DesignError(f"simulate: a test must be a name such as 'logrank', got {text!r}")
    key = text.strip().lower()
    if key == "logrank":
        return Method("logrank", "fh")
    if key == "maxcombo":
        return Method("maxcombo", "maxcombo")
    if match := _FH.fullmatch(key):
        rho, gamma = float(match[1]), float(match[2])
        return Method(f"fh({rho:g},{gamma:g})", "fh", rho=rho, gamma=gamma)
    if (match := _RMST.fullmatch(key)) and float(match[1]) > 0:
        return Method(f"rmst({float(match[1]):g})", "rmst", horizon=float(match[1]))
    if match := _LANDMARK.fullmatch(key):
        return Method(f"landmark({float(match[1]):g})", "landmark", at=float(match[1]))
    raise DesignError(f"simulate: unknown test {text!r}; use 'logrank', 'fh(rho,gamma)' "
                      "(rho, gamma >= 0), 'maxcombo', 'rmst(horizon)' (horizon > 0) or "
                      "'landmark(time)' (time >= 0)")


def _km_rmst(time: np.ndarray, event: np.ndarray, horizon: float):
    """Restricted mean and its variance up to ``horizon`` per row (last axis: patients)."""
    sets = risk_sets(time, event, np.zeros(time.shape[-1]))
    before, after = kaplan_meier_before_after(sets)
    clipped = np.minimum(sets["time"], horizon)
    previous = np.concatenate([np.zeros((*clipped.shape[:-1], 1)), clipped[..., :-1]], axis=-1)
    area_to = np.cumsum(before * (clipped - previous), axis=-1)  # area from 0 to each time
    total = area_to[..., -1] + after[..., -1] * (horizon - clipped[..., -1])
    at_risk, events = sets["at_risk"].astype(float), sets["events"]
    left = at_risk - events
    counted = sets["step"] & (events > 0) & (sets["time"] <= horizon) & (left > 0)
    greenwood = np.divide(events, at_risk * left, out=np.zeros_like(events), where=counted)
    variance = np.sum((total[..., None] - area_to) ** 2 * greenwood, axis=-1)
    return total, variance


def rmst_z(data: AnalysisData, horizon: float) -> np.ndarray:
    """The standardized RMST difference (treatment - control) of each trial; 0 where its
    variance is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from bayesurv.design.trials import analysis_data
    >>> cut = analysis_data(np.zeros((1, 4)), np.array([[1.0, 3, 2, 4]]),
    ...                     np.full((1, 4), np.inf), n_control=2, follow_up=10)
    >>> rmst_z(cut, 5).round(3).tolist()  # RMST 2 vs 3, variances 0.5 and 0.5
    [1.0]
    """
    control, treatment = ~data.treated[0], data.treated[0]
    mean_c, var_c = _km_rmst(data.time[:, control], data.event[:, control], horizon)
    mean_t, var_t = _km_rmst(data.time[:, treatment], data.event[:, treatment], horizon)
    sd = np.sqrt(var_c + var_t)
    return np.divide(mean_t - mean_c, sd, out=np.zeros_like(sd), where=sd > 0)


def landmark_z(data: AnalysisData, at: float) -> np.ndarray:
    """Wald statistic ``-beta / se`` of the treatment log HR after ``at``, per trial.

    The patients with follow-up <= ``at`` leave the arrays (time 0, no event), so the risk
    sets at the event times after ``at`` are those of the landmark cohort.  With ``p_j`` the
    treated share of the weighted risk set at event time ``j``, the score is
    ``sum_j (D1_j - D_j p_j)`` and the information ``sum_j D_j p_j (1 - p_j)``; Newton's method
    from beta = 0 (steps capped at 2) finds the maximum.

    Examples
    --------
    >>> import numpy as np
    >>> from bayesurv.design.trials import analysis_data
    >>> cut = analysis_data(np.zeros((1, 6)), np.array([[1.0, 2, 3, 1.5, 5, 6]]),
    ...                     np.full((1, 6), np.inf), n_control=3, follow_up=10)
    >>> landmark_z(cut, 1.2).round(4).tolist()  # coxph on the five patients past 1.2: -0.8686
    [0.8686]
    """
    kept = data.time > at
    sets = risk_sets(np.where(kept, data.time, 0.0), data.event & kept, data.treated)
    counted = sets["step"] & (sets["events"] > 0)
    at_risk = sets["at_risk"].astype(float)
    treated_at_risk = sets["treated_at_risk"]
    events = np.where(counted, sets["events"], 0.0)
    treated_events = np.where(counted, sets["treated_events"], 0.0)
    beta = np.zeros(at_risk.shape[0])

    def score_information(beta):
        weighted = treated_at_risk * np.exp(beta)[:, None]
        share = np.divide(weighted, at_risk - treated_at_risk + weighted,
                          out=np.zeros_like(weighted), where=counted)
        return (np.sum(treated_events - events * share, axis=1),
                np.sum(events * share * (1.0 - share), axis=1))

    for _ in range(NEWTON_STEPS):
        score, information = score_information(beta)
        step = np.divide(score, information, out=np.zeros_like(score), where=information > 0)
        beta = beta + np.clip(step, -MAX_STEP, MAX_STEP)
    _, information = score_information(beta)
    return -beta * np.sqrt(information)


def horizon_past_follow_up(data: AnalysisData, horizon: float) -> np.ndarray:
    """Whether ``horizon`` is past the last follow-up time of an arm, per trial: there the
    Kaplan-Meier curve is carried flat and the RMST variance misses that stretch.

    Examples
    --------
    >>> import numpy as np
    >>> from bayesurv.design.trials import analysis_data
    >>> cut = analysis_data(np.zeros((1, 4)), np.array([[1.0, 3, 2, 4]]),
    ...                     np.full((1, 4), np.inf), n_control=2, follow_up=10)
    >>> horizon_past_follow_up(cut, 3.5).tolist(), horizon_past_follow_up(cut, 3).tolist()
    ([True], [False])
    """
    control, treatment = ~data.treated[0], data.treated[0]
    last = np.minimum(data.time[:, control].max(axis=1), data.time[:, treatment].max(axis=1))
    return horizon > last


def analyse(data: AnalysisData, tests: list[Method], alpha: float,
            rng: np.random.Generator | None = None,
            fit_seeds: dict | None = None) -> dict[str, tuple]:
    """Each test's statistic, rejection (benefit) and significance in the wrong direction.

    Returns
    -------
    dict
        ``{name: (z, reject, wrong_direction, warned)}``, arrays over trials; for MaxCombo
        ``z`` is the largest of its four statistics, for a :class:`BayesRule` the posterior
        probability of benefit (wrong direction: that of harm above the threshold), and
        ``warned`` marks its fits that warned (None for the other tests).  ``rng`` seeds the
        Bayesian fits, unless ``fit_seeds`` gives their seeds (per rule name, one per trial).
    """
    weights = list(dict.fromkeys(
        [w for t in tests if t.kind == "maxcombo" for w in MAXCOMBO_WEIGHTS]
        + [(t.rho, t.gamma) for t in tests if t.kind == "fh"]))
    if weights:
        fh_z, corr = weighted_logrank_scores(data.time, data.event, data.treated, weights)
    critical = stats.norm.isf(alpha)
    out = {}
    for test in tests:
        if test.kind == "maxcombo":
            rows = [weights.index(w) for w in MAXCOMBO_WEIGHTS]
            z, sub = fh_z[rows], corr[:, rows][:, :, rows]
            out[test.name] = (z.max(axis=0), maxcombo_exceeds(z, sub, alpha),
                              maxcombo_exceeds(-z, sub, alpha), None)
            continue
        if test.kind == "bayes":
            probability, warned = posterior_benefit(
                data, test.rule, rng, None if fit_seeds is None else fit_seeds[test.name])
            c = test.rule.threshold
            out[test.name] = (probability, probability > c, 1.0 - probability > c, warned)
            continue
        if test.kind == "fh":
            z = fh_z[weights.index((test.rho, test.gamma))]
        elif test.kind == "landmark":
            z = landmark_z(data, test.at)
        else:
            z = rmst_z(data, test.horizon)
        out[test.name] = (z, z >= critical, -z >= critical, None)
    return out
