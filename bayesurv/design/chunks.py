"""Simulated trials as Dask tasks: chunks of a block, each drawn from the block's own stream.

:func:`bayesurv.design.simulate` draws its trials in blocks, block ``i`` from the stream
``SeedSequence(seed, spawn_key=(i,))``.  A task analyses a chunk of a block: it draws the
whole block again (cheap against the tests, and what makes a chunk's trials those of the
block whoever runs it), then analyses the chunk's trials only.  A Bayesian rule's fits take
their seeds from the block's stream too, drawn for the whole block and then sliced, so the
results are identical in process and on any number of workers.  The frequentist tests are
vectorized over the trials, so a chunk is a whole block; with a Bayesian rule (one fit per
trial) a chunk is :data:`BAYES_CHUNK` trials, so the fits spread over the workers.  Each
worker compiles a rule's model once (the compiled-once sampler), then only samples.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields

from bayesurv.design.trials import AnalysisData
from bayesurv.inference.tasks import print_progress, run_tasks

__all__ = ["BAYES_CHUNK", "run_chunks", "slice_trials", "trial_chunks"]

BAYES_CHUNK = 10  # trials per task with a Bayesian rule: a fit each, seconds per task


def trial_chunks(trials: int, block: int, chunk: int | None) -> list[tuple[int, int, int]]:
    """``(block, first, stop)`` of each chunk (trial numbers within the block), in order.

    Examples
    --------
    >>> trial_chunks(7, 4, None), trial_chunks(7, 4, 3)
    ([(0, 0, 4), (1, 0, 3)], [(0, 0, 3), (0, 3, 4), (1, 0, 3)])
    """
    out = []
    for number, start in enumerate(range(0, trials, block)):
        kept = min(block, trials - start)
        step = chunk or kept
        out += [(number, first, min(first + step, kept)) for first in range(0, kept, step)]
    return out


def slice_trials(data: AnalysisData, first: int, stop: int) -> AnalysisData:
    """The trials ``first:stop`` of ``data``."""
    return AnalysisData(*(getattr(data, f.name)[first:stop] for f in fields(data)))


def run_chunks(function: Callable, chunks: list, client=None, progress=None,
               workers: int = 1) -> list:
    """``function(chunk)`` for every chunk, in process (on ``workers`` threads) or on a Dask
    cluster (``client``, or ``"local"``); results in chunk order.  ``progress``: as in
    :func:`bayesurv.run_tasks` (``True`` prints ``simulate: done/total chunks``)."""
    if progress is True:
        progress = print_progress("simulate: chunks of trials")
    if client is None and workers > 1:
        out = []
        with ThreadPoolExecutor(max_workers=workers) as pool:
            # map yields in chunk order whatever the finishing order
            for done, result in enumerate(pool.map(function, chunks), start=1):
                out.append(result)
                if progress:
                    progress(done, len(chunks))
        return out
    # the seeds run_tasks derives are not used: a chunk's streams are its block's
    return run_tasks(lambda index, _seed: function(chunks[index]), len(chunks), seed=0,
                     client=client, progress=progress)
