"""``bayesurv design``: plan a trial from a spec's ``[design]`` table and write its report.

The report folder holds ``summary.md``, ``tables/power.csv`` (the power or assurance curve),
``tables/sample_size.csv`` (every design the search evaluated), for a posterior scenario
``tables/power_at_median.csv`` (power at the pointwise posterior median, beside the
assurance), and ``figures/*.png``.  Like ``bayesurv run``, the folder is built in a
temporary sibling and swapped in whole (:func:`bayesurv.runner.report.write_report`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bayesurv.base.formatting import escape_markdown, markdown_table
from bayesurv.design import SampleSize, Scenario, power_curve, sample_size
from bayesurv.runner.design_spec import DesignSpec
from bayesurv.runner.report import write_folder_whole

__all__ = ["DesignOutcome", "run_design", "write_design_report"]


@dataclass(frozen=True)
class DesignOutcome:
    """What :func:`run_design` computed."""

    plan: DesignSpec
    scenario: Scenario
    curve: pd.DataFrame
    point_curve: pd.DataFrame | None
    sample_size: SampleSize | None
    settings: dict
    timings: dict = field(default_factory=dict)


def run_design(plan: DesignSpec, trials: int | None = None, seed: int | None = None,
               draws: int | None = None, progress: bool = False,
               log: Callable[[str], None] = print) -> DesignOutcome:
    """Fit the spec's model if the scenario is its posterior, then the power curve and the
    sample size.

    ``trials``, ``seed`` and ``draws`` (posterior draws per chain of the fit) override the
    spec.

    Examples
    --------
    >>> plan = DesignSpec.from_dict({"design": {"control_hazard": [0.05],
    ...     "hazard_ratio": 0.6, "n": [60, 120], "accrual": 12, "follow_up": [12],
    ...     "trials": 40, "target": 0.8, "sample_size_range": [20, 400]}})
    >>> outcome = run_design(plan, log=lambda message: None)
    >>> outcome.curve["n"].tolist(), outcome.sample_size.search
    ([60, 120], 'n')
    """
    timings = {}
    arguments = plan.arguments()
    if trials is not None:
        arguments["trials"] = trials
    if seed is not None:
        arguments["random_seed"] = seed
    start = time.perf_counter()
    if plan.is_posterior:
        spec = plan.analysis
        data = spec.load_data()
        settings = spec.sampler_settings(draws=draws, seed=seed)
        log(f"{plan.name}: fitting {spec.build_model()!r} for the posterior scenario")
        fit = spec.build_model().fit(data, **settings, progressbar=progress)
        scenario = Scenario.from_fit(fit, draws=plan.design.get("posterior_draws"),
                                     random_seed=arguments["random_seed"])
        timings["fit_seconds"] = time.perf_counter() - start
    else:
        scenario = plan.scenario()
    start = time.perf_counter()
    log(f"{plan.name}: simulating {arguments['trials']} trials per design")
    curve = power_curve(scenario, **arguments, progress=progress)
    curve.attrs["time_unit"] = plan.time_unit()
    point = None
    if scenario.is_posterior:
        point = power_curve(scenario.point(), **arguments, progress=progress)
        point.attrs["time_unit"] = plan.time_unit()
    timings["curve_seconds"] = time.perf_counter() - start
    found = None
    if "sample_size_range" in plan.design or "target" in plan.design:
        start = time.perf_counter()
        found = _sample_size(plan, scenario, arguments)
        timings["sample_size_seconds"] = time.perf_counter() - start
    return DesignOutcome(plan=plan, scenario=scenario, curve=curve, point_curve=point,
                         sample_size=found, settings=arguments, timings=timings)


def _sample_size(plan: DesignSpec, scenario: Scenario, a: dict) -> SampleSize:
    """Search n at the first follow-up when the analysis is calendar-driven, else the
    events at the largest n."""
    d = plan.design
    test = d.get("sample_size_test", a["tests"][0])
    common = {"accrual": a["accrual"], "allocation": a["allocation"], "dropout": a["dropout"],
              "alpha": a["alpha"], "trials": a["trials"], "random_seed": a["random_seed"],
              "progress": False}  # many short runs: no progress lines
    target = float(d.get("target", 0.8))
    if a["follow_up"] is not None:
        low, high = d.get("sample_size_range", (min(a["n"]), 4 * max(a["n"])))
        return sample_size(scenario, target, test, n=(int(low), int(high)),
                           follow_up=a["follow_up"][0],
                           events=a["events"][0] if a["events"] else None, **common)
    n = max(a["n"])
    low, high = d.get("sample_size_range", (1, n))
    return sample_size(scenario, target, test, n=n, events=(int(low), min(int(high), n)),
                       **common)


def write_design_report(outcome: DesignOutcome, out_dir,
                        log: Callable[[str], None] = print) -> Path:
    """Write the report folder of :func:`run_design` under ``out_dir`` (swapped in whole)."""
    out = write_folder_whole(out_dir, lambda staging: _write_files(outcome, staging))
    log(f"{outcome.plan.name}: design report written to {out}")
    return out


def _caption(outcome: DesignOutcome) -> str | None:
    spec = outcome.plan.analysis
    if spec is None or not spec.is_synthetic:
        return None
    return ("Posterior of a synthetic cohort calibrated to the published summaries of Shi "
            "et al. (2021); not the trial's patients.")


def _write_files(outcome: DesignOutcome, out: Path) -> None:
    import matplotlib.pyplot as plt

    from bayesurv.plotting.power_curves import plot_power_curve
    from bayesurv.plotting.style import SAVE_DPI

    tables, figures = out / "tables", out / "figures"
    tables.mkdir(parents=True)
    figures.mkdir(parents=True)
    outcome.curve.to_csv(tables / "power.csv", index=False)
    curves = {"power_curve": outcome.curve}
    if outcome.point_curve is not None:
        outcome.point_curve.to_csv(tables / "power_at_median.csv", index=False)
        curves["power_at_median"] = outcome.point_curve
    if outcome.sample_size is not None:
        outcome.sample_size.evaluations.to_csv(tables / "sample_size.csv", index=False)
    x = "n" if outcome.curve["n"].nunique() > 1 else (
        "events" if outcome.curve["events"].nunique() > 1 else "follow_up")
    target = outcome.sample_size.target if outcome.sample_size else None
    for name, table in curves.items():
        title = ("Power at the pointwise posterior median" if name == "power_at_median"
                 else None)
        fig = plot_power_curve(table, x=x, target=target, title=title,
                               caption=_caption(outcome))
        fig.savefig(figures / f"{name}.png", dpi=SAVE_DPI)
        plt.close(fig)
    (out / "summary.md").write_text(summary(outcome, list(curves)), encoding="utf-8")


def summary(outcome: DesignOutcome, figures: list[str]) -> str:
    """The report's Markdown."""
    plan, a = outcome.plan, outcome.settings
    unit = plan.time_unit()
    measure = outcome.curve.attrs["measure"]
    lines = [f"# {escape_markdown(plan.title)}", ""]
    caption = _caption(outcome)
    if caption:
        lines += [f"> {caption}", ""]
    if outcome.scenario.is_posterior:
        lines += [f"Scenario: {outcome.scenario.draws} posterior draws of the "
                  f"{outcome.scenario.source} ({plan.analysis.name}); each simulated trial "
                  "takes one, so the rejection rate is the **assurance** (power averaged "
                  "over the posterior).  Power at the pointwise posterior median is shown "
                  "beside it.", ""]
    else:
        lines += [f"Scenario: {outcome.scenario!r} (hazards per {unit.removesuffix('s')}).",
                  ""]
    def listed(values):
        return ", ".join(f"{v:g}" for v in values)

    analysis = (f"{listed(a['follow_up'])} {unit} after the last entry" if a["follow_up"]
                else f"at {listed(a['events'])} events")
    shown = {name: table.drop(columns=[c for c in ("events", "follow_up")
                                       if table[c].isna().all()])
             for name, table in (("curve", outcome.curve), ("point", outcome.point_curve))
             if table is not None}
    lines += ["## Design", "",
              f"- patients: {listed(a['n'])}, allocation {a['allocation']:g}:1 (treatment:control)",
              f"- accrual: {a['accrual'].describe(unit)}",
              f"- analysis: {analysis}",
              f"- dropout hazard: {a['dropout'] if a['dropout'] is not None else 'none'}",
              f"- tests: {', '.join(a['tests'])}, one-sided alpha {a['alpha']:g}",
              f"- {a['trials']} simulated trials per design (seed {a['random_seed']}), common "
              "random numbers across designs", "",
              f"## {measure.capitalize()}", "",
              markdown_table(shown["curve"], floatfmt=".3g"), ""]
    if outcome.point_curve is not None:
        lines += ["## Power at the pointwise posterior median", "",
                  markdown_table(shown["point"], floatfmt=".3g"), ""]
    if outcome.sample_size is not None:
        lines += ["## Sample size", "", outcome.sample_size.describe() + ".", ""]
    lines += ["`wrong_direction`: share of trials significant for harm; `wrong_sign`: share "
              "whose estimate favours control.", ""]
    lines += [f"![{name}](figures/{name}.png)" for name in figures] + [""]
    times = ", ".join(f"{k.replace('_seconds', '')} {v:.0f} s"
                      for k, v in outcome.timings.items())
    lines += [f"Run time: {times}.", ""]
    return "\n".join(lines)
