"""Model design: the fine grid, baseline pieces and the arrays a model is built from.

A :class:`Design` is everything a model needs from the data, computed once: the exposure
table on the fine grid (or the per-patient pieces when there are covariates), the map from
fine pieces to baseline pieces, and the centred covariates.  It is stored inside the
posterior (``constant_data``) so summaries can be recomputed from a saved fit alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from bayesurv.checks import check_times
from bayesurv.data import SurvivalData
from bayesurv.exceptions import DataError, ModelError
from bayesurv.exposure import ExposureTable, PatientPieces, fine_grid

__all__ = ["Design", "default_baseline_cuts", "interval_labels", "resolve_baseline"]

# dimension of each model-specific array a model puts in ``Design.extra``
EXTRA_DIMS = {"period_edges": "period", "tau_grid": "tau", "tau_prior": "tau",
              "tau_index": "tau"}
MAX_DEFAULT_PIECES = 6
EVENTS_PER_DEFAULT_PIECE = 10


def interval_labels(edges: np.ndarray) -> list[str]:
    """Labels such as ``["0-13", "13+"]`` for pieces starting at ``edges``."""
    edges = np.asarray(edges, dtype=float)
    ends = [*edges[1:].tolist(), None]
    return [f"{a:g}-{b:g}" if b is not None else f"{a:g}+" for a, b in zip(edges, ends,
                                                                           strict=True)]


def default_baseline_cuts(data: SurvivalData) -> np.ndarray:
    """A handful of baseline cuts at quantiles of the pooled event times.

    One piece per :data:`EVENTS_PER_DEFAULT_PIECE` events, at most :data:`MAX_DEFAULT_PIECES`,
    cut at event-time quantiles rounded to 3 significant digits.
    """
    event_times = np.sort(data.time[data.event == 1])
    n_pieces = int(np.clip(event_times.size // EVENTS_PER_DEFAULT_PIECE, 1, MAX_DEFAULT_PIECES))
    if n_pieces == 1:
        return np.zeros(0)
    cuts = np.quantile(event_times, np.arange(1, n_pieces) / n_pieces)
    cuts = np.array([float(f"{c:.3g}") for c in cuts])
    return np.unique(cuts[(cuts > 0) & (cuts < data.max_time)])


def resolve_baseline(data: SurvivalData, baseline) -> np.ndarray:
    """Baseline cuts from the user's ``baseline=`` argument (None, int or cut points)."""
    if baseline is None:
        return default_baseline_cuts(data)
    if isinstance(baseline, int | np.integer) and not isinstance(baseline, bool):
        if baseline < 1:
            raise ModelError(f"baseline: the number of pieces must be >= 1, got {baseline}")
        event_times = data.time[data.event == 1]
        if baseline == 1:
            return np.zeros(0)
        cuts = np.unique(np.quantile(event_times, np.arange(1, baseline) / baseline))
        return cuts[(cuts > 0) & (cuts < data.max_time)]
    cuts = check_times(baseline, "baseline cuts", "baseline", ModelError)
    check_inside_followup(cuts, data, "baseline cut")
    return cuts


def check_inside_followup(cuts: np.ndarray, data: SurvivalData, what: str) -> None:
    """Every cut must be > 0 and before the longest follow-up."""
    for c in cuts:
        if c <= 0:
            raise ModelError(f"{what} {c:g} must be > 0 (time 0 is the start of follow-up)")
        if c >= data.max_time:
            raise ModelError(f"{what} {c:g} is not inside the follow-up: the longest follow-up "
                             f"is {data.max_time:g} {data.time_unit}")


def check_data_usable(data: SurvivalData) -> None:
    """Data a piecewise-exponential model can be fitted to."""
    if not isinstance(data, SurvivalData):
        raise DataError(f"expected a bayesurv.SurvivalData, got {type(data).__name__}; build one "
                        "with bs.SurvivalData.from_frame(df, time=..., event=..., group=...)")
    if data.n_events == 0:
        raise DataError("the data have no events: there is nothing to estimate")
    if data.time.sum() <= 0:
        raise DataError("the data have no follow-up time (every time is 0)")


@dataclass(frozen=True)
class Design:
    """Arrays shared by the model builders and the summaries."""

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
        """Fine grid = union of the baseline cuts and every other cut the model asks for."""
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
        """Widths of the fine pieces but the last (open-ended) one."""
        return np.diff(self.fine_edges)

    @property
    def baseline_map(self) -> np.ndarray:
        """Baseline piece of each fine piece."""
        return piece_of_edges(self.baseline_edges, self.fine_edges)

    @property
    def crude_log_rate(self) -> float:
        """log(total events / total person-time): the centre of the baseline prior."""
        return float(np.log(self.table.events.sum() / self.table.exposure.sum()))

    @property
    def has_covariates(self) -> bool:
        """Whether the model needs the per-patient likelihood."""
        return self.covariates.shape[1] > 0

    def constant_data(self) -> xr.Dataset:
        """Everything the summaries need, as a Dataset for ``InferenceData.constant_data``."""
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


def piece_of_edges(coarse_edges: np.ndarray, fine_edges: np.ndarray) -> np.ndarray:
    """Which coarse piece each fine piece belongs to (fine edges include the coarse ones)."""
    return np.searchsorted(coarse_edges, fine_edges, side="right") - 1
