"""Kaplan-Meier curves digitized from a paper: reading, cleaning, reconstruction of patient rows."""
