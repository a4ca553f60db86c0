"""Output files written whole or not at all.

:func:`write_atomically` writes to a temporary sibling and renames it into place, so an
interrupted or failed write leaves an earlier file exactly as it was; under the command line
a SIGTERM removes the temporary file too (see :mod:`bayesurv.base.termination`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from bayesurv.base.termination import removed_if_terminated

__all__ = ["write_atomically"]


def write_atomically(path, write: Callable[[str], None]) -> str:
    """Call ``write(temporary_path)`` and rename the result to ``path``.

    The file gets the permissions a newly created file would (the process's umask).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     target = Path(folder) / "table.csv"
    ...     _ = write_atomically(target, lambda temporary: Path(temporary).write_text("a,b\\n"))
    ...     sorted(p.name for p in Path(folder).iterdir()), target.read_text()
    (['table.csv'], 'a,b\\n')
    """
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=folder)
    os.close(handle)
    with removed_if_terminated(Path(temporary)):
        try:
            write(temporary)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
    return path
