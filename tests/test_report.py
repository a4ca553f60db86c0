"""The report folder: user strings read literally in summary.md; a three-arm run."""

from __future__ import annotations

import re
import textwrap

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv import frequentist
from bayesurv.runner.cli import main
from bayesurv.runner.report import AnalysisResult, write_report
from bayesurv.runner.spec import Spec

REFERENCE = "ctrl $\\frac$\n# injected"
TREATED = "<script>alert(1)</script>|x"
TITLE = "Trial *one*\n## <img src=x onerror=alert(1)> [link](http://example.org) `code` & co"


def cells(line: str) -> list[str]:
    """The cells of a Markdown table row (a backslash-escaped pipe does not split)."""
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def tables(text: str) -> list[list[str]]:
    """Each Markdown table of ``text`` as its lines."""
    found, current = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    return found


@pytest.fixture(scope="module")
def hostile_report(fits, reference_like_data, small_settings, tmp_path_factory):
    """The report of a fit whose group labels and title are Markdown and HTML (and, for the
    figures, a ``$...$`` pair matplotlib would otherwise read as mathtext and fail on)."""
    d = reference_like_data
    labels = np.array([REFERENCE, TREATED])[d.group_index]
    frame = pd.DataFrame({"time": d.time, "event": d.event, "arm": labels})
    data = bs.SurvivalData.from_frame(frame, reference=REFERENCE)
    # same shape as the shared piecewise fits: the compiled model is reused
    fit = fits.get(bs.PiecewiseExponential(cuts=[13]), data, **small_settings)
    spec = Spec.from_dict({"title": TITLE, "data": {"source": "shi2021"},
                           "model": {"type": "piecewise", "cuts": [13]}})
    result = AnalysisResult(spec, data, fit, bs.compare(fit, data), None,
                            fit.diagnostics(warn=False), frequentist.cox(data),
                            frequentist.logrank(data))
    out = write_report(result, tmp_path_factory.mktemp("hostile") / "report", log=lambda m: None)
    return (out / "summary.md").read_text(encoding="utf-8")


def test_user_strings_cannot_add_headings_or_html(hostile_report):
    lines = hostile_report.splitlines()
    assert not any(line.lstrip().startswith("# injected") for line in lines)
    assert [line for line in lines if line.startswith("# ")] == [
        r"# Trial \*one\* \#\# &lt;img src=x onerror=alert(1)&gt; \[link\](http://example.org) "
        r"\`code\` &amp; co"]
    assert "<script>" not in hostile_report and "<img" not in hostile_report
    # the labels are still there, escaped
    assert r"&lt;script&gt;alert(1)&lt;/script&gt;\|x" in hostile_report
    assert r"ctrl \$\\frac\$ \# injected" in hostile_report


def test_tables_keep_their_columns_with_pipes_in_labels(hostile_report):
    found = tables(hostile_report)
    assert len(found) >= 3  # data, priors, hazard ratios
    for table in found:
        widths = {len(cells(line)) for line in table}
        assert widths == {len(cells(table[0]))}, table
    data_rows = [cells(line) for line in found[0][2:]]
    assert [row[0].strip() for row in data_rows] == [
        r"ctrl \$\\frac\$ \# injected", r"&lt;script&gt;alert(1)&lt;/script&gt;\|x"]


def test_rendered_summary_has_no_injected_markup(hostile_report):
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(hostile_report)
    assert html.count("<h1>") == 1 and "<script" not in html and "<img src=x" not in html
    assert '<a href="http://example.org"' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;|x" in html
    for table in re.findall(r"<table>.*?</table>", html, flags=re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
        assert len({len(re.findall(r"<t[hd]", row)) for row in rows}) == 1


# ----------------------------------------------------------------- three arms
ARMS = ("control", "high dose", "low dose")


@pytest.fixture(scope="module")
def three_arm_report(tmp_path_factory):
    """A spec of three arms (80 patients each) run from the command line with tiny settings."""
    folder = tmp_path_factory.mktemp("three")
    rng = np.random.default_rng(5)
    rates = {"control": 0.04, "high dose": 0.02, "low dose": 0.03}
    frame = pd.DataFrame({"arm": np.repeat(ARMS, 80)})
    event_time = rng.exponential(1 / frame["arm"].map(rates).to_numpy())
    censor = rng.uniform(18, 30, len(frame))
    frame["time"] = np.minimum(event_time, censor).round(3)
    frame["event"] = (event_time <= censor).astype(int)
    frame.to_csv(folder / "three.csv", index=False)
    pd.DataFrame({"group": ["high dose", "low dose"], "start": [0.0, 0.0], "end": [12.0, 12.0],
                  "hr": [2.0, 1.25], "lower": [1.0, 0.5], "upper": [4.0, 2.5],
                  "orientation": ["control vs high dose", "control vs low dose"]}).to_csv(
        folder / "published.csv", index=False)
    (folder / "three.toml").write_text(textwrap.dedent("""\
        title = "Three arms"
        [data]
        source = "csv"
        path = "three.csv"
        reference = "control"
        [model]
        type = "piecewise"
        cuts = [12]
        [compare]
        landmarks = [12]
        published = "published.csv"
        prior_sensitivity = ["default", "skeptical"]
        """))
    code = main(["run", str(folder / "three.toml"), "--out", str(folder / "out"), "--draws",
                 "100", "--chains", "2", "--seed", "4", "--jobs", "1", "--quiet"])
    assert code == 0
    data = bs.SurvivalData.from_frame(frame, reference="control")
    return folder / "out" / "three", data


def test_three_arm_tables_have_a_row_per_treated_arm(three_arm_report):
    out, data = three_arm_report
    comparison = pd.read_csv(out / "tables/comparison.csv")
    assert sorted(zip(comparison["window"], comparison["group"], strict=True)) == [
        ("0-12", "high dose"), ("0-12", "low dose"), ("12+", "high dose"), ("12+", "low dose")]
    # each treated arm against the reference: the landmark Cox HRs of that arm
    landmark = frequentist.landmark(data, at=12)
    merged = comparison.merge(landmark, left_on=["start", "group"], right_on=["start", "term"])
    assert len(merged) == 4
    np.testing.assert_allclose(merged["freq_hr"], merged["hr"], rtol=1e-9)
    # each arm's published row, inverted from control-first; none past 12 months
    early = comparison[comparison["window"] == "0-12"].set_index("group")
    assert early.loc["high dose", "published_hr"] == pytest.approx(0.5)
    assert early.loc["low dose", "published_hr"] == pytest.approx(0.8)
    assert comparison.loc[comparison["window"] == "12+", "published_hr"].isna().all()
    for name, per_arm in (("hazard_ratios", 2), ("prior_sensitivity", 4)):
        table = pd.read_csv(out / f"tables/{name}.csv")
        assert table["group"].value_counts().to_dict() == {"high dose": per_arm,
                                                           "low dose": per_arm}, name
    assert len(pd.read_csv(out / "tables/cox.csv")) == 2
    for name in ("forest", "hazard_ratio_over_time", "survival", "prior_posterior"):
        assert (out / f"figures/{name}.png").stat().st_size > 1000, name


def test_three_arm_summary_names_every_arm(three_arm_report):
    out, _ = three_arm_report
    text = (out / "summary.md").read_text(encoding="utf-8")
    heading = next(line for line in text.splitlines() if line.startswith("## Hazard ratios"))
    assert all(arm in heading for arm in ARMS)
    assert "high dose vs control" in text and "low dose vs control" in text
    hr_table, sensitivity = (t for t in tables(text) if "| prior set |" in t[0]
                             or "| window |" in t[0])
    for table, rows in ((hr_table, 4), (sensitivity, 8)):
        columns = [c.strip() for c in cells(table[0])]
        groups = [cells(line)[columns.index("group")].strip() for line in table[2:]]
        assert sorted(groups) == sorted(["high dose", "low dose"] * (rows // 2))


def test_three_arm_published_table_must_name_the_group(three_arm_report):
    """Without a group column every treated arm would be shown the same published HR."""
    out, data = three_arm_report
    fit = bs.Fit.from_netcdf(out / "posterior.nc")
    published = pd.DataFrame({"start": [0.0], "end": [12.0], "hr": [0.5], "lower": [0.25],
                              "upper": [1.0]})
    with pytest.raises(bs.DataError, match="add a group column"):
        bs.compare(fit, data, published, published_orientation="treated_vs_reference")
    with pytest.raises(bs.DataError, match=r"\['placebo'\] are not treated groups"):
        bs.compare(fit, data, published.assign(group="placebo"),
                   published_orientation="treated_vs_reference")
    table = bs.compare(fit, data, published.assign(group="low dose"),
                       published_orientation="treated_vs_reference")
    assert table.set_index(["window", "group"])["published_hr"].dropna().to_dict() == {
        ("0-12", "low dose"): 0.5}


def test_every_report_table_with_an_interval_says_which(three_arm_report):
    out, _ = three_arm_report
    checked = []
    for path in sorted((out / "tables").glob("*.csv")):
        table = pd.read_csv(path)
        if {"lower", "bayes_lower", "freq_lower"} & set(table.columns):
            assert "interval" in table.columns, path.name
            assert table["interval"].str.startswith(("95% ", "Bayesian 95% ")).all(), path.name
            checked.append(path.stem)
    assert {"comparison", "hazard_ratios", "survival", "cox", "prior_sensitivity",
            "estimands"} <= set(checked)
    text = (out / "summary.md").read_text(encoding="utf-8")
    assert "95% equal-tailed credible interval" in text
