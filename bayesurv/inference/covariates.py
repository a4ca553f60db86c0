"""Covariate effects of a fit: hazard ratios per standard deviation and per unit.

The model standardizes each covariate (centred, divided by its standard deviation in the
data; see :mod:`bayesurv.model.arrays`), so a sampled coefficient ``beta`` is a log HR per SD.
Fits saved before covariates were standardized store no ``covariate_sds``: their ``beta`` is
per unit, and an SD of 1 reads it so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesurv.inference.intervals import checked, labelled
from bayesurv.inference.summaries import draws, summarize_hr

__all__ = ["covariate_effects", "covariate_sds"]


def covariate_sds(idata) -> np.ndarray:
    """The standard deviation each covariate was divided by (ones for an old fit).

    Examples
    --------
    >>> covariate_sds(fit.idata).shape  # the reference fit has no covariates
    (0,)
    """
    constant = idata.constant_data
    if "covariate_sds" in constant:
        return np.asarray(constant["covariate_sds"].values, dtype=float)
    return np.ones(constant.sizes.get("covariate", 0))


def covariate_effects(idata, mass: float = 0.95, interval: str = "equal-tailed") -> pd.DataFrame:
    """Posterior HR of each covariate per standard deviation and per unit.

    Parameters
    ----------
    idata : arviz.InferenceData
        A fit's InferenceData.
    mass : float
        Mass of the intervals, in (0, 1).
    interval : {"equal-tailed", "hdi"}
        The interval (named in ``attrs["interval"]``).

    Returns
    -------
    pandas.DataFrame
        One row per (covariate, scale): ``covariate``, ``scale`` ("per SD" or "per unit"),
        ``sd`` (the covariate's SD in the data, in its unit), and the HR's ``median, mean,
        lower, upper`` and ``p_below_1`` (P(HR < 1)).  Empty without covariates.

    Examples
    --------
    >>> covariate_effects(fit.idata).columns.tolist()
    ['covariate', 'scale', 'sd', 'median', 'mean', 'lower', 'upper', 'p_below_1']
    """
    mass, interval = checked(mass, interval, "covariate_effects")
    columns = ["covariate", "scale", "sd", "median", "mean", "lower", "upper", "p_below_1"]
    sds = covariate_sds(idata)
    if sds.size == 0:
        return labelled(pd.DataFrame(columns=columns), mass, interval)
    per_sd = draws(idata, "beta")
    names = [str(x) for x in idata.constant_data["covariate"].values]
    rows = []
    for j, name in enumerate(names):
        for scale, log_hr in (("per SD", per_sd[:, j]), ("per unit", per_sd[:, j] / sds[j])):
            summary = summarize_hr(log_hr, mass, interval)
            summary["p_below_1"] = summary.pop("p_benefit")
            rows.append({"covariate": name, "scale": scale, "sd": float(sds[j]), **summary})
    return labelled(pd.DataFrame(rows, columns=columns), mass, interval)
