"""Many fits as tasks on Dask: simulation studies whose results do not depend on the workers.

:func:`run_tasks` runs ``function(index, seed)`` for every task, in this process or on a
Dask cluster, and returns the results in task order.  Each task's seed is derived from the
study's seed and the task's index alone (``numpy.random.SeedSequence.spawn``), so the
results are the same for any number of workers and any order of completion.  The JAX
sampler compiles a model once per process and shape (:mod:`bayesurv.inference.jax_nuts`),
so each worker compiles once and every later fit of the same shape costs sampling only.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable

import numpy as np

from bayesurv.base.checks import repr_argument
from bayesurv.base.exceptions import BayesurvInputError

__all__ = ["local_client", "print_progress", "run_tasks", "task_seeds"]


def task_seeds(seed: int, n_tasks: int) -> list[int]:
    """One independent seed per task, from the study's seed and the task's index only.

    Examples
    --------
    >>> task_seeds(1, 3) == task_seeds(1, 5)[:3]  # more tasks do not change the first ones
    True
    """
    return [int(child.generate_state(1)[0])
            for child in np.random.SeedSequence(seed).spawn(n_tasks)]


def run_tasks(function: Callable[[int, int], object], n_tasks: int, *, seed: int,
              client=None, progress: Callable[[int, int], None] | None = None) -> list:
    """Run ``function(index, seed)`` for ``index`` in ``range(n_tasks)``; results in order.

    Parameters
    ----------
    function : callable
        Takes the task's index and its seed (an int) and returns its result.  On a cluster of
        worker processes it must be importable there (a module-level function).
    n_tasks : int
        Number of tasks.
    seed : int
        The study's seed; task ``i`` gets ``task_seeds(seed, n_tasks)[i]``.
    client : dask.distributed.Client or "local", optional
        Run the tasks on that cluster (as many at once as it has worker threads);
        ``"local"``: on a local cluster of one single-threaded worker process per core,
        started for this call (:func:`local_client`).  Default: one after the other in this
        process, which costs no start-up (a few seconds per worker process, and each
        compiles its models again) and needs nothing picklable: the right choice for
        studies of minutes; ask for a cluster for longer ones.
    progress : callable or True, optional
        Called as ``progress(done, total)`` after each task completes; ``True``: a line on
        standard error (:func:`print_progress`).

    Returns
    -------
    list
        The results, task 0 first, whatever the order of completion.

    Examples
    --------
    >>> def draw(index, seed):
    ...     return index, float(np.random.default_rng(seed).normal())
    >>> results = run_tasks(draw, 3, seed=7)
    >>> [index for index, _ in results], results == run_tasks(draw, 3, seed=7)
    ([0, 1, 2], True)
    """
    if isinstance(n_tasks, bool) or not isinstance(n_tasks, int | np.integer) or n_tasks < 0:
        raise BayesurvInputError(f"run_tasks: n_tasks must be a whole number >= 0, got "
                                 f"{repr_argument(n_tasks)}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise BayesurvInputError(f"run_tasks: seed must be a whole number >= 0, got "
                                 f"{repr_argument(seed)}")
    seeds = task_seeds(seed, int(n_tasks))
    if progress is True:
        progress = print_progress("tasks")
    if isinstance(client, str):
        if client != "local":
            raise BayesurvInputError(f"run_tasks: client must be a dask.distributed Client, "
                                     f"'local' or None, got {client!r}")
        with local_client() as started:
            return run_tasks(function, n_tasks, seed=seed, client=started,
                             progress=progress)
    if client is None:
        results = []
        for index, task_seed in enumerate(seeds):
            results.append(function(index, task_seed))
            if progress is not None:
                progress(index + 1, n_tasks)
        return results
    from distributed import as_completed

    futures = client.map(function, range(n_tasks), seeds, pure=False)
    for done, _ in enumerate(as_completed(futures), start=1):
        if progress is not None:
            progress(done, n_tasks)
    return client.gather(futures)


@contextlib.contextmanager
def local_client(workers: int | None = None):
    """A Dask client of a local cluster, closed on exit: ``workers`` single-threaded worker
    processes (default: one per core of this machine).

    One thread per worker because a fit already keeps a core busy; processes rather than
    threads so that fits do not contend for Python's interpreter lock.
    """
    from distributed import Client, LocalCluster

    n = workers or os.cpu_count() or 1
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


def print_progress(what: str, stream=None) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` that rewrites one line: ``what: done/total``.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> show = print_progress("trials", out)
    >>> show(1, 2); show(2, 2)
    >>> out.getvalue()
    '\\rtrials: 1/2\\rtrials: 2/2\\n'
    """

    def show(done: int, total: int) -> None:
        target = sys.stderr if stream is None else stream
        target.write(f"\r{what}: {done}/{total}" + ("\n" if done == total else ""))
        target.flush()

    return show
