"""Figures of an illness-death fit: stacked state probabilities per arm, and the cumulative
incidences of illness and of death without illness over the frequentist estimate.

The functions draw tables, not fits: :meth:`bayesurv.IllnessDeathFit.state_probabilities`
and :meth:`~bayesurv.IllnessDeathFit.cumulative_incidence` (columns ``time, group,
state|event, median, mean, lower, upper``) and, for the overlay, an Aalen-Johansen table
(``time, group, event, estimate`` and optionally ``lower, upper``), so that what is drawn
is computed (and tested) apart from the drawing, as in :mod:`bayesurv.plotting.plot_data`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bayesurv.base.exceptions import BayesurvInputError
from bayesurv.plotting.style import (
    ARM_COLOURS,
    DOUBLE_COLUMN,
    DPI,
    GREY,
    LIGHT,
    ORANGE,
    add_caption,
    font_sizes,
    unit_suffix,
)

__all__ = ["plot_cumulative_incidence", "plot_state_probabilities", "state_stack_data"]

STATES = ("event-free", "illness", "death")
EVENTS = ("illness", "death")
# light, middle and dark (grey levels about 194, 115 and 77): the stack reads in grayscale
STATE_COLOURS = {"event-free": LIGHT, "illness": ORANGE, "death": "#4d4d4d"}
POSTERIOR_COLUMNS = ("time", "group", "median", "mean", "lower", "upper")


def _check_table(table, what: str, column: str, values, columns=POSTERIOR_COLUMNS
                 ) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise BayesurvInputError(f"{what}: the table must be a pandas DataFrame, got "
                                 f"{type(table).__name__}")
    missing = [c for c in (*columns, column) if c not in table.columns]
    if missing:
        raise BayesurvInputError(f"{what}: the table lacks the column(s) {missing}")
    unknown = sorted(set(map(str, table[column])) - set(values))
    if unknown:
        raise BayesurvInputError(f"{what}: column {column!r} has {unknown}; expected "
                                 f"{list(values)}")
    return table


def _groups(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(map(str, table["group"])))


def state_stack_data(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The stacked areas of :func:`plot_state_probabilities`, per group.

    The areas stack the posterior *means* (they add up to 1 at every time, since every
    draw's probabilities do; medians need not).  The two boundaries carry bands: the
    event-free / illness boundary is P(event-free), with its interval; the illness / death
    boundary is 1 - P(death), with the interval of P(death) turned over.

    Parameters
    ----------
    table : pandas.DataFrame
        :meth:`~bayesurv.IllnessDeathFit.state_probabilities` (``time, group, state, median,
        mean, lower, upper``).

    Returns
    -------
    dict
        Group -> DataFrame with columns ``time``, ``event_free`` (top of the event-free
        area), ``alive`` (top of the illness area), ``event_free_lower``,
        ``event_free_upper``, ``alive_lower``, ``alive_upper``.

    Examples
    --------
    >>> table = pd.DataFrame({"time": [0.0, 0.0, 0.0, 12.0, 12.0, 12.0], "group": "a",
    ...                       "state": ["event-free", "illness", "death"] * 2,
    ...                       "median": [1, 0, 0, 0.7, 0.1, 0.2],
    ...                       "mean": [1, 0, 0, 0.7, 0.1, 0.2],
    ...                       "lower": [1, 0, 0, 0.6, 0.05, 0.1],
    ...                       "upper": [1, 0, 0, 0.8, 0.2, 0.3]})
    >>> state_stack_data(table)["a"].round(3).iloc[1].tolist()
    [12.0, 0.7, 0.8, 0.6, 0.8, 0.7, 0.9]
    """
    table = _check_table(table, "state_stack_data", "state", STATES)
    out = {}
    for group in _groups(table):
        rows = table[table["group"].astype(str) == group]
        wide = {state: rows[rows["state"] == state].set_index("time").sort_index()
                for state in STATES}
        free, dead = wide["event-free"], wide["death"]
        if not (free.index.equals(wide["illness"].index) and free.index.equals(dead.index)):
            raise BayesurvInputError(f"state_stack_data: group {group!r} lacks a state at "
                                     "some time; every time needs all three states")
        out[group] = pd.DataFrame({
            "time": free.index.to_numpy(dtype=float),
            "event_free": free["mean"].to_numpy(),
            "alive": free["mean"].to_numpy() + wide["illness"]["mean"].to_numpy(),
            "event_free_lower": free["lower"].to_numpy(),
            "event_free_upper": free["upper"].to_numpy(),
            "alive_lower": 1.0 - dead["upper"].to_numpy(),
            "alive_upper": 1.0 - dead["lower"].to_numpy()})
    return out


def plot_state_probabilities(table: pd.DataFrame, time_unit: str | None = None,
                             illness: str = "illness", mass: float = 0.95,
                             title: str | None = None, caption: str | None = None
                             ) -> plt.Figure:
    """Stacked probabilities of being event-free, alive with the illness, or dead, one panel
    per arm, with the credible bands of the two boundaries.

    Parameters
    ----------
    table : pandas.DataFrame
        :meth:`~bayesurv.IllnessDeathFit.state_probabilities` on a grid of times.
    time_unit : str, optional
        Unit of the times, for the axis label.
    illness : str
        What the illness is called in the labels (e.g. ``"HCC"``).
    mass : float
        Mass of the table's intervals, for the legend.
    title, caption : str, optional
        A title over the panels and a note under the figure (e.g. that the data are
        synthetic).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import bayesurv as bs
    >>> from bayesurv.inference.illness_death_fit import _cohort
    >>> idfit = bs.IllnessDeath().fit(_cohort(), draws=200, tune=200, chains=2,
    ...                               random_seed=1, progressbar=False)
    >>> p = idfit.state_probabilities(np.linspace(0, 36, 37))
    >>> fig = plot_state_probabilities(p, "months", illness="HCC")
    >>> [ax.get_title() for ax in fig.axes], fig.axes[0].get_xlabel()
    (['control', 'treated'], 'time since randomisation (months)')
    >>> plt.close("all")
    """
    stacks = state_stack_data(table)
    labels = {"event-free": f"alive without {illness}", "illness": f"alive with {illness}",
              "death": "dead"}
    with font_sizes():
        fig, axes = plt.subplots(1, len(stacks), figsize=(DOUBLE_COLUMN, 3.4), dpi=DPI,
                                 layout="constrained", sharey=True, squeeze=False)
        for ax, (group, s) in zip(axes[0], stacks.items(), strict=True):
            t = s["time"]
            ax.fill_between(t, 0, s["event_free"], color=STATE_COLOURS["event-free"], lw=0)
            ax.fill_between(t, s["event_free"], s["alive"], color=STATE_COLOURS["illness"],
                            lw=0)
            ax.fill_between(t, s["alive"], 1, color=STATE_COLOURS["death"], lw=0)
            for edge in ("event_free", "alive"):
                ax.fill_between(t, s[f"{edge}_lower"], s[f"{edge}_upper"], color="black",
                                alpha=0.2, lw=0)
                ax.plot(t, s[edge], color="black", lw=0.8)
            ax.set_xlim(float(t.min()), float(t.max()))
            ax.set_ylim(0, 1)
            ax.set_title(group)
            ax.set_xlabel(f"time since randomisation{unit_suffix(time_unit)}")
        axes[0][0].set_ylabel("probability of each state")
        handles = [Patch(color=STATE_COLOURS[s], lw=0, label=labels[s]) for s in STATES]
        handles.append(Patch(color="black", alpha=0.2, lw=0,
                             label=f"{100 * mass:g}% credible band of each boundary"))
        axes[0][-1].legend(handles=handles, loc="lower left", framealpha=0.9)
        fig.suptitle(title or "State occupation probabilities per arm (posterior means)")
        add_caption(fig, caption)
    return fig


def plot_cumulative_incidence(table: pd.DataFrame, frequentist: pd.DataFrame | None = None,
                              time_unit: str | None = None, illness: str = "illness",
                              mass: float = 0.95, title: str | None = None,
                              caption: str | None = None) -> plt.Figure:
    """Cumulative incidence of the illness and of death without illness per arm: posterior
    median and band, over the Aalen-Johansen estimate when it is given.

    Parameters
    ----------
    table : pandas.DataFrame
        :meth:`~bayesurv.IllnessDeathFit.cumulative_incidence` on a grid of times.
    frequentist : pandas.DataFrame, optional
        The nonparametric estimate to draw as steps: columns ``time, group, event``
        (``"illness"`` or ``"death"``) and ``estimate`` (as
        ``bayesurv.frequentist.aalen_johansen`` returns).
    time_unit, illness, mass, title, caption
        As in :func:`plot_state_probabilities`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import bayesurv as bs
    >>> from bayesurv.inference.illness_death_fit import _cohort
    >>> idfit = bs.IllnessDeath().fit(_cohort(), draws=200, tune=200, chains=2,
    ...                               random_seed=1, progressbar=False)
    >>> cif = idfit.cumulative_incidence(np.linspace(0, 36, 37))
    >>> steps = pd.DataFrame({"time": [0.0, 10.0, 36.0] * 2, "group": "control",
    ...                       "event": ["illness"] * 3 + ["death"] * 3,
    ...                       "estimate": [0.0, 0.3, 0.6, 0.0, 0.1, 0.2]})
    >>> fig = plot_cumulative_incidence(cif, steps, "months", illness="HCC")
    >>> [ax.get_title() for ax in fig.axes], fig.axes[0].get_ylabel()
    (['HCC', 'death without HCC'], 'cumulative incidence')
    >>> plt.close("all")
    """
    table = _check_table(table, "plot_cumulative_incidence", "event", EVENTS)
    if frequentist is not None:
        frequentist = _check_table(frequentist, "plot_cumulative_incidence (frequentist)",
                                   "event", EVENTS, columns=("time", "group", "estimate"))
    groups = _groups(table)
    colours = dict(zip(groups, (ARM_COLOURS[k % len(ARM_COLOURS)] for k in
                                range(len(groups))), strict=True))
    names = {"illness": illness, "death": f"death without {illness}"}
    with font_sizes():
        fig, axes = plt.subplots(1, 2, figsize=(DOUBLE_COLUMN, 3.2), dpi=DPI,
                                 layout="constrained", sharey=True)
        top = 0.0
        for ax, event in zip(axes, EVENTS, strict=True):
            for group in groups:
                p = table[(table["event"] == event) & (table["group"].astype(str) == group)]
                p = p.sort_values("time")
                ax.fill_between(p["time"], p["lower"], p["upper"], color=colours[group],
                                alpha=0.18, lw=0)
                ax.plot(p["time"], p["median"], color=colours[group], lw=2.0)
                top = max(top, float(p["upper"].max()))
                if frequentist is not None:
                    f = frequentist[(frequentist["event"] == event)
                                    & (frequentist["group"].astype(str) == group)]
                    f = f.sort_values("time")
                    ax.step(f["time"], f["estimate"], where="post", color=colours[group],
                            lw=0.9, ls="--")
                    if f["estimate"].notna().any():
                        top = max(top, float(f["estimate"].max()))
            ax.set_title(names[event])
            ax.set_xlabel(f"time since randomisation{unit_suffix(time_unit)}")
            ax.set_xlim(0, float(table["time"].max()))
            ax.grid(axis="y", color="#e0e0e0", lw=0.8)
        axes[0].set_ylim(0, min(1.0, 1.1 * top) if top > 0 else 1.0)
        axes[0].set_ylabel("cumulative incidence")
        handles = [Line2D([], [], color=colours[g], lw=2.0, label=g) for g in groups]
        handles.append((Patch(color=GREY, alpha=0.3, lw=0), Line2D([], [], color=GREY, lw=2)))
        labels = [*groups, f"posterior median, {100 * mass:g}% band"]
        if frequentist is not None:
            handles.append(Line2D([], [], color=GREY, lw=0.9, ls="--"))
            labels.append("Aalen-Johansen")
        axes[0].legend(handles, labels, loc="upper left", framealpha=0.9)
        fig.suptitle(title or f"Cumulative incidence of {illness} and of death without "
                     f"{illness}")
        add_caption(fig, caption)
    return fig
