"""Digitized rendition of the SYNTHETIC Shi et al. (2021) cohort (curves + risk table).

**Synthetic data calibrated to published summaries, not the trial's.**  The trial's
Kaplan-Meier figures are not public; these files show the *synthetic* cohort of
:func:`bayesurv.datasets.shi2021` the way a paper would: for each arm, the Kaplan-Meier
step corners as a plot digitizer would capture them from a 1000 x 600 pixel figure (x axis
0-90 months, y axis 0-1), with 1-pixel Gaussian noise on every point and 10% of the points
missed, plus the numbers at risk every 12 months.

Files (in ``bayesurv/datasets/data/``, each with a ``#`` header saying the above):

- ``shi2021_<endpoint>_digitized_curves.csv``: ``group, time, survival`` (months, fraction);
- ``shi2021_<endpoint>_risk_table.csv``: ``group, time, n_at_risk``.

They are written by ``python -m bayesurv.datasets.generate_shi2021_digitized`` (fixed seed; the
output is the same on every run), which also prints how well the reconstruction from them
recovers the cohort.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from bayesurv.datasets.shi2021 import ENDPOINTS, digitized_file_names, load_digitized, shi2021
from bayesurv.digitized.simulate import km_step_corners, simulate_digitization

__all__ = ["digitize_cohort", "write_files"]

ARMS = ("control", "UC-MSC")
SEED = 20211201  # Hepatol Int 2021;15(6), published December 2021
CANVAS = (1000, 600)
X_MAX = 90.0  # months, the figure's x axis
NOISE_PX = 1.0
DROP_FRACTION = 0.10
RISK_EVERY = 12.0  # months
HEADER = (
    "# SYNTHETIC data calibrated to published summaries, not the trial's: Kaplan-Meier {what}"
    " of the synthetic cohort bayesurv.datasets.shi2021('{endpoint}') (Shi et al. 2021,"
    " doi:10.1007/s12072-021-10199-2, as a paper would show it).\n"
    "# Written by python -m bayesurv.datasets.generate_shi2021_digitized (seed {seed}).\n"
)


def digitize_cohort(cohort: pd.DataFrame, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulated digitizer points and the 12-monthly risk table of one endpoint's cohort."""
    points, risk = [], []
    for arm in ARMS:
        sub = cohort[cohort["arm"] == arm]
        corners = km_step_corners(sub["time"], sub["event"])
        pts = simulate_digitization(corners, canvas=CANVAS, noise_px=NOISE_PX,
                                    drop_fraction=DROP_FRACTION, x_max=X_MAX, rng=rng)
        points.append(pts.assign(group=arm)[["group", "time", "survival"]])
        for u in np.arange(0.0, X_MAX, RISK_EVERY):
            n = int(np.sum(sub["time"].to_numpy() >= u))
            if u > sub["time"].max() and n == 0 and risk and risk[-1]["n_at_risk"] == 0:
                break
            risk.append({"group": arm, "time": float(u), "n_at_risk": n})
    curves = pd.concat(points, ignore_index=True).round({"time": 3, "survival": 4})
    return curves, pd.DataFrame(risk)


def write_files(directory: Path) -> list[Path]:
    """Write the curve and risk-table files of both endpoints into ``directory``."""
    written = []
    for k, endpoint in enumerate(ENDPOINTS):
        cohort = shi2021(endpoint)
        curves, risk = digitize_cohort(cohort, np.random.default_rng([SEED, k]))
        for name, frame, what in zip(digitized_file_names(endpoint), (curves, risk),
                                     ("points as a digitizer would capture them",
                                      "numbers at risk every 12 months"), strict=True):
            path = Path(directory) / name
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(HEADER.format(what=what, endpoint=endpoint, seed=SEED))
                frame.to_csv(handle, index=False, lineterminator="\n")
            written.append(path)
    return written


def _report() -> str:
    """How well the shipped files reconstruct the synthetic cohort (printed by ``main``)."""
    from lifelines import CoxPHFitter

    from bayesurv.digitized.reconstruct import reconstruct_ipd

    def log_hr(df, group):
        x = pd.DataFrame({"t": df["time"], "e": df["event"],
                          "msc": (df[group] == "UC-MSC").astype(float)})
        return float(CoxPHFitter().fit(x, "t", "e").params_["msc"])

    lines = []
    for endpoint in ENDPOINTS:
        cohort = shi2021(endpoint)
        curve, risk = load_digitized(endpoint)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ipd = reconstruct_ipd(curve, risk)
        events = ipd.groupby("group")["event"].sum().to_dict()
        true_events = cohort.groupby("arm")["event"].sum().to_dict()
        lines.append(
            f"{endpoint}: events control {events['control']} (cohort "
            f"{true_events['control']}), UC-MSC {events['UC-MSC']} (cohort "
            f"{true_events['UC-MSC']}); log HR UC-MSC vs control {log_hr(ipd, 'group'):.3f} "
            f"(cohort {log_hr(cohort, 'arm'):.3f})")
    return "\n".join(lines)


def main() -> int:
    directory = Path(__file__).resolve().parent / "data"
    for path in write_files(directory):
        print(f"wrote {path.name}")
    print(_report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
