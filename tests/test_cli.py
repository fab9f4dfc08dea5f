"""The ``kuiper`` command line, through click's ``CliRunner`` and real subprocesses.

Checks help and examples on every command, the import budget (no numba or
matplotlib behind ``import kuiper.cli`` or ``--help``), the documented
``status --json`` schema and its conservation laws, one-line errors with no
traceback, and the pictures. Assertions are on parsed ``--json`` output, not on
pretty tables. Every test passes ``--db`` or ``KUIPER_DB``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kuiper import __version__
from kuiper.cli import main
from kuiper.store import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tle" / "celestrak-kuiper"
FIRST_SNAPSHOT = SNAPSHOTS / "kuiper_2025-07-15.tle"  # 54 records, 3-line, CRLF
LAST_SNAPSHOT = SNAPSHOTS / "kuiper_2026-09-07.tle"
PHASES = {"raising", "on_station", "drifting", "deorbiting", "decayed"}
# FCC Gen-1 shells (altitude km, inclination deg), FCC 20-102 via
# ../shared/data/constellation/fcc_gen1_shells.csv.
FCC_GEN1_SHELLS = {(630.0, 51.9), (610.0, 42.0), (590.0, 33.0)}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HEAVY_MODULES = ("numba", "matplotlib")
UTC = dt.UTC


def _invoke(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def _assert_clean_failure(result, *needles: str) -> str:
    """Non-zero exit through click, no traceback, exactly one 'Error' line; return it."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), f"uncaught {result.exception!r}"
    assert "Traceback" not in result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0]
    assert result.stdout == ""
    return errors[0]


def _status(db: Path, *args) -> dict:
    result = _invoke("status", "--json", "--db", db, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _parse_utc(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert value.tzinfo is not None, text
    return value


def _raw_newest_epoch(path: Path) -> dt.datetime:
    """The newest epoch in a TLE file, from the YYDDD.DDDDDDDD columns (1e-8 day = 864 us)."""
    newest = None
    for line in path.read_text().splitlines():
        if line.startswith("1 "):
            year = 2000 + int(line[18:20])
            day, fraction = line[20:32].split(".")
            epoch = dt.datetime(year, 1, 1, tzinfo=UTC) + dt.timedelta(
                days=int(day) - 1, microseconds=int(fraction) * 864
            )
            newest = epoch if newest is None else max(newest, epoch)
    return newest


# ---------------------------------------------------------------------------
# Help, version, import budget


def _command_paths(group: click.Group = main, prefix: tuple[str, ...] = ()):
    yield prefix
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _command_paths(command, (*prefix, name))
        else:
            yield (*prefix, name)


COMMAND_PATHS = list(_command_paths())


@pytest.mark.parametrize(
    "path",
    [p if p == () else p for p in COMMAND_PATHS],
    ids=lambda p: " ".join(("kuiper", *p)),
)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_every_command_has_help_with_an_example(path, flag):
    result = _invoke(*path, flag)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")
    assert "Example" in result.stdout


def test_command_tree_is_the_documented_one():
    assert {("ingest",), ("status",), ("plot", "shells"), ("plot", "altitude")} <= set(
        COMMAND_PATHS
    )


def test_version():
    result = _invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"kuiper, version {__version__}"


_IMPORT_PROBE = r"""
import json, sys

heavy = lambda: sorted(m for m in {heavy_modules} if m in sys.modules)
import kuiper.cli

seen = {{"import kuiper.cli": heavy()}}
for args in json.loads(sys.argv[1]):
    try:
        kuiper.cli.main(args, prog_name="kuiper")
    except SystemExit:
        pass
    seen["kuiper " + " ".join(args)] = heavy()
print("RESULT " + json.dumps(seen))
"""


def test_import_and_help_load_neither_numba_nor_matplotlib():
    invocations = [[*p, "--help"] for p in COMMAND_PATHS] + [["--version"]]
    code = _IMPORT_PROBE.format(heavy_modules=repr(set(HEAVY_MODULES)))
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(invocations)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1].removeprefix("RESULT "))
    assert len(result) == len(invocations) + 1
    assert {k: v for k, v in result.items() if v} == {}


def test_python_dash_m_kuiper_runs_the_cli():
    proc = subprocess.run(
        [sys.executable, "-m", "kuiper", "--version"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert __version__ in proc.stdout


# ---------------------------------------------------------------------------
# status


def test_status_json_has_the_documented_schema(seeded_db):
    d = _status(seeded_db)
    assert {"as_of", "data_through", "totals", "by_shell"} <= set(d)
    as_of, data_through = _parse_utc(d["as_of"]), _parse_utc(d["data_through"])
    # With no --as-of the date is the newest element set in the store.
    newest = _raw_newest_epoch(LAST_SNAPSHOT)
    assert abs(data_through - newest) < dt.timedelta(seconds=1)
    assert abs(as_of - newest) < dt.timedelta(seconds=1)
    totals = d["totals"]
    assert {"launched", "in_orbit", "on_station", "decayed"} <= set(totals)
    for key in ("launched", "in_orbit", "on_station", "decayed"):
        assert isinstance(totals[key], int) and totals[key] >= 0
    assert isinstance(d["by_shell"], list) and d["by_shell"]
    for row in d["by_shell"]:
        assert set(row) >= {"shell", "altitude_km", "inclination_deg", "phases"}
        assert isinstance(row["shell"], str)
        assert set(row["phases"]) == PHASES
        assert all(isinstance(n, int) and n >= 0 for n in row["phases"].values())
    shells = {(r["altitude_km"], r["inclination_deg"]) for r in d["by_shell"] if r["altitude_km"]}
    assert shells == FCC_GEN1_SHELLS


def test_status_text_shows_every_shell(seeded_db):
    result = _invoke("status", "--db", seeded_db)
    assert result.exit_code == 0, result.output
    d = _status(seeded_db)
    for row in d["by_shell"]:
        assert row["shell"] in result.stdout


AS_OF_DATES = [
    "2025-04-29",  # the day after the first production launch, before any element set
    "2025-07-20",
    "2025-10-01",
    "2026-01-01",
    "2026-04-10",
    "2026-07-01",
    "2026-08-01T12:00:00Z",
    "2026-09-01",
]


@pytest.fixture(scope="module")
def history(request) -> list[dict]:
    db = request.getfixturevalue("seeded_db")
    return [_status(db, "--as-of", when) for when in AS_OF_DATES]


@pytest.mark.parametrize("k", range(len(AS_OF_DATES)), ids=AS_OF_DATES)
def test_status_counts_are_conserved(history, k):
    d = history[k]
    t = d["totals"]
    phases = {p: sum(r["phases"][p] for r in d["by_shell"]) for p in PHASES}
    assert t["launched"] >= t["in_orbit"] >= t["on_station"] >= 0
    assert t["decayed"] + t["in_orbit"] == t["launched"]
    assert phases["decayed"] == t["decayed"]
    assert phases["on_station"] == t["on_station"]
    # Every satellite launched is in exactly one phase in exactly one row.
    assert sum(phases.values()) == t["launched"]
    if "tracked" in t:
        assert sum(phases.values()) == t["tracked"] + t.get("untracked", 0)
    as_of = _parse_utc(d["as_of"])
    if d["data_through"] is not None:
        assert _parse_utc(d["data_through"]) <= as_of


def test_status_counts_never_go_backwards(history):
    for key in ("launched", "decayed"):
        series = [d["totals"][key] for d in history]
        assert series == sorted(series), key
    assert history[0]["totals"]["launched"] > 0  # counted from the launch log before tracking


def test_as_of_end_of_day_is_inclusive(seeded_db):
    d = _status(seeded_db, "--as-of", "2026-04-10")
    assert d["as_of"].startswith("2026-04-10T23:59:59")


def test_status_text_before_the_first_element_set(seeded_db):
    result = _invoke("status", "--db", seeded_db, "--as-of", "2025-05-01")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


BAD_AS_OF = [
    "2026-02-30",
    "2026-13-01",
    "2026-07-30T25:00",
    "garbage",
    "yesterday",
    "30/07/2026",
    "",
    "1900-01-01",
    "2026-07-30T12:00:00+99:00",
    "10000-01-01",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:30:00+01:00",
]


@pytest.mark.parametrize("value", BAD_AS_OF)
@pytest.mark.parametrize("command", [("status", "--json"), ("plot", "shells")])
def test_bad_as_of_is_a_one_line_error(seeded_db, tmp_path, command, value):
    out = tmp_path / "x.png"
    extra = ("-o", out) if command[0] == "plot" else ()
    result = _invoke(*command, "--db", seeded_db, "--as-of", value, *extra)
    _assert_clean_failure(result)
    assert not out.exists()


def test_bad_as_of_in_a_real_process(seeded_db):
    proc = subprocess.run(
        [sys.executable, "-m", "kuiper", "status", "--db", str(seeded_db), "--as-of", "2026-02-30"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error") and "2026-02-30" in lines[0]


# ---------------------------------------------------------------------------
# The store from the command line


def test_first_use_seeds_the_store_so_status_needs_no_arguments(tmp_path):
    path = tmp_path / "first" / "kuiper.sqlite"
    result = _invoke("status", env={"KUIPER_DB": str(path)})
    assert result.exit_code == 0, result.output
    assert "launched" in result.stdout
    assert path.is_file()
    with Store(path, seed=False) as store:
        assert store.meta("seeded") and store.n_elements() > 0
    d = json.loads(_invoke("status", "--json", env={"KUIPER_DB": str(path)}).stdout)
    assert d["totals"]["launched"] > 0


def test_kuiper_db_environment_variable_is_used(seeded_db, tmp_path):
    assert _invoke("status", "--json", env={"KUIPER_DB": str(seeded_db)}).exit_code == 0
    notdb = tmp_path / "notes.sqlite"
    notdb.write_text("not a database\n" * 100)
    result = _invoke("status", env={"KUIPER_DB": str(notdb)})
    _assert_clean_failure(result, str(notdb))


def _make_store(kind: str, path: Path) -> None:
    if kind == "newer-schema":
        con = sqlite3.connect(path)
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        con.commit()
        con.close()
    elif kind == "not-sqlite":
        path.write_bytes(b"\x00\x01garbage" * 500)
    elif kind.startswith("other-app"):
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE places (id INTEGER PRIMARY KEY, url TEXT)")
        con.execute(f"PRAGMA user_version = {1 if kind.endswith('v1') else 0}")
        con.commit()
        con.close()
    elif kind == "empty":
        with Store(path, seed=False) as store:
            store.conn.execute("INSERT INTO meta VALUES ('seeded', 'long ago')")


STORE_KINDS = [
    "newer-schema",
    "not-sqlite",
    "other-app",
    "other-app-v1",
    "empty",
]


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_unusable_store_is_a_one_line_error(tmp_path, kind):
    path = tmp_path / "store.sqlite"
    _make_store(kind, path)
    before = path.read_bytes()
    _assert_clean_failure(_invoke("status", "--db", path), str(path))
    assert path.read_bytes() == before


@pytest.mark.parametrize("kind", [k for k in STORE_KINDS if k != "empty"])
def test_ingest_into_a_foreign_store_is_refused(tmp_path, kind):
    path = tmp_path / "store.sqlite"
    _make_store(kind, path)
    before = path.read_bytes()
    _assert_clean_failure(_invoke("ingest", "--db", path, FIRST_SNAPSHOT), str(path))
    assert path.read_bytes() == before


def test_a_directory_as_store_is_a_usage_error(tmp_path):
    _assert_clean_failure(_invoke("status", "--db", tmp_path), str(tmp_path))


# ---------------------------------------------------------------------------
# ingest


def _write_bad(kind: str, tmp_path: Path) -> tuple[Path, str]:
    """A bad input and a word its error must contain."""
    if kind == "garbage":
        p = tmp_path / "garbage.tle"
        p.write_text("hello\nthis is not a TLE\n")
        return p, "TLE"
    if kind == "binary":
        p = tmp_path / "binary.tle"
        p.write_bytes(PNG_MAGIC + bytes(range(256)) * 8)
        return p, "UTF-8"
    if kind == "empty":
        p = tmp_path / "empty.json"
        p.write_bytes(b"")
        return p, "no element sets"
    if kind == "bad-checksum":
        lines = FIRST_SNAPSHOT.read_text().splitlines()
        lines[5] = lines[5][:68] + str((int(lines[5][68]) + 1) % 10)
        p = tmp_path / "checksum.tle"
        p.write_text("\n".join(lines) + "\n")
        return p, "checksum"
    if kind == "missing":
        return tmp_path / "missing.tle", "no such file"
    if kind == "empty-folder":
        (tmp_path / "nothing" / "here").mkdir(parents=True)
        return tmp_path / "nothing", "no element files"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["garbage", "binary", "empty", "bad-checksum", "missing", "empty-folder"]
)
def test_bad_input_is_one_line_naming_the_file_and_leaves_the_store(db, tmp_path, kind):
    bad, reason = _write_bad(kind, tmp_path)
    before = db.read_bytes()
    result = _invoke("ingest", "--db", db, bad)
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), f"uncaught {result.exception!r}"
    assert "Traceback" not in result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error")]
    assert len(errors) == 1, result.stderr
    assert str(bad) in errors[0] and reason in errors[0]
    assert db.read_bytes() == before


def test_one_bad_file_does_not_stop_the_good_ones(db, tmp_path, shared_data):
    bad, _ = _write_bad("bad-checksum", tmp_path)
    good = shared_data / "catalogs" / "kuiper_gp_2026-08-18.csv"
    result = _invoke("ingest", "--json", "--db", db, bad, good)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [f["path"] for f in report["files"]] == [str(good)]
    assert report["files"][0]["n_new"] > 0
    assert len(report["failed"]) == 1 and report["failed"][0].startswith(f"{bad}:6: ")
    with Store(db) as store:
        assert str(bad) not in {s["path"] for s in store.sources()}


def test_ingest_twice_stores_nothing_new(db, shared_data):
    catalog = shared_data / "catalogs" / "kuiper_2026-03-29.json"
    first = _invoke("ingest", "--json", "--db", db, catalog)
    assert first.exit_code == 0, first.output
    with Store(db) as store:
        n = store.n_elements(kuiper_only=False)
    second = _invoke("ingest", "--json", "--db", db, catalog)
    tle_twin = _invoke("ingest", "--json", "--db", db, catalog.with_suffix(".tle"))
    assert second.exit_code == tle_twin.exit_code == 0
    again = json.loads(second.stdout)["files"][0]
    assert again["already_ingested"] and again["n_new"] == 0
    assert json.loads(tle_twin.stdout)["files"][0]["n_new"] == 0
    with Store(db) as store:
        assert store.n_elements(kuiper_only=False) == n
    text = _invoke("ingest", "--db", db, catalog)
    assert "already ingested" in text.stdout


def test_skip_bad_reports_each_skipped_record_with_its_line(db, tmp_path):
    lines = FIRST_SNAPSHOT.read_text().splitlines()
    for k in (5, 20):  # record 2 line 2 (line 6), record 7 line 2 (line 21)
        lines[k] = lines[k][:68] + str((int(lines[k][68]) + 1) % 10)
    path = tmp_path / "two_bad.tle"
    path.write_text("\n".join(lines) + "\n")
    before = db.read_bytes()
    refused = _invoke("ingest", "--db", db, path)
    _assert_clean_failure(refused, f"{path}:6:", "--skip-bad")
    assert db.read_bytes() == before

    result = _invoke("ingest", "--skip-bad", "--db", db, path)
    assert result.exit_code == 0, result.output
    skipped = [ln.strip() for ln in result.stderr.splitlines() if "skipped" in ln]
    # The corrupted digit is one more than the checksum the parser computes.
    assert skipped == [
        f"skipped {path}:{k + 1}: line 2 checksum is {lines[k][68]}, "
        f"computed {(int(lines[k][68]) - 1) % 10}"
        for k in (5, 20)
    ]
    as_json = json.loads(_invoke("ingest", "--skip-bad", "--json", "--db", db, path).stdout)
    report = as_json["files"][0]
    assert report["n_bad"] == 2 and as_json["failed"] == []
    assert [e.split(": ", 1)[0] for e in report["errors"]] == [f"{path}:6", f"{path}:21"]


def test_ingest_searches_folders_recursively(tmp_path):
    top = tmp_path / "downloads"
    (top / "x" / "y").mkdir(parents=True)
    (top / "x" / "y" / "a.tle").write_bytes(FIRST_SNAPSHOT.read_bytes())
    (top / "b.tle").write_bytes((SNAPSHOTS / "kuiper_2025-10-15.tle").read_bytes())
    (top / "x" / "README.md").write_text("ignored\n")
    db = tmp_path / "fresh.sqlite"
    _make_store("empty", db)  # only these files land in it
    result = _invoke("ingest", "--json", "--db", db, top)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert sorted(Path(f["path"]).name for f in report["files"]) == ["a.tle", "b.tle"]
    assert report["failed"] == []
    with Store(db) as store:
        assert store.n_elements() == sum(f["n_new"] for f in report["files"]) > 54


def test_ingest_json_keeps_stdout_clean(db):
    result = _invoke("ingest", "--json", "--db", db, FIRST_SNAPSHOT)
    assert result.exit_code == 0
    report = json.loads(result.stdout)  # progress goes to stderr
    assert set(report) == {"files", "failed"}
    f = report["files"][0]
    assert {"path", "format", "n_read", "n_kuiper", "n_new", "n_bad", "errors"} <= set(f)
    assert f["format"] == "tle" and f["n_read"] == 54


# ---------------------------------------------------------------------------
# plot


def test_plot_shells_writes_a_png(seeded_db, tmp_path):
    out = tmp_path / "pictures" / "shells.png"
    result = _invoke("plot", "shells", "--db", seeded_db, "-o", out)
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout  # says where it wrote
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 10_000


def test_plot_altitude_writes_an_svg(seeded_db, tmp_path):
    out = tmp_path / "altitude.svg"
    result = _invoke("plot", "altitude", "--db", seeded_db, "--as-of", "2026-01-01", "-o", out)
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(list(root.iter())) > 100


@pytest.mark.parametrize("command", ["shells", "altitude"])
@pytest.mark.parametrize("name", ["picture.jpg", "picture", "picture.png.txt"])
def test_plot_bad_suffix_is_a_one_line_error(seeded_db, tmp_path, command, name):
    out = tmp_path / name
    result = _invoke("plot", command, "--db", seeded_db, "--as-of", "2025-08-01", "-o", out)
    _assert_clean_failure(result, name)
    assert not out.exists()
