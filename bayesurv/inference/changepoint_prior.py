"""Change-point prior sensitivity: the tau posterior under the fit's prior and a uniform one.

The model's likelihood of each candidate tau does not depend on tau's prior, so the tau
posterior under another prior on the same grid is ``prior x marginal likelihood``.  The
marginal likelihood of a candidate far out in a narrow prior's tail is poorly estimated from
draws of the fitted posterior, so the uniform-prior posterior comes from a refit of the
same model (same grid, baseline and other priors) with tau uniform over the grid.

How far the data moved each prior is its **total-variation distance** to its posterior,
``TV = sum_k |posterior_k - prior_k| / 2``: the largest change, over all sets of grid points
(windows of tau), of the probability of that set.  0 means the posterior is the prior; 1
that the posterior sits where the prior had no mass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.fit import Fit

__all__ = ["MOSTLY_PRIOR_TV", "ChangepointPriorSensitivity", "changepoint_prior_sensitivity",
           "total_variation"]

# A distance d means that a share 1 - d of the posterior's mass lies where the prior had put
# it (the posterior is (1 - d) x their overlap + d x mass the data put elsewhere); below 0.15,
# 85% of the posterior is the prior, and no window of tau values gained or lost more than
# 0.15 of probability.  Measured: trials with ~30 events and no change of effect move a
# near=12 prior by 0.03-0.10; the shipped reference cohort (44 deaths) moves near=13 by 0.21
# (0.214-0.217 over seeds and run lengths); ~110 events without a change, by 0.18-0.32;
# 800 patients with a big delayed effect (HR 1 then 0.3 at 12), by 0.43-0.84.
MOSTLY_PRIOR_TV = 0.15


def total_variation(p, q) -> float:
    """Total-variation distance of two distributions over the same grid.

    Examples
    --------
    >>> total_variation([0.5, 0.5, 0.0], [0.0, 0.5, 0.5])
    0.5
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return float(0.5 * np.abs(p / p.sum() - q / q.sum()).sum())


@dataclass(frozen=True)
class ChangepointPriorSensitivity:
    """The tau posterior under the fit's prior and under a uniform prior on the same grid.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per grid point: ``tau, prior, posterior`` (the fit's prior and posterior),
        ``uniform_prior, uniform_posterior``.
    summary : pandas.DataFrame
        One row per prior (``fit``, ``uniform``): ``moved`` (total-variation distance from
        prior to posterior), ``mode``, with ``near`` the prior and posterior mass within
        ``near +/- spread`` (``window``, ``prior_near``, ``posterior_near``), and
        ``mostly_prior`` (``moved`` below :data:`MOSTLY_PRIOR_TV`).
    mostly_prior : bool
        Whether the data moved the fit's prior by less than :data:`MOSTLY_PRIOR_TV` (the
        ``mostly_prior`` of the summary's ``fit`` row).
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    mostly_prior: bool

    @property
    def message(self) -> str:
        """One plain sentence for a report.

        Examples
        --------
        >>> s = changepoint_prior_sensitivity(fit, data, draws=200, tune=200, chains=2,
        ...                                   random_seed=1, progressbar=False)
        >>> print(s.message)  # doctest: +NORMALIZE_WHITESPACE
        The data moved the change-point prior by 0.22 (total variation): at least 0.15, so the
        data inform the change-point; a uniform prior over the grid is moved by 0.34.
        """
        moved = self.summary.set_index("prior")["moved"]
        text = (f"The data moved the change-point prior by {moved['fit']:.2f} (total "
                f"variation): ")
        if self.mostly_prior:
            return text + (f"below {MOSTLY_PRIOR_TV:g}, so the change-point posterior is "
                           "mostly prior; read tau from the prior, not from the data.")
        return text + (f"at least {MOSTLY_PRIOR_TV:g}, so the data inform the change-point; a "
                       f"uniform prior over the grid is moved by {moved['uniform']:.2f}.")


def _uniform_refit(fit: Fit, data: SurvivalData, fit_kwargs: dict) -> Fit:
    model = fit.model
    if model.near is None and model.prior is None:
        return fit  # already uniform over the grid
    grid = fit.idata.constant_data["tau_grid"].to_numpy()
    uniform = type(model)(grid=grid.tolist(), baseline=model.baseline, priors=model.priors)
    return uniform.fit(data, **fit_kwargs)


def _spread(model, grid: np.ndarray) -> float:
    """The sd of a ``near`` prior (as :meth:`bayesurv.ChangePoint.tau_prior` sets it)."""
    if model.spread is not None:
        return float(model.spread)
    step = float(np.median(np.diff(grid))) if grid.size > 1 else 1.0
    return max(model.near / 4.0, 2.0 * step)


def changepoint_prior_sensitivity(fit: Fit, data: SurvivalData, uniform_fit: Fit | None = None,
                                  **fit_kwargs) -> ChangepointPriorSensitivity:
    """How much of a change-point posterior comes from the data rather than tau's prior.

    Parameters
    ----------
    fit : Fit
        A change-point fit of ``data``.
    data : SurvivalData
        Its data (refitted with a uniform prior on the fit's grid, unless ``uniform_fit``
        is given or the fit's prior already is uniform).
    uniform_fit : Fit, optional
        That refit, when already made.
    **fit_kwargs
        Passed to the refit (draws, tune, chains, random_seed, progressbar...).

    Returns
    -------
    ChangepointPriorSensitivity
        The table over the grid, the summary per prior and the ``mostly_prior`` flag (the
        data moved the fit's prior by a total-variation distance below
        :data:`MOSTLY_PRIOR_TV`).

    Examples
    --------
    >>> s = changepoint_prior_sensitivity(fit, data, draws=200, tune=200, chains=2,
    ...                                   random_seed=1, progressbar=False)
    >>> s.table.columns.tolist()
    ['tau', 'prior', 'posterior', 'uniform_prior', 'uniform_posterior']
    >>> s.summary["prior"].tolist(), type(s.mostly_prior).__name__
    (['fit', 'uniform'], 'bool')
    """
    if not isinstance(fit, Fit) or not fit.has_changepoint:
        raise BayesurvInputError("changepoint_prior_sensitivity: needs a change-point fit "
                                 "(bs.ChangePoint(...).fit(data))")
    uniform_fit = uniform_fit or _uniform_refit(fit, data, fit_kwargs)
    own, flat = fit.changepoint(), uniform_fit.changepoint()
    if own.shape[0] != flat.shape[0] or not np.allclose(own["tau"], flat["tau"]):
        raise BayesurvInputError("changepoint_prior_sensitivity: the uniform fit's grid is "
                                 "not the fit's grid")
    grid = own["tau"].to_numpy()
    table = pd.DataFrame({"tau": grid, "prior": own["prior"], "posterior": own["probability"],
                          "uniform_prior": np.full(grid.size, 1.0 / grid.size),
                          "uniform_posterior": flat["probability"].to_numpy()})
    near = fit.model.near
    rows = []
    for name, prior, posterior in (("fit", "prior", "posterior"),
                                   ("uniform", "uniform_prior", "uniform_posterior")):
        row = {"prior": name, "moved": total_variation(table[prior], table[posterior]),
               "mode": float(grid[np.argmax(table[posterior])])}
        if near is not None:
            spread = _spread(fit.model, grid)
            inside = np.abs(grid - near) <= spread
            row |= {"window": f"{near - spread:g}-{near + spread:g}",
                    "prior_near": float(table.loc[inside, prior].sum()),
                    "posterior_near": float(table.loc[inside, posterior].sum())}
        rows.append(row)
    summary = pd.DataFrame(rows)
    summary["mostly_prior"] = summary["moved"] < MOSTLY_PRIOR_TV
    return ChangepointPriorSensitivity(table=table, summary=summary,
                                       mostly_prior=bool(summary["mostly_prior"].iloc[0]))
