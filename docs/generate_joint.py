"""The joint (illness-death) part of the documentation (``docs/illness_death.md``), run by
``generate.py`` once the report folder of ``models/shi2021_joint.toml`` is written: the
table and the numbers the page quotes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

WORDS = {"illness": "event-free -> HCC", "death": "event-free -> death",
         "death_after_illness": "HCC -> death"}


def _interval(row, digits: int = 2) -> str:
    return (f"{row['median']:.{digits}f} ({row['lower']:.{digits}f} to "
            f"{row['upper']:.{digits}f})")


def _arm(group: str) -> str:
    return "control" if group == "control" else "treated"


def joint_outputs(report: Path, md: Path) -> dict:
    """Write ``md/joint_hazard_ratios.md`` (the transition HRs beside cause-specific Cox) and
    return the numbers the page quotes, keys prefixed ``joint_``."""
    from bayesurv.base.formatting import format_hr, format_probability, markdown_table
    from bayesurv.plotting.plot_data import format_probability as format_relation

    def table(name: str) -> pd.DataFrame:
        return pd.read_csv(report / "tables" / f"{name}.csv")

    hr = table("transition_hazard_ratios")
    cox = table("cause_specific_cox").set_index("transition")
    rows = pd.DataFrame({
        "transition": [WORDS[k] for k in hr["transition"]], "period": hr["period"],
        "Bayesian HR (95% CrI)": [format_hr(r.median, r.lower, r.upper)
                                  for r in hr.itertuples()],
        "P(HR < 1)": [format_probability(p) for p in hr["p_benefit"]],
        "cause-specific Cox HR (95% CI)": [
            format_hr(*cox.loc[k, ["hr", "lower", "upper"]]) for k in hr["transition"]]})
    (md / "joint_hazard_ratios.md").write_text(markdown_table(rows) + "\n", encoding="utf-8")

    states, diff = table("milestones_state_probabilities"), table("state_differences")
    cif, diag = table("milestones_cumulative_incidence"), table("diagnostics")
    changepoints = table("changepoint_summary").set_index("transition")
    out = {}
    for row in states[(states["time"] == 24) & (states["state"] == "event-free")].to_dict(
            "records"):
        out[f"free24_{_arm(row['group'])}"] = _interval(row)
    free = diff[(diff["time"] == 24) & (diff["quantity"] == "event-free")].iloc[0]
    out["free24_diff"] = _interval(free)
    out["free24_p"] = format_relation(free["p_positive"])
    for row in cif[(cif["time"] == 24) & (cif["event"] == "illness")].to_dict("records"):
        out[f"cif24_{_arm(row['group'])}"] = _interval(row)
    for key in ("illness", "death"):
        cp = changepoints.loc[key]
        out[f"tau_{key}"] = f"{cp['mode']:g}"
        out[f"tau_{key}_interval"] = f"{cp['lower']:g} to {cp['upper']:g}"
    for row in table("restricted_mean_event_free").to_dict("records"):
        out[f"rmeft_{_arm(row['group'])}"] = _interval(row, 1)
    out["rhat"] = f"{diag['r_hat'].max():.3f}"
    out["ess"] = f"{diag['ess_bulk'].min():.0f}"
    return {f"joint_{k}": v for k, v in out.items()}
