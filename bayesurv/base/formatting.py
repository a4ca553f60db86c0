"""Markdown tables without extra dependencies."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["format_hr", "format_probability", "markdown_table"]


def format_hr(hr: float, lower: float, upper: float, missing: str = "") -> str:
    """``"0.32 (0.13-0.71)"``: a hazard ratio and its interval; ``missing`` if there is none.

    Examples
    --------
    >>> format_hr(0.3214, 0.127, 0.714), format_hr(float("nan"), 0.1, 1.0, "not reported")
    ('0.32 (0.13-0.71)', 'not reported')
    """
    if not np.isfinite(hr):
        return missing
    return f"{hr:.2f} ({lower:.2f}-{upper:.2f})"


def format_probability(p: float) -> str:
    """A probability or p-value with three decimals, bounded away from 0 and 1.

    Examples
    --------
    >>> format_probability(0.4213), format_probability(0.9996), format_probability(1e-5)
    ('0.421', '> 0.999', '< 0.001')
    >>> format_probability(float("nan"))
    ''
    """
    if not np.isfinite(p):
        return ""
    if p > 0.999:
        return "> 0.999"
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}"


def _cell(value, floatfmt: str) -> str:
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        if np.isinf(value):
            return "inf" if value > 0 else "-inf"
        return format(float(value), floatfmt)
    return str(value).replace("|", "\\|")


def markdown_table(df: pd.DataFrame, floatfmt: str = ".3g") -> str:
    """A GitHub-flavoured Markdown table of ``df`` (index dropped), numbers right-aligned.

    Examples
    --------
    >>> print(markdown_table(pd.DataFrame({"a": [1.23456], "b": ["x"]})))
    | a | b |
    |---:|---|
    | 1.23 | x |
    """
    header = "| " + " | ".join(str(c) for c in df.columns) + " |"
    align = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---"
                           for c in df.columns) + "|"
    rows = ["| " + " | ".join(_cell(v, floatfmt) for v in row) + " |"
            for row in df.itertuples(index=False)]
    return "\n".join([header, align, *rows])
