"""A public illness-death data set: monoclonal gammopathy of undetermined significance (MGUS).

Kyle RA, Therneau TM, Rajkumar SV, Offord JR, Larson DR, Plevak MF, Melton LJ 3rd. A
long-term study of prognosis in monoclonal gammopathy of undetermined significance. N Engl J
Med. 2002;346(8):564-569.

The rows are the ``mgus2`` data of the R package survival (Mayo Clinic data courtesy of Dr.
Robert Kyle; identifiers removed, age rounded to the year and times to the month), exported
once to ``data/mgus2.csv`` and read here with pandas alone.  R survival is distributed under
the LGPL; the rows are facts from the cited study, shipped with its citation.  These are real
patients, unlike the synthetic reference cohort of :func:`bayesurv.datasets.shi2021`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

__all__ = ["mgus2"]

CITATION = (
    "Kyle RA, Therneau TM, Rajkumar SV, Offord JR, Larson DR, Plevak MF, Melton LJ 3rd. A "
    "long-term study of prognosis in monoclonal gammopathy of undetermined significance. "
    "N Engl J Med. 2002;346(8):564-569"
)
NOTE = ("mgus2 from the R package survival (LGPL); Mayo Clinic data courtesy of Dr. Robert "
        "Kyle. Progression to a plasma-cell malignancy = illness.")
_DTYPES = {"id": "int64", "age": "int64", "sex": str, "dxyr": "int64", "hgb": "float64",
           "creat": "float64", "mspike": "float64", "ptime": "int64", "pstat": "int64",
           "futime": "int64", "death": "int64"}


@cache
def _read() -> pd.DataFrame:
    path = resources.files("bayesurv.datasets").joinpath("data", "mgus2.csv")
    with path.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=_DTYPES)


def mgus2() -> pd.DataFrame:
    """Natural history of 1384 patients with MGUS: progression to a plasma-cell malignancy
    (PCM) and death, an illness-death data set (real patients, Kyle et al. 2002).

    One row per patient, as R survival's ``mgus2``:

    - ``id``; ``age`` (years, at diagnosis); ``sex`` (``"F"`` 631, ``"M"`` 753); ``dxyr``
      (year of diagnosis); ``hgb`` (haemoglobin), ``creat`` (creatinine), ``mspike`` (size of
      the monoclonal serum spike), with missing values (13, 30 and 11 rows);
    - ``ptime``, ``pstat``: months to PCM (``pstat`` 1, 115 patients) or to the last contact
      without it (0);
    - ``futime``, ``death``: months to death (``death`` 1) or last contact (0).

    How the columns map to :class:`~bayesurv.IllnessDeathData`: ``illness_time="ptime"``,
    ``illness="pstat"``, ``death_time="futime"``, ``death="death"``; ``ptime`` is never
    after ``futime``, and it equals ``futime`` for every patient without PCM.  Nine patients
    progress and die in the same month (``ptime == futime``, both 1): the data's rule counts
    the progression, then the death (the frequentist functions put the progression an
    instant before the death, as R's survival vignette does with ``ptime - 0.1``).  The
    natural two groups are the sexes, ``group="sex", reference="F"``.

    Returns
    -------
    pandas.DataFrame
        A new frame (modify it freely); ``attrs`` hold the citation and a note.

    Examples
    --------
    >>> import bayesurv as bs
    >>> df = bs.datasets.mgus2()
    >>> data = bs.IllnessDeathData.from_frame(df, illness_time="ptime", illness="pstat",
    ...                                       death_time="futime", death="death",
    ...                                       group="sex", reference="F", time_unit="months")
    >>> data.summary()
      group    n  illness  death  death_after_illness
    0     F  631       59    370                   53
    1     M  753       56    490                   50
    """
    frame = _read().copy(deep=True)
    frame.attrs = {"citation": CITATION, "description": NOTE, "time_unit": "months"}
    return frame
