"""Foundations: exceptions, input checks, the window vocabulary and text formatting.

Nothing here imports from any other part of bayesurv.
"""

from bayesurv.base import _third_party  # noqa: F401 (quietens third-party notices first)
