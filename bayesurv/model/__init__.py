"""The model layer: exposure-table likelihood, priors, model arrays and one module per kind.

Importing it registers every kind (:data:`bayesurv.model.kind.KINDS`), so a saved fit can
rebuild its kind object by name.
"""

from bayesurv.model import piecewise  # noqa: F401, I001 (registers the kinds, in this order)
from bayesurv.model import changepoint  # noqa: F401
from bayesurv.model import illness_death  # noqa: F401
