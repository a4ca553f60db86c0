"""PyMC pieces every model kind's graph shares: the baseline random walk and the covariate
linear predictor.

``d`` holds the graph values of :meth:`~bayesurv.model.kind.HazardModel.graph_values`, as data
containers or as symbolic inputs.
"""

from __future__ import annotations

from collections.abc import Mapping

import pymc as pm
import pytensor.tensor as pt

__all__ = ["linear_predictor", "log_baseline_walk"]


def log_baseline_walk(d: Mapping, n_pieces: int, name: str = "log_baseline",
                      dims: str = "piece"):
    """Random walk over baseline pieces, its start centred on the crude event rate.

    The piece log hazards are sampled directly (a centred random walk): each is pinned
    down by its own events, so the posterior is close to uncorrelated and NUTS takes
    short trajectories.
    """
    if n_pieces == 1:
        return pm.Normal(name, mu=d["level_mu"], sigma=d["level_sigma"], dims=dims)
    init = pm.Normal.dist(mu=d["level_mu"], sigma=d["level_sigma"])
    return pm.GaussianRandomWalk(name, mu=d["step_mu"], sigma=d["step_sigma"],
                                 init_dist=init, steps=n_pieces - 1, dims=dims)


def linear_predictor(d: Mapping, name: str = "beta", dims: str = "covariate"):
    """The covariates' log hazard ratios summed per patient (0 without covariates)."""
    if "patient_covariates" not in d:
        return pt.constant(0.0)
    beta = pm.Normal(name, mu=d["covariate_mu"], sigma=d["covariate_sigma"], dims=dims)
    # an elementwise product: few covariates, and PyTensor's dot needs a linked BLAS
    return (d["patient_covariates"] * beta[None, :]).sum(axis=1)
