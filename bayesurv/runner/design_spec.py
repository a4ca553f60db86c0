"""The ``[design]`` table of a spec: plan the next trial (``bayesurv design spec.toml``).

::

    [design]
    scenario = "posterior"      # fit the spec's [data] and [model] first: assurance
    # scenario = "spec"         # or hazards written here (no [data] / [model] needed):
    # control_hazard = [0.01]; control_cuts = []; hazard_ratio = [1.0, 0.4]; hr_cuts = [13]
    posterior_draws = 1000      # posterior draws kept (default: all)
    n = [400, 800, 1200]        # trial sizes of the power curve
    accrual = 24                # uniform over 24 time units; or a rate profile:
    # accrual_rates = [10, 20]; accrual_cuts = [6]
    follow_up = [36]            # analysis 36 after the last entry (or events = [...])
    allocation = 1
    dropout = 0.005             # or [control, treatment]
    tests = ["logrank", "fh(0,1)", "maxcombo", "rmst(36)"]
    alpha = 0.025               # one-sided
    trials = 1000
    seed = 1
    target = 0.8                # sample size for this power (assurance)
    sample_size_test = "maxcombo"
    sample_size_range = [200, 3000]   # n searched, at the first follow_up (or events)

Every value is checked when the spec is read, before any fitting or simulation; errors name
the file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bayesurv.base.exceptions import DesignError, SpecError
from bayesurv.design import Accrual, Scenario
from bayesurv.design.progress import check_dropout
from bayesurv.design.statistics import parse_test
from bayesurv.runner.spec import Spec, read_spec_file
from bayesurv.runner.spec_checks import frozen, thawed

__all__ = ["DESIGN_KEYS", "DesignSpec", "load_design_spec"]

SCENARIO_KEYS = {"control_hazard", "control_cuts", "hazard_ratio", "hr_cuts"}
DESIGN_KEYS = {"scenario", "posterior_draws", "n", "accrual", "accrual_rates", "accrual_cuts",
               "events", "follow_up", "allocation", "dropout", "tests", "alpha", "trials",
               "seed", "target", "sample_size_test", "sample_size_range", "time_unit"
               } | SCENARIO_KEYS
TOP_LEVEL = {"title", "description", "design", "data", "model", "priors", "compare", "sampler"}


@dataclass(frozen=True)
class DesignSpec:
    """A validated design plan: the ``[design]`` table and, for a posterior scenario, the
    analysis spec whose fit gives the draws.

    Examples
    --------
    >>> plan = DesignSpec.from_dict({"design": {"control_hazard": [0.03], "hazard_ratio": 0.7,
    ...                                         "n": [200, 400], "accrual": 12,
    ...                                         "events": [150]}})
    >>> plan.scenario().hazard_ratio, plan.is_posterior, plan.accrual()
    ((0.7,), False, Accrual(duration=12.0))
    """

    path: Path | None
    name: str
    title: str
    design: Mapping
    analysis: Spec | None
    text: str = ""

    @classmethod
    def from_dict(cls, values: Mapping, path: Path | None = None, text: str = "") -> DesignSpec:
        """Validate a parsed spec that has a ``[design]`` table."""
        where = str(path) if path else "spec"
        unknown = [k for k in values if k not in TOP_LEVEL]
        if unknown:
            raise SpecError(f"{where}: unknown key {unknown[0]!r}; expected one of "
                            f"{sorted(TOP_LEVEL)}")
        design = values.get("design")
        if not isinstance(design, Mapping):
            raise SpecError(f"{where}: the [design] table is missing (bayesurv design plans a "
                            "trial from it)")
        design = frozen(design)
        kind = design.get("scenario", "spec")
        analysis = None
        if kind == "posterior":
            rest = {k: v for k, v in values.items() if k != "design"}
            analysis = Spec.from_dict(rest, path=path, text=text)
        elif kind != "spec":
            raise SpecError(f"{where}: design.scenario = {kind!r}; use 'posterior' (fit the "
                            "spec's model first) or 'spec' (hazards given in [design])")
        name = path.stem if path else "design"
        title = values.get("title", name)
        if not isinstance(title, str):
            raise SpecError(f"{where}: title must be a string")
        plan = cls(path=path, name=name, title=title, design=design, analysis=analysis,
                   text=text)
        plan._check()
        return plan

    # ------------------------------------------------------------------ checks
    def _fail(self, key: str, problem: str):
        raise SpecError(f"{self.path or 'spec'}: design.{key} {problem}")

    def _check(self) -> None:
        d = self.design
        for key in d:
            if key not in DESIGN_KEYS:
                self._fail(key, f"is not a design key; allowed: {', '.join(sorted(DESIGN_KEYS))}")
        given = SCENARIO_KEYS & set(d)
        if self.is_posterior and given:
            self._fail(sorted(given)[0], "does not apply to scenario = 'posterior' (the "
                       "hazards come from the fit)")
        if not self.is_posterior:
            if "control_hazard" not in d:
                self._fail("control_hazard", "is missing (scenario = 'spec' needs the control "
                           "hazards, per time unit)")
            if "posterior_draws" in d:
                self._fail("posterior_draws", "applies to scenario = 'posterior' only")
            self._wrapped("scenario", self.scenario)
        if "n" not in d:
            self._fail("n", "is missing: the trial sizes (patients) of the power curve")
        self._numbers("n", whole=True, minimum=2)
        if ("events" in d) == ("follow_up" in d) and "events" not in d:
            self._fail("follow_up", "or design.events is needed: when the analysis happens")
        for key in ("events", "follow_up"):
            if key in d:
                self._numbers(key, whole=key == "events", minimum=1 if key == "events" else 0)
        if "events" in d and max(self._list("events")) > min(self._list("n")):
            self._fail("events", f"= {thawed(d['events'])}: more events than the smallest "
                       f"trial ({min(self._list('n'))} patients) can have")
        if ("accrual" in d) == ("accrual_rates" in d):
            self._fail("accrual", "or design.accrual_rates is needed (one of them): a "
                       "duration of uniform entry, or patients per time unit")
        if "accrual_cuts" in d and "accrual_rates" not in d:
            self._fail("accrual_cuts", "goes with design.accrual_rates")
        self._wrapped("accrual", self.accrual)
        self._wrapped("dropout", lambda: check_dropout(thawed(d.get("dropout")), "design"))
        tests = d.get("tests", ("logrank",))
        if not isinstance(tests, tuple) or not tests or not all(isinstance(t, str)
                                                                for t in tests):
            self._fail("tests", f"must be a list of test names, got {thawed(tests)!r}")
        self._wrapped("tests", lambda: [parse_test(t) for t in tests])
        for key, low, high in (("alpha", 0, 0.5), ("target", 0, 1), ("allocation", 0, None)):
            value = d.get(key)
            if value is not None and (isinstance(value, bool)
                                      or not isinstance(value, int | float)
                                      or not value > low or (high and not value < high)):
                self._fail(key, f"must be a number in ({low}, {high or 'inf'}), got {value!r}")
        for key, minimum in (("trials", 1), ("seed", 0), ("posterior_draws", 1)):
            value = d.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < minimum):
                self._fail(key, f"must be a whole number >= {minimum}, got {value!r}")
        test = d.get("sample_size_test")
        if test is not None and (not isinstance(test, str) or parse_test(
                test).name not in [parse_test(t).name for t in tests]):
            self._fail("sample_size_test", f"= {test!r} must be one of design.tests")
        if "sample_size_range" in d:
            pair = self._numbers("sample_size_range", whole=True, minimum=1)
            if len(pair) != 2 or not pair[0] < pair[1]:
                self._fail("sample_size_range", f"must be [low, high] with low < high, got "
                           f"{list(pair)}")

    def _wrapped(self, key, build):
        try:
            return build()
        except DesignError as exc:
            self._fail(key, f"is not valid: {exc}")

    def _list(self, key) -> list:
        value = thawed(self.design[key])
        return list(value) if isinstance(value, list | tuple) else [value]

    def _numbers(self, key, whole: bool, minimum: float) -> list:
        values = self._list(key)
        ok = values and all(not isinstance(v, bool) and isinstance(v, int | float)
                            and np.isfinite(v) and v >= minimum and v > 0
                            and (not whole or int(v) == v) for v in values)
        if not ok:
            kind = "whole numbers" if whole else "numbers"
            self._fail(key, f"must be a list of {kind} >= {minimum} (> 0), got "
                       f"{thawed(self.design[key])!r}")
        return [int(v) if whole else float(v) for v in values]

    # ------------------------------------------------------------------ values
    @property
    def is_posterior(self) -> bool:
        """Whether the scenario comes from fitting the spec's model (assurance)."""
        return self.design.get("scenario", "spec") == "posterior"

    def scenario(self) -> Scenario:
        """The scenario written in ``[design]`` (scenario = 'spec')."""
        d = self.design
        return Scenario(control_hazard=thawed(d["control_hazard"]),
                        control_cuts=thawed(d.get("control_cuts", ())),
                        hazard_ratio=thawed(d.get("hazard_ratio", 1.0)),
                        hr_cuts=thawed(d.get("hr_cuts", ())))

    def accrual(self):
        """The accrual: a uniform duration or a rate profile."""
        d = self.design
        if "accrual" in d:
            return Accrual(duration=d["accrual"])
        return Accrual(rates=thawed(d["accrual_rates"]), cuts=thawed(d.get("accrual_cuts", ())))

    def arguments(self) -> dict:
        """Keyword arguments of :func:`bayesurv.design.power_curve` (without the scenario)."""
        d = self.design
        return {"n": self._numbers("n", True, 2), "accrual": self.accrual(),
                "events": self._numbers("events", True, 1) if "events" in d else None,
                "follow_up": self._numbers("follow_up", False, 0) if "follow_up" in d
                else None,
                "allocation": float(d.get("allocation", 1.0)),
                "dropout": check_dropout(thawed(d.get("dropout")), "design"),
                "tests": list(d.get("tests", ("logrank",))),
                "alpha": float(d.get("alpha", 0.025)), "trials": int(d.get("trials", 1000)),
                "random_seed": int(d.get("seed", 1))}

    def time_unit(self) -> str:
        """The time unit of the hazards and times."""
        if self.analysis is not None:
            return str(self.analysis.data.get("time_unit", "time units"))
        return str(self.design.get("time_unit", "time units"))


def load_design_spec(path) -> DesignSpec:
    """Read and validate a TOML spec with a ``[design]`` table.

    Examples
    --------
    >>> plan = load_design_spec("models/design_ucmsc.toml")  # doctest: +SKIP
    >>> plan.is_posterior                                   # doctest: +SKIP
    True
    """
    path = Path(path)
    values, text = read_spec_file(path)
    return DesignSpec.from_dict(values, path=path, text=text)
