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

import os
import sys
import warnings
from pathlib import Path

# the package folder: frames of files under it are not the caller's
PACKAGE_DIR = str(Path(__file__).resolve().parents[1]) + os.sep


class BayesurvError(Exception):
    """Base class of every exception raised on purpose by bayesurv.

    Examples
    --------
    >>> import bayesurv as bs
    >>> issubclass(bs.SpecError, bs.BayesurvError)
    True
    """


class BayesurvInputError(BayesurvError, ValueError):
    """The caller's input cannot be used; the message says what, where and why.

    Examples
    --------
    >>> import bayesurv as bs
    >>> try:
    ...     bs.priors.Normal(0, -1)
    ... except ValueError as err:  # every input error is also a ValueError
    ...     print(isinstance(err, bs.BayesurvInputError), err)
    True Normal prior: sigma must be > 0, got -1
    """


class DataError(BayesurvInputError):
    """Patient-level data failed validation (column, rows and values are named).

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> df = pd.DataFrame({"time": [5.0, -1.0], "event": [1, 0], "arm": ["a", "b"]})
    >>> try:
    ...     bs.SurvivalData.from_frame(df)
    ... except bs.DataError as err:
    ...     print(err)
    SurvivalData: column 'time' must not be negative; found negative values at row 1 (value -1.0)
    """


class ModelError(BayesurvInputError):
    """Model arguments (cuts, change-point grid, baseline pieces) are invalid for the data.

    Examples
    --------
    >>> import bayesurv as bs
    >>> try:
    ...     bs.PiecewiseExponential(cuts=[0])
    ... except bs.ModelError as err:
    ...     print(err)
    PiecewiseExponential: cuts must be > 0, got [0.0]
    """


class PriorError(BayesurvInputError):
    """A prior is mis-specified (unknown name, non-positive scale, wrong weights).

    Examples
    --------
    >>> import bayesurv as bs
    >>> try:
    ...     bs.ChangePoint(spread=3)
    ... except bs.PriorError as err:
    ...     print(err)
    ChangePoint: spread needs near (the centre of the tau prior)
    """


class DigitizedCurveError(BayesurvInputError):
    """A digitized curve or numbers-at-risk table cannot describe a survival curve.

    Examples
    --------
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> points = pd.DataFrame({"group": "A", "time": [0, 1], "survival": ["x", 0.5]})
    >>> try:
    ...     bs.DigitizedCurve.from_frame(points)
    ... except bs.DigitizedCurveError as err:
    ...     print(type(err).__name__)
    DigitizedCurveError
    """


class SpecError(BayesurvInputError):
    """An analysis specification file is invalid (the key and the file are named).

    Examples
    --------
    >>> import bayesurv as bs
    >>> from bayesurv.runner.spec import Spec
    >>> try:
    ...     Spec.from_dict({"data": {"source": "shi2021"}, "modle": {}})
    ... except bs.SpecError as err:
    ...     print(str(err).split(";")[0])
    spec: unknown key 'modle'
    """


class FitFileError(BayesurvInputError):
    """A file is not a bayesurv fit, is damaged, or was changed after bayesurv saved it.

    Examples
    --------
    >>> import bayesurv as bs
    >>> try:
    ...     bs.Fit.from_netcdf("no_such_fit.nc")
    ... except bs.FitFileError as err:
    ...     print(err)
    no such file: no_such_fit.nc
    """


class DesignError(BayesurvInputError):
    """A trial-design scenario or simulation setting is invalid.

    Examples
    --------
    >>> import bayesurv as bs
    >>> try:
    ...     bs.design.Scenario(control_hazard=[0.03, 0.02], control_cuts=[])
    ... except bs.DesignError as err:
    ...     print(err)
    Scenario: control_hazard needs one value per piece: 1 piece (control_cuts []) but 2 values
    """


class BayesurvWarning(UserWarning):
    """Base class of bayesurv warnings.

    Examples
    --------
    >>> import bayesurv as bs
    >>> [issubclass(w, bs.BayesurvWarning) for w in (bs.ConvergenceWarning, bs.DataWarning,
    ...                                               bs.ReconstructionWarning)]
    [True, True, True]
    """


class ConvergenceWarning(BayesurvWarning):
    """MCMC diagnostics (R-hat, effective sample size, divergences) look bad.

    Examples
    --------
    Make bad diagnostics an error instead of a warning:

    >>> import warnings
    >>> import bayesurv as bs
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", bs.ConvergenceWarning)
    ...     issubclass(bs.ConvergenceWarning, UserWarning)
    True
    """


class DataWarning(BayesurvWarning):
    """The data can be analysed, but something about them deserves attention.

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> points = pd.DataFrame({"group": "A", "time": [0, 1, 2, 3],
    ...                        "survival": [1, 0.8, 0.82, 0.7]})  # rises at time 2
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     curve = bs.DigitizedCurve.from_frame(points)
    >>> [w.category.__name__ for w in caught]
    ['DataWarning']
    """


class ReconstructionWarning(BayesurvWarning):
    """A digitized-curve reconstruction is likely to be inaccurate.

    Examples
    --------
    Without numbers at risk or total events, censoring cannot be placed:

    >>> import warnings
    >>> import pandas as pd
    >>> import bayesurv as bs
    >>> points = pd.DataFrame({"group": "A", "time": [0, 2, 2, 5],
    ...                        "survival": [1, 1, 0.5, 0.5]})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ipd = bs.reconstruct_ipd(points, 10)  # 10 patients, nothing else known
    >>> [w.category.__name__ for w in caught]
    ['ReconstructionWarning']
    """


def warn_caller(message: str, category: type[Warning]) -> None:
    """Warn, attributing the warning to the first caller outside bayesurv.

    The same cleaning or reconstruction step is reached through several public entry points
    (``DigitizedCurve.from_frame``, the CSV readers, ``SurvivalData.from_digitized``...), so
    no fixed ``stacklevel`` points at the user's line for all of them.
    """
    frame, level = sys._getframe(0), 1  # stacklevel 1 is this function
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(
            PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
