"""Power (or assurance) against the trial size: the figure of a power-curve table.

The table is :func:`bayesurv.design.power_curve`'s (plotting does not import the design
layer; the figure reads the table's columns and ``attrs``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.plotting.style import (
    ARM_COLOURS,
    GREY,
    add_caption,
    font_sizes,
    new_axes,
    unit_suffix,
)

__all__ = ["plot_power_curve"]

MARKERS = ("o", "s", "D", "^", "v", "P")
X_LABELS = {"n": "patients randomized (n)", "events": "events at the analysis",
            "follow_up": "follow-up after the last entry"}


def plot_power_curve(table: pd.DataFrame, x: str = "n", target: float | None = None,
                     ax=None, title: str | None = None, caption: str | None = None):
    """Power (assurance) of each test against ``x``, with 95% Monte Carlo error bars.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`bayesurv.design.power_curve`.
    x : {"n", "events", "follow_up"}
        The column on the horizontal axis; the other design columns, if they vary, give one
        line each.
    target : float, optional
        Draw the target power as a horizontal line.
    ax : matplotlib Axes, optional
    title : str, optional
    caption : str, optional
        A provenance line under the figure (e.g. that the posterior comes from synthetic
        data).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import bayesurv as bs
    >>> sc = bs.design.Scenario(control_hazard=[0.05], hazard_ratio=0.6)
    >>> curve = bs.design.power_curve(sc, n=[60, 120], accrual=12, follow_up=12, trials=50,
    ...                               random_seed=1)
    >>> fig = bs.plots.plot_power_curve(curve, target=0.8)
    >>> fig.axes[0].get_ylabel(), fig.axes[0].get_xlabel()
    ('power', 'patients randomized (n)')
    """
    if not isinstance(table, pd.DataFrame) or x not in X_LABELS or x not in table:
        raise BayesurvInputError(f"plot_power_curve: needs a power_curve table and x in "
                                 f"{list(X_LABELS)}, got x={x!r}")
    measure = table.attrs.get("measure", "assurance" if "assurance" in table else "power")
    unit = table.attrs.get("time_unit", "time units")
    others = [c for c in X_LABELS if c != x and c in table and table[c].nunique() > 1]
    with font_sizes():
        fig, ax = new_axes(ax, "plot_power_curve")
        for k, (test, rows) in enumerate(table.groupby("test", sort=False)):
            groups = rows.groupby(others, sort=True) if others else [((), rows)]
            for j, (key, line) in enumerate(groups):
                line = line.sort_values(x)
                keys = key if isinstance(key, tuple) else (key,)
                extra = ", ".join(f"{c} {v:g}" for c, v in zip(others, keys, strict=True))
                ax.errorbar(line[x], line[measure], yerr=1.96 * line["mc_se"],
                            color=ARM_COLOURS[k % len(ARM_COLOURS)],
                            marker=MARKERS[k % len(MARKERS)], ms=4, capsize=2, lw=1.2,
                            ls=("-", "--", ":", "-.")[j % 4],
                            label=test + (f" ({extra})" if extra else ""))
        if target is not None:
            ax.axhline(target, color=GREY, lw=0.8, ls="--")
        ax.set_ylim(0, 1.02)
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.set_xlabel(X_LABELS[x] + (unit_suffix(unit) if x == "follow_up" else ""))
        ax.set_ylabel(measure)
        ax.legend(frameon=False, loc="lower right")
        ax.set_title(title or f"{measure.capitalize()} by {X_LABELS[x].split(' (')[0]} "
                              f"({table.attrs.get('trials', '?')} simulated trials per design; "
                              "bars: 95% Monte Carlo intervals)")
        add_caption(fig, caption)
    return fig
