"""Where a spec's data come from: a shipped dataset, a CSV of patient rows or digitized curves.

The functions read the validated ``[data]`` and ``[compare]`` tables of a
:class:`~bayesurv.runner.spec.Spec`; paths in them are relative to the spec file's folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from bayesurv.base.exceptions import BayesurvInputError, SpecError
from bayesurv.data.survival_data import SurvivalData

__all__ = ["SHIPPED", "SOURCES", "SpecInputs", "data_note", "load_inputs", "load_source",
           "published_table", "read_csv", "resolve"]

SHIPPED = ("shi2021",)
SOURCES = (*SHIPPED, "csv", "digitized")
SYNTHETIC_NOTE = (
    "The data are a synthetic cohort calibrated to the published summaries of Shi et al. "
    "(Hepatol Int 2021;15:1431-1441); they are not the trial's patients, whose data are not "
    "public.")
DIGITIZED_NOTE = (
    "The data are patient rows reconstructed (Guyot et al. 2012) from digitized Kaplan-Meier "
    "curves of a synthetic cohort calibrated to the published summaries of Shi et al. "
    "(Hepatol Int 2021;15:1431-1441); they are not the trial's patients, whose data are not "
    "public.")


def resolve(spec_path: Path | None, relative: str, where: str) -> Path:
    """The file ``relative`` names, relative to the spec's folder (or the working folder).

    Examples
    --------
    >>> resolve(Path("models/shi2021_death.toml"), "shi2021_hcc.toml", "spec").name
    'shi2021_hcc.toml'
    >>> resolve(None, "nowhere.csv", "my.toml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.SpecError: my.toml: file 'nowhere.csv' not found (looked for ...)
    """
    base = spec_path.parent if spec_path else Path.cwd()
    path = (base / relative).resolve()
    if not path.exists():
        raise SpecError(f"{where}: file {relative!r} not found (looked for {path})")
    return path


def read_csv(path: Path, where: str) -> pd.DataFrame:
    """A CSV file as a DataFrame, or a :class:`SpecError` naming the spec and the file.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "empty.csv"
    ...     _ = path.write_text("")
    ...     read_csv(path, "my.toml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.SpecError: my.toml: cannot read ... as CSV (...)
    """
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SpecError(f"{where}: cannot read {path} as CSV ({exc})") from None


def load_source(data: Mapping, spec_path: Path | None, where: str
                ) -> tuple[SurvivalData, pd.DataFrame | None]:
    """The data a ``[data]`` table names, and the reconstruction diagnostics when they come
    from digitized curves (None for patient rows).

    Examples
    --------
    >>> rows, reconstruction = load_source({"source": "shi2021", "endpoint": "hcc"}, None,
    ...                                    "spec")
    >>> rows.n_events, reconstruction is None
    (36, True)
    """
    d = data
    source = d["source"]
    columns = {"time": d.get("time", "time"), "event": d.get("event", "event"),
               "group": d.get("group", "arm"), "reference": d.get("reference"),
               "covariates": None if d.get("covariates") is None else list(d["covariates"]),
               "time_unit": d.get("time_unit", "months")}
    if source == "csv":
        frame = read_csv(resolve(spec_path, d["path"], where), where)
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

        curves = read_curves_csv(resolve(spec_path, d["curves"], where),
                                 scale=d.get("scale", "auto"))
        risk = (read_risk_table_csv(resolve(spec_path, d["risk_table"], where))
                if "risk_table" in d else None)
        total_events = d.get("total_events")
        if isinstance(total_events, Mapping):
            total_events = dict(total_events)
    from bayesurv.digitized.reconstruct import reconstruct_ipd

    ipd = reconstruct_ipd(curves, risk, total_events=total_events)
    rows = SurvivalData.from_frame(ipd, time="time", event="event", group="group",
                                   reference=columns["reference"],
                                   time_unit=columns["time_unit"])
    diagnostics = pd.DataFrame(ipd.attrs.get("diagnostics", []))
    return rows.replace(source="reconstructed from digitized curves"), diagnostics


def published_table(compare: Mapping, data: Mapping, spec_path: Path | None,
                    where: str) -> pd.DataFrame | None:
    """The published HR table a ``[compare]`` table names (None when it names none).

    Examples
    --------
    >>> table = published_table({"published": "shi2021"}, {"endpoint": "hcc"}, None, "spec")
    >>> len(table), table["endpoint"].unique().tolist()
    (3, ['hcc'])
    """
    published = compare.get("published")
    if published is None:
        return None
    if published in SHIPPED:
        from bayesurv import datasets

        table = datasets.shi2021_published()
        endpoint = compare.get("published_endpoint", data.get("endpoint", "death"))
        return table[table["endpoint"] == endpoint].reset_index(drop=True)
    return read_csv(resolve(spec_path, published, where), where)


def data_note(data: Mapping) -> str | None:
    """A sentence on data provenance for reports: synthetic data say so (None otherwise).

    Examples
    --------
    >>> data_note({"source": "shi2021", "digitized": True})[:44]
    'The data are patient rows reconstructed (Guy'
    >>> data_note({"source": "csv"}) is None
    True
    """
    if data["source"] not in SHIPPED:
        return None
    return DIGITIZED_NOTE if data.get("digitized", False) else SYNTHETIC_NOTE


@dataclass(frozen=True)
class SpecInputs:
    """Everything a spec reads from files, read and checked before any sampling.

    Attributes
    ----------
    data : SurvivalData
        The patient rows (reconstructed ones for digitized curves).
    reconstruction : pandas.DataFrame or None
        The reconstruction diagnostics for digitized curves.
    published : pandas.DataFrame or None
        The published HR table to compare with.
    """

    data: SurvivalData
    reconstruction: pd.DataFrame | None
    published: pd.DataFrame | None


def load_inputs(spec) -> SpecInputs:
    """Read a spec's data and published table and check the model and the landmarks against
    the data, so that a run of several specs fails before its first model compiles.

    Examples
    --------
    >>> from bayesurv.runner.spec import Spec
    >>> spec = Spec.from_dict({"data": {"source": "shi2021"},
    ...                        "model": {"type": "piecewise", "cuts": [13]},
    ...                        "compare": {"landmarks": [100]}})
    >>> load_inputs(spec)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayesurv.base.exceptions.SpecError: spec: compare.landmarks = [100.0] reach past the longest ...
    """
    where = str(spec.path) if spec.path else "spec"
    data, reconstruction = spec.load()
    published = spec.published_table()
    landmarks = [float(x) for x in spec.compare.get("landmarks", ())]
    if landmarks and max(landmarks) >= data.max_time:
        raise SpecError(f"{where}: compare.landmarks = {landmarks} reach past the longest "
                        f"follow-up ({data.max_time:g} {data.time_unit}); a landmark must be "
                        "inside the follow-up")
    try:
        spec.build_model().arrays(data)
    except BayesurvInputError as exc:
        raise SpecError(f"{where}: [model] does not fit the data: {exc}") from None
    return SpecInputs(data=data, reconstruction=reconstruction, published=published)
