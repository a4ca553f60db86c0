"""Specs, report folders and the command line."""
