"""Illness-death model: three transitions, each a piecewise-exponential model of its own.

The transitions ``"illness"`` (event-free -> illness), ``"death"`` (event-free -> death) and
``"death_after_illness"`` (illness -> death) each have their own piecewise-exponential
baseline hazard and their own treatment effect, given as a single-endpoint kind: constant
(the default, ``PiecewiseExponential()``), fixed cuts (``PiecewiseExponential(cuts=[...])``)
or an estimated change-point (``ChangePoint(...)``).

By default the model is Markov and clock-forward: every hazard is a function of the time
since randomization, and the hazard of death after illness does not depend on when the
illness came (only on the current time).  With ``clock="reset"`` (semi-Markov) the hazard
of death after illness, its baseline pieces and its treatment periods run on the time since
the illness instead: the right scale when the risk is highest just after the illness
(e.g. death soon after an HCC diagnosis) whenever it occurs.

The log-likelihood is the sum of the three transitions' exposure-table log-likelihoods (on
the clock-forward scale the illness -> death one has delayed entry at the illness time),
so each transition's change-point is marginalized on its own, exactly as in
:class:`~bayesurv.ChangePoint`, and the cost per gradient does not depend on the number of
patients.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayesurv.base.exceptions import DataError, ModelError
from bayesurv.base.vocabulary import interval_labels
from bayesurv.data.illness_death import (
    CLOCKS,
    TRANSITION_WORDS,
    TRANSITIONS,
    IllnessDeathData,
    _example,
)
from bayesurv.model.changepoint import ChangePoint
from bayesurv.model.graph import linear_predictor, log_baseline_walk, log_hazards
from bayesurv.model.illness_death_settings import check_covariates, check_mapping, check_shared
from bayesurv.model.kind import KINDS, HazardModel
from bayesurv.model.piecewise import PiecewiseExponential
from bayesurv.model.priors import PriorSet
from bayesurv.model.transitions import IllnessDeathArrays, transition_name

__all__ = ["IllnessDeath"]

EFFECT_KINDS = (PiecewiseExponential, ChangePoint)
PATIENT_ARRAYS = ("patient_piece", "patient_offset", "patient_event", "patient_group",
                  "patient_covariates")


class IllnessDeath(HazardModel):
    """Illness-death model with a treatment effect of its own on every transition.

    Parameters
    ----------
    effects : mapping, optional
        Treatment effect per transition key (``"illness"``, ``"death"``,
        ``"death_after_illness"``): ``None`` or ``PiecewiseExponential()`` for a constant
        HR (the default), ``PiecewiseExponential(cuts=[...])`` for fixed periods,
        ``ChangePoint(...)`` for an estimated change-point.  Only the effect settings of
        these objects are used; baselines come from ``baseline`` (or, when it does not
        name the transition, from the object's own ``baseline``) and priors from ``priors``.
    baseline : None, int, sequence of float or mapping
        Baseline pieces of every transition (as in :class:`~bayesurv.PiecewiseExponential`;
        default: pieces at quantiles of that transition's event times), or a mapping by
        transition key.
    priors : None, str, dict or PriorSet
        One prior set for every transition (each baseline prior is centred on its own
        transition's crude event rate).
    clock : {"forward", "reset"}, default "forward"
        Time scale of the illness -> death transition: time since randomization (Markov)
        or time since the illness (semi-Markov; its baseline pieces, cuts and change-point
        count from the illness).
    covariates : sequence of str or mapping, optional
        Covariates (columns given to ``IllnessDeathData.from_frame(covariates=...)``) each
        transition adjusts for: one list for every transition, or a mapping by
        transition key (e.g. ``{"illness": ["age"], "death": ["age", "meld"]}``).  Each
        transition gets its own coefficients (log HR per SD) and the per-patient
        likelihood; the treatment HRs are then conditional on the covariates, and state
        probabilities and cumulative incidences are those of a patient with the cohort's
        mean covariate values.
    shared_changepoint : sequence of str, optional
        Transitions whose change-points are one and the same time (e.g. ``("illness",
        "death")``: the treatment starts to act on both at once).  Each must have a
        ``ChangePoint`` effect with the same explicit ``grid`` and prior settings; the
        common change-point is marginalized over the sum of their log-likelihoods.

    Examples
    --------
    >>> import bayesurv as bs
    >>> model = bs.IllnessDeath(effects={"illness": bs.ChangePoint(near=8)})
    >>> {key: kind.kind for key, kind in model.transitions.items()}
    {'illness': 'changepoint', 'death': 'piecewise', 'death_after_illness': 'piecewise'}
    """

    kind = "illness_death"
    label = "illness-death"
    setting_names = ("effects", "baseline", "clock", "covariates", "shared_changepoint")
    result = "illness_death"

    def __init__(self, effects=None, baseline=None, priors=None, clock: str = "forward",
                 covariates=None, shared_changepoint=None):
        super().__init__(baseline=None, priors=priors)
        if clock not in CLOCKS:
            raise ModelError(f"IllnessDeath: clock must be one of {list(CLOCKS)}, got {clock!r}")
        self.clock = clock
        effects = check_mapping(effects, "effects")
        baselines = (check_mapping(baseline, "baseline") if isinstance(baseline, Mapping)
                     else dict.fromkeys(TRANSITIONS, baseline) if baseline is not None
                     else {})
        self.transitions: dict[str, HazardModel] = {}
        for key in TRANSITIONS:
            spec = effects.get(key)
            if spec is None:
                spec = PiecewiseExponential()
            elif not isinstance(spec, EFFECT_KINDS):
                raise ModelError(f"IllnessDeath: the effect of transition {key!r} must be None, "
                                 f"bs.PiecewiseExponential(...) or bs.ChangePoint(...), got "
                                 f"{spec!r}")
            kind = copy.copy(spec)
            if key in baselines:
                kind.baseline = baselines[key]
            kind.priors = self.priors
            self.transitions[key] = kind
        self.baseline = {key: kind.baseline for key, kind in self.transitions.items()}
        self.shared_changepoint = check_shared(shared_changepoint, self.transitions, clock)
        self.covariates = check_covariates(covariates)

    # -------------------------------------------------------------- settings
    def settings(self) -> dict:
        """JSON-friendly settings: each transition's effect settings, baselines, priors.

        Examples
        --------
        >>> s = IllnessDeath(effects={"death": PiecewiseExponential(cuts=[12])}).settings()
        >>> s["effects"]["death"]["cuts"], s["effects"]["illness"]["kind"]
        ([12.0], 'piecewise')
        """
        effects = {}
        for key, kind in self.transitions.items():
            inner = kind.settings()
            inner.pop("priors")
            effects[key] = inner
        return {"kind": self.kind, "effects": effects, "priors": self.priors.to_dict(),
                "clock": self.clock, "shared_changepoint": list(self.shared_changepoint),
                "covariates": {key: list(names) for key, names in self.covariates.items()}}

    @classmethod
    def from_settings(cls, settings: Mapping) -> IllnessDeath:
        """The model of :meth:`settings` (for a fit rebuilt from its stored settings).

        Examples
        --------
        >>> model = IllnessDeath(effects={"illness": ChangePoint(grid=[6, 12])})
        >>> IllnessDeath.from_settings(model.settings()).settings() == model.settings()
        True
        """
        priors = PriorSet.from_dict(settings["priors"])
        effects = {key: KINDS[inner["kind"]].from_settings({**inner,
                                                            "priors": priors.to_dict()})
                   for key, inner in settings["effects"].items()}
        return cls(effects=effects, priors=priors, clock=settings.get("clock", "forward"),
                   shared_changepoint=settings.get("shared_changepoint") or None,
                   covariates=settings.get("covariates"))

    def __repr__(self) -> str:
        inner = ", ".join(f"{key}={kind!r}" for key, kind in self.transitions.items())
        return f"IllnessDeath({inner}, priors={self.priors.name!r}, clock={self.clock!r})"

    # -------------------------------------------------------------- arrays
    def check_usable(self, data, stacklevel: int = 2) -> None:
        """Illness-death data whose every transition has events.

        Examples
        --------
        >>> IllnessDeath().check_usable(bs.SurvivalData.from_frame(bs.datasets.shi2021()))
        Traceback (most recent call last):
        ...
        bayesurv.base.exceptions.DataError: IllnessDeath needs bs.IllnessDeathData, got ...
        """
        if not isinstance(data, IllnessDeathData):
            raise DataError(f"IllnessDeath needs bs.IllnessDeathData, got {type(data).__name__}; "
                            "build it with bs.IllnessDeathData.from_frame(df, illness_time=..., "
                            "illness=..., death_time=..., death=..., group=...)")
        for key, kind in self.transitions.items():
            try:
                kind.check_usable(self._transition_data(data, key), stacklevel=stacklevel + 1)
            except DataError as err:
                raise DataError(f"transition {key!r} ({TRANSITION_WORDS[key]}): {err}") \
                    from None

    def arrays(self, data: IllnessDeathData) -> IllnessDeathArrays:
        """Each transition's arrays, built by its effect kind on that transition's data.

        Examples
        --------
        >>> arrays = IllnessDeath(baseline=1).arrays(_example())
        >>> float(arrays.parts["death_after_illness"].table.exposure.sum())  # 5 + 0 + 9 months ill
        14.0
        """
        if not isinstance(data, IllnessDeathData):
            self.check_usable(data)  # names what to build instead
        parts = {key: kind.arrays(self._transition_data(data, key))
                 for key, kind in self.transitions.items()}
        return IllnessDeathArrays(parts, tuple(data.groups), data.time_unit)

    def _clock(self, key: str) -> str:
        """The time scale of one transition: only illness -> death can reset."""
        return self.clock if key == "death_after_illness" else "forward"

    def _transition_data(self, data: IllnessDeathData, key: str):
        """One transition's data on its clock, with its covariates."""
        return data.transition(key, self._clock(key), self.covariates[key])

    def _values(self, key: str, values: Mapping) -> dict:
        """One transition's graph values by their single-endpoint names."""
        kind = self.transitions[key]
        names = (*kind.graph_array_names, "events", "exposure", "widths", "baseline_map",
                 *[name for name in PATIENT_ARRAYS if transition_name(name, key) in values])
        priors = ("log_hr_mu", "log_hr_sigma", "level_mu", "level_sigma", "step_mu",
                  "step_sigma", "covariate_mu", "covariate_sigma")
        return {name: values[transition_name(name, key)] for name in (*names, *priors)}

    def graph_values(self, arrays: IllnessDeathArrays) -> dict[str, np.ndarray]:
        """Every transition's graph values, suffixed by the transition.

        Examples
        --------
        >>> arrays = _example_arrays()
        >>> values = IllnessDeath(baseline=1).graph_values(arrays)
        >>> values["events_death_after_illness"].sum()
        np.float64(2.0)
        """
        return {transition_name(name, key): value
                for key, kind in self.transitions.items()
                for name, value in kind.graph_values(arrays.parts[key]).items()}

    def graph_dims(self, arrays: IllnessDeathArrays) -> dict[str, str]:
        """Every transition's array dimensions, suffixed (each has its own fine grid).

        Examples
        --------
        >>> arrays = _example_arrays()
        >>> IllnessDeath(baseline=1).graph_dims(arrays)["widths_death"]
        'fine_width_death'
        """
        return {transition_name(name, key): transition_name(dim, key)
                for key, kind in self.transitions.items()
                for name, dim in kind.graph_dims(arrays.parts[key]).items()}

    def coords(self, arrays: IllnessDeathArrays) -> dict[str, list]:
        """Treated groups, and each transition's baseline pieces and periods.

        Examples
        --------
        >>> arrays = _example_arrays()
        >>> IllnessDeath(baseline=1).coords(arrays)["period_illness"]
        ['0+']
        """
        coords = {"group": list(arrays.groups[1:])}
        for key, kind in self.transitions.items():
            part = arrays.parts[key]
            if part.has_covariates:
                coords[transition_name("covariate", key)] = list(part.covariate_names)
            coords[transition_name("piece", key)] = interval_labels(part.baseline_edges)
            coords[transition_name("period", key)] = [label for label, _, _ in
                                                      kind.period_rows(part)]
        return coords

    def parameter_shapes(self, arrays: IllnessDeathArrays) -> dict[str, tuple[int, ...]]:
        """``log_baseline_<key>`` and ``log_hr_<key>`` of every transition.

        Examples
        --------
        >>> arrays = _example_arrays()
        >>> IllnessDeath(baseline=1).parameter_shapes(arrays)["log_hr_death"]
        (1, 1)
        """
        shapes = {}
        for key, kind in self.transitions.items():
            for name, shape in kind.parameter_shapes(arrays.parts[key]).items():
                shapes[transition_name(name, key)] = shape
        return shapes

    def posterior_dims(self, arrays: IllnessDeathArrays) -> dict[str, list[str]]:
        """Dimensions of each transition's parameters.

        Examples
        --------
        >>> IllnessDeath().posterior_dims(None)["log_hr_illness"]
        ['group', 'period_illness']
        """
        dims = {}
        for key in self.transitions:
            dims[transition_name("log_baseline", key)] = [transition_name("piece", key)]
            dims[transition_name("log_hr", key)] = ["group", transition_name("period", key)]
            dims[transition_name("beta", key)] = [transition_name("covariate", key)]
        return dims

    def initial_point(self, values: Mapping, shapes: Mapping) -> dict[str, np.ndarray]:
        """Each transition's prior means (see :meth:`HazardModel.initial_point`).

        Examples
        --------
        >>> arrays = _example_arrays()
        >>> model = IllnessDeath(baseline=1)
        >>> start = model.initial_point(model.graph_values(arrays),
        ...                             model.parameter_shapes(arrays))
        >>> sorted(start)[:2]
        ['log_baseline_death', 'log_baseline_death_after_illness']
        """
        start = {}
        for key, kind in self.transitions.items():
            inner = {name: shapes[transition_name(name, key)] for name in ("log_baseline",
                                                                          "log_hr", "beta")
                     if transition_name(name, key) in shapes}
            for name, value in kind.initial_point(self._values(key, values), inner).items():
                start[transition_name(name, key)] = value
        return start

    def build_model(self, arrays: IllnessDeathArrays, values: Mapping | None = None,
                    inputs: Mapping | None = None) -> pm.Model:
        """One PyMC model, the sum of the transitions' marginalized log-likelihoods.

        Each transition's kind supplies its effects, states and per-state log-likelihood,
        as in :meth:`HazardModel.build_model`.

        Examples
        --------
        >>> arrays = _example_arrays()
        >>> pm_model = IllnessDeath(baseline=1).build_model(arrays)
        >>> [v.name for v in pm_model.free_RVs][:2]
        ['log_baseline_illness', 'log_hr_illness']
        """
        values = self.graph_values(arrays) if values is None else values
        shared = []
        with pm.Model(coords=self.coords(arrays)) as model:
            d_all = (dict(inputs) if inputs is not None
                     else {name: pm.Data(name, value) for name, value in values.items()})
            for key, kind in self.transitions.items():
                d = self._values(key, d_all)
                log_baseline = log_baseline_walk(
                    d, arrays.parts[key].baseline_edges.size,
                    name=transition_name("log_baseline", key),
                    dims=transition_name("piece", key))
                log_hr = pm.Normal(transition_name("log_hr", key), mu=d["log_hr_mu"],
                                   sigma=d["log_hr_sigma"],
                                   dims=("group", transition_name("period", key)))
                xb = linear_predictor(d, transition_name("beta", key),
                                      transition_name("covariate", key))
                lh = log_hazards(pt, log_baseline, kind.effects(pt, log_hr, d),
                                 d["baseline_map"])
                per_state = kind.state_loglik(pt, lh, xb, d)
                if kind.state_name is None:
                    pm.Potential(transition_name("loglik", key), per_state[0])
                elif key in self.shared_changepoint:
                    shared.append(per_state)
                    log_prior = kind.state_log_prior(d, xp=pt)
                else:
                    joint = per_state + kind.state_log_prior(d, xp=pt)
                    pm.Potential(transition_name("loglik", key), pt.logsumexp(joint))
            if shared:  # one change-point: the sum of the members' likelihoods at each one
                pm.Potential("loglik_shared", pt.logsumexp(sum(shared) + log_prior))
        return model

    def describe(self, arrays, time_unit: str) -> str:
        """The model in one sentence.

        Examples
        --------
        >>> IllnessDeath().describe(None, "months")[:60]
        'Illness-death model (Markov, time since randomization): even'
        """
        parts = []
        for key, kind in self.transitions.items():
            effect = ("constant HR" if isinstance(kind, PiecewiseExponential) and
                      kind.cuts.size == 0 else kind.label + " HR")
            adjusted = (f" adjusted for {', '.join(self.covariates[key])}"
                        if self.covariates[key] else "")
            parts.append(f"{TRANSITION_WORDS[key]} with a {effect}{adjusted}")
        scale = ("Markov, time since randomization" if self.clock == "forward" else
                 "semi-Markov: illness -> death on the time since the illness")
        return f"Illness-death model ({scale}): " + "; ".join(parts) + "."


def _example_arrays() -> IllnessDeathArrays:
    """The arrays of the six-patient example, one baseline piece per transition."""
    return IllnessDeath(baseline=1).arrays(_example())
