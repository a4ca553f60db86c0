"""Survival figure: posterior curves per arm over the Kaplan-Meier estimate."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.fit import Fit
from bayesurv.inference.intervals import interval_label
from bayesurv.plotting import plot_data as pdata
from bayesurv.plotting.style import (
    ARM_COLOURS,
    add_caption,
    font_sizes,
    new_axes,
    unit_suffix,
)

__all__ = ["plot_survival"]


# ---------------------------------------------------------------------------- survival
def plot_survival(fit: Fit, data: SurvivalData, times=None, mass: float = 0.95, ax=None,
                  ylim: tuple[float, float] | None = None, title: str | None = None,
                  caption: str | None = None, outcome: str = "survival") -> plt.Figure:
    """Posterior survival per arm (median and band) over the Kaplan-Meier steps of the data.

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
    ylim : (float, float), optional
        Survival axis limits; default from 0 to 1.
    ax, title, caption
        As in :func:`plot_forest`.
    outcome : str
        What the curves show, for the labels: ``"survival"`` (death) or e.g.
        ``"HCC-free survival"`` for another endpoint.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_survival(fit, data)
    >>> fig.axes[0].get_ylabel()
    'survival probability'
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:2]
    ['control: posterior median, 95% band', 'control: Kaplan-Meier']
    >>> fig.axes[0].get_legend().get_title().get_text()
    'bands: 95% equal-tailed credible intervals'
    >>> plt.close("all")
    """
    out = pdata.survival_data(fit, data, times, mass)
    post, km = out["posterior"], out["kaplan_meier"]
    pct = f"{100 * mass:g}%"
    # the legend's title names the interval and, for a covariate model, which curves these are
    which = f"; curves {post['covariates'].iloc[0]}" if "covariates" in post.columns else ""
    with font_sizes():
        fig, ax = new_axes(ax, "plot_survival")
        for g, group in enumerate(data.groups):
            colour = ARM_COLOURS[g % len(ARM_COLOURS)]
            p = post[post["group"] == group]
            k = km[km["group"] == group]
            ax.fill_between(p["time"], p["lower"], p["upper"], color=colour, alpha=0.18, lw=0)
            ax.plot(p["time"], p["median"], color=colour, lw=2.5)
            ax.step(k["time"], k["survival"], where="post", color=colour, lw=1.2,
                    ls=(0, (4, 2)) if g == 0 else "-", alpha=0.9)
        handles = []
        for g, group in enumerate(data.groups):
            colour = ARM_COLOURS[g % len(ARM_COLOURS)]
            handles.append(Line2D([], [], color=colour, lw=2.5,
                                  label=f"{group}: posterior median, {pct} band"))
            handles.append(Line2D([], [], color=colour, lw=1.2,
                                  ls=(0, (4, 2)) if g == 0 else "-",
                                  label=f"{group}: Kaplan-Meier"))
        ax.legend(handles=handles, loc="lower left", framealpha=0.9, ncol=len(data.groups),
                  title=f"bands: {interval_label(mass)} credible intervals{which}",
                  title_fontsize=10, alignment="left")
        ax.set_ylim(*(ylim or (0.0, 1.02)))
        ax.set_xlim(0, float(max(post["time"].max(), km["time"].max())))
        ax.set_xlabel(f"time since randomisation{unit_suffix(fit.time_unit)}")
        ax.set_ylabel(f"{outcome} probability")
        ax.set_title(title or f"{outcome[0].upper()}{outcome[1:]} by arm: {fit.model.label} "
                     "model vs Kaplan-Meier")
        ax.grid(axis="y", color="#e0e0e0", lw=0.8)
        add_caption(fig, caption)
    return fig
