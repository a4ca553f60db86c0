"""Frequentist side: Kaplan-Meier, log-rank, Cox and landmark Cox (lifelines underneath), and
the restricted mean, milestone and median survival of the Kaplan-Meier curves, and
Fleming-Harrington weighted log-rank tests (vectorized over many data sets for trial design);
for illness-death data, Aalen-Johansen estimates and cause-specific Cox models per transition."""

from bayesurv.frequentist.cox_models import cox, landmark
from bayesurv.frequentist.estimands import median_survival, rmst, survival_difference
from bayesurv.frequentist.multistate import aalen_johansen, state_occupation, transition_cox
from bayesurv.frequentist.survival import kaplan_meier, logrank
from bayesurv.frequentist.weighted import fleming_harrington

__all__ = ["aalen_johansen", "cox", "fleming_harrington", "kaplan_meier", "landmark", "logrank",
           "median_survival", "rmst", "state_occupation", "survival_difference",
           "transition_cox"]
