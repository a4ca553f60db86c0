"""Analysis specifications: TOML files that say what to fit, to what, and how to report it.

A spec has the tables ``[data]``, ``[model]``, ``[priors]``, ``[compare]`` and ``[sampler]``
(only ``[data]`` and ``[model]`` are required) and an optional top-level ``title``::

    title = "Overall survival: change-point near 13 months"

    [data]
    source = "shi2021"          # a shipped dataset, "csv" (patient rows) or "digitized"
    endpoint = "death"

    [model]
    type = "changepoint"        # or "piecewise" (with cuts = [...])
    near = 13

    [compare]
    landmarks = [13]
    published = "shi2021"

    [sampler]
    draws = 1000
    seed = 2021

Paths inside a spec are relative to the spec file.  Every error names the file and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bayesurv.base.checks import check_times
from bayesurv.base.exceptions import BayesurvInputError, SpecError
from bayesurv.data.survival_data import SurvivalData
from bayesurv.inference.sampling import SAMPLERS
from bayesurv.model.changepoint import ChangePoint
from bayesurv.model.piecewise import PiecewiseExponential
from bayesurv.model.priors import Normal, PriorSet, named_prior_sets

__all__ = ["Spec", "load_spec"]

SHIPPED = ("shi2021",)
SECTIONS = {
    "title": None,
    "description": None,
    "data": {"source", "endpoint", "digitized", "path", "curves", "risk_table", "total_events",
             "scale", "time", "event", "group", "reference", "covariates", "time_unit"},
    "model": {"type", "cuts", "grid", "near", "spread", "prior", "baseline"},
    "priors": {"set", "baseline_centre", *PriorSet.roles()},
    "compare": {"landmarks", "published", "published_endpoint", "published_orientation",
                "prior_sensitivity", "prior_sensitivity_draws"},
    "sampler": {"draws", "tune", "chains", "seed", "sampler", "cores", "target_accept"},
}
# [sampler] key -> (accepted types, how the message names them)
SAMPLER_TYPES = {key: (int, "an integer") for key in ("draws", "tune", "chains", "seed", "cores")}
SAMPLER_TYPES |= {"target_accept": ((int, float), "a number"), "sampler": (str, "a string")}
SYNTHETIC_NOTE = (
    "The data are a synthetic cohort calibrated to the published summaries of Shi et al. "
    "(Hepatol Int 2021;15:1431-1441); they are not the trial's patients, whose data are not "
    "public.")


@dataclass
class Spec:
    """A validated analysis specification.

    Attributes
    ----------
    path : pathlib.Path or None
        The file it was read from (relative paths in it are resolved against its folder).
    name : str
        Short name (the file's stem), used for the report folder.
    title : str
        Human-readable title.
    data, model, priors, compare, sampler : dict
        The validated tables.

    Examples
    --------
    >>> spec = Spec.from_dict({"data": {"source": "shi2021", "endpoint": "hcc"},
    ...                        "model": {"type": "changepoint", "near": 8}})
    >>> spec.build_model()
    ChangePoint(grid=None, near=8.0, spread=None, prior=None, baseline=None, priors='default')
    """

    path: Path | None
    name: str
    title: str
    data: dict
    model: dict
    priors: dict = field(default_factory=dict)
    compare: dict = field(default_factory=dict)
    sampler: dict = field(default_factory=dict)
    text: str = ""

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_dict(cls, values: dict, path: Path | None = None, text: str = "") -> Spec:
        """Validate a parsed spec (see the module docstring for the keys).

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021"},
        ...                        "model": {"type": "piecewise", "cuts": [13]}})
        >>> spec.name, spec.model
        ('analysis', {'type': 'piecewise', 'cuts': [13]})
        >>> Spec.from_dict({"data": {"source": "shi2021"}, "model": {"type": "weibull"}})
        Traceback (most recent call last):
        ...
        bayesurv.base.exceptions.SpecError: spec: model.type = 'weibull'; use 'piecewise' or ...
        """
        where = str(path) if path else "spec"
        for key, value in values.items():
            if key not in SECTIONS:
                raise SpecError(f"{where}: unknown key {key!r}; expected one of "
                                f"{sorted(SECTIONS)}")
            allowed = SECTIONS[key]
            if allowed is None:
                if not isinstance(value, str):
                    raise SpecError(f"{where}: {key} must be a string")
                continue
            if not isinstance(value, dict):
                raise SpecError(f"{where}: [{key}] must be a table")
            for sub in value:
                if sub not in allowed:
                    raise SpecError(f"{where}: unknown key {key}.{sub}; allowed: "
                                    f"{', '.join(sorted(allowed))}")
        for required in ("data", "model"):
            if required not in values:
                raise SpecError(f"{where}: the [{required}] table is missing")
        name = path.stem if path else "analysis"
        spec = cls(path=path, name=name, title=values.get("title", name),
                   data=dict(values["data"]), model=dict(values["model"]),
                   priors=dict(values.get("priors", {})), compare=dict(values.get("compare", {})),
                   sampler=dict(values.get("sampler", {})), text=text)
        spec._check()
        return spec

    def _check(self) -> None:
        """Check every value now, so a bad spec fails before any sampling."""
        self._check_data()
        kind = self.model.get("type")
        if kind not in ("piecewise", "changepoint"):
            self._fail("model.type", f"= {kind!r}; use 'piecewise' or 'changepoint'")
        wrong = [k for k in self.model if k not in self._model_keys(kind)]
        if wrong:
            self._fail(f"model.{wrong[0]}", f"does not apply to a {kind} model")
        self._check_sampler()
        self._check_compare()
        try:
            self.build_model()
            self.prior_set()
        except SpecError as exc:
            if str(exc).startswith(self._where()):
                raise
            raise SpecError(f"{self._where()}: {exc}") from None
        except BayesurvInputError as exc:
            raise SpecError(f"{self._where()}: {exc}") from None

    def _check_data(self) -> None:
        d = self.data
        source = d.get("source")
        if source is None:
            self._fail("data.source", f"is missing; use one of {[*SHIPPED, 'csv', 'digitized']}")
        if source not in (*SHIPPED, "csv", "digitized"):
            self._fail("data.source", f"= {source!r} is not a shipped dataset, 'csv' or "
                                      "'digitized'")
        if source == "csv" and "path" not in d:
            self._fail("data.path", "is missing (source = 'csv' needs a CSV of patient rows)")
        if source == "digitized" and "curves" not in d:
            self._fail("data.curves", "is missing (source = 'digitized' needs a curves CSV)")
        for key in ("path", "curves", "risk_table", "endpoint", "time", "event", "group",
                    "time_unit", "scale"):
            if key in d and not isinstance(d[key], str):
                self._fail(f"data.{key}", f"must be text, got {d[key]!r}")
        if "digitized" in d and not isinstance(d["digitized"], bool):
            self._fail("data.digitized", f"must be true or false, got {d['digitized']!r}")
        covariates = d.get("covariates", [])
        if not isinstance(covariates, list) or not all(isinstance(c, str) for c in covariates):
            self._fail("data.covariates", f"must be a list of column names, got {covariates!r}")
        totals = d.get("total_events")
        if totals is not None and not (_is_count(totals) or (
                isinstance(totals, dict) and all(_is_count(v) for v in totals.values()))):
            self._fail("data.total_events", "must be a whole number or a table "
                                            f"{{group = number}}, got {totals!r}")

    def _check_sampler(self) -> None:
        for key, (kinds, described) in SAMPLER_TYPES.items():
            value = self.sampler.get(key)
            if key in self.sampler and (not isinstance(value, kinds) or isinstance(value, bool)):
                self._fail(f"sampler.{key}", f"must be {described}, got {value!r}")
        for key, minimum in (("draws", 1), ("tune", 0), ("chains", 1), ("seed", 0),
                             ("cores", 1)):
            if key in self.sampler and self.sampler[key] < minimum:
                self._fail(f"sampler.{key}", f"must be >= {minimum}, got {self.sampler[key]}")
        accept = self.sampler.get("target_accept", 0.9)
        if not 0 < accept < 1:
            self._fail("sampler.target_accept", f"must be between 0 and 1, got {accept}")
        if self.sampler.get("sampler", "pymc") not in SAMPLERS:
            self._fail("sampler.sampler", f"= {self.sampler['sampler']!r}; use one of "
                                          f"{list(SAMPLERS)}")

    def _check_compare(self) -> None:
        c = self.compare
        draws = c.get("prior_sensitivity_draws")
        if draws is not None and not (_is_count(draws) and draws >= 1):
            self._fail("compare.prior_sensitivity_draws", f"must be an integer >= 1, got "
                                                          f"{draws!r}")
        if "landmarks" in c:
            try:
                landmarks = check_times(c["landmarks"], "landmarks", "compare", SpecError)
            except SpecError as exc:
                self._fail("compare.landmarks", f"is not valid: {exc}")
            if (landmarks <= 0).any():
                self._fail("compare.landmarks", f"must be > 0, got {landmarks.tolist()}")
        sets = c.get("prior_sensitivity", [])
        if not isinstance(sets, list) or not all(isinstance(x, str) for x in sets):
            self._fail("compare.prior_sensitivity", f"must be a list of prior set names, got "
                                                    f"{sets!r}")
        unknown = [x for x in sets if x not in named_prior_sets()]
        if unknown:
            self._fail("compare.prior_sensitivity", f"names unknown prior set(s) {unknown}; "
                                                    f"choose from {sorted(named_prior_sets())}")
        for key in ("published", "published_endpoint"):
            if key in c and not isinstance(c[key], str):
                self._fail(f"compare.{key}", f"must be text, got {c[key]!r}")
        orientation = c.get("published_orientation")
        if orientation is not None and orientation not in ("treated_vs_reference",
                                                           "reference_vs_treated"):
            self._fail("compare.published_orientation", f"= {orientation!r}; use "
                       "'treated_vs_reference' or 'reference_vs_treated'")

    @staticmethod
    def _model_keys(kind: str) -> set[str]:
        common = {"type", "baseline"}
        if kind == "piecewise":
            return common | {"cuts"}
        return common | {"grid", "near", "spread", "prior"}

    def _where(self) -> str:
        return str(self.path) if self.path else "spec"

    def _fail(self, key: str, problem: str):
        raise SpecError(f"{self._where()}: {key} {problem}")

    def _resolve(self, relative: str) -> Path:
        base = self.path.parent if self.path else Path.cwd()
        path = (base / relative).resolve()
        if not path.exists():
            raise SpecError(f"{self._where()}: file {relative!r} not found (looked for {path})")
        return path

    # ------------------------------------------------------------------ building
    def prior_set(self) -> PriorSet:
        """The prior set: a named set plus overrides ``role = {mu = .., sigma = ..}``.

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021"}, "model": {"type": "changepoint"},
        ...                        "priors": {"set": "skeptical",
        ...                                   "covariate": {"mu": 0, "sigma": 0.5}}})
        >>> ps = spec.prior_set()
        >>> ps.name, ps.log_hr.describe(), ps.covariate.describe()
        ('skeptical (modified)', 'Normal(0, 0.4214)', 'Normal(0, 0.5)')
        """
        values = dict(self.priors)
        base = PriorSet.named(str(values.pop("set", "default")))
        overrides = {}
        for role, value in values.items():
            if role == "baseline_centre":
                overrides[role] = value
                continue
            if not isinstance(value, dict) or set(value) - {"mu", "sigma"}:
                self._fail(f"priors.{role}", "must be a table {mu = ..., sigma = ...}")
            overrides[role] = Normal(**value)
        return base.override(overrides)

    def build_model(self):
        """The model object the spec describes.

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021"},
        ...                        "model": {"type": "changepoint", "near": 12,
        ...                                  "grid": {"start": 6, "stop": 24, "step": 6}}})
        >>> model = spec.build_model()
        >>> type(model).__name__, model.grid.tolist()  # the grid table, expanded
        ('ChangePoint', [6.0, 12.0, 18.0, 24.0])
        """
        m = self.model
        priors = self.prior_set()
        if m["type"] == "piecewise":
            return PiecewiseExponential(cuts=m.get("cuts", []), baseline=m.get("baseline"),
                                        priors=priors)
        return ChangePoint(grid=_grid(m.get("grid")), near=m.get("near"),
                           spread=m.get("spread"), prior=m.get("prior"),
                           baseline=m.get("baseline"), priors=priors)

    @property
    def is_synthetic(self) -> bool:
        """Whether the data are the shipped synthetic reference-trial cohort.

        Examples
        --------
        >>> shipped = Spec.from_dict({"data": {"source": "shi2021"},
        ...                           "model": {"type": "piecewise"}})
        >>> own = Spec.from_dict({"data": {"source": "csv", "path": "patients.csv"},
        ...                       "model": {"type": "piecewise"}})
        >>> shipped.is_synthetic, own.is_synthetic
        (True, False)
        """
        return self.data["source"] in SHIPPED

    def load_data(self) -> SurvivalData:
        """Load and validate the data the spec names.

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021", "endpoint": "hcc"},
        ...                        "model": {"type": "changepoint", "near": 8}})
        >>> hcc = spec.load_data()
        >>> hcc.n, hcc.n_events, hcc.reference
        (219, 36, 'control')
        """
        return self.load()[0]

    def load(self) -> tuple[SurvivalData, pd.DataFrame | None]:
        """The data, and the reconstruction diagnostics when they come from digitized curves.

        Errors in the data are re-raised as :class:`SpecError` naming the spec file and its
        ``[data]`` table, with the original message.

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021"}, "model": {"type": "piecewise"}})
        >>> data, reconstruction = spec.load()
        >>> data.n, reconstruction is None  # patient rows: nothing was reconstructed
        (219, True)
        """
        try:
            return self._load()
        except SpecError:
            raise
        except BayesurvInputError as exc:
            raise SpecError(f"{self._where()}: [data] {exc}") from exc

    def _load(self) -> tuple[SurvivalData, pd.DataFrame | None]:
        d = self.data
        source = d["source"]
        columns = {"time": d.get("time", "time"), "event": d.get("event", "event"),
                   "group": d.get("group", "arm"), "reference": d.get("reference"),
                   "covariates": d.get("covariates"), "time_unit": d.get("time_unit", "months")}
        if source == "csv":
            frame = _read_csv(self._resolve(d["path"]), self._where())
            return SurvivalData.from_frame(frame, **columns), None
        if source == "shi2021":
            from bayesurv import datasets

            endpoint = d.get("endpoint", "death")
            columns["reference"] = columns["reference"] or "control"
            if not d.get("digitized", False):
                return SurvivalData.from_frame(datasets.shi2021(endpoint), **columns), None
            curves, risk = datasets.shi2021(endpoint, digitized=True)
            total_events = None
        else:
            from bayesurv.digitized.io import read_curves_csv, read_risk_table_csv

            curves = read_curves_csv(self._resolve(d["curves"]), scale=d.get("scale", "auto"))
            risk = (read_risk_table_csv(self._resolve(d["risk_table"]))
                    if "risk_table" in d else None)
            total_events = d.get("total_events")
        from bayesurv.digitized.reconstruct import reconstruct_ipd

        ipd = reconstruct_ipd(curves, risk, total_events=total_events)
        data = SurvivalData.from_frame(ipd, time="time", event="event", group="group",
                                       reference=columns["reference"],
                                       time_unit=columns["time_unit"])
        diagnostics = pd.DataFrame(ipd.attrs.get("diagnostics", []))
        return data.replace(source="reconstructed from digitized curves"), diagnostics

    def published_table(self) -> pd.DataFrame | None:
        """The published HR table to compare with (or None).

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021", "endpoint": "hcc"},
        ...                        "model": {"type": "changepoint", "near": 8},
        ...                        "compare": {"published": "shi2021"}})
        >>> table = spec.published_table()
        >>> len(table), table["endpoint"].unique().tolist()
        (3, ['hcc'])
        """
        published = self.compare.get("published")
        if published is None:
            return None
        if published == "shi2021":
            from bayesurv import datasets

            table = datasets.shi2021_published()
            endpoint = self.compare.get("published_endpoint", self.data.get("endpoint", "death"))
            return table[table["endpoint"] == endpoint].reset_index(drop=True)
        return _read_csv(self._resolve(published), self._where())

    def data_note(self) -> str | None:
        """A sentence on data provenance for reports (synthetic data say so).

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021"}, "model": {"type": "piecewise"}})
        >>> spec.data_note()[:42]
        'The data are a synthetic cohort calibrated'
        """
        if not self.is_synthetic:
            return None
        if self.data.get("digitized", False):
            return ("The data are patient rows reconstructed (Guyot et al. 2012) from digitized "
                    "Kaplan-Meier curves of a synthetic cohort calibrated to the published "
                    "summaries of Shi et al. (Hepatol Int 2021;15:1431-1441); they are not the "
                    "trial's patients, whose data are not public.")
        return SYNTHETIC_NOTE

    def sensitivity_settings(self, settings: dict) -> dict:
        """Sampler settings of the prior-sensitivity refits: ``prior_sensitivity_draws`` (draws
        and tuning steps per chain) when the spec sets it, capped by the main run's draws.

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021"}, "model": {"type": "piecewise"},
        ...                        "compare": {"prior_sensitivity": ["skeptical"],
        ...                                    "prior_sensitivity_draws": 200}})
        >>> spec.sensitivity_settings({"draws": 1000, "tune": 1000, "chains": 4})
        {'draws': 200, 'tune': 200, 'chains': 4}
        """
        draws = self.compare.get("prior_sensitivity_draws")
        if draws is None:
            return dict(settings)
        draws = min(draws, settings["draws"])
        return settings | {"draws": draws, "tune": min(draws, settings["tune"])}

    def outcome(self) -> str:
        """What survival curves of this endpoint show, for figure labels."""
        endpoint = str(self.data.get("endpoint", "death")).lower()
        if self.data["source"] in SHIPPED and endpoint == "hcc":
            return "HCC-free survival"
        return "survival"

    def figure_caption(self) -> str | None:
        """A one-line provenance caption for figures (synthetic data say so).

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021"}, "model": {"type": "piecewise"}})
        >>> spec.figure_caption()[:59]
        'Synthetic data calibrated to the published summaries of Shi'
        """
        if not self.is_synthetic:
            return None
        return ("Synthetic data calibrated to the published summaries of Shi et al. (2021); "
                "not the trial's patients.")

    def sampler_settings(self, draws=None, tune=None, chains=None, seed=None) -> dict:
        """Keyword arguments for ``model.fit``; command-line values override the spec.

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021"}, "model": {"type": "piecewise"},
        ...                        "sampler": {"draws": 2000, "seed": 7}})
        >>> s = spec.sampler_settings()
        >>> s["draws"], s["tune"], s["chains"], s["random_seed"]
        (2000, 2000, 4, 7)
        >>> spec.sampler_settings(draws=50)["tune"]  # tuning follows a command-line --draws
        50
        """
        s = self.sampler
        spec_draws = s.get("draws", 1000)
        if tune is None:  # tiny --draws from the command line bring tuning down with them
            tune = draws if draws is not None else s.get("tune", spec_draws)
        return {
            "draws": draws if draws is not None else spec_draws,
            "tune": tune,
            "chains": chains if chains is not None else s.get("chains", 4),
            "random_seed": seed if seed is not None else s.get("seed", 1),
            "sampler": s.get("sampler", "pymc"),
            "cores": s.get("cores"),
            "target_accept": float(s.get("target_accept", 0.9)),
        }


def _grid(value):
    """A grid is a list of times or a table ``{start = .., stop = .., step = ..}``."""
    if value is None or not isinstance(value, dict):
        return value
    missing = {"start", "stop", "step"} - set(value)
    extra = set(value) - {"start", "stop", "step"}
    if missing or extra:
        raise SpecError(f"model.grid needs exactly start, stop and step; "
                        f"{'missing ' + str(sorted(missing)) if missing else ''}"
                        f"{'unknown ' + str(sorted(extra)) if extra else ''}")
    bad = {k: v for k, v in value.items() if not _is_number(v)}
    if bad:
        raise SpecError(f"model.grid: start, stop and step must be numbers, got {bad}")
    start, stop, step = (float(value[k]) for k in ("start", "stop", "step"))
    if step <= 0 or stop < start or (stop - start) / step > 100_000:
        raise SpecError(f"model.grid: need step > 0 and stop >= start (and at most 100000 "
                        f"points), got start={start:g}, stop={stop:g}, step={step:g}")
    return np.round(np.arange(start, stop + step / 2, step), 10)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _read_csv(path: Path, where: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SpecError(f"{where}: cannot read {path} as CSV ({exc})") from None


def load_spec(path) -> Spec:
    """Read and validate a TOML analysis specification.

    Raises
    ------
    SpecError
        When the file is missing, is not TOML, or has an unknown key or a bad value
        (the message names the file and the key).

    Examples
    --------
    >>> spec = load_spec("models/shi2021_death.toml")  # doctest: +SKIP
    >>> spec.build_model()                              # doctest: +SKIP
    ChangePoint(grid=None, near=13.0, ...)
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"spec file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a text file in UTF-8 (TOML files are UTF-8)") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from None
    return Spec.from_dict(values, path=path, text=text)
