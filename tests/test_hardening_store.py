"""Regression tests for the robustness review's store findings (D1-D4, W11-W15, T19, undo).

Each test is named after the finding in ../shared/reviews/robustness-2026-12.md.
Authorities: the raw text of the shipped snapshot and SATCAT file (edited by column
slicing, not by kuiper), SQLite's own tables read with plain SQL, and
``fleet_status(...).to_dict()`` before and after.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from kuiper.elements import tle_checksum
from kuiper.errors import ElementsError, StoreError
from kuiper.store import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parents[1]
FIRST_SNAPSHOT = ROOT / "tle" / "celestrak-kuiper" / "kuiper_2025-07-15.tle"  # 54 records
UTC = dt.UTC
NOW = dt.datetime(2026, 12, 4, 12, tzinfo=UTC)  # the review's day; passed as the ingest time


def _records(text: str) -> list[tuple[str, str, str]]:
    lines = text.splitlines()
    return [(lines[k], lines[k + 1], lines[k + 2]) for k in range(0, len(lines), 3)]


def _fix(line: str) -> str:
    return line[:68] + str(tle_checksum(line))


def _tle(records) -> bytes:
    return "".join(f"{a}\r\n{b}\r\n{c}\r\n" for a, b, c in records).encode()


def _first() -> tuple[str, str, str]:
    return _records(FIRST_SNAPSHOT.read_text())[0]  # KUIPER-00008, 63724, 2025-088A


def _omm(**changes) -> dict:
    name, l1, l2 = _first()
    rec = {
        "OBJECT_NAME": name.strip(),
        "OBJECT_ID": "2025-088A",
        "EPOCH": "2026-09-06T21:00:00.000000",
        "MEAN_MOTION": float(l2[52:63]),
        "ECCENTRICITY": int(l2[26:33]) * 1e-7,
        "INCLINATION": float(l2[8:16]),
        "RA_OF_ASC_NODE": float(l2[17:25]),
        "ARG_OF_PERICENTER": float(l2[34:42]),
        "MEAN_ANOMALY": float(l2[43:51]),
        "NORAD_CAT_ID": int(l1[2:7]),
        "BSTAR": 0.0001,
        "MEAN_MOTION_DOT": 0.00001,
        "MEAN_MOTION_DDOT": 0,
    }
    rec.update(changes)
    return rec


def _json(*recs) -> bytes:
    return json.dumps(list(recs)).encode()


def _elements_table(path: Path) -> list:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT * FROM elements ORDER BY norad_id, epoch_ms").fetchall()
    finally:
        con.close()


def _table(path: Path, table: str) -> list:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
    finally:
        con.close()


def _status(store: Store) -> dict:
    from kuiper.tracker import fleet_status

    return fleet_status(store, NOW).to_dict(satellites=True)


# ---------------------------------------------------------------------------
# D1: an epoch after the time of ingest


@pytest.mark.parametrize(
    "epoch, ok",
    [
        ("2027-03-27T07:19:45", False),  # the review's typo (2027 for 2026)
        ("2036-03-27T00:00:00", False),
        ("2026-12-06T13:00:00", False),  # 2 days 1 hour after NOW
        ("2026-12-06T11:00:00", True),  # 1 day 23 hours after NOW: within the tolerance
        ("2026-12-04T11:00:00", True),
    ],
)
def test_D1_future_epoch_is_refused_with_the_record(db, epoch, ok):
    data = _json(_omm(EPOCH=epoch))
    with Store(db) as store:
        if ok:
            assert store.ingest_bytes(data, "typo.json", now=NOW).n_new == 1
            return
        before = _elements_table(db)
        with pytest.raises(ElementsError, match=r"typo.json: record 1: epoch .* after the time"):
            store.ingest_bytes(data, "typo.json", now=NOW)
    assert _elements_table(db) == before


def test_D1_tle_year_56_is_refused_at_line_2_of_the_file(db):
    name, l1, l2 = _first()
    future = (name, _fix(l1[:18] + "56001.50000000" + l1[32:]), l2)
    with Store(db) as store, pytest.raises(ElementsError, match=r"future.tle:2: line 1 epoch 2056"):
        store.ingest_bytes(_tle([future]), "future.tle", now=NOW)


def test_D1_skip_bad_skips_only_the_future_record(db):
    good, bad = _omm(EPOCH="2026-12-01T00:00:00"), _omm(EPOCH="2036-01-01T00:00:00")
    with Store(db) as store:
        report = store.ingest_bytes(_json(bad, good), "mixed.json", skip_bad=True, now=NOW)
        assert (report.n_new, report.n_bad) == (1, 1)
        assert "record 1: epoch 2036-01-01" in report.errors[0].one_line()
        assert store.data_through() == dt.datetime(2026, 12, 1, tzinfo=UTC)


# ---------------------------------------------------------------------------
# D2: impossible SATCAT decay dates


def _satcat_row(decay: str) -> bytes:
    text = (files("kuiper") / "data" / "satcat_kuiper.csv").read_text()
    header, *rows = text.splitlines()
    row = next(r for r in rows if r.startswith("KUIPER-00008,")).split(",")
    row[header.split(",").index("DECAY_DATE")] = decay
    return f"{header}\n{','.join(row)}\n".encode()


@pytest.mark.parametrize(
    "decay, reason",
    [
        ("1900-01-01", "DECAY_DATE 1900-01-01 is before LAUNCH_DATE 2025-04-28"),
        ("2025-05-01", "DECAY_DATE 2025-05-01 of 63724 is before its stored element set"),
    ],
)
def test_D2_impossible_decay_is_refused_and_the_satellite_stays_in_orbit(db, decay, reason):
    with Store(db) as store:
        before = _status(store)
        with pytest.raises(ElementsError, match=rf"d.csv:2: {reason}"):
            store.ingest_bytes(_satcat_row(decay), "d.csv", now=NOW)
        assert _status(store) == before


def test_D2_a_decay_after_the_last_element_set_is_accepted(db):
    with Store(db) as store:
        report = store.ingest_bytes(_satcat_row("2026-11-30"), "d.csv", now=NOW)
        assert report.n_new == 1
        assert store.satcat()[63724]["decay_date"] == "2026-11-30"


# ---------------------------------------------------------------------------
# D3: a different element set under a stored key


def _conflicting_pair() -> tuple[bytes, bytes]:
    a = _omm(EPOCH="2026-09-06T21:00:00.000000")
    b = _omm(EPOCH="2026-09-06T21:00:00.000400", MEAN_MOTION=15.9)  # same key (ms)
    return _json(a), _json(b)


@pytest.mark.parametrize("order", [("A", "B"), ("B", "A")])
def test_D3_conflict_across_files_is_an_error_and_the_order_does_not_matter(tmp_path, order):
    a, b = _conflicting_pair()
    data = {"A": a, "B": b}
    with Store(tmp_path / "k.sqlite", seed=False) as store:
        store.ingest_bytes(data[order[0]], f"{order[0]}.json", now=NOW)
        stored = _elements_table(tmp_path / "k.sqlite")
        with pytest.raises(ElementsError, match=r"record 1: 63724 at .* differs .*--on-conflict"):
            store.ingest_bytes(data[order[1]], f"{order[1]}.json", now=NOW)
    assert _elements_table(tmp_path / "k.sqlite") == stored


@pytest.mark.parametrize("policy, mean_motion", [("keep", None), ("replace", 15.9)])
def test_D3_conflict_kept_or_replaced_only_on_the_flag(tmp_path, policy, mean_motion):
    a, b = _conflicting_pair()
    with Store(tmp_path / "k.sqlite", seed=False) as store:
        store.ingest_bytes(a, "A.json", now=NOW)
        original = float(store.elements(kuiper_only=False).mean_motion_rev_day[0])
        report = store.ingest_bytes(b, "B.json", on_conflict=policy, now=NOW)
        assert report.n_conflicts == 1
        el = store.elements(kuiper_only=False)
        assert len(el) == 1
        assert el.mean_motion_rev_day[0] == (mean_motion or original)


def test_D3_conflict_inside_one_file(tmp_path):
    a, b = _conflicting_pair()
    both = _json(json.loads(a)[0], json.loads(b)[0])
    with Store(tmp_path / "k.sqlite", seed=False) as store:
        with pytest.raises(ElementsError, match="same catalog number and epoch as"):
            store.ingest_bytes(both, "inside.json", now=NOW)
        assert len(store.elements(kuiper_only=False)) == 0


def test_D3_the_same_set_as_tle_and_omm_is_no_conflict(tmp_path):
    # One unit in the last TLE digit (CelesTrak's TLE and CSV of one set differ so).
    a = _omm(ECCENTRICITY=0.0000750)
    b = _omm(ECCENTRICITY=0.0000751, EPOCH="2026-09-06T21:00:00.000300")
    with Store(tmp_path / "k.sqlite", seed=False) as store:
        store.ingest_bytes(_json(a), "a.json", now=NOW)
        assert store.ingest_bytes(_json(b), "b.json", now=NOW).n_conflicts == 0


# ---------------------------------------------------------------------------
# D4: Kuiper-named objects from a launch the log does not know


def test_D4_unknown_launch_is_reported(tmp_path):
    fakes = [
        _omm(OBJECT_NAME=f"KUIPER-FAKE{k}", OBJECT_ID=f"2024-999{'ABC'[k]}", NORAD_CAT_ID=99000 + k)
        for k in range(3)
    ]
    with Store(tmp_path / "k.sqlite", seed=False) as store:
        report = store.ingest_bytes(_json(*fakes, _omm()), "fake.json", now=NOW)
    assert report.unknown_launches == {"2024-999": 3}


# ---------------------------------------------------------------------------
# W13, W15: physical ranges and names


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("BSTAR", 1e300, "BSTAR 1e+300 is outside"),
        ("BSTAR", -11.0, "BSTAR -11 is outside"),
        ("MEAN_MOTION_DOT", 5.0, "mean motion dot 5 is outside"),
        ("MEAN_MOTION_DDOT", 1e5, "mean motion ddot 100000 is outside"),
        ("MEAN_MOTION", 20.0, "mean motion 20.0 rev/day is outside"),
        ("OBJECT_NAME", "KUIPER\x00X", "name contains the control character"),
        ("OBJECT_NAME", "KUIPER-" + "X" * 1_000_000, "name has 1000007 characters"),
    ],
    ids=["bstar-huge", "bstar-neg", "ndot", "nddot", "mean-motion", "name-nul", "name-1MB"],
)
def test_W13_W15_implausible_fields_are_refused(tmp_path, field, value, words):
    with Store(tmp_path / "k.sqlite", seed=False) as store:
        with pytest.raises(ElementsError, match=f"record 1: {re.escape(words)}"):
            store.ingest_bytes(_json(_omm(**{field: value})), "x.json", now=NOW)


def test_W13_real_extremes_are_accepted(tmp_path):
    # The largest magnitudes seen in CelesTrak's active catalogs (ingest.toml).
    rec = _omm(BSTAR=-3.622, MEAN_MOTION_DOT=0.1682, MEAN_MOTION_DDOT=0.081139)
    with Store(tmp_path / "k.sqlite", seed=False) as store:
        assert store.ingest_bytes(_json(rec), "x.json", now=NOW).n_new == 1


def test_W15_nul_in_a_tle_name_is_refused_at_the_name_line(tmp_path):
    name, l1, l2 = _first()
    with Store(tmp_path / "k.sqlite", seed=False) as store:
        with pytest.raises(ElementsError, match=r"nul.tle:1: name contains"):
            store.ingest_bytes(_tle([("KUIPER\x0000008", l1, l2)]), "nul.tle", now=NOW)


def test_W11_skip_bad_with_nothing_good_fails_and_records_no_source(tmp_path):
    with Store(tmp_path / "k.sqlite", seed=False) as store:
        with pytest.raises(ElementsError, match="no good record"):
            store.ingest_bytes(b"junk\njunk\n" * 10, "junk.tle", skip_bad=True, now=NOW)
        assert store.sources() == []


# ---------------------------------------------------------------------------
# Undo: sources and forget


def test_forget_after_ingest_restores_status_and_elements_exactly(db, shared_data):
    path = shared_data / "catalogs" / "kuiper_gp_2026-08-18.csv"
    with Store(db) as store:
        status_before, table_before = _status(store), _elements_table(db)
        objects_before = _table(db, "objects")
        report = store.ingest_file(path, now=NOW)
        assert report.n_new > 0
        assert _elements_table(db) != table_before
        forgotten = store.forget(str(path))
        assert forgotten["n_elements_removed"] == report.n_new
        assert _status(store) == status_before
    assert _elements_table(db) == table_before
    assert _table(db, "objects") == objects_before


def test_forget_a_future_epoch_typo_restores_now(db):
    # The review's D1 store, poisoned before this fix, is repaired by forget.
    with Store(db) as store:
        status_before = _status(store)
        newest = store.data_through()
        store.ingest_bytes(_json(_omm(EPOCH="2027-03-27T07:19:45")), "typo.json", trusted=True)
        assert store.data_through().year == 2027
        store.forget("typo.json")
        assert store.data_through() == newest
        assert _status(store) == status_before


def test_forget_a_satcat_file_restores_the_decays_it_changed(db):
    with Store(db) as store:
        satcat_before = _table(db, "satcat")
        status_before = _status(store)
        store.ingest_bytes(_satcat_row("2026-11-30"), "d.csv", now=NOW)
        assert store.satcat()[63724]["decay_date"] == "2026-11-30"
        result = store.forget("d.csv")
        assert result["n_satcat_changed"] == 1
        assert _status(store) == status_before
    assert _table(db, "satcat") == satcat_before


def test_forget_keeps_sets_that_another_source_also_supplied(tmp_path):
    data = FIRST_SNAPSHOT.read_bytes()
    with Store(tmp_path / "k.sqlite", seed=False) as store:
        store.ingest_bytes(data, "a.tle", now=NOW)
        store.ingest_bytes(data + b"\r\n", "b.tle", now=NOW)  # same sets, other bytes
        rows = store.sources()
        assert [r["n_only_here"] for r in rows] == [0, 0]
        assert store.forget("a.tle")["n_elements_removed"] == 0
        assert len(store.elements()) == 54
        assert {r[-1] for r in _elements_table(tmp_path / "k.sqlite")} == {rows[1]["id"]}
        assert store.forget("b.tle")["n_elements_removed"] == 54
        assert len(store.elements(kuiper_only=False)) == 0
        assert _table(tmp_path / "k.sqlite", "objects") == []


def test_forget_by_sha256_prefix_and_ambiguous_or_unknown_refs(db):
    with Store(db) as store:
        rows = store.sources()
        sha = rows[-1]["sha256"]
        assert store.find_source(sha[:10])["sha256"] == sha
        shas = [r["sha256"] for r in rows]
        first = shas[0][0]
        if sum(s.startswith(first) for s in shas) > 1:
            with pytest.raises(StoreError, match="matches .* sources"):
                store.find_source(first)
        with pytest.raises(StoreError, match="no source"):
            store.find_source("zzzz")
        with pytest.raises(StoreError, match="name a source"):
            store.find_source("")


def test_forget_is_atomic(db, monkeypatch):
    from kuiper import store as store_module

    with Store(db) as store:
        before = (_elements_table(db), store.sources())

        def boom(*args):
            raise RuntimeError("interrupted")

        monkeypatch.setattr(store_module, "rebuild_satcat", boom)
        with pytest.raises(RuntimeError):
            store.forget(before[1][0]["sha256"])
        assert (_elements_table(db), store.sources()) == before


# ---------------------------------------------------------------------------
# Schema migration 1 -> 2


def _as_version_1(path: Path) -> None:
    con = sqlite3.connect(path)
    con.executescript(
        "DROP TABLE element_sources; DROP TABLE satcat_rows; PRAGMA user_version = 1;"
    )
    con.close()


def test_version_1_store_is_migrated_in_place(db):
    elements, satcat = _elements_table(db), _table(db, "satcat")
    _as_version_1(db)
    with Store(db) as store:
        assert len(store.sources()) > 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert con.execute("SELECT count(*) FROM element_sources").fetchone()[0] == len(elements)
    assert con.execute("SELECT count(*) FROM satcat_rows").fetchone()[0] == len(satcat)
    con.close()
    assert _elements_table(db) == elements and _table(db, "satcat") == satcat


def test_failed_migration_leaves_the_version_1_store_untouched(db, monkeypatch):
    from kuiper import _store_schema

    _as_version_1(db)
    before = db.read_bytes()
    monkeypatch.setattr(
        _store_schema, "_MIGRATE_1_TO_2", _store_schema._MIGRATE_1_TO_2 + "; SELECT nonsense()"
    )
    with pytest.raises(StoreError):
        Store(db)
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    "damage, words",
    [
        ("ALTER TABLE elements DROP COLUMN line2", "damaged kuiper store: table elements"),
        ("PRAGMA user_version = -1", "not a kuiper store"),
    ],
)
def test_T18_P2_P12_damaged_schema_is_refused(db, damage, words):
    con = sqlite3.connect(db)
    con.execute(damage)
    con.close()
    with pytest.raises(StoreError, match=words):
        Store(db)


# ---------------------------------------------------------------------------
# T19: two processes seeding one new store at once

_SEED = "import sys; from kuiper.store import Store; Store(sys.argv[1]).close(); print('ok')"


def test_T19_two_processes_seeding_a_new_store_both_succeed(tmp_path):
    for trial in range(2):
        path = tmp_path / f"n{trial}.sqlite"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _SEED, str(path)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [o[1][-500:] for o in outs]
        with Store(path, seed=False) as store:
            assert store.integrity_ok()
            assert len(store.elements()) == 5940


def test_T19_the_same_satcat_file_twice_in_one_transaction_window(db, tmp_path):
    # The second insert of a known file is "already ingested", never an IntegrityError.
    shutil.copyfile(db, tmp_path / "b.sqlite")
    data = _satcat_row("2026-11-30")
    with Store(db) as a, Store(tmp_path / "b.sqlite") as b:
        assert a.ingest_bytes(data, "d.csv", now=NOW).n_new == 1
        assert a.ingest_bytes(data, "d.csv", now=NOW).already_ingested
        assert b.ingest_bytes(data, "d.csv", now=NOW).n_new == 1
