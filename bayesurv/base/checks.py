"""Checks of single arguments: numbers, time points, probabilities and sampler settings.

Each ``check_*`` function either returns a cleaned value (never the caller's object) or raises
a :class:`~bayesurv.base.exceptions.BayesurvInputError` (by default) whose message names the
input, the argument and the offending value.  Checks of tables and their columns are in
:mod:`bayesurv.base.columns`; ``describe_rows`` and the ``repr_*`` helpers word the messages
of both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence, Set
from numbers import Real

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import BayesurvInputError

__all__ = [
    "SAMPLERS",
    "check_finite_number",
    "check_mass",
    "check_positive",
    "check_sampler_settings",
    "check_times",
    "check_windows",
    "describe_rows",
    "repr_argument",
    "repr_label",
    "repr_value",
    "sampler_setting_problem",
]

MAX_ROWS_SHOWN = 5
SAMPLERS = ("jax", "pymc", "nutpie")
# per chain; more is almost surely a typo (and would exhaust memory before it finished)
MAX_DRAWS = 10**6
MAX_CHAINS = 64
ALLOW_LARGE_RUNS_VARIABLE = "BAYESURV_ALLOW_LARGE_RUNS"


def describe_rows(labels: Sequence, values: Sequence | None = None) -> str:
    """Describe offending rows as ``"rows 3, 7 (values -1, -2) and 4 more"``.

    Examples
    --------
    >>> describe_rows([3, 7], [-1, -2])
    'rows 3, 7 (values -1, -2)'
    >>> describe_rows(range(8))
    'rows 0, 1, 2, 3, 4 and 3 more'
    """
    labels = list(labels)
    shown = labels[:MAX_ROWS_SHOWN]
    text = ("row " if len(labels) == 1 else "rows ") + ", ".join(repr_label(x) for x in shown)
    if values is not None:
        vals = list(values)[:MAX_ROWS_SHOWN]
        text += " (value" + ("" if len(vals) == 1 else "s") + " "
        text += ", ".join(repr_value(v) for v in vals) + ")"
    if len(labels) > len(shown):
        text += f" and {len(labels) - len(shown)} more"
    return text


def repr_label(label) -> str:
    """Row label as the user would type it."""
    if isinstance(label, np.generic):
        label = label.item()
    return str(label)


def repr_value(value) -> str:
    """A short, unambiguous rendering of one offending value."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "missing"
    if value is pd.NA or value is pd.NaT:
        return "missing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def repr_argument(value) -> str:
    """An argument's value as the user wrote it (``1.5``, not ``np.float64(1.5)``).

    Examples
    --------
    >>> repr_argument(np.float64(1.5)), repr_argument("13")
    ('1.5', "'13'")
    """
    if isinstance(value, np.generic):
        value = value.item()
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _as_number(value, name: str, what: str, error) -> float:
    """``float(value)`` for real numbers only: not text, booleans or one-element lists."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise error(f"{what}: {name} must be a number, got {repr_argument(value)}")
    return float(value)


def check_positive(value, name: str, what: str = "argument", error=BayesurvInputError) -> float:
    """A finite number > 0.

    Parameters
    ----------
    value : object
        The argument; booleans, text and lists are not numbers.
    name : str
        The argument's name, for messages.
    what : str
        The function or input it belongs to, for messages.
    error : type
        The exception raised (a :class:`BayesurvInputError` subclass).

    Returns
    -------
    float

    Examples
    --------
    >>> check_positive(2, "sigma")
    2.0
    >>> check_positive(0, "sigma", "Normal")
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: Normal: sigma must be a finite number > 0, got 0
    """
    number = _as_number(value, name, what, error)
    if not np.isfinite(number) or number <= 0:
        raise error(f"{what}: {name} must be a finite number > 0, got {repr_argument(value)}")
    return number


def check_finite_number(value, name: str, what: str = "argument", error=BayesurvInputError):
    """A finite real number.

    Parameters
    ----------
    value : object
        The argument; booleans, text and lists are not numbers.
    name : str
        The argument's name, for messages.
    what : str
        The function or input it belongs to, for messages.
    error : type
        The exception raised (a :class:`BayesurvInputError` subclass).

    Returns
    -------
    float

    Examples
    --------
    >>> check_finite_number(-1, "mu")
    -1.0
    >>> check_finite_number(True, "mu", "Normal")
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: Normal: mu must be a number, got True
    """
    number = _as_number(value, name, what, error)
    if not np.isfinite(number):
        raise error(f"{what}: {name} must be finite, got {repr_argument(value)}")
    return number


def check_times(values, name: str, what: str = "argument", error=BayesurvInputError,
                allow_empty: bool = True) -> np.ndarray:
    """A 1-d sequence of finite, non-negative, strictly increasing numbers (e.g. cuts).

    A single number is a sequence of one.  Text, booleans, complex numbers, mappings and
    sets are errors: ``{13: 1}`` or ``"13"`` would otherwise be read as something the caller
    did not write.

    Parameters
    ----------
    values : number or sequence of numbers
        The time points.
    name : str
        The argument's name, for messages.
    what : str
        The function or input it belongs to, for messages.
    error : type
        The exception raised (a :class:`BayesurvInputError` subclass).
    allow_empty : bool
        Whether no time points at all is accepted.

    Returns
    -------
    numpy.ndarray
        The time points as float64 (a new array).

    Examples
    --------
    >>> check_times([6, 13], "cuts")
    array([ 6., 13.])
    >>> check_times([13, 6], "cuts", "PiecewiseExponential")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: ...: cuts must be sorted ...; 6 comes after 13
    """
    def fail(problem: str = "must be a sequence of numbers"):
        return error(f"{what}: {name} {problem}, got {repr_argument(values)}")

    if isinstance(values, str | bytes | Mapping | Set | bool | np.bool_):
        raise fail()
    if isinstance(values, np.ndarray) and values.ndim > 1:
        raise fail(f"must be one-dimensional (shape {values.shape})")
    if np.isscalar(values) or (isinstance(values, np.ndarray) and values.ndim == 0):
        values = [values]
    try:
        items = list(values)
    except TypeError:
        raise fail() from None
    if any(isinstance(v, list | tuple | np.ndarray) for v in items):
        raise fail("must be one-dimensional")
    if not all(isinstance(v, Real) and not isinstance(v, bool | np.bool_) for v in items):
        raise fail()
    arr = np.asarray(items, dtype=float)
    if arr.size == 0 and not allow_empty:
        raise error(f"{what}: {name} is empty")
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise error(
            f"{what}: {name} must be finite and non-negative; got "
            + ", ".join(f"{float(v):g}" for v in arr[bad][:MAX_ROWS_SHOWN])
        )
    if arr.size > 1:
        dup = np.flatnonzero(np.diff(arr) == 0)
        if dup.size:
            raise error(f"{what}: {name} has duplicated value(s) "
                        + ", ".join(f"{v:g}" for v in sorted({float(v) for v in arr[dup + 1]})))
        down = np.flatnonzero(np.diff(arr) < 0)
        if down.size:
            raise error(
                f"{what}: {name} must be sorted increasingly; "
                f"{float(arr[down[0] + 1]):g} comes after {float(arr[down[0]]):g}"
            )
    return arr


def check_mass(mass, what: str = "argument", name: str = "mass",
               error=BayesurvInputError) -> float:
    """A probability mass strictly between 0 and 1 (e.g. of a credible interval).

    Parameters
    ----------
    mass : object
        The argument; booleans, text and lists are not numbers.
    what : str
        The function or input it belongs to, for messages.
    name : str
        The argument's name, for messages.
    error : type
        The exception raised (a :class:`BayesurvInputError` subclass).

    Returns
    -------
    float

    Examples
    --------
    >>> check_mass(0.95, "summary")
    0.95
    >>> check_mass(95, "summary")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: summary: mass must be ... between 0 and 1, got 95
    """
    number = _as_number(mass, name, what, error)
    if not 0 < number < 1:  # also refuses nan
        raise error(f"{what}: {name} must be a number strictly between 0 and 1, got "
                    f"{repr_argument(mass)}")
    return number


def _is_integer(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def check_sampler_settings(settings: Mapping, where: str = "fit",
                           error=BayesurvInputError) -> dict:
    """Validate the settings of one sampling run, all at once.

    Parameters
    ----------
    settings : Mapping
        Any of ``draws`` (integer >= 1) and ``tune`` (integer >= 0), both per chain and at
        most 1000000; ``chains`` (integer from 1 to 64); ``random_seed`` (integer >= 0 or
        None); ``cores`` (integer >= 1 or None); ``sampler`` (``"jax"``, ``"pymc"`` or
        ``"nutpie"``); ``target_accept`` (number strictly between 0 and 1); ``progressbar``
        (True or False).
        True and False are not integers.
    where : str
        What the settings belong to, for messages (a function, or a spec file).
    error : type
        The exception raised (a :class:`BayesurvInputError` subclass).

    Returns
    -------
    dict
        A new dict of the given keys: integers as ``int``, ``target_accept`` as ``float``.

    Raises
    ------
    BayesurvInputError
        (or ``error``) naming ``where``, the key and the value, for an unknown key or a bad
        value.

    Examples
    --------
    >>> check_sampler_settings({"draws": np.int64(500), "target_accept": 0.95})
    {'draws': 500, 'target_accept': 0.95}
    >>> check_sampler_settings({"chains": 0})
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: fit: chains must be an integer >= 1, got 0
    >>> check_sampler_settings({"draw": 500})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: fit: unknown sampler setting 'draw'; ...
    """
    if not isinstance(settings, Mapping):
        raise error(f"{where}: sampler settings must be a mapping of names to values, got "
                    f"{repr_argument(settings)}")
    checked = {}
    for key, value in settings.items():
        if key not in _SAMPLER_CHECKS:
            raise error(f"{where}: unknown sampler setting {key!r}; expected one of "
                        f"{', '.join(_SAMPLER_CHECKS)}")
        problem = sampler_setting_problem(key, value)
        if problem:
            raise error(f"{where}: {key} must be {problem}, got {repr_argument(value)}")
        if key == "target_accept":
            value = float(value)
        elif _is_integer(value):
            value = int(value)
        checked[key] = value
    return checked


def sampler_setting_problem(key: str, value) -> str:
    """What is wrong with one sampler setting (``"an integer >= 1"``), or ``""`` if nothing.

    The rules of :func:`check_sampler_settings`, for callers that word the message
    themselves (a spec names its file and ``sampler.draws``, the command line ``--draws``).

    Examples
    --------
    >>> sampler_setting_problem("chains", 0), sampler_setting_problem("chains", 4)
    ('an integer >= 1', '')
    >>> sampler_setting_problem("draws", 10**7)[:62]
    'at most 1000000 (a larger value is almost surely a mistake; se'
    """
    if key not in _SAMPLER_CHECKS:
        raise KeyError(f"unknown sampler setting {key!r}")
    return _SAMPLER_CHECKS[key](value)


def _count(minimum: int, maximum: int | None = None, optional: bool = False):
    """A check of an integer in [minimum, maximum]: the problem's wording, or ''."""
    wording = f"an integer >= {minimum}" + (" or None" if optional else "")

    def problem(value) -> str:
        if value is None and optional:
            return ""
        if not _is_integer(value) or value < minimum:
            return wording
        if (maximum is not None and value > maximum
                and os.environ.get(ALLOW_LARGE_RUNS_VARIABLE) != "1"):
            return (f"at most {maximum} (a larger value is almost surely a mistake; set the "
                    f"environment variable {ALLOW_LARGE_RUNS_VARIABLE}=1 to allow it)")
        return ""

    return problem


def _target_accept(value) -> str:
    if (isinstance(value, bool | np.bool_) or not isinstance(value, Real)
            or not 0 < float(value) < 1):
        return "a number strictly between 0 and 1"
    return ""


_SAMPLER_CHECKS = {
    "draws": _count(1, MAX_DRAWS),
    "tune": _count(0, MAX_DRAWS),
    "chains": _count(1, MAX_CHAINS),
    "random_seed": _count(0, optional=True),
    "cores": _count(1, optional=True),
    "sampler": lambda value: "" if isinstance(value, str) and value in SAMPLERS
    else f"one of {', '.join(map(repr, SAMPLERS))}",
    "target_accept": _target_accept,
    "progressbar": lambda value: "" if isinstance(value, bool) else "True or False",
}


def check_windows(windows, max_time: float, time_unit: str, what: str,
                  error=BayesurvInputError) -> list[tuple[float, float]]:
    """Time windows ``(start, end]``: pairs with 0 <= start < end, starting inside the
    follow-up (``end`` may be ``inf``).

    Examples
    --------
    >>> check_windows([(0, 13), (13, float("inf"))], 85.0, "months", "windows")
    [(0.0, 13.0), (13.0, inf)]
    >>> check_windows([(13, 0)], 85.0, "months", "windows")
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.BayesurvInputError: windows: window (13, 0) must have 0 <= start < end
    """
    try:
        pairs = [(float(a), float(b)) for a, b in windows]
    except (TypeError, ValueError):
        raise error(f"{what}: windows must be (start, end) pairs of numbers, got "
                    f"{repr_argument(windows)}") from None
    for a, b in pairs:
        if not (np.isfinite(a) and a >= 0 and b > a):
            raise error(f"{what}: window ({a:g}, {b:g}) must have 0 <= start < end")
        if a >= max_time:
            raise error(f"{what}: window ({a:g}, {b:g}) starts after the longest follow-up "
                        f"({max_time:g} {time_unit}); nothing was observed there")
    return pairs

