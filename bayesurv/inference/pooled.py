"""One model fitted to several reconstructions of the same digitized curves, pooled.

Reconstructing patient rows from a published Kaplan-Meier curve is uncertain: where the
clicks fall, where censorings sit inside each risk-table interval.  ``model.fit([data_1,
..., data_K])`` fits the model to each of K reconstructions
(:func:`bayesurv.reconstruct_ipd` with ``draws=K``) and returns one :class:`~bayesurv.Fit`
whose posterior is the **equal-weight mixture** of the K posteriors: the Bayesian
counterpart of multiple imputation (each reconstruction is one plausible data set).

How the fits are made
---------------------
- **One model for all**: the baseline pieces are chosen once, from the first data set (its
  default cuts, see :func:`bayesurv.model.arrays.default_baseline_cuts`, unless the model
  gives its own), and used for all K; the default change-point grid keeps the candidates
  that every data set has events before and after (:meth:`HazardModel.pinned`).  Every fit
  has the same shapes, so the compiled-once JAX model (:mod:`bayesurv.inference.jax_nuts`)
  serves them all: the K - 1 refits cost sampling only.  A fit whose parameters would still
  differ between data sets (e.g. a grid given by the user that some reconstruction cannot
  inform) is refused with the reason.
- **Draws**: each reconstruction gets ``ceil(draws / K)`` draws and ``ceil(tune / K)``
  tuning steps per chain, but at least :data:`MIN_DRAWS` and :data:`MIN_TUNE` (never more
  than asked), so the pooled posterior has about ``draws`` draws per chain and each
  reconstruction's sampler still adapts and can be diagnosed.
- **Seeds**: reconstruction k is sampled with the k-th seed of
  :func:`bayesurv.inference.tasks.task_seeds` (the fit's seed, k): reproducible.

The result
----------
The posterior stacks the fits along ``chain`` (reconstruction-major: chains
``k * chains ... (k + 1) * chains - 1`` are reconstruction k), with a ``reconstruction``
coordinate on the chain dimension, so every table of a Fit reads the mixture.  Diagnostics
are computed within each reconstruction (:mod:`bayesurv.inference.diagnostics`): the chains
of different reconstructions legitimately disagree.  The stored model arrays
(``constant_data``) and data summary are those of the first data set; the attribute
``bayesurv_reconstructions`` records K and every data set's patients and events.  The
sampler settings (``fit.sampler_settings``) are those of each reconstruction's fit (chains,
draws and tuning steps per reconstruction), with the pooled fit's seed and times.
"""

from __future__ import annotations

import json
import math
import time
import warnings

import numpy as np
import xarray as xr

from bayesurv.base.exceptions import BayesurvInputError, ConvergenceWarning, DataError
from bayesurv.data.aggregated import AggregatedData
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.diagnostics import check_convergence
from bayesurv.inference.fit import ATTR_PREFIX, Fit
from bayesurv.inference.reconstruction_share import RECONSTRUCTIONS_ATTR
from bayesurv.inference.tasks import task_seeds

__all__ = ["MIN_DRAWS", "MIN_TUNE", "check_data_list", "per_reconstruction", "sample_pooled"]

# 200 draws per chain: with 100, R-hat within reconstructions (80 chains of 100 draws for
# K = 20 x 4 chains) sat at 1.008-1.012 on well-mixed fits of the reference curves, its
# noise floor for such short chains, so the 1.01 threshold fired on chance; with 200 it was
# 1.003-1.006 (benchmarks/reconstruct_pooled.py)
MIN_DRAWS = 200
MIN_TUNE = 200
_SAME = ("groups", "reference", "time_unit")


def per_reconstruction(total: int, k: int, floor: int) -> int:
    """Draws (or tuning steps) per chain of each of ``k`` reconstructions for ``total``
    asked for the pooled fit: ``ceil(total / k)``, at least ``floor``, at most ``total``.

    Examples
    --------
    >>> per_reconstruction(1000, 20, MIN_DRAWS), per_reconstruction(1000, 4, MIN_DRAWS)
    (200, 250)
    >>> per_reconstruction(50, 20, MIN_DRAWS)  # fewer than the floor asked: as asked
    50
    """
    return min(int(total), max(math.ceil(total / k), int(floor)))


def check_data_list(datas) -> list:
    """The data sets of a pooled fit, checked: a non-empty list of SurvivalData (or of
    AggregatedData) with the same groups, reference group and time unit.

    Examples
    --------
    >>> check_data_list([])
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: fit: the list of data sets is empty; ...
    >>> check_data_list([data, "rows.csv"])
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: fit: data set 1 of the list is a str, ...
    """
    items = list(datas)
    if not items:
        raise BayesurvInputError("fit: the list of data sets is empty; give one SurvivalData "
                                 "per reconstruction (e.g. from reconstruct_ipd(..., draws=K))")
    first_type = type(items[0])
    for index, item in enumerate(items):
        if not isinstance(item, SurvivalData | AggregatedData):
            raise BayesurvInputError(
                f"fit: data set {index} of the list is a {type(item).__name__}, not a "
                "SurvivalData or AggregatedData (build each with SurvivalData.from_frame)")
        if type(item) is not first_type:
            raise BayesurvInputError(
                f"fit: data set {index} of the list is a {type(item).__name__} and data set "
                f"0 a {first_type.__name__}; pool data sets of one kind")
        for name in _SAME:
            mine, theirs = getattr(item, name), getattr(items[0], name)
            if mine != theirs:
                raise DataError(f"fit: data set {index} of the list has {name} {mine!r}, "
                                f"data set 0 {theirs!r}; pooled data sets must be "
                                "reconstructions of the same trial")
    return items


def sample_pooled(model, datas, *, sample, settings: dict, progressbar: bool) -> Fit:
    """Fit ``model`` to every data set of ``datas`` and pool the posteriors (see the module
    text); ``sample`` fits one data set (:func:`bayesurv.inference.sampling.sample`) and
    ``settings`` are the checked sampler settings of the pooled fit.

    Examples
    --------
    What ``model.fit([data_1, data_2], ...)`` runs:

    >>> pooled = bs.PiecewiseExponential(cuts=[13]).fit(
    ...     [data, data], draws=100, tune=100, chains=2, random_seed=1, progressbar=False)
    >>> pooled.reconstructions, pooled.idata.posterior.sizes["chain"]
    (2, 4)
    """
    items = check_data_list(datas)
    if getattr(model, "result", "survival") != "survival":
        raise BayesurvInputError(f"fit: a list of data sets is pooled for survival models "
                                 f"only, not for {type(model).__name__}")
    k = len(items)
    draws = per_reconstruction(settings["draws"], k, MIN_DRAWS)
    tune = per_reconstruction(settings["tune"], k, MIN_TUNE)
    seeds = task_seeds(settings["random_seed"], k)
    start = time.perf_counter()
    fits = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pinned = model.pinned(items)  # same shapes for all: one compiled model
        for index, (data, seed) in enumerate(zip(items, seeds, strict=True)):
            fits.append(sample(pinned, data, draws=draws, tune=tune, diagnose=False,
                               chains=settings["chains"], random_seed=seed,
                               sampler=settings["sampler"], cores=settings["cores"],
                               target_accept=settings["target_accept"],
                               progressbar=progressbar))
            _check_same_coords(fits[0], fits[-1], index)
    _repeat_once(caught, k)
    elapsed = time.perf_counter() - start
    idata = _stack(fits, settings, draws, tune, elapsed)
    idata.posterior.attrs[RECONSTRUCTIONS_ATTR] = json.dumps(
        {"count": k, "draws": draws, "tune": tune, "chains": settings["chains"],
         "seeds": seeds, "n": [int(d.n) for d in items],
         "events": [int(d.n_events) for d in items]})
    fit = Fit(idata)
    check_convergence(idata, warn=True, stacklevel=5)
    return fit


def _check_same_coords(first: Fit, other: Fit, index: int) -> None:
    for dim, values in first.idata.posterior.coords.items():
        if dim in ("chain", "draw"):
            continue
        theirs = other.idata.posterior.coords[dim].to_numpy()
        if values.shape != theirs.shape or not (values.to_numpy() == theirs).all():
            raise BayesurvInputError(
                f"fit: data set {index} of the list gives the model other {dim} values than "
                f"data set 0; give the model's grid explicitly, with points every data set "
                "has events before and after")


def _repeat_once(caught, k: int) -> None:
    """Warnings of the K fits, each said once (per-fit convergence warnings are dropped:
    the pooled fit is diagnosed per reconstruction afterwards)."""
    seen = set()
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            continue
        key = (w.category, str(w.message))
        if key not in seen:
            seen.add(key)
            warnings.warn(f"{w.message} (in at least one of the {k} data sets)", w.category,
                          stacklevel=5)


def _stack(fits: list[Fit], settings: dict, draws: int, tune: int, elapsed: float):
    """The K posteriors and sample statistics as one InferenceData, chains
    reconstruction-major, with a ``reconstruction`` coordinate on ``chain``."""
    chains = settings["chains"]
    which = np.repeat(np.arange(len(fits)), chains)
    idata = fits[0].idata.copy()
    for group in ("posterior", "sample_stats"):
        parts = [f.idata[group].drop_vars("chain") for f in fits]
        stacked = xr.concat(parts, dim="chain", combine_attrs="override")
        stacked = stacked.assign_coords(chain=np.arange(which.size),
                                        reconstruction=("chain", which))
        stacked.attrs = dict(fits[0].idata[group].attrs)
        idata[group] = stacked
    record = json.loads(idata.posterior.attrs[ATTR_PREFIX + "sampler"])
    sampling = sum(json.loads(f.idata.posterior.attrs[ATTR_PREFIX + "sampler"])
                   ["sampling_seconds"] for f in fits)
    # chains per reconstruction: the posterior has len(fits) times as many
    record |= {"draws": draws, "tune": tune, "chains": chains,
               "random_seed": settings["random_seed"], "wall_seconds": round(elapsed, 3),
               "sampling_seconds": round(sampling, 3)}
    idata.posterior.attrs[ATTR_PREFIX + "sampler"] = json.dumps(record)
    return idata
