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

:func:`~bayesurv.model.graph.log_hazards` turns the effects into log hazards on the fine
grid for the PyMC graph and for NumPy posterior draws alike, so a survival curve is computed
by the same function as the likelihood that was fitted; how a kind becomes a PyMC graph is in
:class:`~bayesurv.model.graph.GraphModel`.  Nothing above the model layer branches on the
kind.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from bayesurv.base.exceptions import FitFileError
from bayesurv.base.vocabulary import interval_labels
from bayesurv.data.survival_data import SurvivalData
from bayesurv.data.usable import check_data_usable
from bayesurv.model.arrays import ModelArrays, resolve_baseline
from bayesurv.model.graph import GraphModel
from bayesurv.model.pinning import Pinning
from bayesurv.model.priors import PriorSet, get_prior_set

__all__ = ["KINDS", "HazardModel", "kind_from_settings", "register_sampler"]

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


class HazardModel(GraphModel, Pinning):
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
