"""Analysis specifications: TOML files that say what to fit, to what, and how to report it.

A spec has the tables ``[data]``, ``[model]``, ``[priors]``, ``[compare]`` and ``[sampler]``
(only ``[data]`` and ``[model]`` are required) and an optional top-level ``title``::

    title = "Overall survival: change-point near 13 months"

    [data]
    source = "shi2021"          # a shipped dataset, "csv", "parquet" or "digitized"
    endpoint = "death"

    [model]
    type = "changepoint"        # or "piecewise" (with cuts = [...]), or "illness-death"
    near = 13

    [compare]
    landmarks = [13]
    published = "shi2021"

    [sampler]
    draws = 1000
    seed = 2021

The illness-death form (a sub-table per transition) is in
:mod:`bayesurv.runner.spec_illness_death`.  Paths inside a spec are relative to the spec
file.  Every error names the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bayesurv.base.checks import check_sampler_settings
from bayesurv.base.exceptions import BayesurvInputError, PriorError, SpecError
from bayesurv.base.files import parser_message, read_input_text
from bayesurv.data.survival_data import SurvivalData
from bayesurv.model.kind import KINDS
from bayesurv.model.priors import Normal, PriorSet
from bayesurv.runner import spec_illness_death, spec_sources
from bayesurv.runner.spec_checks import (
    check_compare,
    check_data,
    check_sampler,
    frozen,
    grid,
    thawed,
)
from bayesurv.runner.spec_sources import SHIPPED

__all__ = ["Spec", "load_spec"]

TABLES = ("data", "model", "priors", "compare", "sampler")
SECTIONS = {
    "title": None,
    "description": None,
    "data": {"source", "endpoint", "digitized", "path", "curves", "risk_table", "total_events",
             "scale", "time", "event", "group", "reference", "covariates", "time_unit",
             "reconstructions", "grid", "strata", "entry", *spec_illness_death.COLUMNS},
    "model": {"type", "cuts", "grid", "near", "spread", "prior", "baseline",
              *spec_illness_death.MODEL_KEYS},
    "priors": {"set", "baseline_centre", *PriorSet.roles()},
    "compare": {"landmarks", "published", "published_endpoint", "published_orientation",
                "prior_sensitivity", "prior_sensitivity_draws", "horizon", "milestones"},
    "sampler": {"draws", "tune", "chains", "seed", "sampler", "cores", "target_accept"},
}


@dataclass(frozen=True)
class Spec:
    """A validated analysis specification: an immutable plan of what to fit and report.

    Every value is checked when the spec is made (so a bad spec fails before any sampling)
    and the tables are read-only copies: nested tables are read-only mappings and lists are
    tuples.  The caller's dicts are not modified and later changes to them do not reach the
    spec.

    Attributes
    ----------
    path : pathlib.Path or None
        The file it was read from (relative paths in it are resolved against its folder).
    name : str
        Short name (the file's stem), used for the report folder.
    title : str
        Human-readable title.
    data, model, priors, compare, sampler : Mapping
        The validated tables (read-only).
    text : str
        The spec file's text, stored with the fit.

    Examples
    --------
    >>> spec = Spec.from_dict({"data": {"source": "shi2021", "endpoint": "hcc"},
    ...                        "model": {"type": "changepoint", "near": 8}})
    >>> spec.build_model()
    ChangePoint(grid=None, near=8.0, spread=None, prior=None, baseline=None, priors='default')
    >>> spec.model["near"] = 13
    Traceback (most recent call last):
    ...
    TypeError: 'mappingproxy' object does not support item assignment
    """

    path: Path | None
    name: str
    title: str
    data: Mapping
    model: Mapping
    priors: Mapping = field(default_factory=dict)
    compare: Mapping = field(default_factory=dict)
    sampler: Mapping = field(default_factory=dict)
    text: str = ""

    def __post_init__(self) -> None:
        where = self._where()
        for key in ("name", "title", "text"):
            if not isinstance(getattr(self, key), str):
                raise SpecError(f"{where}: {key} must be a string")
        for table in TABLES:
            values = getattr(self, table)
            if not isinstance(values, Mapping):
                raise SpecError(f"{where}: [{table}] must be a table")
            for sub in values:
                if sub not in SECTIONS[table]:
                    raise SpecError(f"{where}: unknown key {table}.{sub}; allowed: "
                                    f"{', '.join(sorted(SECTIONS[table]))}")
            object.__setattr__(self, table, frozen(values))
        self._check()

    def __reduce__(self):
        # read-only mappings cannot be pickled: rebuild (and re-check) from plain copies
        return (type(self), (self.path, self.name, self.title,
                             *(thawed(getattr(self, table)) for table in TABLES), self.text))

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_dict(cls, values: Mapping, path: Path | None = None, text: str = "") -> Spec:
        """Validate a parsed spec (see the module docstring for the keys).

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021"},
        ...                        "model": {"type": "piecewise", "cuts": [13]}})
        >>> spec.name, dict(spec.model)
        ('analysis', {'type': 'piecewise', 'cuts': (13,)})
        >>> Spec.from_dict({"data": {"source": "shi2021"}, "model": {"type": "weibull"}})
        Traceback (most recent call last):
        ...
        bayesurv.base.exceptions.SpecError: spec: model.type = 'weibull'; use 'piecewise' or ...
        """
        where = str(path) if path else "spec"
        for key, value in values.items():
            if key == "design":  # read and checked by `bayesurv design` (runner/design_spec)
                continue
            if key not in SECTIONS:
                raise SpecError(f"{where}: unknown key {key!r}; expected one of "
                                f"{sorted(SECTIONS)}")
            if SECTIONS[key] is None and not isinstance(value, str):
                raise SpecError(f"{where}: {key} must be a string")
        for required in ("data", "model"):
            if required not in values:
                raise SpecError(f"{where}: the [{required}] table is missing")
        name = path.stem if path else "analysis"
        return cls(path=path, name=name, title=values.get("title", name),
                   **{table: values.get(table, {}) for table in TABLES}, text=text)

    def _check(self) -> None:
        """Check every value, so a bad spec fails before any sampling."""
        if self.is_illness_death:  # its own tables: bayesurv.runner.spec_illness_death
            spec_illness_death.check_illness_death(self.data, self.model, self.compare,
                                                   self._fail)
        else:
            self._check_single()
        check_sampler(self.sampler, self._fail)
        check_compare(self.compare, self._fail)
        try:
            self.build_model()
            self.prior_set()
        except SpecError as exc:
            if str(exc).startswith(self._where()):
                raise
            raise SpecError(f"{self._where()}: {exc}") from None
        except BayesurvInputError as exc:
            raise SpecError(f"{self._where()}: {exc}") from None

    def _check_single(self) -> None:
        check_data(self.data, self._fail)
        kind = self.model.get("type")
        single = [name for name, cls in KINDS.items() if cls.result == "survival"]
        if not isinstance(kind, str) or kind not in single:
            self._fail("model.type", f"= {kind!r}; use "
                       f"{' or '.join(map(repr, [*single, spec_illness_death.TYPE]))}")
        wrong = [k for k in self.model if k != "type" and k not in KINDS[kind].setting_names]
        if wrong:
            self._fail(f"model.{wrong[0]}", f"does not apply to a {kind} model")

    @property
    def is_illness_death(self) -> bool:
        """Whether the spec fits the illness-death model (``model.type = "illness-death"``)."""
        return spec_illness_death.is_illness_death(self.model)

    def _where(self) -> str:
        return str(self.path) if self.path else "spec"

    def _fail(self, key: str, problem: str):
        raise SpecError(f"{self._where()}: {key} {problem}")

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
        values = thawed(self.priors)
        base = PriorSet.named(str(values.pop("set", "default")))
        overrides = {}
        for role, value in values.items():
            if role == "baseline_centre":
                overrides[role] = value
                continue
            if not isinstance(value, dict) or set(value) - {"mu", "sigma"}:
                self._fail(f"priors.{role}", "must be a table {mu = ..., sigma = ...}")
            try:
                overrides[role] = Normal(**value)
            except PriorError as exc:
                self._fail(f"priors.{role}", f"= {value}: {exc}")
        try:
            return base.override(overrides)
        except PriorError as exc:
            self._fail("priors", f"= {values}: {exc}")

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
        if self.is_illness_death:
            return spec_illness_death.build_illness_death(
                self.model, self.prior_set(), self._fail, self.data.get("covariates", ()))
        settings = thawed(self.model)
        kind = KINDS[settings.pop("type")]
        if "grid" in settings:  # a grid may be written as a table {start, stop, step}
            settings["grid"] = grid(settings["grid"])
        return kind(**settings, priors=self.prior_set())

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
        ``[data]`` table.  A published table file (``compare.published``) is checked too.

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021"}, "model": {"type": "piecewise"}})
        >>> data, reconstruction = spec.load()
        >>> data.n, reconstruction is None  # patient rows: nothing was reconstructed
        (219, True)
        """
        loaded = self.load_data_only()
        self.published_table()  # so that a bad table fails before any sampling
        return loaded

    def load_data_only(self) -> tuple[SurvivalData, pd.DataFrame | None]:
        """:meth:`load` without reading the published table."""
        try:
            if self.is_illness_death:
                return spec_illness_death.load_illness_death(self.data, self.path,
                                                             self._where()), None
            return spec_sources.load_source(self.data, self.path, self._where())
        except SpecError:
            raise
        except BayesurvInputError as exc:
            raise SpecError(f"{self._where()}: [data] {exc}") from exc

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
        return spec_sources.published_table(self.compare, self.data, self.path, self._where())

    def data_note(self) -> str | None:
        """A sentence on data provenance for reports (synthetic data say so).

        Examples
        --------
        >>> spec = Spec.from_dict({"data": {"source": "shi2021"}, "model": {"type": "piecewise"}})
        >>> spec.data_note()[:42]
        'The data are a synthetic cohort calibrated'
        """
        return spec_sources.data_note(self.data)

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
        settings = {
            "draws": draws if draws is not None else spec_draws,
            "tune": tune,
            "chains": chains if chains is not None else s.get("chains", 4),
            "random_seed": seed if seed is not None else s.get("seed", 1),
            "sampler": s.get("sampler", "jax"),
            "cores": s.get("cores"),
            "target_accept": s.get("target_accept", 0.9),
        }
        # the spec's own values were checked when it was made; this checks the overrides
        return check_sampler_settings(settings, f"{self._where()} (sampler settings)", SpecError)


def load_spec(path) -> Spec:
    """Read and validate a TOML analysis specification.

    Raises
    ------
    SpecError
        When the file is missing, not a regular file, too large (:mod:`bayesurv.base.files`),
        not UTF-8 TOML, or has an unknown key or a bad value (the file and key are named).

    Examples
    --------
    >>> spec = load_spec("models/shi2021_death.toml")  # doctest: +SKIP
    >>> spec.build_model()                              # doctest: +SKIP
    ChangePoint(grid=None, near=13.0, ...)
    """
    path = Path(path)
    values, text = read_spec_file(path)
    return Spec.from_dict(values, path=path, text=text)


def read_spec_file(path: Path) -> tuple[dict, str]:
    """The TOML tables of a spec file and its text; SpecError naming the file otherwise."""
    try:
        text = read_input_text(path, str(path), SpecError)
    except FileNotFoundError:
        raise SpecError(f"spec file not found: {path}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({parser_message(exc)})") from None
