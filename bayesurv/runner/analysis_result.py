"""What an analysis produced, before it is written to disk (see :mod:`bayesurv.runner.report`).

Its own module, so that the reports' text (:mod:`bayesurv.runner.report_text`,
:mod:`bayesurv.runner.illness_death_text`) and the reports' runners both read it without
importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bayesurv.data.illness_death import IllnessDeathData
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.diagnostics import Diagnostics
from bayesurv.inference.fit import Fit
from bayesurv.inference.illness_death_fit import IllnessDeathFit
from bayesurv.runner.report_sensitivity import Sensitivities
from bayesurv.runner.spec import Spec

__all__ = ["AnalysisResult", "IllnessDeathResult"]


@dataclass
class AnalysisResult:
    """Everything an analysis produced, before it is written to disk.

    Made by :func:`~bayesurv.runner.report.run_analysis`;
    :func:`~bayesurv.runner.report.write_report` writes it.  Attributes: the ``spec``,
    the ``data``, the ``fit``, the ``comparison`` table of :func:`bayesurv.compare`, the
    ``prior_sensitivity`` table (or None), the ``diagnostics``, the overall ``cox`` and
    ``logrank`` tables, the ``reconstruction`` diagnostics for digitized data (or None), the
    ``timings`` of each stage in seconds, the survival ``estimands`` table of
    :func:`~bayesurv.comparison.estimands.compare_estimands` (or None) and the
    ``sensitivities`` to the baseline and the change-point prior
    (:class:`~bayesurv.runner.report_sensitivity.Sensitivities`, or None).

    Examples
    --------
    >>> list(AnalysisResult.__dataclass_fields__)[:4]
    ['spec', 'data', 'fit', 'comparison']
    """

    spec: Spec
    data: SurvivalData
    fit: Fit
    comparison: pd.DataFrame
    prior_sensitivity: pd.DataFrame | None
    diagnostics: Diagnostics
    cox: pd.DataFrame
    logrank: pd.DataFrame
    reconstruction: pd.DataFrame | None = None
    timings: dict = field(default_factory=dict)
    estimands: pd.DataFrame | None = None
    sensitivities: Sensitivities | None = None


@dataclass
class IllnessDeathResult:
    """Everything an illness-death analysis produced, before it is written to disk.

    Attributes: the ``spec``, the ``data``, the ``fit``, its ``diagnostics``, the
    cause-specific Cox fit of each transition (``cox``, :func:`bayesurv.frequentist.
    transition_cox`), the ``times`` of the curves, the ``milestones`` and the ``horizon`` of
    the tables, the Aalen-Johansen cumulative incidences drawn under the posterior curves
    (``aalen_johansen``, :func:`bayesurv.frequentist.aalen_johansen`, or None), the word for
    the illness in labels (``illness``) and the ``timings`` of each stage in seconds.

    Examples
    --------
    >>> list(IllnessDeathResult.__dataclass_fields__)[:4]
    ['spec', 'data', 'fit', 'diagnostics']
    """

    spec: Spec
    data: IllnessDeathData
    fit: IllnessDeathFit
    diagnostics: Diagnostics
    cox: pd.DataFrame
    times: np.ndarray
    milestones: tuple[float, ...]
    horizon: float
    aalen_johansen: pd.DataFrame | None = None
    illness: str = "illness"
    timings: dict = field(default_factory=dict)
