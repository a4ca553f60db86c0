"""The result of an illness-death fit: hazard ratios per transition, cumulative incidences
and state occupation probabilities, each with its posterior.

Every estimand is computed per posterior draw from the transitions' hazards on their fine
grids, with the transition kinds' own math (:func:`bayesurv.model.kind.log_hazards`, the
effects, the states) and the closed form of
:func:`bayesurv.model.multistate.illness_death_probabilities`.  A transition with a
change-point gets one change-point per draw, drawn from its conditional posterior given
that draw's parameters (the softmax of the per-candidate log-likelihoods), so the curves
carry the uncertainty about the change-point.
"""

from __future__ import annotations

import functools
import json
import os

import numpy as np
import pandas as pd
import xarray as xr

from bayesurv.base.checks import check_mass, check_positive, check_times
from bayesurv.base.exceptions import FitFileError
from bayesurv.data.exposure import fine_grid, piece_of_edges
from bayesurv.data.illness_death import STATES, TRANSITIONS
from bayesurv.inference.diagnostics import Diagnostics, check_convergence, parameter_summary
from bayesurv.inference.fit_file import ATTR_PREFIX
from bayesurv.inference.fit_io import read_fit_file, write_fit_file
from bayesurv.inference.illness_death_file import check_illness_death_fit
from bayesurv.inference.summaries import draws, summarize_hr
from bayesurv.model.graph import log_hazards
from bayesurv.model.illness_death import IllnessDeath
from bayesurv.model.multistate import (
    illness_death_probabilities,
    illness_probability_clock_reset,
)
from bayesurv.model.transitions import transition_name, transition_values

__all__ = ["IllnessDeathFit"]

EVENTS = {"illness": "cif_illness", "death": "cif_death"}


class IllnessDeathFit:
    """Posterior of an :class:`~bayesurv.IllnessDeath` model (``model.fit(data)`` makes it).

    Attributes
    ----------
    idata : arviz.InferenceData
        ``log_baseline_<transition>`` and ``log_hr_<transition>`` per draw, sample
        statistics, and every transition's exposure table and arrays in ``constant_data``.
    model : IllnessDeath
        The model, rebuilt from the settings stored in ``idata``.

    Examples
    --------
    >>> import bayesurv as bs
    >>> cohort = _cohort()  # 400 patients per arm, simulated
    >>> idfit = bs.IllnessDeath().fit(cohort, draws=200, tune=200, chains=2, random_seed=1,
    ...                               progressbar=False)
    >>> idfit.kind, idfit.groups
    ('illness_death', ['control', 'treated'])
    """

    def __init__(self, idata):
        self.model: IllnessDeath = check_illness_death_fit(idata)
        self.idata = idata

    def _attr(self, key: str) -> dict:
        return json.loads(self.idata.posterior.attrs[ATTR_PREFIX + key])

    @property
    def kind(self) -> str:
        """``"illness_death"``."""
        return self.model.kind

    @property
    def data_summary(self) -> dict:
        """Summary of the data (patients, events per transition, groups, time unit)."""
        return self._attr("data")

    @property
    def sampler_settings(self) -> dict:
        """Sampler, draws, tune, chains, seed and times."""
        return self._attr("sampler")

    @property
    def groups(self) -> list[str]:
        """Group names, the reference first."""
        return list(self.data_summary["groups"])

    @property
    def time_unit(self) -> str:
        """Time unit of the data."""
        return str(self.data_summary["time_unit"])

    # ------------------------------------------------------------------ per draw
    def _values(self, key: str) -> dict[str, np.ndarray]:
        values = transition_values(self.idata.constant_data, key)
        # the per-patient likelihood (a change-point with covariates) needs the fine widths
        return values | {"widths": np.diff(values["fine_edges"])}

    def _linear_predictor(self, key: str) -> np.ndarray | float:
        """Each patient's covariate log HR per draw, (draws, patients); 0 without covariates."""
        values = self._values(key)
        if "patient_covariates" not in values:
            return 0.0
        beta = draws(self.idata, transition_name("beta", key))
        return beta @ np.asarray(values["patient_covariates"], dtype=float).T

    def _log_hazards(self, key: str) -> np.ndarray:
        """Log hazards per (draw, regime, fine piece, group) of one transition."""
        kind, values = self.model.transitions[key], self._values(key)
        log_hr = draws(self.idata, transition_name("log_hr", key))
        log_baseline = draws(self.idata, transition_name("log_baseline", key))
        return log_hazards(np, log_baseline, kind.effects(np, log_hr, values),
                           values["baseline_map"])

    @functools.cache  # noqa: B019 (draws of a fit's own posterior, kept with it)
    def state_probability_draws(self, key: str) -> np.ndarray:
        """P(state | parameters, data) per (draw, state) of one transition's change-point
        (a single state of probability 1 for a transition without one).

        The softmax, per draw, of the log prior plus the log-likelihood of each candidate:
        the same function the sampled likelihood marginalized.
        """
        kind, values = self.model.transitions[key], self._values(key)
        lh = self._log_hazards(key)
        if kind.state_name is None:
            return np.ones((lh.shape[0], 1))
        log_prior = kind.state_log_prior(values)
        # a shared change-point: the sum of every member's log-likelihood at each candidate
        members = [k for k in self.model.shared_changepoint if key in
                   self.model.shared_changepoint] or [key]
        joint = log_prior
        for member in members:
            member_kind, member_values = self.model.transitions[member], self._values(member)
            member_lh = lh if member == key else self._log_hazards(member)
            xb = self._linear_predictor(member)
            joint = joint + np.stack([member_kind.state_loglik(
                np, member_lh[s], xb[s] if np.ndim(xb) else 0.0, member_values)
                for s in range(lh.shape[0])])
        joint -= joint.max(axis=1, keepdims=True)
        weights = np.exp(joint)
        return weights / weights.sum(axis=1, keepdims=True)

    @functools.cache  # noqa: B019
    def hazard_draws(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """One transition's hazards per (draw, fine piece, group) and its fine edges.

        A transition with a change-point takes, in each draw, one candidate drawn from
        :meth:`state_probability_draws` (the generator is seeded by the fit's seed).
        """
        kind, values = self.model.transitions[key], self._values(key)
        lh = self._log_hazards(key)
        prob = self.state_probability_draws(key)
        # members of a shared change-point draw the same candidate: same weights, same stream
        stream = (self.model.shared_changepoint[0] if key in self.model.shared_changepoint
                  else key)
        rng = np.random.default_rng([int(self.sampler_settings["random_seed"]),
                                     TRANSITIONS.index(stream)])
        cumulative = prob.cumsum(axis=1)
        u = rng.random((prob.shape[0], 1)) * cumulative[:, -1:]
        state = np.minimum((cumulative < u).sum(axis=1), prob.shape[1] - 1)
        regime = kind.regimes(values)[state]  # (draws, fine pieces)
        chosen = np.take_along_axis(lh, regime[:, None, :, None], axis=1)[:, 0]
        return np.exp(chosen), np.asarray(values["fine_edges"], dtype=float)

    def probability_draws(self, times) -> xr.DataArray:
        """State probabilities and cumulative incidences per draw at ``times``.

        Returns an ``xarray.DataArray`` (draw, group, quantity, time) with quantities
        ``"event-free"``, ``"illness"``, ``"death"``, ``"cif_illness"``, ``"cif_death"``
        and ``"time_event_free"`` (restricted mean time alive without illness up to each
        time).

        Examples
        --------
        >>> idfit = bs.IllnessDeath().fit(_cohort(), draws=200, tune=200, chains=2,
        ...                               random_seed=1, progressbar=False)
        >>> draws = idfit.probability_draws([12])
        >>> draws.dims, draws.sizes["draw"]
        (('draw', 'group', 'quantity', 'time'), 400)
        """
        times = check_times(times, "times", "IllnessDeathFit", allow_empty=False)
        hazards = {key: self.hazard_draws(key) for key in TRANSITIONS}
        edges = fine_grid(times, *[e for _, e in hazards.values()])
        on_grid = [h[:, piece_of_edges(e, edges), :] for h, e in hazards.values()]
        # (draws, groups, pieces): pieces last, as the closed form wants them
        probs = illness_death_probabilities(edges, *[np.swapaxes(h, 1, 2) for h in on_grid])
        at = np.searchsorted(edges, times)
        if self.model.clock == "reset":  # the Markov recursion's illness and death do not apply
            h_after, edges_after = hazards["death_after_illness"]
            ill = illness_probability_clock_reset(edges[at], edges, *[np.swapaxes(h, 1, 2) for
                                                                      h in on_grid[:2]],
                                                  edges_after, np.swapaxes(h_after, 1, 2))
            probs["illness"] = np.zeros_like(probs["illness"])
            probs["illness"][..., at] = ill
            probs["death"] = 1.0 - probs["event-free"] - probs["illness"]
        names = [*STATES, *EVENTS.values(), "time_event_free"]
        stacked = np.stack([probs[name][..., at] for name in names], axis=2)
        return xr.DataArray(stacked, dims=("draw", "group", "quantity", "time"),
                            coords={"group": self.groups, "quantity": names, "time": times})

    # ------------------------------------------------------------------ tables
    def transition_hazard_ratios(self, mass: float = 0.95) -> pd.DataFrame:
        """HR (treated vs reference) per transition, period and treated group.

        Columns ``transition, period, start, end, group, median, mean, lower, upper,
        p_benefit`` (P(HR < 1)); for a change-point transition the periods are ``before``
        and ``after`` its change-point.

        Examples
        --------
        >>> idfit = bs.IllnessDeath().fit(_cohort(), draws=200, tune=200, chains=2,
        ...                               random_seed=1, progressbar=False)
        >>> hr = idfit.transition_hazard_ratios()
        >>> hr["transition"].tolist()
        ['illness', 'death', 'death_after_illness']
        >>> bool(hr["upper"].iloc[0] < 1)  # the treated arm's illness hazard is lower
        True
        """
        mass = check_mass(mass, "IllnessDeathFit.transition_hazard_ratios")
        rows = []
        for key, kind in self.model.transitions.items():
            log_hr = draws(self.idata, transition_name("log_hr", key))
            for k, (period, start, end) in enumerate(kind.period_rows(self._values(key))):
                for g, group in enumerate(self.groups[1:]):
                    rows.append({"transition": key, "period": period, "start": start,
                                 "end": end, "group": group,
                                 **summarize_hr(log_hr[:, g, k], mass)})
        return pd.DataFrame(rows)

    def transition_changepoints(self) -> pd.DataFrame:
        """Posterior probability of each candidate change-point of every change-point
        transition: ``transition, tau, probability, prior``.

        Examples
        --------
        >>> idfit = bs.IllnessDeath().fit(_cohort(), draws=200, tune=200, chains=2,
        ...                               random_seed=1, progressbar=False)
        >>> idfit.transition_changepoints().empty  # no change-point in this model
        True
        """
        frames = []
        for key, kind in self.model.transitions.items():
            if kind.state_name is None:
                continue
            values = self._values(key)
            frames.append(pd.DataFrame({
                "transition": key, "tau": kind.state_values(values),
                "probability": self.state_probability_draws(key).mean(axis=0),
                "prior": np.exp(kind.state_log_prior(values))}))
        columns = ["transition", "tau", "probability", "prior"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    def transition_covariate_effects(self, mass: float = 0.95) -> pd.DataFrame:
        """HR of each covariate of each transition, per SD and per unit: ``transition,
        covariate, scale, sd, median, mean, lower, upper, p_below_1`` (empty without
        covariates).

        Examples
        --------
        >>> idfit = bs.IllnessDeath().fit(_cohort(), draws=200, tune=200, chains=2,
        ...                               random_seed=1, progressbar=False)
        >>> idfit.transition_covariate_effects().empty  # no covariates in this model
        True
        """
        mass = check_mass(mass, "IllnessDeathFit.transition_covariate_effects")
        rows = []
        for key in self.model.transitions:
            values = self._values(key)
            if "patient_covariates" not in values:
                continue
            per_sd = draws(self.idata, transition_name("beta", key))
            names = self.idata.constant_data[transition_name("covariate", key)].values
            for j, name in enumerate(names):
                sd = float(values["covariate_sds"][j])
                for scale, log_hr in (("per SD", per_sd[:, j]), ("per unit", per_sd[:, j] / sd)):
                    summary = summarize_hr(log_hr, mass)
                    summary["p_below_1"] = summary.pop("p_benefit")
                    rows.append({"transition": key, "covariate": str(name), "scale": scale,
                                 "sd": sd, **summary})
        columns = ["transition", "covariate", "scale", "sd", "median", "mean", "lower",
                   "upper", "p_below_1"]
        return pd.DataFrame(rows, columns=columns)

    def _table(self, times, quantities: dict[str, str], column: str, mass: float):
        tail = (1.0 - check_mass(mass, "IllnessDeathFit")) / 2.0
        p = self.probability_draws(times).sel(quantity=list(quantities.values()))
        return _summary_rows(p.to_numpy(), tail, {"group": self.groups,
                                                  column: list(quantities),
                                                  "time": p["time"].to_numpy()})

    def cumulative_incidence(self, times, mass: float = 0.95) -> pd.DataFrame:
        """Cumulative incidence of illness and of death without prior illness per group:
        ``time, group, event, median, mean, lower, upper`` (``event`` is ``"illness"`` or
        ``"death"``).  Unlike 1 - Kaplan-Meier with death censored, the incidence of
        illness accounts for the patients who die first.

        Examples
        --------
        >>> idfit = bs.IllnessDeath().fit(_cohort(), draws=200, tune=200, chains=2,
        ...                               random_seed=1, progressbar=False)
        >>> cif = idfit.cumulative_incidence([12, 24])
        >>> cif[["time", "group", "event"]].head(2)
           time    group    event
        0  12.0  control  illness
        1  24.0  control  illness
        """
        return self._table(times, EVENTS, "event", mass)

    def restricted_mean_event_free(self, horizon: float, mass: float = 0.95) -> pd.DataFrame:
        """Restricted mean time alive without illness up to ``horizon`` per group:
        ``time, group, quantity, median, mean, lower, upper`` (differences between arms are
        in :meth:`state_differences`).

        Examples
        --------
        >>> idfit = bs.IllnessDeath().fit(_cohort(), draws=200, tune=200, chains=2,
        ...                               random_seed=1, progressbar=False)
        >>> r = idfit.restricted_mean_event_free(24)
        >>> r["group"].tolist(), bool((r["median"] < 24).all())
        (['control', 'treated'], True)
        """
        horizon = check_positive(horizon, "horizon", "IllnessDeathFit.restricted_mean_event_free")
        return self._table([horizon], {"time_event_free": "time_event_free"}, "quantity", mass)

    def state_probabilities(self, times, mass: float = 0.95) -> pd.DataFrame:
        """Probability of being event-free, alive with the illness, or dead, per group:
        ``time, group, state, median, mean, lower, upper``.

        Examples
        --------
        >>> idfit = bs.IllnessDeath().fit(_cohort(), draws=200, tune=200, chains=2,
        ...                               random_seed=1, progressbar=False)
        >>> p = idfit.state_probabilities([24])
        >>> p["state"].tolist()[:3]
        ['event-free', 'illness', 'death']
        >>> round(float(p.groupby("group")["mean"].sum().iloc[0]), 6)  # the states add up to 1
        1.0
        """
        return self._table(times, {s: s for s in STATES}, "state", mass)

    def state_differences(self, times, mass: float = 0.95) -> pd.DataFrame:
        """Treated minus reference, per treated group: each state's probability, the
        cumulative incidences and the restricted mean time event-free, at ``times``.

        Columns ``time, group, quantity, median, mean, lower, upper, p_positive`` (the
        posterior probability that the difference is > 0; e.g. for ``"event-free"``, that
        the treated arm is more often alive without illness).

        Examples
        --------
        >>> idfit = bs.IllnessDeath().fit(_cohort(), draws=200, tune=200, chains=2,
        ...                               random_seed=1, progressbar=False)
        >>> d = idfit.state_differences([24])
        >>> row = d[d["quantity"] == "event-free"].iloc[0]
        >>> row["group"], bool(row["p_positive"] > 0.95)  # more patients event-free
        ('treated', True)
        """
        tail = (1.0 - check_mass(mass, "IllnessDeathFit.state_differences")) / 2.0
        p = self.probability_draws(times).to_numpy()
        difference = p[:, 1:] - p[:, :1]  # (draw, treated group, quantity, time)
        table = _summary_rows(difference, tail, {
            "group": self.groups[1:], "quantity": [*STATES, *EVENTS.values(),
                                                    "time_event_free"],
            "time": np.asarray(check_times(times, "times", "IllnessDeathFit"), dtype=float)})
        return table.assign(p_positive=(difference > 0).mean(axis=0).ravel())

    # ------------------------------------------------------------------ files
    def to_netcdf(self, path, notes: dict[str, str] | None = None) -> str:
        """Save the whole fit to a NetCDF file, atomically and with a digest of its content
        (as :meth:`bayesurv.Fit.to_netcdf`; ``notes`` become ``bayesurv_<key>`` text
        attributes of the file only).

        Examples
        --------
        >>> import os
        >>> import tempfile
        >>> idfit = bs.IllnessDeath().fit(_cohort(), draws=200, tune=200, chains=2,
        ...                               random_seed=1, progressbar=False)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = idfit.to_netcdf(os.path.join(folder, "fit.nc"))
        ...     again = bs.IllnessDeathFit.from_netcdf(path)
        >>> again.transition_hazard_ratios().equals(idfit.transition_hazard_ratios())
        True
        """
        return write_fit_file(self.idata, path, notes)

    @classmethod
    def from_netcdf(cls, path) -> IllnessDeathFit:
        """Load a fit saved by :meth:`to_netcdf`; a :class:`~bayesurv.FitFileError` names the
        file and what is wrong when it is not a complete, unchanged illness-death fit."""
        idata = read_fit_file(path)
        try:
            return cls(idata)
        except FitFileError as exc:
            raise FitFileError(f"{os.fspath(path)}: {exc}") from None

    def summary(self, mass: float = 0.95) -> pd.DataFrame:
        """Every sampled parameter with ArviZ's convergence diagnostics."""
        return parameter_summary(self.idata, check_mass(mass, "IllnessDeathFit.summary"))

    def diagnostics(self, warn: bool = True) -> Diagnostics:
        """R-hat, ESS and divergences; a ConvergenceWarning per problem when ``warn``."""
        return check_convergence(self.idata, warn=warn)

    def __repr__(self) -> str:
        s, d = self.sampler_settings, self.data_summary
        return (f"bayesurv IllnessDeathFit ({d['n']} patients, events {d['events']}; "
                f"{s['chains']} chains x {s['draws']} draws, seed {s['random_seed']})")


def _summary_rows(x: np.ndarray, tail: float, axes: dict) -> pd.DataFrame:
    """Median, mean and equal-tailed interval over the draws (axis 0) of ``x``, one row per
    cell of the other axes (in the order of ``axes``: name -> labels), times as floats."""
    index = pd.MultiIndex.from_product(list(axes.values()), names=list(axes))
    table = index.to_frame(index=False)
    table["time"] = table["time"].astype(float)
    columns = ["time", *[name for name in axes if name != "time"]]
    lower, upper = np.quantile(x, [tail, 1.0 - tail], axis=0)
    return table[columns].assign(median=np.median(x, axis=0).ravel(),
                                 mean=x.mean(axis=0).ravel(), lower=lower.ravel(),
                                 upper=upper.ravel())


def _cohort():
    """400 patients per arm with constant hazards; the treated arm's illness hazard is
    0.6 x the control's (for the examples)."""
    from bayesurv.data.illness_death import IllnessDeathData
    from bayesurv.data.simulate_illness_death import simulate_illness_death

    rates = {"illness": [[0.04, 0.024]], "death": [[0.015, 0.012]],
             "death_after_illness": [[0.1, 0.1]]}
    df = simulate_illness_death(400, [0.0], rates, followup=36, accrual=12, random_seed=5)
    return IllnessDeathData.from_frame(df, reference="control")
