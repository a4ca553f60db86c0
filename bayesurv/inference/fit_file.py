"""What a saved bayesurv fit must hold, checked when a fit is made or loaded.

A fit file is an ArviZ InferenceData with the posterior, sample statistics, the model arrays
(``constant_data``) and, as JSON attributes of the posterior, the model settings, a data
summary, the sampler settings and the package version.
"""

from __future__ import annotations

import json

from bayesurv.base.exceptions import FitFileError
from bayesurv.model.kind import HazardModel, kind_from_settings

__all__ = ["ATTR_PREFIX", "check_complete"]

ATTR_PREFIX = "bayesurv_"


REQUIRED_POSTERIOR = ("log_baseline", "log_hr")
REQUIRED_CONSTANT = ("fine_edges", "baseline_edges", "baseline_map", "events", "exposure",
                     "patient_piece", "patient_offset", "patient_event", "patient_group",
                     "patient_covariates")
REQUIRED_ATTRS = ("version", "model", "data", "sampler")


def check_complete(idata) -> HazardModel:
    """Refuse a damaged fit on load rather than on first use; return its model kind.

    Examples
    --------
    >>> check_complete(fit.idata)
    ChangePoint(grid=None, near=13.0, spread=None, prior=None, baseline=None, priors='default')
    >>> damaged = fit.idata.copy()
    >>> del damaged.posterior["log_hr"]
    >>> check_complete(damaged)
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.FitFileError: this bayesurv fit is incomplete or damaged: ...log_hr
    """
    missing = [f"posterior.{v}" for v in REQUIRED_POSTERIOR if v not in idata.posterior]
    missing += [f"constant_data.{v}" for v in REQUIRED_CONSTANT if v not in idata.constant_data]
    attrs = idata.posterior.attrs
    missing += [f"attribute {ATTR_PREFIX}{a}" for a in REQUIRED_ATTRS
                if ATTR_PREFIX + a not in attrs]
    if missing:
        raise FitFileError(f"this bayesurv fit is incomplete or damaged: missing "
                           f"{', '.join(missing)}")
    for a in ("model", "data", "sampler"):
        try:
            json.loads(attrs[ATTR_PREFIX + a])
        except (TypeError, ValueError):
            raise FitFileError(f"this bayesurv fit is damaged: attribute {ATTR_PREFIX}{a} is not "
                               "valid JSON") from None
    try:
        model = kind_from_settings(json.loads(attrs[ATTR_PREFIX + "model"]))
    except (TypeError, ValueError, KeyError) as exc:
        if isinstance(exc, FitFileError):
            raise
        raise FitFileError(f"this bayesurv fit is damaged: its model settings do not describe "
                           f"a model ({type(exc).__name__}: {exc})") from None
    missing = [f"constant_data.{v}" for v in model.kind_array_names
               if v not in idata.constant_data]
    if model.state_name is not None:
        missing += [f"posterior.{v}" for v in (model.state_name,
                                               f"{model.state_name}_probability")
                    if v not in idata.posterior]
    if missing:
        raise FitFileError(f"this bayesurv fit is incomplete or damaged: missing "
                           f"{', '.join(missing)}")
    return model
