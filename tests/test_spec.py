"""Analysis specs: validation names the file and key; values reach the model and data."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import bayesurv as bs
from bayesurv.runner.spec import load_spec


def write(tmp_path, text, name="analysis.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


MINIMAL = """
    [data]
    source = "shi2021"
    endpoint = "hcc"

    [model]
    type = "piecewise"
    cuts = [8]
"""


def test_reference_specs_load_and_describe_their_models():
    death = load_spec("models/shi2021_death.toml")
    model = death.build_model()
    assert isinstance(model, bs.ChangePoint) and model.near == 13 and model.spread == 4
    assert death.compare["landmarks"] == (13,)
    hcc = load_spec("models/shi2021_hcc.toml").build_model()
    assert hcc.near == 8
    digitized = load_spec("models/shi2021_death_digitized.toml")
    assert digitized.data["digitized"] is True
    assert "synthetic" in digitized.data_note()


def test_minimal_spec_gets_defaults(tmp_path):
    spec = load_spec(write(tmp_path, MINIMAL))
    assert spec.name == "analysis"
    assert spec.sampler_settings() == {"draws": 1000, "tune": 1000, "chains": 4,
                                       "random_seed": 1, "sampler": "jax", "cores": None,
                                       "target_accept": 0.9}
    data = spec.load_data()
    assert data.n == 219 and data.n_events == 36
    assert data.groups == ("control", "UC-MSC")


def test_command_line_draws_bring_tuning_down(tmp_path):
    spec = load_spec(write(tmp_path, MINIMAL + "\n[sampler]\ndraws = 2000\ntune = 1500\n"))
    assert spec.sampler_settings()["tune"] == 1500
    assert spec.sampler_settings(draws=40)["tune"] == 40
    assert spec.sampler_settings(draws=40, tune=10)["tune"] == 10


def test_grid_table_and_prior_overrides(tmp_path):
    text = """
        [data]
        source = "shi2021"

        [model]
        type = "changepoint"
        grid = {start = 3, stop = 30, step = 1.5}
        near = 13

        [priors]
        set = "skeptical"
        covariate = {mu = 0, sigma = 0.5}
    """
    spec = load_spec(write(tmp_path, text))
    model = spec.build_model()
    np.testing.assert_allclose(model.grid, np.arange(3, 30.1, 1.5))
    assert model.priors.log_hr.sigma == pytest.approx(0.4214, abs=1e-4)
    assert model.priors.covariate.sigma == 0.5


def test_csv_source_is_relative_to_the_spec(tmp_path):
    bs.datasets.shi2021("death").rename(columns={"time": "months"}).to_csv(
        tmp_path / "rows.csv", index=False)
    text = """
        [data]
        source = "csv"
        path = "rows.csv"
        time = "months"
        covariates = ["meld"]
        reference = "control"

        [model]
        type = "piecewise"
    """
    data = load_spec(write(tmp_path, text)).load_data()
    assert data.covariate_names == ("meld",) and data.n == 219


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (MINIMAL + "\n[model2]\n", "unknown key 'model2'"),
        (MINIMAL.replace("cuts = [8]", "cuts = [8]\ncolour = 1"), "unknown key model.colour"),
        (MINIMAL.replace("cuts = [8]", "cuts = [8]\nnear = 8"),
         "model.near does not apply to a piecewise model"),
        (MINIMAL.replace('type = "piecewise"', 'type = "weibull"'), "model.type = 'weibull'"),
        (MINIMAL.replace('source = "shi2021"', 'source = "nhanes"'),
         "data.source = 'nhanes' is not a shipped dataset"),
        (MINIMAL.replace("cuts = [8]", "cuts = [8, 8]"), "cuts has duplicated value"),
        (MINIMAL + "\n[sampler]\ndraws = 'many'\n",
         "sampler.draws must be an integer >= 1, got 'many'"),
        (MINIMAL + "\n[sampler]\nseed = -1\n", "sampler.seed must be an integer >= 0 or None"),
        (MINIMAL + "\n[sampler]\nchains = 100\n", "sampler.chains must be at most 64"),
        (MINIMAL + "\n[sampler]\ntune = true\n", "sampler.tune must be an integer >= 0"),
        (MINIMAL + "\n[sampler]\ntarget_accept = 1.0\n",
         "sampler.target_accept must be a number strictly between 0 and 1, got 1.0"),
        (MINIMAL + "\n[sampler]\nsampler = 'stan'\n",
         "sampler.sampler must be one of 'jax', 'pymc', 'nutpie', got 'stan'"),
        (MINIMAL + "\n[priors]\nlog_hr = {mu = 0, sigma = -1}\n", "sigma must be > 0"),
        (MINIMAL + "\n[priors]\nset = 'hopeful'\n", "unknown prior set 'hopeful'"),
        ("[data]\nsource = 'shi2021'\n", "the [model] table is missing"),
        # keys a source does not read would be ignored without a word
        ("[data]\nsource = 'csv'\npath = 'p.csv'\ntotal_events = 30\n[model]\n"
         "type = 'piecewise'\n", "data.total_events does not apply to source = 'csv'"),
        ("[data]\nsource = 'csv'\npath = 'p.csv'\nendpoint = 'hcc'\n[model]\n"
         "type = 'piecewise'\n", "data.endpoint does not apply to source = 'csv'"),
        (MINIMAL.replace('source = "shi2021"', 'source = "shi2021"\ndigitized = true\n'
                         'covariates = ["meld"]'),
         "data.covariates does not apply to source = 'shi2021' with digitized = true"),
        # priors so extreme that sampling would break, refused with the key named
        (MINIMAL + "\n[priors]\nlog_hr = {mu = 0, sigma = 1e300}\n",
         "priors.log_hr = {'mu': 0, 'sigma': 1e+300}: Normal prior: sigma = 1e+300"),
        (MINIMAL + "\n[priors]\nbaseline_step = {mu = 0, sigma = 1e-300}\n",
         "priors.baseline_step"),
        (MINIMAL + "\n[priors]\nlog_hr = {mu = 1e6, sigma = 1}\n",
         "mu = 1e+06 is on the log scale"),
        (MINIMAL + "\n[priors]\nbaseline_centre = 1e308\n", "baseline_centre = 1e+308"),
        ("[data\n", "not valid TOML"),
    ],
)
def test_bad_specs_name_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text, name="bad.toml")
    with pytest.raises(bs.SpecError) as info:
        load_spec(path)
    assert message in str(info.value)
    assert "bad.toml" in str(info.value)


def test_missing_files_are_named(tmp_path):
    with pytest.raises(bs.SpecError, match="spec file not found"):
        load_spec(tmp_path / "nowhere.toml")
    text = MINIMAL.replace('source = "shi2021"\n    endpoint = "hcc"',
                           'source = "csv"\n    path = "missing.csv"')
    spec = load_spec(write(tmp_path, text))
    with pytest.raises(bs.SpecError, match=r"file 'missing\.csv' not found"):
        spec.load_data()


def test_spec_is_an_immutable_copy_of_the_callers_tables():
    values = {"data": {"source": "shi2021", "covariates": ["meld"]},
              "model": {"type": "changepoint", "grid": {"start": 6, "stop": 24, "step": 6}},
              "compare": {"landmarks": [13], "prior_sensitivity": ["skeptical"]}}
    from bayesurv.runner.spec import Spec

    spec = Spec.from_dict(values)
    assert values["data"]["covariates"] == ["meld"]  # the caller's dicts are not touched
    values["compare"]["landmarks"].append(99)  # ... and later changes to them do not leak in
    assert spec.compare["landmarks"] == (13,)
    with pytest.raises(TypeError):
        spec.model["grid"]["step"] = 1
    with pytest.raises(TypeError):
        spec.data["source"] = "csv"
    with pytest.raises(AttributeError):
        spec.title = "other"
    assert spec.build_model().grid.tolist() == [6.0, 12.0, 18.0, 24.0]


def test_spec_checks_its_tables_when_made_directly():
    from bayesurv.runner.spec import Spec

    with pytest.raises(bs.SpecError, match=r"sampler\.draws must be an integer >= 1, got 0"):
        Spec(path=None, name="x", title="x", data={"source": "shi2021"},
             model={"type": "piecewise"}, sampler={"draws": 0})
    with pytest.raises(bs.SpecError, match=r"unknown key sampler\.random_seed"):
        Spec(path=None, name="x", title="x", data={"source": "shi2021"},
             model={"type": "piecewise"}, sampler={"random_seed": 1})


def test_spec_survives_pickling(tmp_path):
    import pickle

    spec = load_spec(write(tmp_path, MINIMAL + "\n[compare]\nlandmarks = [13]\n"))
    copy = pickle.loads(pickle.dumps(spec))
    assert copy == spec and copy.compare["landmarks"] == (13,)


def test_command_line_overrides_are_checked_like_the_spec(tmp_path):
    spec = load_spec(write(tmp_path, MINIMAL))
    with pytest.raises(bs.SpecError, match=r"analysis\.toml.*chains must be at most 64"):
        spec.sampler_settings(chains=1000)
    assert spec.sampler_settings(seed=0)["random_seed"] == 0


def test_every_spec_and_its_files_are_checked_before_the_first_fit(tmp_path, capsys,
                                                                   monkeypatch):
    """A run of a good spec and a spec whose model does not fit its data, or whose landmark
    is past follow-up, stops before any model is fitted (the good spec is first in line)."""
    from bayesurv.model.kind import HazardModel
    from bayesurv.runner.cli import main

    def no_fitting(*args, **kwargs):
        raise AssertionError("a model was fitted before every spec was checked")

    monkeypatch.setattr(HazardModel, "fit", no_fitting)
    good = write(tmp_path, MINIMAL, name="good.toml")
    cases = {
        "cut.toml": (MINIMAL.replace("cuts = [8]", "cuts = [500]"), "[model] does not fit"),
        "landmark.toml": (MINIMAL + "\n[compare]\nlandmarks = [13, 200]\n",
                          "compare.landmarks = [13.0, 200.0] reach past the longest"),
    }
    for name, (text, message) in cases.items():
        bad = write(tmp_path, text, name=name)
        out = tmp_path / f"out-{name}"
        assert main(["run", str(good), str(bad), "--out", str(out), "--quiet"]) == 2
        error = capsys.readouterr().err
        assert message in error and name in error
        assert not out.exists()


def test_large_runs_are_refused_unless_explicitly_allowed(tmp_path, monkeypatch):
    """More than 10^6 draws per chain or 64 chains is almost surely a typo (it would run out
    of memory long after starting): refused, unless the environment allows it."""
    path = write(tmp_path, MINIMAL + "\n[sampler]\nchains = 100\ndraws = 2000000\n")
    with pytest.raises(bs.SpecError, match="BAYESURV_ALLOW_LARGE_RUNS=1 to allow it"):
        load_spec(path)
    monkeypatch.setenv("BAYESURV_ALLOW_LARGE_RUNS", "1")
    settings = load_spec(path).sampler_settings()
    assert (settings["chains"], settings["draws"]) == (100, 2000000)
