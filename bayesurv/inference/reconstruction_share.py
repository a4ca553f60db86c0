"""How much of a pooled fit's uncertainty comes from reconstructing the data.

A pooled fit (:mod:`bayesurv.inference.pooled`) is an equal-weight mixture of the posteriors
of K reconstructions.  By the law of total variance, the posterior variance of a log HR is

    Var(beta) = mean_k Var(beta | k)  +  Var_k E(beta | k)

(within plus between reconstructions).  The **reconstruction share** is the between part
over the total: 0 when every reconstruction gives the same posterior, near 1 when the
reconstructions, not the trial's data, drive the uncertainty.  The between part computed
from draws also holds the Monte-Carlo error of each reconstruction's mean, about
``Var(beta | k) / ESS_k``; it is subtracted (and the share floored at 0), so identical data
sets give a share near 0 rather than near ``1 / ESS_k``.
"""

from __future__ import annotations

import json

import arviz as az
import numpy as np
import pandas as pd

from bayesurv.base.exceptions import BayesurvInputError, DataError
from bayesurv.inference.fit_file import ATTR_PREFIX

__all__ = ["LOO_CAVEAT", "RECONSTRUCTIONS_ATTR", "ReconstructionShare", "is_reconstructed",
           "reconstruction_note", "variance_share"]

RECONSTRUCTIONS_ATTR = ATTR_PREFIX + "reconstructions"
RECONSTRUCTED_SOURCE = "reconstructed from digitized curves"
# why leave-one-out is not offered on reconstructed rows
LOO_CAVEAT = (
    "leave-one-out over reconstructed patients is over-optimistic: the rows are one "
    "plausible reconstruction of a published curve, not observed patients, so their "
    "pointwise log-likelihood rewards fitting the reconstruction's artefacts (events placed "
    "evenly or at random inside each risk-table interval) and its standard errors treat "
    "the reconstructed rows as independent observations")


def variance_share(draws: np.ndarray, which: np.ndarray) -> dict[str, float]:
    """Law-of-total-variance split of ``draws`` (chains, draws) among the groups of chains
    ``which`` (one label per chain, equal numbers of draws per group).

    Returns the total, within and between variances, the Monte-Carlo part of the between
    variance, and ``share`` = max(between - Monte-Carlo, 0) / total.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> apart = np.r_[rng.normal(0, 1, (2, 500)), rng.normal(2, 1, (2, 500))]
    >>> round(variance_share(apart, np.array([0, 0, 1, 1]))["share"], 1)  # 1 / (1 + 1)
    0.5
    """
    labels = np.unique(which)
    groups = [draws[which == k] for k in labels]
    means = np.array([g.mean() for g in groups])
    within = np.array([g.var() for g in groups])
    ess = np.array([float(az.ess(g[None] if g.ndim == 1 else g)) for g in groups])
    total = float(draws.var())
    between = float(means.var())
    monte_carlo = float(np.mean(within / np.maximum(ess, 1.0)))
    share = max(between - monte_carlo, 0.0) / total if total > 0 else 0.0
    return {"total": total, "within": float(within.mean()), "between": between,
            "monte_carlo": monte_carlo, "share": min(share, 1.0)}


def reconstruction_note(idata) -> str | None:
    """The sentence every table, report and figure of a pooled fit carries; None for a fit
    of one data set.

    Examples
    --------
    >>> reconstruction_note(fit.idata) is None
    True
    """
    record = _record(idata)
    if record is None:
        return None
    return (f"data reconstructed from digitized Kaplan-Meier curves: posterior pooled over "
            f"{record['count']} reconstructions")


def is_reconstructed(fit) -> bool:
    """Whether a fit's data were reconstructed from digitized curves (pooled or not).

    Examples
    --------
    >>> is_reconstructed(fit)
    False
    """
    return (fit.reconstructions is not None
            or fit.data_summary.get("source") == RECONSTRUCTED_SOURCE)


def _record(idata) -> dict | None:
    value = idata.posterior.attrs.get(RECONSTRUCTIONS_ATTR)
    return None if value is None else json.loads(value)


class ReconstructionShare:
    """The pooled-fit part of :class:`bayesurv.Fit` (a mix-in)."""

    @property
    def reconstructions(self) -> int | None:
        """Number of reconstructions pooled in this fit; None for a fit of one data set.

        Examples
        --------
        >>> fit.reconstructions is None
        True
        """
        record = _record(self.idata)
        return None if record is None else int(record["count"])

    def _noted(self, table):
        """``table`` with ``attrs["note"]`` saying the data were reconstructed (pooled fits)."""
        note = reconstruction_note(self.idata)
        if note is not None:
            table.attrs["note"] = note
        return table

    def _refuse_pointwise(self) -> None:
        """No pointwise log-likelihood for a pooled fit: its stored patients are one of
        the reconstructions (see :data:`LOO_CAVEAT`)."""
        if self.reconstructions is not None:
            raise DataError(f"the pointwise log-likelihood (and LOO, compare_models) is not "
                            f"computed for a fit pooled over {self.reconstructions} "
                            f"reconstructions: {LOO_CAVEAT}")

    def reconstruction_share(self) -> pd.DataFrame:
        """Share of each log HR's posterior variance due to the reconstruction.

        Columns ``period, group, share, total_sd, between_sd``: ``share`` (0 to 1) is the
        between-reconstruction variance of the posterior means over the total posterior
        variance (law of total variance, Monte-Carlo error removed: see
        :mod:`bayesurv.inference.reconstruction_share`); ``total_sd`` is the posterior sd
        of the log HR and ``between_sd`` the sd of the reconstructions' posterior means.

        Raises
        ------
        BayesurvInputError
            For a fit of a single data set (nothing to share).

        Examples
        --------
        >>> fit.reconstruction_share()
        Traceback (most recent call last):
        ...
        bayesurv.base.exceptions.BayesurvInputError: Fit.reconstruction_share() needs a fit ...
        """
        if self.reconstructions is None:
            raise BayesurvInputError(
                "Fit.reconstruction_share() needs a fit pooled over several reconstructions "
                "(model.fit([data_1, ..., data_K])); this fit is of a single data set")
        posterior = self.idata.posterior
        which = posterior["reconstruction"].to_numpy()
        values = posterior["log_hr"]
        rows = []
        for g, group in enumerate(values["group"].to_numpy()):
            for p, period in enumerate(values["period"].to_numpy()):
                split = variance_share(values.to_numpy()[:, :, g, p], which)
                rows.append({"period": str(period), "group": str(group),
                             "share": split["share"], "total_sd": np.sqrt(split["total"]),
                             "between_sd": np.sqrt(split["between"])})
        table = pd.DataFrame(rows)
        table.attrs["note"] = reconstruction_note(self.idata)
        return table
