"""Model design: the fine grid, baseline pieces and the arrays a model is built from.

A :class:`Design` is everything a model needs from the data, computed once: the exposure
table on the fine grid (or the per-patient pieces when there are covariates), the map from
fine pieces to baseline pieces, and the centred covariates.  It is stored inside the
posterior (``constant_data``) so summaries can be recomputed from a saved fit alone.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from bayesurv.base.checks import check_times, repr_argument
from bayesurv.base.exceptions import DataError, DataWarning, ModelError
from bayesurv.data.exposure import ExposureTable, PatientPieces, fine_grid, piece_of_edges
from bayesurv.data.survival_data import SurvivalData

__all__ = [
    "Design",
    "check_data_usable",
    "default_baseline_cuts",
    "resolve_baseline",
    "warn_covariate_scale",
    "warn_sparse_groups",
]

# dimension of each model-specific array a model puts in ``Design.extra``
EXTRA_DIMS = {"period_edges": "period", "tau_grid": "candidate", "tau_prior": "candidate",
              "tau_index": "candidate"}
MAX_DEFAULT_PIECES = 6
EVENTS_PER_DEFAULT_PIECE = 10
# Below this many events in a group, the standard error of a log HR involving it is at least
# 1 / sqrt(2) = 0.71 (Var(log HR) ~ 1/d_treated + 1/d_reference), close to the default
# prior sd of 1: the posterior is then shaped by the prior as much as by the data.
MIN_GROUP_EVENTS = 3
# A covariate's coefficient is a log HR per unit with a Normal(0, 1) default prior.  Beyond
# this standard deviation (in the covariate's unit) that prior is absurdly wide for it and
# NUTS adapts badly (measured, 2 chains x 100 draws: sd 130 gave 84 of 200 transitions
# divergent, sd 1300 all of them); past EXP_OVERFLOW a coefficient of 1 makes
# exp(beta * x) overflow at the start.
MAX_COVARIATE_SD = 50.0
EXP_OVERFLOW = 700.0
# Beyond this distance from its mean, exp(beta * x) overflows even for a coefficient of
# 1e-6 per unit: no prior rescues such a covariate, so it is an error, not a warning.
MAX_COVARIATE_REACH = EXP_OVERFLOW / 1e-6


def default_baseline_cuts(data: SurvivalData) -> np.ndarray:
    """A handful of baseline cuts at quantiles of the pooled event times.

    One piece per :data:`EVENTS_PER_DEFAULT_PIECE` events, at most :data:`MAX_DEFAULT_PIECES`,
    cut at event-time quantiles rounded to 3 significant digits.

    Examples
    --------
    >>> default_baseline_cuts(data).tolist()  # 44 events: 4 pieces at event-time quartiles
    [6.66, 15.8, 44.2]
    """
    event_times = np.sort(data.time[data.event == 1])
    n_pieces = int(np.clip(event_times.size // EVENTS_PER_DEFAULT_PIECE, 1, MAX_DEFAULT_PIECES))
    if n_pieces == 1:
        return np.zeros(0)
    cuts = np.quantile(event_times, np.arange(1, n_pieces) / n_pieces)
    cuts = np.array([float(f"{c:.3g}") for c in cuts])
    return np.unique(cuts[(cuts > 0) & (cuts < data.max_time)])


def resolve_baseline(data: SurvivalData, baseline) -> np.ndarray:
    """Baseline cuts from the user's ``baseline=`` argument (None, int or cut points).

    Examples
    --------
    >>> resolve_baseline(data, None).tolist(), resolve_baseline(data, [12, 36]).tolist()
    ([6.66, 15.8, 44.2], [12.0, 36.0])
    >>> resolve_baseline(data, 1).size  # one piece: a constant baseline hazard
    0
    """
    if baseline is None:
        return default_baseline_cuts(data)
    if isinstance(baseline, int | np.integer) and not isinstance(baseline, bool):
        if baseline < 1:
            raise ModelError(f"baseline: the number of pieces must be >= 1, got "
                             f"{repr_argument(baseline)}")
        event_times = data.time[data.event == 1]
        if baseline == 1:
            return np.zeros(0)
        if event_times.size == 0:
            raise DataError("baseline: the data have no events, so there are no event-time "
                            "quantiles to place baseline pieces at; nothing can be estimated")
        if baseline > event_times.size:
            raise ModelError(f"baseline: {baseline} pieces for {event_times.size} events; ask "
                             "for at most one piece per event (pieces sit at event-time "
                             "quantiles)")
        cuts = np.unique(np.quantile(event_times, np.arange(1, baseline) / baseline))
        return cuts[(cuts > 0) & (cuts < data.max_time)]
    if np.isscalar(baseline) or isinstance(baseline, bool | np.bool_):
        raise ModelError(f"baseline must be None, a number of pieces (an int) or a sequence "
                         f"of cut points; got {repr_argument(baseline)} (for one cut there, "
                         "write it in a list)")
    cuts = check_times(baseline, "baseline cuts", "baseline", ModelError)
    check_inside_followup(cuts, data, "baseline cut")
    return cuts


def check_inside_followup(cuts: np.ndarray, data: SurvivalData, what: str) -> None:
    """Every cut must be > 0 and before the longest follow-up.

    Examples
    --------
    >>> check_inside_followup(np.array([13.0]), data, "cut")  # fine: nothing happens
    >>> check_inside_followup(np.array([90.0]), data, "cut")
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.ModelError: cut 90 is not inside the follow-up: ... 84.99 months
    """
    for c in cuts:
        if c <= 0:
            raise ModelError(f"{what} {c:g} must be > 0 (time 0 is the start of follow-up)")
        if c >= data.max_time:
            raise ModelError(f"{what} {c:g} is not inside the follow-up: the longest follow-up "
                             f"is {data.max_time:g} {data.time_unit}")


def check_data_usable(data: SurvivalData, stacklevel: int = 2) -> None:
    """Data a piecewise-exponential model can be fitted to; warn about sparse groups.

    Warnings are attributed to the line calling this function (``stacklevel=1``) or to its
    caller's line (``2``, the default: the user's ``model.fit`` line when called from
    ``fit``).

    Raises
    ------
    DataError
        Not a SurvivalData, no events, no follow-up time, a total follow-up time too large
        for floating point, or a covariate so large that exp(beta * x) overflows for any
        coefficient above 1e-6 per unit.

    Warns
    -----
    DataWarning
        A group with no events, or with fewer than :data:`MIN_GROUP_EVENTS` (see
        :func:`warn_sparse_groups`); a covariate on a large scale (see
        :func:`warn_covariate_scale`).

    Examples
    --------
    >>> import bayesurv as bs
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> check_data_usable(data)  # 44 events in two arms: nothing to say
    """
    if not isinstance(data, SurvivalData):
        raise DataError(f"expected a bayesurv.SurvivalData, got {type(data).__name__}; build one "
                        "with bs.SurvivalData.from_frame(df, time=..., event=..., group=...)")
    if data.n_events == 0:
        raise DataError(f"the data have no events ({data.n} patients, all censored): there is "
                        "nothing to estimate")
    with np.errstate(over="ignore", invalid="ignore"):
        total = data.time.sum()
        centred = data.covariates - data.covariates.mean(axis=0)
        centred_ok = (np.isfinite(centred) & (np.abs(centred) <= MAX_COVARIATE_REACH)).all(axis=0)
    if total <= 0:
        raise DataError("the data have no follow-up time (every time is 0)")
    if not np.isfinite(total):
        raise DataError(f"the total follow-up time overflows (longest time {data.max_time:g} "
                        f"{data.time_unit}); express the times in a larger unit")
    if not centred_ok.all():
        name = data.covariate_names[int(np.flatnonzero(~centred_ok)[0])]
        raise DataError(f"covariate {name!r} has values too large for a log-linear effect "
                        f"(largest absolute value {np.abs(data.covariates).max():g}; exp(beta * "
                        "x) overflows for any coefficient above 1e-6 per unit); rescale it")
    warn_sparse_groups(data, stacklevel=stacklevel + 1)
    warn_covariate_scale(data, stacklevel=stacklevel + 1)


def warn_covariate_scale(data: SurvivalData, stacklevel: int = 1) -> None:
    """Warn (DataWarning) about covariates on a scale the per-unit prior does not suit.

    ``stacklevel`` 1 attributes the warning to the line calling this function.

    Examples
    --------
    >>> import warnings
    >>> import bayesurv as bs
    >>> df = bs.datasets.shi2021("death").assign(age_days=lambda d: d["age"] * 365.25)
    >>> data = bs.SurvivalData.from_frame(df, reference="control", covariates=["age_days"])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_covariate_scale(data)
    >>> str(caught[0].message)[:48]
    "covariate 'age_days' varies on a large scale (sd"
    """
    for j, name in enumerate(data.covariate_names):
        x = data.covariates[:, j]
        sd, reach = float(np.std(x)), float(np.max(np.abs(x - x.mean())))
        if sd > MAX_COVARIATE_SD or reach > EXP_OVERFLOW:
            warnings.warn(
                f"covariate {name!r} varies on a large scale (sd {sd:.4g}, up to {reach:.4g} "
                "from its mean, in its own unit): its coefficient's prior is per unit, so "
                "sampling will likely diverge or fail to start; rescale it (e.g. divide by "
                f"{10 ** np.floor(np.log10(max(sd, 1.0))):g}), check for outliers, or give a "
                "narrower covariate prior",
                DataWarning, stacklevel=stacklevel + 1)


def warn_sparse_groups(data: SurvivalData, stacklevel: int = 1) -> None:
    """Warn (DataWarning) about groups whose hazard ratio the prior will largely decide.

    With ``d`` events in a group, the standard error of a log hazard ratio involving it is
    at least ``1 / sqrt(d)``; with no events the likelihood keeps pushing the hazard ratio
    towards 0 (a treated group) or infinity (the reference group), and only the prior stops
    it.  ``stacklevel`` 1 attributes the warning to the line calling this function.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> df = pd.DataFrame({"time": [2.0, 5.0, 7.0, 9.0], "event": [1, 1, 1, 0],
    ...                    "arm": ["a", "a", "a", "b"]})
    >>> data = SurvivalData.from_frame(df, reference="a")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_sparse_groups(data)
    >>> str(caught[0].message)[:46]
    "group 'b' has no events among its 1 patient(s)"
    """
    reference = data.groups[0]
    for g, name in enumerate(data.groups):
        in_group = data.group_index == g
        n, d = int(in_group.sum()), int(data.event[in_group].sum())
        if d == 0:
            if g == 0:
                effect = (f"the hazard ratios of the other groups vs {reference!r} are pushed "
                          "towards infinity")
            else:
                effect = f"its hazard ratio vs {reference!r} is pushed towards 0"
            message = (f"group {name!r} has no events among its {n} patient(s): {effect}, and "
                       "only the prior bounds it (the maximum-likelihood estimate does not "
                       "exist); report the prior with the result")
        elif d < MIN_GROUP_EVENTS:
            message = (f"group {name!r} has only {d} event(s) among its {n} patient(s): the "
                       f"standard error of any log hazard ratio involving it is at least "
                       f"{d ** -0.5:.2f}, "
                       "so the posterior is shaped by the prior about as much as by the data")
        else:
            continue
        warnings.warn(message, DataWarning, stacklevel=stacklevel + 1)


@dataclass(frozen=True)
class Design:
    """Arrays shared by the model builders and the summaries.

    Examples
    --------
    A model builds its design from the data:

    >>> import bayesurv as bs
    >>> design = bs.PiecewiseExponential(cuts=[13]).design(data)
    >>> design.fine_edges.tolist(), design.baseline_edges.tolist()
    ([0.0, 6.66, 13.0, 15.8, 44.2], [0.0, 6.66, 15.8, 44.2])
    >>> design.table.events.shape  # fine pieces x groups
    (5, 2)
    """

    fine_edges: np.ndarray
    baseline_edges: np.ndarray
    table: ExposureTable
    patients: PatientPieces
    covariates: np.ndarray
    covariate_means: np.ndarray
    groups: tuple[str, ...]
    covariate_names: tuple[str, ...]
    time_unit: str
    extra: dict = field(default_factory=dict)

    @classmethod
    def build(cls, data: SurvivalData, baseline_cuts: np.ndarray, *other_cuts) -> Design:
        """Fine grid = union of the baseline cuts and every other cut the model asks for.

        Examples
        --------
        >>> design = Design.build(data, np.array([24.0]), [13.0])
        >>> design.fine_edges.tolist(), design.baseline_edges.tolist(), design.groups
        ([0.0, 13.0, 24.0], [0.0, 24.0], ('control', 'UC-MSC'))
        """
        edges = fine_grid(baseline_cuts, *other_cuts)
        means = data.covariates.mean(axis=0) if data.covariates.shape[1] else np.zeros(0)
        return cls(
            fine_edges=edges,
            baseline_edges=np.r_[0.0, baseline_cuts],
            table=ExposureTable.from_data(data, edges),
            patients=PatientPieces.from_data(data, edges),
            covariates=data.covariates - means,
            covariate_means=means,
            groups=tuple(data.groups),
            covariate_names=tuple(data.covariate_names),
            time_unit=data.time_unit,
        )

    @property
    def widths(self) -> np.ndarray:
        """Widths of the fine pieces but the last (open-ended) one.

        Examples
        --------
        >>> Design.build(data, np.array([24.0]), [13.0]).widths
        array([13., 11.])
        """
        return np.diff(self.fine_edges)

    @property
    def baseline_map(self) -> np.ndarray:
        """Baseline piece of each fine piece.

        Examples
        --------
        >>> Design.build(data, np.array([24.0]), [13.0]).baseline_map  # fine edges 0, 13, 24
        array([0, 0, 1])
        """
        return piece_of_edges(self.baseline_edges, self.fine_edges)

    @property
    def crude_log_rate(self) -> float:
        """log(total events / total person-time): the centre of the baseline prior.

        Examples
        --------
        >>> design = Design.build(data, np.array([24.0]))
        >>> bool(np.isclose(np.exp(design.crude_log_rate), data.n_events / data.time.sum()))
        True
        """
        return float(np.log(self.table.events.sum() / self.table.exposure.sum()))

    @property
    def has_covariates(self) -> bool:
        """Whether the model needs the per-patient likelihood.

        Examples
        --------
        >>> import bayesurv as bs
        >>> df = bs.datasets.shi2021("death")
        >>> with_meld = bs.SurvivalData.from_frame(df, reference="control", covariates=["meld"])
        >>> (Design.build(data, np.array([24.0])).has_covariates,
        ...  Design.build(with_meld, np.array([24.0])).has_covariates)
        (False, True)
        """
        return self.covariates.shape[1] > 0

    def constant_data(self) -> xr.Dataset:
        """Everything the summaries need, as a Dataset for ``InferenceData.constant_data``.

        Examples
        --------
        >>> ds = Design.build(data, np.array([24.0]), [13.0]).constant_data()
        >>> ds["events"].dims, ds["events"].shape, ds["patient_piece"].shape
        (('fine_piece', 'arm'), (3, 2), (219,))
        """
        extras = {name: (EXTRA_DIMS[name], np.asarray(value))
                  for name, value in self.extra.items()}
        return xr.Dataset(
            {
                "fine_edges": ("fine_piece", self.fine_edges),
                "baseline_edges": ("piece", self.baseline_edges),
                "events": (("fine_piece", "arm"), self.table.events),
                "exposure": (("fine_piece", "arm"), self.table.exposure),
                "patient_piece": ("patient", self.patients.piece),
                "patient_offset": ("patient", self.patients.offset),
                "patient_event": ("patient", self.patients.event),
                "patient_group": ("patient", self.patients.group),
                "patient_covariates": (("patient", "covariate"), self.covariates),
                "covariate_means": ("covariate", self.covariate_means),
                **extras,
            },
            coords={"arm": list(self.groups), "covariate": list(self.covariate_names)},
        )
