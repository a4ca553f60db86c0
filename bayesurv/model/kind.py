"""What every model kind shares, and the contract a kind fulfils.

A kind (:class:`~bayesurv.PiecewiseExponential`, :class:`~bayesurv.ChangePoint`, ...) owns
its math in its own module.  It says

- which arrays it needs from the data (:meth:`HazardModel.arrays`);
- the treatment log HR of every treated group on every fine piece, in each of its
  **regimes** (:meth:`HazardModel.effects`): one regime for fixed cuts; ``before`` and
  ``after`` for a change-point;
- its **states**, the values of a discrete parameter marginalized out of the likelihood
  (the change-point candidates; a single state for fixed cuts), with their prior weights and
  which regime holds on each fine piece in each state (:meth:`HazardModel.regimes`);
- the log-likelihood of each state (:meth:`HazardModel.state_loglik`);
- its period rows, its words and its settings.

:func:`log_hazards` turns the effects into log hazards on the fine grid for the PyMC graph
and for NumPy posterior draws alike, so a survival curve is computed by the same function as
the likelihood that was fitted.  Nothing above the model layer branches on the kind.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayesurv.base.exceptions import FitFileError
from bayesurv.base.vocabulary import interval_labels
from bayesurv.data.survival_data import SurvivalData
from bayesurv.data.usable import check_data_usable
from bayesurv.model.arrays import ModelArrays, resolve_baseline
from bayesurv.model.graph import linear_predictor, log_baseline_walk
from bayesurv.model.pinning import Pinning
from bayesurv.model.priors import PriorSet, get_prior_set

__all__ = ["KINDS", "HazardModel", "kind_from_settings", "log_hazards", "register_sampler"]

KINDS: dict[str, type[HazardModel]] = {}
# The inference layer, above this one, registers the function that samples a model
# (``register_sampler``), so that ``model.fit(data)`` works without the model layer
# importing the layer above it.
_SAMPLER = None


def register_sampler(sample) -> None:
    """Install the function :meth:`HazardModel.fit` delegates to (called by the inference
    layer when it is imported).

    Examples
    --------
    >>> from bayesurv.inference.sampling import sample
    >>> register_sampler(sample)  # what importing bayesurv.inference does
    """
    global _SAMPLER
    _SAMPLER = sample


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


def kind_from_settings(settings: Mapping) -> HazardModel:
    """Rebuild the model object of a saved fit from its settings.

    Examples
    --------
    >>> import bayesurv as bs
    >>> kind_from_settings(bs.ChangePoint(near=13).settings())
    ChangePoint(grid=None, near=13.0, spread=None, prior=None, baseline=None, priors='default')
    """
    name = settings.get("kind") if isinstance(settings, Mapping) else None
    if name not in KINDS:
        raise FitFileError(f"unknown model kind {name!r} in the saved settings; this version "
                           f"of bayesurv knows {sorted(KINDS)}")
    return KINDS[name].from_settings(settings)


class HazardModel(Pinning):
    """Base class of the piecewise-exponential model kinds (not used directly).

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

    kind: ClassVar[str] = "base"
    label: ClassVar[str] = "piecewise-exponential"  # words for titles: "fixed-cut", ...
    # the marginalized discrete parameter: its name, dimension and whether it exists
    state_name: ClassVar[str | None] = None
    state_dim: ClassVar[str] = "candidate"
    setting_names: ClassVar[tuple[str, ...]] = ("baseline",)
    kind_array_names: ClassVar[tuple[str, ...]] = ()  # stored in a fit's constant_data
    graph_array_names: ClassVar[tuple[str, ...]] = ()  # of those, the ones the graph reads
    result: ClassVar[str] = "survival"  # which result object wraps its posterior

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        KINDS[cls.kind] = cls

    def __init__(self, baseline=None, priors=None):
        self.baseline = baseline
        self.priors: PriorSet = get_prior_set(priors)

    # -------------------------------------------------------------- settings
    def settings(self) -> dict:
        """JSON-friendly model settings (stored in saved fits and reports).

        Examples
        --------
        >>> sorted(bs.PiecewiseExponential(cuts=[13]).settings())
        ['baseline', 'cuts', 'kind', 'priors']
        """
        values = {name: _jsonable(getattr(self, name)) for name in self.setting_names}
        return {"kind": self.kind, **values, "priors": self.priors.to_dict()}

    @classmethod
    def from_settings(cls, settings: Mapping) -> HazardModel:
        """The model of :meth:`settings` (used when a saved fit is loaded).

        Examples
        --------
        >>> model = bs.ChangePoint(grid=[6, 12], priors="skeptical")
        >>> again = type(model).from_settings(model.settings())
        >>> again.settings() == model.settings()
        True
        """
        known = {k: settings[k] for k in cls.setting_names if k in settings}
        return cls(**known, priors=PriorSet.from_dict(settings["priors"]))

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

    # -------------------------------------------------------------- a kind provides
    def arrays(self, data: SurvivalData) -> ModelArrays:
        """Validate the model's settings against the data and build its arrays."""
        raise NotImplementedError

    def period_rows(self, arrays) -> list[tuple[str, float, float]]:
        """``(label, start, end)`` of each treatment-effect period (``log_hr``'s last axis)."""
        raise NotImplementedError

    def effects(self, xp, log_hr, arrays):
        """Treatment log HR per (..., regime, fine piece, treated group)."""
        raise NotImplementedError

    def regimes(self, arrays) -> np.ndarray:
        """Regime holding on each fine piece in each state, (states, fine pieces).

        Examples
        --------
        >>> model = bs.PiecewiseExponential(cuts=[13])
        >>> model.regimes(model.arrays(data)).tolist()  # one state, one regime
        [[0, 0, 0, 0, 0, 0, 0, 0]]
        """
        return np.zeros((1, np.size(arrays["fine_edges"])), dtype=int)

    def state_log_prior(self, arrays, xp=np) -> np.ndarray:
        """Log prior weight of each state (one state, weight 1, unless the kind has more)."""
        return xp.zeros(1)

    def state_values(self, arrays) -> np.ndarray:
        """The value of the discrete parameter in each state (e.g. the candidate times)."""
        return np.zeros(1)

    def state_loglik(self, xp, lh, xb, d):
        """Log-likelihood of each state, shape (states,), for log hazards ``lh`` (regimes,
        pieces, groups), covariate linear predictor ``xb`` and graph values ``d``
        (:meth:`graph_values`)."""
        raise NotImplementedError

    def describe(self, arrays, time_unit: str) -> str:
        """One sentence for a report's model section."""
        raise NotImplementedError

    def default_landmarks(self) -> list[float] | None:
        """Landmarks for the frequentist comparison; None: use the posterior of the state.

        Examples
        --------
        >>> bs.PiecewiseExponential(cuts=[13]).default_landmarks()
        [13.0]
        """
        return None

    # -------------------------------------------------------------- shared
    def fit(self, data, draws: int = 1000, tune: int = 1000, chains: int = 4,
            random_seed: int | None = None, sampler: str = "jax", cores: int | None = None,
            target_accept: float = 0.9, progressbar: bool = True):
        """Sample the posterior with NUTS and return a :class:`bayesurv.Fit`.

        Parameters
        ----------
        data : SurvivalData, or a list of them
            The data to fit; a list (reconstructions of digitized curves) gives their
            pooled posterior (:mod:`bayesurv.inference.pooled`).
        draws, tune : int
            Posterior draws kept and tuning steps per chain.
        chains : int
            Number of chains (results are identical whether they run in parallel or not).
        random_seed : int, optional
            Seed; the same seed gives the same numbers.
        sampler : {"jax", "pymc", "nutpie"}
            NUTS implementation.  ``"jax"`` (default): NUTS (numpyro's trajectory, Stan's
            adaptation) on the model's log-density compiled once through PyTensor's JAX
            backend, data as arguments, so a refit costs sampling only (see
            :mod:`bayesurv.inference.jax_nuts`).  ``"pymc"``:
            PyMC's own NUTS on a freshly compiled model (progress bar, parallel chains).
            ``"nutpie"``: needs the ``fast`` extra.
        cores : int, optional
            With ``sampler="pymc"``, chains run in parallel on this many processes (default:
            1).  The JAX sampler runs the chains vectorized in one process.
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
        if _SAMPLER is None:  # pragma: no cover - bayesurv's __init__ registers it
            raise RuntimeError("no sampler registered: import bayesurv (or bayesurv.inference)")
        return _SAMPLER(self, data, draws=draws, tune=tune, chains=chains,
                        random_seed=random_seed, sampler=sampler, cores=cores,
                        target_accept=target_accept, progressbar=progressbar)

    def check_usable(self, data, stacklevel: int = 2) -> None:
        """Refuse data this kind cannot be fitted to (before anything is built); warn about
        sparse groups (see :func:`bayesurv.data.usable.check_data_usable`).

        Examples
        --------
        >>> bs.PiecewiseExponential().check_usable(data)  # 44 events in two arms: no remark
        """
        check_data_usable(data, stacklevel=stacklevel + 1)

    def posterior_dims(self, arrays: ModelArrays) -> dict[str, list[str]]:
        """The dimensions of each posterior variable (as in :meth:`coords`).

        Examples
        --------
        >>> bs.PiecewiseExponential().posterior_dims(None)["log_hr"]
        ['group', 'period']
        """
        dims = {"log_baseline": ["piece"], "log_hr": ["group", "period"],
                "beta": ["covariate"]}
        if self.state_name is not None:
            dims[f"{self.state_name}_probability"] = [self.state_dim]
        return dims

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

    def coords(self, arrays: ModelArrays) -> dict[str, list]:
        """Coordinates of the posterior's dimensions: baseline pieces, treated groups,
        periods, covariates and, for a kind with states, the state values.

        Examples
        --------
        >>> model = bs.PiecewiseExponential(cuts=[13])
        >>> model.coords(model.arrays(data))["period"]
        ['0-13', '13+']
        """
        coords = {"piece": interval_labels(arrays.baseline_edges),
                  "group": list(arrays.groups[1:]),
                  "period": [label for label, _, _ in self.period_rows(arrays)],
                  "covariate": list(arrays.covariate_names)}
        if self.state_name is not None:
            coords[self.state_dim] = list(self.state_values(arrays))
        return coords

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

    def _baseline_cuts(self, data: SurvivalData) -> np.ndarray:
        return resolve_baseline(data, self.baseline, keep=self.baseline_keeps())

    def baseline_keeps(self) -> np.ndarray:
        """Cuts the default baseline always includes: none unless the kind has fixed cuts."""
        return np.zeros(0)


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [float(v) for v in value]
    return value
