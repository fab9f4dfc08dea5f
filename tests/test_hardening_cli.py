"""Regression tests for the robustness review's CLI-wide findings (T, P, R, W7, W11, W12).

Each test is named after the finding in ../shared/reviews/robustness-2026-12.md.
Store faults are real where the machine allows (a damaged page, a held lock, a FIFO,
/dev/zero); faults that need another user or a full disk are raised where SQLite or
the OS would raise them, and the test checks the message and the exit.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from kuiper._json import dumps_strict, first_non_finite
from kuiper.cli import main
from kuiper.cli._common import one_line_error
from kuiper.errors import KuiperError

ROOT = Path(__file__).resolve().parents[1]
FIRST_SNAPSHOT = ROOT / "tle" / "celestrak-kuiper" / "kuiper_2025-07-15.tle"


def _invoke(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def _one_line_failure(result, *needles: str, code: int = 1) -> str:
    """Exit ``code`` through click, no traceback, one 'Error' line holding the needles."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), f"uncaught {result.exception!r}"
    assert "Traceback" not in result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


# ---------------------------------------------------------------------------
# T2, T3, T4, T21: deep, huge and undecodable input


def test_T2_deep_json_is_one_line(db, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    _one_line_failure(_invoke("ingest", "--db", db, deep), "deep.json", "not OMM JSON")


def test_T2_deep_json_in_a_folder_still_reports_every_file(db, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.tle").write_bytes(FIRST_SNAPSHOT.read_bytes())
    (folder / "zz_deep.json").write_text("[" * 100_000 + "]" * 100_000)
    result = _invoke("ingest", "--db", db, folder)
    assert result.exit_code == 1
    assert "a.tle: tle, 54 records" in result.stdout
    assert "zz_deep.json" in result.stderr and "Traceback" not in result.output


def test_T3_integer_of_5000_digits_is_one_line(db, tmp_path):
    p = tmp_path / "bi.json"
    p.write_text('[{"NORAD_CAT_ID": ' + "9" * 5000 + "}]")
    _one_line_failure(_invoke("ingest", "--db", db, p), "bi.json")


@pytest.mark.parametrize(
    "stdin, words",
    [
        (bytes(range(128, 256)) * 8, "not UTF-8"),
        (('[{"a": ' + "9" * 5000 + "}]").encode(), "too many digits"),
    ],
    ids=["random-bytes", "huge-integer"],
)
def test_T3_T4_sotp_stdin(seeded_db, stdin, words):
    proc = subprocess.run(
        [sys.executable, "-m", "kuiper", "sotp", "--db", str(seeded_db), "--kuiper", "-"],
        input=stdin,
        capture_output=True,
        timeout=120,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert words in err and len(err.strip().splitlines()) == 1


def test_T21_closed_stdin_is_one_line(seeded_db):
    proc = subprocess.run(
        [sys.executable, "-m", "kuiper", "sotp", "--db", str(seeded_db), "--kuiper", "-"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.close(0),
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------------------
# T13-T18, P1, P2, P12: store faults


@pytest.mark.parametrize(
    "message, words",
    [
        ("attempt to write a readonly database", "read-only"),  # T13
        ("database or disk is full", "disk is full"),  # T17
        ("database is locked", "held by another process"),  # T16
        ("database disk image is malformed", "damaged"),  # T15
        ("unable to open database file", "cannot open"),
    ],
)
def test_T13_T15_T16_T17_sqlite_failures_are_one_line_naming_the_store(
    db, monkeypatch, message, words
):
    from kuiper.store import Store

    def fail(*args, **kwargs):
        raise sqlite3.OperationalError(message)

    monkeypatch.setattr(Store, "ingest_bytes", fail)
    line = _one_line_failure(_invoke("ingest", "--db", db, FIRST_SNAPSHOT), str(db), words)
    assert "Traceback" not in line


def test_T14_unreadable_store_location_is_one_line(tmp_path, monkeypatch):
    def denied(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "is_dir", denied)
    _one_line_failure(_invoke("status", "--db", tmp_path / "k.sqlite"), "Permission denied")


def test_T15_damaged_page_says_damaged_and_how_to_rebuild(db):
    with open(db, "r+b") as f:
        f.seek(200_000)
        f.write(b"\xde\xad\xbe\xef" * 2000)
    line = _one_line_failure(_invoke("status", "--db", db), str(db), "damaged", "move it aside")
    assert "kuiper status" in line


def test_T16_P1_locked_store_says_another_process_holds_it(db, monkeypatch):
    from kuiper import store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        for args in (("status",), ("ingest", FIRST_SNAPSHOT)):
            _one_line_failure(_invoke(*args, "--db", db), str(db), "held by another process")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_T18_P2_store_with_missing_columns_is_called_damaged(db):
    con = sqlite3.connect(db)
    con.execute("ALTER TABLE elements DROP COLUMN line2")
    con.close()
    _one_line_failure(_invoke("status", "--db", db), "damaged kuiper store", "line2")


def test_P12_negative_user_version_is_refused(db):
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = -1")
    con.close()
    _one_line_failure(_invoke("status", "--db", db), "not a kuiper store")


def test_T19_two_cli_processes_on_a_new_store_both_succeed(tmp_path):
    path = tmp_path / "n.sqlite"
    cmd = [sys.executable, "-m", "kuiper", "status", "--json", "--db", str(path)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-300:] for o in outs]
    assert json.loads(outs[0][0]) == json.loads(outs[1][0])


# ---------------------------------------------------------------------------
# OS errors and the catch-all mapping


@pytest.mark.parametrize(
    "exc, words",
    [
        (OSError(errno.ENOSPC, "No space left on device", "out.png"), "out.png: the disk is full"),
        (OSError(errno.EROFS, "Read-only file system", "/ro/x"), "/ro/x: read-only"),
        (PermissionError(errno.EACCES, "Permission denied", "/x"), "/x: permission denied"),
        (OSError(errno.EIO, "Input/output error", "/y"), "/y: Input/output error"),
        (RecursionError("maximum recursion depth"), "nested too deeply"),
        (MemoryError(), "out of memory"),
        (OverflowError("int too large"), "too large"),
        (ValueError("Exceeds the limit (4300 digits) for integer string"), "too many digits"),
        (ValueError("year 10000 is out of range"), "date is out of range"),
        (KuiperError("x.toml: bad"), "x.toml: bad"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else None,
)
def test_expected_failures_map_to_one_line(exc, words):
    line = one_line_error(exc, "k.sqlite")
    assert words in line and "\n" not in line


def test_a_bug_keeps_its_traceback():
    assert one_line_error(KeyError("x")) is None


# ---------------------------------------------------------------------------
# P3, P4, P5, P10, P13, W11, W12, R1-R3: ingest inputs


def test_P3_unrecognised_format(db, tmp_path):
    for content in ("null", "42", "a;b;c\n1;2;3\n"):
        p = tmp_path / "x.json"
        p.write_text(content)
        _one_line_failure(_invoke("ingest", "--db", db, p), "unrecognised format")


def test_P4_tab_in_line_1_is_blamed_on_line_1(db, tmp_path):
    name, l1, l2 = FIRST_SNAPSHOT.read_text().splitlines()[:3]
    p = tmp_path / "tab.tle"
    p.write_text(f"{name}\n1\t{l1[2:]}\n{l2}\n")
    _one_line_failure(_invoke("ingest", "--db", db, p), "tab.tle:2:", "column 2")


def test_P5_the_skip_bad_hint_only_for_record_errors(db, tmp_path):
    empty = tmp_path / "empty.tle"
    empty.write_text("")
    line = _one_line_failure(_invoke("ingest", "--db", db, empty), "no element sets")
    assert "--skip-bad" not in line


def test_P10_symlink_loop(db, tmp_path):
    loop = tmp_path / "loop1"
    os.symlink(tmp_path / "loop2", loop)
    os.symlink(loop, tmp_path / "loop2")
    _one_line_failure(_invoke("ingest", "--db", db, loop), "symlink loop")


def test_P13_unreadable_subfolder_is_reported(db, tmp_path, monkeypatch):
    (tmp_path / "f").mkdir()
    real_walk = os.walk

    def walk(top, onerror=None, **kw):
        onerror(PermissionError(errno.EACCES, "Permission denied", str(top) + "/secret"))
        yield from real_walk(top, **kw)

    monkeypatch.setattr(os, "walk", walk)
    _one_line_failure(_invoke("ingest", "--db", db, tmp_path / "f"), "secret", "cannot read")


def test_W11_skip_bad_with_nothing_good_exits_1(db, tmp_path):
    p = tmp_path / "junk.tle"
    p.write_text("junk\n" * 500)
    result = _invoke("ingest", "--skip-bad", "--db", db, p)
    _one_line_failure(result, "no good record")
    sources = json.loads(_invoke("sources", "--json", "--db", db).stdout)
    assert all(s["path"] != str(p) for s in sources)


def test_W12_empty_path_is_refused(db):
    _one_line_failure(_invoke("ingest", "--db", db, ""), "empty path")


def test_R1_fifo_is_refused_without_blocking(db, tmp_path):
    fifo = tmp_path / "f.tle"
    os.mkfifo(fifo)
    result = []
    t = threading.Thread(target=lambda: result.append(_invoke("ingest", "--db", db, fifo)))
    t.start()
    t.join(60)
    assert not t.is_alive(), "ingest of a FIFO blocked"
    _one_line_failure(result[0], "not a regular file")


def test_R2_dev_zero_is_refused(db):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    _one_line_failure(_invoke("ingest", "--db", db, "/dev/zero"), "not a regular file")


def test_R3_gzip_bomb_is_refused_at_the_cap(db, tmp_path):
    bomb = tmp_path / "bomb.tle.gz"
    bomb.write_bytes(gzip.compress(b"A" * (65 * 1024 * 1024), 1))
    assert bomb.stat().st_size < 1_000_000
    _one_line_failure(_invoke("ingest", "--db", db, bomb), "over 64 MiB", "--max-size")
    _one_line_failure(_invoke("ingest", "--max-size", 128, "--db", db, bomb), "unrecognised format")


def test_R3_without_skip_bad_the_first_bad_record_stops_the_file(tmp_path):
    from kuiper.elements import parse_elements
    from kuiper.errors import ElementsError

    with pytest.raises(ElementsError, match=":1: unrecognised"):
        parse_elements("x\n" * 2_000_000, "b.tle", stop_at_first=True)


def test_R3_skip_bad_listing_is_capped(db, tmp_path):
    p = tmp_path / "mostly_bad.tle"
    p.write_bytes(FIRST_SNAPSHOT.read_bytes() + b"junk line\n" * 1000)
    result = _invoke("ingest", "--skip-bad", "--db", db, p)
    assert result.exit_code == 0, result.output
    skipped = [ln for ln in result.stderr.splitlines() if ln.startswith("  skipped")]
    assert len(skipped) == 100
    assert "... and 900 more skipped" in result.stderr


def test_R3_skip_bad_gives_up_on_a_file_of_junk(db, tmp_path):
    # 91 KB of gzip, 12.6 M junk lines: counted one by one this took 115 s; now it stops
    # after 10,000 bad records with none good (ingest.toml give_up_*).
    p = tmp_path / "junk.tle.gz"
    p.write_bytes(gzip.compress(b"junk\n" * 2_000_000, 9))
    result = _invoke("ingest", "--skip-bad", "--db", db, p)
    _one_line_failure(result, "gave up after 10,001 bad records and 0 good")


# ---------------------------------------------------------------------------
# D1, D4 through the CLI; sources and forget


def test_D1_D4_cli_refuses_a_future_epoch_and_warns_of_an_unknown_launch(db, tmp_path):
    name, l1, l2 = FIRST_SNAPSHOT.read_text().splitlines()[:3]
    rec = {
        "OBJECT_NAME": "KUIPER-FAKE0",
        "OBJECT_ID": "2024-999A",
        "EPOCH": "2026-09-06T21:00:00",
        "MEAN_MOTION": 14.8,
        "ECCENTRICITY": 0.0001,
        "INCLINATION": 51.9,
        "RA_OF_ASC_NODE": 10.0,
        "ARG_OF_PERICENTER": 20.0,
        "MEAN_ANOMALY": 30.0,
        "NORAD_CAT_ID": 99001,
        "BSTAR": 0.0001,
        "MEAN_MOTION_DOT": 0.0,
        "MEAN_MOTION_DDOT": 0.0,
    }
    fake = tmp_path / "fake.json"
    fake.write_text(json.dumps([rec]))
    result = _invoke("ingest", "--db", db, fake)
    assert result.exit_code == 0
    assert "launch 2024-999, which is not in the launch log" in result.stderr
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps([{**rec, "EPOCH": "2099-03-27T07:19:45"}]))
    _one_line_failure(_invoke("ingest", "--db", db, typo), "typo.json: record 1: epoch 2099")


def test_sources_and_forget_through_the_cli(db, tmp_path):
    before = json.loads(_invoke("status", "--json", "--db", db).stdout)
    p = tmp_path / "extra.tle"
    name, l1, l2 = FIRST_SNAPSHOT.read_text().splitlines()[:3]
    from kuiper.elements import tle_checksum

    l1b = l1[:18] + "26300.50000000" + l1[32:]
    l1b = l1b[:68] + str(tle_checksum(l1b))
    p.write_text(f"{name}\n{l1b}\n{l2}\n")
    assert _invoke("ingest", "--db", db, p).exit_code == 0
    rows = json.loads(_invoke("sources", "--json", "--db", db).stdout)
    assert rows[-1]["path"] == str(p) and rows[-1]["n_only_here"] == 1
    text = _invoke("sources", "--db", db).stdout
    assert rows[-1]["sha256"][:12] in text
    result = _invoke("forget", "--db", db, rows[-1]["sha256"][:8])
    assert result.exit_code == 0 and "1 element sets removed" in result.stdout
    assert json.loads(_invoke("status", "--json", "--db", db).stdout) == before
    _one_line_failure(_invoke("forget", "--db", db, "0123456789abcdef"), "no source")


# ---------------------------------------------------------------------------
# W7: dates


@pytest.mark.parametrize("text", ["20260730", "2026-W30", "2026-W30-4", "2026-211", "30/07/2026"])
def test_W7_other_date_forms_are_refused(seeded_db, text):
    _one_line_failure(_invoke("status", "--db", seeded_db, "--as-of", text), "YYYY-MM-DD")


def test_W7_a_date_means_the_end_of_that_utc_day(seeded_db):
    out = json.loads(_invoke("status", "--json", "--db", seeded_db, "--as-of", "2026-07-30").stdout)
    assert out["as_of"].startswith("2026-07-30T23:59:59")


# ---------------------------------------------------------------------------
# P6, P9: pictures


def _plot_commands() -> list[str]:
    plot = main.commands["plot"]
    return sorted(plot.commands)


@pytest.mark.parametrize("command", _plot_commands())
@pytest.mark.parametrize("name", ["x.jpg", "x.pdf", "x", ".png"])
def test_P6_picture_suffix_is_checked_before_any_work(seeded_db, tmp_path, command, name):
    result = _invoke("plot", command, "--db", seeded_db, "-o", tmp_path / name)
    assert result.exit_code == 2, result.output
    assert ".png or .svg" in result.stderr and "Traceback" not in result.output


def test_P6_backtest_output_is_checked_first(seeded_db, tmp_path):
    params = {p.name for p in main.commands["backtest"].params}
    if "output" not in params:
        pytest.skip("backtest has no -o")
    result = _invoke("backtest", "--db", seeded_db, "-o", tmp_path / "x.jpg")
    assert result.exit_code == 2 and result.stdout == ""


def test_P9_a_failed_save_leaves_no_file(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from kuiper.plots import _base

    def full_disk(self, f, **kwargs):
        f.write(b"\x89PNG partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", full_disk)
    ax = _base.new_axes(None)
    with pytest.raises(KuiperError, match="No space left"):
        _base.save(ax, tmp_path / "out.png")
    assert list(tmp_path.iterdir()) == []


def test_P9_save_never_replaces_a_pipe_or_device(tmp_path):
    from kuiper.plots import _base

    fifo = tmp_path / "x.png"
    os.mkfifo(fifo)
    with pytest.raises(KuiperError, match="not a regular file"):
        _base.save(_base.new_axes(None), fifo)
    assert fifo.is_fifo()


# ---------------------------------------------------------------------------
# W5/W6 (strict JSON), T20 (numba cache)


def test_W5_W6_strict_json_names_the_non_finite_field():
    where, value = first_non_finite({"a": [1.0, {"b": float("nan")}]})
    assert where == "a[1].b" and value != value
    assert first_non_finite({"a": [1.0, {"b": 2}]}) is None
    with pytest.raises(KuiperError, match=r"result field total\.usd is inf"):
        dumps_strict({"total": {"usd": float("inf")}})
    assert json.loads(dumps_strict({"x": [1, 2.5, None]})) == {"x": [1, 2.5, None]}


_T20 = """
import numba.core.caching as c
c.CacheImpl._locator_classes = []      # no cache location is usable, as for a service user
from kuiper.forecast import _kernels # noqa: F401
print("imported")
"""


def test_T20_no_writable_numba_cache_falls_back_with_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "KUIPER_NUMBA_CACHE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", _T20], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "imported"
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "compiling without a cache" in lines[0]
