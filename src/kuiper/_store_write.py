"""Writing to the store: element sets with conflict checks, derived tables, SQLite errors.

Used only by :mod:`kuiper.store`. Every function here runs inside a transaction
opened by the caller (:func:`transaction`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import numpy as np

from .elements import ingest_limits
from .errors import ElementsError, StoreError
from .satcat import SATCAT_FIELDS, merge_rows

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
)
# The elements compared to tell a different element set under the same key (D3), and
# their words. Tolerances: ingest.toml [same_set_tolerance], absolute (the column's
# name) plus relative (name_rel, when given) times the larger magnitude.
_COMPARED = (
    ("mean_motion_rev_day", "mean motion"),
    ("ecc", "eccentricity"),
    ("inclination_deg", "inclination"),
    ("raan_deg", "right ascension"),
    ("argp_deg", "argument of perigee"),
    ("mean_anomaly_deg", "mean anomaly"),
    ("bstar_per_er", "BSTAR"),
    ("mean_motion_dot_rev_day2", "mean motion dot"),
    ("mean_motion_ddot_rev_day3", "mean motion ddot"),
)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection):
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any exception (even Ctrl-C)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def store_error(path: str | Path, exc: sqlite3.Error) -> StoreError:
    """One line for an SQLite failure: locked, damaged, read-only, full, or other."""
    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        why = "the store is held by another process (locked); try again when it has finished"
    elif "malformed" in low or "not a database" in low or "corrupt" in low:
        why = (
            f"the store is damaged ({text}); move it aside and run 'kuiper status' to "
            "rebuild it from the shipped snapshots, then 'kuiper ingest' your files again"
        )
    elif "readonly" in low or "read-only" in low:
        why = "the store or its folder is read-only; use --db to name a writable store"
    elif "disk is full" in low or "full" in low:
        why = "the disk is full; nothing was written (free space and try again)"
    elif "unable to open" in low:
        why = f"cannot open the store ({text})"
    else:
        why = f"store error ({text})"
    return StoreError(f"{path}: {why}")


def require_some_good(n_good: int, errors, path: str) -> None:
    """W11: a file with bad records and no good one is an error, even with --skip-bad."""
    if n_good == 0 and errors.count:
        first = errors.items[0].one_line() if errors.items else ""
        raise ElementsError(
            f"no good record ({errors.count} bad; the first: {first}); nothing stored", path
        )


def refresh_objects(conn: sqlite3.Connection, is_kuiper, launch_ids) -> None:
    """Recompute ``objects`` for the catalog numbers in ``temp.touched`` from ``elements``.

    An object's name and COSPAR id are those of its newest element set, so the table
    does not depend on the order of ingest; it is Kuiper when any stored set is.
    """
    conn.execute("DELETE FROM objects WHERE norad_id IN (SELECT norad_id FROM temp.touched)")
    newest = conn.execute(
        "SELECT norad_id, name, cospar_id, max(epoch_us) FROM elements "
        "WHERE norad_id IN (SELECT norad_id FROM temp.touched) GROUP BY norad_id"
    ).fetchall()
    flags: dict[int, int] = {}
    for norad, name, cospar in conn.execute(
        "SELECT DISTINCT norad_id, name, cospar_id FROM elements "
        "WHERE norad_id IN (SELECT norad_id FROM temp.touched)"
    ):
        flags[norad] = max(flags.get(norad, 0), int(is_kuiper(name, cospar, launch_ids)))
    conn.executemany(
        "INSERT INTO objects (norad_id, name, cospar_id, is_kuiper) VALUES (?, ?, ?, ?)",
        ((n, name, cospar, flags[n]) for n, name, cospar, _ in newest),
    )


def newest_epochs(conn: sqlite3.Connection, norad_ids) -> dict[int, dt.datetime]:
    """The newest stored element-set epoch of each of these objects."""
    ids = sorted(set(norad_ids))
    out = {}
    for k in range(0, len(ids), 500):
        chunk = ids[k : k + 500]
        for norad, us in conn.execute(
            f"SELECT norad_id, max(epoch_us) FROM elements WHERE norad_id IN "
            f"({','.join('?' * len(chunk))}) GROUP BY norad_id",
            chunk,
        ):
            out[norad] = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=us)
    return out


_SATCAT_SELECT = "SELECT " + ", ".join(SATCAT_FIELDS)
# Columns named: a store migrated from schema 2 has launch_site after source_id.
_SATCAT_INSERT = (
    "{verb} INTO satcat ("
    + ", ".join(SATCAT_FIELDS)
    + ", source_id) VALUES ("
    + ",".join("?" * (len(SATCAT_FIELDS) + 1))
    + ")"
)


def apply_satcat(conn: sqlite3.Connection, rows, source_id: int) -> int:
    """Merge new SATCAT rows into ``satcat``; the number of rows added or changed."""
    n = 0
    for row in rows:
        old = conn.execute(f"{_SATCAT_SELECT} FROM satcat WHERE norad_id = ?", (row[0],)).fetchone()
        merged = merge_rows(old, row)
        if merged is not None:
            conn.execute(
                _SATCAT_INSERT.format(verb="INSERT OR REPLACE"),
                (*merged, source_id),
            )
            n += 1
    return n


def rebuild_satcat(conn: sqlite3.Connection, norad_ids) -> int:
    """Recompute ``satcat`` rows of these objects from ``satcat_rows``, in ingest order."""
    n = 0
    for norad in sorted(set(norad_ids)):
        merged, source_id = None, None
        for source, *row in conn.execute(
            f"SELECT source_id, {', '.join(SATCAT_FIELDS)} FROM satcat_rows "
            "WHERE norad_id = ? ORDER BY source_id",
            (norad,),
        ):
            new = merge_rows(merged, tuple(row))
            if new is not None:
                merged, source_id = new, source
        conn.execute("DELETE FROM satcat WHERE norad_id = ?", (norad,))
        if merged is not None:
            conn.execute(_SATCAT_INSERT.format(verb="INSERT"), (*merged, source_id))
        n += 1
    return n


def _tolerances(col: str) -> tuple[float, float]:
    tol = ingest_limits()["same_set_tolerance"]
    return float(tol[col]), float(tol.get(f"{col}_rel", 0.0))


def _same_set_sql(a: str, b: str) -> tuple[str, list[float]]:
    """SQL that is true when rows ``a`` and ``b`` hold the same element set, and its args."""
    terms, args = [], []
    for col, _ in _COMPARED:
        terms.append(f"abs({a}.{col} - {b}.{col}) <= ? + ? * max(abs({a}.{col}), abs({b}.{col}))")
        args.extend(_tolerances(col))
    return " AND ".join(terms), args


def _difference(new: dict, old: dict) -> str:
    """Words for the first element that differs between two sets."""
    for col, words in _COMPARED:
        a, b = new[col], old[col]
        absolute, relative = _tolerances(col)
        if abs(a - b) > absolute + relative * max(abs(a), abs(b)):
            return f"{words} {a:.8g} vs {b:.8g}"
    return "elements differ"


class ElementWriter:
    """Writes one file's kept element sets: conflicts, links to the source, objects."""

    def __init__(self, store, kept, errors, path, sha, fmt, now, on_conflict):
        self.store, self.kept, self.errors = store, kept, errors
        self.path, self.sha, self.fmt, self.now = path, sha, fmt, now
        self.on_conflict = on_conflict

    def _rows(self):
        kept = self.kept
        epoch_us = kept.epoch_utc.astype(np.int64)
        epoch_ms = (epoch_us + 500) // 1000
        cols = [
            kept.norad_id,
            epoch_ms,
            epoch_us,
            kept.mean_motion_rev_day,
            kept.ecc,
            kept.inclination_deg,
            kept.raan_deg,
            kept.argp_deg,
            kept.mean_anomaly_deg,
            kept.bstar_per_er,
            kept.mean_motion_dot_rev_day2,
            kept.mean_motion_ddot_rev_day3,
            kept.element_set_no,
            kept.rev_at_epoch,
            kept.classification,
            kept.ephemeris_type,
            kept.name,
            kept.cospar_id,
            kept.line1,
            kept.line2,
            kept.source_line,
        ]
        lists = [c.tolist() for c in cols]
        return zip(range(len(kept)), *lists, strict=True)

    def _where(self, line: int) -> tuple[str, int | None]:
        if self.fmt == "omm-json":
            return f"record {line}: ", None
        return "", line

    def _conflicts(self, conn) -> list[tuple[int, int, str]]:
        """(idx, line, reason) of each incoming set that differs from one under its key."""
        cols = ", ".join(c for c, _ in _COMPARED)
        same, args = _same_set_sql("i", "e")
        found: dict[int, tuple[int, int, str]] = {}
        for row in conn.execute(
            f"SELECT i.idx, i.line, i.norad_id, i.epoch_us, s.path, "
            f"{', '.join('i.' + c for c, _ in _COMPARED)}, "
            f"{', '.join('e.' + c for c, _ in _COMPARED)} "
            f"FROM temp.incoming i JOIN elements e USING (norad_id, epoch_ms) "
            f"JOIN sources s ON s.id = e.source_id WHERE NOT ({same})",
            args,
        ):
            idx, line, norad, epoch_us, src = row[:5]
            n = len(_COMPARED)
            new = dict(zip(cols.split(", "), row[5 : 5 + n], strict=True))
            old = dict(zip(cols.split(", "), row[5 + n :], strict=True))
            when = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=epoch_us)
            found[idx] = (
                idx,
                line,
                f"{norad} at {when:%Y-%m-%d %H:%M:%S.%f}"[:-3]
                + f" differs from the set stored from {src} ({_difference(new, old)})",
            )
        same, args = _same_set_sql("a", "b")
        for row in conn.execute(
            f"SELECT b.idx, b.line, a.line, b.norad_id, "
            f"{', '.join('b.' + c for c, _ in _COMPARED)}, "
            f"{', '.join('a.' + c for c, _ in _COMPARED)} "
            f"FROM temp.incoming a JOIN temp.incoming b ON a.norad_id = b.norad_id "
            f"AND a.epoch_ms = b.epoch_ms AND a.idx < b.idx WHERE NOT ({same})",
            args,
        ):
            idx, line, first_line, norad = row[:4]
            n = len(_COMPARED)
            new = dict(zip(cols.split(", "), row[4 : 4 + n], strict=True))
            old = dict(zip(cols.split(", "), row[4 + n :], strict=True))
            found.setdefault(
                idx,
                (
                    idx,
                    line,
                    f"{norad}: a different element set under the same catalog number and "
                    f"epoch as line/record {first_line} ({_difference(new, old)})",
                ),
            )
        return sorted(found.values(), key=lambda c: c[1])

    def write(self, n_read: int):
        from .store import IngestReport

        store, conn = self.store, self.store.conn
        unknown = _unknown_launches(self.kept, store.launch_ids)
        n_conflicts = 0
        with transaction(conn):
            conn.execute("DROP TABLE IF EXISTS temp.incoming")
            conn.execute(
                f"CREATE TEMP TABLE incoming (idx INTEGER PRIMARY KEY, "
                f"{', '.join(_ELEMENT_COLUMNS)}, line INTEGER)"
            )
            conn.executemany(
                f"INSERT INTO temp.incoming VALUES ({','.join('?' * (len(_ELEMENT_COLUMNS) + 2))})",
                self._rows(),
            )
            conn.execute("CREATE INDEX temp.incoming_key ON incoming (norad_id, epoch_ms)")
            conflicts = self._conflicts(conn)
            if conflicts:
                n_conflicts = len(conflicts)
                if self.on_conflict == "error":
                    for _, line, reason in conflicts:
                        prefix, lineno = self._where(line)
                        self.errors.add(
                            ElementsError(
                                f"{prefix}{reason}; choose with --on-conflict keep|replace",
                                self.path,
                                lineno,
                            )
                        )
                    self._drop(conn, [c[0] for c in conflicts])
                    n_conflicts = 0
                elif self.on_conflict == "keep":
                    self._drop(conn, [c[0] for c in conflicts])
                else:
                    self._replace(conn, [c[0] for c in conflicts])
            if conn.execute("SELECT count(*) FROM temp.incoming").fetchone()[0] == 0:
                require_some_good(0, self.errors, self.path)
            source_id = conn.execute(
                "INSERT INTO sources (path, sha256, format, ingested_utc, n_records, n_new) "
                "VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT(sha256) DO UPDATE SET path = excluded.path "
                "RETURNING id",
                (self.path, self.sha, self.fmt, self.now.isoformat(timespec="seconds"), n_read),
            ).fetchone()[0]
            before = conn.total_changes
            conn.execute(
                f"INSERT OR IGNORE INTO elements ({', '.join(_ELEMENT_COLUMNS)}, source_id) "
                f"SELECT {', '.join(_ELEMENT_COLUMNS)}, ? FROM temp.incoming ORDER BY idx",
                (source_id,),
            )
            n_new = conn.total_changes - before
            conn.execute(
                "INSERT OR IGNORE INTO element_sources SELECT DISTINCT norad_id, epoch_ms, ? "
                "FROM temp.incoming",
                (source_id,),
            )
            conn.execute("DROP TABLE IF EXISTS temp.touched")
            conn.execute("CREATE TEMP TABLE touched AS SELECT DISTINCT norad_id FROM temp.incoming")
            from .store import is_kuiper

            refresh_objects(conn, is_kuiper, store.kept_launch_ids)
            conn.execute("UPDATE sources SET n_new = n_new + ? WHERE id = ?", (n_new, source_id))
            conn.execute("DROP TABLE temp.incoming")
            conn.execute("DROP TABLE temp.touched")
        return IngestReport(
            self.path,
            self.fmt,
            n_read,
            len(self.kept) - len(conflicts) if self.on_conflict != "replace" else len(self.kept),
            n_new,
            self.errors.count,
            self.errors.items,
            n_conflicts=n_conflicts,
            unknown_launches=unknown,
        )

    @staticmethod
    def _drop(conn, idxs) -> None:
        conn.executemany("DELETE FROM temp.incoming WHERE idx = ?", ((i,) for i in idxs))

    @staticmethod
    def _replace(conn, idxs) -> None:
        """The newest incoming set of each conflicting key replaces every other version."""
        keys = conn.execute(
            f"SELECT DISTINCT norad_id, epoch_ms FROM temp.incoming "
            f"WHERE idx IN ({','.join('?' * len(idxs))})",
            idxs,
        ).fetchall()
        for norad, epoch_ms in keys:
            conn.execute(
                "DELETE FROM temp.incoming WHERE norad_id = ? AND epoch_ms = ? AND idx < "
                "(SELECT max(idx) FROM temp.incoming WHERE norad_id = ? AND epoch_ms = ?)",
                (norad, epoch_ms, norad, epoch_ms),
            )
            conn.execute(
                "DELETE FROM elements WHERE norad_id = ? AND epoch_ms = ?", (norad, epoch_ms)
            )
            conn.execute(
                "DELETE FROM element_sources WHERE norad_id = ? AND epoch_ms = ?",
                (norad, epoch_ms),
            )


def _unknown_launches(kept, launch_ids) -> dict[str, int]:
    """COSPAR launches of Kuiper-named objects that the launch log does not list (D4)."""
    out: dict[str, int] = {}
    for name, cospar in zip(kept.name, kept.cospar_id, strict=True):
        upper = name.upper()
        if not (upper.startswith("KUIPER") or upper.startswith("AMAZON LEO")):
            continue
        launch = cospar[:8]
        if launch and launch not in launch_ids:
            out[launch] = out.get(launch, 0) + 1
    return out
