"""Bayesian vs frequentist vs published tables, and prior sensitivity."""
