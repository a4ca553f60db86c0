"""The change-point posterior under the fit's prior and under a uniform prior, side by side."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.inference.changepoint_prior import ChangepointPriorSensitivity
from bayesurv.plotting.style import BLACK, DARK, DPI, add_caption, font_sizes, unit_suffix

__all__ = ["plot_changepoint_prior"]

PANELS = (("fit", "prior", "posterior", "the fit's prior"),
          ("uniform", "uniform_prior", "uniform_posterior", "a uniform prior over the grid"))


def plot_changepoint_prior(sensitivity: ChangepointPriorSensitivity, time_unit: str = "",
                           title: str | None = None, caption: str | None = None) -> plt.Figure:
    """Prior (dashed step) and posterior (bars) of tau under the fit's prior and a uniform one.

    Each panel's title gives how far the data moved that prior (total variation, see
    :mod:`bayesurv.inference.changepoint_prior`); the figure's title says when the fit's
    posterior is mostly prior.

    Parameters
    ----------
    sensitivity : ChangepointPriorSensitivity
        From :func:`bayesurv.inference.changepoint_prior.changepoint_prior_sensitivity`.
    time_unit : str
        Unit of tau, for the axis label.
    title, caption : str, optional
        Figure title (default: the flag in words) and a note under the figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from bayesurv.inference.changepoint_prior import changepoint_prior_sensitivity
    >>> s = changepoint_prior_sensitivity(fit, data, draws=200, tune=200, chains=2,
    ...                                   random_seed=1, progressbar=False)
    >>> fig = plot_changepoint_prior(s, "months")
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['change-point tau (months)', 'change-point tau (months)']
    >>> plt.close("all")
    """
    if not isinstance(sensitivity, ChangepointPriorSensitivity):
        raise BayesurvInputError("plot_changepoint_prior: pass the result of "
                                 "changepoint_prior_sensitivity(fit, data)")
    table = sensitivity.table
    moved = sensitivity.summary.set_index("prior")["moved"]
    tau = table["tau"].to_numpy()
    width = 0.8 * (float(np.min(np.diff(tau))) if tau.size > 1 else 1.0)
    top = 1.1 * float(table[[p for _, a, b, _ in PANELS for p in (a, b)]].to_numpy().max())
    with font_sizes():
        fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.6), dpi=DPI, layout="constrained",
                                 sharey=True)
        for ax, (name, prior, posterior, words) in zip(axes, PANELS, strict=True):
            ax.bar(tau, table[posterior], width=width, color=DARK, label="posterior")
            ax.step(tau, table[prior], where="mid", color=BLACK, ls="--", lw=1.5,
                    label="prior")
            ax.set_title(f"under {words}\n(data moved it by {moved[name]:.2f})", fontsize=10)
            ax.set_xlabel(f"change-point tau{unit_suffix(time_unit)}")
            ax.set_ylim(0, top)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes[0].set_ylabel("probability")
        axes[0].legend(loc="best", framealpha=0.9)
        verdict = ("mostly prior: the data say little about tau" if sensitivity.mostly_prior
                   else "informed by the data")
        fig.suptitle(title or f"Change-point posterior: {verdict}", fontsize=12)
        add_caption(fig, caption)
    return fig
