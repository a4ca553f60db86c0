"""The Bayesian decision rule of a bayesurv model, applied to simulated trials.

The rule declares benefit when the posterior probability that the hazard ratio of one period
is below 1 exceeds a threshold ``c``: ``P(HR_period < 1 | data) > c``.  A posterior probability
threshold is not a test level, so ``c`` is calibrated by simulation under the null:
:func:`calibrate` fits the model on trials simulated with equal hazards and takes ``c`` as the
smallest value exceeded by at most ``alpha`` of their probabilities.  Each trial is fitted on
its enrolled patients with the model's compiled-once sampler, so only the first fit compiles.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import DesignError
from bayesurv.data.survival_data import SurvivalData
from bayesurv.design.trials import AnalysisData
from bayesurv.model.kind import HazardModel

__all__ = ["BayesRule", "fit_seeds", "null_threshold", "posterior_benefit"]


@dataclass(frozen=True)
class BayesRule:
    """Declare benefit when ``P(HR < 1 | data) > threshold`` in one period of a model.

    Parameters
    ----------
    model : PiecewiseExponential or ChangePoint
        The model fitted to each simulated trial.
    period : str, optional
        The row of :meth:`bayesurv.Fit.hazard_ratios` whose ``p_benefit`` is used, e.g.
        ``"13+"`` or ``"after"``; by default the last period.
    threshold : float, optional
        ``c``; set it with :func:`calibrate` (needed by :func:`simulate`).
    draws, tune, chains : int
        Sampler settings of each fit.
    name : str
        The test's name in the power table.

    Examples
    --------
    >>> import bayesurv as bs
    >>> rule = bs.design.BayesRule(bs.PiecewiseExponential(cuts=[13]), period="13+")
    >>> rule.name, rule.threshold
    ('bayes', None)
    """

    model: HazardModel
    period: str | None = None
    threshold: float | None = None
    draws: int = 500
    tune: int = 500
    chains: int = 2
    name: str = "bayes"

    def __post_init__(self):
        if not isinstance(self.model, HazardModel):
            raise DesignError(f"BayesRule: model must be a bayesurv model such as "
                              f"bs.PiecewiseExponential, got {type(self.model).__name__}")
        if self.threshold is not None and not 0 < self.threshold <= 1:
            raise DesignError(f"BayesRule: threshold must be in (0, 1], got {self.threshold}")
        for key in ("draws", "tune", "chains"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise DesignError(f"BayesRule: {key} must be a whole number >= 1, "
                                  f"got {value!r}")


def _trial_data(data: AnalysisData, i: int) -> SurvivalData:
    enrolled = data.time[i] > 0
    frame = pd.DataFrame({"time": data.time[i][enrolled],
                          "event": data.event[i][enrolled].astype(int),
                          "arm": np.where(data.treated[i][enrolled], "treatment", "control")})
    return SurvivalData.from_frame(frame, reference="control")


def fit_seeds(rng: np.random.Generator, n_trials: int) -> np.ndarray:
    """The seeds of a rule's fits of ``n_trials`` trials, drawn from ``rng``."""
    return rng.integers(0, 2**31 - 1, size=n_trials)


def posterior_benefit(data: AnalysisData, rule: BayesRule, rng: np.random.Generator | None,
                      seeds: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``P(HR_period < 1 | trial)`` of each trial, and whether its fit warned (convergence).

    One fit per trial, one after the other; each fit's seed comes from ``rng``
    (:func:`fit_seeds`), or is given in ``seeds`` (one per trial).
    """
    seeds = fit_seeds(rng, data.time.shape[0]) if seeds is None else np.asarray(seeds)
    probability = np.empty(data.time.shape[0])
    warned = np.zeros(data.time.shape[0], dtype=bool)
    for i, seed in enumerate(seeds):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = rule.model.fit(_trial_data(data, i), draws=rule.draws, tune=rule.tune,
                                 chains=rule.chains, random_seed=int(seed), progressbar=False)
        warned[i] = bool(caught)
        table = fit.hazard_ratios()
        if rule.period is None:
            row = table.iloc[-1]
        else:
            rows = table[table["period"] == rule.period]
            if rows.empty:
                raise DesignError(f"BayesRule: period {rule.period!r} is not one of the "
                                  f"model's periods {table['period'].tolist()}")
            row = rows.iloc[0]
        probability[i] = float(row["p_benefit"])
    return probability, warned


def null_threshold(probabilities: np.ndarray, alpha: float) -> float:
    """The smallest ``c`` exceeded by at most ``alpha`` of the probabilities under the null.

    Examples
    --------
    >>> null_threshold(np.array([0.5, 0.9, 0.99, 0.95, 0.7]), alpha=0.2)
    0.95
    """
    ordered = np.sort(np.asarray(probabilities, dtype=float))[::-1]
    return float(ordered[int(np.floor(alpha * ordered.size))])
