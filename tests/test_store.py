"""The SQLite history store: idempotent, atomic per file, versioned, seeded, kill-safe.

Authorities: the raw text of the shipped snapshots and of the CelesTrak files in
``../shared/data`` (read with ``csv``/``json``/column slicing, not with kuiper's
parser), SQLite's own ``PRAGMA integrity_check``, and real ``SIGKILL``s of a
subprocess that is ingesting.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kuiper.elements import tle_checksum
from kuiper.errors import ElementsError, StoreError
from kuiper.store import SCHEMA_VERSION, Store, default_db_path, expand_paths, open_store

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tle" / "celestrak-kuiper"
FIRST_SNAPSHOT = SNAPSHOTS / "kuiper_2025-07-15.tle"  # 54 records, 3-line, CRLF
UTC = dt.UTC
TABLES = ("meta", "sources", "objects", "elements", "satcat")
# How long a killed subprocess may take to reach the point where it is killed.
SUBPROCESS_TIMEOUT_S = 60


# ---------------------------------------------------------------------------
# Helpers


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _content(path: Path) -> dict:
    """Every row of every table, except ingest timestamps (which differ run to run)."""
    con = sqlite3.connect(path)
    try:
        out = {
            "user_version": con.execute("PRAGMA user_version").fetchone()[0],
            "meta": con.execute("SELECT * FROM meta WHERE key != 'seeded' ORDER BY 1").fetchall(),
            "sources": con.execute(
                "SELECT id, path, sha256, format, n_records, n_new FROM sources ORDER BY id"
            ).fetchall(),
        }
        for table in ("objects", "elements", "satcat"):
            out[table] = con.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
    finally:
        con.close()
    return out


def _integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def _fresh(tmp_path: Path, name: str = "fresh.sqlite") -> Store:
    """An empty, unseeded store."""
    return Store(tmp_path / name, seed=False)


def _tle_records(text: str) -> list[tuple[str, str, str]]:
    """(name, line1, line2) of a 3-line TLE text, by position."""
    lines = text.splitlines()
    return [(lines[k], lines[k + 1], lines[k + 2]) for k in range(0, len(lines), 3)]


def _raw_tle_keys(path: Path) -> set[tuple[int, str]]:
    """(catalog number, epoch field) of every record, read by column from the raw text."""
    return {(int(l1[2:7]), l1[18:32]) for _, l1, _ in _tle_records(path.read_text())}


def _with_checksum(line: str) -> str:
    return line[:68] + str(tle_checksum(line))


def _bad_checksum(line: str) -> str:
    return line[:68] + str((int(line[68]) + 1) % 10)


# ---------------------------------------------------------------------------
# Opening: schema, location, refusals


def test_new_store_is_versioned_and_has_the_schema(tmp_path):
    path = tmp_path / "new.sqlite"
    Store(path, seed=False).close()
    con = sqlite3.connect(path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
    con.close()
    assert set(TABLES) <= tables


def test_kuiper_db_environment_variable_sets_the_default(tmp_path, monkeypatch):
    path = tmp_path / "from-env" / "k.sqlite"
    monkeypatch.setenv("KUIPER_DB", str(path))
    assert default_db_path() == path
    with Store(seed=False) as store:
        assert store.path == path
    assert path.is_file()


def test_default_location_is_the_user_data_dir(monkeypatch):
    import platformdirs

    monkeypatch.delenv("KUIPER_DB", raising=False)
    expected = Path(platformdirs.user_data_dir("kuiper", appauthor=False)) / "kuiper.sqlite"
    assert default_db_path() == expected  # computed only; never opened here


def _newer_schema(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()


def _not_sqlite(path: Path) -> None:
    path.write_text("KUIPER-00008\nthis is a text file, not a database\n" * 20)


def _other_app(path: Path, user_version: int = 0) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, title TEXT)")
    con.execute("INSERT INTO moz_bookmarks VALUES (1, 'x')")
    con.execute(f"PRAGMA user_version = {user_version}")
    con.commit()
    con.close()


BAD_STORES = {
    "newer-schema": _newer_schema,
    "not-sqlite": _not_sqlite,
    "other-app": _other_app,
    "other-app-user-version-1": lambda p: _other_app(p, user_version=1),
}


@pytest.mark.parametrize(
    "kind",
    [k if k == "other-app-user-version-1" else k for k in BAD_STORES],
)
def test_foreign_or_newer_store_is_refused_and_left_alone(tmp_path, kind):
    path = tmp_path / "store.sqlite"
    BAD_STORES[kind](path)
    before = path.read_bytes()
    with pytest.raises(StoreError) as info:
        Store(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    assert path.read_bytes() == before


def test_directory_is_refused(tmp_path):
    with pytest.raises(StoreError, match="directory"):
        Store(tmp_path)


def test_empty_store_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "empty.sqlite"
    with _fresh(tmp_path, "empty.sqlite") as store:
        store.conn.execute("INSERT INTO meta VALUES ('seeded', 'never')")
    with pytest.raises(StoreError, match="kuiper ingest"):
        open_store(path)
    with open_store(path, require_data=False) as store:
        assert store.n_elements() == 0


# ---------------------------------------------------------------------------
# Seeding


def test_first_use_seeds_every_shipped_snapshot(seeded_db):
    from kuiper.snapshots import shipped_files

    shipped = shipped_files()
    raw_keys = set().union(*(_raw_tle_keys(p) for p in shipped))
    satcat_rows = list(
        csv.DictReader(io.StringIO((files("kuiper") / "data" / "satcat_kuiper.csv").read_text()))
    )
    with Store(seeded_db) as store:
        assert store.meta("seeded")
        sources = store.sources()
        assert len(sources) == len(shipped) + 1
        assert store.n_elements() == store.n_elements(kuiper_only=False) == len(raw_keys)
        assert len(store.satcat()) == len(satcat_rows)
        assert store.integrity_ok()
    assert {s["sha256"] for s in sources} >= {_sha256_file(p) for p in shipped}


def test_opening_a_seeded_store_writes_nothing(seeded_db, db):
    before = db.read_bytes()
    with open_store(db) as store:
        store.elements()
    assert db.read_bytes() == before


_SEED_SCRIPT = r"""
import sys, time
from kuiper.store import Store

def progress(done, total, path):
    if done == 10:
        print("paused", flush=True)
        time.sleep(600)

Store(sys.argv[1], progress=progress)
"""


def test_seeding_killed_midway_finishes_on_next_use(seeded_db, tmp_path):
    path = tmp_path / "half.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-c", _SEED_SCRIPT, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "paused", proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(SUBPROCESS_TIMEOUT_S)
    assert _integrity(path) == "ok"
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM sources").fetchone()[0] == 10
    assert con.execute("SELECT value FROM meta WHERE key = 'seeded'").fetchone() is None
    con.close()
    with open_store(path) as store:
        assert store.meta("seeded")
    assert _content(path) == _content(seeded_db)


# ---------------------------------------------------------------------------
# Idempotence


def test_reingesting_a_file_stores_nothing(db):
    before = _content(db)
    with Store(db) as store:
        report = store.ingest_file(SNAPSHOTS / "kuiper_2026-09-07.tle")
    assert report.already_ingested and report.n_new == 0
    assert _content(db) == before


def test_same_bytes_under_another_name_are_recognised(db, tmp_path):
    copy = tmp_path / "renamed.txt"
    shutil.copyfile(FIRST_SNAPSHOT, copy)
    before = _content(db)
    with Store(db) as store:
        report = store.ingest_file(copy)
        again = store.ingest_file(copy, all_objects=True)
    assert report.already_ingested and report.n_new == 0
    assert again.n_new == 0
    assert _content(db)["elements"] == before["elements"]


def test_first_ingest_stores_each_record_once(tmp_path):
    text = FIRST_SNAPSHOT.read_text()
    with _fresh(tmp_path) as store:
        report = store.ingest_file(FIRST_SNAPSHOT)
        el = store.elements()
    assert report.n_read == report.n_new == len(_tle_records(text)) == 54
    assert len(el) == len(set(zip(el.norad_id.tolist(), el.epoch_utc.tolist(), strict=True))) == 54
    assert {k[0] for k in _raw_tle_keys(FIRST_SNAPSHOT)} == set(el.norad_id.tolist())


@pytest.mark.parametrize("order", [("tle", "json"), ("json", "tle")])
def test_tle_and_omm_json_of_the_same_element_sets_are_stored_once(shared_data, tmp_path, order):
    paths = {ext: shared_data / "catalogs" / f"kuiper_2026-03-29.{ext}" for ext in order}
    n_raw = len(json.loads(paths["json"].read_text()))
    assert n_raw == len(_raw_tle_keys(paths["tle"])) == 210
    with _fresh(tmp_path) as store:
        first = store.ingest_file(paths[order[0]])
        second = store.ingest_file(paths[order[1]])
        assert (first.n_new, second.n_new) == (n_raw, 0)
        assert not second.already_ingested  # different bytes, same records
        assert store.n_elements(kuiper_only=False) == n_raw


def test_n_new_is_the_number_of_rows_added(db, shared_data):
    catalog = shared_data / "catalogs" / "kuiper_gp_2026-08-18.csv"
    with Store(db) as store:
        before = store.n_elements(kuiper_only=False)
        report = store.ingest_file(catalog)
        after = store.n_elements(kuiper_only=False)
        again = store.ingest_file(catalog)
        assert after - before == report.n_new > 0
        assert again.already_ingested and again.n_new == 0
        assert store.n_elements(kuiper_only=False) == after


# The first record of the first snapshot, KUIPER-00008 (63724): its TLE text and
# the same element set written as CelesTrak OMM JSON, with the epoch left open.
def _record_as_tle_and_omm(epoch_field: str, epoch_utc: dt.datetime) -> tuple[bytes, bytes]:
    name, l1, l2 = _tle_records(FIRST_SNAPSHOT.read_text())[0]
    l1 = _with_checksum(l1[:18] + epoch_field + l1[32:])
    tle = f"{name}\r\n{l1}\r\n{l2}\r\n".encode()
    omm = {
        "OBJECT_NAME": name.strip(),
        "OBJECT_ID": "2025-088A",
        "EPOCH": epoch_utc.replace(tzinfo=None).isoformat(timespec="microseconds"),
        "MEAN_MOTION": float(l2[52:63]),
        "ECCENTRICITY": int(l2[26:33]) * 1e-7,
        "INCLINATION": float(l2[8:16]),
        "RA_OF_ASC_NODE": float(l2[17:25]),
        "ARG_OF_PERICENTER": float(l2[34:42]),
        "MEAN_ANOMALY": float(l2[43:51]),
        "EPHEMERIS_TYPE": 0,
        "CLASSIFICATION_TYPE": "U",
        "NORAD_CAT_ID": int(l1[2:7]),
        "ELEMENT_SET_NO": 999,
        "REV_AT_EPOCH": int(l2[63:68]),
        "BSTAR": -0.03239,
        "MEAN_MOTION_DOT": -0.00533465,
        "MEAN_MOTION_DDOT": 0,
    }
    return tle, json.dumps([omm]).encode()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    year=st.integers(2000, 2056),
    day=st.integers(1, 365),
    fraction=st.integers(0, 99_999_999),
)
def test_any_tle_epoch_and_its_omm_twin_share_one_key(year, day, fraction):
    # A TLE epoch is YYDDD.DDDDDDDD: 1e-8 day is exactly 864 us, so the OMM epoch
    # to the microsecond is exact (CelesTrak prints it that way).
    epoch = dt.datetime(year, 1, 1, tzinfo=UTC) + dt.timedelta(
        days=day - 1, microseconds=fraction * 864
    )
    tle, omm = _record_as_tle_and_omm(f"{year % 100:02d}{day:03d}.{fraction:08d}", epoch)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "k.sqlite", seed=False) as store:
        # Epochs up to 2056: ingest "then" (a later epoch is refused, D1).
        a = store.ingest_bytes(tle, "twin.tle", now=epoch)
        b = store.ingest_bytes(omm, "twin.json", now=epoch)
        assert (a.n_new, b.n_new) == (1, 0)
        el = store.elements(kuiper_only=False)
        assert len(el) == 1
        assert el.epoch_utc[0] == epoch.replace(tzinfo=None)


# ---------------------------------------------------------------------------
# Atomic per file: a bad file stores nothing


def _bad_tle_last_record(tmp_path: Path) -> Path:
    recs = _tle_records(FIRST_SNAPSHOT.read_text())
    name, l1, l2 = recs[-1]
    recs[-1] = (name, l1, _bad_checksum(l2))
    p = tmp_path / "bad_last.tle"
    p.write_text("".join(f"{a}\r\n{b}\r\n{c}\r\n" for a, b, c in recs), newline="")
    return p


def _truncated_tle(tmp_path: Path) -> Path:
    data = FIRST_SNAPSHOT.read_bytes()
    p = tmp_path / "truncated.tle"
    p.write_bytes(data[: len(data) // 2 + 37])
    return p


def _garbage(tmp_path: Path) -> Path:
    p = tmp_path / "garbage.tle"
    p.write_text("this is not an element set\nnor is this\n")
    return p


def _binary(tmp_path: Path) -> Path:
    p = tmp_path / "picture.tle"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return p


def _empty(tmp_path: Path) -> Path:
    p = tmp_path / "empty.tle"
    p.write_bytes(b"")
    return p


def _empty_json(tmp_path: Path) -> Path:
    p = tmp_path / "empty.json"
    p.write_text("[]")
    return p


def _corrupt_gzip(tmp_path: Path) -> Path:
    p = tmp_path / "broken.tle.gz"
    p.write_bytes(gzip.compress(FIRST_SNAPSHOT.read_bytes())[:300])
    return p


def _bad_satcat(tmp_path: Path) -> Path:
    lines = (files("kuiper") / "data" / "satcat_kuiper.csv").read_text().splitlines()
    row = next(csv.DictReader(io.StringIO("\n".join([lines[0], lines[-1]]))))
    row["DECAY_DATE"] = "2026-02-30"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(row), lineterminator="\n")
    w.writerow(row)
    p = tmp_path / "satcat_bad.csv"
    p.write_text("\n".join(lines[:-1]) + "\n" + buf.getvalue())
    return p


BAD_FILES = {
    "tle-bad-checksum-in-last-record": _bad_tle_last_record,
    "tle-truncated": _truncated_tle,
    "garbage-text": _garbage,
    "binary": _binary,
    "empty-file": _empty,
    "empty-json-list": _empty_json,
    "corrupt-gzip": _corrupt_gzip,
    "satcat-impossible-decay-date": _bad_satcat,
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_file_leaves_the_store_byte_for_byte_unchanged(db, tmp_path, kind):
    bad = BAD_FILES[kind](tmp_path)
    before_bytes, before = db.read_bytes(), _content(db)
    with Store(db) as store:
        with pytest.raises(ElementsError) as info:
            store.ingest_file(bad)
    message = info.value.one_line()
    assert message.startswith(str(bad)) and "\n" not in message
    assert db.read_bytes() == before_bytes
    assert _content(db) == before


def test_bad_record_in_a_fresh_store_stores_nothing_at_all(tmp_path):
    bad = _bad_tle_last_record(tmp_path)
    with _fresh(tmp_path) as store:
        with pytest.raises(ElementsError, match="checksum"):
            store.ingest_file(bad)
        assert store.n_elements(kuiper_only=False) == 0
        assert store.sources() == []


def test_missing_file_is_an_elements_error(db, tmp_path):
    with Store(db) as store, pytest.raises(ElementsError, match="no such file"):
        store.ingest_file(tmp_path / "nope.tle")


# ---------------------------------------------------------------------------
# --skip-bad: good records stored, each bad one reported with its line


def test_skip_bad_tle_keeps_good_records_and_reports_line_numbers(tmp_path):
    recs = _tle_records(FIRST_SNAPSHOT.read_text())
    # Record k (0-based) has its name on line 3k+1, line 1 on 3k+2, line 2 on 3k+3.
    name, l1, l2 = recs[3]
    recs[3] = (name, l1, _bad_checksum(l2))  # reported on line 12
    name, l1, l2 = recs[7]
    recs[7] = (name, l1[:8] + "X" + l1[9:], l2)  # column 9 must be blank: line 23
    bad_ids = {int(recs[3][1][2:7]), int(recs[7][1][2:7])}
    path = tmp_path / "two_bad.tle"
    path.write_text("".join(f"{a}\r\n{b}\r\n{c}\r\n" for a, b, c in recs), newline="")

    with _fresh(tmp_path) as store:
        with pytest.raises(ElementsError) as info:
            store.ingest_file(path)
        assert info.value.line == 12
        assert store.n_elements(kuiper_only=False) == 0

        report = store.ingest_file(path, skip_bad=True)
        assert [e.line for e in report.errors] == [12, 23]
        assert [e.one_line().split(": ", 1)[0] for e in report.errors] == [
            f"{path}:12",
            f"{path}:23",
        ]
        assert "checksum" in report.errors[0].reason
        assert "column 9" in report.errors[1].reason
        assert report.n_bad == 2 and report.n_new == len(recs) - 2
        stored = set(store.elements(kuiper_only=False).norad_id.tolist())
    all_ids = {int(r[1][2:7]) for r in recs}
    assert stored == all_ids - bad_ids


def test_skip_bad_omm_csv_counts_the_header_as_row_1(shared_data, tmp_path):
    source = shared_data / "catalogs" / "kuiper_gp_2026-07-12.csv"
    rows = list(csv.reader(io.StringIO(source.read_text())))
    header = rows[0]
    rows[4][header.index("ECCENTRICITY")] = "x"  # file line 5
    rows[39] = rows[39][:-1]  # file line 40: a field short
    path = tmp_path / "two_bad.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)
    with _fresh(tmp_path) as store:
        report = store.ingest_file(path, skip_bad=True, all_objects=True)
        assert [e.line for e in report.errors] == [5, 40]
        assert "ECCENTRICITY" in report.errors[0].reason
        assert report.n_new == len(rows) - 1 - 2
        assert store.n_elements(kuiper_only=False) == len(rows) - 3


def test_skip_bad_omm_json_names_the_record(shared_data, tmp_path):
    data = json.loads((shared_data / "catalogs" / "kuiper_2026-03-29.json").read_text())
    data[2]["INCLINATION"] = 200.0
    path = tmp_path / "one_bad.json"
    path.write_text(json.dumps(data))
    with _fresh(tmp_path) as store:
        with pytest.raises(ElementsError, match="record 3"):
            store.ingest_file(path)
        report = store.ingest_file(path, skip_bad=True)
        assert len(report.errors) == 1
        assert report.errors[0].one_line().startswith(f"{path}: record 3: ")
        assert "inclination" in report.errors[0].reason
        assert report.n_new == len(data) - 1


def test_skip_bad_satcat_reports_the_row(tmp_path):
    bad = _bad_satcat(tmp_path)
    n_lines = len(bad.read_text().splitlines())
    with _fresh(tmp_path) as store:
        report = store.ingest_file(bad, skip_bad=True)
        assert [e.line for e in report.errors] == [n_lines]
        assert report.errors[0].one_line().startswith(f"{bad}:{n_lines}: ")
        assert len(store.satcat()) == n_lines - 2


def test_bad_satcat_date_names_the_column_and_value(tmp_path):
    bad = _bad_satcat(tmp_path)
    with _fresh(tmp_path) as store, pytest.raises(ElementsError) as info:
        store.ingest_file(bad)
    assert "DECAY_DATE" in info.value.reason and "2026-02-30" in info.value.reason


# ---------------------------------------------------------------------------
# Folders


def test_folders_are_searched_recursively_for_element_files(tmp_path):
    top = tmp_path / "downloads"
    (top / "a" / "b").mkdir(parents=True)
    shutil.copyfile(FIRST_SNAPSHOT, top / "first.tle")
    shutil.copyfile(SNAPSHOTS / "kuiper_2025-10-15.tle", top / "a" / "b" / "deep.TLE")
    (top / "a" / "b" / "more.txt.gz").write_bytes(
        gzip.compress((SNAPSHOTS / "kuiper_2026-01-14.tle").read_bytes())
    )
    (top / "a" / "notes.md").write_text("# not an element file\n")
    (top / "a" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")

    found = expand_paths([top])
    assert found == sorted(found)
    assert {p.relative_to(top).as_posix() for p in found} == {
        "first.tle",
        "a/b/deep.TLE",
        "a/b/more.txt.gz",
    }
    expected = (
        _raw_tle_keys(FIRST_SNAPSHOT)
        | _raw_tle_keys(SNAPSHOTS / "kuiper_2025-10-15.tle")
        | _raw_tle_keys(SNAPSHOTS / "kuiper_2026-01-14.tle")
    )
    with _fresh(tmp_path) as store:
        reports = store.ingest_paths([top])
        assert len(reports) == 3
        assert store.n_elements() == len(expected)


def test_empty_folder_and_missing_path_are_errors(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "sub" / "notes.md").write_text("hello")
    with pytest.raises(ElementsError, match="no element files"):
        expand_paths([tmp_path / "empty"])
    with pytest.raises(ElementsError, match="no such file"):
        expand_paths([tmp_path / "missing"])


# ---------------------------------------------------------------------------
# SATCAT and as_of


def _satcat_csv_rows() -> list[dict]:
    text = (files("kuiper") / "data" / "satcat_kuiper.csv").read_text()
    return list(csv.DictReader(io.StringIO(text)))


def test_satcat_ingest_stores_decay_and_launch_dates(tmp_path):
    rows = _satcat_csv_rows()
    with _fresh(tmp_path) as store:
        report = store.ingest_bytes(
            (files("kuiper") / "data" / "satcat_kuiper.csv").read_bytes(), "satcat.csv"
        )
        assert report.format == "satcat-csv" and report.n_new == len(rows)
        satcat = store.satcat()
        again = store.ingest_bytes(
            (files("kuiper") / "data" / "satcat_kuiper.csv").read_bytes(), "satcat.csv"
        )
        assert again.already_ingested
    assert len(satcat) == len(rows)
    decays = {int(r["NORAD_CAT_ID"]): r["DECAY_DATE"] for r in rows if r["DECAY_DATE"]}
    assert len(decays) >= 4  # four Kuiper decays by 2026-08-30 (shared/data/README.md)
    assert {k: v["decay_date"] for k, v in satcat.items() if v["decay_date"]} == decays
    for r in rows:
        rec = satcat[int(r["NORAD_CAT_ID"])]
        assert (rec["name"], rec["cospar_id"], rec["launch_date"]) == (
            r["OBJECT_NAME"],
            r["OBJECT_ID"],
            r["LAUNCH_DATE"],
        )


def _satcat_variant(tmp_path: Path, name: str, blank_decays: bool) -> Path:
    """The shipped SATCAT rows rewritten (CRLF, so other bytes), optionally as an older
    snapshot taken before any decay."""
    rows = _satcat_csv_rows()
    if blank_decays:
        for r in rows:
            r["DECAY_DATE"] = ""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / name
    path.write_bytes(buf.getvalue().encode())
    return path


def test_an_older_satcat_does_not_erase_known_decays(db, tmp_path):
    older = _satcat_variant(tmp_path, "satcat_2025-12-01.csv", blank_decays=True)
    with Store(db) as store:
        decays = {k: v["decay_date"] for k, v in store.satcat().items() if v["decay_date"]}
        assert len(decays) >= 4
        store.ingest_file(older)
        after = {k: v["decay_date"] for k, v in store.satcat().items() if v["decay_date"]}
    assert after == decays


def test_satcat_rows_already_stored_are_not_counted_new(db, tmp_path):
    same_rows = _satcat_variant(tmp_path, "satcat_crlf.csv", blank_decays=False)
    with Store(db) as store:
        before = store.satcat()
        report = store.ingest_file(same_rows)
        assert store.satcat() == before
    assert report.n_new == 0


def test_satcat_as_of_hides_later_decays_and_launches(seeded_db):
    rows = _satcat_csv_rows()
    decayed = min((r for r in rows if r["DECAY_DATE"]), key=lambda r: r["DECAY_DATE"])
    norad, decay = int(decayed["NORAD_CAT_ID"]), dt.date.fromisoformat(decayed["DECAY_DATE"])
    day_before = dt.datetime.combine(decay - dt.timedelta(days=1), dt.time(12), tzinfo=UTC)
    on_the_day = dt.datetime.combine(decay, dt.time(0), tzinfo=UTC)
    last_launch = max(r["LAUNCH_DATE"] for r in rows)
    before_last_launch = dt.datetime.fromisoformat(last_launch).replace(tzinfo=UTC) - dt.timedelta(
        days=1
    )
    with Store(seeded_db) as store:
        assert store.satcat(as_of=day_before)[norad]["decay_date"] is None
        assert store.satcat(as_of=on_the_day)[norad]["decay_date"] == decayed["DECAY_DATE"]
        early = store.satcat(as_of=before_last_launch)
    launched_later = {int(r["NORAD_CAT_ID"]) for r in rows if r["LAUNCH_DATE"] == last_launch}
    assert launched_later and not launched_later & set(early)
    assert len(early) == sum(
        r["LAUNCH_DATE"] <= before_last_launch.date().isoformat() for r in rows
    )


AS_OF_DATES = ["2025-07-01", "2025-07-15T14:00:01Z", "2025-12-31T23:59:59Z", "2026-05-20T06:00Z"]


@pytest.mark.parametrize("when", AS_OF_DATES)
def test_elements_as_of_keeps_exactly_the_epochs_at_or_before(seeded_db, when):
    as_of = dt.datetime.fromisoformat(when.replace("Z", "+00:00")).replace(tzinfo=UTC)
    cutoff = as_of.replace(tzinfo=None)
    with Store(seeded_db) as store:
        everything = store.elements()
        some = store.elements(as_of=as_of)
        newest = store.data_through(as_of=as_of)
    keep = everything.epoch_utc <= cutoff
    assert len(some) == int(keep.sum())
    assert (some.epoch_utc <= cutoff).all()
    assert some.norad_id.tolist() == everything.norad_id[keep].tolist()
    if len(some):
        assert newest == some.epoch_utc.max().item().replace(tzinfo=UTC)
        assert newest <= as_of
    else:
        assert newest is None


def test_naive_as_of_is_refused(seeded_db):
    with Store(seeded_db) as store, pytest.raises(StoreError, match="timezone"):
        store.elements(as_of=dt.datetime(2026, 1, 1))


# ---------------------------------------------------------------------------
# Killing an ingest never corrupts the store


ACTIVE_CATALOG = "active_gp_2026-08-18.csv.gz"  # 16,344 objects, OMM CSV, gzip

_INGEST_SCRIPT = r"""
import sys, time
from kuiper.store import Store

db, path, mode = sys.argv[1:4]
store = Store(db, seed=False)
if mode == "pause":
    real = store.conn
    real.execute("PRAGMA cache_size = 64")  # small cache: dirty pages spill to the file

    class Pausing:
        # Hold the write transaction open once the element rows are written (and,
        # with the small cache, partly spilled to the file) but not committed.
        def __getattr__(self, name):
            return getattr(real, name)

        def execute(self, sql, *args):
            if "INTO element_sources" in sql:
                print("writing", flush=True)
                time.sleep(600)
            return real.execute(sql, *args)

    store.conn = Pausing()
print("ready", flush=True)
store.ingest_file(path, all_objects=True)
print("done", flush=True)
"""


def _synthetic_catalog(path: Path, n_rows: int = 16_000) -> Path:
    """A gzipped OMM CSV of ``n_rows`` distinct objects, built from the shipped TLE columns."""
    records = [r for p in sorted(SNAPSHOTS.glob("*.tle")) for r in _tle_records(p.read_text())]
    header = (
        "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,"
        "ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,"
        "ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT"
    )
    rows = [header]
    for i in range(n_rows):
        _, l1, l2 = records[i % len(records)]
        day, fraction = l1[20:32].split(".")
        epoch = dt.datetime(2000 + int(l1[18:20]), 1, 1) + dt.timedelta(
            days=int(day) - 1, microseconds=int(fraction) * 864
        )
        rows.append(
            f"SYNTH-{i:05d},2025-088A,{epoch.isoformat(timespec='microseconds')},{l2[52:63]},"
            f".{l2[26:33]},{l2[8:16]},{l2[17:25]},{l2[34:42]},{l2[43:51]},0,U,{300_000 + i},"
            f"999,{int(l2[63:68])},0,0,0"
        )
    path.write_bytes(gzip.compress(("\r\n".join(rows) + "\r\n").encode()))
    return path


@pytest.fixture(scope="module")
def active_catalog(tmp_path_factory) -> Path:
    """CelesTrak's active catalog from ../shared, or a synthetic one of the same size."""
    from conftest import SHARED_DATA

    real = SHARED_DATA / "catalogs" / ACTIVE_CATALOG
    if real.is_file():
        return real
    return _synthetic_catalog(tmp_path_factory.mktemp("synthetic") / "synthetic_gp.csv.gz")


@pytest.fixture(scope="module")
def after_active_ingest(seeded_db, active_catalog, tmp_path_factory) -> dict:
    """The seeded store's content after a complete, uninterrupted ingest of the catalog."""
    path = tmp_path_factory.mktemp("reference") / "k.sqlite"
    shutil.copyfile(seeded_db, path)
    with Store(path, seed=False) as store:
        report = store.ingest_file(active_catalog, all_objects=True)
    assert report.n_new > 10_000
    return _content(path)


def _ingest_and_kill(db: Path, catalog: Path, mode: str, delay_s: float) -> bool:
    """Run an ingest in a subprocess and SIGKILL it; return whether it had finished."""
    before_bytes = db.read_bytes()
    proc = subprocess.Popen(
        [sys.executable, "-c", _INGEST_SCRIPT, str(db), str(catalog), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        if mode == "pause":
            assert proc.stdout.readline().strip() == "writing", proc.stderr.read()
            # Inside the transaction, with pages already spilled to the database file:
            # only the rollback journal can restore it.
            assert Path(f"{db}-journal").exists()
            assert db.read_bytes() != before_bytes
        elif delay_s:
            proc.wait(timeout=delay_s)
    except subprocess.TimeoutExpired:
        pass
    finally:
        finished = proc.poll() == 0
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(SUBPROCESS_TIMEOUT_S)
        proc.stdout.close()
        proc.stderr.close()
    return finished


@pytest.mark.parametrize(
    "mode, delay_s",
    [("pause", 0.0)] + [("timed", d) for d in (0.0, 0.2, 0.4, 0.5, 0.55, 0.6, 0.9)],
    ids=lambda v: str(v),
)
def test_killed_ingest_leaves_all_or_nothing(
    db, active_catalog, after_active_ingest, mode, delay_s
):
    before = _content(db)
    finished = _ingest_and_kill(db, active_catalog, mode, delay_s)
    assert _integrity(db) == "ok"  # also rolls back a hot journal, as any reader would
    state = _content(db)
    if mode == "pause":
        assert state == before
    elif finished:
        assert state == after_active_ingest
    else:
        assert state in (before, after_active_ingest)
    # Earlier data is intact in both outcomes, and the store still works.
    assert set(before["elements"]) <= set(state["elements"])
    assert state["satcat"] == before["satcat"]
    with open_store(db) as store:
        assert store.integrity_ok()
        report = store.ingest_file(active_catalog, all_objects=True)
    assert _content(db) == after_active_ingest
    assert report.n_new in (0, len(after_active_ingest["elements"]) - len(before["elements"]))
