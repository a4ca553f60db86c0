"""NUTS for a model compiled once: the PyMC model's log-density on JAX, data as arguments.

The kind's PyMC model is built on fixed-shape symbolic data inputs (every array and prior
parameter of :meth:`HazardModel.graph_values`) and compiled through PyTensor's JAX backend
into one function of the parameters *and the data*.  :mod:`bayesurv.inference.nuts` samples
it: NUTS with Stan's adaptation, all chains vectorized, in jitted chunks whose numbers of
tuning steps and draws are run-time values.  The compiled function is kept per process, keyed
by the shapes it was built for, and on disk by JAX's persistent compilation cache, so a refit
on new data, under other priors, with a new seed or with other ``draws``/``tune`` pays for
sampling only.

Shapes are made to repeat: the fine grid and the change-point grid are padded to multiples
of :data:`PAD_STEP` (empty pieces have no events and no exposure, padded candidates prior
weight 0, so the likelihood is unchanged), and so are the patients of a covariate model
(padded patients have no follow-up).  One compiled version then serves every trial with the
same number of baseline pieces, periods, groups and covariates.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from bayesurv.inference.nuts import CHUNK, adaptation_schedule, initial_state, nuts_step

__all__ = ["PAD_STEP", "cache_folder", "compiled_model", "padded_values", "run_nuts"]

PAD_STEP = 16
_COMPILED: dict[tuple, CompiledModel] = {}


def cache_folder() -> Path:
    """Where JAX keeps compiled code between processes: ``$BAYESURV_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/bayesurv`` (``~/.cache/bayesurv``).

    Examples
    --------
    >>> saved = os.environ.pop("BAYESURV_CACHE_DIR", None)
    >>> os.environ["BAYESURV_CACHE_DIR"] = "/var/cache/trial-42"
    >>> cache_folder().as_posix()
    '/var/cache/trial-42'
    >>> del os.environ["BAYESURV_CACHE_DIR"]
    >>> if saved is not None:
    ...     os.environ["BAYESURV_CACHE_DIR"] = saved
    """
    folder = os.environ.get("BAYESURV_CACHE_DIR")
    if folder:
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bayesurv"


@functools.cache
def _jax():
    """Import JAX in double precision with the persistent compilation cache on."""
    import jax

    jax.config.update("jax_enable_x64", True)
    try:
        folder = cache_folder() / "jax"
        folder.mkdir(parents=True, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", os.fspath(folder))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    except OSError:  # a read-only home: compile in memory only
        pass
    return jax


def _round_up(n: int) -> int:
    return int(-(-n // PAD_STEP) * PAD_STEP)


def padded_values(values: dict, dims: dict) -> dict:
    """``values`` (:meth:`HazardModel.graph_values`) padded to repeatable shapes.

    Along ``fine_piece`` and ``fine_width`` (the fine grid), the kind's own dimension
    (e.g. change-point candidates) and ``patient``: index maps repeat their last entry,
    everything else is 0 (no events, no exposure, zero width, prior weight 0, no
    follow-up), which leaves the likelihood unchanged.

    Examples
    --------
    >>> model = bs.ChangePoint(near=13)
    >>> arrays = model.arrays(data)
    >>> padded = padded_values(model.graph_values(arrays),
    ...                        model.graph_dims(arrays))
    >>> padded["events"].shape, padded["tau_prior"].shape, float(padded["events"][60:].sum())
    ((64, 2), (64,), 0.0)
    """
    sizes = {}
    for name, dim in dims.items():
        sizes[dim] = max(sizes.get(dim, 0), values[name].shape[0])
    targets = {dim: _round_up(size) for dim, size in sizes.items()}
    for dim in targets:  # the widths of all but the last piece (of each grid, by suffix)
        if dim.startswith("fine_width"):
            targets[dim] = targets["fine_piece" + dim.removeprefix("fine_width")] - 1
    out = dict(values)
    for name, dim in dims.items():
        # padded patients (of a transition too: "patient_<key>") have no follow-up at all
        edge = not dim.startswith("patient") and np.issubdtype(values[name].dtype, np.integer)
        out[name] = _pad(values[name], targets[dim], edge=edge)
    return out


def _pad(array: np.ndarray, size: int, edge: bool) -> np.ndarray:
    extra = size - array.shape[0]
    widths = [(0, extra)] + [(0, 0)] * (array.ndim - 1)
    return np.pad(array, widths, mode="edge" if edge else "constant")


class CompiledModel:
    """A kind's log-density and state probabilities as one JAX function of (parameters,
    data), and jitted NUTS runs of it, for one set of shapes."""

    def __init__(self, model, arrays, values: dict):
        import pytensor.tensor as pt
        from pymc.sampling.jax import get_jaxified_graph
        from pytensor.graph.replace import graph_replace

        self.data_names = list(values)
        data_inputs = [pt.tensor(name, shape=np.shape(values[name]),
                                 dtype=np.asarray(values[name]).dtype.name)
                       for name in self.data_names]
        pm_model = model.build_model(arrays, values,
                                     inputs=dict(zip(self.data_names, data_inputs, strict=True)))
        self.names = [v.name for v in pm_model.value_vars]
        self.shapes = model.parameter_shapes(arrays)
        outputs = [pm_model.logp(jacobian=True)]
        self.state_name = model.state_name
        if model.state_name is not None:
            deterministic = pm_model[f"{model.state_name}_probability"]
            outputs += pm_model.replace_rvs_by_values([deterministic])
        inputs = [pt.tensor(v.name, shape=self.shapes[v.name], dtype=v.dtype)
                  for v in pm_model.value_vars]
        outputs = graph_replace(outputs, dict(zip(pm_model.value_vars, inputs, strict=True)),
                                strict=False)
        self.function = get_jaxified_graph(inputs=[*inputs, *data_inputs], outputs=outputs)

    def log_density(self, z: dict, data: tuple):
        """Log posterior density (up to a constant) at parameters ``z``."""
        return self.function(*[z[n] for n in self.names], *data)[0]

    def state_probability(self, z: dict, data: tuple):
        """P(state | parameters, data) (the change-point probabilities)."""
        return self.function(*[z[n] for n in self.names], *data)[1]

    def parameter_size(self) -> int:
        """Number of sampled scalars (the length of the flat position vector)."""
        return int(sum(np.prod(shape, dtype=int) for shape in self.shapes.values()))

    def unravel(self, flat):
        """Flat positions (..., parameters) -> arrays (..., parameter shape) by name."""
        out, start = {}, 0
        for name in self.names:
            size = int(np.prod(self.shapes[name], dtype=int))
            out[name] = flat[..., start:start + size].reshape((*flat.shape[:-1],
                                                               *self.shapes[name]))
            start += size
        return out

    @functools.cache  # noqa: B019 (one compiled chunk per setting, kept with the model)
    def chunk(self, target_accept: float, max_tree_depth: int):
        """The jitted advance of every chain by up to :data:`CHUNK` NUTS iterations."""
        jax = _jax()

        def potential(data):
            return lambda flat: -self.log_density(self.unravel(flat), data)

        def probability(flat, data):
            return self.state_probability(self.unravel(flat), data)

        step = nuts_step(potential, probability if self.state_name else None,
                         target_accept, max_tree_depth)
        return jax.jit(jax.vmap(step, in_axes=(0, None, None, None, None, None)))

    @functools.cache  # noqa: B019
    def starter(self):
        """The jitted initial NUTS state of every chain."""
        jax = _jax()

        def start(key, flat, data):
            return initial_state(lambda z: -self.log_density(self.unravel(z), data), key, flat)

        return jax.jit(jax.vmap(start, in_axes=(0, 0, None)))


def compiled_model(model, arrays, values: dict) -> CompiledModel:
    """The compiled model for these (padded) shapes, compiled on first use in this process.

    Examples
    --------
    >>> model = bs.ChangePoint(near=13)
    >>> arrays = model.arrays(data)
    >>> values = padded_values(model.graph_values(arrays),
    ...                        model.graph_dims(arrays))
    >>> compiled_model(model, arrays, values) is compiled_model(bs.ChangePoint(near=12),
    ...                                                         arrays, values)
    True
    """
    shapes = tuple((name, np.shape(v), np.asarray(v).dtype.str) for name, v in values.items())
    # the parameter shapes hold the numbers of baseline pieces, groups and periods
    key = (type(model), tuple(model.parameter_shapes(arrays).items()), shapes)
    if key not in _COMPILED:
        _COMPILED[key] = CompiledModel(model, arrays, values)
    return _COMPILED[key]


def run_nuts(model, arrays, *, draws: int, tune: int, chains: int, random_seed: int,
             target_accept: float, max_tree_depth: int = 10,
             progress=None) -> tuple[dict, dict]:
    """Sample ``model`` on ``arrays``: posterior and sample statistics, (chains, draws, ...).

    Chains start at the prior means jittered by U(-1, 1), as PyMC's default
    ``jitter+adapt_diag`` does.  The same seed gives the same numbers.  ``progress``, if
    given, is called with (iterations done, iterations in all) after every chunk.

    Examples
    --------
    >>> model = bs.PiecewiseExponential(cuts=[13])
    >>> posterior, stats = run_nuts(model, model.arrays(data), draws=50, tune=50, chains=2,
    ...                             random_seed=1, target_accept=0.9)
    >>> posterior["log_hr"].shape, stats["diverging"].shape
    ((2, 50, 1, 2), (2, 50))
    """
    jax = _jax()
    real = model.graph_values(arrays)
    values = padded_values(real, model.graph_dims(arrays))
    compiled = compiled_model(model, arrays, values)
    data = tuple(np.asarray(values[name]) for name in compiled.data_names)
    start = model.initial_point(values, compiled.shapes)
    rng = np.random.default_rng(random_seed)
    flat = np.concatenate([np.ravel(start[name]) for name in compiled.names])
    inits = flat + rng.uniform(-1.0, 1.0, (chains, flat.size))
    keys = jax.random.split(jax.random.PRNGKey(random_seed), chains)
    state = compiled.starter()(keys, inits, data)
    schedule, n_windows = adaptation_schedule(int(tune))
    advance = compiled.chunk(float(target_accept), int(max_tree_depth))
    tune, total, pieces = int(tune), int(tune) + int(draws), []
    for begin in range(0, total, CHUNK):
        n_active = min(CHUNK, total - begin)
        state, out = advance(state, data, schedule, n_windows, tune, n_active)
        kept = slice(max(tune - begin, 0), n_active)  # the draws after warm-up
        if kept.start < kept.stop:
            pieces.append(jax.device_get({name: value[:, kept] for name, value in out.items()}))
        if progress is not None:
            progress(begin + n_active, total)
    stats = {name: np.concatenate([p[name] for p in pieces], axis=1) for name in pieces[0]}
    posterior = compiled.unravel(stats.pop("z"))  # (chains, draws, parameter shape)
    probability = stats.pop("state_probability")
    if model.state_name is not None:
        n_states = np.size(model.state_values(arrays))
        posterior[f"{model.state_name}_probability"] = probability[..., :n_states]
    stats["tree_depth"] = np.floor(np.log2(stats["n_steps"] + 1)).astype(int)
    return posterior, stats
