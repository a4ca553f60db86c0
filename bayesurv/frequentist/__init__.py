"""Frequentist side: Kaplan-Meier, log-rank, Cox and landmark Cox (lifelines underneath)."""

from bayesurv.frequentist.estimates import cox, kaplan_meier, landmark, logrank

__all__ = ["cox", "kaplan_meier", "landmark", "logrank"]
