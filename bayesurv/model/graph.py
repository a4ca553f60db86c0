"""How a model kind becomes a PyMC graph: the baseline random walk, the covariate linear
predictor, the log hazards on the fine grid, and :class:`GraphModel`, the part of every
kind that says what the graph reads and builds it.

``d`` holds the graph values of :meth:`GraphModel.graph_values`, as data containers or as
symbolic inputs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayesurv.model.arrays import ModelArrays

__all__ = ["GraphModel", "linear_predictor", "log_baseline_walk", "log_hazards"]


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


def log_hazards(xp, log_baseline, effects, baseline_map):
    """Log hazards on the fine grid, (..., regimes, pieces, groups), from baseline and effects.

    ``log_baseline`` is (..., baseline pieces); ``effects`` (..., regimes, pieces, treated
    groups); the reference group (column 0) has no treatment effect.  ``xp`` is ``numpy`` or
    ``pytensor.tensor``: the PyMC graph and the posterior summaries call this same function.

    Examples
    --------
    >>> lh = log_hazards(np, np.log([0.1, 0.2]), np.log([[[0.5], [0.5], [0.5]]]),
    ...                  np.array([0, 0, 1]))
    >>> np.exp(lh).round(3).tolist()  # one regime, 3 fine pieces, reference and treated
    [[[0.1, 0.05], [0.1, 0.05], [0.2, 0.1]]]
    """
    base = log_baseline[..., baseline_map]
    zeros = xp.zeros_like(effects[..., :1])
    return base[..., None, :, None] + xp.concatenate([zeros, effects], axis=-1)


class GraphModel:
    """How a kind (:class:`~bayesurv.model.kind.HazardModel`) becomes a PyMC graph: the values
    it reads as data, the shapes and starting point of its parameters, and the model.

    A mixin: it relies on the kind's ``coords``, ``effects``, ``state_*`` methods, its
    priors and its class attributes.
    """

    def graph_dims(self, arrays: ModelArrays) -> dict[str, str]:
        """The dimension of the first axis of each array among :meth:`graph_values` (prior
        parameters, which are numbers, have none).

        Examples
        --------
        >>> model = bs.ChangePoint(grid=[6, 12])
        >>> model.graph_dims(model.arrays(data))["tau_prior"]
        'candidate'
        """
        return {name: dim for name, (dim, _) in
                arrays.graph_arrays(self.graph_array_names).items()}

    def graph_values(self, arrays: ModelArrays) -> dict[str, np.ndarray]:
        """Every number the PyMC graph reads: the model arrays and the prior parameters.

        They enter the graph as data, so a model compiled once takes new data, new cuts or
        grid positions and new priors without being rebuilt.

        Examples
        --------
        >>> model = bs.ChangePoint(grid=[6, 12], priors="skeptical")
        >>> values = model.graph_values(model.arrays(data))
        >>> round(float(values["log_hr_sigma"]), 4), values["tau_index"].tolist()  # fine edges
        (0.4214, [2, 5])
        """
        p = self.priors
        centre = p.centre(arrays.crude_log_rate)
        priors = {"log_hr_mu": p.log_hr.mu, "log_hr_sigma": p.log_hr.sigma,
                  "level_mu": p.baseline_level.mu + centre,
                  "level_sigma": p.baseline_level.sigma,
                  "step_mu": p.baseline_step.mu, "step_sigma": p.baseline_step.sigma,
                  "covariate_mu": p.covariate.mu, "covariate_sigma": p.covariate.sigma}
        graph_arrays = arrays.graph_arrays(self.graph_array_names)
        return ({name: value for name, (_, value) in graph_arrays.items()}
                | {name: np.asarray(float(value)) for name, value in priors.items()})

    def parameter_shapes(self, arrays: ModelArrays) -> dict[str, tuple[int, ...]]:
        """Shape of each sampled parameter (``beta`` only with covariates).

        Examples
        --------
        >>> bs.ChangePoint(near=13).parameter_shapes(bs.ChangePoint(near=13).arrays(data))
        {'log_baseline': (7,), 'log_hr': (1, 2)}
        """
        coords = self.coords(arrays)
        shapes = {"log_baseline": (len(coords["piece"]),),
                  "log_hr": (len(coords["group"]), len(coords["period"]))}
        if arrays.has_covariates:
            shapes["beta"] = (len(coords["covariate"]),)
        return shapes

    def initial_point(self, values: Mapping, shapes: Mapping) -> dict[str, np.ndarray]:
        """The prior means of the sampled parameters (PyMC's initial point) from the prior
        parameters among ``values`` (:meth:`graph_values`).

        Examples
        --------
        >>> model = bs.PiecewiseExponential(cuts=[13], priors="enthusiastic")
        >>> arrays = model.arrays(data)
        >>> start = model.initial_point(model.graph_values(arrays),
        ...                             model.parameter_shapes(arrays))
        >>> start["log_hr"].round(4).tolist()  # the enthusiastic prior is centred on HR 0.5
        [[-0.6931, -0.6931]]
        """
        n_pieces = shapes["log_baseline"][0]
        start = {"log_baseline": values["level_mu"] + values["step_mu"] * np.arange(n_pieces),
                 "log_hr": np.full(shapes["log_hr"], float(values["log_hr_mu"]))}
        if "beta" in shapes:
            start["beta"] = np.full(shapes["beta"], float(values["covariate_mu"]))
        return start

    def build_model(self, arrays: ModelArrays, values: Mapping | None = None,
                    inputs: Mapping | None = None) -> pm.Model:
        """The PyMC model of ``arrays``: baseline random walk, treatment log HRs, covariates,
        and the likelihood marginalized over the kind's states.

        Every array and prior parameter is a ``pm.Data`` container named as in
        :meth:`graph_values` (``values`` replaces them, e.g. padded to a common shape), or,
        when ``inputs`` is given, that symbolic tensor (for a graph compiled as a function
        of the data; built on them directly, since PyTensor's rewrites of a graph whose
        data containers were swapped for fixed-shape tensors afterwards are not reliable).

        Examples
        --------
        >>> model = bs.ChangePoint(near=13)
        >>> pm_model = model.build_model(model.arrays(data))
        >>> [v.name for v in pm_model.free_RVs], pm_model.deterministics
        (['log_baseline', 'log_hr'], [tau_probability])
        """
        values = self.graph_values(arrays) if values is None else values
        coords = self.coords(arrays)
        if self.state_name is not None:
            states = self.state_values(arrays)
            n_padded = np.size(self.state_log_prior(values)) - states.size
            # padded states (prior weight 0) get placeholder coordinates past the last one
            coords[self.state_dim] = np.r_[states, states[-1] + np.arange(1, n_padded + 1)]
        with pm.Model(coords=coords) as model:
            d = (dict(inputs) if inputs is not None
                 else {name: pm.Data(name, value) for name, value in values.items()})
            log_baseline = log_baseline_walk(d, arrays.baseline_edges.size)
            log_hr = pm.Normal("log_hr", mu=d["log_hr_mu"], sigma=d["log_hr_sigma"],
                               dims=("group", "period"))
            xb = linear_predictor(d)
            lh = log_hazards(pt, log_baseline, self.effects(pt, log_hr, d), d["baseline_map"])
            per_state = self.state_loglik(pt, lh, xb, d)
            if self.state_name is None:
                pm.Potential("loglik", per_state[0])
            else:
                joint = per_state + self.state_log_prior(d, xp=pt)
                pm.Potential("loglik", pt.logsumexp(joint))
                pm.Deterministic(f"{self.state_name}_probability", pt.special.softmax(joint),
                                 dims=self.state_dim)
        return model
