"""Error and warning types raised by bayesurv.

Every error caused by the caller's input is a :class:`BayesurvInputError`, which is
also a :class:`ValueError`, so ``except ValueError`` keeps working.  Messages name the
input, the column or key, the first offending rows and their values.

Warnings are :class:`UserWarning` subclasses, so they can be filtered by type::

    import warnings
    import bayesurv as bs
    warnings.simplefilter("error", bs.ConvergenceWarning)
"""

from __future__ import annotations


class BayesurvError(Exception):
    """Base class of every exception raised on purpose by bayesurv."""


class BayesurvInputError(BayesurvError, ValueError):
    """The caller's input cannot be used; the message says what, where and why."""


class DataError(BayesurvInputError):
    """Patient-level data failed validation (column, rows and values are named)."""


class ModelError(BayesurvInputError):
    """Model arguments (cuts, change-point grid, baseline pieces) are invalid for the data."""


class PriorError(BayesurvInputError):
    """A prior is mis-specified (unknown name, non-positive scale, wrong weights)."""


class DigitizedCurveError(BayesurvInputError):
    """A digitized curve or numbers-at-risk table cannot describe a survival curve."""


class SpecError(BayesurvInputError):
    """An analysis specification file is invalid (the key and the file are named)."""


class FitFileError(BayesurvInputError):
    """A file is not a bayesurv fit, or is damaged."""


class BayesurvWarning(UserWarning):
    """Base class of bayesurv warnings."""


class ConvergenceWarning(BayesurvWarning):
    """MCMC diagnostics (R-hat, effective sample size, divergences) look bad."""


class DataWarning(BayesurvWarning):
    """The data can be analysed, but something about them deserves attention."""


class ReconstructionWarning(BayesurvWarning):
    """A digitized-curve reconstruction is likely to be inaccurate."""
