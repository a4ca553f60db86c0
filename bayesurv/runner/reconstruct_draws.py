"""``bayesurv reconstruct --draws K``: K reconstructions in one CSV.

The file has the columns of a single reconstruction (``time, event, group``) after a
``reconstruction`` column numbering the draws 1 to K, so one file holds them all and is
written at once (atomically, like every bayesurv output); the draws are read back with
``pandas.read_csv(path).groupby("reconstruction")`` and fitted pooled with
``model.fit([SurvivalData.from_frame(part, ...) for _, part in groups])``.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["stack_reconstructions"]


def stack_reconstructions(ipds: list[pd.DataFrame]) -> pd.DataFrame:
    """K reconstructions as one frame with a ``reconstruction`` column (1 to K) first.

    Examples
    --------
    >>> one = pd.DataFrame({"time": [1.0, 2.0], "event": [1, 0], "group": ["a", "a"]})
    >>> stack_reconstructions([one, one])["reconstruction"].tolist()
    [1, 1, 2, 2]
    """
    parts = [ipd.assign(reconstruction=k) for k, ipd in enumerate(ipds, start=1)]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    frame.attrs = {}
    columns = ["reconstruction", *[c for c in frame.columns if c != "reconstruction"]]
    return frame[columns] if parts else frame
