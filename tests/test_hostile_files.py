"""Hostile input files are refused before anything is read from them or fitted to them:
special files and oversized files, file contents echoed in messages, duplicated headers,
NUL bytes, risk tables without patients, text in a published table's numbers."""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayesurv as bs
from bayesurv.base.files import MAX_INPUT_BYTES_VARIABLE, parser_message
from bayesurv.base.formatting import format_hr
from bayesurv.comparison import tables
from bayesurv.digitized.io import read_curves_csv, read_digitizer_csv, read_risk_table_csv
from bayesurv.runner.cli import main
from bayesurv.runner.spec import load_spec

READERS = [read_curves_csv, read_risk_table_csv, read_digitizer_csv]
CURVES = ("group,time,survival\nA,0,1\nA,4,0.8\nA,10,0.5\n"
          "B,0,1\nB,4,0.9\nB,10,0.7\n")
RISK = "group,time,n_at_risk\nA,0,10\nA,5,7\nB,0,10\nB,5,9\n"
PATIENTS = "time,event,arm\n3,1,a\n5,0,b\n7,1,a\n9,0,b\n"
PUBLISHED = "start,end,hr,lower,upper,p\n0,13,0.9,0.4,2.1,0.8\n13,75,0.3,0.1,0.7,0.01\n"
SECRETS = ["root:x:0:0:SECRET-LINE:/root:/bin/bash\ndaemon:x:1:1:SECRET-TOO\n",
           "SECRET words, with commas; SECRET\nand SECRET lines\n"]
# what each file key of a spec needs besides the file: (source, data keys, compare keys)
FILE_KEYS = {
    "data.path": ('source = "csv"', "path = {file!r}", ""),
    "data.curves": ('source = "digitized"\nreference = "A"', "curves = {file!r}", ""),
    "data.risk_table": ('source = "digitized"\nreference = "A"\ncurves = "curves.csv"',
                        "risk_table = {file!r}", ""),
    "compare.published": ('source = "shi2021"', "", "published = {file!r}"),
}


def write_spec(folder: Path, key: str, file: str, name: str = "hostile.toml") -> Path:
    """A spec whose ``key`` names ``file`` (relative to ``folder``), with the other files
    of a digitized source in place."""
    (folder / "curves.csv").write_text(CURVES)
    (folder / "risk.csv").write_text(RISK)
    source, data, compare = FILE_KEYS[key]
    text = f"[data]\n{source}\n{data.format(file=file)}\n"
    if key == "data.curves":
        text += 'risk_table = "risk.csv"\n'
    text += '[model]\ntype = "piecewise"\n'
    if compare:
        text += f"[compare]\n{compare.format(file=file)}\n"
    spec = folder / name
    spec.write_text(text)
    return spec


def load_error(spec: Path) -> str:
    """The message of the SpecError that loading the spec's data raises."""
    with pytest.raises(bs.SpecError) as info:
        load_spec(spec).load()
    return str(info.value)


def cli_error(capsys, argv) -> str:
    """The one line ``bayesurv`` prints on standard error, exit status 2 checked."""
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bayesurv: error: "), lines
    return lines[0]


@contextmanager
def no_blocking(seconds: int = 20):
    """Fail instead of hanging if a read blocks (opening a named pipe waits for a writer)."""
    def interrupt(signum, frame):
        raise TimeoutError("reading the input blocked")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def special_file(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A file that is not a regular file, and what the message calls it."""
    if kind == "fifo":
        path = tmp_path / "pipe.csv"
        os.mkfifo(path)
        return path, "a named pipe"
    if kind == "directory":
        path = tmp_path / "folder.csv"
        path.mkdir()
        return path, "a directory"
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    return Path("/dev/zero"), "a character device"


# ---------------------------------------------------------------- 1. special files, size
@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_readers_refuse_special_files_without_opening_them(tmp_path, reader, kind):
    path, called = special_file(tmp_path, kind)
    with no_blocking(), pytest.raises(bs.DigitizedCurveError) as info:
        reader(path)
    message = str(info.value)
    assert f"(file {path.name}): not a regular file but {called}" in message


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
@pytest.mark.parametrize("key", FILE_KEYS)
def test_spec_files_that_are_not_regular_files_are_spec_errors(tmp_path, key, kind):
    path, called = special_file(tmp_path, kind)
    spec = write_spec(tmp_path, key, str(path))
    with no_blocking():
        message = load_error(spec)
    assert message.startswith(f"{spec}: {key}")
    assert f"(file {path.name}): not a regular file but {called}" in message


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_command_line_refuses_special_files(capsys, tmp_path, kind):
    path, called = special_file(tmp_path, kind)
    with no_blocking():
        line = cli_error(capsys, ["run", str(path)])
        assert f"{path}: not a regular file but {called}" in line
        line = cli_error(capsys, ["reconstruct", str(path), "-o", str(tmp_path / "out.csv")])
        assert f"(file {path.name}): not a regular file but {called}" in line
    assert not (tmp_path / "out.csv").exists()


def test_a_symbolic_link_to_a_regular_file_is_read(tmp_path):
    (tmp_path / "real.csv").write_text(CURVES)
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    assert read_curves_csv(tmp_path / "link.csv").groups == ("A", "B")


@pytest.mark.parametrize("key", FILE_KEYS)
def test_files_above_the_size_limit_are_refused(tmp_path, monkeypatch, key):
    text = {"data.path": PATIENTS, "compare.published": PUBLISHED,
            "data.risk_table": RISK}.get(key, CURVES)
    (tmp_path / "big.csv").write_text(text + "\n" * 1000)  # blank lines: read, then skipped
    spec = write_spec(tmp_path, key, "big.csv")
    load_spec(spec).load()  # under the default limit it is read
    monkeypatch.setenv(MAX_INPUT_BYTES_VARIABLE, "1000")  # above the spec's size
    message = load_error(spec)
    assert message.startswith(f"{spec}: {key}")
    assert (f"(file big.csv): the file is {(len(text) + 1000) / 1000:.3g} kB "
            f"({len(text) + 1000:,} bytes), above the input size limit of 1 kB (1,000 bytes)"
            ) in message
    assert f"raise the limit with the environment variable {MAX_INPUT_BYTES_VARIABLE}" in message


def test_size_limit_applies_to_specs_and_the_command_line(capsys, tmp_path, monkeypatch):
    curves = tmp_path / "curves.csv"
    curves.write_text(CURVES)
    spec = write_spec(tmp_path, "compare.published", "hr.csv")
    monkeypatch.setenv(MAX_INPUT_BYTES_VARIABLE, "2_0")
    line = cli_error(capsys, ["reconstruct", str(curves), "-o", str(tmp_path / "out.csv")])
    assert f"above the input size limit of 20 bytes; to read it, raise the limit with the " \
           f"environment variable {MAX_INPUT_BYTES_VARIABLE}" in line
    line = cli_error(capsys, ["run", str(spec)])
    assert line.startswith(f"bayesurv: error: {spec}: the file is ")
    monkeypatch.setenv(MAX_INPUT_BYTES_VARIABLE, "2GB")
    line = cli_error(capsys, ["run", str(spec)])
    assert f"{MAX_INPUT_BYTES_VARIABLE} must be a whole number of bytes >= 1, got '2GB'" in line
    monkeypatch.setenv(MAX_INPUT_BYTES_VARIABLE, str(curves.stat().st_size))
    assert read_curves_csv(curves).groups == ("A", "B")  # a file of exactly the limit is read


# ---------------------------------------------------------------- 2. no echo of contents
@pytest.mark.parametrize("secret", SECRETS, ids=["passwd", "text"])
@pytest.mark.parametrize("key", FILE_KEYS)
def test_spec_errors_never_quote_the_file(capsys, tmp_path, key, secret):
    (tmp_path / "secret.txt").write_text(secret)
    spec = write_spec(tmp_path, key, "secret.txt")
    messages = [load_error(spec),
                cli_error(capsys, ["run", str(spec), "--out", str(tmp_path / "out"),
                                   "--quiet"])]
    for message in messages:
        assert "SECRET" not in message and "daemon" not in message and "words" not in message
        assert message.split("error: ")[-1].startswith(f"{spec}: {key}")
        assert "(file secret.txt): the " in message
        assert "not in the data (the file's header has" in message
    columns = 1 if secret.startswith("root") else 2
    assert f"the file's header has {columns} column{'s' if columns > 1 else ''}" in messages[0]


@pytest.mark.parametrize("secret", SECRETS, ids=["passwd", "text"])
def test_command_line_errors_never_quote_the_file(capsys, tmp_path, secret):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(secret)
    (tmp_path / "curves.csv").write_text(CURVES)
    out = str(tmp_path / "out.csv")
    lines = [cli_error(capsys, ["run", str(secret_file)]),
             cli_error(capsys, ["reconstruct", str(secret_file), "-o", out]),
             cli_error(capsys, ["reconstruct", str(secret_file), "--format", "digitizer",
                                "-o", out]),
             cli_error(capsys, ["reconstruct", str(tmp_path / "curves.csv"), "--risk-table",
                                str(secret_file), "-o", out])]
    for line in lines:
        assert "SECRET" not in line and "daemon" not in line and "words" not in line, line
        assert "secret.txt" in line
    assert "not valid TOML (" in lines[0] and "at line 1, column" in lines[0]
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(("text", "kept"), [
    ("[SECRET]\nx = 1\n[SECRET]\n", "at line 3, column"),          # "Cannot declare ('SECRET',)"
    ("a = 'SECRET\x01'\n", "at line 1, column"),                     # "Illegal character '\x01'"
    ("x = {SECRET = 1, SECRET = 2}\n", "at line 1, column"),        # duplicate inline key
    ("root:x:0:0:SECRET-LINE\n", "Expected '=' after a key"),
])
def test_toml_errors_keep_positions_and_drop_the_files_text(tmp_path, text, kept):
    spec = tmp_path / "secret.toml"
    spec.write_text(text)
    with pytest.raises(bs.SpecError, match="not valid TOML") as info:
        load_spec(spec)
    assert "SECRET" not in str(info.value) and kept in str(info.value)


def test_parser_messages_lose_quoted_text_but_not_positions():
    assert parser_message(ValueError("Cannot declare ('SECRET', 'x') twice (at line 2, "
                                     "column 9)")) == "Cannot declare twice (at line 2, column 9)"
    assert parser_message(ValueError('Bad "SECRET" in line 4')) == "Bad in line 4"


def test_a_callers_dataframe_still_lists_its_columns():
    """Listing columns is fine for a table the caller passed: it is theirs, not a file."""
    frame = pd.DataFrame({"t": [1.0, 2.0], "e": [1, 0], "arm": ["a", "b"]})
    with pytest.raises(bs.DataError, match=r"columns: t, e, arm"):
        bs.SurvivalData.from_frame(frame)


# ---------------------------------------------------------------- 3. duplicated headers
@pytest.mark.parametrize(("header", "message"), [
    ("time,event,arm,time", "the time column 'time' appears 2 times in the header "
                            "(columns 1 and 4); column names must be unique"),
    ("time,event,arm,SECRET,x,SECRET", "duplicated column names in the header (columns 4 and "
                                       "6); column names must be unique"),
])
def test_duplicated_headers_in_patient_rows_are_refused(tmp_path, header, message):
    width = header.count(",") + 1
    (tmp_path / "rows.csv").write_text(
        header + "\n" + "".join(",".join([str(t), str(t % 2), "ab"[t % 2]] + ["0"] * (width - 3))
                                + "\n" for t in range(1, 5)))
    spec = write_spec(tmp_path, "data.path", "rows.csv")
    text = load_error(spec)
    assert text == f"{spec}: data.path (file rows.csv): {message}"


@pytest.mark.parametrize(("reader", "text", "message"), [
    (read_curves_csv, "group,time,survival,survival\nA,0,1,1\n",
     "the survival column 'survival' appears 2 times in the header (columns 3 and 4)"),
    (read_risk_table_csv, "group,SECRET,time,n_at_risk,SECRET\nA,1,0,5,1\n",
     "duplicated column names in the header (columns 2 and 5)"),
])
def test_duplicated_headers_in_digitized_files_are_refused(tmp_path, reader, text, message):
    (tmp_path / "dup.csv").write_text(text)
    with pytest.raises(bs.DigitizedCurveError) as info:
        reader(tmp_path / "dup.csv")
    assert f"(file dup.csv): {message}" in str(info.value)
    assert "SECRET" not in str(info.value)


def test_duplicated_published_columns_are_refused(tmp_path):
    (tmp_path / "hr.csv").write_text("start,end,hr,lower,upper,hr\n0,13,0.9,0.4,2.1,0.9\n")
    spec = write_spec(tmp_path, "compare.published", "hr.csv")
    assert load_error(spec).endswith(
        "compare.published (file hr.csv): the hr column 'hr' appears 2 times in the header "
        "(columns 3 and 6); column names must be unique")


def test_unnamed_columns_are_not_duplicates(tmp_path):
    """Trailing delimiters give empty header cells, which pandas names apart."""
    (tmp_path / "curves.csv").write_text("group,time,survival,,\nA,0,1,,\nA,5,0.5,,\n")
    assert read_curves_csv(tmp_path / "curves.csv").groups == ("A",)


# ---------------------------------------------------------------- 4. NUL bytes
@pytest.mark.parametrize("key", FILE_KEYS)
def test_nul_bytes_are_refused_with_their_line(tmp_path, key):
    text = {"data.path": PATIENTS, "compare.published": PUBLISHED,
            "data.risk_table": RISK}.get(key, CURVES)
    lines = text.splitlines(keepends=True)
    lines[2] = lines[2].replace(",", "\x00,", 1)  # "5\x00" would be read as 5
    (tmp_path / "nul.csv").write_text("".join(lines))
    spec = write_spec(tmp_path, key, "nul.csv")
    message = load_error(spec)
    assert message.startswith(f"{spec}: {key}")
    assert "(file nul.csv): the file is not a text file (NUL byte at byte " in message
    assert ") on line 3; " in message


def test_nul_bytes_in_a_spec_are_refused(capsys, tmp_path):
    spec = tmp_path / "nul.toml"
    spec.write_bytes(b"[data]\nsource = 'shi2021'\x00\n")
    line = cli_error(capsys, ["run", str(spec)])
    assert f"{spec}: the file is not a text file (NUL byte at byte 25) on line 2" in line


# ---------------------------------------------------------------- 5. nobody at risk
def test_zero_at_risk_at_time_zero_is_refused(capsys, tmp_path):
    (tmp_path / "curves.csv").write_text(CURVES)
    (tmp_path / "zero.csv").write_text("group,time,n_at_risk\nA,0,10\nA,5,7\nB,0,0\nB,5,0\n")
    with pytest.raises(bs.DigitizedCurveError) as info:
        read_risk_table_csv(tmp_path / "zero.csv")
    assert str(info.value).startswith("risk table (file zero.csv), group 'B': the number at risk "
                                      "at time 0 is 0 (row 4); it is the group's number of "
                                      "patients and must be at least 1")
    out = tmp_path / "out.csv"
    line = cli_error(capsys, ["reconstruct", str(tmp_path / "curves.csv"), "--risk-table",
                              str(tmp_path / "zero.csv"), "-o", str(out)])
    assert "group 'B': the number at risk at time 0 is 0" in line
    assert not out.exists()
    spec = write_spec(tmp_path, "data.risk_table", "zero.csv")
    assert load_error(spec).startswith(f"{spec}: data.risk_table: risk table (file zero.csv), "
                                       "group 'B': the number at risk at time 0 is 0")


def test_increasing_numbers_at_risk_are_refused(tmp_path):
    (tmp_path / "risk.csv").write_text("group,time,n_at_risk\nA,0,10\nA,5,12\n")
    with pytest.raises(bs.DigitizedCurveError, match=r"group 'A': numbers at risk must not "
                                                      r"increase over time, but they go from "
                                                      r"10 at time 0 to 12 at time 5"):
        read_risk_table_csv(tmp_path / "risk.csv")


def test_a_later_zero_at_risk_reconstructs_everyone(capsys, tmp_path):
    """Everyone gone by the last time of the table: every patient is reconstructed, none
    after that time, and the numbers at risk are met (10 at 0, 6 at 5: 2 events at time 2
    and 2 censored before 5; of the 6, 2 events at time 6 and the rest censored by 10)."""
    (tmp_path / "curves.csv").write_text("group,time,survival\nA,0,1\nA,2,1\nA,2,0.8\nA,6,0.8\n"
                                         "A,6,0.5\nA,10,0.5\n")
    (tmp_path / "risk.csv").write_text("group,time,n_at_risk\nA,0,10\nA,5,6\nA,10,0\n")
    out = tmp_path / "out.csv"
    assert main(["reconstruct", str(tmp_path / "curves.csv"), "--risk-table",
                 str(tmp_path / "risk.csv"), "-o", str(out)]) == 0
    ipd = pd.read_csv(out)
    assert len(ipd) == 10 and ipd["time"].max() <= 10
    events = ipd[ipd["event"] == 1]["time"]
    assert events.tolist() == [2.0, 2.0, 6.0, 6.0]
    assert int((ipd["time"] >= 5).sum()) == 6  # the 6 at risk at time 5
    assert "| A | 10 | 4 |" in capsys.readouterr().out


def test_reconstruct_never_writes_an_empty_output(capsys, tmp_path, monkeypatch):
    from bayesurv.digitized import reconstruct

    (tmp_path / "curves.csv").write_text(CURVES)
    (tmp_path / "risk.csv").write_text(RISK)
    monkeypatch.setattr(reconstruct, "reconstruct_ipd",
                        lambda *args, **kwargs: pd.DataFrame(columns=["time", "event", "group"]))
    out = tmp_path / "out.csv"
    line = cli_error(capsys, ["reconstruct", str(tmp_path / "curves.csv"), "--risk-table",
                              str(tmp_path / "risk.csv"), "-o", str(out)])
    assert "the reconstruction has no patient rows" in line and not out.exists()


# ---------------------------------------------------------------- 6. published tables
def published_spec(tmp_path: Path, text: str) -> Path:
    (tmp_path / "hr.csv").write_text(text)
    return write_spec(tmp_path, "compare.published", "hr.csv")


def test_not_reported_as_text_is_refused_before_sampling(tmp_path):
    spec = published_spec(tmp_path, PUBLISHED + "0,75,NR,NR,NR,\n13,20,0.5,0.2,NR,\n")
    expected = (f"{spec}: compare.published (file hr.csv): column 'hr' must hold numbers; "
                "found line 4 (value 'NR'); leave values that were not reported empty")
    assert load_error(spec) == expected  # checked when the data are loaded
    with pytest.raises(bs.SpecError) as info:
        load_spec(spec).published_table()
    assert str(info.value) == expected


@pytest.mark.parametrize(("rows", "message"), [
    ("0,75,0.5,0.2,NR,\n", "column 'upper' must hold numbers; found line 4 (value 'NR')"),
    ("0,75,0.5,0.2,0.9,n.s.\n", "column 'p' must hold numbers; found line 4 (value 'n.s.')"),
    ("0,75,0.5,,0.9,\n", "an HR and its interval are reported together or left empty "
                         "together; only some given at line 4 (hr 0.5; lower missing; "
                         "upper 0.9)"),
    (",75,0.5,0.2,0.9,\n", "every row needs its window's start and end; empty at line 4 "
                           "(start missing; end 75)"),
    ("20,10,0.5,0.2,0.9,\n", "windows need 0 <= start < end; not so at line 4 (start 20; "
                             "end 10)"),
    ("0,75,0.5,0.6,0.9,\n", "each row needs 0 < lower <= hr <= upper; not so at line 4 "
                            "(hr 0.5; lower 0.6; upper 0.9)"),
    ("0,75,0.5,0.2,0.9,2\n", "p-values must be between 0 and 1; not so at line 4 (p 2.0)"),
    ("0,75,True,0.2,0.9,\n", "column 'hr' must hold numbers; found line 4 (value 'True')"),
])
def test_bad_published_values_are_named(tmp_path, rows, message):
    spec = published_spec(tmp_path, PUBLISHED + rows)
    assert load_error(spec) == f"{spec}: compare.published (file hr.csv): {message}" + (
        "; leave values that were not reported empty" if "must hold" in message else "")


def test_empty_published_cells_are_not_reported_values(tmp_path):
    """Empty HR cells read as missing (NaN) and the comparison shows no published HR for
    that window; an empty p is missing too."""
    spec = published_spec(tmp_path, "start,end,hr,lower,upper,p\n0,13,,,,\n13,75,0.3,0.1,0.7,\n"
                                    "\n0,75,0.5,0.2,0.9,0.04\n")
    load_spec(spec).load()
    table = load_spec(spec).published_table()
    assert table.index.tolist() == [2, 3, 5]  # line numbers, the blank line skipped
    assert np.isnan(table.loc[2, ["hr", "lower", "upper", "p"]].astype(float)).all()
    assert table["hr"].dtype == float and table.loc[5, "p"] == 0.04
    data = load_spec(spec).load_data()
    checked = tables._check_published(table, data)  # what compare() does with it
    match = tables._match_published(checked, 0.0, 13.0, "UC-MSC")
    assert np.isnan(match["hr"])
    assert format_hr(match["hr"], match["lower"], match["upper"]) == ""


def test_published_table_missing_columns_are_named_without_the_header(tmp_path):
    spec = published_spec(tmp_path, "SECRET,end,hr,low,upper\n0,13,0.9,0.4,2.1\n")
    assert load_error(spec) == (
        f"{spec}: compare.published (file hr.csv): the start column 'start' and the lower "
        "column 'lower' are not in the data (the file's header has 5 columns, none of them "
        "named so)")


def test_spec_data_errors_name_the_key(tmp_path):
    (tmp_path / "rows.csv").write_text(PATIENTS.replace("time,", "months,"))
    spec = write_spec(tmp_path, "data.path", "rows.csv")
    assert load_error(spec) == (f"{spec}: data.path (file rows.csv): the time column 'time' is "
                                "not in the data (the file's header has 3 columns, none of them "
                                "named so)")
