"""Quieten third-party notices that bayesurv users cannot act on (imported first)."""

import warnings

# ArviZ 0.23 announces its 1.0 refactor once a day at import; bayesurv pins arviz < 0.24, so the
# notice is not actionable for our users (and would break warnings-as-errors test runs).
warnings.filterwarnings("ignore", message=r"\s*ArviZ is undergoing a major refactor",
                        category=FutureWarning)
