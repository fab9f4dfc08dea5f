"""The history store: every element set and SATCAT row ever ingested, in SQLite.

The store is one SQLite file (stdlib ``sqlite3``), found in this order:

1. the ``path`` argument (the CLI's ``--db``);
2. the ``KUIPER_DB`` environment variable;
3. ``kuiper.sqlite`` in the user data directory (``platformdirs``).

Rules
-----
* **Idempotent.** An element set is keyed by ``(norad_id, epoch_ms)``: the catalog
  number and the epoch rounded to the millisecond (TLE epochs carry 1e-8 day,
  about 0.9 ms, so the same element set read from TLE and from OMM lands on the
  same key). Re-ingesting a file stores nothing new.
* **Atomic per file.** A file is parsed completely before anything is written, and
  written in one transaction. A file with any bad record stores nothing unless
  ``skip_bad`` is given. Killing the process mid-ingest leaves the store as it
  was before that file (SQLite's rollback journal).
* **Versioned.** ``PRAGMA user_version`` holds :data:`SCHEMA_VERSION`; a store
  from a newer kuiper is refused rather than misread.
* **Seeded.** A new store is seeded with the snapshots shipped in ``tle/`` and the
  shipped SATCAT rows, so that ``kuiper status`` works offline on a fresh install.

Only Kuiper objects are stored unless ``all_objects=True``: an object is Kuiper
when its name starts with ``KUIPER`` or ``AMAZON LEO``, or when it is a payload
from a Kuiper launch (its COSPAR launch id is in the launch log).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from .elements import ElementsArray, decode_bytes, detect_format, parse_elements
from .errors import ElementsError, StoreError

__all__ = ["SCHEMA_VERSION", "IngestReport", "Store", "default_db_path", "open_store"]

SCHEMA_VERSION = 1
ELEMENT_SUFFIXES = (".tle", ".txt", ".3le", ".2le", ".json", ".csv", ".gz")

_SCHEMA = """
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
    norad_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    cospar_id TEXT NOT NULL,
    object_type TEXT NOT NULL,
    ops_status TEXT NOT NULL,
    launch_date TEXT,
    decay_date TEXT,
    apogee_km REAL,
    perigee_km REAL,
    inclination_deg REAL,
    source_id INTEGER NOT NULL REFERENCES sources(id)
);
"""

_ELEMENT_COLUMNS = (
    "norad_id",
    "epoch_ms",
    "epoch_us",
    "mean_motion_rev_day",
    "ecc",
    "inclination_deg",
    "raan_deg",
    "argp_deg",
    "mean_anomaly_deg",
    "bstar_per_er",
    "mean_motion_dot_rev_day2",
    "mean_motion_ddot_rev_day3",
    "element_set_no",
    "rev_at_epoch",
    "classification",
    "ephemeris_type",
    "name",
    "cospar_id",
    "line1",
    "line2",
    "source_id",
)

_NON_PAYLOAD = re.compile(r"R/B|DEB|ROCKET|CENTAUR|ATLAS|FALCON|ARIANE|VULCAN|NEW GLENN|PLATFORM")


def default_db_path() -> Path:
    """``KUIPER_DB`` if set, else ``kuiper.sqlite`` in the user data directory."""
    env = os.environ.get("KUIPER_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("kuiper", appauthor=False)) / "kuiper.sqlite"


@dataclasses.dataclass
class IngestReport:
    """What one file contributed to the store."""

    path: str
    format: str
    n_read: int
    n_kuiper: int
    n_new: int
    n_bad: int
    errors: list[ElementsError]
    already_ingested: bool = False

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["errors"] = [e.one_line() for e in self.errors]
        return d


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def kuiper_launch_ids() -> frozenset[str]:
    """COSPAR launch ids (``YYYY-NNN``) of every Kuiper launch in the shipped launch log."""
    from .manifest import load_launches

    return frozenset(launch.cospar_launch for launch in load_launches() if launch.cospar_launch)


def is_kuiper(name: str, cospar_id: str, launch_ids: frozenset[str]) -> bool:
    """Whether an object is a Kuiper/Amazon Leo satellite, by name or by launch."""
    upper = name.upper()
    if upper.startswith("KUIPER") or upper.startswith("AMAZON LEO"):
        return True
    return cospar_id[:8] in launch_ids and not _NON_PAYLOAD.search(upper)


class Store:
    """A kuiper history store in one SQLite file.

    Parameters
    ----------
    path : str or Path, optional
        The database file; default :func:`default_db_path`.
    seed : bool
        Seed a store that has never been seeded with the shipped snapshots.
    progress : callable, optional
        Called as ``progress(done, total, path)`` while seeding.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        seed: bool = True,
        progress: Callable[[int, int, str], None] | None = None,
    ):
        self.path = Path(path).expanduser() if path is not None else default_db_path()
        self._launch_ids: frozenset[str] | None = None
        self.conn = self._connect()
        if seed and self.meta("seeded") is None:
            self.seed(progress=progress)

    # -- connection and schema ----------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self.path.exists() and self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not a kuiper store")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.path}: cannot open store ({exc})") from None
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                conn.close()
                raise StoreError(
                    f"{self.path}: store schema version {version} is newer than this kuiper "
                    f"({SCHEMA_VERSION}); upgrade kuiper"
                )
            if version == 0:
                tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if tables:
                    raise StoreError(f"{self.path}: an SQLite file, but not a kuiper store")
                conn.executescript(
                    f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version = {SCHEMA_VERSION};COMMIT;"
                )
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            missing = {"meta", "sources", "objects", "elements", "satcat"} - names
            if missing:
                conn.close()
                raise StoreError(
                    f"{self.path}: an SQLite file, but not a kuiper store "
                    f"(no table {sorted(missing)[0]})"
                )
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{self.path}: not a kuiper store ({exc})") from None
        return conn

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @property
    def launch_ids(self) -> frozenset[str]:
        if self._launch_ids is None:
            self._launch_ids = kuiper_launch_ids()
        return self._launch_ids

    # -- ingest ---------------------------------------------------------------

    def seed(self, progress: Callable[[int, int, str], None] | None = None) -> list[IngestReport]:
        """Ingest the shipped snapshots (checked against ``tle/MANIFEST.json``) and SATCAT rows."""
        from importlib.resources import files

        from .snapshots import shipped_files

        paths = list(shipped_files())
        reports = []
        satcat = files("kuiper") / "data" / "satcat_kuiper.csv"
        total = len(paths) + 1
        for k, p in enumerate(paths):
            reports.append(self.ingest_file(p))
            if progress:
                progress(k + 1, total, str(p))
        reports.append(self.ingest_bytes(satcat.read_bytes(), "kuiper/data/satcat_kuiper.csv"))
        if progress:
            progress(total, total, "satcat_kuiper.csv")
        self._set_meta("seeded", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        return reports

    def ingest_paths(
        self,
        paths: Iterable[str | Path],
        *,
        skip_bad: bool = False,
        all_objects: bool = False,
        on_file: Callable[[IngestReport], None] | None = None,
    ) -> list[IngestReport]:
        """Ingest files and folders (searched recursively for element files), file by file."""
        files_ = expand_paths(paths)
        reports = []
        for p in files_:
            report = self.ingest_file(p, skip_bad=skip_bad, all_objects=all_objects)
            reports.append(report)
            if on_file:
                on_file(report)
        return reports

    def ingest_file(
        self, path: str | Path, *, skip_bad: bool = False, all_objects: bool = False
    ) -> IngestReport:
        """Ingest one file atomically. Raises :class:`ElementsError` for a bad file."""
        p = Path(path)
        try:
            data = p.read_bytes()
        except FileNotFoundError:
            raise ElementsError("no such file", str(p)) from None
        except OSError as exc:
            raise ElementsError(f"cannot read: {exc.strerror}", str(p)) from None
        return self.ingest_bytes(data, str(p), skip_bad=skip_bad, all_objects=all_objects)

    def ingest_bytes(
        self, data: bytes, path: str, *, skip_bad: bool = False, all_objects: bool = False
    ) -> IngestReport:
        """Ingest the bytes of one file (gzip allowed); ``path`` names it in messages."""
        sha = _sha256(data)
        text = decode_bytes(data, path)
        fmt = detect_format(text)
        known = self.conn.execute(
            "SELECT n_records FROM sources WHERE sha256 = ?", (sha,)
        ).fetchone()
        if fmt == "satcat-csv":
            rows, errors = _parse_satcat(text, path)
            if errors and not skip_bad:
                raise errors[0]
            if known:
                return IngestReport(path, fmt, len(rows), len(rows), 0, len(errors), errors, True)
            return self._write_satcat(rows, errors, path, sha, fmt)
        result = parse_elements(text, path, fmt)
        if result.errors and not skip_bad:
            raise result.errors[0]
        el = result.elements
        if all_objects:
            keep = np.ones(len(el), bool)
        else:
            ids = self.launch_ids
            keep = np.array(
                [is_kuiper(n, c, ids) for n, c in zip(el.name, el.cospar_id, strict=True)], bool
            )
        if known and all_objects is False:
            n_bad = len(result.errors)
            return IngestReport(path, fmt, len(el), int(keep.sum()), 0, n_bad, result.errors, True)
        return self._write_elements(el, keep, result.errors, path, sha, fmt, all_objects)

    def _write_elements(self, el, keep, errors, path, sha, fmt, all_objects) -> IngestReport:
        kept = el[keep]
        epoch_us = kept.epoch_utc.astype(np.int64)
        epoch_ms = (epoch_us + 500) // 1000
        kuiper_flags = [
            is_kuiper(n, c, self.launch_ids) for n, c in zip(kept.name, kept.cospar_id, strict=True)
        ]
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            before = conn.total_changes
            cur = conn.execute(
                "INSERT INTO sources (path, sha256, format, ingested_utc, n_records, n_new) "
                "VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT(sha256) DO UPDATE SET path = excluded.path "
                "RETURNING id",
                (path, sha, fmt, now, len(el)),
            )
            source_id = cur.fetchone()[0]
            rows = (
                (
                    int(kept.norad_id[i]),
                    int(epoch_ms[i]),
                    int(epoch_us[i]),
                    float(kept.mean_motion_rev_day[i]),
                    float(kept.ecc[i]),
                    float(kept.inclination_deg[i]),
                    float(kept.raan_deg[i]),
                    float(kept.argp_deg[i]),
                    float(kept.mean_anomaly_deg[i]),
                    float(kept.bstar_per_er[i]),
                    float(kept.mean_motion_dot_rev_day2[i]),
                    float(kept.mean_motion_ddot_rev_day3[i]),
                    int(kept.element_set_no[i]),
                    int(kept.rev_at_epoch[i]),
                    kept.classification[i],
                    int(kept.ephemeris_type[i]),
                    kept.name[i],
                    kept.cospar_id[i],
                    kept.line1[i],
                    kept.line2[i],
                    source_id,
                )
                for i in range(len(kept))
            )
            placeholders = ",".join("?" * len(_ELEMENT_COLUMNS))
            conn.executemany(
                f"INSERT OR IGNORE INTO elements ({','.join(_ELEMENT_COLUMNS)}) "
                f"VALUES ({placeholders})",
                rows,
            )
            n_new = conn.total_changes - before - 1
            conn.executemany(
                "INSERT INTO objects (norad_id, name, cospar_id, is_kuiper) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(norad_id) DO UPDATE SET name = excluded.name, "
                "cospar_id = excluded.cospar_id, is_kuiper = max(is_kuiper, excluded.is_kuiper)",
                (
                    (int(kept.norad_id[i]), kept.name[i], kept.cospar_id[i], int(kuiper_flags[i]))
                    for i in range(len(kept))
                ),
            )
            conn.execute("UPDATE sources SET n_new = n_new + ? WHERE id = ?", (n_new, source_id))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        n_read = len(el) + len(errors)
        return IngestReport(path, fmt, n_read, len(kept), n_new, len(errors), errors)

    def _write_satcat(self, rows, errors, path, sha, fmt) -> IngestReport:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            source_id = conn.execute(
                "INSERT INTO sources (path, sha256, format, ingested_utc, n_records, n_new) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (path, sha, fmt, now, len(rows), len(rows)),
            ).fetchone()[0]
            before = conn.total_changes
            # A newer row updates an older one; a decay date, once known, is never erased
            # by a file from before the decay.
            conn.executemany(
                "INSERT INTO satcat VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(norad_id) DO "
                "UPDATE SET name = excluded.name, cospar_id = excluded.cospar_id, "
                "object_type = excluded.object_type, ops_status = excluded.ops_status, "
                "launch_date = coalesce(excluded.launch_date, satcat.launch_date), "
                "decay_date = coalesce(excluded.decay_date, satcat.decay_date), "
                "apogee_km = excluded.apogee_km, perigee_km = excluded.perigee_km, "
                "inclination_deg = excluded.inclination_deg, source_id = excluded.source_id "
                "WHERE satcat.name IS NOT excluded.name OR satcat.cospar_id IS NOT "
                "excluded.cospar_id OR satcat.object_type IS NOT excluded.object_type OR "
                "satcat.ops_status IS NOT excluded.ops_status OR satcat.launch_date IS NOT "
                "coalesce(excluded.launch_date, satcat.launch_date) OR satcat.decay_date IS NOT "
                "coalesce(excluded.decay_date, satcat.decay_date) OR satcat.apogee_km IS NOT "
                "excluded.apogee_km OR satcat.perigee_km IS NOT excluded.perigee_km OR "
                "satcat.inclination_deg IS NOT excluded.inclination_deg",
                (r + (source_id,) for r in rows),
            )
            n_new = conn.total_changes - before
            conn.execute("UPDATE sources SET n_new = ? WHERE id = ?", (n_new, source_id))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        n_read = len(rows) + len(errors)
        return IngestReport(path, fmt, n_read, len(rows), n_new, len(errors), errors)

    # -- queries --------------------------------------------------------------

    def n_elements(self, kuiper_only: bool = True) -> int:
        if kuiper_only:
            sql = (
                "SELECT count(*) FROM elements e JOIN objects o USING (norad_id) "
                "WHERE o.is_kuiper = 1"
            )
        else:
            sql = "SELECT count(*) FROM elements"
        return self.conn.execute(sql).fetchone()[0]

    def elements(
        self,
        *,
        as_of: dt.datetime | None = None,
        norad_ids: Iterable[int] | None = None,
        kuiper_only: bool = True,
    ) -> ElementsArray:
        """Element sets, ordered by catalog number then epoch.

        Parameters
        ----------
        as_of : datetime, optional
            Aware UTC; only element sets with an epoch at or before it.
        norad_ids : iterable of int, optional
            Only these objects.
        kuiper_only : bool
            Only objects recognised as Kuiper (the default).
        """
        where, args = [], []
        if kuiper_only:
            where.append("o.is_kuiper = 1")
        if as_of is not None:
            where.append("e.epoch_us <= ?")
            args.append(_to_us(as_of))
        if norad_ids is not None:
            ids = [int(i) for i in norad_ids]
            where.append(f"e.norad_id IN ({','.join('?' * len(ids))})")
            args.extend(ids)
        sql = (
            "SELECT e.norad_id, e.name, e.cospar_id, e.epoch_us, e.mean_motion_rev_day, e.ecc, "
            "e.inclination_deg, e.raan_deg, e.argp_deg, e.mean_anomaly_deg, e.bstar_per_er, "
            "e.mean_motion_dot_rev_day2, e.mean_motion_ddot_rev_day3, e.element_set_no, "
            "e.rev_at_epoch, e.classification, e.ephemeris_type, e.line1, e.line2 "
            "FROM elements e JOIN objects o USING (norad_id)"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY e.norad_id, e.epoch_us"
        )
        rows = self.conn.execute(sql, args).fetchall()
        keys = (
            "norad_id name cospar_id epoch_utc mean_motion_rev_day ecc inclination_deg raan_deg "
            "argp_deg mean_anomaly_deg bstar_per_er mean_motion_dot_rev_day2 "
            "mean_motion_ddot_rev_day3 element_set_no rev_at_epoch classification ephemeris_type "
            "line1 line2"
        ).split()
        records = []
        for row in rows:
            rec = dict(zip(keys, row, strict=True))
            rec["epoch_utc"] = np.datetime64(rec["epoch_utc"], "us")
            rec["source_line"] = 0
            records.append(rec)
        return ElementsArray.from_records(records)

    def satcat(self, as_of: dt.datetime | None = None) -> dict[int, dict]:
        """SATCAT rows by catalog number; a decay date after ``as_of`` is hidden."""
        rows = self.conn.execute(
            "SELECT norad_id, name, cospar_id, object_type, ops_status, launch_date, decay_date, "
            "apogee_km, perigee_km, inclination_deg FROM satcat"
        ).fetchall()
        out = {}
        cutoff = as_of.date().isoformat() if as_of is not None else None
        for r in rows:
            rec = dict(
                zip(
                    (
                        "norad_id name cospar_id object_type ops_status launch_date decay_date "
                        "apogee_km perigee_km inclination_deg"
                    ).split(),
                    r,
                    strict=True,
                )
            )
            if cutoff is not None:
                if rec["launch_date"] and rec["launch_date"] > cutoff:
                    continue
                if rec["decay_date"] and rec["decay_date"] > cutoff:
                    rec["decay_date"] = None
            out[rec["norad_id"]] = rec
        return out

    def data_through(self, as_of: dt.datetime | None = None) -> dt.datetime | None:
        """The newest Kuiper element-set epoch (at or before ``as_of``)."""
        sql = (
            "SELECT max(e.epoch_us) FROM elements e JOIN objects o USING (norad_id) "
            "WHERE o.is_kuiper = 1"
        )
        args: list = []
        if as_of is not None:
            sql += " AND e.epoch_us <= ?"
            args.append(_to_us(as_of))
        us = self.conn.execute(sql, args).fetchone()[0]
        if us is None:
            return None
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=us)

    def sources(self) -> list[dict]:
        rows = self.conn.execute(
            "SELECT path, sha256, format, ingested_utc, n_records, n_new FROM sources ORDER BY id"
        ).fetchall()
        keys = ("path", "sha256", "format", "ingested_utc", "n_records", "n_new")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def integrity_ok(self) -> bool:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def open_store(
    path: str | Path | None = None,
    *,
    progress: Callable[[int, int, str], None] | None = None,
    require_data: bool = True,
) -> Store:
    """Open (creating and seeding if needed) the store; refuse an empty one if ``require_data``."""
    store = Store(path, progress=progress)
    if require_data and store.n_elements() == 0:
        store.close()
        raise StoreError(
            f"{store.path}: the store holds no Kuiper element sets; run 'kuiper ingest PATH'"
        )
    return store


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and element files found recursively inside folders, sorted."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*") if f.is_file() and f.name.lower().endswith(ELEMENT_SUFFIXES)
            )
            if not found:
                raise ElementsError(
                    "folder holds no element files (.tle .txt .json .csv .gz)", str(p)
                )
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise ElementsError("no such file or folder", str(p))
    return out


def _to_us(value: dt.datetime) -> int:
    if value.tzinfo is None:
        raise StoreError("as_of must be timezone-aware UTC")
    delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


_SATCAT_REQUIRED = ("OBJECT_NAME", "OBJECT_ID", "NORAD_CAT_ID", "LAUNCH_DATE", "DECAY_DATE")


def _parse_satcat(text: str, path: str):
    """CelesTrak SATCAT CSV rows -> tuples for the satcat table, and errors."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in _SATCAT_REQUIRED if c not in header]
    if missing:
        return [], [ElementsError(f"SATCAT header lacks column {missing[0]}", path, 1)]
    rows, errors = [], []
    for row in reader:
        lineno = reader.line_num
        try:
            if None in row or any(v is None for v in row.values()):
                raise ValueError("wrong number of fields")
            norad = row["NORAD_CAT_ID"].strip()
            if not norad.isdigit():
                raise ValueError(f"NORAD_CAT_ID {norad!r} is not an integer")
            dates = []
            for key in ("LAUNCH_DATE", "DECAY_DATE"):
                v = row[key].strip()
                if v:
                    try:
                        dt.date.fromisoformat(v)
                    except ValueError:
                        raise ValueError(f"{key} {v!r} is not a valid date") from None
                dates.append(v or None)

            rows.append(
                (
                    int(norad),
                    row["OBJECT_NAME"].strip(),
                    row["OBJECT_ID"].strip(),
                    (row.get("OBJECT_TYPE") or "").strip(),
                    (row.get("OPS_STATUS_CODE") or "").strip(),
                    dates[0],
                    dates[1],
                    _optional_float(row, "APOGEE"),
                    _optional_float(row, "PERIGEE"),
                    _optional_float(row, "INCLINATION"),
                )
            )
        except ValueError as exc:
            errors.append(ElementsError(str(exc), path, lineno))
    return rows, errors


def _optional_float(row: dict, key: str) -> float | None:
    v = (row.get(key) or "").strip()
    return float(v) if v else None
