"""The words bayesurv uses for time and for contrasts: window and period labels, landmark
windows, the name of a difference between groups.

A window ``(a, b]`` is written ``"a-b"``, an open-ended one ``"a+"``, a difference between
groups ``"treated - reference"``; every table, plot and report uses these labels, so they live
here, below every layer that prints them.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["difference_label", "interval_labels", "landmark_windows", "window_label"]


def window_label(start: float, end: float) -> str:
    """``"0-13"`` for the window (0, 13], ``"13+"`` when it is open-ended.

    Examples
    --------
    >>> window_label(0, 13), window_label(13, float("inf"))
    ('0-13', '13+')
    """
    return f"{start:g}-{end:g}" if np.isfinite(end) else f"{start:g}+"


def interval_labels(edges: np.ndarray) -> list[str]:
    """Labels such as ``["0-13", "13+"]`` for pieces starting at ``edges``.

    Examples
    --------
    >>> interval_labels([0, 6.5, 13])
    ['0-6.5', '6.5-13', '13+']
    """
    edges = np.asarray(edges, dtype=float)
    return [window_label(a, b) for a, b in itertools.pairwise([*edges, np.inf])]


def landmark_windows(landmarks) -> list[tuple[float, float]]:
    """Consecutive windows ``[(0, L1), (L1, L2), ..., (Lk, inf)]``.

    Examples
    --------
    >>> landmark_windows([8, 13])
    [(0.0, 8.0), (8.0, 13.0), (13.0, inf)]
    """
    return list(itertools.pairwise([0.0, *[float(x) for x in landmarks], np.inf]))


def difference_label(treated: str, reference: str) -> str:
    """The ``group`` of a row holding a difference, treated minus reference.

    Examples
    --------
    >>> difference_label("UC-MSC", "control")
    'UC-MSC - control'
    """
    return f"{treated} - {reference}"
