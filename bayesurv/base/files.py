"""Reading input files safely: regular files of bounded size, as UTF-8 text, as CSV tables.

Every file bayesurv reads as input (analysis specs, CSV files of patient rows, digitized
curves, numbers-at-risk tables, published hazard-ratio tables) is read by
:func:`read_input_text`, and every CSV table among them is parsed by :func:`parse_csv`:

- anything that is not a regular file (a directory, a device such as ``/dev/zero``, a named
  pipe or a socket) is refused before it is opened: reading a device need not end and opening
  a named pipe waits for a writer.  A symbolic link to a regular file is read.
- a file larger than the input size limit is refused.  The limit is 2 GB
  (2,000,000,000 bytes) unless the environment variable ``BAYESURV_MAX_INPUT_BYTES`` sets
  another number of bytes, e.g. ``BAYESURV_MAX_INPUT_BYTES=5000000000``.
- text that is not UTF-8 (a byte-order mark is allowed), or that holds a NUL byte (a CSV
  parser would silently cut or change the value it is in), is refused with its line number.
- a CSV header must hold every column the caller needs, once, and no column name twice.

Messages name the file, the line, the column the caller asked for, but never quote the
file's contents: the file may not be the one meant (a spec pointing at the wrong path) and
the message may end up in a log.  Parser messages keep their line and column numbers and
lose any quoted text.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from bayesurv.base.exceptions import BayesurvInputError

__all__ = ["DEFAULT_MAX_INPUT_BYTES", "MAX_INPUT_BYTES_VARIABLE", "check_header",
           "max_input_bytes", "parse_csv", "parser_message", "read_input_bytes",
           "read_input_text", "where_file"]

MAX_INPUT_BYTES_VARIABLE = "BAYESURV_MAX_INPUT_BYTES"
DEFAULT_MAX_INPUT_BYTES = 2_000_000_000
FILE_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
              (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
              (stat.S_ISSOCK, "a socket"))
# quoted text in a parser's message is the file's text; two punctuation characters or fewer
# (``'='``, ``']]'``) are the syntax the parser expected, kept because they say what to fix
QUOTED = re.compile(r"""'([^'\n]*)'|"([^"\n]*)\"""")
SYNTAX = re.compile(r"[^\w\s]{1,2}")


def max_input_bytes(error: type[BayesurvInputError] = BayesurvInputError) -> int:
    """The input size limit in bytes: ``$BAYESURV_MAX_INPUT_BYTES``, else 2 GB.

    Examples
    --------
    >>> DEFAULT_MAX_INPUT_BYTES, max_input_bytes() >= 1
    (2000000000, True)
    """
    text = os.environ.get(MAX_INPUT_BYTES_VARIABLE)
    if text is None or not text.strip():
        return DEFAULT_MAX_INPUT_BYTES
    try:
        limit = int(text.strip().replace("_", ""))
    except ValueError:
        limit = 0
    if limit < 1:
        raise error(f"the environment variable {MAX_INPUT_BYTES_VARIABLE} must be a whole "
                    f"number of bytes >= 1, got {text!r}")
    return limit


def _size(n: int) -> str:
    """``"3.2 MB (3,221,225 bytes)"``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit} ({n:,} bytes)"
    return f"{n:,} bytes"


def _check_stat(info: os.stat_result, where: str, error: type[BayesurvInputError]) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in FILE_KINDS if test(info.st_mode)), "a special file")
        raise error(f"{where}: not a regular file but {kind}; give the path of a file")
    _check_size(info.st_size, where, error)


def _check_size(size: int, where: str, error: type[BayesurvInputError],
                at_least: bool = False) -> None:
    limit = max_input_bytes(error)
    if size > limit:
        raise error(f"{where}: the file is {'at least ' if at_least else ''}{_size(size)}, "
                    f"above the input size limit of {_size(limit)}; to read it, raise the limit "
                    f"with the environment variable {MAX_INPUT_BYTES_VARIABLE} (a number of "
                    "bytes)")


def read_input_bytes(path, where: str, error: type[BayesurvInputError]) -> bytes:
    """The bytes of an input file, or ``error`` if it is not a regular file or is too large.

    Parameters
    ----------
    path : str or pathlib.Path
        The file (a symbolic link is followed).
    where : str
        What and where the file is (e.g. ``"risk table (file risk.csv)"``), for messages.
    error : type
        The :class:`~bayesurv.base.exceptions.BayesurvInputError` subclass to raise.

    Raises
    ------
    OSError
        The file does not exist or cannot be opened (e.g. no permission).

    Examples
    --------
    >>> read_input_bytes("/", "spec", ValueError)
    Traceback (most recent call last):
    ...
    ValueError: spec: not a regular file but a directory; give the path of a file
    """
    # stat before opening: opening a named pipe blocks and a device may never end
    _check_stat(os.stat(path), where, error)
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(handle, "rb") as file:
        info = os.fstat(file.fileno())  # the file opened may not be the one stat saw
        _check_stat(info, where, error)
        data = file.read(max_input_bytes(error) + 1)
    _check_size(len(data), where, error, at_least=True)  # it may have grown since fstat
    return data


def read_input_text(path, where: str, error: type[BayesurvInputError]) -> str:
    """The text of an input file (UTF-8, a byte-order mark allowed), checked as in
    :func:`read_input_bytes`; UTF-16, NUL bytes and undecodable bytes are ``error``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "rows.csv"
    >>> _ = f.write_bytes(b"time,event\\n1\\x00,0\\n")
    >>> read_input_text(f, "rows.csv", ValueError)
    Traceback (most recent call last):
    ...
    ValueError: rows.csv: the file is not a text file (NUL byte at byte 12) on line 2; ...
    """
    data = read_input_bytes(path, where, error)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise error(f"{where}: the file looks like UTF-16 text (it starts with a UTF-16 "
                    "byte-order mark); save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise error(f"{where}: the file is not a text file (NUL byte at byte {nul}) on line "
                    f"{line}; text files hold no NUL bytes (is it an "
                    "image, a spreadsheet or a project file instead of its CSV export?)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise error(f"{where}: the file is not UTF-8 text (byte {data[err.start]:#04x} on line "
                    f"{line} cannot be decoded); save it as UTF-8") from None


def parser_message(exc: BaseException) -> str:
    """A parser's message without the quoted text it took from the file.

    Examples
    --------
    >>> parser_message(ValueError("Illegal character 'S' (at line 1, column 5)"))
    'Illegal character (at line 1, column 5)'
    >>> parser_message(ValueError("Expected '=' after a key (at line 2, column 3)"))
    "Expected '=' after a key (at line 2, column 3)"
    """
    def keep_syntax(match: re.Match) -> str:
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        return match.group(0) if SYNTAX.fullmatch(quoted) else ""

    text = QUOTED.sub(keep_syntax, str(exc))
    text = re.sub(r"\(\s*[,\s]*\)", "", text)  # a tuple of keys, once emptied
    return re.sub(r"\s+([,.;:)])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()


def check_header(names, required, where: str,
                 error: type[BayesurvInputError]) -> None:
    """Require each column of ``required`` in a file's header, and no name twice.

    Parameters
    ----------
    names : sequence of str
        The header's cells, in order (empty cells are unnamed columns, never repeats).
    required : mapping or sequence of pairs
        What each column is for (``"time column"``) -> its name (None: not wanted).
    where : str
        What and where the file is, for messages.
    error : type
        The :class:`~bayesurv.base.exceptions.BayesurvInputError` subclass to raise.

    Examples
    --------
    Only the columns the caller asked for are named; other header text never is:

    >>> check_header(["a", "b", "a"], {"time column": "time"}, "x.csv", ValueError)
    Traceback (most recent call last):
    ...
    ValueError: x.csv: duplicated column names in the header (columns 1 and 3); ...
    >>> check_header(["a", "b"], {"time column": "time"}, "x.csv", ValueError)
    Traceback (most recent call last):
    ...
    ValueError: x.csv: the time column 'time' is not in the data (the file's header has 2 ...
    """
    names = [str(name) for name in names]
    pairs = required.items() if isinstance(required, Mapping) else required
    wanted = {name: role for role, name in pairs
              if name is not None and pd.api.types.is_hashable(name)}
    positions: dict[str, list[int]] = {}
    for k, name in enumerate(names, start=1):
        if name.strip():
            positions.setdefault(name, []).append(k)
    for name, where_in in positions.items():
        if len(where_in) > 1:
            columns = ", ".join(map(str, where_in[:-1])) + f" and {where_in[-1]}"
            what = (f"the {wanted[name]} {name!r} appears {len(where_in)} times in the header"
                    if name in wanted else "duplicated column names in the header")
            raise error(f"{where}: {what} (columns {columns}); column names must be unique")
    missing = [f"the {role} {name!r}" for name, role in wanted.items() if name not in positions]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise error(f"{where}: {', '.join(missing[:-1])}{' and ' if len(missing) > 1 else ''}"
                    f"{missing[-1]} {verb} not in the data (the file's header has {len(names)} "
                    f"column{'s' if len(names) != 1 else ''}, none of them named so)")


def parse_csv(text: str, where: str, error: type[BayesurvInputError], required=None,
              comment: str | None = None) -> pd.DataFrame:
    """A CSV text as a DataFrame, its header checked by :func:`check_header` first.

    Parameters
    ----------
    text : str
        The file's text (from :func:`read_input_text`).
    where : str
        What and where the file is, for messages.
    error : type
        The :class:`~bayesurv.base.exceptions.BayesurvInputError` subclass to raise.
    required : mapping or sequence of pairs, optional
        Columns the caller needs: what each is for -> its name.
    comment : str, optional
        A character starting comments (lines, or the rest of a line).

    Examples
    --------
    >>> parse_csv("time,event\\n3,1\\n", "rows.csv", ValueError, {"time column": "time"})
       time  event
    0     3      1
    >>> parse_csv('a\\n"x,y\\n', "rows.csv", ValueError)
    Traceback (most recent call last):
    ...
    ValueError: rows.csv: cannot be read as CSV (Error tokenizing data. C error: EOF inside ...
    """
    options = {"comment": comment, "skip_blank_lines": True}
    try:
        header = pd.read_csv(io.StringIO(text), header=None, nrows=1, dtype=str,
                             keep_default_na=False, **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise error(f"{where}: cannot be read as CSV ({parser_message(exc)})") from None
    check_header(header.iloc[0].tolist() if len(header) else [], required or {}, where, error)
    try:
        return pd.read_csv(io.StringIO(text), **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise error(f"{where}: cannot be read as CSV ({parser_message(exc)})") from None


def where_file(path, what: str) -> str:
    """``"risk table (file risk.csv)"``: what a file is and its name, for messages.

    Examples
    --------
    >>> where_file(Path("data/risk.csv"), "risk table")
    'risk table (file risk.csv)'
    """
    return f"{what} (file {Path(path).name})"
