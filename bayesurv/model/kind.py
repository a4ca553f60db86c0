"""What every bayesurv model shares: priors, baseline pieces, covariates and ``fit``."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayesurv.base.vocabulary import interval_labels
from bayesurv.model.arrays import Design, check_data_usable, resolve_baseline
from bayesurv.model.priors import PriorSet, get_prior_set

if TYPE_CHECKING:
    from bayesurv.data.survival_data import SurvivalData
    from bayesurv.inference.fit import Fit

__all__ = ["HazardModel"]


class HazardModel:
    """Base class of the piecewise-exponential models (not used directly).

    Construction only records the settings; nothing touches data until :meth:`fit`.

    Examples
    --------
    >>> import bayesurv as bs
    >>> model = bs.PiecewiseExponential(cuts=[13])
    >>> isinstance(model, HazardModel), model.kind
    (True, 'piecewise')
    >>> model  # settings only: no data, no sampling yet
    PiecewiseExponential(cuts=[13.0], baseline=None, priors='default')
    """

    kind = "base"

    def __init__(self, baseline=None, priors=None):
        self.baseline = baseline
        self.priors: PriorSet = get_prior_set(priors)

    # -------------------------------------------------------------- to implement
    def design(self, data: SurvivalData) -> Design:
        """Validate the model's arguments against the data and build the arrays.

        Examples
        --------
        >>> design = bs.PiecewiseExponential(cuts=[13]).design(data)
        >>> design.fine_edges.tolist()  # baseline cuts and the cut at 13 months
        [0.0, 6.66, 13.0, 15.8, 44.2]
        """
        raise NotImplementedError

    def build_model(self, design: Design) -> pm.Model:
        """The PyMC model for ``design``.

        Examples
        --------
        >>> model = bs.ChangePoint(near=13)
        >>> pm_model = model.build_model(model.design(data))
        >>> sorted(pm_model.named_vars)
        ['log_baseline', 'log_hr', 'loglik', 'tau_probability']
        """
        raise NotImplementedError

    def settings(self) -> dict:
        """JSON-friendly model settings (stored in saved fits and reports).

        Examples
        --------
        >>> sorted(bs.PiecewiseExponential(cuts=[13]).settings())
        ['baseline', 'cuts', 'kind', 'priors']
        """
        raise NotImplementedError

    def postprocess(self, idata, design: Design, rng: np.random.Generator) -> None:
        """Add derived draws to the posterior after sampling (default: nothing).

        Examples
        --------
        A change-point fit gains draws of tau; a fixed-cut fit nothing:

        >>> "tau" in fit.idata.posterior, "tau" in pw_fit.idata.posterior
        (True, False)
        """

    # -------------------------------------------------------------- shared API
    def fit(
        self,
        data: SurvivalData,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        random_seed: int | None = None,
        sampler: str = "pymc",
        cores: int | None = None,
        target_accept: float = 0.9,
        progressbar: bool = True,
    ) -> Fit:
        """Sample the posterior with NUTS and return a :class:`bayesurv.Fit`.

        Parameters
        ----------
        data : SurvivalData
            The data to fit.
        draws, tune : int
            Posterior draws kept and tuning steps per chain.
        chains : int
            Number of chains (results are identical whether they run in parallel or not).
        random_seed : int, optional
            Seed; the same seed gives the same numbers.
        sampler : {"pymc", "nutpie"}
            NUTS implementation; ``"nutpie"`` needs the ``fast`` extra.
        cores : int, optional
            Chains run in parallel on this many processes (default: 1, which is fastest
            for models of this size; see ``benchmarks/``).
        target_accept : float
            NUTS target acceptance rate.
        progressbar : bool
            Show sampling progress.

        Returns
        -------
        Fit

        Examples
        --------
        >>> model = bs.PiecewiseExponential(cuts=[13])
        >>> small = model.fit(data, draws=100, tune=100, chains=2, random_seed=2, progressbar=False)
        >>> small.kind, small.sampler_settings["draws"], small.data_summary["n"]
        ('piecewise', 100, 219)
        """
        from bayesurv.inference.fit import sample_fit

        check_data_usable(data)
        design = self.design(data)
        return sample_fit(self, design, data, draws=draws, tune=tune, chains=chains,
                          random_seed=random_seed, sampler=sampler, cores=cores,
                          target_accept=target_accept, progressbar=progressbar)

    def with_priors(self, priors) -> HazardModel:
        """A copy of this model with another prior set (name, overrides or PriorSet).

        Examples
        --------
        >>> model = bs.ChangePoint(near=13)
        >>> skeptical = model.with_priors("skeptical")
        >>> skeptical.priors.name, skeptical.near, model.priors.name
        ('skeptical', 13.0, 'default')
        """
        other = copy.copy(self)
        other.priors = get_prior_set(priors)
        return other

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items()
                         if k not in ("kind", "priors"))
        return f"{type(self).__name__}({args}, priors={self.priors.name!r})"

    # -------------------------------------------------------------- graph pieces
    def _baseline_cuts(self, data: SurvivalData) -> np.ndarray:
        return resolve_baseline(data, self.baseline)

    def _coords(self, design: Design) -> dict:
        labels = interval_labels(design.baseline_edges)
        return {
            "piece": labels,
            "group": list(design.groups[1:]),
            "covariate": list(design.covariate_names),
        }

    def _log_baseline(self, design: Design):
        """Random walk over baseline pieces, its start centred on the crude event rate.

        The piece log hazards are sampled directly (a centred random walk): each is pinned
        down by its own events, so the posterior is close to uncorrelated and NUTS takes
        short trajectories.
        """
        level, step = self.priors.baseline_level, self.priors.baseline_step
        centre = self.priors.centre(design.crude_log_rate)
        init = pm.Normal.dist(mu=level.mu + centre, sigma=level.sigma)
        n_steps = design.baseline_edges.size - 1
        if n_steps == 0:
            return level.create("log_baseline", shift=centre, dims="piece")
        return pm.GaussianRandomWalk("log_baseline", mu=step.mu, sigma=step.sigma,
                                     init_dist=init, steps=n_steps, dims="piece")

    def _linear_predictor(self, design: Design):
        if not design.has_covariates:
            return pt.constant(0.0)
        beta = self.priors.covariate.create("beta", dims="covariate")
        # an elementwise product: few covariates, and PyTensor's dot needs a linked BLAS
        return (pt.constant(design.covariates) * beta[None, :]).sum(axis=1)
