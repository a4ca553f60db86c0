"""Compare fits of the same data by leave-one-out cross-validation (PSIS-LOO, ArviZ)."""

from __future__ import annotations

import warnings

import arviz as az
import pandas as pd
import xarray as xr

from bayesurv.base.exceptions import BayesurvInputError, ReconstructionWarning
from bayesurv.inference.fit import Fit
from bayesurv.inference.reconstruction_share import LOO_CAVEAT, is_reconstructed

__all__ = ["compare_models"]


def compare_models(fits: dict[str, Fit]) -> pd.DataFrame:
    """ArviZ LOO comparison table of fits of the same data.

    The pointwise log-likelihood is per patient; for a change-point fit it is conditional on
    each draw's tau.

    On data reconstructed from digitized curves the comparison is not what it seems
    (:data:`bayesurv.inference.reconstruction_share.LOO_CAVEAT`): fits pooled over several
    reconstructions are refused, and a fit of a single reconstruction gives a
    :class:`~bayesurv.ReconstructionWarning` that says so (its weights are over-confident).
    Compare such models by their posterior HR tables, or on the trial's own patients.

    Parameters
    ----------
    fits : dict of str to Fit
        At least two fits of the same patients (e.g. constant HR, fixed cut, change-point).

    Returns
    -------
    pandas.DataFrame
        ``arviz.compare`` output: rank, elpd_loo, p_loo, elpd_diff, weight, se, dse, warning.

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> kw = dict(draws=200, tune=200, chains=2, random_seed=1, progressbar=False)
    >>> fits = {"constant": bs.PiecewiseExponential().fit(data, **kw),
    ...         "cut at 13": bs.PiecewiseExponential(cuts=[13]).fit(data, **kw)}
    >>> bs.compare_models(fits).index.size
    2
    """
    if not isinstance(fits, dict) or len(fits) < 2:
        raise BayesurvInputError("compare_models: give a dict of at least two fits by name")
    for name, fit in fits.items():
        if not isinstance(fit, Fit):
            raise BayesurvInputError(f"compare_models: {name!r} is a {type(fit).__name__}, "
                                     "not a bayesurv Fit")
    _check_not_reconstructed(fits)
    sizes = {name: (fit.data_summary["n"], fit.data_summary["events"])
             for name, fit in fits.items()}
    if len(set(sizes.values())) > 1:
        raise BayesurvInputError(f"compare_models: the fits are not of the same data "
                                 f"(patients, events): {sizes}")
    with_loglik = {}
    for name, fit in fits.items():
        idata = fit.idata.copy()
        loglik = xr.DataArray(fit.log_likelihood(), dims=("chain", "draw", "patient"),
                              coords={"chain": idata.posterior.chain,
                                      "draw": idata.posterior.draw})
        if "log_likelihood" in idata:
            del idata.log_likelihood
        idata.add_groups(log_likelihood=xr.Dataset({"survival": loglik}))
        with_loglik[name] = idata
    with warnings.catch_warnings():
        # ArviZ's own Pareto-k warning is reported in the table's "warning" column
        warnings.simplefilter("ignore", UserWarning)
        return az.compare(with_loglik, ic="loo")


def _check_not_reconstructed(fits: dict[str, Fit]) -> None:
    """Refuse pooled fits of reconstructions; warn about a single reconstruction."""
    pooled = [name for name, fit in fits.items() if fit.reconstructions is not None]
    if pooled:
        raise BayesurvInputError(f"compare_models: {pooled[0]!r} is pooled over "
                                 f"{fits[pooled[0]].reconstructions} reconstructions of "
                                 f"digitized curves; {LOO_CAVEAT}")
    reconstructed = [name for name, fit in fits.items() if is_reconstructed(fit)]
    if reconstructed:
        warnings.warn(f"compare_models: {', '.join(map(repr, reconstructed))} were fitted to "
                      f"patient rows reconstructed from digitized curves; {LOO_CAVEAT}. Read "
                      "elpd differences and weights as optimistic.", ReconstructionWarning,
                      stacklevel=3)
