"""Illness-death specs and their report: every key checked before sampling, one tiny run of
the reference joint spec from the command line, and the saved fit read back."""

from __future__ import annotations

import copy
import pickle
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bayesurv as bs
from bayesurv.base.exceptions import DataWarning, FitFileError, SpecError
from bayesurv.runner.cli import main
from bayesurv.runner.spec import Spec, load_spec
from bayesurv.runner.spec_inputs import load_inputs
from tests.test_properties import outcome, property_settings

TINY = ["--draws", "50", "--chains", "2", "--seed", "3", "--quiet"]

JOINT = """
    [data]
    source = "shi2021"
    endpoint = "joint"

    [model]
    type = "illness-death"

    [model.illness]
    type = "changepoint"
    near = 8
"""


def write(tmp_path, text, name="joint.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


# ---------------------------------------------------------------------- parsing (cheap)
def test_reference_joint_spec_builds_its_model():
    spec = load_spec("models/shi2021_joint.toml")
    model = spec.build_model()
    kinds = {key: kind.kind for key, kind in model.transitions.items()}
    assert kinds == {"illness": "changepoint", "death": "changepoint",
                     "death_after_illness": "piecewise"}
    assert model.transitions["illness"].near == 8 and model.transitions["death"].near == 13
    assert model.transitions["death_after_illness"].cuts.size == 0  # constant HR
    assert spec.is_illness_death and "synthetic" in spec.data_note()
    assert "SYNTHETIC" in spec.text and "synthetic" in spec.title
    data = load_inputs(spec).data
    assert isinstance(data, bs.IllnessDeathData)
    assert data.to_dict()["events"] == {"illness": 36, "death": 39, "death_after_illness": 5}


def test_spec_and_data_reach_worker_processes_intact():
    """``bayesurv run`` with several specs sends each spec and its data to a worker process
    (pickled); the illness-death data arrive equal and still read-only."""
    spec = load_spec("models/shi2021_joint.toml")
    inputs = load_inputs(spec)
    spec_copy, inputs_copy = pickle.loads(pickle.dumps((spec, inputs)))
    data, copy_ = inputs.data, inputs_copy.data
    for name in ("illness_time", "illness", "death_time", "death", "group_index"):
        np.testing.assert_array_equal(getattr(copy_, name), getattr(data, name))
        assert not getattr(copy_, name).flags.writeable
    assert (copy_.groups, copy_.time_unit) == (data.groups, data.time_unit)
    assert copy_.row_labels.equals(data.row_labels)
    assert spec_copy.build_model().settings() == spec.build_model().settings()


def test_baselines_per_transition_and_grid_table(tmp_path):
    spec = load_spec(write(tmp_path, """
        [data]
        source = "shi2021"

        [model]
        type = "illness-death"
        baseline = 3

        [model.illness]
        type = "changepoint"
        grid = {start = 4, stop = 16, step = 2}
        baseline = [6, 12]

        [model.death]
        type = "piecewise"
        cuts = [13]
    """))
    model = spec.build_model()
    np.testing.assert_allclose(model.transitions["illness"].grid, np.arange(4, 17, 2))
    assert model.baseline == {"illness": [6, 12], "death": 3, "death_after_illness": 3}
    np.testing.assert_allclose(model.transitions["death"].cuts, [13.0])


@pytest.mark.parametrize(("change", "key", "message"), [
    (('near = 8', 'near = 8\ncuts = [8]'), "model.illness.cuts", "does not apply to a "
                                                                 "changepoint effect"),
    (('type = "changepoint"', 'type = "weibull"'), "model.illness.type", "= 'weibull'"),
    (('type = "illness-death"', 'type = "illness-death"\ncuts = [8]'),
     "model.cuts", "does not apply to an illness-death model"),
    (('endpoint = "joint"', 'endpoint = "hcc"'), "data.endpoint", "use endpoint = 'joint'"),
    (('endpoint = "joint"', 'endpoint = "joint"\ndigitized = true'), "data.digitized",
     "does not apply to source = 'shi2021'"),
    (('source = "shi2021"', 'source = "digitized"'), "data.source", "= 'digitized'"),
    (('near = 8', 'near = -8'), "model.illness", "is not valid"),
    (('[model.illness]\ntype = "changepoint"\nnear = 8', 'illness = 3'), "model.illness",
     "must be a table"),
    (('type = "changepoint"', 'type = {kind = "changepoint"}'), "model.illness.type",
     "= {'kind': 'changepoint'}"),
])
def test_bad_keys_are_named_with_the_file(tmp_path, change, key, message):
    text = textwrap.dedent(JOINT).replace(*change)
    assert text != textwrap.dedent(JOINT)
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert str(err.value).startswith(f"{path}: {key}") and message in str(err.value)


def test_clock_and_shared_changepoint_reach_the_model(tmp_path):
    text = """
        [data]
        source = "shi2021"

        [model]
        type = "illness-death"
        clock = "reset"
        shared_changepoint = ["death", "illness"]

        [model.illness]
        type = "changepoint"
        grid = [6, 8, 10, 12]

        [model.death]
        type = "changepoint"
        grid = [6, 8, 10, 12]
    """
    model = load_spec(write(tmp_path, text)).build_model()
    assert model.clock == "reset" and model.shared_changepoint == ("illness", "death")
    with pytest.raises(SpecError, match=r"joint\.toml: \[model\] is not valid: .*"
                                        r"shared_changepoint"):
        load_spec(write(tmp_path, textwrap.dedent(text).replace(
            "[model.death]\ntype = \"changepoint\"\ngrid = [6, 8, 10, 12]",
            "[model.death]\ntype = \"changepoint\"\ngrid = [6, 12]")))
    with pytest.raises(SpecError, match=r"model\.clock = 'backward'; use 'forward' or "
                                        r"'reset'"):
        load_spec(write(tmp_path, text.replace('"reset"', '"backward"')))


def test_covariates_load_and_reach_each_transition(tmp_path):
    spec = load_spec(write(tmp_path, JOINT.replace('endpoint = "joint"',
                                                   'endpoint = "joint"\ncovariates = ["meld"]')
                           + '\n[model.death_after_illness]\ncovariates = []\n'))
    assert spec.load_data().covariate_names == ("meld",)
    assert spec.build_model().covariates == {"illness": ("meld",), "death": ("meld",),
                                             "death_after_illness": ()}
    path = write(tmp_path, JOINT + 'covariates = ["age"]\n', "wrong.toml")
    with pytest.raises(SpecError, match=r"wrong\.toml: model\.illness\.covariates names "
                                        r"\['age'\], which data\.covariates does not load"):
        load_spec(path)


@pytest.mark.slow
def test_changepoint_with_covariates_gives_state_probabilities(fits):
    """A change-point transition with covariates: the per-draw change-point weights use the
    per-patient likelihood, which needs the fine widths (not stored in the fit)."""
    from tests.test_illness_death import covariate_cohort

    data = bs.IllnessDeathData.from_frame(covariate_cohort(300), reference="control",
                                          covariates=["x"])
    model = bs.IllnessDeath(effects={"illness": bs.ChangePoint(grid=[4, 8, 12])},
                            covariates={"illness": ["x"]}, baseline=1)
    fit = fits.get(model, data, draws=100, tune=100, chains=2, random_seed=4)
    tau = fit.transition_changepoints()
    assert tau["probability"].sum() == pytest.approx(1.0, abs=1e-9)
    p = fit.probability_draws([6.0, 12.0])
    np.testing.assert_allclose(p.sel(quantity=["event-free", "illness", "death"])
                               .sum("quantity"), 1.0, atol=1e-12)


def test_compare_keys_of_single_endpoint_reports_are_refused(tmp_path):
    path = write(tmp_path, JOINT + '\n[compare]\nlandmarks = [8]\n')
    with pytest.raises(SpecError, match=r"compare\.landmarks does not apply to an "
                                        r"illness-death model.*horizon, milestones"):
        load_spec(path)


def test_single_endpoint_specs_refuse_illness_death_keys(tmp_path):
    path = write(tmp_path, '[data]\nsource = "shi2021"\nillness_time = "x"\n'
                           '[model]\ntype = "changepoint"\n')
    with pytest.raises(SpecError, match=r"data\.illness_time does not apply"):
        load_spec(path)


def test_csv_rows_with_own_column_names(tmp_path):
    """A CSV of patient rows reaches IllnessDeathData with the columns the spec names; a
    missing column is named with the file before the rows are read."""
    cohort = bs.datasets.shi2021(endpoint=None)
    frame = cohort.rename(columns={"hcc_time": "t_hcc", "death_time": "t_end",
                                   "arm": "treatment"})
    frame.to_csv(tmp_path / "rows.csv", index=False)
    spec = load_spec(write(tmp_path, """
        [data]
        source = "csv"
        path = "rows.csv"
        illness_time = "t_hcc"
        illness = "hcc"
        death_time = "t_end"
        group = "treatment"
        reference = "control"

        [model]
        type = "illness-death"
    """))
    data = spec.load_data()
    direct = bs.IllnessDeathData.from_frame(cohort, illness_time="hcc_time", illness="hcc",
                                            reference="control")
    np.testing.assert_array_equal(data.illness_time, direct.illness_time)
    np.testing.assert_array_equal(data.death, direct.death)
    assert data.groups == direct.groups
    spec = load_spec(write(tmp_path, textwrap.dedent(spec.text).replace('"t_hcc"', '"when"'),
                           "wrong.toml"))
    with pytest.raises(SpecError, match=r"wrong\.toml: data\.path \(file rows\.csv\).*'when'"):
        spec.load_data()


def test_milestones_past_the_follow_up_fail_before_sampling(tmp_path):
    spec = load_spec(write(tmp_path, JOINT + "\n[compare]\nhorizon = 90\n"))
    with pytest.raises(SpecError, match=r"compare\.horizon = \[90\.0\] reach past the "
                                        r"follow-up of every arm \(82 months\)"):
        load_inputs(spec)


# a valid illness-death spec, mutated: keys removed, added or given values of any type, at
# the top of [data], [model], [compare] and inside the transitions' sub-tables
FUZZ_BASE = {
    "data": {"source": "shi2021", "endpoint": "joint", "covariates": ["meld"]},
    "model": {"type": "illness-death", "illness": {"type": "changepoint", "near": 8},
              "death": {"type": "piecewise", "cuts": [13]}},
    "compare": {"horizon": 24, "milestones": [12, 24]},
}
FUZZ_KEYS = [("data", k) for k in ("source", "endpoint", "path", "illness_time", "illness",
                                   "death_time", "death", "group", "reference", "time",
                                   "covariates")]
FUZZ_KEYS += [("model", k) for k in ("type", "baseline", "clock", "shared_changepoint",
                                     "illness", "death", "death_after_illness", "cuts")]
FUZZ_KEYS += [("model", (t, k)) for t in ("illness", "death", "death_after_illness")
              for k in ("type", "near", "spread", "grid", "cuts", "prior", "baseline",
                        "covariates")]
FUZZ_KEYS += [("compare", k) for k in ("horizon", "milestones", "landmarks")]
fuzz_scalars = st.one_of(
    st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8), st.sampled_from(["constant", "piecewise", "changepoint",
                                          "illness-death", "joint", "shi2021", "csv", "hcc"]))
fuzz_values = st.recursive(fuzz_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.sampled_from(["start", "stop", "step", "type",
                                                              "near"]), inner, max_size=3),
                           max_leaves=6)


@given(changes=st.lists(st.tuples(st.sampled_from(FUZZ_KEYS),
                                  st.one_of(st.just("delete"), fuzz_values)),
                        min_size=1, max_size=3))
@property_settings(40)
def test_a_mutated_illness_death_spec_loads_or_is_refused(changes):
    spec = copy.deepcopy(FUZZ_BASE)
    for (table, key), value in changes:
        where = spec.setdefault(table, {})
        if isinstance(key, tuple):
            if not isinstance(where.get(key[0]), dict):
                where[key[0]] = {}
            where, key = where[key[0]], key[1]
        if value == "delete":
            where.pop(key, None)
        else:
            where[key] = value
    outcome(lambda: load_inputs(Spec.from_dict(spec)), repr(spec))


# ---------------------------------------------------------------------- one tiny run
@pytest.fixture(scope="module")
def joint_report(tmp_path_factory):
    """The reference joint spec from the command line, 2 chains x 50 draws."""
    out = tmp_path_factory.mktemp("joint")
    # 2 deaths after HCC in the UC-MSC arm: the data warning is part of the run
    with pytest.warns(DataWarning, match="only 2 event"):
        assert main(["run", "models/shi2021_joint.toml", "--out", str(out), *TINY]) == 0
    return out / "shi2021_joint"


def test_report_files_and_synthetic_note(joint_report):
    for name in ("summary.md", "posterior.nc", "tables/transition_hazard_ratios.csv",
                 "tables/transition_changepoints.csv", "tables/state_probabilities.csv",
                 "tables/cumulative_incidence.csv", "tables/state_differences.csv",
                 "tables/restricted_mean_event_free.csv", "tables/cause_specific_cox.csv",
                 "tables/diagnostics.csv", "figures/state_probabilities.png",
                 "figures/cumulative_incidence.png", "figures/state_probabilities.svg"):
        path = joint_report / name
        assert path.is_file() and path.stat().st_size > 200, name
    text = (joint_report / "summary.md").read_text(encoding="utf-8")
    assert "synthetic cohort calibrated to the published summaries" in text
    assert "Markov, clock-forward" in text
    for heading in ("## Transition hazard ratios", "## When does each effect change?",
                    "## States and cumulative incidences", "## Differences between arms"):
        assert heading in text


def test_cause_specific_cox_table_matches_r(joint_report):
    """The report's cause-specific Cox fits of the shipped cohort equal R's.

    R (survival 3.x), with ``d`` the shipped cohort (``bs.datasets.shi2021(endpoint=None)``)
    and ``arm`` releveled to control::

        t <- ifelse(d$hcc == 1, d$hcc_time, d$death_time)
        coxph(Surv(t, d$hcc) ~ arm, data = d)                               # -0.6061265154
        coxph(Surv(t, d$hcc == 0 & d$death == 1) ~ arm, data = d)           # -0.7393972325
        coxph(Surv(hcc_time, death_time, death) ~ arm, data = d[d$hcc == 1, ])  # -0.0432150039
    """
    cox = pd.read_csv(joint_report / "tables/cause_specific_cox.csv").set_index("transition")
    r_coef = {"illness": -0.6061265154, "death": -0.7393972325,
              "death_after_illness": -0.0432150039}
    r_se = {"illness": 0.3474624784, "death": 0.3401318701, "death_after_illness": 0.9189901378}
    for key, coef in r_coef.items():
        # both solve the same Efron partial likelihood to convergence: agreement to 1e-6
        assert cox.loc[key, "log_hr"] == pytest.approx(coef, abs=1e-6), key
        assert cox.loc[key, "se"] == pytest.approx(r_se[key], abs=1e-6), key


@pytest.fixture(scope="module")
def saved_fit(joint_report):
    return bs.IllnessDeathFit.from_netcdf(joint_report / "posterior.nc")


def test_saved_fit_round_trip_reproduces_the_tables(joint_report, saved_fit):
    fit = saved_fit
    assert fit.sampler_settings["draws"] == 50 and fit.sampler_settings["random_seed"] == 3
    assert "near = 13" in fit.idata.posterior.attrs["bayesurv_spec"]
    saved = pd.read_csv(joint_report / "tables/transition_hazard_ratios.csv")
    np.testing.assert_allclose(fit.transition_hazard_ratios()["median"], saved["median"],
                               rtol=1e-12)
    states = pd.read_csv(joint_report / "tables/milestones_state_probabilities.csv")
    again = fit.state_probabilities(sorted(states["time"].unique()))
    np.testing.assert_allclose(again["median"], states["median"], rtol=1e-12)
    # the posterior means of the three states add up to 1 at every time of the curves
    curves = pd.read_csv(joint_report / "tables/state_probabilities.csv")
    np.testing.assert_allclose(curves.groupby(["time", "group"])["mean"].sum(), 1.0,
                               atol=1e-12)


def test_a_changed_or_mistaken_fit_file_is_refused(saved_fit, tmp_path):
    with pytest.raises(FitFileError, match=r"illness-death fit: load it with "
                                           r"bs\.IllnessDeathFit\.from_netcdf"):
        bs.Fit(saved_fit.idata)
    idata = saved_fit.idata.copy()
    idata.posterior["log_hr_death"] = idata.posterior["log_hr_death"] * 0.5
    edited = tmp_path / "edited.nc"
    idata.to_netcdf(edited)
    with pytest.raises(FitFileError, match=r"edited\.nc: .*modified after bayesurv saved it"):
        bs.IllnessDeathFit.from_netcdf(edited)
    del idata.posterior["log_hr_death"]
    with pytest.raises(FitFileError, match=r"posterior\.log_hr_death is missing"):
        bs.IllnessDeathFit(idata)
