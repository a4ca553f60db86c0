"""Shared look of bayesurv figures: sizes, colours, hazard-ratio axes, captions.

Colours differ in lightness as well as hue and are paired with distinct markers or line
styles, so the figures also read in grayscale.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.layout_engine import ConstrainedLayoutEngine

from bayesurv.base.exceptions import BayesurvInputError

# Journal column widths (Nature: 89 and 183 mm).  Figures are drawn at print size, so the
# font sizes below are the printed sizes: 7 pt is the usual minimum.
SINGLE_COLUMN = 3.5
DOUBLE_COLUMN = 7.0
FIGSIZE = (DOUBLE_COLUMN, 4.2)
DPI = 100  # on screen (notebooks); files are written at SAVE_DPI
SAVE_DPI = 300
SMALL = 7.5
FONT = {"font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8, "xtick.labelsize": 8,
        "ytick.labelsize": 8, "legend.fontsize": SMALL, "figure.titlesize": 9}
CAPTION_SIZE = 8
# labels are user text: a "$" in a group label is a dollar sign, not the start of mathtext
TEXT = {"text.parse_math": False}
HR_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
HR_MIN_RANGE = (0.1, 5.0)

# lightness (grey level on 0-255) in brackets, so each pair also separates in grayscale
DARK = "#1f3b73"  # navy (62)
ORANGE = "#d95f02"  # (115)
LIGHT = "#9ecae1"  # pale blue (194)
BLACK = "#1a1a1a"
GREY = "#6e6e6e"
ARM_COLOURS = (BLACK, ORANGE, "#7570b3", "#1b9e77")
ESTIMATOR_STYLE = {
    "Bayesian": {"color": DARK, "marker": "o", "mfc": DARK, "ls": "-"},
    "Landmark Cox": {"color": ORANGE, "marker": "s", "mfc": ORANGE, "ls": "-"},
    "Published": {"color": BLACK, "marker": "D", "mfc": "white", "ls": "--"},
}
ESTIMATOR_LABELS = {"Bayesian": "Bayesian (95% equal-tailed CrI)",
                    "Landmark Cox": "Landmark Cox (95% CI)", "Published": "Published (95% CI)"}


def new_axes(ax, what: str) -> tuple[plt.Figure, Axes]:
    if ax is None:
        fig, ax = plt.subplots(figsize=FIGSIZE, dpi=DPI, layout="constrained")
        return fig, ax
    if not isinstance(ax, Axes):
        raise BayesurvInputError(f"{what}: ax must be a matplotlib Axes or None, got "
                                 f"{type(ax).__name__}")
    return ax.figure, ax


def unit_suffix(time_unit: str | None) -> str:
    return f" ({time_unit})" if time_unit else ""


def hr_axis(ax: Axes, which: str, values) -> None:
    """Log scale with ticks at 0.1, 0.2, 0.5, 1, 2, 5 (wider if the values need it)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    low = min(HR_MIN_RANGE[0], values.min() if values.size else 1.0) / 1.25
    high = max(HR_MIN_RANGE[1], values.max() if values.size else 1.0) * 1.25
    ticks = [t for t in HR_TICKS if low <= t <= high]
    labels = [f"{t:g}" for t in ticks]
    if which == "x":
        ax.set_xscale("log")
        ax.set_xlim(low, high)
        ax.set_xticks(ticks, labels)
        ax.xaxis.set_minor_locator(plt.NullLocator())
    else:
        ax.set_yscale("log")
        ax.set_ylim(low, high)
        ax.set_yticks(ticks, labels)
        ax.yaxis.set_minor_locator(plt.NullLocator())


def add_caption(fig, caption: str | None) -> None:
    """A note under the figure (e.g. "synthetic data"), inside the figure's own area.

    A figure laid out by constrained layout (every bayesurv figure) grows by the caption's
    height and its axes are kept out of that strip, so the caption is part of the saved file
    whatever the bounding box; in another figure the caption is drawn at its bottom edge.
    """
    if not caption:
        return
    width, height = fig.get_size_inches()
    # italic text averages about 0.55 em per character
    chars = max(30, int(width * 72 / (0.55 * CAPTION_SIZE)) - 6)
    text = textwrap.fill(str(caption), chars)
    strip = ((text.count("\n") + 1) * 1.3 * CAPTION_SIZE + 8) / 72
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        fig.set_size_inches(width, height + strip)
        engine.set(rect=(0.0, strip / (height + strip), 1.0, height / (height + strip)))
        height += strip
    fig.text(0.5, 3 / 72 / height, text, ha="center", va="bottom", fontsize=CAPTION_SIZE,
             style="italic", color=BLACK)


def versus_label(treated: str, reference: str | None) -> str:
    return f"{treated} vs {reference}" if reference else treated


def hr_scale(axis: Axes, log_values: np.ndarray) -> None:
    """A secondary x axis on top in HR units, ticks at 0.1, 0.2, 0.5, 1, 2, 5 in range."""
    # matplotlib also maps points outside the data (an HR of 0) back through the inverse
    top = axis.secondary_xaxis("top", functions=(np.exp, _safe_log))
    low, high = np.exp(log_values.min()), np.exp(log_values.max())
    ticks = [t for t in HR_TICKS if low <= t <= high]
    top.set_xticks(ticks, [f"{t:g}" for t in ticks])
    top.xaxis.set_minor_locator(plt.NullLocator())
    top.set_xlabel("hazard ratio")


def _safe_log(x):
    """``log(x)``, with the smallest positive float in place of 0 (no warning)."""
    return np.log(np.maximum(x, np.finfo(float).tiny))


@contextmanager
def font_sizes() -> Iterator[None]:
    """Apply :data:`FONT` and :data:`TEXT` while drawing, restoring only those settings
    afterwards.

    ``plt.rc_context`` would restore every rcParam, including the interactive flag that
    Jupyter's inline backend sets when the first figure of a session is made, which stops later
    figures from being shown.
    """
    settings = FONT | TEXT
    saved = {key: mpl.rcParams[key] for key in settings}
    mpl.rcParams.update(settings)
    try:
        yield
    finally:
        mpl.rcParams.update(saved)
