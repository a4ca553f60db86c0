"""NUTS whose numbers of tuning steps and draws are run-time values, so it compiles once.

The trajectory is numpyro's No-U-Turn tree (``build_tree``, multinomial sampling, Hoffman &
Gelman 2014 as in Betancourt 2017) with its leapfrog integrator; step size and diagonal mass
matrix are adapted as Stan does (dual averaging towards a target acceptance rate; Welford
variance estimates over doubling windows between a 75-step start and a 50-step end buffer;
numpyro's ``build_adaptation_schedule``).  Unlike numpyro's own kernel, the window schedule,
the number of tuning steps and how many iterations a call runs are *arguments*: one jitted
:func:`nuts_step` chunk serves every ``tune`` and ``draws``, and a run is a few calls of it
(:data:`CHUNK` iterations each).  Positions are flat vectors.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["CHUNK", "MAX_WINDOWS", "adaptation_schedule", "initial_state", "nuts_step"]

CHUNK = 100  # iterations per compiled call
MAX_WINDOWS = 40  # adaptation windows a schedule may have (doubling: enough for 10^9 steps)


class ChainState(NamedTuple):
    """One chain: position, potential and its gradient, adaptation, iteration, random key."""

    z: object
    potential: object
    grad: object
    step_size: object
    inverse_mass: object
    dual_averaging: tuple
    welford: tuple
    window: object
    iteration: object
    key: object


def adaptation_schedule(tune: int) -> tuple[np.ndarray, int]:
    """Stan's warm-up windows for ``tune`` steps, as (start, end) rows padded to
    :data:`MAX_WINDOWS`, and the number of windows.

    Examples
    --------
    >>> schedule, n = adaptation_schedule(1000)
    >>> n, schedule[:n].tolist()
    (7, [[0, 74], [75, 99], [100, 149], [150, 249], [250, 449], [450, 949], [950, 999]])
    """
    from numpyro.infer.hmc_util import build_adaptation_schedule

    windows = [list(w) for w in build_adaptation_schedule(tune)] if tune > 0 else []
    schedule = np.full((MAX_WINDOWS, 2), -1, dtype=np.int64)
    schedule[:len(windows)] = np.asarray(windows, dtype=np.int64).reshape(-1, 2)
    return schedule, len(windows)


def initial_state(potential, key, z) -> ChainState:
    """A chain at position ``z``: unit mass matrix, step size 1, adaptation at its start."""
    import jax
    import jax.numpy as jnp
    from numpyro.infer.hmc_util import dual_averaging, welford_covariance

    pe, grad = jax.value_and_grad(potential)(z)
    ss_init, _ = dual_averaging()
    mm_init, _, _ = welford_covariance(diagonal=True)
    step_size = jnp.asarray(1.0, dtype=z.dtype)
    return ChainState(z, pe, grad, step_size, jnp.ones_like(z), ss_init(jnp.log(10 * step_size)),
                      mm_init(z.shape[-1]), jnp.asarray(0), jnp.asarray(0), key)


def nuts_step(potential_of, probability, target_accept: float, max_tree_depth: int):
    """``advance(state, data, schedule, n_windows, n_warmup, n_active)``: up to :data:`CHUNK`
    NUTS iterations of one chain (the first ``n_active`` of them run; the rest leave the
    state as it is), adapting while the iteration is below ``n_warmup``.

    ``potential_of(data)`` is the negative log density of a flat position;
    ``probability(z, data)``, if given, is recorded at every draw (the change-point
    probabilities).  Returns the new state and per-iteration outputs: ``z``, ``diverging``,
    ``n_steps``, ``step_size``, ``acceptance_rate``, ``energy``, ``lp`` and
    ``state_probability``.
    """
    import jax
    import jax.numpy as jnp
    from numpyro.infer.hmc_util import (
        IntegratorState,
        build_tree,
        dual_averaging,
        euclidean_kinetic_energy,
        velocity_verlet,
        welford_covariance,
    )

    ss_init, ss_update = dual_averaging()
    mm_init, mm_update, mm_final = welford_covariance(diagonal=True)

    def adapt(s: ChainState, accept, z, schedule, n_windows, n_warmup):
        """One step of Stan's adaptation, as numpyro's ``warmup_adapter`` does it."""
        ss_state = ss_update(target_accept - accept, s.dual_averaging)
        last = s.iteration == n_warmup - 1
        step = jnp.exp(jnp.where(last, ss_state[1], ss_state[0]))
        info = jnp.finfo(step.dtype)
        step = jnp.clip(step, info.tiny, info.max)
        middle = (s.window > 0) & (s.window < n_windows - 1)
        welford = jax.lax.cond(middle, lambda w: mm_update(z, w), lambda w: w, s.welford)
        at_end = s.iteration == schedule[s.window, 1]
        window = jnp.where(at_end, s.window + 1, s.window)

        def close_window(args):
            welford, _, step = args
            inverse_mass, _, _ = mm_final(welford, regularize=True)
            return (mm_init(z.shape[-1]), inverse_mass,
                    ss_init(jnp.log(10.0) + jnp.log(step)))

        welford, inverse_mass, ss_state = jax.lax.cond(
            at_end & middle, close_window, lambda args: (args[0], s.inverse_mass, args[1]),
            (welford, ss_state, step))
        return step, inverse_mass, ss_state, welford, window

    def one(s: ChainState, data, schedule, n_windows, n_warmup):
        potential = potential_of(data)
        _, vv_update = velocity_verlet(potential, euclidean_kinetic_energy)
        key, key_momentum, key_tree = jax.random.split(s.key, 3)
        momentum = jax.random.normal(key_momentum, s.z.shape) / jnp.sqrt(s.inverse_mass)
        tree = build_tree(vv_update, euclidean_kinetic_energy,
                          IntegratorState(s.z, momentum, s.potential, s.grad), s.inverse_mass,
                          s.step_size, key_tree, max_tree_depth=max_tree_depth)
        accept = tree.sum_accept_probs / tree.num_proposals
        z = tree.z_proposal
        warm = s.iteration < n_warmup
        adapted = adapt(s, accept, z, schedule, n_windows, n_warmup)
        kept = (s.step_size, s.inverse_mass, s.dual_averaging, s.welford, s.window)
        step, inverse_mass, ss_state, welford, window = jax.tree_util.tree_map(
            lambda a, b: jnp.where(warm, a, b), adapted, kept)
        new = ChainState(z, tree.z_proposal_pe, tree.z_proposal_grad, step, inverse_mass,
                         ss_state, welford, window, s.iteration + 1, key)
        out = {"z": z, "diverging": tree.diverging, "n_steps": tree.num_proposals,
               "step_size": s.step_size, "acceptance_rate": accept,
               "energy": tree.z_proposal_energy, "lp": -tree.z_proposal_pe,
               "state_probability": (probability(z, data) if probability is not None
                                     else jnp.zeros(1))}
        return new, out

    def advance(state, data, schedule, n_windows, n_warmup, n_active):
        # jitted: its trace for ``eval_shape`` below is reused by the branch (one trace of
        # the model's log density instead of two when compiling)
        @jax.jit
        def run(s):
            return one(s, data, schedule, n_windows, n_warmup)

        blank = jax.tree_util.tree_map(jnp.zeros_like, jax.eval_shape(run, state)[1])

        def body(s, i):
            # past n_active (the end of a run) nothing is computed: the counter is the same
            # for every chain, so this stays a branch when the chains are vectorized
            return jax.lax.cond(i < n_active, run, lambda s: (s, blank), s)

        return jax.lax.scan(body, state, jnp.arange(CHUNK))

    return advance
