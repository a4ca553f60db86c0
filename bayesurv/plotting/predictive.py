"""Posterior predictive check figure: bands of replicated Kaplan-Meier curves per arm with the
observed Kaplan-Meier on top."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.inference.predictive import PredictiveCheck
from bayesurv.plotting.style import ARM_COLOURS, add_caption, font_sizes, new_axes, unit_suffix

__all__ = ["plot_predictive_check"]


def plot_predictive_check(check: PredictiveCheck, ax=None, ylim: tuple[float, float] | None = None,
                          title: str | None = None, caption: str | None = None,
                          outcome: str = "survival") -> plt.Figure:
    """The band of the Kaplan-Meier curves of trials replicated from the posterior, per arm,
    with the data's Kaplan-Meier on top; the legend gives the coverage of each arm.

    Each arm is drawn up to its last follow-up time.

    Parameters
    ----------
    check : PredictiveCheck
        From :meth:`bayesurv.Fit.predictive_check`.
    ylim : (float, float), optional
        Survival axis limits; default from 0 to 1.
    ax, title, caption
        As in :func:`bayesurv.plotting.figures.plot_forest`.
    outcome : str
        What the curves show, for the labels (see :func:`bayesurv.plotting.figures.plot_survival`).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plot_predictive_check(pw_fit.predictive_check(draws=50))
    >>> fig.axes[0].get_xlabel()
    'time since randomisation (months)'
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:2]
    ['control: 95% band of 50 replicated trials', 'control: observed (inside at 100% of times)']
    >>> plt.close("all")
    """
    if not isinstance(check, PredictiveCheck):
        raise BayesurvInputError(f"plot_predictive_check: check must be a PredictiveCheck "
                                 f"(from Fit.predictive_check), got {type(check).__name__}")
    table, coverage = check.table, check.coverage.set_index("group")["coverage"]
    handles = []
    with font_sizes():
        fig, ax = new_axes(ax, "plot_predictive_check")
        for g, group in enumerate(coverage.index):
            colour = ARM_COLOURS[g % len(ARM_COLOURS)]
            rows = table[(table["group"] == group) & (table["in_followup"] | (table["time"] == 0))]
            ax.fill_between(rows["time"], rows["lower"], rows["upper"], step="post",
                            color=colour, alpha=0.2, lw=0)
            ax.step(rows["time"], rows["observed"], where="post", color=colour, lw=1.8,
                    ls=(0, (4, 2)) if g == 0 else "-")
            handles.append(Patch(color=colour, alpha=0.2,
                                 label=f"{group}: {check.mass:.0%} band of {check.draws} "
                                       "replicated trials"))
            handles.append(Line2D([], [], color=colour, lw=1.8, ls=(0, (4, 2)) if g == 0 else "-",
                                  label=f"{group}: observed (inside at {coverage[group]:.0%} "
                                        "of times)"))
        ax.legend(handles=handles, loc="lower left", framealpha=0.9)
        ax.set_ylim(*(ylim or (0.0, 1.02)))
        followed = table.loc[table["in_followup"], "time"]
        ax.set_xlim(0, float((followed if followed.size else table["time"]).max()) or 1.0)
        ax.set_xlabel(f"time since randomisation{unit_suffix(check.time_unit)}")
        ax.set_ylabel(f"{outcome} probability")
        ax.set_title(title or "Posterior predictive check: observed vs replicated Kaplan-Meier")
        ax.grid(axis="y", color="#e0e0e0", lw=0.8)
        add_caption(fig, caption)
    return fig
