"""Survival figures: the Kaplan-Meier curves of the data, and the posterior curves per arm
over them; both with censoring marks and a numbers-at-risk table under the time axis."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.fit import Fit
from bayesurv.inference.intervals import interval_label
from bayesurv.plotting import plot_data as pdata
from bayesurv.plotting import risk_table
from bayesurv.plotting.style import (
    ARM_COLOURS,
    DPI,
    FIGSIZE,
    GREY,
    SMALL,
    add_caption,
    font_sizes,
    new_axes,
    unit_suffix,
)

__all__ = ["plot_kaplan_meier", "plot_survival"]

ROW_HEIGHT = 0.16  # inches per arm in the at-risk table


def plot_kaplan_meier(data: SurvivalData, ax=None, ylim: tuple[float, float] | None = None,
                      title: str | None = None, caption: str | None = None,
                      outcome: str = "survival") -> plt.Figure:
    """Kaplan-Meier curve per arm with censoring marks, and the numbers at risk under it.

    Parameters
    ----------
    data : SurvivalData
        The patients.
    ax : matplotlib Axes or (Axes, Axes), optional
        Axes for the curves, or for the curves and the at-risk table (no table with a single
        Axes); a new figure (a journal page's width) by default.
    ylim : (float, float), optional
        Survival axis limits; default from 0 to 1.
    title, caption : str, optional
        Title (a default is written) and a note under the figure.
    outcome : str
        What the curves show, for the labels: ``"survival"`` (death) or e.g.
        ``"HCC-free survival"`` for another endpoint.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_kaplan_meier(data)
    >>> curves, table = fig.axes
    >>> [t.get_text() for t in table.get_yticklabels()]
    ['control', 'UC-MSC']
    >>> plt.close("all")
    """
    if not isinstance(data, SurvivalData):
        raise BayesurvInputError(f"plot_kaplan_meier: data must be a bayesurv SurvivalData, "
                                 f"got {type(data).__name__}")
    out = risk_table.kaplan_meier_data(data)
    with font_sizes():
        fig, ax, table = _survival_axes(ax, len(data.groups), "plot_kaplan_meier")
        colours = _colours(data.groups)
        _draw_kaplan_meier(ax, out, data.groups, colours, lw=1.5)
        handles = [Line2D([], [], color=c, lw=1.5, label=str(g))
                   for g, c in zip(data.groups, colours, strict=True)]
        handles.append(Line2D([], [], color=GREY, ls="none", marker="|", label="censored"))
        end = float(out["kaplan_meier"]["time"].max())
        _finish(ax, table, out["at_risk"], data.groups, colours, end, ylim, data.time_unit,
                outcome, handles)
        ax.set_title(title or f"{outcome[0].upper()}{outcome[1:]} by arm: Kaplan-Meier")
        add_caption(fig, caption)
    return fig


def plot_survival(fit: Fit, data: SurvivalData, times=None, mass: float = 0.95, ax=None,
                  ylim: tuple[float, float] | None = None, title: str | None = None,
                  caption: str | None = None, outcome: str = "survival") -> plt.Figure:
    """Posterior survival per arm (median and band) over the Kaplan-Meier steps of the data,
    with censoring marks and the numbers at risk under the time axis.

    Parameters
    ----------
    fit : Fit
        A fitted model.
    data : SurvivalData
        The data of the fit (for the Kaplan-Meier curves).
    times : sequence of float, optional
        Time grid of the posterior curves; default 200 points to the longest follow-up.
    mass : float
        Mass of the band.
    ax, ylim, title, caption, outcome
        As in :func:`plot_kaplan_meier`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_survival(fit, data)
    >>> fig.axes[0].get_ylabel()
    'survival probability'
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['control', 'UC-MSC', 'posterior median, 95% band', 'Kaplan-Meier, | censored']
    >>> fig.axes[0].get_legend().get_title().get_text()
    'bands: 95% equal-tailed credible intervals'
    >>> plt.close("all")
    """
    out = pdata.survival_data(fit, data, times, mass)
    post = out["posterior"]
    # the legend's title names the interval and, for a covariate model, which curves these are
    which = f"; curves {post['covariates'].iloc[0]}" if "covariates" in post.columns else ""
    with font_sizes():
        fig, ax, table = _survival_axes(ax, len(data.groups), "plot_survival")
        colours = _colours(data.groups)
        for group, colour in zip(data.groups, colours, strict=True):
            p = post[post["group"] == group]
            ax.fill_between(p["time"], p["lower"], p["upper"], color=colour, alpha=0.18, lw=0)
            ax.plot(p["time"], p["median"], color=colour, lw=2.2)
        _draw_kaplan_meier(ax, out, data.groups, colours, lw=0.9)
        handles = [Line2D([], [], color=c, lw=2.2, label=str(g))
                   for g, c in zip(data.groups, colours, strict=True)]
        handles.append((Patch(color=GREY, alpha=0.3, lw=0), Line2D([], [], color=GREY, lw=2.2)))
        handles.append(Line2D([], [], color=GREY, lw=0.9, marker="|",
                              drawstyle="steps-post"))
        labels = [str(g) for g in data.groups] + [f"posterior median, {100 * mass:g}% band",
                                                 "Kaplan-Meier, | censored"]
        end = float(max(post["time"].max(), out["kaplan_meier"]["time"].max()))
        _finish(ax, table, out["at_risk"], data.groups, colours, end, ylim, fit.time_unit,
                outcome, handles, labels,
                title=f"bands: {interval_label(mass)} credible intervals{which}")
        ax.set_title(title or f"{outcome[0].upper()}{outcome[1:]} by arm: {fit.model.label} "
                     "model vs Kaplan-Meier")
        add_caption(fig, caption)
    return fig


def _colours(groups) -> list[str]:
    return [ARM_COLOURS[g % len(ARM_COLOURS)] for g in range(len(groups))]


def _survival_axes(ax, n_groups: int, what: str) -> tuple[plt.Figure, Axes, Axes | None]:
    """The curves' axes and the at-risk table's axes (None when the caller gave one Axes)."""
    if ax is None:
        table_height = ROW_HEIGHT * n_groups + 0.25
        fig = plt.figure(figsize=(FIGSIZE[0], FIGSIZE[1] + table_height), dpi=DPI,
                         layout="constrained")
        grid = fig.add_gridspec(2, 1, height_ratios=(FIGSIZE[1] - 0.9, table_height))
        curves = fig.add_subplot(grid[0])
        return fig, curves, fig.add_subplot(grid[1], sharex=curves)
    if isinstance(ax, Sequence) and not isinstance(ax, str):
        if len(ax) != 2 or not all(isinstance(a, Axes) for a in ax):
            raise BayesurvInputError(f"{what}: ax must be a matplotlib Axes, two Axes (curves "
                                     "and at-risk table) or None")
        return ax[0].figure, ax[0], ax[1]
    fig, curves = new_axes(ax, what)
    return fig, curves, None


def _draw_kaplan_meier(ax: Axes, out: dict, groups, colours, lw: float) -> None:
    km, censored = out["kaplan_meier"], out["censored"]
    for group, colour in zip(groups, colours, strict=True):
        k = km[km["group"] == group]
        ax.step(k["time"], k["survival"], where="post", color=colour, lw=lw)
        c = censored[censored["group"] == group]
        ax.plot(c["time"], c["survival"], ls="none", marker="|", ms=4, mew=0.8, color=colour)


def _finish(ax: Axes, table: Axes | None, at_risk: pd.DataFrame, groups, colours, end: float,
            ylim, time_unit: str | None, outcome: str, handles, labels=None,
            title: str | None = None) -> None:
    """Axes limits, labels, legend and the at-risk table (columns at the time ticks)."""
    ticks = at_risk["time"].drop_duplicates().to_numpy()
    ax.set_ylim(*(ylim or (0.0, 1.02)))
    ax.set_xlim(0, end)
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_xlabel(f"time since randomisation{unit_suffix(time_unit)}")
    ax.set_ylabel(f"{outcome} probability")
    ax.grid(axis="y", color="#e0e0e0", lw=0.8)
    ax.legend(handles, labels or [h.get_label() for h in handles], loc="lower left",
              framealpha=0.9, ncol=2 if len(handles) > 4 else 1, title=title,
              title_fontsize=SMALL, alignment="left")
    if table is None:
        return
    for row, (group, colour) in enumerate(zip(groups, colours, strict=True)):
        counts = at_risk[at_risk["group"] == group]
        for t, n in zip(counts["time"], counts["at_risk"], strict=True):
            table.text(t, row, f"{n}", ha="center", va="center", color=colour, fontsize=SMALL)
    table.set_ylim(len(groups) - 0.5, -0.5)
    table.set_yticks(range(len(groups)), [str(g) for g in groups])
    for label, colour in zip(table.get_yticklabels(), colours, strict=True):
        label.set_color(colour)
    # room for the first column, centred on time 0
    table.tick_params(length=0, labelbottom=False, pad=14)
    for spine in table.spines.values():
        spine.set_visible(False)
    table.set_title("Number at risk", loc="left", fontsize=SMALL, fontweight="bold")
