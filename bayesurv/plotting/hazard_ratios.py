"""Hazard-ratio figures: the forest plot of windows and the HR over time."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from bayesurv.inference.fit import Fit
from bayesurv.inference.intervals import interval_label
from bayesurv.plotting import plot_data as pdata
from bayesurv.plotting.style import (
    BLACK,
    DARK,
    ESTIMATOR_LABELS,
    ESTIMATOR_STYLE,
    GREY,
    ORANGE,
    SMALL,
    add_caption,
    font_sizes,
    hr_axis,
    new_axes,
    unit_suffix,
    versus_label,
)

__all__ = ["plot_forest", "plot_hazard_ratio_curve"]


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
        Axes to draw into; a new figure (7 x 4.2 in, a journal page wide) by default.
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
                    va="center", fontsize=8, fontweight="bold")
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
        labels = dict(ESTIMATOR_LABELS)
        adjusted = (compare_table["freq_adjusted_for"].iloc[0]
                    if "freq_adjusted_for" in compare_table.columns else "")
        if adjusted:  # the Cox models were adjusted for the fit's covariates: say so
            labels["Landmark Cox"] = f"Landmark Cox, adjusted (95% CI)\nfor {adjusted}"
        ax.set_yticks(rows["y"], rows["estimator"].map(labels))
        ax.set_ylim(rows["y"].max() + 0.8, -1.6)
        ax.tick_params(axis="y", length=0)
        right = ax.secondary_yaxis("right")
        header = "HR (95% interval)"
        width = max(int(rows["hr_text"].str.len().max()), len(header)) + 2
        right_labels = [f"{h:<{width}}{p}" for h, p in zip(rows["hr_text"], rows["p_text"],
                                                           strict=True)]
        right.set_yticks([-1.0, *rows["y"]],
                         [f"{header:<{width}}p or P(HR<1)", *right_labels],
                         fontfamily="monospace", fontsize=SMALL)
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
    pct = interval_label(mass)
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
