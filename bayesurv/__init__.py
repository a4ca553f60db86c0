"""bayesurv: Bayesian survival analysis of trials whose treatment effect changes over time."""

from bayesurv import _third_party, datasets, frequentist, priors  # noqa: F401 (_third_party first)
from bayesurv.changepoint import ChangePoint
from bayesurv.compare import compare, compare_priors
from bayesurv.data import SurvivalData
from bayesurv.digitize_sim import km_step_corners, simulate_digitization
from bayesurv.digitized import DigitizedCurve
from bayesurv.digitized_io import read_curves_csv, read_digitizer_csv, read_risk_table_csv
from bayesurv.exceptions import (
    BayesurvError,
    BayesurvInputError,
    BayesurvWarning,
    ConvergenceWarning,
    DataError,
    DataWarning,
    DigitizedCurveError,
    FitFileError,
    ModelError,
    PriorError,
    ReconstructionWarning,
    SpecError,
)
from bayesurv.fit import Fit
from bayesurv.model_comparison import compare_models
from bayesurv.piecewise import PiecewiseExponential
from bayesurv.reconstruct import reconstruct_ipd
from bayesurv.reconstruct_diagnostics import at_risk_comparison, reconstruction_diagnostics
from bayesurv.risk_table import RiskTable
from bayesurv.simulate import simulate_trial

__version__ = "0.1.0"

__all__ = [
    "BayesurvError",
    "BayesurvInputError",
    "BayesurvWarning",
    "ChangePoint",
    "ConvergenceWarning",
    "DataError",
    "DataWarning",
    "DigitizedCurve",
    "DigitizedCurveError",
    "Fit",
    "FitFileError",
    "ModelError",
    "PiecewiseExponential",
    "PriorError",
    "ReconstructionWarning",
    "RiskTable",
    "SpecError",
    "SurvivalData",
    "__version__",
    "at_risk_comparison",
    "compare",
    "compare_models",
    "compare_priors",
    "datasets",
    "frequentist",
    "km_step_corners",
    "priors",
    "read_curves_csv",
    "read_digitizer_csv",
    "read_risk_table_csv",
    "reconstruct_ipd",
    "reconstruction_diagnostics",
    "simulate_digitization",
    "simulate_trial",
]
