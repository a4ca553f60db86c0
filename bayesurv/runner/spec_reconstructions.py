"""Specs on digitized curves fit the model to several reconstructions and pool them.

A spec whose data are digitized Kaplan-Meier curves (``source = "digitized"``, or a shipped
dataset with ``digitized = true``) reconstructs ``[data] reconstructions`` plausible sets of
patient rows (default :data:`DEFAULT_RECONSTRUCTIONS`; see
:func:`bayesurv.reconstruct_ipd` with ``draws``) and fits the model to all of them, pooled
(:mod:`bayesurv.inference.pooled`), so the posterior carries the uncertainty of the
digitization.  ``reconstructions = 1`` fits the single reconstruction instead.  The
frequentist comparison (Cox, landmark, log-rank) and the reconstruction diagnostics are of
the single reconstruction.  The reconstructions are drawn with the spec's ``[sampler] seed``
(0 when it has none), so a run is reproducible.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bayesurv.data.survival_data import SurvivalData
from bayesurv.runner.spec_sources import SHIPPED, digitized_source, reconstructed_rows

__all__ = ["DEFAULT_RECONSTRUCTIONS", "is_digitized", "load_reconstructions",
           "reconstruction_count"]

# 20 draws: the reconstruction share of the reference curves' log HRs is stable to about
# 0.01 between seeds, and the pooled fit costs a few single fits (benchmarks/
# reconstruct_pooled.py)
DEFAULT_RECONSTRUCTIONS = 20


def is_digitized(d: Mapping) -> bool:
    """Whether a ``[data]`` table's rows are reconstructed from digitized curves.

    Examples
    --------
    >>> is_digitized({"source": "shi2021", "digitized": True}), is_digitized({"source": "csv"})
    (True, False)
    """
    return d["source"] == "digitized" or (d["source"] in SHIPPED and d.get("digitized") is True)


def reconstruction_count(d: Mapping) -> int | None:
    """How many reconstructions a ``[data]`` table asks for (None for patient rows).

    Examples
    --------
    >>> reconstruction_count({"source": "shi2021", "digitized": True})
    20
    >>> reconstruction_count({"source": "digitized", "curves": "km.csv", "reconstructions": 1})
    1
    """
    if not is_digitized(d):
        return None
    return int(d.get("reconstructions", DEFAULT_RECONSTRUCTIONS))


def load_reconstructions(d: Mapping, spec_path: Path | None, where: str,
                         seed: int | None) -> tuple[SurvivalData, ...] | None:
    """The K reconstructions a ``[data]`` table asks for, as SurvivalData; None when it asks
    for one (or its data are patient rows).

    Examples
    --------
    >>> datas = load_reconstructions({"source": "shi2021", "digitized": True,
    ...                               "reconstructions": 3}, None, "spec", seed=1)
    >>> len(datas), datas[0].source
    (3, 'reconstructed from digitized curves')
    """
    count = reconstruction_count(d)
    if count is None or count == 1:
        return None
    from bayesurv.digitized.reconstruct import reconstruct_ipd

    curves, risk, total_events = digitized_source(d, spec_path, where)
    ipds = reconstruct_ipd(curves, risk, total_events=total_events, draws=count,
                           random_seed=0 if seed is None else int(seed))
    return tuple(reconstructed_rows(ipd, d) for ipd in ipds)
