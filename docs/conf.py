"""Sphinx configuration of the bayesurv documentation.

``make docs`` runs ``docs/generate.py`` first: it fits the reference-trial specs with the
package's own report code and writes figures, tables and the numbers quoted in the pages
into ``docs/generated/`` (git-ignored).  The numbers reach the pages as MyST substitutions
(``{{ name }}``) read from ``generated/values.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import bayesurv

HERE = Path(__file__).resolve().parent
VALUES = HERE / "generated" / "values.json"
if not VALUES.is_file():
    raise RuntimeError("docs/generated/values.json is missing: run `make docs` (or "
                       "`python docs/generate.py` before sphinx-build)")

project = "bayesurv"
author = "the bayesurv developers"
copyright = "the bayesurv developers"
version = release = bayesurv.__version__

extensions = [
    "myst_nb",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    "generated/md/**",        # Markdown snippets, pulled into pages with {include}
    "generated/reports/**",   # report folders (their summary.md is not a page of the site)
    "generated/accuracy/**",
]
templates_path = ["_templates"]

# MyST: formulas, ::: fences, {{ value }} substitutions from the generated runs
myst_enable_extensions = ["amsmath", "colon_fence", "deflist", "dollarmath", "substitution"]
myst_heading_anchors = 3
myst_substitutions = json.loads(VALUES.read_text(encoding="utf-8"))

# Notebooks are committed with their outputs (tests/test_notebooks.py re-runs them tiny)
nb_execution_mode = "off"

# API reference from the numpy-style docstrings
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"bayesurv {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
