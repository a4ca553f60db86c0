"""Posterior figures: the change-point posterior and prior vs posterior of the log HRs."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.inference.fit import Fit
from bayesurv.inference.intervals import interval_label
from bayesurv.plotting import plot_data as pdata
from bayesurv.plotting.style import (
    BLACK,
    DARK,
    DOUBLE_COLUMN,
    DPI,
    FIGSIZE,
    GREY,
    LIGHT,
    SMALL,
    add_caption,
    font_sizes,
    hr_scale,
    new_axes,
    unit_suffix,
    versus_label,
)

__all__ = ["plot_changepoint", "plot_prior_posterior"]


# ---------------------------------------------------------------------------- tau
def plot_changepoint(fit: Fit, mass: float = 0.95, ax=None, xlim=None, title: str | None = None,
                     caption: str | None = None) -> plt.Figure:
    """Posterior P(tau = t) as bars with the prior overlaid, mode and interval annotated.

    Bars inside the equal-tailed ``mass`` (95%) interval are dark, the others light; the
    prior is a dashed outline.  Every candidate time has a bar, but by default the x axis
    shows only the candidates where the posterior or the prior reaches 0.001 (the title gives
    the whole grid's range).

    Parameters
    ----------
    fit : Fit
        A ChangePoint fit.
    mass : float
        Mass of the annotated interval.
    xlim : (float, float), optional
        Range of the tau axis.
    ax, title, caption
        As in :func:`plot_forest`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_changepoint(fit)
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('change-point tau (months)', 'probability')
    >>> plt.close("all")
    """
    out = pdata.changepoint_data(fit, mass)
    bars, summary = out["bars"], out["summary"].iloc[0]
    unit = fit.time_unit
    tau = bars["tau"].to_numpy()
    width = 0.8 * (float(np.min(np.diff(tau))) if tau.size > 1 else 1.0)
    pct = interval_label(mass)
    with font_sizes():
        fig, ax = new_axes(ax, "plot_changepoint")
        inside = bars["in_interval"].to_numpy()
        ax.bar(tau[inside], bars["probability"][inside], width=width, color=DARK,
               label=f"posterior, inside the {pct} interval")
        ax.bar(tau[~inside], bars["probability"][~inside], width=width, color=LIGHT,
               edgecolor=DARK, lw=0.5, label="posterior, outside it")
        ax.step(tau, bars["prior"], where="mid", color=BLACK, ls="--", lw=1.5, label="prior")
        top = float(max(bars["probability"].max(), bars["prior"].max()))
        mode_p = float(bars.loc[bars["tau"] == summary["mode"], "probability"].iloc[0])
        ax.annotate(f"mode {summary['mode']:g}", (summary["mode"], mode_p),
                    xytext=(0, 4), textcoords="offset points", ha="center", va="bottom",
                    fontsize=SMALL)
        y_bracket = 1.16 * top
        ax.annotate("", xy=(summary["lower"] - width / 2, y_bracket),
                    xytext=(summary["upper"] + width / 2, y_bracket),
                    arrowprops={"arrowstyle": "|-|", "color": BLACK, "lw": 1.2,
                                "shrinkA": 0, "shrinkB": 0})
        ax.annotate(f"{pct} interval {summary['lower']:g}-{summary['upper']:g} {unit}",
                    ((summary["lower"] + summary["upper"]) / 2, y_bracket), xytext=(0, 8),
                    textcoords="offset points", ha="center", va="bottom", fontsize=SMALL)
        ax.set_ylim(0, 1.32 * top)
        if xlim is None:
            shown = tau[np.maximum(bars["probability"], bars["prior"]).to_numpy() >= 1e-3]
            shown = shown if shown.size else tau
            xlim = (shown.min() - width, shown.max() + width)
        ax.set_xlim(*xlim)
        ax.set_xlabel(f"change-point tau{unit_suffix(unit)}")
        ax.set_ylabel("probability")
        ax.set_title(title or f"Change-point posterior P(tau = t | data): {tau.size} candidate "
                              f"times, {tau.min():g}-{tau.max():g} {unit}")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="best", framealpha=0.9)
        add_caption(fig, caption)
    return fig




# ---------------------------------------------------------------------------- priors
def plot_prior_posterior(fit: Fit, bins: int = 20, ax=None, title: str | None = None,
                         caption: str | None = None) -> plt.Figure:
    """Prior vs posterior of the log HR, one panel per period, with an HR scale on top.

    Parameters
    ----------
    fit : Fit
        A fitted model.
    bins : int
        Histogram bins per panel.
    ax : sequence of matplotlib Axes, optional
        One Axes per panel (periods x treated groups); a new figure by default.
    title, caption
        As in :func:`plot_forest`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_prior_posterior(pw_fit)
    >>> [ax.get_title().splitlines()[0] for ax in fig.axes if ax.get_ylabel() == "density"]
    ['0-13 months', '13+ months']
    >>> plt.close("all")
    """
    out = pdata.prior_posterior_data(fit, bins=bins)
    hist, prior, summary = out["histogram"], out["prior"], out["summary"]
    treated, reference = pdata.treated_and_reference(fit)
    periods = list(dict.fromkeys(hist["period"]))
    panels = [(g, p) for g in treated for p in periods]
    with font_sizes():
        if ax is None:
            # a journal page's width; further treated groups add rows
            size = (DOUBLE_COLUMN, FIGSIZE[1] + 2.6 * (len(treated) - 1))
            fig, axes = plt.subplots(len(treated), len(periods), figsize=size, dpi=DPI,
                                     layout="constrained", sharex=True, squeeze=False)
            axes = list(axes.ravel())
        else:
            axes = [ax] if isinstance(ax, Axes) else list(ax) if isinstance(ax, Sequence) else []
            if len(axes) != len(panels) or not all(isinstance(a, Axes) for a in axes):
                raise BayesurvInputError(f"plot_prior_posterior: ax must be {len(panels)} "
                                         "matplotlib Axes (one per period and treated group)")
            fig = axes[0].figure
        n_draws = int(hist[(hist["group"] == treated[0])
                           & (hist["period"] == periods[0])]["count"].sum())
        for axis, (group, period) in zip(axes, panels, strict=True):
            h = hist[(hist["group"] == group) & (hist["period"] == period)]
            d = prior[(prior["group"] == group) & (prior["period"] == period)]
            s = summary[(summary["group"] == group) & (summary["period"] == period)].iloc[0]
            axis.bar(h["left"], h["density"], width=h["right"] - h["left"], align="edge",
                     color=DARK, alpha=0.6, lw=0, label=f"posterior ({n_draws} draws)")
            axis.plot(d["log_hr"], d["density"], color=BLACK, ls="--", lw=1.8,
                      label=f"prior {fit.priors.log_hr.describe()}")
            axis.axvline(0.0, color=GREY, lw=1)
            hr_scale(axis, d["log_hr"].to_numpy())
            axis.set_title(f"{_period_title(fit, period, group, len(treated) > 1)}\n"
                           f"HR {s['median']:.2f} (95% CrI {s['lower']:.2f}-{s['upper']:.2f})\n"
                           f"P(HR<1) {pdata.format_probability(s['p_benefit'])}", fontsize=8)
            if len(periods) <= 2:
                axis.set_xlabel(f"log hazard ratio ({versus_label(group, reference)})")
            axis.set_ylabel("density")
            # head room for the legend
            axis.set_ylim(0, 1.5 * max(h["density"].max(), d["density"].max()))
        # the legend goes to the side of the first panel away from its posterior median
        first = summary[(summary["group"] == treated[0]) & (summary["period"] == periods[0])]
        axes[0].legend(loc="upper left" if first["median"].iloc[0] > 1 else "upper right",
                       framealpha=0.9)
        if len(periods) > 2:
            fig.supxlabel(f"log hazard ratio ({versus_label(treated[0], reference)})"
                          if len(treated) == 1 else "log hazard ratio (treated vs reference)")
        fig.suptitle(title or "Prior and posterior of the treatment log hazard ratio")
        add_caption(fig, caption)
    return fig


def _period_title(fit: Fit, period: str, group: str, with_group: bool) -> str:
    if fit.has_changepoint:
        text = {"before": "before the change-point", "after": "after the change-point"}.get(
            period, period)
    else:
        text = f"{period} {fit.time_unit}"
    return f"{group}: {text}" if with_group else text
