"""Is a response what was asked for? HTML pages, empty or truncated CSV, wrong columns.

Each check raises :class:`FetchError` naming the URL and the reason in one line.
Records are then parsed by the same parsers as ``kuiper ingest`` before anything is
written, so a bad file from one query leaves the store as it was.
"""

from __future__ import annotations

import csv
import io

from ..elements import _OMM_REQUIRED
from ..satcat import _REQUIRED as _SATCAT_REQUIRED
from ._http import FetchError

# The columns the ingest parsers require (one list each, shared with them).
OMM_COLUMNS = _OMM_REQUIRED
SATCAT_COLUMNS = _SATCAT_REQUIRED


def check_csv(body: bytes, url: str, kind: str, content_type: str = "") -> int:
    """The number of data rows of a CSV response, after the structural checks.

    ``kind`` is ``"elements"`` (OMM CSV) or ``"satcat"`` (CelesTrak SATCAT CSV).
    """
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        raise FetchError(url, "empty response (no CSV at all)")
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<")) or "html" in content_type:
        raise FetchError(url, "an HTML page, not CSV (an error or login page served as data)")
    if head.startswith((b"{", b"[")):
        raise FetchError(url, f"JSON, not CSV: {_snippet(body)}")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FetchError(url, f"not UTF-8 text (byte {exc.start})") from None
    first = text.splitlines()[0].strip() if text.strip() else ""
    if "," not in first:
        raise FetchError(url, f"not CSV: {_snippet(body)}")
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
        required = OMM_COLUMNS if kind == "elements" else SATCAT_COLUMNS
        missing = [c for c in required if c not in header]
        if missing:
            raise FetchError(
                url, f"wrong columns: no {missing[0]} in the header (not {_what(kind)})"
            )
        n = 0
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                raise FetchError(
                    url,
                    f"truncated or malformed CSV: row {reader.line_num} has {len(row)} fields, "
                    f"the header {len(header)}",
                )
            n += 1
    except csv.Error as exc:
        raise FetchError(url, f"malformed CSV ({exc})") from None
    if n == 0:
        raise FetchError(url, f"no records: the CSV holds only its header (no {_what(kind)})")
    return n


def _what(kind: str) -> str:
    return "OMM element sets" if kind == "elements" else "SATCAT rows"


def _snippet(body: bytes) -> str:
    text = body[:80].decode("utf-8", "replace").replace("\n", " ").replace("\r", " ").strip()
    return repr(text + ("..." if len(body) > 80 else ""))
