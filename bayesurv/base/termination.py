"""A run stopped by SIGTERM leaves no partial files behind.

Python's default answer to SIGTERM ends the process at once, skipping ``finally`` blocks: the
half-written report folder and the lock file of the output folder would stay behind.  The
command line runs inside :func:`termination_handled`; work in progress registers the paths it
would leave behind with :func:`removed_if_terminated`, and on SIGTERM the handler removes
them, stops the worker processes (which do the same for their own paths) and exits with
status 143 (128 + SIGTERM), as a shell reports a terminated command.  The previous report is
never among the registered paths, so it stays exactly as it was.

Ctrl-C (SIGINT) needs none of this: it raises ``KeyboardInterrupt``, and the ``finally``
blocks of the report writer and the output lock clean up.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["removed_if_terminated", "signals_deferred", "termination_handled"]

_PENDING: dict[Path, None] = {}  # ordered: removed newest first


@contextmanager
def removed_if_terminated(path: Path) -> Iterator[Path]:
    """Remove ``path`` (a file or a folder) if the process is terminated while inside.

    On a normal exit or an exception the caller's own clean-up decides what happens to it.

    Examples
    --------
    >>> with removed_if_terminated(Path("report/.partial")) as path:
    ...     path in _PENDING
    True
    >>> Path("report/.partial") in _PENDING
    False
    """
    _PENDING[path] = None
    try:
        yield path
    finally:
        _PENDING.pop(path, None)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the few statements inside (two renames that must not
    be separated); a signal received meanwhile is delivered again on leaving.

    Outside the main thread signals cannot be redirected, and the block runs as it is.

    Examples
    --------
    >>> with signals_deferred():
    ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    for number in previous:
        signal.signal(number, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if received:
            os.kill(os.getpid(), received[0])


@contextmanager
def termination_handled() -> Iterator[None]:
    """SIGTERM cleans up and exits while inside (forked workers inherit the handler); the
    previous handler is back afterwards.  Outside the main thread nothing changes.

    Examples
    --------
    >>> with termination_handled():
    ...     signal.getsignal(signal.SIGTERM) is _on_terminate
    True
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _on_terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _on_terminate(signum, frame) -> None:
    # a handler that raised would unwind through whatever native code was running; this
    # one cleans up and leaves without running any more of the program
    for child in multiprocessing.active_children():
        child.terminate()
    for path in reversed(list(_PENDING)):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    if multiprocessing.parent_process() is None:
        print("bayesurv: terminated; earlier reports were left as they were", file=sys.stderr,
              flush=True)
    os._exit(128 + signum)
