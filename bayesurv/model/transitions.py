"""The arrays of a multi-transition model: one :class:`~bayesurv.model.arrays.ModelArrays`
per transition, and the suffixed names under which they enter the graph and the fit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr

from bayesurv.data.illness_death import TRANSITIONS
from bayesurv.model.arrays import ModelArrays

__all__ = ["IllnessDeathArrays", "transition_name", "transition_values"]


def transition_name(name: str, key: str) -> str:
    """The name of a transition's variable, array or dimension: ``name`` + ``_`` + ``key``.

    Examples
    --------
    >>> transition_name("log_hr", "death_after_illness")
    'log_hr_death_after_illness'
    """
    return f"{name}_{key}"


@dataclass(frozen=True)
class IllnessDeathArrays:
    """The :class:`~bayesurv.model.arrays.ModelArrays` of each transition.

    Examples
    --------
    >>> from bayesurv.model.illness_death import _example_arrays
    >>> arrays = _example_arrays()
    >>> sorted(arrays.parts), arrays.groups
    (['death', 'death_after_illness', 'illness'], ('control', 'new'))
    """

    parts: Mapping[str, ModelArrays]
    groups: tuple[str, ...]
    time_unit: str

    def constant_data(self) -> xr.Dataset:
        """Every transition's table and arrays, names and dimensions suffixed by the
        transition (per-patient arrays only for a transition with covariates).

        Examples
        --------
        >>> from bayesurv.model.illness_death import _example_arrays
        >>> arrays = _example_arrays()
        >>> ds = arrays.constant_data()
        >>> ds["events_death_after_illness"].dims
        ('fine_piece_death_after_illness', 'arm')
        """
        merged = []
        for key, part in self.parts.items():
            ds = part.constant_data()
            if not part.has_covariates:
                ds = ds.drop_vars([v for v in ds.data_vars
                                   if str(v).startswith(("patient_", "covariate_"))])
                ds = ds.drop_dims([d for d in ("patient", "covariate") if d in ds.dims])
            ds = ds.rename_vars({v: transition_name(str(v), key) for v in ds.data_vars})
            ds = ds.rename({d: transition_name(str(d), key) for d in ds.dims if d != "arm"})
            merged.append(ds)
        return xr.merge(merged)


def transition_values(constant_data: xr.Dataset, key: str) -> dict[str, np.ndarray]:
    """One transition's arrays from :meth:`IllnessDeathArrays.constant_data`, by the names
    the single-endpoint kinds use.

    Examples
    --------
    >>> from bayesurv.model.illness_death import _example_arrays
    >>> arrays = _example_arrays()
    >>> values = transition_values(arrays.constant_data(), "illness")
    >>> values["events"].sum(axis=0).tolist()
    [1.0, 2.0]
    """
    suffix = "_" + key
    out = {}
    for name in constant_data.data_vars:
        name = str(name)
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            # "events_death_after_illness" ends with "_illness" too: keep the longest key
            if not any(base.endswith("_" + other) for other in TRANSITIONS if other != key):
                out[base] = constant_data[name].to_numpy()
    return out
