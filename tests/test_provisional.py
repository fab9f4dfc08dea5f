"""Provisional launches, the kept OBJECT A/B... of a new launch, and per-object staleness.

The fabricated launch is the model review's experiment (../shared/reviews/
models-2026-12.md, section 5): KUIPER-99999 on launch 2026-150, which the log lacks.
Its TLE is a shipped KA-01 record with the catalog number, international designator
and epoch changed and the checksums recomputed (the checksum rule is the one in
Hoots & Roehrich, Spacetrack Report No. 3: digits add their value, '-' adds 1).
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.test_hardening_cli import _one_line_failure as one_error_line  # noqa: F401

from kuiper.cli import main
from kuiper.store import Store
from kuiper.tracker import fleet_from_store, fleet_status, launches_as_of

ROOT = Path(__file__).resolve().parents[1]
LAST_SNAPSHOT = ROOT / "tle" / "celestrak-kuiper" / "kuiper_2026-09-07.tle"


def _checksum(line: str) -> str:
    total = sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68])
    return str(total % 10)


def fabricated_tle(name: str, norad: int, intl: str, epoch: dt.datetime, template: int = 0) -> str:
    """A valid three-line record: a shipped record with new ids and epoch."""
    lines = LAST_SNAPSHOT.read_text().splitlines()
    _, l1, l2 = lines[3 * template : 3 * template + 3]
    day = epoch.timetuple().tm_yday + (epoch - epoch.replace(hour=0, minute=0)).seconds / 86400
    l1 = f"1 {norad:05d}U {intl:<8} {epoch:%y}{day:012.8f}{l1[32:68]}"
    l2 = f"2 {norad:05d}{l2[7:68]}"
    return f"{name}\n{l1}{_checksum(l1)}\n{l2}{_checksum(l2)}\n"


def later_tle(norad_name_line_index: int, epoch: dt.datetime) -> str:
    """The shipped record at that index, re-dated (same object, later epoch)."""
    lines = LAST_SNAPSHOT.read_text().splitlines()
    name, l1, _ = lines[3 * norad_name_line_index : 3 * norad_name_line_index + 3]
    return fabricated_tle(
        name.strip(), int(l1[2:7]), l1[9:17].strip(), epoch, template=norad_name_line_index
    )


def _invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


EPOCH = dt.datetime(2026, 9, 25, 6, 0, tzinfo=dt.UTC)
AS_OF = "2026-09-30"


@pytest.fixture
def new_launch(db, tmp_path):
    """The seeded store plus KUIPER-99999 (2026-150A) and OBJECT B (2026-150B)."""
    path = tmp_path / "new_launch.tle"
    path.write_text(
        fabricated_tle("KUIPER-99999", 99999, "26150A", EPOCH)
        + fabricated_tle("OBJECT B", 99998, "26150B", EPOCH, template=1)
        + fabricated_tle("OBJECT C", 99997, "26160C", EPOCH, template=2)
    )
    result = _invoke("ingest", "--db", db, path)
    assert result.exit_code == 0, result.output
    return db


def test_fabricated_launch_is_provisional_in_status_and_launches(new_launch):
    result = _invoke("status", "--db", new_launch, "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    [prov] = status["provisional_launches"]
    assert prov["mission"] == "2026-150 (provisional)"
    assert prov["cospar_launch"] == "2026-150"
    # KUIPER-99999 and OBJECT B; OBJECT C is of another unknown launch with no Kuiper
    # name and was not stored.
    assert prov["satellites"] == 2
    assert prov["launch_date_utc"] == "2026-09-25"  # no SATCAT row: the first epoch
    assert "first element set" in prov["source"]
    assert prov["vehicle"] == "unattributed"
    assert any("2026-150 is not in the launch log" in w for w in status["warnings"])
    # Launched grows by the two catalogued objects (396 logged by then).
    assert status["totals"]["launched"] == 396 + 2

    text = _invoke("status", "--db", new_launch, "--as-of", AS_OF)
    assert text.exit_code == 0
    assert "2026-150 (provisional)" in text.stdout
    assert "Warning: launch 2026-150 is not in the launch log" in text.stderr

    listed = json.loads(_invoke("launches", "--db", new_launch, "--as-of", AS_OF, "--json").stdout)
    prov_rows = [r for r in listed["launches"] if r["provisional"]]
    assert [r["mission"] for r in prov_rows] == ["2026-150 (provisional)"]
    # The rest is the shipped log up to the date, read here with tomllib.
    log = tomllib.loads((ROOT / "src" / "kuiper" / "data" / "launches.toml").read_text())
    dated = [
        e["mission"]
        for e in log["launch"]
        if e["launch_date_utc"] and e["launch_date_utc"] <= AS_OF
    ]
    assert [r["mission"] for r in listed["launches"] if not r["provisional"]] == dated
    plain = _invoke("launches", "--db", new_launch, "--as-of", AS_OF)
    assert "PROVISIONAL" in plain.stdout


def test_object_names_of_a_kuiper_launch_are_kept_and_others_not(new_launch):
    with Store(new_launch) as store:
        ids = set(store.elements(norad_ids=[99997, 99998, 99999]).norad_id.tolist())
    assert ids == {99998, 99999}


def test_launches_as_of_signature_and_fields(new_launch):
    with Store(new_launch) as store:
        as_of = dt.datetime(2026, 9, 30, 23, 59, 59, tzinfo=dt.UTC)
        found = launches_as_of(store, as_of)
        before = launches_as_of(store, dt.datetime(2026, 9, 20, tzinfo=dt.UTC))
        states = {s.norad_id: s for s in fleet_from_store(store, as_of).classify(as_of)}
    assert isinstance(found, tuple)
    prov = [la for la in found if la.provisional]
    assert [la.cospar_launch for la in prov] == ["2026-150"]
    assert prov[0].counted and prov[0].satellites == 2
    assert all(la.launch_date_utc <= as_of.date() for la in found)
    # Before its first element set the launch is unknown.
    assert not any(la.provisional for la in before)
    # Its satellites name it as their launch (the forecast groups raising satellites so).
    assert states[99999].launch == states[99998].launch == "2026-150 (provisional)"


def test_satcat_date_and_kourou_site_decide_date_and_vehicle(seeded_db):
    """A SATCAT row gives the date, and Kourou (FRGUI) means Ariane 64 (tracker.toml)."""
    from kuiper.tracker import Fleet

    with Store(seeded_db) as store:
        el = store.elements()
        sat = store.satcat()
    row = {
        "norad_id": 99999,
        "name": "KUIPER-99999",
        "cospar_id": "2026-150A",
        "object_type": "PAY",
        "ops_status": "+",
        "launch_date": "2026-09-23",
        "decay_date": None,
        "launch_site": "FRGUI",
    }
    sat[99999] = row
    sat[99996] = {**row, "norad_id": 99996, "name": "AMAZON LEO-99996", "launch_site": "FRGUI"}
    [prov] = Fleet(el, sat).provisional
    assert prov.launch_date_utc == dt.date(2026, 9, 23)
    assert "date from SATCAT" in prov.source
    assert prov.vehicle == "Ariane 64"
    assert prov.satellites == 2  # both SATCAT payloads, though neither has element sets
    sat[99996] = {**sat[99996], "launch_site": "AFETR"}  # two sites: nothing decided
    assert Fleet(el, sat).provisional[0].vehicle == "unattributed"
    sat[99999] = {**row, "launch_site": "AFETR"}  # the Cape: four vehicles fly from there
    assert Fleet(el, sat).provisional[0].vehicle == "unattributed"


def test_shipped_data_has_no_provisional_launch(seeded_db):
    with Store(seeded_db) as store:
        status = fleet_status(store)
    assert status.provisional_launches == []
    assert status.totals["on_station"] == 342  # 2026-09-06, as before


def test_later_files_keep_objects_of_a_launch_with_a_kuiper_named_object(new_launch, tmp_path):
    """OBJECT D of 2026-150 alone in a later file is kept, and a later set of OBJECT B
    alone leaves OBJECT B counted as Kuiper (the flag is recomputed from the store)."""
    later = EPOCH + dt.timedelta(days=2)
    path = tmp_path / "later.tle"
    path.write_text(
        fabricated_tle("OBJECT D", 99996, "26150D", later, template=3)
        + fabricated_tle("OBJECT B", 99998, "26150B", later, template=1)
    )
    assert _invoke("ingest", "--db", new_launch, path).exit_code == 0
    with Store(new_launch) as store:
        el = store.elements(norad_ids=[99996, 99998])
        found = launches_as_of(store, dt.datetime(2026, 9, 30, tzinfo=dt.UTC))
    assert sorted(set(el.norad_id.tolist())) == [99996, 99998]
    assert (el.norad_id == 99998).sum() == 2
    assert [la.satellites for la in found if la.provisional] == [3]


# ---------------------------------------------------------------------------
# SATCAT's LAUNCH_SITE attributes a provisional launch's vehicle (schema 3)

_SATCAT_HEADER = (
    "OBJECT_NAME,OBJECT_ID,NORAD_CAT_ID,OBJECT_TYPE,OPS_STATUS_CODE,OWNER,LAUNCH_DATE,"
    "LAUNCH_SITE,DECAY_DATE,PERIOD,INCLINATION,APOGEE,PERIGEE,RCS,DATA_STATUS_CODE,"
    "ORBIT_CENTER,ORBIT_TYPE\n"
)


def _remaining(store_path, vehicle: str) -> int:
    from kuiper.forecast import build_inputs, load_forecast_manifest
    from kuiper.store import Store

    as_of = dt.datetime(2026, 9, 30, 23, 59, 59, tzinfo=dt.UTC)
    with Store(store_path) as store:
        inputs = build_inputs(store, as_of, load_forecast_manifest())
    index = [v["name"] for v in inputs.vehicles].index(vehicle)
    c = inputs.contracts
    return int(c["launches"][c["vehicle"] == index].sum())


def test_kourou_launch_site_from_an_ingested_satcat_attributes_ariane_64(new_launch, tmp_path):
    before = _remaining(new_launch, "Ariane 64")
    satcat = tmp_path / "satcat_2026-150.csv"
    satcat.write_text(
        _SATCAT_HEADER
        + "KUIPER-99999,2026-150A,99999,PAY,+,US,2026-09-24,FRGUI,,94.6,51.9,460,455,,,EA,IMP\n"
    )
    result = _invoke("ingest", "--db", new_launch, satcat)
    assert result.exit_code == 0, result.output
    launches = json.loads(_invoke("launches", "--db", new_launch, "--json").output)
    rows = launches["launches"] if isinstance(launches, dict) else launches
    prov = [r for r in rows if r["mission"] == "2026-150 (provisional)"]
    assert prov and prov[0]["vehicle"] == "Ariane 64"
    assert prov[0]["launch_date_utc"] == "2026-09-24"
    # The forecast counts it as one of Ariane 64's contracted launches flown.
    assert _remaining(new_launch, "Ariane 64") == before - 1


def test_schema_2_store_gains_launch_site_in_place(db):
    import sqlite3

    from kuiper.store import SCHEMA_VERSION, Store

    con = sqlite3.connect(db)
    satcat_before = con.execute(
        "SELECT norad_id, name, launch_date, decay_date FROM satcat ORDER BY norad_id"
    ).fetchall()
    con.executescript(
        "ALTER TABLE satcat DROP COLUMN launch_site; "
        "ALTER TABLE satcat_rows DROP COLUMN launch_site; PRAGMA user_version = 2;"
    )
    con.close()
    with Store(db) as store:
        rows = store.satcat()
    assert all("launch_site" in r for r in rows.values())
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    after = con.execute(
        "SELECT norad_id, name, launch_date, decay_date FROM satcat ORDER BY norad_id"
    ).fetchall()
    con.close()
    assert after == satcat_before
