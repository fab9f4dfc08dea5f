"""The store's SQLite schema, its version checks and the in-place migration 1 -> 2.

Version 2 adds two tables, so that a source can be forgotten:

* ``element_sources``: which sources supplied each element set (one row per
  key and source; ``elements.source_id`` keeps the first of them);
* ``satcat_rows``: every SATCAT row of every source, from which the table
  ``satcat`` is derived (:func:`kuiper.satcat.merge_rows`).

A version-1 store is migrated in one transaction when it is opened: each element set
is linked to the one source recorded for it, each SATCAT row to the source that last
changed it. (A version-1 store did not record which later files repeated a set.)
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 3
TABLES = ("meta", "sources", "objects", "elements", "satcat", "element_sources", "satcat_rows")

_SATCAT_COLUMNS = """
    name TEXT NOT NULL,
    cospar_id TEXT NOT NULL,
    object_type TEXT NOT NULL,
    ops_status TEXT NOT NULL,
    launch_date TEXT,
    decay_date TEXT,
    apogee_km REAL,
    perigee_km REAL,
    inclination_deg REAL,
    launch_site TEXT,
"""

_V1 = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    ingested_utc TEXT NOT NULL,
    n_records INTEGER NOT NULL,
    n_new INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
    norad_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    cospar_id TEXT NOT NULL,
    is_kuiper INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS elements (
    norad_id INTEGER NOT NULL,
    epoch_ms INTEGER NOT NULL,
    epoch_us INTEGER NOT NULL,
    mean_motion_rev_day REAL NOT NULL,
    ecc REAL NOT NULL,
    inclination_deg REAL NOT NULL,
    raan_deg REAL NOT NULL,
    argp_deg REAL NOT NULL,
    mean_anomaly_deg REAL NOT NULL,
    bstar_per_er REAL NOT NULL,
    mean_motion_dot_rev_day2 REAL NOT NULL,
    mean_motion_ddot_rev_day3 REAL NOT NULL,
    element_set_no INTEGER NOT NULL,
    rev_at_epoch INTEGER NOT NULL,
    classification TEXT NOT NULL,
    ephemeris_type INTEGER NOT NULL,
    name TEXT NOT NULL,
    cospar_id TEXT NOT NULL,
    line1 TEXT NOT NULL,
    line2 TEXT NOT NULL,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    PRIMARY KEY (norad_id, epoch_ms)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS satcat (
    norad_id INTEGER PRIMARY KEY,{_SATCAT_COLUMNS}
    source_id INTEGER NOT NULL REFERENCES sources(id)
);
"""

_V2_ADDITIONS = f"""
CREATE TABLE IF NOT EXISTS element_sources (
    norad_id INTEGER NOT NULL,
    epoch_ms INTEGER NOT NULL,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    PRIMARY KEY (norad_id, epoch_ms, source_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS element_sources_by_source ON element_sources (source_id);
CREATE TABLE IF NOT EXISTS satcat_rows (
    source_id INTEGER NOT NULL REFERENCES sources(id),
    norad_id INTEGER NOT NULL,{_SATCAT_COLUMNS}
    PRIMARY KEY (source_id, norad_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS satcat_rows_by_object ON satcat_rows (norad_id);
"""

_MIGRATE_1_TO_2 = (
    _V2_ADDITIONS
    + """
INSERT OR IGNORE INTO element_sources SELECT norad_id, epoch_ms, source_id FROM elements;
INSERT OR IGNORE INTO satcat_rows (source_id, norad_id, name, cospar_id, object_type,
    ops_status, launch_date, decay_date, apogee_km, perigee_km, inclination_deg)
    SELECT source_id, norad_id, name, cospar_id, object_type, ops_status, launch_date,
    decay_date, apogee_km, perigee_km, inclination_deg FROM satcat;
"""
)

# Columns every table must have; a store lacking one is damaged (T18, P2).
REQUIRED_COLUMNS = {
    "meta": {"key", "value"},
    "sources": {"id", "path", "sha256", "format", "ingested_utc", "n_records", "n_new"},
    "objects": {"norad_id", "name", "cospar_id", "is_kuiper"},
    "elements": {"norad_id", "epoch_ms", "epoch_us", "line1", "line2", "source_id"},
    "satcat": {"norad_id", "launch_date", "decay_date", "source_id"},
    "element_sources": {"norad_id", "epoch_ms", "source_id"},
    "satcat_rows": {"source_id", "norad_id", "decay_date"},
}


class SchemaProblem(Exception):
    """What is wrong with a file that was expected to be a kuiper store."""


def prepare(conn: sqlite3.Connection) -> None:
    """Create, migrate or check the schema; raise :class:`SchemaProblem` with the reason.

    Creation and migration each run in one ``BEGIN IMMEDIATE`` transaction and
    re-read the version inside it, so two processes opening a new or old store at
    once both succeed (T19).
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaProblem(
            f"store schema version {version} is newer than this kuiper ({SCHEMA_VERSION}); "
            "upgrade kuiper"
        )
    if version < 0:
        raise SchemaProblem(f"schema version {version} is not a kuiper store's (damaged?)")
    if version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                n_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if n_tables:
                    raise SchemaProblem("an SQLite file, but not a kuiper store")
                _run(conn, _V1 + _V2_ADDITIONS)
            elif version == 1:
                _check_columns(conn, exclude=("element_sources", "satcat_rows"))
                _run(conn, _MIGRATE_1_TO_2)
            if version in (1, 2):
                _add_launch_site(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    _check_columns(conn)


def _add_launch_site(conn: sqlite3.Connection) -> None:
    """Schema 3: SATCAT's LAUNCH_SITE, which attributes a provisional launch's vehicle.

    Added where missing (a store migrated from 1 gets ``satcat_rows`` with it already).
    Rows stored before stay NULL until a SATCAT file with the column is ingested.
    """
    for table in ("satcat", "satcat_rows"):
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if "launch_site" not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN launch_site TEXT")


def _run(conn: sqlite3.Connection, script: str) -> None:
    """Run a multi-statement script inside the open transaction (executescript would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _check_columns(conn: sqlite3.Connection, exclude: tuple[str, ...] = ()) -> None:
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table, needed in REQUIRED_COLUMNS.items():
        if table in exclude:
            continue
        if table not in names:
            raise SchemaProblem(f"an SQLite file, but not a kuiper store (no table {table})")
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        lacking = sorted(needed - have)
        if lacking:
            raise SchemaProblem(f"damaged kuiper store: table {table} has no column {lacking[0]}")
