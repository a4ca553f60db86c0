"""Everything a spec reads from files, read and checked before any sampling.

Its own module above :mod:`bayesurv.runner.spec_sources` (how each source is read), the
illness-death checks and the reconstructions for digitized curves, which all read sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bayesurv.base.exceptions import BayesurvInputError, SpecError
from bayesurv.data.survival_data import SurvivalData
from bayesurv.runner.spec_checks import check_model_fits, compare_times
from bayesurv.runner.spec_illness_death import check_against_data
from bayesurv.runner.spec_reconstructions import load_reconstructions

__all__ = ["SpecInputs", "load_inputs"]


@dataclass(frozen=True)
class SpecInputs:
    """Everything a spec reads from files, read and checked before any sampling.

    Attributes
    ----------
    data : SurvivalData or IllnessDeathData
        The patient rows (reconstructed ones for digitized curves; both endpoints for an
        illness-death spec).
    reconstruction : pandas.DataFrame or None
        The reconstruction diagnostics for digitized curves.
    published : pandas.DataFrame or None
        The published HR table to compare with.
    reconstructions : tuple of SurvivalData or None
        The K reconstructions the model is fitted to, pooled, for digitized curves
        (:mod:`bayesurv.runner.spec_reconstructions`); None: fit ``data``.
    """

    data: SurvivalData
    reconstruction: pd.DataFrame | None
    published: pd.DataFrame | None
    reconstructions: tuple[SurvivalData, ...] | None = None


def load_inputs(spec) -> SpecInputs:
    """Read a spec's data and published table and check the model and the landmarks against
    the data, so that a run of several specs fails before its first model compiles.

    Examples
    --------
    >>> from bayesurv.runner.spec import Spec
    >>> spec = Spec.from_dict({"data": {"source": "shi2021"},
    ...                        "model": {"type": "piecewise", "cuts": [13]},
    ...                        "compare": {"landmarks": [100]}})
    >>> load_inputs(spec)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.SpecError: spec: compare.landmarks = [100.0] reach past the longest ...
    """
    where = str(spec.path) if spec.path else "spec"
    data, reconstruction = spec.load_data_only()
    if spec.is_illness_death:
        check_against_data(spec, data)
        return SpecInputs(data=data, reconstruction=None, published=None)
    published = spec.published_table()  # read once, here
    if not isinstance(data, SurvivalData):  # aggregated: no patient rows to check against
        check_model_fits(spec, data, where)
        return SpecInputs(data=data, reconstruction=None, published=published)
    # landmarks split the pooled follow-up; horizons and milestones are read off every arm
    every_arm = min(float(data.time[data.group_index == k].max())
                    for k in range(len(data.groups)))
    for key, limit, what in (("landmarks", data.max_time, "the longest follow-up"),
                             ("milestones", every_arm, "the follow-up of every arm"),
                             ("horizon", every_arm, "the follow-up of every arm")):
        times = compare_times(spec.compare, key)
        if times and (max(times) > limit or (key == "landmarks" and max(times) == limit)):
            raise SpecError(f"{where}: compare.{key} = {times} reach past {what} ({limit:g} "
                            f"{data.time_unit}); it must be inside it")
    check_model_fits(spec, data, where)
    try:
        datas = load_reconstructions(spec.data, spec.path, where, spec.sampler.get("seed"))
    except SpecError:
        raise
    except BayesurvInputError as exc:
        raise SpecError(f"{where}: [data] reconstructions: {exc}") from None
    return SpecInputs(data=data, reconstruction=reconstruction, published=published,
                      reconstructions=datas)
