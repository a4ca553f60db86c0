"""Exact Kaplan-Meier corners with a yearly risk table give the true Cox log HR.

Public two-arm data sets (lifelines) are drawn as their exact step corners, with the
numbers at risk every 365.25 days, reconstructed, and compared with the patients in
``bayesurv.frequentist.cox``.  The steps give each arm's events and numbers at risk; what
is left is where an arm's censorings fall relative to the other arm's events between two
of its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import datasets

from bayesurv.data.survival_data import SurvivalData
from bayesurv.digitized.exact_steps import implied_counts
from bayesurv.digitized.reconstruct import reconstruct_ipd
from bayesurv.digitized.simulate import km_step_corners
from bayesurv.frequentist import cox

YEAR = 365.25


def load(name: str) -> tuple[pd.DataFrame, str]:
    """Patient rows (time in days, event, group) and the reference group."""
    if name == "gbsg2":
        d = datasets.load_gbsg2()
        return pd.DataFrame({"time": d["time"], "event": d["cens"], "group": d["horTh"]}), "no"
    if name == "lung":
        d = datasets.load_lung()
        group = np.where(d["sex"] == 1, "male", "female")
        return pd.DataFrame({"time": d["time"], "event": d["status"], "group": group}), "male"
    d = datasets.load_kidney_transplant()
    group = np.where(d["black_male"] == 1, "black male", "other")
    return pd.DataFrame({"time": d["time"], "event": d["death"], "group": group}), "other"


def figure(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Exact step corners of each arm and its numbers at risk every year."""
    points, risk = [], []
    for name, arm in rows.groupby("group"):
        points.append(km_step_corners(arm["time"], arm["event"]).assign(group=name))
        at = np.arange(0.0, arm["time"].max(), YEAR)
        risk.append(pd.DataFrame({"group": name, "time": at,
                                  "n_at_risk": [int((arm["time"] >= u).sum()) for u in at]}))
    return pd.concat(points), pd.concat(risk)


def log_hr(rows: pd.DataFrame, reference: str) -> float:
    data = SurvivalData.from_frame(rows, time="time", event="event", group="group",
                                   reference=reference)
    return float(cox(data)["coef"].iloc[0])


@pytest.mark.parametrize("name", ["gbsg2", "lung", "kidney"])
def test_cox_log_hr_of_exact_corners_is_within_0_01(name):
    """Measured |d log HR|: 0.0045 (GBSG2), 0.0071 (lung), 0.0012 (kidney); with the
    censorings spread over whole intervals it was 0.0017, 0.0042 and 0.0005 here but 0.0215
    on the leukaemia data and 0.0104 on larynx (see the module docstring of exact_steps)."""
    rows, reference = load(name)
    points, risk = figure(rows)
    ipd = reconstruct_ipd(points, risk)
    assert abs(log_hr(ipd, reference) - log_hr(rows, reference)) < 0.01


def test_each_arm_has_its_true_events_and_numbers_at_risk():
    """Lung, yearly table: at every event time of an arm, the reconstruction has the true
    events and number at risk (the even spread over the first year lost an event at day
    107 and had 8 patients too few at risk by day 166)."""
    rows, _ = load("lung")
    points, risk = figure(rows)
    ipd = reconstruct_ipd(points, risk)
    for name, arm in rows.groupby("group"):
        rec = ipd[ipd["group"] == name]
        for u in np.unique(arm.loc[arm["event"] == 1, "time"]):
            truth = (int(((arm["time"] == u) & (arm["event"] == 1)).sum()),
                     int((arm["time"] >= u).sum()))
            got = (int(((rec["time"] == u) & (rec["event"] == 1)).sum()),
                   int((rec["time"] >= u).sum()))
            assert got == truth, (name, u)


def test_noisy_steps_are_not_read_as_exact():
    """One pixel (1/600) off a 1-in-100 step: the implied number at risk is no whole
    number, so the walk keeps the interval."""
    assert implied_counts(1 - 1 / 100, guess=100, most=120) == (1, 100)
    assert implied_counts(1 - 1 / 100 - 1 / 600, guess=100, most=120) is None
