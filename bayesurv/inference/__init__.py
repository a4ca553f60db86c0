"""Sampling, the Fit result, diagnostics, posterior summaries and model comparison."""
