"""The shipped CelesTrak snapshots and the manifest that vouches for them.

``tle/`` at the top of the repository holds byte-exact CelesTrak downloads,
named ``<source>/<group>_<YYYY-MM-DD>.<tle|csv|json>``. Files are immutable: a
new snapshot is a new file. ``tle/MANIFEST.json`` records, for each file, its
source, snapshot date, SHA-256, record count and newest epoch. Wheels carry the
directory as ``kuiper/data/tle`` (``force-include`` in ``pyproject.toml``);
editable installs read the repository's ``tle/`` directly.

After adding a snapshot, regenerate the manifest with::

    python -m kuiper.snapshots            # rewrites tle/MANIFEST.json

This module imports neither numba nor matplotlib; only :func:`build_manifest`
parses the files (through :mod:`kuiper.elements`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
from importlib import resources
from pathlib import Path

from .errors import ElementsError

__all__ = [
    "MANIFEST_NAME",
    "SCHEMA_VERSION",
    "build_manifest",
    "count_records",
    "load_manifest",
    "manifest_problems",
    "shipped_files",
    "shipped_tle_dir",
    "verify_manifest",
    "write_manifest",
]

MANIFEST_NAME = "MANIFEST.json"
SCHEMA_VERSION = 1

NOTE = (
    "Byte-exact CelesTrak snapshots, CRLF as published; never edit or normalise them. "
    "Files are immutable: a new snapshot is a new file. After adding one, regenerate this "
    "manifest with `python -m kuiper.snapshots`; tests/test_snapshots.py checks that files "
    "and manifest agree both ways and that every checksum and record count passes."
)

# Where each <source> directory comes from (see /work/shared/data/PROVENANCE.md).
SOURCES = {
    "celestrak-kuiper": {
        "source": (
            "CelesTrak GP data, GROUP=kuiper, 3-line TLE "
            "(https://celestrak.org/NORAD/elements/gp.php?GROUP=kuiper&FORMAT=tle), "
            "daily snapshots as archived in the public GitHub repository "
            "tannerkoza/celestrak-orbital-data, renamed to the calendar date"
        ),
        "archive": "https://github.com/tannerkoza/celestrak-orbital-data",
        # DDD is the 1-based day of year of the snapshot date.
        "archive_path": "kuiper/{year}/{doy:03d}/kuiper.tle",
    },
}

_RE_NAME = re.compile(r"(?P<group>[a-z0-9-]+)_(?P<date>\d{4}-\d{2}-\d{2})\.(?P<ext>tle|csv|json)")
_ENTRY_KEYS = {
    "path": str,
    "source": str,
    "snapshot_date": str,
    "sha256": str,
    "record_count": int,
    "newest_epoch_utc": str,
}
_RE_SHA256 = re.compile(r"[0-9a-f]{64}")


def shipped_tle_dir() -> Path:
    """The directory of shipped snapshots (the one holding ``MANIFEST.json``).

    ``kuiper/data/tle`` inside an installed wheel; the repository's top-level
    ``tle/`` for an editable install.
    """
    try:
        packaged = resources.files("kuiper") / "data" / "tle"
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - kuiper is importable here
        packaged = None
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "tle"


def _dir(directory: str | Path | None) -> Path:
    return shipped_tle_dir() if directory is None else Path(directory)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _snapshot_files(directory: Path) -> list[str]:
    """Every file under ``directory`` except the manifest, as sorted posix paths."""
    out = []
    for p in directory.rglob("*"):
        if p.is_file() and p.relative_to(directory).as_posix() != MANIFEST_NAME:
            out.append(p.relative_to(directory).as_posix())
    return sorted(out)


def _parse_name(rel: str) -> re.Match:
    m = _RE_NAME.fullmatch(rel.rsplit("/", 1)[-1])
    if m is None:
        raise ValueError("name is not <group>_<YYYY-MM-DD>.<tle|csv|json>")
    try:
        dt.date.fromisoformat(m["date"])
    except ValueError:
        raise ValueError(f"snapshot date {m['date']} does not exist") from None
    return m


def count_records(path: str | Path) -> int:
    """Number of element sets in a snapshot file.

    For TLE, the number of lines that begin with ``1 `` (a cheap count that needs
    no parsing; a file whose lines 1 and 2 do not pair up fails the checksum
    long before this matters). For OMM, the records :func:`kuiper.elements.read_elements`
    reads.
    """
    p = Path(path)
    if p.suffix == ".tle":
        text = p.read_bytes().decode("ascii", errors="replace")
        return sum(1 for line in text.splitlines() if line.startswith("1 "))
    from .elements import read_elements

    return len(read_elements(p).elements)


def build_manifest(directory: str | Path) -> dict:
    """Describe every snapshot under ``directory`` (parsing each file in full).

    Raises
    ------
    ElementsError
        If a file is misnamed, from an unknown source directory, or has a bad record.
    """
    from .elements import read_elements

    directory = Path(directory)
    entries = []
    for rel in _snapshot_files(directory):
        path = directory / rel
        try:
            m = _parse_name(rel)
        except ValueError as exc:
            raise ElementsError(str(exc), str(path)) from None
        source_dir = rel.split("/", 1)[0] if "/" in rel else ""
        if source_dir not in SOURCES:
            raise ElementsError(
                f"source directory {source_dir!r} is not one of {sorted(SOURCES)}; "
                "add it to kuiper.snapshots.SOURCES with its provenance",
                str(path),
            )
        src = SOURCES[source_dir]
        elements = read_elements(path).elements
        if len(elements) == 0:
            raise ElementsError("no element sets", str(path))
        newest = elements.epoch_utc.max().item()
        date = dt.date.fromisoformat(m["date"])
        entries.append(
            {
                "path": rel,
                "source": src["source"],
                "archive": src["archive"],
                "archive_path": src["archive_path"].format(
                    year=date.year, doy=date.timetuple().tm_yday
                ),
                "group": m["group"],
                "format": m["ext"],
                "snapshot_date": m["date"],
                "bytes": path.stat().st_size,
                "sha256": _sha256(path),
                "record_count": len(elements),
                "newest_epoch_utc": newest.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            }
        )
    entries.sort(key=lambda e: (e["snapshot_date"], e["path"]))
    return {"schema_version": SCHEMA_VERSION, "note": NOTE, "files": entries}


def write_manifest(directory: str | Path | None = None) -> Path:
    """Regenerate ``MANIFEST.json`` in ``directory`` (default: the shipped one)."""
    directory = _dir(directory)
    manifest = build_manifest(directory)
    out = directory / MANIFEST_NAME
    out.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8", newline="\n")
    return out


def load_manifest(directory: str | Path | None = None) -> dict:
    """Read and validate the structure of ``MANIFEST.json`` (files are not checked).

    Returns
    -------
    dict
        ``{"schema_version": 1, "note": ..., "files": [entry, ...]}``, each entry
        with at least ``path``, ``source``, ``snapshot_date``, ``sha256``,
        ``record_count`` and ``newest_epoch_utc``.

    Raises
    ------
    ElementsError
        Naming the manifest, for a missing or unreadable file, a newer schema, or
        a malformed entry.
    """
    path = _dir(directory) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ElementsError("manifest is missing", str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ElementsError(f"cannot read manifest: {exc}", str(path)) from None
    except json.JSONDecodeError as exc:
        msg = f"manifest is not valid JSON: {exc.msg}"
        raise ElementsError(msg, str(path), exc.lineno) from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise ElementsError("manifest must be an object with a 'files' list", str(path))
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ElementsError(
            f"manifest schema_version {version!r} is not {SCHEMA_VERSION}", str(path)
        )
    seen = set()
    for k, entry in enumerate(data["files"], start=1):
        if not isinstance(entry, dict):
            raise ElementsError(f"files[{k}] is not an object", str(path))
        for key, typ in _ENTRY_KEYS.items():
            v = entry.get(key)
            if not isinstance(v, typ) or isinstance(v, bool):
                raise ElementsError(
                    f"files[{k}] field {key} is missing or not {typ.__name__}", str(path)
                )
        if not _RE_SHA256.fullmatch(entry["sha256"]):
            raise ElementsError(f"files[{k}] sha256 is not 64 lowercase hex digits", str(path))
        if entry["path"] in seen:
            raise ElementsError(f"files[{k}] lists {entry['path']} twice", str(path))
        seen.add(entry["path"])
    return data


def manifest_problems(directory: str | Path | None = None) -> list[ElementsError]:
    """Every disagreement between the manifest and the files, as one error each.

    Checks both ways: each listed file exists with the recorded SHA-256 and record
    count, and each file present is listed. An unreadable manifest is one problem.
    """
    directory = _dir(directory)
    try:
        manifest = load_manifest(directory)
    except ElementsError as exc:
        return [exc]
    problems = []
    listed = {e["path"]: e for e in manifest["files"]}
    present = set(_snapshot_files(directory))
    for rel, entry in listed.items():
        path = directory / rel
        if rel not in present:
            problems.append(ElementsError("missing file listed in MANIFEST.json", str(path)))
            continue
        digest = _sha256(path)
        if digest != entry["sha256"]:
            problems.append(
                ElementsError(
                    f"sha256 mismatch: file {digest[:12]}..., "
                    f"MANIFEST.json {entry['sha256'][:12]}...",
                    str(path),
                )
            )
            continue
        n = count_records(path)
        if n != entry["record_count"]:
            problems.append(
                ElementsError(
                    f"record count mismatch: file has {n}, "
                    f"MANIFEST.json says {entry['record_count']}",
                    str(path),
                )
            )
    for rel in sorted(present - set(listed)):
        problems.append(
            ElementsError(
                "extra file not in MANIFEST.json (run `python -m kuiper.snapshots`)",
                str(directory / rel),
            )
        )
    return problems


def verify_manifest(directory: str | Path | None = None) -> dict:
    """Check files against the manifest; return the manifest if they agree.

    Raises
    ------
    ElementsError
        The first problem found by :func:`manifest_problems`, as one line naming
        the file and the reason (missing file, extra file, sha256 mismatch,
        record count mismatch).
    """
    problems = manifest_problems(directory)
    if problems:
        raise problems[0]
    return load_manifest(directory)


def shipped_files(directory: str | Path | None = None) -> list[Path]:
    """The verified snapshot files, oldest snapshot date first."""
    directory = _dir(directory)
    manifest = verify_manifest(directory)
    entries = sorted(manifest["files"], key=lambda e: (e["snapshot_date"], e["path"]))
    return [directory / e["path"] for e in entries]


def main(argv: list[str] | None = None) -> int:
    """``python -m kuiper.snapshots [DIR]``: rewrite DIR/MANIFEST.json (default: shipped)."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 or (argv and argv[0] in ("-h", "--help")):
        print("usage: python -m kuiper.snapshots [TLE_DIR]", file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        out = write_manifest(argv[0] if argv else None)
    except ElementsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    n = len(json.loads(out.read_text(encoding="utf-8"))["files"])
    print(f"wrote {out} ({n} files)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
