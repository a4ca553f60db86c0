"""Figures: plot data computed apart from drawing, and the drawing itself."""
