"""Space-Track ``gp_history`` backfill: every element set of every Kuiper object.

A plain client over :class:`~kuiper.fetch._http.PoliteClient` (see DESIGN.md for why
not the ``spacetrack`` package): log in once (a session cookie), then one
``gp_history`` query per ``ids_per_query`` catalog numbers, epochs after the newest
already fetched, as OMM CSV. Space-Track's limits (``max_per_minute``,
``max_per_hour``) are kept across runs in the fetch state.
"""

from __future__ import annotations

import datetime as dt
import netrc
import os
from pathlib import Path
from urllib.parse import urlsplit

from ._http import FetchError, safe_url

_HOUR = dt.timedelta(hours=1)
_MINUTE = dt.timedelta(minutes=1)
# The longest we are willing to sleep to respect the per-hour limit within one run.
_MAX_WAIT = dt.timedelta(minutes=5)


def credentials(base: str) -> tuple[str, str]:
    """(user, password) from SPACETRACK_USER/SPACETRACK_PASSWORD, else ~/.netrc for the host.

    Never returns or raises anything that contains the password.
    """
    user = os.environ.get("SPACETRACK_USER", "").strip()
    password = os.environ.get("SPACETRACK_PASSWORD", "")
    if user and password:
        return user, password
    host = urlsplit(base).hostname or ""
    path = Path(os.environ.get("NETRC", "~/.netrc")).expanduser()
    if path.is_file():
        try:
            entry = netrc.netrc(str(path)).authenticators(host)
        except (netrc.NetrcParseError, OSError) as exc:
            line = getattr(exc, "lineno", None)
            where = f" (line {line})" if line else ""
            raise FetchError(str(path), f"cannot read ~/.netrc{where}") from None
        if entry and entry[0] and entry[2]:
            return entry[0], entry[2]
    raise FetchError(
        base,
        "no Space-Track credentials: set SPACETRACK_USER and SPACETRACK_PASSWORD, or add "
        f"'machine {host} login USER password PASSWORD' to ~/.netrc",
    )


def kuiper_catalog_numbers(store) -> list[int]:
    """Catalog numbers of the Kuiper objects in the store (element sets or SATCAT)."""
    ids = {r[0] for r in store.conn.execute("SELECT norad_id FROM objects WHERE is_kuiper = 1")}
    for row in store.satcat().values():
        name = (row.get("name") or "").upper()
        if name.startswith(("KUIPER", "AMAZON LEO")):
            ids.add(row["norad_id"])
    return sorted(ids)


def download_history(client, cfg, state, archive, store, now, force):
    """Log in, download each chunk's history, check it; return (records, pending)."""
    from . import Pending, RequestRecord, _check, _require_ok, _within_window, base_url

    st_cfg = cfg["spacetrack"]
    base = base_url("spacetrack", cfg)
    key = base + "/gp_history"
    entry = state.get(key, {})
    window = dt.timedelta(hours=st_cfg["min_interval_hours"])
    skipped = _within_window(entry, now, window, force, "one backfill per {hours} is plenty")
    if skipped:
        return [RequestRecord(url=key, skipped_reason=skipped)], []
    ids = kuiper_catalog_numbers(store)
    if not ids:
        raise FetchError(key, "the store holds no Kuiper objects to ask Space-Track about")
    user, password = credentials(base)
    since = entry.get("through") or st_cfg["history_start_utc"]
    limiter = _Limiter(state.setdefault(base + "/requests", []), st_cfg, client.sleep, now)

    login_url = base + st_cfg["login_path"]
    limiter.wait(login_url)
    resp = client.request("POST", login_url, data={"identity": user, "password": password})
    del password
    body = resp.body[:200].lower()
    if resp.status in (401, 403) or (resp.status == 200 and b"failed" in body):
        raise FetchError(
            safe_url(login_url),
            "login refused (check SPACETRACK_USER / SPACETRACK_PASSWORD or ~/.netrc)",
        )
    _require_ok(resp, login_url)

    records, pending, newest = [], [], since
    n = int(st_cfg["ids_per_query"])
    for k in range(0, len(ids), n):
        chunk = ids[k : k + n]
        url = base + st_cfg["history_path"].format(ids=",".join(map(str, chunk)), since=since)
        rec = RequestRecord(url=safe_url(url))
        records.append(rec)
        limiter.wait(url)
        resp = client.request("GET", url)
        rec.status = resp.status
        _require_ok(resp, url)
        rec.bytes = len(resp.body)
        if not resp.body.strip():
            rec.skipped_reason = "no element sets newer than " + since
            continue
        path = archive.save("spacetrack", f"gp_history_{k // n + 1:03d}", now, ".csv", resp.body)
        rec.saved = str(path)
        _check(archive, path, resp, rec.url, "elements")
        newest = max(newest, _newest_epoch_day(resp.body))
        pending.append(Pending(rec, key, "elements", path, {}))
    done = {"last_success_utc": now.astimezone(dt.UTC).isoformat(timespec="seconds")}
    done["through"] = newest
    pending.append(Pending(RequestRecord(url=key), key, "elements", Path(), done))
    return records, pending


def _newest_epoch_day(body: bytes) -> str:
    """The newest EPOCH date (YYYY-MM-DD) in an OMM CSV, for the next run's ``since``."""
    import csv
    import io

    rows = csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
    return max((r.get("EPOCH") or "")[:10] for r in rows)


class _Limiter:
    """Space-Track's limits: sleep to stay under max_per_minute; refuse past max_per_hour."""

    def __init__(self, times: list, cfg: dict, sleep, now: dt.datetime):
        self.times = times  # ISO times of our recent requests, persisted in the state
        self.per_minute = int(cfg["max_per_minute"])
        self.per_hour = int(cfg["max_per_hour"])
        self.sleep = sleep
        self.start = now
        self.offset = dt.timedelta(0)  # simulated time slept, so tests need no real clock

    def _now(self) -> dt.datetime:
        return self.start + self.offset

    def wait(self, url: str) -> None:
        now = self._now()
        recent = [t for t in (dt.datetime.fromisoformat(x) for x in self.times) if now - t < _HOUR]
        if len(recent) >= self.per_hour:
            until = min(recent) + _HOUR
            if until - now > _MAX_WAIT:
                raise FetchError(
                    safe_url(url),
                    f"Space-Track allows {self.per_hour} requests per hour; try again after "
                    f"{until:%H:%M} UTC",
                )
            self._sleep(until - now)
        last_minute = sorted(t for t in recent if self._now() - t < _MINUTE)
        if len(last_minute) >= self.per_minute:
            self._sleep(last_minute[-self.per_minute] + _MINUTE - self._now())
        self.times[:] = [t.isoformat() for t in recent] + [self._now().isoformat()]

    def _sleep(self, delta: dt.timedelta) -> None:
        seconds = max(0.0, delta.total_seconds())
        self.sleep(seconds)
        self.offset += dt.timedelta(seconds=seconds)
