"""What the ``bayesurv`` subcommands share: argument types and the lock on an output folder."""

from __future__ import annotations

import argparse
import os
from contextlib import contextmanager
from pathlib import Path

from bayesurv.base.checks import sampler_setting_problem
from bayesurv.base.exceptions import BayesurvError
from bayesurv.base.termination import removed_if_terminated

__all__ = ["LOCK_NAME", "integer", "output_lock", "positive", "setting"]


def positive(text: str) -> int:
    """An argument type for a whole number >= 1."""
    value = integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def setting(key: str):
    """An argument type for one sampler setting, checked by the rules every fit uses."""
    def parse(text: str) -> int:
        value = integer(text)
        problem = sampler_setting_problem(key, value)
        if problem:
            raise argparse.ArgumentTypeError(f"must be {problem}, got {text}")
        return value

    return parse


def integer(text: str) -> int:
    """An argument type for a whole number."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


LOCK_NAME = ".bayesurv-run.lock"


@contextmanager
def output_lock(out: Path):
    """Hold the output folder for one run: a second run on it refuses, naming the process
    that holds it.  The lock is the kernel's (``flock``), so a crashed run holds nothing; the
    lock file is removed at the end of a run (a crash leaves it, and the next run takes it).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with output_lock(Path(folder)):
    ...         with output_lock(Path(folder)):
    ...             pass
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvError: another bayesurv run (process ...) is writing to ...
    """
    import fcntl

    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise BayesurvError(f"--out {out}: cannot write there ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise BayesurvError(f"another bayesurv run (process {holder}) is writing to {out}; "
                                "wait for it to finish or choose another --out") from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, str(os.getpid()).encode(), 0)
        try:
            with removed_if_terminated(out / LOCK_NAME):
                yield
        finally:
            os.remove(out / LOCK_NAME)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)
