"""Publication figures: numbers at risk under the time axis, censoring marks on the
Kaplan-Meier steps, files at 300 dpi and as SVG, captions inside the figure, three arms.

The expected numbers are counted here from the patient rows of the shipped synthetic cohort
(111 control and 108 UC-MSC patients), not taken from bayesurv's Kaplan-Meier code.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

import bayesurv as bs
from bayesurv.plotting import figures as plots
from bayesurv.plotting import risk_table

ARMS = ("control", "high dose", "low dose")
CAPTION = ("Synthetic data calibrated to the published summaries of the reference trial; not "
           "the trial's patients.  Long enough to wrap over more than one line of a page.")


@pytest.fixture(scope="module")
def frame():
    return bs.datasets.shi2021("death")


@pytest.fixture(scope="module")
def data(reference_data):
    return reference_data


@pytest.fixture(scope="module")
def pw_fit(fits, data, small_settings):
    return fits.get(bs.PiecewiseExponential(cuts=[13]), data, **small_settings)


@pytest.fixture(scope="module")
def three_arms():
    """Three arms of 80 patients (exponential, rates 0.04, 0.02, 0.03 a month)."""
    rng = np.random.default_rng(5)
    rates = {"control": 0.04, "high dose": 0.02, "low dose": 0.03}
    frame = pd.DataFrame({"arm": np.repeat(ARMS, 80)})
    event_time = rng.exponential(1 / frame["arm"].map(rates).to_numpy())
    censor = rng.uniform(18, 30, len(frame))
    frame["time"] = np.minimum(event_time, censor).round(3)
    frame["event"] = (event_time <= censor).astype(int)
    return frame, bs.SurvivalData.from_frame(frame, reference="control")


@pytest.fixture(scope="module")
def three_arm_fit(fits, three_arms):
    return fits.get(bs.PiecewiseExponential(cuts=[12]), three_arms[1], draws=100, tune=100,
                    chains=2, random_seed=4, progressbar=False)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def km_by_hand(time, event, at) -> np.ndarray:
    """Product-limit estimate at each time in ``at`` (deaths at t included)."""
    deaths = np.unique(time[event == 1])
    factor = np.array([1 - np.sum((time == d) & (event == 1)) / np.sum(time >= d)
                       for d in deaths])
    return np.array([np.prod(factor[deaths <= t]) for t in at])


def table_numbers(table) -> dict[tuple[int, float], int]:
    """(row, time) -> the number written there in an at-risk table's axes."""
    return {(round(t.get_position()[1]), float(t.get_position()[0])): int(t.get_text())
            for t in table.texts}


def censoring_lines(ax) -> list:
    return [line for line in ax.get_lines() if line.get_marker() == "|"]


# ---------------------------------------------------------------------------- at risk
def test_at_risk_data_counts_patients_still_followed(frame, data):
    times = [0.0, 12.5, 36.0, 84.99, 100.0]
    got = risk_table.at_risk_data(data, times)
    for arm in ("control", "UC-MSC"):
        followed = frame.loc[frame["arm"] == arm, "time"].to_numpy()
        rows = got[got["group"] == arm]
        assert rows["time"].tolist() == times
        assert rows["at_risk"].tolist() == [int(np.sum(followed >= t)) for t in times]
    assert got.set_index(["group", "time"]).loc[[("control", 0.0), ("UC-MSC", 0.0)],
                                                "at_risk"].tolist() == [111, 108]
    assert got.loc[got["time"] == 100.0, "at_risk"].tolist() == [0, 0]


@pytest.mark.parametrize("figure", ["kaplan_meier", "survival"])
def test_at_risk_table_under_the_axis_shows_the_counts_at_the_ticks(figure, frame, data,
                                                                    pw_fit):
    fig = (plots.plot_kaplan_meier(data) if figure == "kaplan_meier"
           else plots.plot_survival(pw_fit, data))
    curves, table = fig.axes
    fig.canvas.draw()
    ticks = curves.get_xticks()
    np.testing.assert_array_equal(ticks, [0, 20, 40, 60, 80])
    assert curves.get_xlabel() == "time since randomisation (months)"
    numbers = table_numbers(table)
    assert len(numbers) == 2 * len(ticks)
    for row, arm in enumerate(("control", "UC-MSC")):
        followed = frame.loc[frame["arm"] == arm, "time"].to_numpy()
        assert [numbers[row, t] for t in ticks] == [int(np.sum(followed >= t)) for t in ticks]
    assert (numbers[0, 0.0], numbers[1, 0.0]) == (111, 108)
    # under the time axis, each column at its tick, each row named and coloured as its curve
    assert table.get_position().y1 < curves.get_position().y0
    for text in table.texts:
        x = text.get_window_extent().x0 + text.get_window_extent().width / 2
        tick = curves.transData.transform((text.get_position()[0], 0))[0]
        assert x == pytest.approx(tick, abs=1.0)
    labels = table.get_yticklabels()
    assert [t.get_text() for t in labels] == ["control", "UC-MSC"]
    marks = censoring_lines(curves)
    assert [t.get_color() for t in labels] == [m.get_color() for m in marks]
    assert len({t.get_color() for t in labels}) == 2
    assert table.get_title(loc="left") == "Number at risk"


# ---------------------------------------------------------------------------- censoring
@pytest.mark.parametrize("figure", ["kaplan_meier", "survival"])
def test_censoring_marks_sit_on_the_steps_at_the_censored_times(figure, frame, data, pw_fit):
    fig = (plots.plot_kaplan_meier(data) if figure == "kaplan_meier"
           else plots.plot_survival(pw_fit, data))
    marks = censoring_lines(fig.axes[0])
    assert len(marks) == 2
    for line, arm in zip(marks, ("control", "UC-MSC"), strict=True):
        rows = frame[frame["arm"] == arm]
        time, event = rows["time"].to_numpy(), rows["event"].to_numpy()
        censored = np.unique(time[event == 0])
        assert censored.size > 50
        np.testing.assert_array_equal(line.get_xdata(), censored)
        np.testing.assert_allclose(line.get_ydata(), km_by_hand(time, event, censored),
                                   rtol=1e-12)
        assert line.get_linestyle() == "None"


# ---------------------------------------------------------------------------- files
def test_saved_figures_are_300_dpi_pngs_with_an_svg_each_and_keep_the_caption(pw_fit, data,
                                                                               tmp_path):
    paths = plots.save_figures(pw_fit, data, tmp_path, bs.compare(pw_fit, data),
                               caption=CAPTION)
    assert sorted(paths) == ["forest", "hazard_ratio_over_time", "kaplan_meier",
                             "prior_posterior", "survival"]
    for name, path in paths.items():
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01), name
            width = image.size[0]
            # the caption is drawn at the bottom edge of the file, not cut off
            bottom = np.asarray(image.convert("L"))[-int(0.25 * 300):]
        assert width == 7 * 300
        assert (bottom < 128).any(), name
        svg = tmp_path / f"{name}.svg"
        text = svg.read_text(encoding="utf-8")
        assert text.lstrip().startswith("<?xml") and "<svg" in text
        assert 'width="504pt"' in text  # 7 in
    assert len(list(tmp_path.glob("*.svg"))) == len(list(tmp_path.glob("*.png"))) == 5
    # a rerun writes the same SVG bytes (no date, fixed element ids)
    again = tmp_path / "again.svg"
    plots._save_svg(plots.plot_kaplan_meier(data, caption=CAPTION), str(again))
    assert again.read_bytes() == (tmp_path / "kaplan_meier.svg").read_bytes()


@pytest.mark.parametrize("name", ["kaplan_meier", "survival", "forest",
                                  "hazard_ratio_over_time", "prior_posterior"])
def test_caption_and_every_label_lie_inside_the_figure(name, pw_fit, data):
    makers = {
        "kaplan_meier": lambda note: plots.plot_kaplan_meier(data, caption=note),
        "survival": lambda note: plots.plot_survival(pw_fit, data, caption=note),
        "forest": lambda note: plots.plot_forest(bs.compare(pw_fit, data), "months",
                                                 "control", caption=note),
        "hazard_ratio_over_time": lambda note: plots.plot_hazard_ratio_curve(pw_fit,
                                                                             caption=note),
        "prior_posterior": lambda note: plots.plot_prior_posterior(pw_fit, caption=note),
    }
    bare_height = makers[name](None).get_figheight()
    fig = makers[name](CAPTION)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    caption = next(t for t in fig.texts if t.get_text().startswith("Synthetic data"))
    assert caption.get_text().count("\n") >= 1  # wrapped to the page
    assert caption.get_fontsize() >= 7
    box, page = caption.get_window_extent(renderer), fig.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
    # under every axes and its labels
    assert all(box.y1 <= ax.get_tightbbox(renderer).y0 + 1 for ax in fig.axes)
    # nothing else sticks out of the page either: the box of everything drawn (what a tight
    # bounding box would crop to) lies within it
    drawn, inches = fig.get_tightbbox(renderer), fig.bbox_inches
    tolerance = 1 / 72
    assert drawn.x0 >= inches.x0 - tolerance and drawn.x1 <= inches.x1 + tolerance
    assert drawn.y0 >= inches.y0 - tolerance and drawn.y1 <= inches.y1 + tolerance
    # the page grew by the caption's strip instead of squeezing the plot
    assert fig.get_figwidth() == 7.0
    assert fig.get_figheight() > bare_height + 0.2


# ---------------------------------------------------------------------------- three arms
def test_three_arm_survival_figure_names_every_arm(three_arm_fit, three_arms):
    frame, data = three_arms
    fig = plots.plot_survival(three_arm_fit, data)
    curves, table = fig.axes
    fig.canvas.draw()
    # the legend once squeezed the curves into a sliver of the figure
    assert curves.get_position().width * fig.get_figwidth() > 4.0
    legend = [t.get_text() for t in curves.get_legend().get_texts()]
    assert legend[:3] == list(ARMS)
    assert [t.get_text() for t in table.get_yticklabels()] == list(ARMS)
    numbers = table_numbers(table)
    for row, arm in enumerate(ARMS):
        followed = frame.loc[frame["arm"] == arm, "time"].to_numpy()
        assert numbers[row, 0.0] == 80
        assert [numbers[row, t] for t in curves.get_xticks()] == [
            int(np.sum(followed >= t)) for t in curves.get_xticks()]
    assert len(censoring_lines(curves)) == 3
    assert len({line.get_color() for line in censoring_lines(curves)}) == 3
    km = plots.plot_kaplan_meier(data)
    assert [t.get_text() for t in km.axes[0].get_legend().get_texts()] == [*ARMS, "censored"]


def test_repr_names_the_groups(three_arm_fit, pw_fit):
    lines = repr(three_arm_fit).splitlines()
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "HR high dose vs control, 0-12", "HR high dose vs control, 12+",
        "HR low dose vs control, 0-12", "HR low dose vs control, 12+"]
    hr = three_arm_fit.hazard_ratios().set_index(["group", "period"])
    assert f"{hr.loc[('low dose', '12+'), 'median']:.3f}" in lines[4]
    assert repr(pw_fit).splitlines()[1].startswith("  HR UC-MSC vs control, 0-13: ")


def test_survival_figures_draw_into_given_axes(data):
    fig, (curves, table) = plt.subplots(2, 1, height_ratios=(4, 1))
    assert plots.plot_kaplan_meier(data, ax=[curves, table]) is fig
    assert len(table.texts) == 2 * len(curves.get_xticks())
    fig, alone = plt.subplots()
    assert plots.plot_kaplan_meier(data, ax=alone).axes == [alone]  # no table without its axes
    with pytest.raises(bs.BayesurvInputError, match="two Axes"):
        plots.plot_kaplan_meier(data, ax=[alone])
