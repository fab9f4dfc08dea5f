"""Every public file in ../shared/data ingests, and Kuiper objects are recognised.

Counts are checked against the raw text (csv module, regular expressions), not
against kuiper's own parser.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import pytest

from kuiper.store import Store, is_kuiper, kuiper_launch_ids

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not SHARED.exists(), reason="../shared/data is absent")

ELEMENT_FILES = sorted(
    p
    for sub in ("tle", "catalogs")
    for p in (SHARED / sub).rglob("*")
    if p.is_file() and p.name.endswith((".tle", ".csv", ".csv.gz", ".json"))
)


def _raw_text(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode()


def _kuiper_ids_in_raw(path: Path) -> set[int]:
    """Catalog numbers of objects named KUIPER* or launched on a Kuiper launch, from raw text."""
    text = _raw_text(path)
    launches = {
        r["cospar_launch"]
        for r in csv.DictReader(open(SHARED / "launches" / "kuiper_launches.csv"))
        if r["cospar_launch"]
    }
    ids = set()
    if path.name.endswith(".tle"):
        lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
        for k in range(0, len(lines), 3):
            name, l1 = lines[k], lines[k + 1]
            yy, launch = l1[9:11], l1[11:14]
            cospar = f"20{yy}-{launch}"
            if name.startswith("KUIPER") or (cospar in launches and "R/B" not in name):
                ids.add(int(l1[2:7]))
    elif path.name.endswith(".json"):
        import json

        for row in json.loads(text):
            if row["OBJECT_NAME"].startswith("KUIPER") or row["OBJECT_ID"][:8] in launches:
                ids.add(int(row["NORAD_CAT_ID"]))
    else:
        for row in csv.DictReader(io.StringIO(text)):
            name, cospar = row["OBJECT_NAME"], row["OBJECT_ID"]
            if name.startswith("KUIPER") or (cospar[:8] in launches and "R/B" not in name):
                ids.add(int(row["NORAD_CAT_ID"]))
    return ids


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = Store(tmp_path_factory.mktemp("shared") / "k.sqlite", seed=False)
    yield s
    s.close()


@pytest.mark.parametrize("path", ELEMENT_FILES, ids=lambda p: p.name)
def test_every_shared_file_ingests(store, path):
    report = store.ingest_file(path)
    assert report.n_bad == 0
    assert report.n_read > 0
    stored = {
        r[0]
        for r in store.conn.execute(
            "SELECT DISTINCT o.norad_id FROM objects o WHERE o.is_kuiper = 1"
        )
    }
    assert _kuiper_ids_in_raw(path) <= stored
    assert report.n_kuiper == len(_kuiper_ids_in_raw(path))


def test_six_digit_ids_survive(tmp_path):
    """The OMM CSVs from 2026-07-22 on hold 6-digit catalog numbers; all are stored as read."""
    path = SHARED / "catalogs" / "active_gp_2026-08-18.csv.gz"
    raw = {
        int(r["NORAD_CAT_ID"])
        for r in csv.DictReader(io.StringIO(_raw_text(path)))
        if int(r["NORAD_CAT_ID"]) > 99999
    }
    assert len(raw) == 265  # FACTS.md section 5: 265 such objects on 2026-08-18
    s = Store(tmp_path / "all.sqlite", seed=False)
    s.ingest_file(path, all_objects=True)
    stored = {r[0] for r in s.conn.execute("SELECT norad_id FROM elements WHERE norad_id > 99999")}
    s.close()
    assert stored == raw


def test_kuiper_recognised_by_launch_id_when_renamed():
    ids = kuiper_launch_ids()
    assert "2025-088" in ids and "2026-151" in ids
    # After the Amazon Leo rename an object might carry another name; its launch gives it away.
    assert is_kuiper("LEO-00001", "2026-151AC", ids)
    assert is_kuiper("AMAZON LEO 17", "2027-001A", ids)
    # The rocket body of a Kuiper launch is not a Kuiper satellite.
    assert not is_kuiper("ATLAS 5 CENTAUR R/B", "2025-088AC", ids)
    assert not is_kuiper("STARLINK-1007", "2019-074A", ids)


def test_last_30_days_holds_launch_2026_072():
    """The last-30-days group of 2026-04-27 carries the 29 satellites of 2026-072 (LA-05)."""
    text = _raw_text(SHARED / "catalogs" / "last-30-days_2026-04-27.tle")
    lines = [ln for ln in text.splitlines() if ln.startswith("1 ")]
    assert sum(ln[9:14] == "26072" for ln in lines) >= 29
    from kuiper.elements import read_elements

    el = read_elements(SHARED / "catalogs" / "last-30-days_2026-04-27.tle").elements
    ids = kuiper_launch_ids()
    kuiper = [n for n, c in zip(el.name, el.cospar_id, strict=True) if is_kuiper(n, c, ids)]
    assert sum(1 for c in el.cospar_id if c.startswith("2026-072")) >= 29
    assert len(kuiper) >= 29
    assert re.fullmatch(r"KUIPER-\d{5}", kuiper[0])
