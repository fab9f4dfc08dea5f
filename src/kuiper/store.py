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
  from a newer kuiper is refused rather than misread, an older one is migrated in
  place (:mod:`kuiper._store_schema`).
* **Plausible.** Records are checked one by one (``kuiper/data/ingest.toml``): no
  epoch more than two days after the time of ingest, physical BSTAR and mean-motion
  ranges, no SATCAT decay before the launch or before stored element sets. A
  different element set under a stored key is a conflict: an error unless
  ``on_conflict`` is ``"keep"`` or ``"replace"``.
* **Reversible.** Every element set and SATCAT row remembers which sources supplied
  it, so :meth:`Store.forget` removes exactly what one source alone contributed.
* **Seeded.** A new store is seeded with the snapshots shipped in ``tle/`` and the
  shipped SATCAT rows, so that ``kuiper status`` works offline on a fresh install.

Only Kuiper objects are stored unless ``all_objects=True``: an object is Kuiper
when its name starts with ``KUIPER`` or ``AMAZON LEO``, or when it is a payload
from a Kuiper launch (its COSPAR launch id is in the launch log).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import hashlib
import os
import re
import sqlite3
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from . import _store_schema
from ._store_write import (
    ElementWriter,
    apply_satcat,
    newest_epochs,
    rebuild_satcat,
    refresh_objects,
    require_some_good,
    store_error,
    transaction,
)
from .elements import (
    ElementsArray,
    _Errors,
    decode_bytes,
    detect_format,
    ingest_limits,
    parse_elements,
    read_input_bytes,
)
from .errors import ElementsError, StoreError
from .satcat import SATCAT_FIELDS, parse_satcat

_SATCAT_ROWS_INSERT = (
    f"INSERT OR IGNORE INTO satcat_rows (source_id, {', '.join(SATCAT_FIELDS)}) "
    f"VALUES ({','.join('?' * (len(SATCAT_FIELDS) + 1))})"
)

__all__ = ["SCHEMA_VERSION", "IngestReport", "Store", "default_db_path", "open_store"]

SCHEMA_VERSION = _store_schema.SCHEMA_VERSION
ELEMENT_SUFFIXES = (".tle", ".txt", ".3le", ".2le", ".json", ".csv", ".gz")
ON_CONFLICT = ("error", "keep", "replace")
# How long to wait for another process's write lock before giving up (T16, P1).
BUSY_TIMEOUT_S = 30.0

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
    """What one file contributed to the store.

    ``n_conflicts`` counts element sets that differed from a stored set (or an
    earlier one in the file) under the same key: kept out (``on_conflict="keep"``)
    or stored in place of the old one (``"replace"``). ``unknown_launches`` maps
    the COSPAR launch ids of Kuiper-named objects that the launch log does not know
    to their record counts (D4).
    """

    path: str
    format: str
    n_read: int
    n_kuiper: int
    n_new: int
    n_bad: int
    errors: list[ElementsError]
    already_ingested: bool = False
    n_conflicts: int = 0
    unknown_launches: dict = dataclasses.field(default_factory=dict)

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


def _named_launch_ids(names, cospar_ids) -> set[str]:
    """Launch ids of the objects named KUIPER*/AMAZON LEO* among these."""
    return {
        c[:8]
        for n, c in zip(names, cospar_ids, strict=True)
        if n.upper().startswith(("KUIPER", "AMAZON LEO"))
    }


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
        try:
            if seed and self.meta("seeded") is None:
                self.seed(progress=progress)
        except BaseException:
            self.conn.close()
            raise

    # -- connection and schema ----------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            if self.path.is_dir():
                raise StoreError(f"{self.path}: is a directory, not a kuiper store")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise StoreError(f"{self.path}: cannot open store ({reason})") from None
        try:
            _store_schema.prepare(conn)
        except _store_schema.SchemaProblem as exc:
            conn.close()
            raise StoreError(f"{self.path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise store_error(self.path, exc) from None
        except BaseException:
            conn.close()
            raise
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

    @property
    def kept_launch_ids(self) -> frozenset[str]:
        """Launches whose payloads are kept: the log's, and those of stored Kuiper-named sets.

        So a new launch's objects still named ``OBJECT A``, ``OBJECT B``... are kept
        once one object of that launch is named ``KUIPER*``/``AMAZON LEO*`` (issue 9).
        """
        rows = self.conn.execute(
            "SELECT DISTINCT substr(cospar_id, 1, 8) FROM elements "
            "WHERE name LIKE 'KUIPER%' OR name LIKE 'AMAZON LEO%'"
        )
        return self.launch_ids | {r[0] for r in rows}

    # -- ingest ---------------------------------------------------------------

    def seed(self, progress: Callable[[int, int, str], None] | None = None) -> list[IngestReport]:
        """Ingest the shipped snapshots (checked against ``tle/MANIFEST.json``) and SATCAT rows.

        The shipped files are vouched for by the manifest's checksums, so the
        future-epoch check (which depends on this machine's clock) is skipped.
        """
        from importlib.resources import files

        from .snapshots import shipped_files

        paths = list(shipped_files())
        reports = []
        satcat = files("kuiper") / "data" / "satcat_kuiper.csv"
        total = len(paths) + 1
        for k, p in enumerate(paths):
            reports.append(self.ingest_file(p, trusted=True))
            if progress:
                progress(k + 1, total, str(p))
        reports.append(
            self.ingest_bytes(satcat.read_bytes(), "kuiper/data/satcat_kuiper.csv", trusted=True)
        )
        if progress:
            progress(total, total, "satcat_kuiper.csv")
        self._set_meta("seeded", _utc_now().isoformat(timespec="seconds"))
        return reports

    def ingest_paths(
        self,
        paths: Iterable[str | Path],
        *,
        on_file: Callable[[IngestReport], None] | None = None,
        **options,
    ) -> list[IngestReport]:
        """Ingest files and folders (searched recursively for element files), file by file.

        ``options`` are those of :meth:`ingest_file`.
        """
        reports = []
        for p in expand_paths(paths):
            report = self.ingest_file(p, **options)
            reports.append(report)
            if on_file:
                on_file(report)
        return reports

    def ingest_file(
        self, path: str | Path, *, max_bytes: int | None = None, **options
    ) -> IngestReport:
        """Ingest one regular file atomically. Raises :class:`ElementsError` for a bad file.

        ``max_bytes`` caps its (decompressed) size, default ``max_input_mib`` of
        ``ingest.toml``; ``options`` are those of :meth:`ingest_bytes`.
        """
        data = read_input_bytes(path, max_bytes)
        return self.ingest_bytes(data, str(path), max_bytes=max_bytes, **options)

    def ingest_bytes(
        self,
        data: bytes,
        path: str,
        *,
        skip_bad: bool = False,
        all_objects: bool = False,
        on_conflict: str = "error",
        now: dt.datetime | None = None,
        trusted: bool = False,
        max_bytes: int | None = None,
    ) -> IngestReport:
        """Ingest the bytes of one file (gzip allowed); ``path`` names it in messages.

        Parameters
        ----------
        skip_bad : bool
            Store the good records of a file with bad ones (at least one must be good).
            Otherwise the first bad record raises and nothing is stored.
        all_objects : bool
            Store every object, not only Kuiper ones.
        on_conflict : {"error", "keep", "replace"}
            What to do with an element set that differs from the stored set under
            the same key: refuse the file (a bad record under ``skip_bad``), keep the
            stored one, or replace it.
        now : datetime, optional
            The time of ingest (aware UTC; default the clock), for the future-epoch check.
        trusted : bool
            Skip the future-epoch check (the shipped, checksummed snapshots).
        """
        if on_conflict not in ON_CONFLICT:
            raise ValueError(f"on_conflict must be one of {ON_CONFLICT}, not {on_conflict!r}")
        limits = ingest_limits()
        now = now or _utc_now()
        not_after = (
            None if trusted else now + dt.timedelta(days=limits["future_epoch_tolerance_days"])
        )
        sha = _sha256(data)
        text = decode_bytes(data, path, max_bytes)
        fmt = detect_format(text)
        known = self.conn.execute("SELECT 1 FROM sources WHERE sha256 = ?", (sha,)).fetchone()
        errors = _Errors(stop_at_first=not skip_bad, max_listed=limits["max_listed_errors"])
        if fmt == "satcat-csv":
            rows, lines = parse_satcat(text, path, errors)
            require_some_good(len(rows), errors, path)
            if known:
                return IngestReport(
                    path, fmt, len(rows), len(rows), 0, errors.count, errors.items, True
                )
            return self._write_satcat(rows, lines, errors, path, sha, fmt, now)
        result = parse_elements(
            text,
            path,
            fmt,
            stop_at_first=not skip_bad,
            max_listed=limits["max_listed_errors"],
            not_after=not_after,
        )
        errors.items, errors.count = result.errors, result.n_bad
        el = result.elements
        errors.records = range(len(el))
        require_some_good(len(el), errors, path)
        if all_objects:
            keep = np.ones(len(el), bool)
        else:
            ids = self.kept_launch_ids | _named_launch_ids(el.name, el.cospar_id)
            keep = np.array(
                [is_kuiper(n, c, ids) for n, c in zip(el.name, el.cospar_id, strict=True)], bool
            )
        if known and all_objects is False:
            return IngestReport(
                path, fmt, len(el), int(keep.sum()), 0, errors.count, errors.items, True
            )
        return ElementWriter(self, el[keep], errors, path, sha, fmt, now, on_conflict).write(
            n_read=len(el) + errors.count
        )

    def _write_satcat(self, rows, lines, errors, path, sha, fmt, now) -> IngestReport:
        """Store SATCAT rows, refusing decays before the object's stored element sets (D2)."""
        conn = self.conn
        slack_days = ingest_limits()["decay_before_elements_slack_days"]
        decay_k = SATCAT_FIELDS.index("decay_date")
        with transaction(conn):
            newest = newest_epochs(conn, [r[0] for r in rows if r[decay_k]])
            good, good_lines = [], []
            for row, line in zip(rows, lines, strict=True):
                last = newest.get(row[0])
                if row[decay_k] and last is not None:
                    decay = dt.date.fromisoformat(row[decay_k])
                    if last.date() > decay + dt.timedelta(days=slack_days):
                        errors.add(
                            ElementsError(
                                f"DECAY_DATE {row[decay_k]} of {row[0]} is before its stored "
                                f"element set of {last:%Y-%m-%d %H:%M} UTC",
                                path,
                                line,
                            )
                        )
                        continue
                good.append(row)
                good_lines.append(line)
            require_some_good(len(good), errors, path)
            source_id = conn.execute(
                "INSERT INTO sources (path, sha256, format, ingested_utc, n_records, n_new) "
                "VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT(sha256) DO NOTHING RETURNING id",
                (path, sha, fmt, now.isoformat(timespec="seconds"), len(rows) + errors.count),
            ).fetchone()
            if source_id is None:  # another process stored the same file meanwhile (T19)
                return IngestReport(
                    path, fmt, len(rows), len(good), 0, errors.count, errors.items, True
                )
            source_id = source_id[0]
            conn.executemany(
                _SATCAT_ROWS_INSERT,
                ((source_id, *r) for r in good),
            )
            n_new = apply_satcat(conn, good, source_id)
            conn.execute("UPDATE sources SET n_new = ? WHERE id = ?", (n_new, source_id))
        n_read = len(rows) + errors.count
        return IngestReport(path, fmt, n_read, len(good), n_new, errors.count, errors.items)

    # -- undo -------------------------------------------------------------------

    def find_source(self, ref: str) -> dict:
        """The one source whose path is ``ref`` or whose sha256 starts with ``ref``."""
        ref = str(ref).strip()
        if not ref:
            raise StoreError("name a source: a path or a sha256 prefix (see 'kuiper sources')")
        rows = self.sources()
        by_path = [r for r in rows if r["path"] == ref]
        if not by_path:
            resolved = str(Path(ref).expanduser().resolve()) if len(ref) < 4096 else ref
            by_path = [r for r in rows if r["path"] == resolved]
        if len(by_path) == 1:
            return by_path[0]
        by_sha = [r for r in rows if r["sha256"].startswith(ref.lower())]
        if len(by_sha) == 1:
            return by_sha[0]
        if len(by_sha) > 1 or len(by_path) > 1:
            matches = by_path or by_sha
            raise StoreError(
                f"{self.path}: {ref!r} matches {len(matches)} sources "
                f"({', '.join(r['sha256'][:12] for r in matches[:5])}); give more of the sha256"
            )
        raise StoreError(f"{self.path}: no source {ref!r} (see 'kuiper sources')")

    def forget(self, ref: str) -> dict:
        """Remove one source and everything only it contributed, in one transaction.

        Element sets also supplied by other sources stay (attributed to the earliest
        of them); SATCAT rows are recomputed from the remaining sources' rows, and
        the objects table from the remaining element sets.

        Returns
        -------
        dict
            The source's row, with ``n_elements_removed`` and ``n_satcat_changed``.
        """
        source = self.find_source(ref)
        conn = self.conn
        with transaction(conn):
            sid = conn.execute(
                "SELECT id FROM sources WHERE sha256 = ?", (source["sha256"],)
            ).fetchone()
            if sid is None:
                raise StoreError(f"{self.path}: source {ref!r} was forgotten meanwhile")
            sid = sid[0]
            conn.execute("DROP TABLE IF EXISTS temp.touched")
            conn.execute("CREATE TEMP TABLE touched (norad_id INTEGER PRIMARY KEY)")
            conn.execute(
                "INSERT OR IGNORE INTO temp.touched "
                "SELECT norad_id FROM element_sources WHERE source_id = ?",
                (sid,),
            )
            conn.execute("DELETE FROM element_sources WHERE source_id = ?", (sid,))
            before = conn.total_changes
            conn.execute(
                "DELETE FROM elements WHERE source_id = ? AND NOT EXISTS (SELECT 1 FROM "
                "element_sources s WHERE s.norad_id = elements.norad_id "
                "AND s.epoch_ms = elements.epoch_ms)",
                (sid,),
            )
            n_removed = conn.total_changes - before
            conn.execute(
                "UPDATE elements SET source_id = (SELECT min(s.source_id) FROM element_sources s "
                "WHERE s.norad_id = elements.norad_id AND s.epoch_ms = elements.epoch_ms) "
                "WHERE source_id = ?",
                (sid,),
            )
            refresh_objects(conn, is_kuiper, self.kept_launch_ids)
            satcat_ids = [
                r[0]
                for r in conn.execute(
                    "SELECT norad_id FROM satcat_rows WHERE source_id = ?", (sid,)
                )
            ]
            conn.execute("DELETE FROM satcat_rows WHERE source_id = ?", (sid,))
            n_satcat = rebuild_satcat(conn, satcat_ids)
            conn.execute("DELETE FROM sources WHERE id = ?", (sid,))
        return {**source, "n_elements_removed": n_removed, "n_satcat_changed": n_satcat}

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
        rows = self.conn.execute(f"SELECT {', '.join(SATCAT_FIELDS)} FROM satcat").fetchall()
        out = {}
        cutoff = as_of.date().isoformat() if as_of is not None else None
        for r in rows:
            rec = dict(zip(SATCAT_FIELDS, r, strict=True))
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
        """Every ingested source, oldest first, with what it holds now.

        ``n_records`` and ``n_new`` are as ingested; ``n_element_sets`` counts the
        element sets it supplies now, ``n_only_here`` those no other source supplies
        (what forgetting it would remove), ``n_satcat_rows`` its SATCAT rows.
        """
        rows = self.conn.execute(
            "SELECT s.id, s.path, s.sha256, s.format, s.ingested_utc, s.n_records, s.n_new, "
            "(SELECT count(*) FROM element_sources e WHERE e.source_id = s.id), "
            "(SELECT count(*) FROM element_sources e WHERE e.source_id = s.id AND NOT EXISTS "
            "(SELECT 1 FROM element_sources o WHERE o.norad_id = e.norad_id AND "
            "o.epoch_ms = e.epoch_ms AND o.source_id != s.id)), "
            "(SELECT count(*) FROM satcat_rows r WHERE r.source_id = s.id) "
            "FROM sources s ORDER BY s.id"
        ).fetchall()
        keys = (
            "id",
            "path",
            "sha256",
            "format",
            "ingested_utc",
            "n_records",
            "n_new",
            "n_element_sets",
            "n_only_here",
            "n_satcat_rows",
        )
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
    """Files as given, and element files found recursively inside folders, sorted.

    An empty path is refused (W12: ``Path("")`` is the current folder), and so are a
    symlink loop (P10), a pipe or device named directly (R1, R2) and an unreadable
    folder inside one given (P13).
    """
    out: list[Path] = []
    for raw in paths:
        if not str(raw).strip():
            raise ElementsError("empty path (an unset variable?); name a file or folder", "''")
        p = Path(raw)
        try:
            info = p.stat()
        except FileNotFoundError:
            raise ElementsError("no such file or folder", str(p)) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ElementsError("symlink loop", str(p)) from None
            raise ElementsError(f"cannot read: {exc.strerror}", str(p)) from None
        if stat.S_ISDIR(info.st_mode):
            out.extend(_element_files_in(p))
        elif stat.S_ISREG(info.st_mode):
            out.append(p)
        else:
            raise ElementsError("not a regular file (a pipe, device or socket); refused", str(p))
    return out


def _element_files_in(folder: Path) -> list[Path]:
    def unreadable(exc: OSError):
        raise ElementsError(f"cannot read folder: {exc.strerror}", exc.filename)

    found = []
    for root, _, names in os.walk(folder, onerror=unreadable):
        for name in names:
            f = Path(root) / name
            if name.lower().endswith(ELEMENT_SUFFIXES) and f.is_file():
                found.append(f)
    if not found:
        raise ElementsError("folder holds no element files (.tle .txt .json .csv .gz)", str(folder))
    return sorted(found)


def _to_us(value: dt.datetime) -> int:
    if value.tzinfo is None:
        raise StoreError("as_of must be timezone-aware UTC")
    delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
