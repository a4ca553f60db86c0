"""Sampling: check the settings once, build the kind's PyMC model, run NUTS, wrap a Fit.

:func:`sample` is what ``model.fit(data, ...)`` runs (the model layer hands it the call;
see :func:`bayesurv.model.kind.register_sampler`).  Sampler settings are validated here and
nowhere else before sampling starts.
"""

from __future__ import annotations

import json
import logging
import sys
import time

import arviz as az
import numpy as np
import pymc as pm
import xarray as xr

from bayesurv.base.checks import check_sampler_settings
from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.base.version import __version__
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.diagnostics import check_convergence
from bayesurv.inference.fit import ATTR_PREFIX, Fit
from bayesurv.inference.illness_death_fit import IllnessDeathFit
from bayesurv.inference.jax_nuts import run_nuts
from bayesurv.inference.pooled import sample_pooled
from bayesurv.model.kind import HazardModel, register_sampler

__all__ = ["RESULTS", "draw_states", "sample", "settings_of_fit"]

# the result object of each kind's ``result``
RESULTS = {"survival": Fit, "illness_death": IllnessDeathFit}

def settings_of_fit(draws, tune, chains, random_seed, sampler, cores, target_accept) -> dict:
    """The sampler settings of one fit, checked once (:func:`bayesurv.base.checks.
    check_sampler_settings`), with the defaults filled in and a seed drawn when none is given.

    Examples
    --------
    >>> s = settings_of_fit(100, 0, 2, 7, "pymc", None, 0.9)
    >>> s["draws"], s["cores"], s["random_seed"]
    (100, 1, 7)
    >>> settings_of_fit(100, 0, 2, 7, "stan", None, 0.9)
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: fit: sampler must be one of ... got 'stan'
    """
    given = {"draws": draws, "tune": tune, "chains": chains, "random_seed": random_seed,
             "sampler": sampler, "cores": cores, "target_accept": target_accept}
    settings = check_sampler_settings(given)
    if settings["random_seed"] is None:
        settings["random_seed"] = int(np.random.SeedSequence().generate_state(1)[0])
    if settings["cores"] is None:
        settings["cores"] = 1
    return settings


def sample(model: HazardModel, data: SurvivalData, *, draws: int, tune: int, chains: int,
           random_seed, sampler: str, cores, target_accept: float, progressbar: bool,
           diagnose: bool = True) -> Fit:
    """Check everything, build the PyMC model of ``model`` on ``data``, sample, wrap a Fit.

    ``data`` may be a list of data sets (reconstructions of digitized curves): their
    posteriors are pooled (:mod:`bayesurv.inference.pooled`).  ``diagnose=False`` skips the
    convergence warnings (a pooled fit diagnoses its reconstructions together).

    Examples
    --------
    What ``model.fit(data, ...)`` runs:

    >>> model = bs.PiecewiseExponential(cuts=[13])
    >>> small = sample(model, data, draws=100, tune=100, chains=2, random_seed=3,
    ...                sampler="pymc", cores=1, target_accept=0.9, progressbar=False)
    >>> small.kind, small.idata.posterior.sizes["chain"], small.idata.posterior.sizes["draw"]
    ('piecewise', 2, 100)
    """
    s = settings_of_fit(draws, tune, chains, random_seed, sampler, cores, target_accept)
    if isinstance(data, list | tuple):  # reconstructions of digitized curves: pooled
        return sample_pooled(model, data, sample=sample, settings=s, progressbar=progressbar)
    model.check_usable(data, stacklevel=3)  # warnings point at the caller of model.fit
    arrays = model.arrays(data)
    start = time.perf_counter()
    if sampler == "jax":
        idata = _sample_jax(model, arrays, s, progressbar)
    else:
        idata = _sample_pymc(model, arrays, s, progressbar)
    elapsed = time.perf_counter() - start

    draw_states(idata, model, arrays, np.random.default_rng(s["random_seed"]))
    if "constant_data" in idata:
        del idata.constant_data
    idata.add_groups(constant_data=arrays.constant_data())
    record = s | {"wall_seconds": round(elapsed, 3),
                  "sampling_seconds": _sampling_seconds(idata, elapsed)}
    attrs = {"version": __version__, "model": json.dumps(model.settings()),
             "data": json.dumps(data.to_dict()), "sampler": json.dumps(record)}
    idata.posterior.attrs.update({ATTR_PREFIX + k: v for k, v in attrs.items()})
    fit = RESULTS[model.result](idata)
    if diagnose:
        check_convergence(idata, warn=True, stacklevel=4)  # points at the caller of model.fit
    return fit


def _sample_pymc(model: HazardModel, arrays, s: dict, progressbar: bool):
    """PyMC's own NUTS (or nutpie through PyMC) on a freshly built model."""
    kwargs = {"draws": s["draws"], "tune": s["tune"], "chains": s["chains"],
              "cores": s["cores"], "random_seed": s["random_seed"], "progressbar": progressbar,
              "target_accept": s["target_accept"], "compute_convergence_checks": False,
              "return_inferencedata": True}
    if s["cores"] > 1:
        # JAX (the default sampler) may already run threads in this process: no fork
        kwargs["mp_ctx"] = "forkserver"
    if s["sampler"] == "nutpie":
        _require_nutpie()
        kwargs = {k: v for k, v in kwargs.items() if k != "cores"}
        kwargs["nuts_sampler"] = "nutpie"
        kwargs["nuts_sampler_kwargs"] = {"cores": s["cores"]}
    with model.build_model(arrays), _QuietPymc(not progressbar):
        return pm.sample(**kwargs)


def _sample_jax(model: HazardModel, arrays, s: dict, progressbar: bool):
    """NUTS on the compiled-once JAX log-density (:mod:`bayesurv.inference.jax_nuts`)."""
    start = time.perf_counter()
    posterior, stats = run_nuts(model, arrays, draws=s["draws"], tune=s["tune"],
                                chains=s["chains"], random_seed=s["random_seed"],
                                target_accept=s["target_accept"],
                                progress=_print_progress if progressbar else None)
    if progressbar:
        sys.stderr.write("\n")
    elapsed = time.perf_counter() - start
    idata = az.from_dict(posterior=posterior, sample_stats=stats, coords=model.coords(arrays),
                         dims=model.posterior_dims(arrays))
    idata.posterior.attrs["sampling_time"] = elapsed
    return idata


def _print_progress(done: int, total: int) -> None:
    sys.stderr.write(f"\rsampling: {done}/{total} iterations per chain "
                     f"({100 * done // total}%)")
    sys.stderr.flush()


def draw_states(idata, model: HazardModel, arrays, rng: np.random.Generator) -> None:
    """Add one draw of the kind's discrete parameter (e.g. tau) per posterior draw, from its
    conditional posterior; nothing for a kind with a single state.

    Examples
    --------
    Redraw tau on a copy of a fit's posterior:

    >>> idata = fit.idata.copy()
    >>> model = bs.ChangePoint(near=13)
    >>> draw_states(idata, model, model.arrays(data), np.random.default_rng(0))
    >>> idata.posterior["tau"].shape
    (2, 200)
    """
    if model.state_name is None:
        return
    prob = idata.posterior[f"{model.state_name}_probability"].to_numpy()
    cum = prob.cumsum(axis=-1)
    u = rng.random((*cum.shape[:-1], 1)) * cum[..., -1:]
    which = np.minimum((cum < u).sum(axis=-1), prob.shape[-1] - 1)
    values = model.state_values(arrays)[which]
    idata.posterior[model.state_name] = xr.DataArray(
        values, dims=("chain", "draw"),
        coords={"chain": idata.posterior.chain, "draw": idata.posterior.draw})


def _sampling_seconds(idata, fallback: float) -> float:
    """Time spent drawing samples, after compilation (as PyMC records it)."""
    value = idata.posterior.attrs.get("sampling_time", fallback)
    return round(float(value), 3)


def _require_nutpie() -> None:
    try:
        import nutpie  # noqa: F401
    except ImportError:
        raise BayesurvInputError("sampler='nutpie' needs the nutpie package: "
                                 "pip install 'bayesurv[fast]'") from None


class _QuietPymc:
    """Silence PyMC's INFO log lines (sampler choice, timings) when progress is hidden."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.logger = logging.getLogger("pymc")

    def __enter__(self):
        self.level = self.logger.level
        if self.quiet:
            self.logger.setLevel(logging.WARNING)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)


register_sampler(sample)
