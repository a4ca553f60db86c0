"""The reference trial: Shi et al. (2021), UC-MSC therapy in decompensated liver cirrhosis.

Shi M, Li YY, Xu RN, et al. Mesenchymal stem cell therapy in decompensated liver cirrhosis: a
long-term follow-up analysis of the randomized controlled clinical trial. Hepatol Int.
2021;15(6):1431-1441. doi:10.1007/s12072-021-10199-2 (trial NCT01220492).

The trial's patient-level data are not public.  :func:`shi2021` returns a **synthetic** cohort
calibrated to the article's published summaries; it is not the trial's patients.
:func:`shi2021_published` returns the article's six published hazard ratios.
"""

from __future__ import annotations

import warnings
from functools import cache
from importlib import resources

import pandas as pd

from bayesurv.base.checks import describe_rows
from bayesurv.base.columns import check_columns_present, check_frame
from bayesurv.base.exceptions import BayesurvInputError, DataError, DataWarning
from bayesurv.digitized.curve import DigitizedCurve
from bayesurv.digitized.io import read_curves_csv, read_risk_table_csv
from bayesurv.digitized.risk_table import RiskTable

__all__ = ["shi2021", "shi2021_published", "to_treated_vs_reference"]

CITATION = (
    "Shi M, Li YY, Xu RN, et al. Mesenchymal stem cell therapy in decompensated liver "
    "cirrhosis: a long-term follow-up analysis of the randomized controlled clinical trial. "
    "Hepatol Int. 2021;15(6):1431-1441. doi:10.1007/s12072-021-10199-2"
)
SYNTHETIC_NOTE = (
    "Synthetic data calibrated to the published summaries of Shi et al. (2021), "
    "doi:10.1007/s12072-021-10199-2; not the trial's patients."
)
PAPER_ORIENTATION = "control vs UC-MSC"
BAYESURV_ORIENTATION = "UC-MSC vs control"
ENDPOINTS = ("death", "hcc")
ORIENTATIONS = ("paper", "bayesurv")

_BASELINE = ["id", "arm", "age", "sex", "meld", "child_pugh"]
_COHORT_DTYPES = {
    "id": "int64", "arm": str, "age": "int64", "sex": str, "meld": "float64",
    "child_pugh": str, "death_time": "float64", "death": "int64", "hcc_time": "float64",
    "hcc": "int64",
}
_PUBLISHED_DTYPES = {
    "endpoint": str, "start": "float64", "end": "float64", "hr": "float64",
    "lower": "float64", "upper": "float64", "p": "float64",
}


def _data_file(name: str):
    return resources.files("bayesurv.datasets").joinpath("data", name)


@cache
def _read_cohort() -> pd.DataFrame:
    with _data_file("shi2021_synthetic.csv").open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=_COHORT_DTYPES)


@cache
def _read_published() -> pd.DataFrame:
    with _data_file("shi2021_published.csv").open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=_PUBLISHED_DTYPES)


def _check_endpoint(endpoint, allow_none: bool) -> str | None:
    if endpoint is None and allow_none:
        return None
    if isinstance(endpoint, str) and endpoint.lower() in ENDPOINTS:
        return endpoint.lower()
    choices = " or ".join(repr(e) for e in ENDPOINTS)
    hint = " or None (both endpoints)" if allow_none else " (digitized curves are per endpoint)"
    raise BayesurvInputError(f"shi2021: endpoint must be {choices}{hint}, got {endpoint!r}")


def shi2021(endpoint: str | None = "death", digitized: bool = False):
    """Synthetic patient-level cohort calibrated to the Shi et al. (2021) trial.

    **This is synthetic data calibrated to published summaries, not the trial's patients**
    (the patient-level data are not public).  The 219 rows (111 control, 108 UC-MSC) were
    simulated by ``python -m bayesurv.datasets.generate_shi2021`` (fixed seeds) so that:

    * the event counts per arm and landmark window equal those derived from the article's
      confidence intervals: deaths 10/10 (control/UC-MSC) up to 13 months and 19/5 after;
      HCC 3/3 up to 8 months and 20/10 after;
    * follow-up (time to death or censoring) has the published medians (57 and 61 months)
      and ranges (2-82 and 1-85 months);
    * baseline covariates follow Table 1 (sex, Child-Pugh and MELD > 15 counts, age median
      and range exactly; MELD mean and SD approximately);
    * Cox models (overall, and landmark at 13 months for death, 8 months for HCC) land within
      15% of each published hazard ratio, with CI widths within 20% on the log scale.

    Article: Shi M, Li YY, Xu RN, et al. Hepatol Int. 2021;15(6):1431-1441,
    doi:10.1007/s12072-021-10199-2.

    Parameters
    ----------
    endpoint : {"death", "hcc"} or None, default "death"
        ``"death"`` (overall survival) or ``"hcc"`` (first hepatocellular carcinoma) gives
        columns ``time`` (months) and ``event`` (0/1) for that endpoint.  ``None`` gives both,
        as ``death_time``, ``death``, ``hcc_time``, ``hcc``.  For HCC, a patient who dies
        without HCC is censored at death; HCC always comes before death or the end of
        follow-up.
    digitized : bool, default False
        If true, return the cohort as a paper would show it: the Kaplan-Meier curves per arm
        as a digitizer would capture them and a numbers-at-risk table,
        ``(DigitizedCurve, RiskTable)``.  Needs a single endpoint.

    Returns
    -------
    pandas.DataFrame or tuple
        With ``digitized=False``, a new DataFrame (modify it freely) with one row per patient:
        ``id``, ``arm`` ("control" / "UC-MSC"), ``age`` (years), ``sex`` ("male" /
        "female"), ``meld`` (MELD score), ``child_pugh`` ("A" / "B" / "C") and the endpoint
        columns.  Times are whole days converted to months (days / 30.44, two decimals).

    Raises
    ------
    BayesurvInputError
        If ``endpoint`` or ``digitized`` is not one of the accepted values.

    Examples
    --------
    >>> import bayesurv as bs
    >>> import bayesurv.datasets
    >>> df = bs.datasets.shi2021(endpoint="death")   # synthetic, calibrated to the paper
    >>> df["arm"].value_counts().to_dict()
    {'control': 111, 'UC-MSC': 108}
    >>> data = bs.SurvivalData.from_frame(df, time="time", event="event", group="arm",
    ...                                   reference="control")
    """
    if not isinstance(digitized, bool):
        raise BayesurvInputError(f"shi2021: digitized must be True or False, got {digitized!r}")
    endpoint = _check_endpoint(endpoint, allow_none=not digitized)
    if digitized:
        return load_digitized(endpoint)
    cohort = _read_cohort().copy(deep=True)
    if endpoint is not None:
        cohort = cohort[[*_BASELINE, f"{endpoint}_time", endpoint]].rename(
            columns={f"{endpoint}_time": "time", endpoint: "event"}
        )
    cohort.attrs = {"description": SYNTHETIC_NOTE, "time_unit": "months"}
    return cohort


def digitized_file_names(endpoint: str) -> tuple[str, str]:
    return (f"shi2021_{endpoint}_digitized_curves.csv", f"shi2021_{endpoint}_risk_table.csv")


def load_digitized(endpoint: str) -> tuple[DigitizedCurve, RiskTable]:
    """Digitized curves and risk table of the **synthetic** cohort for one endpoint.

    Synthetic data calibrated to published summaries, not the trial's (see the module
    docstring).  The curves are cleaned as any digitized curve is; the warning about points
    moved to make them non-increasing is not shown here (the moves, a pixel or so, are in
    ``curve.cleaning_report``).

    Parameters
    ----------
    endpoint : {"death", "hcc"}

    Returns
    -------
    (DigitizedCurve, RiskTable)
        Groups ``"control"`` and ``"UC-MSC"``; time in months.

    Examples
    --------
    >>> curve, risk = load_digitized("death")
    >>> curve.groups, risk.group_table("control")[1][:3].tolist()
    (('control', 'UC-MSC'), [111, 102, 96])
    """
    if endpoint not in ENDPOINTS:
        raise BayesurvInputError(f"load_digitized: endpoint must be 'death' or 'hcc', got "
                                 f"{endpoint!r}")
    curves_name, risk_name = digitized_file_names(endpoint)
    data = resources.files("bayesurv.datasets").joinpath("data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        with resources.as_file(data.joinpath(curves_name)) as path:
            curve = read_curves_csv(path, time_unit="months")
    with resources.as_file(data.joinpath(risk_name)) as path:
        risk = read_risk_table_csv(path)
    return curve, risk


def shi2021_published(orientation: str = "paper") -> pd.DataFrame:
    """The six hazard ratios published by Shi et al. (2021), as a new DataFrame.

    Overall (0-75 months) and landmark analyses (death: 0-13 and 13-75 months; HCC: 0-8 and
    8-75 months) of overall survival and HCC-free survival, from Shi M, Li YY, Xu RN, et al.
    Hepatol Int. 2021;15(6):1431-1441, doi:10.1007/s12072-021-10199-2.

    Parameters
    ----------
    orientation : {"paper", "bayesurv"}, default "paper"
        ``"paper"``: as published, control vs UC-MSC (HR > 1 favours UC-MSC).
        ``"bayesurv"``: treated vs reference, UC-MSC vs control (HR < 1 favours UC-MSC),
        i.e. 1/HR with the CI bounds swapped (see :func:`to_treated_vs_reference`).

    Returns
    -------
    pandas.DataFrame
        Columns ``endpoint`` ("death" / "hcc"), ``start`` and ``end`` (window, months),
        ``hr``, ``lower``, ``upper`` (95% CI), ``p`` (two-sided, as published) and
        ``orientation`` ("control vs UC-MSC" or "UC-MSC vs control").

    Examples
    --------
    >>> import bayesurv.datasets as ds
    >>> table = ds.shi2021_published()
    >>> print(table.iloc[2:3, :6].to_string(index=False))
    endpoint  start  end   hr  lower  upper
       death   13.0 75.0 3.68   1.38   9.85
    >>> print(round(float(ds.shi2021_published(orientation="bayesurv").loc[2, "hr"]), 3))
    0.272
    """
    if orientation not in ORIENTATIONS:
        raise BayesurvInputError(
            f"shi2021_published: orientation must be 'paper' or 'bayesurv', got {orientation!r}"
        )
    table = _read_published().copy(deep=True)
    table["orientation"] = PAPER_ORIENTATION
    table.attrs = {"citation": CITATION}
    return to_treated_vs_reference(table) if orientation == "bayesurv" else table


def to_treated_vs_reference(table: pd.DataFrame) -> pd.DataFrame:
    """Turn the published table into bayesurv's orientation: UC-MSC vs control.

    Rows labelled ``"control vs UC-MSC"`` get ``hr = 1/hr``, ``lower = 1/upper`` and
    ``upper = 1/lower`` and the label ``"UC-MSC vs control"``; rows already in that
    orientation are kept as they are, so applying it twice changes nothing.  p-values and
    windows are unchanged.  The input is not modified.

    Parameters
    ----------
    table : pandas.DataFrame
        A table like :func:`shi2021_published` returns (columns ``hr``, ``lower``, ``upper``
        and ``orientation``).

    Returns
    -------
    pandas.DataFrame
        A new table, every row labelled ``"UC-MSC vs control"`` (HR < 1 favours UC-MSC).

    Examples
    --------
    >>> import bayesurv.datasets as ds
    >>> flipped = ds.to_treated_vs_reference(ds.shi2021_published())
    >>> print(flipped.loc[[0, 2], ["endpoint", "hr", "lower", "upper"]].round(3)
    ...       .to_string(index=False))
    endpoint    hr  lower  upper
       death 0.529  0.279  0.990
       death 0.272  0.102  0.725
    """
    what = "to_treated_vs_reference: table"
    check_frame(table, what)
    check_columns_present(table, {c: c for c in ("hr", "lower", "upper", "orientation")}, what)
    orientation = table["orientation"]
    bad = ~orientation.isin([PAPER_ORIENTATION, BAYESURV_ORIENTATION])
    if bad.any():
        raise DataError(
            f"{what}: column 'orientation' must be {PAPER_ORIENTATION!r} or "
            f"{BAYESURV_ORIENTATION!r}; found other values at "
            f"{describe_rows(table.index[bad], orientation[bad])}"
        )
    out = table.copy(deep=True)
    flip = (orientation == PAPER_ORIENTATION).to_numpy()
    for col in ("hr", "lower", "upper"):
        out[col] = out[col].astype(float)
    out.loc[flip, "hr"] = 1.0 / table.loc[flip, "hr"].astype(float)
    out.loc[flip, "lower"] = 1.0 / table.loc[flip, "upper"].astype(float)
    out.loc[flip, "upper"] = 1.0 / table.loc[flip, "lower"].astype(float)
    out["orientation"] = BAYESURV_ORIENTATION
    return out
