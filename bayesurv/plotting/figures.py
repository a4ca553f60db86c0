"""Figures of a fit: Kaplan-Meier, forest plot, HR over time, change-point posterior,
survival, priors.

Each ``plot_*`` function draws the output of the matching ``*_data`` function of
:mod:`bayesurv.plotting.plot_data` or :mod:`bayesurv.plotting.risk_table` (where the numbers
are computed and tested) and returns the matplotlib Figure; pass ``ax=`` to draw into
existing axes.  Figures are a journal page wide (7 in, 178 mm) with text of 7.5-9 pt at that
size; :func:`save_figures` writes every applicable figure of a fit as PNG (300 dpi) and SVG.
Hazard ratios are treated vs reference and drawn on a log axis with a reference line at
HR = 1.  Colours differ in lightness as well as hue and are paired with distinct markers or
line styles, so the figures also read in grayscale.

Examples
--------
>>> import bayesurv as bs
>>> from bayesurv.plotting import figures as plots
>>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
>>> fit = bs.ChangePoint(near=13).fit(data, draws=200, tune=200, chains=2, random_seed=1,
...                                   progressbar=False)
>>> fig = plots.plot_hazard_ratio_curve(fit, landmarks=[13])
>>> fig.axes[0].get_yscale()
'log'
"""

from __future__ import annotations

import io
import os
import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd

from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.fit import Fit
from bayesurv.plotting import plot_data as pdata
from bayesurv.plotting.hazard_ratios import plot_forest, plot_hazard_ratio_curve
from bayesurv.plotting.posteriors import plot_changepoint, plot_prior_posterior
from bayesurv.plotting.predictive import plot_predictive_check
from bayesurv.plotting.style import SAVE_DPI
from bayesurv.plotting.survival import plot_kaplan_meier, plot_survival

__all__ = [
    "plot_changepoint",
    "plot_forest",
    "plot_hazard_ratio_curve",
    "plot_kaplan_meier",
    "plot_predictive_check",
    "plot_prior_posterior",
    "plot_survival",
    "save_figure",
    "save_figures",
    "save_fit_figures",
]

_CLIP_ID = re.compile(r"(?<=#)p[0-9a-f]{10}(?=\))|(?<=id=\")p[0-9a-f]{10}(?=\")")
FILE_NAMES = {
    "kaplan_meier": "kaplan_meier.png",
    "forest": "forest.png",
    "hazard_ratio_over_time": "hazard_ratio_over_time.png",
    "changepoint_posterior": "changepoint_posterior.png",
    "survival": "survival.png",
    "prior_posterior": "prior_posterior.png",
    "predictive_check": "predictive_check.png",
}


# ---------------------------------------------------------------------------- files
def save_figures(fit: Fit, data: SurvivalData, out_dir, compare_table: pd.DataFrame,
                 landmarks=None, caption: str | None = None,
                 outcome: str = "survival", predictive_check=None) -> dict[str, str]:
    """Write every applicable figure of a fit as PNG (300 dpi) and as SVG.

    Each file is the whole figure at its print size (a journal page's width), caption
    included.

    Parameters
    ----------
    fit : Fit
        A fitted model.
    data : SurvivalData
        The data of the fit.
    out_dir : str or path
        Folder for the files (created if missing).  Files: ``kaplan_meier``, ``forest``,
        ``hazard_ratio_over_time``, ``changepoint_posterior`` (change-point fits only),
        ``survival``, ``prior_posterior``, each as ``.png`` and ``.svg``.
    compare_table : pandas.DataFrame
        The :func:`bayesurv.compare` table of ``fit`` and ``data`` for the forest plot.
    landmarks : sequence of float, optional
        Landmarks marked on the HR-over-time figure; default: the windows' starting times
        (after 0) of the compare table.
    caption : str, optional
        A note written under every figure (e.g. that the data are synthetic).
    outcome : str
        What the survival curves show (see :func:`plot_survival`).
    predictive_check : PredictiveCheck, optional
        The fit's :meth:`~bayesurv.Fit.predictive_check`, drawn as ``predictive_check.png``.

    Returns
    -------
    dict
        Figure name -> path of the PNG file (the SVG file is beside it).

    Examples
    --------
    >>> import tempfile
    >>> import bayesurv as bs
    >>> from bayesurv.plotting.figures import save_figures
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> fit = bs.PiecewiseExponential(cuts=[13]).fit(data, draws=200, tune=200, chains=2,
    ...                                              random_seed=1, progressbar=False)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     sorted(save_figures(fit, data, folder, bs.compare(fit, data)))
    ['forest', 'hazard_ratio_over_time', 'kaplan_meier', 'prior_posterior', 'survival']
    """
    pdata.check_fit(fit, "save_figures")
    pdata.check_data_of_fit(fit, data, "save_figures")
    if landmarks is None:
        starts = compare_table["start"].to_numpy(dtype=float)
        landmarks = sorted({float(s) for s in starts if s > 0})
    makers = {
        "kaplan_meier": lambda: plot_kaplan_meier(data, caption=caption, outcome=outcome),
        "forest": lambda: plot_forest(compare_table, fit.time_unit, data.reference,
                                      caption=caption),
        "hazard_ratio_over_time": lambda: plot_hazard_ratio_curve(fit, landmarks=landmarks,
                                                                  caption=caption),
        "changepoint_posterior": lambda: plot_changepoint(fit, caption=caption),
        "survival": lambda: plot_survival(fit, data, caption=caption, outcome=outcome),
        "prior_posterior": lambda: plot_prior_posterior(fit, caption=caption),
    }
    if not fit.has_changepoint:
        del makers["changepoint_posterior"]
    if predictive_check is not None:
        makers["predictive_check"] = lambda: plot_predictive_check(
            predictive_check, caption=caption, outcome=outcome)
    return _save_all(makers, out_dir)


def save_fit_figures(fit: Fit, out_dir, landmarks=(), caption: str | None = None
                     ) -> dict[str, str]:
    """The figures of :func:`save_figures` drawn from the fit alone, for data without patient
    rows (:class:`~bayesurv.AggregatedData`): ``hazard_ratio_over_time``,
    ``changepoint_posterior`` (change-point fits) and ``prior_posterior``."""
    pdata.check_fit(fit, "save_fit_figures")
    makers = {
        "hazard_ratio_over_time": lambda: plot_hazard_ratio_curve(fit, landmarks=landmarks,
                                                                  caption=caption),
        "changepoint_posterior": lambda: plot_changepoint(fit, caption=caption),
        "prior_posterior": lambda: plot_prior_posterior(fit, caption=caption),
    }
    if not fit.has_changepoint:
        del makers["changepoint_posterior"]
    return _save_all(makers, out_dir)


def _save_all(makers: dict, out_dir) -> dict[str, str]:
    """Draw each figure, write it as PNG and SVG; name -> PNG path."""
    os.makedirs(out_dir, exist_ok=True)
    return {name: save_figure(make, os.path.join(os.fspath(out_dir), FILE_NAMES[name]))
            for name, make in makers.items()}


def save_figure(make, path) -> str:
    """Draw a figure with ``make()`` and write it to ``path`` (PNG, 300 dpi) and beside it as
    SVG (same name, ``.svg``); the figure is closed afterwards.  Returns ``path``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = save_figure(lambda: plt.figure(figsize=(1, 1)), os.path.join(folder, "a.png"))
    ...     sorted(os.listdir(folder))
    ['a.png', 'a.svg']
    """
    path = os.fspath(path)
    fig = make()
    try:
        # no tight bounding box: the figure's size is its print size, and its layout keeps
        # every label and the caption inside it
        fig.savefig(path, dpi=SAVE_DPI)
        _save_svg(fig, os.path.splitext(path)[0] + ".svg")
    finally:
        plt.close(fig)
    return path


def _save_svg(fig, path: str) -> None:
    """The SVG of a figure, the same bytes for the same figure, so a rerun of a report
    changes no file whose figure did not change: no date, fixed hash salt, and the clip-path
    ids (matplotlib derives them from memory addresses) renumbered in order."""
    salt = mpl.rcParams["svg.hashsalt"]
    mpl.rcParams["svg.hashsalt"] = "bayesurv"
    buffer = io.StringIO()
    try:
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    finally:
        mpl.rcParams["svg.hashsalt"] = salt
    text = buffer.getvalue()
    names: dict[str, str] = {}
    text = _CLIP_ID.sub(lambda m: names.setdefault(m.group(0), f"clip{len(names) + 1}"), text)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
