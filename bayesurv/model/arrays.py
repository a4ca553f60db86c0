"""Model arrays: the fine grid, baseline pieces and the arrays a model kind is built from.

A :class:`ModelArrays` is everything a model needs from the data, computed once: the exposure
table on the fine grid (or the per-patient pieces when there are covariates), the map from
fine pieces to baseline pieces, and the standardized covariates (centred, divided by their
standard deviation in the data: a coefficient is a log HR per SD, so the covariate prior means
the same whatever a covariate's unit).  It is stored inside the posterior (``constant_data``)
so summaries can be recomputed from a saved fit alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import xarray as xr

from bayesurv.base.checks import check_times, repr_argument
from bayesurv.base.exceptions import DataError, ModelError
from bayesurv.data.aggregated import AggregatedData
from bayesurv.data.exposure import ExposureTable, PatientPieces, fine_grid, piece_of_edges
from bayesurv.data.survival_data import SurvivalData
from bayesurv.data.usable import check_inside_followup

__all__ = ["ModelArrays", "default_baseline_cuts", "default_pieces", "event_time_quantiles",
           "resolve_baseline"]

MAX_DEFAULT_PIECES = 20


def default_pieces(n_events: int) -> int:
    """The default number of baseline pieces: ``ceil(sqrt(events))``, from 1 to
    :data:`MAX_DEFAULT_PIECES`.

    Examples
    --------
    >>> [default_pieces(n) for n in (0, 3, 44, 188, 400, 5000)]
    [1, 2, 7, 14, 20, 20]
    """
    return int(np.clip(np.ceil(np.sqrt(max(n_events, 0))), 1, MAX_DEFAULT_PIECES))


def default_baseline_cuts(data: SurvivalData | AggregatedData, keep=(),
                          pieces: int | None = None) -> np.ndarray:
    """Baseline cuts chosen from the data: about sqrt(events) pieces at event-time quantiles,
    plus the model's own treatment cuts.

    :func:`default_pieces` pieces (``pieces`` overrides the number) cut at quantiles of the
    pooled event times, rounded to 3 significant digits (for aggregated data, at the grid
    edges closing the pieces where the quantiles fall), and every cut of ``keep`` (a
    fixed-cut model's treatment cuts) exactly.  A baseline piece that straddles a treatment
    cut while the hazard changes fast inside it lets the treatment HR absorb the baseline's
    misfit, in opposite directions before and after the cut; quantile cuts follow the
    events, so a steep early hazard gets short early pieces.

    In ``benchmarks/baseline_default.py`` (5 kinds of trial with steep early hazards,
    200-600 patients, delayed effects; 30 trials, 60 windows) the former rule (one piece per
    10 events, at most 6, no treatment cut) put the fixed-cut posterior median HR on average
    0.32 landmark-Cox standard errors from the Cox HR of the same window, at worst 1.47, and
    52% of the windows further than 0.25 SE; this rule on average 0.09, at worst 0.30, 3%
    further than 0.25 SE, at 1.2 times the fit time.  The treatment cut does most of it
    (the former rule plus the cut: 0.09 on average, at worst 0.31); more pieces alone do
    less (sqrt(events) pieces without the cut: 0.16, at worst 0.51).  The random-walk prior
    smooths neighbouring pieces, so more pieces cost little.

    Examples
    --------
    >>> default_baseline_cuts(data).tolist()  # 44 events: 7 pieces at event-time quantiles
    [4.03, 6.94, 11.8, 27.7, 42.5, 50.3]
    >>> default_baseline_cuts(data, keep=[13]).tolist()  # a fixed-cut model's cut is kept
    [4.03, 6.94, 11.8, 13.0, 27.7, 42.5, 50.3]
    >>> default_baseline_cuts(data, pieces=2).tolist()
    [15.8]
    >>> default_baseline_cuts(agg, keep=[13]).tolist()  # aggregated on a monthly grid
    [4.0, 7.0, 12.0, 13.0, 29.0, 44.0, 51.0]
    """
    n_pieces = default_pieces(data.n_events) if pieces is None else int(pieces)
    cuts = (event_time_quantiles(data, np.arange(1, n_pieces) / n_pieces) if n_pieces > 1
            else np.zeros(0))
    if not isinstance(data, AggregatedData):
        cuts = np.array([float(f"{c:.3g}") for c in cuts])
    cuts = np.unique(np.r_[cuts, np.asarray(keep, dtype=float)])
    return cuts[(cuts > 0) & (cuts < data.max_time)]


def event_time_quantiles(data: SurvivalData | AggregatedData, probs) -> np.ndarray:
    """Quantiles of the pooled event times; for aggregated data, the grid edge closing the
    piece where each quantile falls (infinite past the last edge).

    Examples
    --------
    >>> event_time_quantiles(data, [0.5]).round(2).tolist(), event_time_quantiles(agg, [0.5])
    ([15.84], array([16.]))
    """
    probs = np.asarray(probs, dtype=float)
    if not isinstance(data, AggregatedData):
        return np.quantile(np.sort(data.time[data.event == 1]), probs)
    pooled = data.table.events.sum(axis=1).cumsum()
    closing = np.searchsorted(pooled, probs * pooled[-1], side="left") + 1
    return np.r_[data.grid, np.inf][np.minimum(closing, data.grid.size)]


def resolve_baseline(data: SurvivalData | AggregatedData, baseline, keep=()) -> np.ndarray:
    """Baseline cuts from the user's ``baseline=`` argument (None, int or cut points).

    ``keep`` (the model's treatment cuts) joins the default cuts only (see
    :func:`default_baseline_cuts`); a number of pieces or cut points given by the user are
    used as given.

    Examples
    --------
    >>> resolve_baseline(data, None).tolist(), resolve_baseline(data, [12, 36]).tolist()
    ([4.03, 6.94, 11.8, 27.7, 42.5, 50.3], [12.0, 36.0])
    >>> resolve_baseline(data, 1).size  # one piece: a constant baseline hazard
    0
    """
    if baseline is None:
        return default_baseline_cuts(data, keep)
    if isinstance(baseline, int | np.integer) and not isinstance(baseline, bool):
        if baseline < 1:
            raise ModelError(f"baseline: the number of pieces must be >= 1, got "
                             f"{repr_argument(baseline)}")
        if baseline == 1:
            return np.zeros(0)
        if data.n_events == 0:
            raise DataError("baseline: the data have no events, so there are no event-time "
                            "quantiles to place baseline pieces at; nothing can be estimated")
        if baseline > data.n_events:
            raise ModelError(f"baseline: {baseline} pieces for {data.n_events} events; ask "
                             "for at most one piece per event (pieces sit at event-time "
                             "quantiles)")
        cuts = np.unique(event_time_quantiles(data, np.arange(1, baseline) / baseline))
        return cuts[(cuts > 0) & (cuts < data.max_time)]
    if np.isscalar(baseline) or isinstance(baseline, bool | np.bool_):
        raise ModelError(f"baseline must be None, a number of pieces (an int) or a sequence "
                         f"of cut points; got {repr_argument(baseline)} (for one cut there, "
                         "write it in a list)")
    cuts = check_times(baseline, "baseline cuts", "baseline", ModelError)
    check_inside_followup(cuts, data, "baseline cut")
    return cuts


@dataclass(frozen=True)
class ModelArrays:
    """Every array a model kind is built from, computed once from the data and never changed.

    The fine grid (union of the baseline cuts and every cut the kind asks for), the exposure
    table on it (or the per-patient pieces when there are covariates), the baseline pieces,
    the standardized covariates, and the kind's own arrays (``kind_arrays``: name -> (dimension,
    values), e.g. the change-point grid and its prior).  :meth:`constant_data` stores them in
    the fit, so every summary can be recomputed from a saved fit alone.

    Examples
    --------
    >>> import bayesurv as bs
    >>> arrays = bs.PiecewiseExponential(cuts=[13]).arrays(data)
    >>> arrays.fine_edges.tolist() == arrays.baseline_edges.tolist()  # 13 is a baseline cut
    True
    >>> arrays.baseline_edges.tolist()
    [0.0, 4.03, 6.94, 11.8, 13.0, 27.7, 42.5, 50.3]
    >>> arrays.table.events.shape  # fine pieces x groups
    (8, 2)
    """

    fine_edges: np.ndarray
    baseline_edges: np.ndarray
    table: ExposureTable
    patients: PatientPieces
    covariates: np.ndarray
    covariate_means: np.ndarray
    covariate_sds: np.ndarray
    groups: tuple[str, ...]
    covariate_names: tuple[str, ...]
    time_unit: str
    kind_arrays: Mapping[str, tuple[str, np.ndarray]] = field(
        default_factory=lambda: MappingProxyType({}))

    @classmethod
    def build(cls, data: SurvivalData, baseline_cuts: np.ndarray, *other_cuts,
              kind_arrays: Mapping[str, tuple[str, object]] | None = None) -> ModelArrays:
        """Fine grid = union of the baseline cuts and every other cut the model asks for.

        ``kind_arrays`` may be a callable taking the fine edges (for arrays that index the
        fine grid) and returning the mapping.

        Examples
        --------
        >>> arrays = ModelArrays.build(data, np.array([24.0]), [13.0])
        >>> arrays.fine_edges.tolist(), arrays.baseline_edges.tolist(), arrays.groups
        ([0.0, 13.0, 24.0], [0.0, 24.0], ('control', 'UC-MSC'))
        """
        if data.has_entry and data.covariate_names:
            raise ModelError("covariates with delayed entry (an entry column) are not "
                             "supported yet: the per-patient likelihood counts follow-up "
                             "from time 0")
        edges = fine_grid(baseline_cuts, *other_cuts)
        extra = kind_arrays(edges) if callable(kind_arrays) else dict(kind_arrays or {})
        frozen = {name: (dim, _readonly(values)) for name, (dim, values) in extra.items()}
        if isinstance(data, AggregatedData):
            return cls._from_aggregated(data, edges, baseline_cuts, frozen)
        means = data.covariates.mean(axis=0) if data.covariates.shape[1] else np.zeros(0)
        sds = data.covariates.std(axis=0) if data.covariates.shape[1] else np.zeros(0)
        sds = np.where(sds > 0, sds, 1.0)  # a constant covariate is all zeros once centred
        return cls(
            fine_edges=_readonly(edges),
            baseline_edges=_readonly(np.r_[0.0, baseline_cuts]),
            table=ExposureTable.from_data(data, edges),
            patients=PatientPieces.from_data(data, edges),
            covariates=_readonly((data.covariates - means) / sds),
            covariate_means=_readonly(means),
            covariate_sds=_readonly(sds),
            groups=tuple(data.groups),
            covariate_names=tuple(data.covariate_names),
            time_unit=data.time_unit,
            kind_arrays=MappingProxyType(frozen),
        )

    @classmethod
    def _from_aggregated(cls, data: AggregatedData, edges, baseline_cuts,
                         frozen) -> ModelArrays:
        """The arrays of aggregated data: their table summed onto the model's fine grid
        (which must lie on the aggregation grid), no patients, no covariates."""
        none = np.zeros(0, dtype=np.intp)
        return cls(
            fine_edges=_readonly(edges),
            baseline_edges=_readonly(np.r_[0.0, baseline_cuts]),
            table=data.table_on(edges, "model cut point (cuts, baseline or candidates)"),
            patients=PatientPieces(edges, none, np.zeros(0), np.zeros(0), none),
            covariates=_readonly(np.zeros((0, 0))),
            covariate_means=_readonly(np.zeros(0)),
            covariate_sds=_readonly(np.zeros(0)),
            groups=tuple(data.groups),
            covariate_names=(),
            time_unit=data.time_unit,
            kind_arrays=MappingProxyType(frozen),
        )

    def __getitem__(self, name: str) -> np.ndarray:
        """A kind array, or one of the grid arrays, by name (as in ``constant_data``).

        Examples
        --------
        >>> bs.ChangePoint(grid=[6, 12]).arrays(data)["tau_grid"]
        array([ 6., 12.])
        """
        if name in self.kind_arrays:
            return self.kind_arrays[name][1]
        if name in ("fine_edges", "baseline_edges"):
            return getattr(self, name)
        raise KeyError(name)

    def graph_arrays(self, kind_names=()) -> dict[str, tuple[str, np.ndarray]]:
        """The arrays the likelihood reads, by the names the kinds' math uses, each with the
        dimension of its first axis (``fine_piece``, ``fine_width`` (one fewer), ``patient``
        or the kind's own, e.g. ``candidate``).  They enter a PyMC model as data
        (``pm.Data``), so a compiled model can take new ones.

        ``kind_names`` are the kind arrays the likelihood needs.  Per-patient arrays are
        included only when there are covariates (otherwise the exposure table suffices).

        Examples
        --------
        >>> arrays = bs.ChangePoint(grid=[6, 12]).arrays(data)
        >>> {name: (dim, value.shape) for name, (dim, value)
        ...  in arrays.graph_arrays(["tau_index"]).items()}  # doctest: +NORMALIZE_WHITESPACE
        {'events': ('fine_piece', (9, 2)), 'exposure': ('fine_piece', (9, 2)),
         'widths': ('fine_width', (8,)), 'baseline_map': ('fine_piece', (9,)),
         'tau_index': ('candidate', (2,))}
        """
        out = {"events": ("fine_piece", self.table.events),
               "exposure": ("fine_piece", self.table.exposure),
               "widths": ("fine_width", self.widths),
               "baseline_map": ("fine_piece", self.baseline_map)}
        if self.has_covariates:
            p = self.patients
            out |= {"patient_piece": ("patient", p.piece), "patient_offset": ("patient", p.offset),
                    "patient_event": ("patient", p.event), "patient_group": ("patient", p.group),
                    "patient_covariates": ("patient", self.covariates)}
        return out | {name: self.kind_arrays[name] for name in kind_names}

    @property
    def widths(self) -> np.ndarray:
        """Widths of the fine pieces but the last (open-ended) one.

        Examples
        --------
        >>> ModelArrays.build(data, np.array([24.0]), [13.0]).widths
        array([13., 11.])
        """
        return np.diff(self.fine_edges)

    @property
    def baseline_map(self) -> np.ndarray:
        """Baseline piece of each fine piece.

        Examples
        --------
        >>> ModelArrays.build(data, np.array([24.0]), [13.0]).baseline_map  # edges 0, 13, 24
        array([0, 0, 1])
        """
        return piece_of_edges(self.baseline_edges, self.fine_edges)

    @property
    def crude_log_rate(self) -> float:
        """log(total events / total person-time): the centre of the baseline prior.

        Examples
        --------
        >>> arrays = ModelArrays.build(data, np.array([24.0]))
        >>> round(float(np.exp(arrays.crude_log_rate)), 6)  # 44 deaths / 11,915.86 months
        0.003693
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
        >>> (ModelArrays.build(data, np.array([24.0])).has_covariates,
        ...  ModelArrays.build(with_meld, np.array([24.0])).has_covariates)
        (False, True)
        """
        return self.covariates.shape[1] > 0

    def constant_data(self) -> xr.Dataset:
        """Everything the summaries need, as a Dataset for ``InferenceData.constant_data``.

        Examples
        --------
        >>> ds = ModelArrays.build(data, np.array([24.0]), [13.0]).constant_data()
        >>> ds["events"].dims, ds["events"].shape, ds["patient_piece"].shape
        (('fine_piece', 'arm'), (3, 2), (219,))
        """
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
                "covariate_sds": ("covariate", self.covariate_sds),
                "baseline_map": ("fine_piece", self.baseline_map),
                **{name: (dim, np.asarray(values))
                   for name, (dim, values) in self.kind_arrays.items()},
            },
            coords={"arm": list(self.groups), "covariate": list(self.covariate_names)},
        )


def _readonly(values) -> np.ndarray:
    array = np.array(values)
    array.flags.writeable = False
    return array
