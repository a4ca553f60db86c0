"""Figures of a fit: forest plot, HR over time, change-point posterior, survival, priors.

Each ``plot_*`` function draws the output of the matching ``*_data`` function of
:mod:`bayesurv.plotting.plot_data` (where the numbers are computed and tested) and returns the
matplotlib Figure; pass ``ax=`` to draw into existing axes.  :func:`save_figures` writes
every applicable figure of a fit as PNG.  Hazard ratios are treated vs reference and drawn
on a log axis with a reference line at HR = 1.  Colours differ in lightness as well as hue
and are paired with distinct markers or line styles, so the figures also read in grayscale.

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

import os
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.fit import Fit
from bayesurv.plotting import plot_data as pdata
from bayesurv.plotting.style import (
    ARM_COLOURS,
    BLACK,
    DARK,
    DPI,
    ESTIMATOR_LABELS,
    ESTIMATOR_STYLE,
    FIGSIZE,
    GREY,
    LIGHT,
    ORANGE,
    add_caption,
    font_sizes,
    hr_axis,
    hr_scale,
    new_axes,
    unit_suffix,
    versus_label,
)

__all__ = [
    "plot_changepoint",
    "plot_forest",
    "plot_hazard_ratio_curve",
    "plot_prior_posterior",
    "plot_survival",
    "save_figures",
]

FILE_NAMES = {
    "forest": "forest.png",
    "hazard_ratio_over_time": "hazard_ratio_over_time.png",
    "changepoint_posterior": "changepoint_posterior.png",
    "survival": "survival.png",
    "prior_posterior": "prior_posterior.png",
}


# ---------------------------------------------------------------------------- forest
def plot_forest(compare_table: pd.DataFrame, time_unit: str | None = None,
                reference: str | None = None, ax=None, title: str | None = None,
                caption: str | None = None) -> plt.Figure:
    """Forest plot: Bayesian vs landmark Cox vs published HR in each window.

    Parameters
    ----------
    compare_table : pandas.DataFrame
        Output of :func:`bayesurv.compare`.
    time_unit : str, optional
        Time unit for the window labels (e.g. ``fit.time_unit``).
    reference : str, optional
        Reference group name, for the axis label ("UC-MSC vs control").
    ax : matplotlib Axes, optional
        Axes to draw into; a new 8 x 5 in figure by default.
    title, caption : str, optional
        Title (a default is written) and a note under the figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import bayesurv as bs
    >>> from bayesurv.plotting.figures import plot_forest
    >>> data = bs.SurvivalData.from_frame(bs.datasets.shi2021("death"), reference="control")
    >>> fit = bs.PiecewiseExponential(cuts=[13]).fit(data, draws=200, tune=200, chains=2,
    ...                                              random_seed=1, progressbar=False)
    >>> fig = plot_forest(bs.compare(fit, data), fit.time_unit, data.reference)
    >>> fig.axes[0].get_xscale()
    'log'
    """
    out = pdata.forest_data(compare_table, time_unit)
    rows, windows = out["rows"], out["windows"]
    with font_sizes():
        fig, ax = new_axes(ax, "plot_forest")
        for i, w in enumerate(windows.itertuples(index=False)):
            block = rows[(rows["window"] == w.window) & (rows["group"] == w.group)]
            if i % 2 == 0:
                ax.axhspan(w.y - 0.6, block["y"].max() + 0.6, color="#f2f2f2", zorder=0)
            ax.text(0.01, w.y, w.label, transform=ax.get_yaxis_transform(), ha="left",
                    va="center", fontsize=11, fontweight="bold")
        for estimator, style in ESTIMATOR_STYLE.items():
            sub = rows[(rows["estimator"] == estimator) & np.isfinite(rows["hr"])]
            if sub.empty:
                continue
            ax.hlines(sub["y"], sub["lower"], sub["upper"], color=style["color"], lw=2,
                      linestyles=style["ls"], zorder=2)
            ax.plot(sub["hr"], sub["y"], ls="none", marker=style["marker"], ms=8,
                    color=style["color"], mfc=style["mfc"], mew=1.5, zorder=3,
                    label=estimator)
        ax.axvline(1.0, color=GREY, lw=1, zorder=1)
        hr_axis(ax, "x", np.r_[rows["lower"], rows["upper"]])
        ax.set_yticks(rows["y"], rows["estimator"].map(ESTIMATOR_LABELS))
        ax.set_ylim(rows["y"].max() + 0.8, -1.6)
        ax.tick_params(axis="y", length=0)
        right = ax.secondary_yaxis("right")
        header = "HR (95% interval)"
        width = max(int(rows["hr_text"].str.len().max()), len(header)) + 2
        right_labels = [f"{h:<{width}}{p}" for h, p in zip(rows["hr_text"], rows["p_text"],
                                                           strict=True)]
        right.set_yticks([-1.0, *rows["y"]],
                         [f"{header:<{width}}p or P(HR<1)", *right_labels],
                         fontfamily="monospace", fontsize=10)
        right.tick_params(length=0)
        treated = rows["group"].iloc[0] if rows["group"].nunique() == 1 else "treated"
        versus = versus_label(treated, reference)
        ax.set_xlabel(f"hazard ratio, {versus} (log scale; < 1 favours {treated})")
        ax.set_title(title or f"Hazard ratio by time window: {versus}")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        add_caption(fig, caption)
    return fig


# ---------------------------------------------------------------------------- HR(t)
def plot_hazard_ratio_curve(fit: Fit, times=None, landmarks=None, mass: float = 0.95, ax=None,
                            title: str | None = None,
                            caption: str | None = None) -> plt.Figure:
    """Posterior median and credible band of HR(t), with landmarks as dashed lines.

    A change-point fit is drawn as a smooth curve over ``times`` (tau averaged over its
    posterior); a fixed-cut fit as the step function of its period HRs.

    Parameters
    ----------
    fit : Fit
        A fitted model.
    times : sequence of float, optional
        Time grid; default 200 points from 0 to the longest follow-up.
    landmarks : float or sequence of float, optional
        Landmark times drawn as dashed vertical lines.
    mass : float
        Mass of the band (0.95).
    ax, title, caption
        As in :func:`plot_forest`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_hazard_ratio_curve(pw_fit, landmarks=[13])
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_yscale()
    ('time since randomisation (months)', 'log')
    >>> plt.close("all")
    """
    out = pdata.hazard_ratio_curve_data(fit, times, landmarks, mass)
    curve, steps = out["curve"], out["steps"]
    treated, reference = pdata.treated_and_reference(fit)
    pct = f"{100 * mass:g}%"
    with font_sizes():
        fig, ax = new_axes(ax, "plot_hazard_ratio_curve")
        for g, group in enumerate(treated):
            colour = (DARK, ORANGE, "#7570b3")[g % 3]
            prefix = f"{group}: " if len(treated) > 1 else ""
            if not fit.has_changepoint:
                sub = steps[steps["group"] == group]
                x = np.r_[sub["start"], sub["end"].iloc[-1]]
                lower, upper, median = (np.r_[sub[c], sub[c].iloc[-1]]
                                        for c in ("lower", "upper", "median"))
                ax.fill_between(x, lower, upper, step="post", color=colour, alpha=0.25, lw=0,
                                label=f"{prefix}{pct} credible interval")
                ax.step(x, median, where="post", color=colour, lw=2.5,
                        label=f"{prefix}posterior median")
            else:
                sub = curve[curve["group"] == group]
                ax.fill_between(sub["time"], sub["lower"], sub["upper"], color=colour,
                                alpha=0.25, lw=0, label=f"{prefix}{pct} credible band")
                ax.plot(sub["time"], sub["median"], color=colour, lw=2.5,
                        label=f"{prefix}posterior median")
        ax.axhline(1.0, color=GREY, lw=1, label="HR = 1 (no effect)")
        marks = out["landmarks"]["time"].to_numpy()
        for i, t in enumerate(marks):
            text = ", ".join(f"{m:g}" for m in marks)
            ax.axvline(t, color=BLACK, ls="--", lw=1.3,
                       label=(f"landmark{'s' if marks.size > 1 else ''} ({text} "
                              f"{fit.time_unit})") if i == 0 else None)
        hr_axis(ax, "y", np.r_[curve["lower"], curve["upper"], steps["lower"],
                                steps["upper"]])
        ax.set_xlim(float(curve["time"].min()), float(curve["time"].max()))
        ax.set_xlabel(f"time since randomisation{unit_suffix(fit.time_unit)}")
        versus = versus_label(treated[0] if len(treated) == 1 else "treated", reference)
        ax.set_ylabel(f"hazard ratio, {versus} (log scale)")
        model = (f"{fit.model.label} model, τ averaged over its posterior"
                 if fit.has_changepoint else f"{fit.model.label} model")
        ax.set_title(title or f"Hazard ratio over time ({model})")
        ax.legend(loc="best", framealpha=0.9)
        add_caption(fig, caption)
    return fig


# ---------------------------------------------------------------------------- tau
def plot_changepoint(fit: Fit, mass: float = 0.90, ax=None, xlim=None, title: str | None = None,
                     caption: str | None = None) -> plt.Figure:
    """Posterior P(tau = t) as bars with the prior overlaid, mode and interval annotated.

    Bars inside the central ``mass`` (90%) interval are dark, the others light; the prior is
    a dashed outline.  Every candidate time has a bar, but by default the x axis shows only
    the candidates where the posterior or the prior reaches 0.001 (the title gives the whole
    grid's range).

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
    pct = f"{100 * mass:g}%"
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
                    fontsize=10)
        y_bracket = 1.16 * top
        ax.annotate("", xy=(summary["lower"] - width / 2, y_bracket),
                    xytext=(summary["upper"] + width / 2, y_bracket),
                    arrowprops={"arrowstyle": "|-|", "color": BLACK, "lw": 1.2,
                                "shrinkA": 0, "shrinkB": 0})
        ax.annotate(f"{pct} interval {summary['lower']:g}-{summary['upper']:g} {unit}",
                    ((summary["lower"] + summary["upper"]) / 2, y_bracket), xytext=(0, 8),
                    textcoords="offset points", ha="center", va="bottom", fontsize=10)
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
    >>> plt.close("all")
    """
    out = pdata.survival_data(fit, data, times, mass)
    post, km = out["posterior"], out["kaplan_meier"]
    pct = f"{100 * mass:g}%"
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
        ax.legend(handles=handles, loc="lower left", framealpha=0.9, ncol=len(data.groups))
        ax.set_ylim(*(ylim or (0.0, 1.02)))
        ax.set_xlim(0, float(max(post["time"].max(), km["time"].max())))
        ax.set_xlabel(f"time since randomisation{unit_suffix(fit.time_unit)}")
        ax.set_ylabel(f"{outcome} probability")
        ax.set_title(title or f"{outcome[0].upper()}{outcome[1:]} by arm: {fit.model.label} "
                     "model vs Kaplan-Meier")
        ax.grid(axis="y", color="#e0e0e0", lw=0.8)
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
            # beyond two periods the figure widens, so each panel stays readable
            size = (max(FIGSIZE[0], 3.6 * len(periods)), FIGSIZE[1])
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
                           f"P(HR<1) {pdata.format_probability(s['p_benefit'])}", fontsize=11)
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


# ---------------------------------------------------------------------------- files
def save_figures(fit: Fit, data: SurvivalData, out_dir, compare_table: pd.DataFrame,
                 landmarks=None, caption: str | None = None,
                 outcome: str = "survival") -> dict[str, str]:
    """Write every applicable figure of a fit as PNG (100 dpi, tight bounding box).

    Parameters
    ----------
    fit : Fit
        A fitted model.
    data : SurvivalData
        The data of the fit.
    out_dir : str or path
        Folder for the files (created if missing).  Files: ``forest.png``,
        ``hazard_ratio_over_time.png``, ``changepoint_posterior.png`` (change-point fits
        only), ``survival.png``, ``prior_posterior.png``.
    compare_table : pandas.DataFrame
        The :func:`bayesurv.compare` table of ``fit`` and ``data`` for the forest plot.
    landmarks : sequence of float, optional
        Landmarks marked on the HR-over-time figure; default: the windows' starting times
        (after 0) of the compare table.
    caption : str, optional
        A note written under every figure (e.g. that the data are synthetic).
    outcome : str
        What the survival curves show (see :func:`plot_survival`).

    Returns
    -------
    dict
        Figure name -> path of the written file.

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
    ['forest', 'hazard_ratio_over_time', 'prior_posterior', 'survival']
    """
    pdata.check_fit(fit, "save_figures")
    pdata.check_data_of_fit(fit, data, "save_figures")
    if landmarks is None:
        starts = compare_table["start"].to_numpy(dtype=float)
        landmarks = sorted({float(s) for s in starts if s > 0})
    makers = {
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
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for name, make in makers.items():
        fig = make()
        try:
            path = os.path.join(os.fspath(out_dir), FILE_NAMES[name])
            fig.savefig(path, dpi=DPI, bbox_inches="tight")
            paths[name] = path
        finally:
            plt.close(fig)
    return paths
