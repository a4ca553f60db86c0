"""The model layer: exposure-table likelihood, priors, model arrays and one module per kind."""
