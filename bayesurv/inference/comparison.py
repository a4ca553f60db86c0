"""Compare fits of the same data by leave-one-out cross-validation (PSIS-LOO, ArviZ)."""

from __future__ import annotations

import warnings

import arviz as az
import pandas as pd
import xarray as xr

from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.inference.fit import Fit

__all__ = ["compare_models"]


def compare_models(fits: dict[str, Fit]) -> pd.DataFrame:
    """ArviZ LOO comparison table of fits of the same data.

    The pointwise log-likelihood is per patient; for a change-point fit it is conditional on
    each draw's tau.

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
