"""Saved fits: a file that is not a consistent bayesurv fit, or was changed after bayesurv
saved it, is refused on load with a FitFileError naming the file and what is wrong.

Each test saves a shared fit, damages the file the way a person or a broken copy would (an
edited attribute, groups of two files mixed, bytes cut off...) and loads it.  Edits that
only the digest can see keep the digest of the original file; edits meant for the structural
checks drop it, as in a file saved by a version of bayesurv that wrote no digest.
"""

from __future__ import annotations

import json
from pathlib import Path

import arviz as az
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import bayesurv as bs
from bayesurv.inference.fit_file import DIGEST_ATTR, content_digest
from bayesurv.inference.fit_io import read_fit_file

MODIFIED = "modified after bayesurv saved it"


@pytest.fixture(scope="module")
def cp(fits, reference_data, small_settings):
    return fits.get(bs.ChangePoint(near=13), reference_data, **small_settings)


@pytest.fixture(scope="module")
def pw(fits, reference_data, small_settings):
    return fits.get(bs.PiecewiseExponential(cuts=[13]), reference_data, **small_settings)


@pytest.fixture(scope="module")
def saved(cp, pw, tmp_path_factory):
    """The two fits saved once; tests read these files and write damaged copies."""
    folder = tmp_path_factory.mktemp("saved")
    return {"changepoint": Path(cp.to_netcdf(folder / "cp.nc")),
            "piecewise": Path(pw.to_netcdf(folder / "pw.nc"))}


@pytest.fixture(scope="module")
def raw(saved):
    """A fresh copy of the InferenceData of a saved file, as read back: ``raw("piecewise")``."""
    read = {kind: read_fit_file(path) for kind, path in saved.items()}
    return lambda kind: read[kind].copy()


def write_as_edited(idata, path, keep_digest: bool = True):
    """Write ``idata`` as a hand edit would: through ArviZ, with no new digest."""
    if not keep_digest:
        idata.posterior.attrs.pop(DIGEST_ATTR, None)
    idata.to_netcdf(str(path))
    return path


def refused(path, fragment: str) -> str:
    with pytest.raises(bs.FitFileError) as error:
        bs.Fit.from_netcdf(path)
    message = str(error.value)
    assert str(path) in message
    assert fragment in message, message
    return message


def edit_json(idata, key: str, **changes) -> None:
    attrs = idata.posterior.attrs
    attrs[f"bayesurv_{key}"] = json.dumps(json.loads(attrs[f"bayesurv_{key}"]) | changes)


# ---------------------------------------------------------------------------- sound files
def test_a_saved_fit_carries_its_digest_and_loads(raw, pw, saved, tmp_path):
    idata = raw("piecewise")
    assert idata.posterior.attrs[DIGEST_ATTR] == content_digest(idata)
    assert content_digest(idata) != content_digest(raw("changepoint"))
    loaded = bs.Fit.from_netcdf(saved["piecewise"])
    np.testing.assert_array_equal(loaded.idata.posterior["log_hr"], pw.idata.posterior["log_hr"])
    # a file with no digest (an older version of bayesurv) gets the structural checks only
    older = write_as_edited(idata, tmp_path / "older.nc", keep_digest=False)
    assert bs.Fit.from_netcdf(older).settings == pw.settings


def test_saving_with_notes_covers_them_with_the_digest(cp, tmp_path):
    path = cp.to_netcdf(tmp_path / "fit.nc", notes={"spec": "title = 'x'"})
    assert bs.Fit.from_netcdf(path).idata.posterior.attrs["bayesurv_spec"] == "title = 'x'"
    idata = read_fit_file(path)
    idata.posterior.attrs["bayesurv_spec"] = "title = 'y'"
    refused(write_as_edited(idata, tmp_path / "edited.nc"), MODIFIED)


# ---------------------------------------------------------------------------- edited attributes
def test_an_edited_model_settings_attribute_is_refused(raw, tmp_path):
    idata = raw("changepoint")
    edit_json(idata, "model", near=14.0)  # still a valid model: only the digest sees it
    refused(write_as_edited(idata, tmp_path / "near.nc"), MODIFIED)
    edit_json(idata, "model", baseline=[12.0])
    refused(write_as_edited(idata, tmp_path / "baseline.nc", keep_digest=False),
            "its baseline does not match constant_data.baseline_edges")


def test_an_edited_data_attribute_is_refused_without_quoting_it(raw, tmp_path):
    idata = raw("piecewise")
    edit_json(idata, "data", source="<script>a value typed into the file</script>")
    message = refused(write_as_edited(idata, tmp_path / "source.nc"), MODIFIED)
    assert "script" not in message
    idata = raw("piecewise")
    edit_json(idata, "data", events=45)
    refused(write_as_edited(idata, tmp_path / "events.nc", keep_digest=False),
            "attribute bayesurv_data: n or events do not match constant_data")


def test_an_edited_digest_is_refused(raw, tmp_path):
    idata = raw("piecewise")
    idata.posterior.attrs[DIGEST_ATTR] = "0" * 64
    refused(write_as_edited(idata, tmp_path / "digest.nc"), MODIFIED)


# ---------------------------------------------------------------------------- mixed files
@pytest.mark.parametrize(("keep", "fragment"), [
    (None, "the posterior has tau, tau_probability, which a fixed-cut fit does not have"),
    (["log_baseline", "log_hr"], "labels of the posterior"),  # pieces or periods disagree
])
def test_changepoint_draws_with_the_data_of_a_piecewise_fit_are_refused(raw, tmp_path, keep,
                                                                        fragment):
    idata = raw("piecewise")
    other = raw("changepoint").posterior
    other = other if keep is None else other[keep]
    idata.posterior = other.assign_attrs(idata.posterior.attrs)
    for digest in (True, False):
        refused(write_as_edited(idata, tmp_path / f"mixed_{digest}.nc", keep_digest=digest),
                fragment)


def test_piecewise_draws_with_the_data_of_a_changepoint_fit_are_refused(raw, tmp_path):
    idata = raw("changepoint")
    idata.posterior = raw("piecewise").posterior.assign_attrs(idata.posterior.attrs)
    refused(write_as_edited(idata, tmp_path / "mixed.nc"), "missing posterior.tau")


@pytest.mark.parametrize("groups", [("posterior",), ("sample_stats",),
                                    ("posterior", "sample_stats")])
def test_draws_of_a_fit_with_another_seed_are_refused(raw, fits, reference_data, small_settings,
                                                      tmp_path, groups):
    """Same model, same data, another seed: every array has the right shape and labels, so
    only the digest tells the files apart."""
    other = fits.get(bs.PiecewiseExponential(cuts=[13]), reference_data,
                     **(small_settings | {"random_seed": 2}))
    idata = raw("piecewise")
    for group in groups:
        idata[group] = other.idata[group].assign_attrs(idata[group].attrs)
    refused(write_as_edited(idata, tmp_path / "mixed.nc"), MODIFIED)
    # without the digest the mixed file reads as a fit: the digest is what refuses it
    bs.Fit.from_netcdf(write_as_edited(idata, tmp_path / "older.nc", keep_digest=False))


# ---------------------------------------------------------------------------- damaged bytes
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.99, -1])
def test_a_truncated_file_is_refused(saved, tmp_path, keep):
    whole = saved["changepoint"].read_bytes()
    cut = whole[:keep] if keep == -1 else whole[:int(len(whole) * keep)]
    path = tmp_path / "truncated.nc"
    path.write_bytes(cut)
    refused(path, "truncated or damaged")


def test_a_file_with_a_damaged_block_is_refused(saved, tmp_path):
    whole = saved["piecewise"].read_bytes()
    path = tmp_path / "damaged.nc"
    damaged = 0
    for start in range(0, len(whole), 4096 * 3):
        block = whole[start:start + 512]
        if not any(block):
            continue  # free space in the file: zeros already
        path.write_bytes(whole[:start] + bytes(len(block)) + whole[start + len(block):])
        refused(path, "")
        damaged += 1
    assert damaged >= 3


@pytest.mark.parametrize("content", [
    b"", b"time,event,arm\n1.5,1,control\n", bytes(range(256)) * 8,
    b"\x89HDF\r\n\x1a\n" + bytes(2048),  # the HDF5 signature, then nothing
], ids=["empty", "csv", "binary", "hdf5-signature"])
def test_a_file_that_is_not_netcdf_is_refused(tmp_path, content):
    path = tmp_path / "fit.nc"
    path.write_bytes(content)
    refused(path, "is not a NetCDF file readable by ArviZ")


# ---------------------------------------------------------------------------- bad draws
@pytest.mark.parametrize(("variable", "value", "fragment"), [
    ("log_hr", np.nan, "posterior.log_hr has 1 non-finite values"),
    ("log_baseline", np.inf, "posterior.log_baseline has 1 non-finite values"),
    ("tau_probability", np.nan, "posterior.tau_probability has 1 non-finite values"),
])
def test_non_finite_draws_are_refused(raw, tmp_path, variable, value, fragment):
    idata = raw("changepoint")
    values = idata.posterior[variable].values.copy()
    values[1, 17, ...].flat[0] = value
    idata.posterior[variable] = (idata.posterior[variable].dims, values)
    refused(write_as_edited(idata, tmp_path / "nan.nc"), fragment)


def _draws(idata, **where):
    idata.posterior = idata.posterior.isel(where)


def _set(group: str, name: str, index, value):
    def edit(idata):
        values = idata[group][name].values.copy()
        values[index] = value
        idata[group][name] = (idata[group][name].dims, values)
    return edit


def _scale(name: str, factor: float):
    def edit(idata):
        idata.posterior[name] = idata.posterior[name] * factor
    return edit


SHAPES = [  # (kind, edit of a loaded fit, fragment of the message)
    ("piecewise", lambda d: _draws(d, draw=slice(0, 100)),
     "posterior has 2 chains x 100 draws, attribute bayesurv_sampler says 2 x 200"),
    ("piecewise", lambda d: setattr(d, "sample_stats", d.sample_stats.isel(draw=slice(0, 150))),
     "sample_stats has 2 chains x 150 draws"),
    ("piecewise", lambda d: edit_json(d, "sampler", chains=4),
     "attribute bayesurv_sampler says 4 x 200"),
    ("piecewise", lambda d: edit_json(d, "sampler", draws="200"),
     "attribute bayesurv_sampler: draws is missing or invalid"),
    ("piecewise", lambda d: _draws(d, piece=slice(0, 3)),
     "the piece labels of the posterior (3) do not match the model arrays"),
    ("piecewise", lambda d: d.posterior.__setitem__(
        "log_hr", d.posterior["log_hr"].transpose("chain", "draw", "period", "group")),
     "posterior.log_hr has dimensions ('chain', 'draw', 'period', 'group')"),
    ("piecewise", _set("constant_data", "events", (0, 0), 9.0),
     "constant_data.events does not add up"),
    ("piecewise", _set("constant_data", "baseline_map", -1, 99),
     "constant_data.baseline_map indexes past its dimension 'piece'"),
    ("piecewise", _set("constant_data", "baseline_map", -1, 0),
     "constant_data.baseline_map does not map the fine pieces"),
    ("piecewise", _set("constant_data", "patient_group", 0, 2),
     "constant_data.patient_group indexes past its dimension 'arm'"),
    ("piecewise", _set("constant_data", "fine_edges", 1, 50.0),
     "constant_data.fine_edges does not rise from 0"),
    ("piecewise", lambda d: d.constant_data.__setitem__(  # one month longer for everyone
        "patient_offset", d.constant_data["patient_offset"] + 1.0),
     "attribute bayesurv_data: per_group does not match constant_data"),
    ("piecewise", lambda d: edit_json(d, "data", groups=["UC-MSC", "control"]),
     "attribute bayesurv_data: the groups do not match constant_data"),
    ("piecewise", lambda d: edit_json(d, "data", per_group=None),
     "attribute bayesurv_data lacks n, events"),
    ("changepoint", lambda d: _draws(d, candidate=slice(0, -1)),
     "the candidate values of the posterior do not match constant_data"),
    ("changepoint", lambda d: d.posterior.__setitem__("tau", d.posterior["tau"] + 0.5),
     "posterior.tau has draws that are not candidate values"),
    ("changepoint", _scale("tau_probability", 0.5),
     "posterior.tau_probability does not sum to 1 in every draw"),
    ("changepoint", _set("constant_data", "tau_prior", 0, 0.5),
     "the prior over the candidate values is not a probability vector"),
    ("changepoint", _set("constant_data", "tau_index", 0, 99),
     "constant_data.tau_index indexes past its dimension 'fine_piece'"),
]


@pytest.mark.parametrize(("kind", "edit", "fragment"), SHAPES,
                         ids=[f"{i}-{kind}" for i, (kind, _, _) in enumerate(SHAPES)])
def test_parts_that_disagree_are_refused(raw, tmp_path, kind, edit, fragment):
    idata = raw(kind)
    edit(idata)
    refused(write_as_edited(idata, tmp_path / "edited.nc", keep_digest=False), fragment)


# ---------------------------------------------------------------------------- fuzzing
KEYS = ("bayesurv_model", "bayesurv_data", "bayesurv_sampler", "bayesurv_version",
        DIGEST_ATTR)
INNER_KEYS = ("kind", "near", "grid", "prior", "baseline", "priors", "n", "events", "groups",
              "reference", "covariates", "time_unit", "per_group", "draws", "chains",
              "random_seed", "sampler", "target_accept")
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                               max_size=3),
    max_leaves=6)
ATTRIBUTE_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
DELETE = ("delete",)
VALUES = st.one_of(
    st.just(DELETE),
    ATTRIBUTE_TEXT,
    st.integers(-2**31, 2**31 - 1),
    st.floats(),
    JSON.map(json.dumps),  # valid JSON of the wrong shape
    st.tuples(st.just("set"), st.sampled_from(INNER_KEYS), JSON),  # one key of the JSON
    st.tuples(st.just("drop"), st.sampled_from(INNER_KEYS)),
)


def apply_edit(attrs: dict, key: str, change) -> None:
    if change == DELETE:
        attrs.pop(key, None)
    elif isinstance(change, tuple):
        try:
            document = json.loads(attrs.get(key, ""))
        except (TypeError, ValueError):  # not text, or not JSON
            document = None
        if not isinstance(document, dict):
            document = {}
        if change[0] == "set":
            document[change[1]] = change[2]
        else:
            document.pop(change[1], None)
        attrs[key] = json.dumps(document)
    else:
        attrs[key] = change


@pytest.fixture(scope="module")
def fuzz_base(raw, tmp_path_factory):
    return raw("changepoint"), tmp_path_factory.mktemp("fuzz") / "fuzz.nc"


@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.sampled_from(KEYS), VALUES), min_size=1, max_size=3),
       drop_digest=st.booleans())
def test_fuzzed_attributes_load_or_raise_a_fit_file_error(fuzz_base, edits, drop_digest):
    base, path = fuzz_base
    attrs = dict(base.posterior.attrs)
    for key, change in edits:
        apply_edit(attrs, key, change)
    if drop_digest:
        attrs.pop(DIGEST_ATTR, None)
    posterior = base.posterior.copy()
    posterior.attrs = attrs
    az.InferenceData(posterior=posterior, sample_stats=base.sample_stats,
                     constant_data=base.constant_data).to_netcdf(str(path))
    try:
        fit = bs.Fit.from_netcdf(path)
    except bs.FitFileError as error:
        assert str(path) in str(error)
        event(f"refused: {str(error).split(': ', 2)[1][:40]}")
    except Exception as error:  # the property: nothing else escapes
        pytest.fail(f"{type(error).__name__} escaped ({error}) for edits {edits!r}")
    else:
        event("loaded")
        assert repr(fit).startswith("bayesurv Fit (changepoint")


def test_a_saved_fit_file_gets_the_permissions_of_a_new_file(pw, tmp_path):
    """Written to a temporary file and renamed, the fit still gets the umask's permissions
    (a temporary file alone would be private to its owner)."""
    import os
    import stat

    umask = os.umask(0o022)
    try:
        path = pw.to_netcdf(tmp_path / "fit.nc")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["fit.nc"]
