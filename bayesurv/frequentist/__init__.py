"""Frequentist side: Kaplan-Meier, log-rank, Cox and landmark Cox (lifelines underneath)."""

from bayesurv.frequentist.cox_models import cox, landmark
from bayesurv.frequentist.survival import kaplan_meier, logrank

__all__ = ["cox", "kaplan_meier", "landmark", "logrank"]
