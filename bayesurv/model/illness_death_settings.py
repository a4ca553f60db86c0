"""Checks of the settings of an illness-death model: mappings by transition, covariates per
transition, and the transitions of a shared change-point."""

from __future__ import annotations

from collections.abc import Mapping

from bayesurv.base.exceptions import ModelError
from bayesurv.data.illness_death import TRANSITIONS
from bayesurv.model.changepoint import ChangePoint

__all__ = ["check_covariates", "check_mapping", "check_shared"]


def check_covariates(covariates) -> dict[str, tuple[str, ...]]:
    """Covariate names per transition from a list (every transition) or a mapping.

    Examples
    --------
    >>> check_covariates({"illness": ["age"]})["illness"], check_covariates(["age"])["death"]
    (('age',), ('age',))
    """
    if covariates is None:
        return {key: () for key in TRANSITIONS}
    if isinstance(covariates, Mapping):
        by_key = check_mapping(covariates, "covariates")
    else:
        by_key = dict.fromkeys(TRANSITIONS, covariates)
    out = {}
    for key in TRANSITIONS:
        names = by_key.get(key) or ()
        if isinstance(names, str) or not all(isinstance(n, str) for n in names):
            raise ModelError(f"IllnessDeath: covariates of {key!r} must be a list of column "
                             f"names, got {names!r}")
        out[key] = tuple(names)
    return out


def check_mapping(value, what: str) -> dict:
    """A mapping whose keys are transition keys (``{}`` for None)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ModelError(f"IllnessDeath: {what} must be a mapping by transition "
                         f"({', '.join(TRANSITIONS)}), got {type(value).__name__}")
    unknown = [k for k in value if k not in TRANSITIONS]
    if unknown:
        raise ModelError(f"IllnessDeath: unknown transition(s) {unknown} in {what}; "
                         f"transitions are {list(TRANSITIONS)}")
    return dict(value)


def check_shared(keys, transitions: Mapping, clock: str) -> tuple[str, ...]:
    """The transitions of a shared change-point, in transition order (``()`` for None).

    Examples
    --------
    >>> kinds = {k: ChangePoint(grid=[4, 8]) for k in TRANSITIONS}
    >>> check_shared(["death", "illness"], kinds, "forward")
    ('illness', 'death')
    """
    if keys is None:
        return ()
    if isinstance(keys, str) or len(set(keys)) < 2:
        raise ModelError("IllnessDeath: shared_changepoint needs two or more transition "
                         f"keys, e.g. ('illness', 'death'); got {keys!r}")
    unknown = [k for k in keys if k not in TRANSITIONS]
    if unknown:
        raise ModelError(f"IllnessDeath: unknown transition(s) {unknown} in "
                         f"shared_changepoint; transitions are {list(TRANSITIONS)}")
    keys = tuple(k for k in TRANSITIONS if k in set(keys))  # transition order
    first = None
    for key in keys:
        kind = transitions[key]
        if not isinstance(kind, ChangePoint) or kind.grid is None:
            raise ModelError(f"IllnessDeath: shared_changepoint: transition {key!r} needs "
                             "a ChangePoint effect with an explicit grid (a default grid "
                             "depends on each transition's own events)")
        if clock == "reset" and key == "death_after_illness":
            raise ModelError("IllnessDeath: with clock='reset' the illness -> death "
                             "change-point counts from the illness and cannot be shared")
        settings = {k: v for k, v in kind.settings().items()
                    if k in ("grid", "near", "spread", "prior")}
        if first is not None and settings != first:
            raise ModelError(f"IllnessDeath: shared_changepoint: the ChangePoint of "
                             f"{key!r} has other grid or prior settings than that of "
                             f"{keys[0]!r}: {settings} vs {first}")
        first = settings
    return keys
