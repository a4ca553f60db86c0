"""Markdown text and tables without extra dependencies.

Every string that did not come from the package (group labels, covariate names, titles,
published-table labels) goes into Markdown through :func:`escape_markdown` (or
:func:`inline_code`), so it reads literally: it cannot start a heading or a list, split a
table row, or reach a rendered page as HTML.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["escape_markdown", "format_hr", "format_probability", "inline_code",
           "markdown_table"]

# line breaks (and other control characters) would end a table row or start a new block
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
# characters that start emphasis, headings, links, tables, code, strikethrough or math
_SPECIALS = re.compile(r"([\\`*_#\[\]|~$])")
_HTML = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def escape_markdown(text) -> str:
    r"""``text`` as literal Markdown: one line, Markdown specials and HTML escaped.

    Line breaks and other control characters become one space; ``\ ` * _ # [ ] | ~ $`` get a
    backslash; ``&``, ``<`` and ``>`` become HTML entities.  Safe in headings, running text
    and table cells (not inside code spans: see :func:`inline_code`).

    Examples
    --------
    >>> escape_markdown("ctrl\n# injected")
    'ctrl \\# injected'
    >>> escape_markdown("<script>alert(1)</script>|x")
    '&lt;script&gt;alert(1)&lt;/script&gt;\\|x'
    >>> escape_markdown("UC-MSC"), escape_markdown(3)
    ('UC-MSC', '3')
    """
    text = _SPECIALS.sub(r"\\\1", _BREAKS.sub(" ", str(text)))
    for char, entity in _HTML:
        text = text.replace(char, entity)
    return text


def inline_code(text) -> str:
    """``text`` as one Markdown code span, whatever backticks it holds.

    The fence is one backtick longer than the longest run of backticks in ``text``; line
    breaks become spaces.  Not for table cells (a ``|`` would still split the row).

    Examples
    --------
    >>> inline_code("bayesurv run my.toml")
    '`bayesurv run my.toml`'
    >>> inline_code("a`b")
    '``a`b``'
    >>> inline_code("`x")
    '`` `x ``'
    """
    text = _BREAKS.sub(" ", str(text))
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text[:1] == "`" or text[-1:] == "`" or (
        text[:1] == " " and text[-1:] == " " and text.strip()) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


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
    return escape_markdown(value)


def markdown_table(df: pd.DataFrame, floatfmt: str = ".3g") -> str:
    r"""A GitHub-flavoured Markdown table of ``df`` (index dropped), numbers right-aligned.

    Column names and text cells go through :func:`escape_markdown`, so every row has as
    many cells as the header.

    Examples
    --------
    >>> print(markdown_table(pd.DataFrame({"a": [1.23456], "b": ["x"]})))
    | a | b |
    |---:|---|
    | 1.23 | x |
    >>> print(markdown_table(pd.DataFrame({"group": ["a|b\n# c"], "n": [3]})))
    | group | n |
    |---|---:|
    | a\|b \# c | 3 |
    """
    header = "| " + " | ".join(escape_markdown(c) for c in df.columns) + " |"
    align = "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---"
                           for c in df.columns) + "|"
    rows = ["| " + " | ".join(_cell(v, floatfmt) for v in row) + " |"
            for row in df.itertuples(index=False)]
    return "\n".join([header, align, *rows])
