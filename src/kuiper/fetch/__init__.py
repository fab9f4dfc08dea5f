"""``kuiper fetch``: new element sets and SATCAT rows from CelesTrak or Space-Track.

Rules (settings in ``kuiper/data/fetch.toml``):

* **Raw files first.** Every response is saved unchanged as a new read-only file in
  ``snapshots/<source>/`` beside the store, its sha256 in ``SHA256SUMS``; then it is
  checked, parsed and ingested through :meth:`kuiper.store.Store.ingest_file` (the
  atomic path of ``kuiper ingest``). A response that fails goes to ``rejected/``.
* **All or nothing.** Every response of a run is checked and parsed before the first
  is ingested, so a bad one leaves the store byte-identical. (A store-level refusal
  during ingest, such as a conflicting element set, stops at that file.)
* **Polite.** No request for a query fetched successfully within
  ``min_interval_hours`` (2 h) unless ``force``; conditional requests (ETag,
  If-Modified-Since); one redirect at most; timeouts; bounded retry with backoff;
  Space-Track's per-minute and per-hour limits.
* **Secret.** Space-Track credentials come from ``SPACETRACK_USER`` /
  ``SPACETRACK_PASSWORD`` or ``~/.netrc`` and are never printed or saved.

Base URLs: ``KUIPER_CELESTRAK_URL`` and ``KUIPER_SPACETRACK_URL`` replace
``https://celestrak.org`` and ``https://www.space-track.org``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import KuiperError, ManifestError
from ._http import FetchError, PoliteClient, Response, safe_url
from .archive import Archive
from .checks import check_csv

__all__ = ["SOURCES", "FetchError", "FetchReport", "RequestRecord", "fetch", "load_fetch_config"]

SOURCES = ("celestrak", "spacetrack")
ENV_BASE = {"celestrak": "KUIPER_CELESTRAK_URL", "spacetrack": "KUIPER_SPACETRACK_URL"}


@dataclasses.dataclass
class RequestRecord:
    """One query of a fetch: what was asked, what came back, what it added."""

    url: str
    status: int | None = None
    bytes: int = 0
    records: int = 0
    new: int = 0
    skipped_reason: str | None = None
    saved: str | None = None


@dataclasses.dataclass
class FetchReport:
    source: str
    requests: list[RequestRecord]
    data_through: dt.datetime | None

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "requests": [
                {k: v for k, v in dataclasses.asdict(r).items() if k != "saved"}
                for r in self.requests
            ],
            "data_through": (
                self.data_through.isoformat(timespec="seconds").replace("+00:00", "Z")
                if self.data_through
                else None
            ),
        }


def load_fetch_config(path: str | Path | None = None) -> dict:
    """``fetch.toml`` (shipped, or a user's file of the same schema), checked."""
    from ..manifest import read_data_toml

    data, name = read_data_toml(path, "fetch.toml")
    for table, keys in (
        ("http", ("connect_timeout_s", "read_timeout_s", "backoff_s", "max_retry_after_s")),
        ("celestrak", ("min_interval_hours",)),
        ("spacetrack", ("min_interval_hours",)),
    ):
        t = data.get(table)
        if not isinstance(t, dict):
            raise ManifestError(f"{name}: missing [{table}] table")
        for key in keys:
            v = t.get(key)
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < 1e6:
                raise ManifestError(f"{name}: [{table}] {key} must be a number >= 0, got {v!r}")
    for key in ("retries", "max_response_mib"):
        v = data["http"].get(key)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 1000:
            raise ManifestError(f"{name}: [http] {key} must be an integer 0-1000, got {v!r}")
    for key in ("ids_per_query", "max_per_minute", "max_per_hour"):
        v = data["spacetrack"].get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ManifestError(f"{name}: [spacetrack] {key} must be a positive integer")
    queries = data["celestrak"].get("query")
    if not isinstance(queries, list) or not queries:
        raise ManifestError(f"{name}: no [[celestrak.query]] entries")
    for k, q in enumerate(queries, start=1):
        if not isinstance(q, dict) or q.get("kind") not in ("elements", "satcat"):
            raise ManifestError(f"{name}: celestrak query {k}: kind must be elements or satcat")
        if not str(q.get("path", "")).startswith("/") or not str(q.get("name", "")).isidentifier():
            raise ManifestError(f"{name}: celestrak query {k}: needs a name and a /path")
    return data


def base_url(source: str, config: dict) -> str:
    """The source's base URL: the environment override, else ``fetch.toml``."""
    env = os.environ.get(ENV_BASE[source], "").strip()
    url = (env or config[source]["base_url"]).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise FetchError(url or "''", f"{ENV_BASE[source]} must start with http:// or https://")
    return url


def fetch(
    store,
    source: str = "celestrak",
    *,
    force: bool = False,
    now: dt.datetime | None = None,
    config: dict | None = None,
    archive: Archive | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_request: Callable[[str, str], None] | None = None,
) -> FetchReport:
    """Download new data from ``source`` and ingest it into ``store``.

    Parameters
    ----------
    store : kuiper.store.Store
    source : {"celestrak", "spacetrack"}
    force : bool
        Ignore the 2-hour politeness window (conditional requests are still sent).
    now : datetime, optional
        Aware UTC, default the clock (names the saved files, drives the window).
    config : dict, optional
        :func:`load_fetch_config` output; default the shipped ``fetch.toml``.
    archive : Archive, optional
        Where raw files go; default ``snapshots/`` beside the store.
    sleep, on_request : callable, optional
        ``time.sleep`` (tests pass a recorder), and a progress hook called as
        ``on_request(method, url)`` before each request.

    Raises
    ------
    FetchError
        One line naming the URL and the reason; the store is unchanged.
    """
    if source not in SOURCES:
        raise FetchError(source, f"unknown source; choose one of {', '.join(SOURCES)}")
    cfg = config or load_fetch_config()
    now = now or dt.datetime.now(dt.UTC)
    archive = archive or Archive.beside(store.path)
    state = archive.load_state()
    done = False
    try:
        with PoliteClient(cfg["http"], sleep=sleep, on_request=on_request) as client:
            if source == "celestrak":
                records, pending = _celestrak(client, cfg, state, archive, now, force)
            else:
                from .spacetrack import download_history

                records, pending = download_history(client, cfg, state, archive, store, now, force)
        _ingest(store, archive, state, pending, now)
        done = True
    finally:
        # Successes are recorded only after their ingest; request times (Space-Track's
        # limits) are kept even when the run fails.
        try:
            archive.save_state(state)
        except FetchError:
            if done:
                raise
    return FetchReport(source, records, store.data_through())


@dataclasses.dataclass
class Pending:
    """A checked download (or a saved one to re-ingest), waiting for the ingest step."""

    record: RequestRecord
    key: str
    kind: str
    path: Path
    state_update: dict


def _celestrak(client, cfg, state, archive, now, force):
    base = base_url("celestrak", cfg)
    window = dt.timedelta(hours=cfg["celestrak"]["min_interval_hours"])
    records, pending = [], []
    for q in cfg["celestrak"]["query"]:
        url = base + q["path"]
        rec = RequestRecord(url=safe_url(url))
        records.append(rec)
        st = state.get(url, {})
        skipped = _within_window(
            st, now, window, force, "CelesTrak's data change at most every {hours}"
        )
        if skipped:
            rec.skipped_reason = skipped
            pending += _reingest(rec, url, q["kind"], st)
            continue
        headers = {}
        if st.get("etag"):
            headers["If-None-Match"] = st["etag"]
        if st.get("last_modified"):
            headers["If-Modified-Since"] = st["last_modified"]
        resp = client.request("GET", url, headers=headers)
        rec.status = resp.status
        if resp.status == 304:
            rec.skipped_reason = "not modified since the last fetch (HTTP 304)"
            pending += _reingest(rec, url, q["kind"], st, {"last_success_utc": _iso(now)})
            continue
        _require_ok(resp, url)
        rec.bytes = len(resp.body)
        path = archive.save("celestrak", q["name"], now, ".csv", resp.body)
        rec.saved = str(path)
        _check(archive, path, resp, rec.url, q["kind"])
        update = {
            "last_success_utc": _iso(now),
            "etag": resp.headers.get("etag"),
            "last_modified": resp.headers.get("last-modified"),
            "saved": str(path),
        }
        pending.append(Pending(rec, url, q["kind"], path, update))
    return records, pending


def _within_window(st: dict, now, window, force: bool, why: str) -> str | None:
    """Why no request is made (the query succeeded less than ``window`` ago), or None."""
    last = st.get("last_success_utc")
    if force or not last:
        return None
    try:
        ago = now - dt.datetime.fromisoformat(last)
    except (TypeError, ValueError):
        return None
    if dt.timedelta(0) <= ago < window:
        minutes = ago.total_seconds() / 60
        when = "under a minute" if minutes < 1 else f"{minutes:.0f} min"
        hours = f"{window.total_seconds() / 3600:g} h"
        return f"fetched {when} ago; {why.format(hours=hours)} (use --force to ask anyway)"
    return None


def _reingest(rec, key, kind, st, update=None) -> list[Pending]:
    """The last saved file of a query, to ingest again (a no-op if this store has it)."""
    saved = st.get("saved")
    if saved and Path(saved).is_file():
        return [Pending(rec, key, kind, Path(saved), update or {})]
    return [Pending(rec, key, kind, Path(), update)] if update else []


def _require_ok(resp: Response, url: str) -> None:
    if resp.status != 200:
        import http

        try:
            phrase = http.HTTPStatus(resp.status).phrase
        except ValueError:
            phrase = ""
        raise FetchError(safe_url(url), f"HTTP {resp.status} {phrase}".strip())


def _check(archive: Archive, path: Path, resp: Response, url: str, kind: str) -> None:
    """Structural checks, then a full parse with the ingest parsers; reject on failure."""
    from ..elements import decode_bytes, parse_elements

    try:
        check_csv(resp.body, url, kind, resp.headers.get("content-type", ""))
        if kind == "elements":
            parse_elements(decode_bytes(resp.body, str(path)), str(path), stop_at_first=True)
    except FetchError as exc:
        archive.reject(path, str(exc))
        raise
    except KuiperError as exc:
        archive.reject(path, str(exc))
        raise FetchError(url, f"bad record: {_short(exc)}") from None


def _ingest(store, archive: Archive, state: dict, pending: list[Pending], now) -> None:
    """Ingest SATCAT files before element files; record each success in the state."""
    order = sorted(pending, key=lambda p: p.kind != "satcat")
    for p in order:
        if p.path != Path() and p.path.is_file():
            try:
                report = store.ingest_file(p.path, now=now)
            except KuiperError as exc:
                if p.record.skipped_reason is None:
                    target = archive.reject(p.path, str(exc))
                    p.record.saved = str(target)
                raise FetchError(
                    p.record.url, f"ingest refused the download: {_short(exc)}"
                ) from None
            p.record.new += report.n_new
            if p.record.skipped_reason is None:
                p.record.records += report.n_read
        if p.state_update:
            entry = state.setdefault(p.key, {})
            entry.update({k: v for k, v in p.state_update.items() if v is not None})


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) < 300 else text[:297] + "..."


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")
