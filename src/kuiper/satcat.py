"""CelesTrak SATCAT CSV rows: parsing, plausibility, and the rule that merges them.

The store keeps every SATCAT row of every source (table ``satcat_rows``) and derives
the table ``satcat`` from them with :func:`merge_rows`, applied in ingest order. So a
source can be forgotten and the derived rows recomputed from what is left.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from .errors import ElementsError

__all__ = ["SATCAT_FIELDS", "merge_rows", "parse_satcat"]

SATCAT_FIELDS = (
    "norad_id",
    "name",
    "cospar_id",
    "object_type",
    "ops_status",
    "launch_date",
    "decay_date",
    "apogee_km",
    "perigee_km",
    "inclination_deg",
    "launch_site",
)
_REQUIRED = ("OBJECT_NAME", "OBJECT_ID", "NORAD_CAT_ID", "LAUNCH_DATE", "DECAY_DATE")
_LAUNCH, _DECAY = SATCAT_FIELDS.index("launch_date"), SATCAT_FIELDS.index("decay_date")
_SITE = SATCAT_FIELDS.index("launch_site")


def parse_satcat(text: str, path: str, errors) -> tuple[list[tuple], list[int]]:
    """SATCAT CSV -> row tuples (in :data:`SATCAT_FIELDS` order) and their line numbers.

    ``errors`` is the collector of :mod:`kuiper.elements` (raises at the first bad
    row, or counts them). A decay date before the launch date is refused (D2).
    """
    from .elements import _check_name

    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        errors.add(ElementsError(f"SATCAT header lacks column {missing[0]}", path, 1))
        return [], []
    rows, lines = [], []
    errors.records = rows
    for row in reader:
        lineno = reader.line_num
        try:
            if None in row or any(v is None for v in row.values()):
                raise ValueError("wrong number of fields")
            norad = row["NORAD_CAT_ID"].strip()
            if not norad.isdigit() or len(norad) > 9:
                raise ValueError(f"NORAD_CAT_ID {norad[:40]!r} is not an integer")
            dates = []
            for key in ("LAUNCH_DATE", "DECAY_DATE"):
                v = row[key].strip()
                if v:
                    try:
                        dt.date.fromisoformat(v)
                    except ValueError:
                        raise ValueError(f"{key} {v[:40]!r} is not a valid date") from None
                dates.append(v or None)
            if dates[0] and dates[1] and dates[1] < dates[0]:
                raise ValueError(f"DECAY_DATE {dates[1]} is before LAUNCH_DATE {dates[0]}")
            name = row["OBJECT_NAME"].strip()
            _check_name(name)
            rows.append(
                (
                    int(norad),
                    name,
                    row["OBJECT_ID"].strip(),
                    (row.get("OBJECT_TYPE") or "").strip(),
                    (row.get("OPS_STATUS_CODE") or "").strip(),
                    dates[0],
                    dates[1],
                    _optional_float(row, "APOGEE"),
                    _optional_float(row, "PERIGEE"),
                    _optional_float(row, "INCLINATION"),
                    (row.get("LAUNCH_SITE") or "").strip()[:16] or None,
                )
            )
            lines.append(lineno)
        except ValueError as exc:
            errors.add(ElementsError(str(exc), path, lineno))
    return rows, lines


def _optional_float(row: dict, key: str) -> float | None:
    v = (row.get(key) or "").strip()
    if not v:
        return None
    try:
        x = float(v)
    except ValueError:
        raise ValueError(f"{key} {v[:40]!r} is not a number") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise ValueError(f"{key} {v[:40]!r} is not finite")
    return x


def merge_rows(old: tuple | None, new: tuple) -> tuple | None:
    """The stored row after ``new`` arrives on top of ``old``; None when nothing changes.

    A newer row replaces every field, except that a launch or decay date or a launch
    site, once known, is not erased by a row that lacks it (a file from before the
    decay, or a SATCAT extract without the LAUNCH_SITE column).
    """
    if old is None:
        return new
    merged = list(new)
    for k in (_LAUNCH, _DECAY, _SITE):
        if merged[k] is None:
            merged[k] = old[k]
    merged = tuple(merged)
    return None if merged == old else merged
