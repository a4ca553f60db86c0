"""MCMC convergence diagnostics with thresholds, messages and suggestions."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr

from bayesurv.base.exceptions import ConvergenceWarning
from bayesurv.data.illness_death import TRANSITIONS
from bayesurv.inference.intervals import credible_interval, interval_label, labelled

__all__ = ["ESS_MIN", "RHAT_MAX", "Diagnostics", "check_convergence", "parameter_summary",
           "within_fits"]

RHAT_MAX = 1.01  # Vehtari et al. (2021), Bayesian Analysis 16(2):667-718
ESS_MIN = 400  # ibid.: 100 per chain for 4 chains

SAMPLED = ("log_baseline", "log_hr", "beta")
SUMMARIZED = ("log_hr", "log_baseline", "beta", "tau")


@dataclass(frozen=True)
class Diagnostics:
    """Convergence diagnostics of a fit.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per sampled parameter: ``parameter, r_hat, ess_bulk, ess_tail, ok``.
    divergences : int
        Number of divergent transitions after tuning.
    draws, chains : int
        Posterior size.
    problems : list of str
        One message per problem, each naming the parameter and a suggestion.

    Examples
    --------
    >>> d = check_convergence(fit.idata, warn=False)
    >>> d.chains, d.draws, d.table.columns.tolist()
    (2, 200, ['parameter', 'r_hat', 'ess_bulk', 'ess_tail', 'ok'])
    """

    table: pd.DataFrame
    divergences: int
    draws: int
    chains: int
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found.

        Examples
        --------
        >>> d = fit.diagnostics(warn=False)
        >>> d.ok == (len(d.problems) == 0)
        True
        """
        return not self.problems

    @property
    def max_r_hat(self) -> float:
        """Largest R-hat (NaN with a single chain).

        Examples
        --------
        >>> d = fit.diagnostics(warn=False)
        >>> d.max_r_hat == float(d.table["r_hat"].max()), d.max_r_hat < 1.1
        (True, True)
        """
        return float(self.table["r_hat"].max())

    @property
    def min_ess_bulk(self) -> float:
        """Smallest bulk effective sample size.

        Examples
        --------
        >>> d = fit.diagnostics(warn=False)
        >>> d.min_ess_bulk == float(d.table["ess_bulk"].min())
        True
        """
        return float(self.table["ess_bulk"].min())

    def to_dict(self) -> dict:
        """Headline figures.

        Examples
        --------
        >>> sorted(fit.diagnostics(warn=False).to_dict())
        ['chains', 'divergences', 'draws', 'max_r_hat', 'min_ess_bulk', 'ok']
        """
        return {"ok": self.ok, "max_r_hat": self.max_r_hat, "min_ess_bulk": self.min_ess_bulk,
                "divergences": self.divergences, "chains": self.chains, "draws": self.draws}

    def __repr__(self) -> str:
        head = (f"Diagnostics: {'OK' if self.ok else 'PROBLEMS'}; max R-hat "
                f"{self.max_r_hat:.3f}, min bulk ESS {self.min_ess_bulk:.0f}, "
                f"{self.divergences} divergences ({self.chains} chains x {self.draws} draws)")
        return "\n".join([head, *[f"  - {p}" for p in self.problems]])


def present(posterior, roles) -> list[str]:
    """The posterior variables of ``roles``, in that order: each role itself, or one per
    transition of an illness-death model (``log_hr_illness``, ...).

    Examples
    --------
    >>> present(fit.idata.posterior, SUMMARIZED)
    ['log_hr', 'log_baseline', 'tau']
    """
    names = []
    for role in roles:
        for name in (role, *(f"{role}_{key}" for key in TRANSITIONS)):
            if name in posterior:
                names.append(name)
    return names


def check_convergence(idata, warn: bool = True, stacklevel: int = 3) -> Diagnostics:
    """Compute R-hat, ESS and divergences; warn (ConvergenceWarning) about each problem.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     d = check_convergence(fit.idata)
    >>> len(caught) == len(d.problems)  # one ConvergenceWarning per problem
    True
    >>> d.table["parameter"].tolist()[:2]
    ['log_baseline[0-4.03]', 'log_baseline[4.03-6.94]']
    """
    names = present(idata.posterior, SAMPLED)
    posterior = idata.posterior[names]
    n_draws = posterior.sizes["draw"]
    chains = _chains_per_fit(posterior)
    rhat, ess_bulk, ess_tail = within_fits(posterior)
    rows = []
    for name in names:
        values = ess_bulk[name]
        for position in np.ndindex(values.shape):
            label = _label(values, name, position)
            r = float(rhat[name].to_numpy()[position]) if rhat is not None else np.nan
            rows.append({"parameter": label, "r_hat": r,
                         "ess_bulk": float(values.to_numpy()[position]),
                         "ess_tail": float(ess_tail[name].to_numpy()[position])})
    table = pd.DataFrame(rows)
    # a NaN (too few draws to compute it) is never a pass
    table["ok"] = (table["r_hat"] <= RHAT_MAX) & (table["ess_bulk"] >= ESS_MIN)
    divergences = int(idata.sample_stats["diverging"].sum()) if "sample_stats" in idata else 0
    problems = _problems(table, divergences, chains)
    if warn:
        for message in problems:
            warnings.warn(message, ConvergenceWarning, stacklevel=stacklevel)
    return Diagnostics(table, divergences, n_draws, chains, problems)


def _chains_per_fit(posterior) -> int:
    """Chains of one fit: all of them, or those of one reconstruction of a pooled fit."""
    if "reconstruction" not in posterior.coords:
        return int(posterior.sizes["chain"])
    return int(np.bincount(posterior["reconstruction"].to_numpy()).min())


def within_fits(posterior):
    """R-hat (None with one chain per fit), bulk and tail ESS of every variable.

    For a pooled fit of reconstructions (a ``reconstruction`` coordinate on ``chain``, see
    :mod:`bayesurv.inference.pooled`), chains of different reconstructions legitimately
    differ, so R-hat compares chains *within* each reconstruction: every draw minus its
    reconstruction's mean, then R-hat over all chains.  A chain that disagrees with the other
    chains of its reconstruction still shows; the reconstructions' own differences do not;
    and all chains inform it (a few chains of ~100 draws per reconstruction alone would give
    a noisy R-hat).  Removing each reconstruction's mean takes one of its ``2 * chains``
    split chains' degrees of freedom, so the between-chain part is about ``1 / (2 * chains)``
    low.  The ESS are the sums over reconstructions (their draws are independent).

    Examples
    --------
    >>> rhat, bulk, tail = within_fits(fit.idata.posterior[["log_hr"]])
    >>> bulk["log_hr"].shape
    (1, 2)
    """
    parts, centred = [posterior], posterior
    if "reconstruction" in posterior.coords:
        which = posterior["reconstruction"].to_numpy()
        parts = [posterior.isel(chain=np.flatnonzero(which == k)) for k in np.unique(which)]
        centred = xr.concat([p - p.mean(("chain", "draw")) for p in parts], dim="chain")
    one_chain = min(part.sizes["chain"] for part in parts) < 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rhat = None if one_chain else az.rhat(centred)
        bulk = _summed([az.ess(p, method="bulk") for p in parts])
        tail = _summed([az.ess(p, method="tail") for p in parts])
    return rhat, bulk, tail


def _summed(results):
    return results[0] if len(results) == 1 else xr.concat(results, dim="_fit").sum(
        "_fit", skipna=False)


def _label(values, name: str, position: tuple) -> str:
    if not position:
        return name
    coords = [str(values[dim].to_numpy()[i]) for dim, i in zip(values.dims, position,
                                                                strict=True)]
    return f"{name}[{', '.join(coords)}]"


def _problems(table: pd.DataFrame, divergences: int, chains: int) -> list[str]:
    problems = []
    bad_rhat = table[table["r_hat"] > RHAT_MAX]
    if len(bad_rhat):
        worst = bad_rhat.loc[bad_rhat["r_hat"].idxmax()]
        problems.append(
            f"R-hat above {RHAT_MAX} for {len(bad_rhat)} parameter(s), worst "
            f"{worst['parameter']} = {worst['r_hat']:.3f}: the chains disagree; run more tuning "
            "steps (tune=) and draws, or use a stronger prior or a narrower change-point grid")
    low_ess = table[table["ess_bulk"] < ESS_MIN]
    if len(low_ess):
        worst = low_ess.loc[low_ess["ess_bulk"].idxmin()]
        problems.append(
            f"bulk ESS below {ESS_MIN} for {len(low_ess)} parameter(s), lowest "
            f"{worst['parameter']} = {worst['ess_bulk']:.0f}: increase draws= (or chains=)")
    if divergences:
        problems.append(
            f"{divergences} divergent transition(s): the posterior may be biased; raise "
            "target_accept (e.g. 0.95), run more tuning steps, or use a stronger prior "
            "(e.g. priors='skeptical') or fewer baseline pieces")
    if chains < 2:
        problems.append("a single chain: R-hat cannot be computed; run chains >= 2")
    unknown = table[table["ess_bulk"].isna() | (table["r_hat"].isna() & (chains > 1))]
    if len(unknown):
        problems.append(
            f"convergence not assessable: R-hat or ESS could not be computed for "
            f"{len(unknown)} parameter(s) (e.g. {unknown['parameter'].iloc[0]}), too few draws "
            "per chain; run more draws= before reading the results")
    return problems


def parameter_summary(idata, mass: float = 0.95, interval: str = "equal-tailed") -> pd.DataFrame:
    """Mean, sd, median, interval of ``mass`` and ArviZ's R-hat and ESS of every parameter.

    Parameters
    ----------
    idata : arviz.InferenceData
        A fit's InferenceData.
    mass : float
        Mass of the interval (``lower``, ``upper``), in (0, 1).
    interval : {"equal-tailed", "hdi"}

    Returns
    -------
    pandas.DataFrame
        Indexed by parameter (``log_hr[UC-MSC, before]``); the ``interval`` column names the
        interval, e.g. "95% equal-tailed" (so does ``attrs["interval"]``).

    Examples
    --------
    >>> s = parameter_summary(fit.idata, 0.9)
    >>> s["interval"].iloc[0]
    '90% equal-tailed'
    >>> parameter_summary(fit.idata, interval="hdi").attrs["interval"]
    '95% HDI'
    """
    names = present(idata.posterior, SUMMARIZED)
    rows = []
    for name in names:
        values = idata.posterior[name]
        first = values.isel(chain=0, draw=0)
        flat = values.to_numpy().reshape(-1, *first.shape)
        for position in np.ndindex(first.shape):
            x = flat[(slice(None), *position)].astype(float)
            lower, upper = credible_interval(x, mass, interval)
            rows.append({"parameter": _label(first, name, position), "mean": x.mean(),
                         "sd": x.std(ddof=1) if x.size > 1 else np.nan,
                         "median": np.median(x), "lower": float(lower),
                         "upper": float(upper)})
    table = pd.DataFrame(rows).set_index("parameter")
    table["interval"] = interval_label(mass, interval)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        diagnostics = az.summary(idata, var_names=names, kind="diagnostics", round_to="none")
    if "reconstruction" in idata.posterior.coords:  # within each reconstruction
        rhat, bulk, tail = within_fits(idata.posterior[names])
        for column, values in (("r_hat", rhat), ("ess_bulk", bulk), ("ess_tail", tail)):
            diagnostics[column] = [np.nan if values is None else
                                   float(values[name].to_numpy()[position])
                                   for name in names for position in
                                   np.ndindex(idata.posterior[name].shape[2:])]
    return labelled(table.join(diagnostics[["ess_bulk", "ess_tail", "r_hat"]]), mass, interval)
