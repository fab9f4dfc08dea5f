"""tle/MANIFEST.json and the shipped snapshots agree, both ways.

Checksums are recomputed with hashlib, record counts twice without kuiper (lines
that begin with "1 ", and sgp4's twoline2rv over every line pair), and newest
epochs from sgp4's own epoch fields.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sgp4.api import WGS72, Satrec

from kuiper import snapshots
from kuiper.errors import ElementsError
from kuiper.snapshots import (
    build_manifest,
    load_manifest,
    manifest_problems,
    shipped_files,
    shipped_tle_dir,
    verify_manifest,
)

REPO = Path(__file__).resolve().parents[1]
TLE_DIR = REPO / "tle"
MANIFEST = TLE_DIR / "MANIFEST.json"
SHARED_DATA = REPO.parent / "shared" / "data"

ONE_MICROSECOND = dt.timedelta(microseconds=1)
UNIX_EPOCH_JD = 2440587.5


def files_on_disk(directory: Path) -> set[str]:
    """Every file under directory except the manifest, found with os.walk."""
    out = set()
    for root, _dirs, names in os.walk(directory):
        for name in names:
            rel = Path(root, name).relative_to(directory).as_posix()
            if rel != "MANIFEST.json":
                out.add(rel)
    return out


def entries() -> list[dict]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]


def checksum(line: str) -> int:
    """TLE modulo-10 checksum: digits count their value, '-' counts one."""
    return sum(int(c) if c.isdigit() else c == "-" for c in line[:68]) % 10


def pairs(path: Path) -> list[tuple[str, str]]:
    lines = path.read_bytes().decode("ascii").split("\r\n")
    ones = [i for i, ln in enumerate(lines) if ln.startswith("1 ")]
    return [(lines[i], lines[i + 1]) for i in ones]


def one_line(err: ElementsError) -> str:
    msg = str(err)
    assert "\n" not in msg and "\r" not in msg
    return msg


@pytest.fixture
def tle_copy(tmp_path) -> Path:
    """A private copy of tle/ to tamper with."""
    dest = tmp_path / "tle"
    shutil.copytree(TLE_DIR, dest)
    return dest


# ---------------------------------------------------------------------------
# The committed manifest


def test_manifest_schema():
    data = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1
    assert "immutable" in data["note"] and "python -m kuiper.snapshots" in data["note"]
    assert data == load_manifest()
    assert len(data["files"]) >= 26
    for e in data["files"]:
        assert set(e) >= {
            "path",
            "source",
            "snapshot_date",
            "sha256",
            "record_count",
            "newest_epoch_utc",
        }
        # tle/<source>/<group>_<YYYY-MM-DD>.<ext> (STYLE.md, "Data files")
        source_dir, name = e["path"].split("/")
        assert source_dir == "celestrak-kuiper"
        assert name == f"kuiper_{e['snapshot_date']}.tle"
        date = dt.date.fromisoformat(e["snapshot_date"])
        assert "CelesTrak" in e["source"] and "GROUP=kuiper" in e["source"]
        assert "tannerkoza/celestrak-orbital-data" in e["source"]
        # PROVENANCE.md: archived as kuiper/<YYYY>/<DDD>/kuiper.tle, DDD = day of year
        doy = (date - dt.date(date.year, 1, 1)).days + 1
        assert e["archive_path"] == f"kuiper/{date.year}/{doy:03d}/kuiper.tle"
        assert e["format"] == "tle" and e["group"] == "kuiper"


def test_every_file_is_listed_and_every_listed_file_exists():
    listed = [e["path"] for e in entries()]
    assert len(listed) == len(set(listed))
    assert set(listed) == files_on_disk(TLE_DIR)


def test_checksums_and_sizes():
    for e in entries():
        raw = (TLE_DIR / e["path"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == e["sha256"], e["path"]
        assert len(raw) == e["bytes"], e["path"]


def test_record_counts_two_ways():
    for e in entries():
        path = TLE_DIR / e["path"]
        text = path.read_bytes().decode("ascii")
        n_line1 = sum(1 for ln in text.split("\r\n") if ln.startswith("1 "))
        n_line2 = sum(1 for ln in text.split("\r\n") if ln.startswith("2 "))
        sats = [Satrec.twoline2rv(a, b, WGS72) for a, b in pairs(path)]
        assert all(s.error == 0 for s in sats)
        assert all(a[2:7] == b[2:7] for a, b in pairs(path))
        assert n_line1 == n_line2 == len(sats) == e["record_count"], e["path"]
        assert len({s.satnum for s in sats}) == e["record_count"]


def test_every_line_checksum_passes():
    for e in entries():
        for a, b in pairs(TLE_DIR / e["path"]):
            assert int(a[68]) == checksum(a) and int(b[68]) == checksum(b), (e["path"], a)


def test_newest_epoch_from_sgp4():
    for e in entries():
        sats = [Satrec.twoline2rv(a, b, WGS72) for a, b in pairs(TLE_DIR / e["path"])]
        unix = dt.datetime(1970, 1, 1)
        newest = max(
            unix + dt.timedelta(days=(s.jdsatepoch - UNIX_EPOCH_JD) + s.jdsatepochF) for s in sats
        )
        recorded = dt.datetime.strptime(e["newest_epoch_utc"], "%Y-%m-%dT%H:%M:%S.%fZ")
        assert abs(newest - recorded) <= ONE_MICROSECOND, e["path"]
        # The date in the name is the snapshot day; the epochs inside run up to it.
        snapshot_day = dt.date.fromisoformat(e["snapshot_date"])
        assert recorded.date() <= snapshot_day
        assert (snapshot_day - recorded.date()).days <= 3


def test_snapshots_are_byte_exact_crlf():
    for e in entries():
        raw = (TLE_DIR / e["path"]).read_bytes()
        assert raw.endswith(b"\r\n")
        assert raw.count(b"\n") == raw.count(b"\r\n") == 3 * e["record_count"], e["path"]


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent")
def test_snapshots_are_the_shared_copies():
    for e in entries():
        shared = SHARED_DATA / "tle" / e["path"]
        assert shared.read_bytes() == (TLE_DIR / e["path"]).read_bytes(), e["path"]


def test_manifest_is_what_build_manifest_writes(tmp_path):
    """Regenerating changes nothing: the committed file is byte-identical."""
    assert build_manifest(TLE_DIR) == load_manifest(TLE_DIR)
    expected = json.dumps(build_manifest(TLE_DIR), indent=2) + "\n"
    assert MANIFEST.read_bytes() == expected.encode("utf-8")


# ---------------------------------------------------------------------------
# The module's view


def test_shipped_tle_dir_is_the_repository_or_the_wheel_copy():
    """Editable installs read the repository's tle/; a wheel carries a byte-identical copy."""
    found = shipped_tle_dir()
    assert (found / "MANIFEST.json").is_file()
    if found != TLE_DIR:
        assert found.parts[-3:] == ("kuiper", "data", "tle")
        for rel in [e["path"] for e in entries()] + ["MANIFEST.json"]:
            assert (found / rel).read_bytes() == (TLE_DIR / rel).read_bytes()


def test_shipped_tle_dir_prefers_packaged_data(tmp_path, monkeypatch):
    """As installed from a wheel: kuiper/data/tle beside the modules."""
    packaged = tmp_path / "kuiper"
    (packaged / "data" / "tle").mkdir(parents=True)
    monkeypatch.setattr(snapshots.resources, "files", lambda pkg: packaged)
    assert shipped_tle_dir() == packaged / "data" / "tle"


def test_verify_and_shipped_files():
    assert manifest_problems() == []
    assert verify_manifest() == load_manifest()
    files = shipped_files()
    dates = [e["snapshot_date"] for e in entries()]
    base = shipped_tle_dir()
    assert files == [
        base / p for _, p in sorted((e["snapshot_date"], e["path"]) for e in entries())
    ]
    assert all(f.is_file() for f in files)
    assert [f.stem.split("_")[1] for f in files] == sorted(dates)


def test_python_m_kuiper_snapshots_regenerates(tle_copy):
    (tle_copy / "MANIFEST.json").unlink()
    proc = subprocess.run(
        [sys.executable, "-m", "kuiper.snapshots", str(tle_copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "wrote" in proc.stderr
    assert (tle_copy / "MANIFEST.json").read_bytes() == MANIFEST.read_bytes()
    assert shipped_files(tle_copy)[0].parent.parent == tle_copy


def test_snapshots_import_neither_numba_nor_matplotlib():
    code = (
        "import sys, kuiper.snapshots as s; s.shipped_files(); "
        "print(sorted(m for m in ('numba', 'matplotlib') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


# ---------------------------------------------------------------------------
# Tampered copies give one clear line naming the file


def first_entry(directory: Path) -> dict:
    return json.loads((directory / "MANIFEST.json").read_text(encoding="utf-8"))["files"][0]


def rewrite_manifest(directory: Path, edit) -> None:
    path = directory / "MANIFEST.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def assert_verify_fails(directory: Path, file: Path, *words: str) -> None:
    with pytest.raises(ElementsError) as info:
        verify_manifest(directory)
    msg = one_line(info.value)
    assert msg.startswith(f"{file}: "), msg
    for w in words:
        assert w in msg, msg
    with pytest.raises(ElementsError):
        shipped_files(directory)


def test_tampered_byte_is_a_sha256_mismatch(tle_copy):
    target = tle_copy / first_entry(tle_copy)["path"]
    raw = bytearray(target.read_bytes())
    # A one-digit change in the mean motion of the first record (checksums aside).
    raw[raw.index(b"\r\n2 ") + 60] ^= 1
    target.write_bytes(bytes(raw))
    assert_verify_fails(tle_copy, target, "sha256 mismatch")


def test_normalised_line_endings_are_a_sha256_mismatch(tle_copy):
    """What git's autocrlf would do to a snapshot without tle/** -text."""
    target = tle_copy / first_entry(tle_copy)["path"]
    target.write_bytes(target.read_bytes().replace(b"\r\n", b"\n"))
    assert_verify_fails(tle_copy, target, "sha256 mismatch")


def test_missing_file(tle_copy):
    target = tle_copy / first_entry(tle_copy)["path"]
    target.unlink()
    assert_verify_fails(tle_copy, target, "missing file")


def test_extra_file(tle_copy):
    extra = tle_copy / "celestrak-kuiper" / "kuiper_2030-01-01.tle"
    shutil.copy(tle_copy / first_entry(tle_copy)["path"], extra)
    assert_verify_fails(tle_copy, extra, "extra file not in MANIFEST.json")


def test_record_count_mismatch(tle_copy):
    entry = first_entry(tle_copy)

    def edit(data):
        data["files"][0]["record_count"] += 1

    rewrite_manifest(tle_copy, edit)
    assert_verify_fails(
        tle_copy,
        tle_copy / entry["path"],
        "record count mismatch",
        str(entry["record_count"]),
        str(entry["record_count"] + 1),
    )


def test_every_problem_is_listed(tle_copy):
    listed = [e["path"] for e in json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]]
    (tle_copy / listed[0]).unlink()
    (tle_copy / listed[1]).write_bytes(b"tampered\r\n")
    (tle_copy / "stray.txt").write_text("x")
    problems = [one_line(p) for p in manifest_problems(tle_copy)]
    assert len(problems) == 3
    assert problems[0].startswith(f"{tle_copy / listed[0]}: missing file")
    assert problems[1].startswith(f"{tle_copy / listed[1]}: sha256 mismatch")
    assert problems[2].startswith(f"{tle_copy / 'stray.txt'}: extra file")


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda d: d.update(schema_version=2), "schema_version 2"),
        (lambda d: d.pop("files"), "'files' list"),
        (lambda d: d["files"][0].pop("sha256"), "field sha256"),
        (lambda d: d["files"][0].update(sha256="ABC"), "sha256 is not 64"),
        (lambda d: d["files"][0].update(record_count="54"), "field record_count"),
        (lambda d: d["files"].append(dict(d["files"][0])), "twice"),
    ],
)
def test_malformed_manifest(tle_copy, edit, words):
    rewrite_manifest(tle_copy, edit)
    with pytest.raises(ElementsError) as info:
        load_manifest(tle_copy)
    msg = one_line(info.value)
    assert msg.startswith(f"{tle_copy / 'MANIFEST.json'}: "), msg
    assert words in msg
    with pytest.raises(ElementsError):
        verify_manifest(tle_copy)


def test_missing_or_broken_manifest(tle_copy):
    manifest = tle_copy / "MANIFEST.json"
    manifest.write_text("{not json", encoding="utf-8")
    with pytest.raises(ElementsError, match="not valid JSON"):
        load_manifest(tle_copy)
    manifest.unlink()
    with pytest.raises(ElementsError) as info:
        verify_manifest(tle_copy)
    assert one_line(info.value) == f"{manifest}: manifest is missing"


def test_build_manifest_rejects_misnamed_and_unknown_source(tle_copy):
    bad = tle_copy / "celestrak-kuiper" / "kuiper-latest.tle"
    shutil.copy(tle_copy / first_entry(tle_copy)["path"], bad)
    with pytest.raises(ElementsError, match="name is not"):
        build_manifest(tle_copy)
    bad.unlink()
    (tle_copy / "elsewhere").mkdir()
    shutil.copy(
        tle_copy / first_entry(tle_copy)["path"], tle_copy / "elsewhere" / "kuiper_2030-01-01.tle"
    )
    with pytest.raises(ElementsError, match="source directory 'elsewhere'"):
        build_manifest(tle_copy)


def test_python_m_kuiper_snapshots_reports_errors(tle_copy):
    (tle_copy / "celestrak-kuiper" / "kuiper_2030-02-30.tle").write_bytes(b"")
    proc = subprocess.run(
        [sys.executable, "-m", "kuiper.snapshots", str(tle_copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "kuiper_2030-02-30.tle" in proc.stderr and "does not exist" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
