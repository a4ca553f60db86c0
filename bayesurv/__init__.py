"""bayesurv: Bayesian survival analysis of trials whose treatment effect changes over time."""

from bayesurv import datasets, frequentist, priors
from bayesurv.changepoint import ChangePoint
from bayesurv.data import SurvivalData
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
from bayesurv.piecewise import PiecewiseExponential
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
    "DigitizedCurveError",
    "Fit",
    "FitFileError",
    "ModelError",
    "PiecewiseExponential",
    "PriorError",
    "ReconstructionWarning",
    "SpecError",
    "SurvivalData",
    "__version__",
    "datasets",
    "frequentist",
    "priors",
    "simulate_trial",
]
