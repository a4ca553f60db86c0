"""Running blocks of simulated trials: in order or on threads, with a progress line.

Every block draws from its own random stream (keyed by the seed and the block's index), so
the trials do not depend on which thread runs a block or in what order blocks finish; the
results are put back in block order.  The progress line is written to standard error in the
sampler's style (``simulating: 500/5000 trials (10%)``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

import numpy as np

from bayesurv.base.checks import repr_argument
from bayesurv.base.exceptions import DesignError
from bayesurv.design.chunks import run_chunks

__all__ = ["check_dropout", "run_blocks", "trial_progress"]


def run_blocks(work: Callable, blocks: Sequence, trials: int, size: int,
               progress: bool = False, workers: int = 1, label: str = "simulating") -> list:
    """``[work(block) for block in blocks]``, on ``workers`` threads, showing progress.

    ``size`` is the number of trials per block (the last may hold fewer of the ``trials``).

    Examples
    --------
    >>> run_blocks(lambda b: b * 10, [0, 1, 2], trials=5, size=2, workers=2)
    [0, 10, 20]
    """
    report = trial_progress([min(size, trials - k * size) for k in range(len(blocks))], label)
    return run_chunks(work, list(blocks), progress=report if progress else None,
                      workers=workers)


def trial_progress(counts: Sequence[int], label: str = "simulating") -> Callable:
    """A ``progress(done, total)`` for ``done`` of ``total`` pieces of work holding
    ``counts`` trials each: one line on standard error in trials, ended when all are done.

    Examples
    --------
    >>> show = trial_progress([250, 250, 100])
    >>> show(3, 3)  # doctest: +SKIP
    simulating: 600/600 trials (100%)
    """
    cumulative = np.cumsum(counts)

    def show(done: int, total: int) -> None:
        trials = int(cumulative[done - 1])
        sys.stderr.write(f"\r{label}: {trials}/{int(cumulative[-1])} trials "
                         f"({100 * trials // int(cumulative[-1])}%)"
                         + ("\n" if done == total else ""))
        sys.stderr.flush()

    return show


def check_dropout(dropout, what: str = "simulate"):
    """None, a hazard > 0 for both arms, or a pair (control, treatment) of hazards >= 0 (0:
    no dropout in that arm), as a float or a tuple.

    Examples
    --------
    >>> check_dropout(0.01), check_dropout([0.01, 0.02]), check_dropout(None)
    (0.01, (0.01, 0.02), None)
    """
    if dropout is None:
        return None
    pair = not isinstance(dropout, str) and np.ndim(dropout) == 1
    items = list(dropout) if pair else [dropout]
    bad = (pair and len(items) != 2) or any(
        isinstance(v, bool) or not isinstance(v, int | float | np.number)
        or not np.isfinite(v) or v < 0 for v in items) or (not pair and items[0] == 0)
    if bad:
        raise DesignError(f"{what}: dropout must be a hazard > 0 (both arms) or a pair "
                          f"(control, treatment) of hazards >= 0, got {repr_argument(dropout)}")
    if pair:
        return tuple(float(v) for v in items)
    return float(items[0])
