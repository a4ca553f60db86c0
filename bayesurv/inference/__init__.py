"""Sampling, the Fit result, diagnostics, posterior summaries and model comparison.

Importing it registers the sampler that ``model.fit`` delegates to.
"""

from bayesurv.inference import sampling  # noqa: F401 (registers the sampler)
