"""Cox models: :func:`cox` over the whole follow-up, :func:`landmark` in time windows.

Computed with lifelines from the same :class:`~bayesurv.SurvivalData` the Bayesian models
use, so the two answers can be put side by side; :func:`landmark` fits Cox models separately
in time windows split at landmarks.  Hazard ratios are treated vs
reference (HR < 1 = benefit); Cox models use Efron's method for ties and 95% Wald intervals,
as R's ``survival::coxph`` does by default.

Examples
--------
>>> import bayesurv as bs
>>> from bayesurv import frequentist
>>> from lifelines.datasets import load_rossi
>>> data = bs.SurvivalData.from_frame(load_rossi(), time="week", event="arrest",
...                                   group="fin", reference=0, time_unit="weeks")
>>> lm = frequentist.landmark(data, at=20)
>>> lm[["window", "hr", "lower", "upper"]].round(3).to_numpy().tolist()
[['0-20', 0.891, 0.479, 1.657], ['20+', 0.601, 0.377, 0.959]]
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayesurv.base.exceptions import DataError, DataWarning, ModelError
from bayesurv.base.vocabulary import landmark_windows, window_label
from bayesurv.data.survival_data import SurvivalData
from bayesurv.frequentist.survival import _check_data, _numbers

__all__ = ["cox", "landmark"]

# lifelines' default stopping rule (Newton decrement < 1e-7) can stop its damped Newton steps
# with coefficients ~1e-4 relative short of the maximum; R's coxph lands within ~1e-9.  These
# thresholds cost a few more iterations.
FIT_OPTIONS = {"precision": 1e-14, "r_precision": 1e-14}
COX_COLUMNS = ["term", "coef", "se", "hr", "lower", "upper", "p", "events", "n",
               "events_treated", "n_treated", "events_reference", "n_reference"]


def cox(data: SurvivalData, covariates: bool | str | Sequence[str] | None = None,
        strata: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Cox proportional-hazards model of group (treated vs reference), optionally adjusted.

    Fitted with :class:`lifelines.CoxPHFitter` (Efron ties, 95% Wald intervals), which
    reproduces R's ``coxph(Surv(time, event) ~ group + covariates + strata(...))``; with
    delayed entry (``data.entry``), ``coxph(Surv(entry, time, event) ~ ...)``.

    Parameters
    ----------
    data : SurvivalData
    covariates : bool, str or sequence of str, optional
        Covariates to adjust for: ``True`` for all of ``data.covariate_names`` (except those
        in ``strata``), or names from it.  A categorical covariate can be named by its
        column (``"child_pugh"`` selects all its ``"child_pugh[...]"`` indicators).
    strata : str or sequence of str, optional
        Covariates to stratify on: each combination of their values gets its own baseline
        hazard.

    Returns
    -------
    pandas.DataFrame
        One row per non-reference group (``term`` = group name), then one per covariate.
        Columns ``term, coef, se, hr, lower, upper, p`` (``hr = exp(coef)``, Wald interval
        and p-value), ``events, n`` (events and patients in the model), and for group rows
        ``events_treated, n_treated, events_reference, n_reference`` (missing for
        covariate rows).

    Raises
    ------
    DataError
        An unknown covariate name, a covariate both adjusted for and stratified on, a group
        without patients or without events (its hazard ratio would be 0 or infinite), a
        constant covariate, or a model lifelines cannot fit.

    Warns
    -----
    DataWarning
        When lifelines reports convergence problems (e.g. near-separation).

    Examples
    --------
    >>> import bayesurv as bs
    >>> from bayesurv import frequentist
    >>> from lifelines.datasets import load_rossi
    >>> data = bs.SurvivalData.from_frame(load_rossi(), time="week", event="arrest",
    ...                                   group="fin", reference=0, time_unit="weeks")
    >>> round(float(frequentist.cox(data)["hr"].iloc[0]), 4)
    0.6914
    """
    cov_names, strata_names = _resolve_terms(data, covariates, strata, "cox")
    return _fit_cox(data, cov_names, strata_names, "cox")


def landmark(data: SurvivalData, at: float | Sequence[float],
             covariates: bool | str | Sequence[str] | None = None,
             strata: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Cox models fitted separately before and after one or more landmarks.

    With landmarks ``L1 < ... < Lk`` the windows are ``[0, L1], (L1, L2], ..., (Lk, inf)``.
    Window ``(a, b]`` uses the patients still at risk after ``a`` (time > a; all patients
    for the first window) with follow-up censored at ``b``: an event exactly at ``b``
    belongs to that window.  This is R's ``survSplit(..., cut = at)`` followed by one
    ``coxph(Surv(tstart, time, event) ~ group)`` per episode.  Time is not reset at ``a``;
    every patient of the window enters at ``a``, so the risk sets, hence the estimates, are
    the same as with time measured from ``a``.  Every event falls in exactly one window.

    Parameters
    ----------
    data : SurvivalData
    at : float or sequence of float
        Landmark time(s) in ``data.time_unit``: positive, increasing, unique, and before
        the last follow-up time.
    covariates, strata
        As in :func:`cox`, applied within every window.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`cox` (all terms of each window, windows in time order), plus
        ``window`` (e.g. ``"0-13"``, ``"13+"``), ``start``, ``end`` (``inf`` for the last),
        ``period`` (``"before"`` for the first window, ``"after"`` for the last and
        ``"between"`` for the others) and ``landmark`` (the landmark bounding the window:
        its end for the first window, its start otherwise).

    Raises
    ------
    ModelError
        If ``at`` is not positive, not increasing, repeated, or not inside the follow-up.
    DataError
        As in :func:`cox`; the message names the window whose model cannot be fitted.

    Examples
    --------
    >>> import bayesurv as bs
    >>> from bayesurv import frequentist
    >>> from lifelines.datasets import load_rossi
    >>> data = bs.SurvivalData.from_frame(load_rossi(), time="week", event="arrest",
    ...                                   group="fin", reference=0, time_unit="weeks")
    >>> lm = frequentist.landmark(data, at=20)
    >>> lm[["window", "period"]].to_numpy().tolist()
    [['0-20', 'before'], ['20+', 'after']]
    """
    _check_data(data, "landmark")
    cuts = _check_landmarks(data, at)
    cov_names, strata_names = _resolve_terms(data, covariates, strata, "landmark")
    windows = landmark_windows(cuts)
    frames = []
    for k, (start, end) in enumerate(windows):
        label = window_label(start, end)
        keep = np.ones(data.n, dtype=bool) if k == 0 else data.time > start
        window = data.subset(keep)
        window = window.replace(time=np.minimum(window.time, end),
                                event=window.event * (window.time <= end),
                                source=f"{data.source}, landmark window {label}")
        rows = _fit_cox(window, cov_names, strata_names, f"landmark window {label}")
        period = "before" if k == 0 else "after" if k == len(windows) - 1 else "between"
        rows = rows.assign(window=label, start=start, end=end, period=period,
                           landmark=end if k == 0 else start)
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------- internals



def _check_landmarks(data: SurvivalData, at) -> np.ndarray:
    cuts = _numbers(at, "at", "landmark", ModelError, positive=True)
    if np.unique(cuts).size < cuts.size:
        twice = cuts[np.flatnonzero(np.diff(np.sort(cuts)) == 0)[0]]
        raise ModelError(f"landmark: at lists {twice:g} more than once; landmarks must be "
                         "unique")
    down = np.flatnonzero(np.diff(cuts) < 0)
    if down.size:
        raise ModelError(f"landmark: at must be increasing, but {cuts[down[0] + 1]:g} comes "
                         f"after {cuts[down[0]]:g}")
    if cuts[-1] >= data.max_time:
        raise ModelError(f"landmark: at={cuts[-1]:g} is not inside the follow-up: the last "
                         f"follow-up time is {data.max_time:g} {data.time_unit}, so no patient "
                         "is at risk after it")
    return cuts


def _as_list(value, what: str, name: str) -> list[str]:
    if value is None or value is False:
        return []
    if isinstance(value, str):
        return [value]
    try:
        return [str(v) for v in value]
    except TypeError:
        raise DataError(f"{what}: {name} must be a covariate name or a list of them, "
                        f"got {value!r}") from None


def _expand(data: SurvivalData, names: list[str], what: str, arg: str) -> list[str]:
    """Map user names to covariate columns (a categorical name selects its indicators)."""
    out: list[str] = []
    for name in names:
        found = [name] if name in data.covariate_names else [
            c for c in data.covariate_names if c.startswith(f"{name}[")]
        if not found:
            available = ", ".join(data.covariate_names) or "none; pass covariates=[...] " \
                "to SurvivalData.from_frame"
            raise DataError(f"{what}: unknown covariate {name!r} in {arg}; the data's "
                            f"covariates are: {available}")
        out += [c for c in found if c not in out]
    return out


def _resolve_terms(data: SurvivalData, covariates, strata, what: str):
    _check_data(data, what, entry_ok=what == "cox")
    strata_names = _expand(data, _as_list(strata, what, "strata"), what, "strata")
    if covariates is True:
        cov_names = [c for c in data.covariate_names if c not in strata_names]
    else:
        cov_names = _expand(data, _as_list(covariates, what, "covariates"), what, "covariates")
    both = [c for c in cov_names if c in strata_names]
    if both:
        raise DataError(f"{what}: {both} cannot be both adjusted for (covariates) and "
                        "stratified on (strata)")
    return cov_names, strata_names


def _fit_cox(data: SurvivalData, cov_names: list[str], strata_names: list[str],
             what: str) -> pd.DataFrame:
    counts = []
    for g, name in enumerate(data.groups):
        t, e = data.time[data.group_index == g], data.event[data.group_index == g]
        if t.size == 0 or e.sum() == 0:
            found = "no patients" if t.size == 0 else f"{t.size} patients but no events"
            raise DataError(f"{what}: group {name!r} has {found}, so its Cox hazard ratio "
                            "is not estimable (it would be 0 or infinite)")
        counts.append((int(e.sum()), int(t.size)))

    # internal column names: group labels and covariate names may clash or contain spaces
    frame = pd.DataFrame({"_time": data.time, "_event": data.event.astype(int)})
    entry_col = None
    if data.has_entry:  # delayed entry: at risk only after it, as Surv(entry, time, event)
        frame["_entry"], entry_col = data.entry, "_entry"
    labels = {}
    for g in range(1, len(data.groups)):
        frame[f"_g{g}"] = (data.group_index == g).astype(float)
        labels[f"_g{g}"] = data.groups[g]
    col = {c: j for j, c in enumerate(data.covariate_names)}
    for i, name in enumerate(cov_names):
        values = data.covariates[:, col[name]]
        if np.ptp(values) == 0:
            raise DataError(f"{what}: covariate {name!r} takes the single value "
                            f"{values[0]:g} for every patient; it cannot be adjusted for")
        frame[f"_x{i}"] = values
        labels[f"_x{i}"] = name
    strata_cols = []
    for i, name in enumerate(strata_names):
        frame[f"_s{i}"] = data.covariates[:, col[name]]
        strata_cols.append(f"_s{i}")

    # lifelines is imported when first needed: it is slow to import, and fits need it not
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError
    from lifelines.exceptions import ConvergenceWarning as LifelinesConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fitter = CoxPHFitter().fit(frame, "_time", "_event", strata=strata_cols or None,
                                       entry_col=entry_col, fit_options=FIT_OPTIONS)
        except (ConvergenceError, np.linalg.LinAlgError) as err:
            raise DataError(f"{what}: the Cox model could not be fitted: "
                            f"{_plain(str(err), labels)}; check the terms {list(labels.values())} "
                            "for collinearity or for separation of the events") from None
    for w in caught:
        if issubclass(w.category, LifelinesConvergenceWarning):
            warnings.warn(DataWarning(f"{what}: lifelines reports a convergence problem, the "
                                      f"estimates may be unreliable: "
                                      f"{_plain(str(w.message), labels)}"), stacklevel=3)
        else:
            warnings.warn(w.message, w.category, stacklevel=3)

    s = fitter.summary
    n_events, n = int(data.n_events), int(data.n)
    out = pd.DataFrame({
        "term": [labels[c] for c in s.index],
        "coef": s["coef"].to_numpy(),
        "se": s["se(coef)"].to_numpy(),
        "hr": s["exp(coef)"].to_numpy(),
        "lower": s["exp(coef) lower 95%"].to_numpy(),
        "upper": s["exp(coef) upper 95%"].to_numpy(),
        "p": s["p"].to_numpy(),
        "events": n_events,
        "n": n,
    })
    for key, pick in (("events_treated", lambda g: counts[g][0]),
                      ("n_treated", lambda g: counts[g][1]),
                      ("events_reference", lambda g: counts[0][0]),
                      ("n_reference", lambda g: counts[0][1])):
        out[key] = pd.array([pick(int(c[2:])) if c.startswith("_g") else pd.NA
                             for c in s.index], dtype="Int64")
    return out[COX_COLUMNS]


def _plain(message: str, labels: dict[str, str]) -> str:
    """A lifelines message with the user's names and without its pointers to lifelines docs."""
    for stop in ("Please see", "For example", "See https", "\n"):
        message = message.split(stop)[0]
    for internal in sorted(labels, key=len, reverse=True):
        message = message.replace(internal, repr(labels[internal]))
    return message.strip().rstrip(":.").strip()
