"""Baseline sensitivity: the same model refitted with a coarser and a finer baseline hazard.

A piecewise baseline with too few pieces lets a fast-changing hazard leak into the treatment
HR (see :func:`bayesurv.model.arrays.default_baseline_cuts`); if halving or doubling the
number of pieces moves an HR, the answer depends on a default, and the report says so.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.fit import Fit
from bayesurv.model.arrays import default_baseline_cuts, default_pieces

__all__ = ["baseline_variants", "compare_baselines"]

COLUMNS = ["baseline", "pieces", "period", "group", "median", "lower", "upper", "p_benefit"]


def _pieces_of(model, data: SurvivalData) -> int:
    """Number of baseline pieces the model asks for on ``data``."""
    if model.baseline is None:
        return default_pieces(data.n_events)
    if isinstance(model.baseline, int | np.integer) and not isinstance(model.baseline, bool):
        return int(model.baseline)
    return int(np.size(model.baseline)) + 1


def baseline_variants(model, data: SurvivalData) -> dict[str, list[float] | None]:
    """The model's own baseline and a coarser (half the pieces) and a finer (twice) one.

    The coarser and finer baselines are cut at event-time quantiles like the default, and
    keep a fixed-cut model's treatment cuts (see
    :func:`bayesurv.model.arrays.default_baseline_cuts`).

    Returns
    -------
    dict
        ``{"coarser": cuts, "model": model.baseline, "finer": cuts}``, in that order
        (``coarser`` is left out when the model has a single piece).

    Examples
    --------
    >>> variants = baseline_variants(bs.PiecewiseExponential(cuts=[13]), data)
    >>> list(variants), variants["model"], len(variants["coarser"]), len(variants["finer"])
    (['coarser', 'model', 'finer'], None, 3, 14)
    """
    n = _pieces_of(model, data)
    keep = model.baseline_keeps()
    out: dict[str, list[float] | None] = {}
    if n > 1:
        out["coarser"] = default_baseline_cuts(data, keep, pieces=max(n // 2, 1)).tolist()
    out["model"] = model.baseline
    out["finer"] = default_baseline_cuts(data, keep, pieces=2 * n).tolist()
    return out


def compare_baselines(model, data: SurvivalData, fit: Fit | None = None,
                      **fit_kwargs) -> pd.DataFrame:
    """HR summaries per period of the same model with a coarser and a finer baseline.

    Parameters
    ----------
    model : PiecewiseExponential or ChangePoint
        The model (its priors and change-point settings are kept; only the baseline
        changes: see :func:`baseline_variants`).
    data : SurvivalData
        The data.
    fit : Fit, optional
        The fit of ``model`` to ``data``, reused instead of refitting it.
    **fit_kwargs
        Passed to ``fit`` of the coarser and finer models (draws, tune, chains,
        random_seed, progressbar...).

    Returns
    -------
    pandas.DataFrame
        ``baseline`` (``coarser``, ``model`` or ``finer``), ``pieces`` (baseline pieces
        fitted), ``period, group, median, lower, upper, p_benefit``, and for a change-point
        model the posterior mode and 90% interval of tau (``tau_mode, tau_lower,
        tau_upper``).

    Examples
    --------
    >>> table = bs.compare_baselines(bs.PiecewiseExponential(cuts=[13]), data, fit=pw_fit,
    ...                              draws=200, tune=200, chains=2, random_seed=1,
    ...                              progressbar=False)
    >>> table[["baseline", "pieces", "period"]].to_numpy().tolist()[::2]
    [['coarser', 4, '0-13'], ['model', 8, '0-13'], ['finer', 15, '0-13']]
    """
    if fit is not None and not isinstance(fit, Fit):
        raise BayesurvInputError(f"compare_baselines: fit must be a bayesurv Fit, got "
                                 f"{type(fit).__name__}")
    frames = []
    for name, baseline in baseline_variants(model, data).items():
        if name == "model" and fit is not None:
            this = fit
        else:
            other = copy.copy(model)
            other.baseline = baseline
            this = other.fit(data, **fit_kwargs)
        table = this.hazard_ratios()
        table.insert(0, "pieces", this.idata.constant_data["baseline_edges"].size)
        table.insert(0, "baseline", name)
        if this.has_changepoint:
            summary = this.changepoint_summary()
            table["tau_mode"] = summary["mode"]
            table["tau_lower"], table["tau_upper"] = summary["lower"], summary["upper"]
        frames.append(table)
    out = pd.concat(frames, ignore_index=True)
    extra = [c for c in ("tau_mode", "tau_lower", "tau_upper") if c in out.columns]
    return out[COLUMNS + extra]
