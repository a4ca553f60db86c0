"""Figures: plot data computed apart from drawing (:mod:`~bayesurv.plotting.plot_data`), and
the drawing itself.  ``bayesurv.plots`` is this package."""

from bayesurv.plotting.figures import (
    plot_changepoint,
    plot_forest,
    plot_hazard_ratio_curve,
    plot_kaplan_meier,
    plot_predictive_check,
    plot_prior_posterior,
    plot_survival,
    save_figures,
)
from bayesurv.plotting.power_curves import plot_power_curve

__all__ = [
    "plot_changepoint",
    "plot_forest",
    "plot_hazard_ratio_curve",
    "plot_kaplan_meier",
    "plot_power_curve",
    "plot_predictive_check",
    "plot_prior_posterior",
    "plot_survival",
    "save_figures",
]
