"""bayesurv: Bayesian survival analysis of trials whose treatment effect changes over time."""

from bayesurv import base  # noqa: F401, I001 (first: quietens third-party notices)
from bayesurv import datasets, design, frequentist
from bayesurv.base.version import __version__
from bayesurv.base.exceptions import (
    BayesurvError,
    BayesurvInputError,
    BayesurvWarning,
    ConvergenceWarning,
    DataError,
    DataWarning,
    DesignError,
    DigitizedCurveError,
    FitFileError,
    ModelError,
    PriorError,
    ReconstructionWarning,
    SpecError,
)
from bayesurv.comparison.baseline import compare_baselines
from bayesurv.comparison.estimands import compare_estimands
from bayesurv.comparison.tables import compare, compare_priors
from bayesurv.data.aggregate import aggregate
from bayesurv.data.aggregated import AggregatedData
from bayesurv.data.illness_death import IllnessDeathData
from bayesurv.data.simulate import simulate_trial
from bayesurv.data.simulate_illness_death import simulate_illness_death
from bayesurv.data.survival_data import SurvivalData
from bayesurv.digitized.curve import DigitizedCurve
from bayesurv.digitized.diagnostics import at_risk_comparison, reconstruction_diagnostics
from bayesurv.digitized.intervals import interval_data
from bayesurv.digitized.io import read_curves_csv, read_digitizer_csv, read_risk_table_csv
from bayesurv.digitized.reconstruct import reconstruct_ipd, survival_data_from_digitized
from bayesurv.digitized.risk_table import RiskTable
from bayesurv.digitized.simulate import km_step_corners, simulate_digitization
from bayesurv.inference.comparison import compare_models
from bayesurv.inference.fit import Fit
from bayesurv.inference.illness_death_fit import IllnessDeathFit
from bayesurv.inference.tasks import run_tasks
from bayesurv.model import priors
from bayesurv.model.changepoint import ChangePoint
from bayesurv.model.illness_death import IllnessDeath
from bayesurv.model.piecewise import PiecewiseExponential


__all__ = [
    "AggregatedData",
    "BayesurvError",
    "BayesurvInputError",
    "BayesurvWarning",
    "ChangePoint",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "DesignError",
    "DigitizedCurve",
    "DigitizedCurveError",
    "Fit",
    "FitFileError",
    "IllnessDeath",
    "IllnessDeathData",
    "IllnessDeathFit",
    "ModelError",
    "PiecewiseExponential",
    "PriorError",
    "ReconstructionWarning",
    "RiskTable",
    "SpecError",
    "SurvivalData",
    "__version__",
    "aggregate",
    "at_risk_comparison",
    "compare",
    "compare_baselines",
    "compare_estimands",
    "compare_models",
    "compare_priors",
    "datasets",
    "design",
    "frequentist",
    "interval_data",
    "km_step_corners",
    "plots",
    "priors",
    "read_curves_csv",
    "read_digitizer_csv",
    "read_risk_table_csv",
    "reconstruct_ipd",
    "reconstruction_diagnostics",
    "run_tasks",
    "simulate_digitization",
    "simulate_illness_death",
    "simulate_trial",
    "survival_data_from_digitized",
]


def __getattr__(name: str):
    """``bs.plots`` (the figure functions) is imported on first use: matplotlib is slow to
    import and fitting needs it not."""
    if name == "plots":
        from bayesurv import plotting

        return plotting
    raise AttributeError(f"module 'bayesurv' has no attribute {name!r}")

