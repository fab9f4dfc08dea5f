"""``kuiper fetch`` against real HTTP servers on loopback; no test touches the internet.

The CelesTrak-shaped response is a real CelesTrak OMM CSV of the Kuiper group
(../shared/data/catalogs/kuiper_gp_2026-08-18.csv) when present, else the shipped
2026-09-07 TLE snapshot exported to OMM by the reference ``sgp4`` package
(``sgp4.exporter.export_omm``) with every epoch moved one day later, so that either
way the store has never seen its element sets. The SATCAT response is the shipped
CelesTrak SATCAT CSV. Space-Track responses add Space-Track's extra OMM columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import socket
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.test_provisional import one_error_line
from werkzeug import Response

from kuiper.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHARED_GP = ROOT.parent / "shared" / "data" / "catalogs" / "kuiper_gp_2026-08-18.csv"
SATCAT = ROOT / "src" / "kuiper" / "data" / "satcat_kuiper.csv"
GP_PATH = "/NORAD/elements/gp.php"
GP_QUERY = "GROUP=kuiper&FORMAT=csv"
SATCAT_PATH = "/satcat/records.php"
PASSWORD = "s3cret-Pa55word-never-shown"


def celestrak_gp_csv() -> bytes:
    if SHARED_GP.exists():
        return SHARED_GP.read_bytes()
    from sgp4.api import Satrec
    from sgp4.exporter import export_omm

    lines = (ROOT / "tle" / "celestrak-kuiper" / "kuiper_2026-09-07.tle").read_text().splitlines()
    rows = []
    for k in range(0, len(lines) - 2, 3):
        rec = export_omm(Satrec.twoline2rv(lines[k + 1], lines[k + 2]), lines[k].strip())
        epoch = dt.datetime.fromisoformat(rec["EPOCH"]) + dt.timedelta(days=1)
        rec["EPOCH"] = epoch.isoformat(timespec="microseconds")
        rows.append(rec)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


GP = celestrak_gp_csv()
GP_ROWS = list(csv.DictReader(io.StringIO(GP.decode())))
GP_NEWEST = max(r["EPOCH"] for r in GP_ROWS)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fast_config(tmp_path) -> Path:
    """The shipped fetch.toml with short timeouts and back-offs (same schema)."""
    text = (ROOT / "src" / "kuiper" / "data" / "fetch.toml").read_text()
    text = text.replace("connect_timeout_s = 10.0", "connect_timeout_s = 1.0")
    text = text.replace("read_timeout_s = 60.0", "read_timeout_s = 0.5")
    text = text.replace("backoff_s = 2.0", "backoff_s = 0.01")
    path = tmp_path / "fetch.toml"
    path.write_text(text)
    return path


@pytest.fixture
def celestrak(httpserver, monkeypatch):
    """A CelesTrak-shaped server: the Kuiper GP group and its SATCAT rows, with ETags."""
    httpserver.expect_request(GP_PATH, query_string=GP_QUERY).respond_with_handler(
        _conditional(GP, '"gp-1"')
    )
    httpserver.expect_request(SATCAT_PATH).respond_with_handler(
        _conditional(SATCAT.read_bytes(), '"satcat-1"')
    )
    monkeypatch.setenv("KUIPER_CELESTRAK_URL", httpserver.url_for("/").rstrip("/"))
    return httpserver


def _conditional(body: bytes, etag: str):
    def handler(request):
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(body, status=200, content_type="text/csv", headers={"ETag": etag})

    return handler


def _fetch(db, *args, config=None):
    extra = ["--config", str(config)] if config else []
    return CliRunner().invoke(main, ["fetch", "--db", str(db), *extra, *map(str, args)])


def _one_line_error(result, *needles):
    return one_error_line(result, *needles)


def test_fetch_then_status_counts_it(celestrak, db):
    result = _fetch(db, "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"source", "requests", "data_through"}
    assert out["source"] == "celestrak"
    gp, sc = out["requests"]
    assert set(gp) == {"url", "status", "bytes", "records", "new", "skipped_reason"}
    assert gp["url"].endswith(f"{GP_PATH}?{GP_QUERY}") and gp["status"] == 200
    assert gp["bytes"] == len(GP) and gp["records"] == len(GP_ROWS)
    assert gp["new"] == len(GP_ROWS)  # none of these epochs was in the store
    assert sc["status"] == 200 and sc["records"] > 0
    # Progress went to stderr, one line per request.
    assert f"GET {gp['url']}" in result.stderr
    # The raw response is kept unchanged, read-only, with its sha256.
    folder = db.parent / "snapshots" / "celestrak"
    [saved] = folder.glob("kuiper_gp_*.csv")
    assert saved.read_bytes() == GP
    assert not saved.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert f"{hashlib.sha256(GP).hexdigest()}  {saved.name}" in (folder / "SHA256SUMS").read_text()

    day = GP_NEWEST[:10]
    status = CliRunner().invoke(main, ["status", "--db", str(db), "--as-of", day, "--json"])
    d = json.loads(status.stdout)
    assert d["data_through"].startswith(GP_NEWEST[:19])
    sats = json.loads(
        CliRunner()
        .invoke(main, ["status", "--db", str(db), "--as-of", day, "--json", "--satellites"])
        .stdout
    )["satellites"]
    last = {s["norad_id"]: s["last_epoch_utc"][:19] for s in sats}
    for row in GP_ROWS:  # every fetched set is each satellite's newest on that day
        assert last[int(row["NORAD_CAT_ID"])] == row["EPOCH"][:19]


def test_immediate_refetch_makes_no_request(celestrak, db):
    assert _fetch(db).exit_code == 0
    n = len(celestrak.log)
    again = _fetch(db, "--json")
    assert again.exit_code == 0
    assert len(celestrak.log) == n  # no request at all
    for r in json.loads(again.stdout)["requests"]:
        assert r["status"] is None and "minute ago" in r["skipped_reason"]
        assert "--force" in r["skipped_reason"]


def test_force_asks_again_conditionally_and_304_changes_nothing(celestrak, db):
    assert _fetch(db).exit_code == 0
    before = _sha(db)
    forced = _fetch(db, "--force", "--json")
    assert forced.exit_code == 0, forced.output
    requests = celestrak.log[-2:]
    assert [req.headers.get("If-None-Match") for req, _ in requests] == ['"gp-1"', '"satcat-1"']
    for r in json.loads(forced.stdout)["requests"]:
        assert r["status"] == 304 and "HTTP 304" in r["skipped_reason"] and r["new"] == 0
    assert _sha(db) == before
    assert len(list((db.parent / "snapshots" / "celestrak").glob("*.csv"))) == 2


def test_user_agent_names_kuiper_and_its_version(celestrak, db):
    from kuiper import __version__

    assert _fetch(db).exit_code == 0
    agents = {req.headers.get("User-Agent") for req, _ in celestrak.log}
    assert len(agents) == 1 and agents.pop().startswith(f"kuiper/{__version__}")


def test_301_is_followed_once(httpserver, monkeypatch, db):
    httpserver.expect_request(GP_PATH).respond_with_response(
        Response(status=301, headers={"Location": f"/mirror{GP_PATH}?{GP_QUERY}"})
    )
    httpserver.expect_request(f"/mirror{GP_PATH}").respond_with_data(GP, content_type="text/csv")
    httpserver.expect_request(SATCAT_PATH).respond_with_data(SATCAT.read_bytes())
    monkeypatch.setenv("KUIPER_CELESTRAK_URL", httpserver.url_for("/").rstrip("/"))
    result = _fetch(db, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["requests"][0]["new"] == len(GP_ROWS)


def test_a_second_redirect_is_refused(httpserver, monkeypatch, db):
    httpserver.expect_request(GP_PATH).respond_with_response(
        Response(status=301, headers={"Location": "/a"})
    )
    httpserver.expect_request("/a").respond_with_response(
        Response(status=301, headers={"Location": "/b"})
    )
    monkeypatch.setenv("KUIPER_CELESTRAK_URL", httpserver.url_for("/").rstrip("/"))
    before = _sha(db)
    _one_line_error(_fetch(db), GP_PATH, "redirected more than once")
    assert _sha(db) == before


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_closed_port_is_one_line_and_the_store_is_unchanged(db, monkeypatch, fast_config):
    port = _closed_port()
    monkeypatch.setenv("KUIPER_CELESTRAK_URL", f"http://127.0.0.1:{port}")
    before = _sha(db)
    line = _one_line_error(_fetch(db, config=fast_config), f"http://127.0.0.1:{port}{GP_PATH}")
    assert "connection refused after 3 attempts" in line
    assert _sha(db) == before
    assert not (db.parent / "snapshots" / "celestrak").exists()


def test_timeout_is_one_line(db, monkeypatch, fast_config):
    """A server that accepts the connection and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    monkeypatch.setenv("KUIPER_CELESTRAK_URL", f"http://127.0.0.1:{port}")
    before = _sha(db)
    try:
        _one_line_error(_fetch(db, config=fast_config), "timed out (waiting for data)")
    finally:
        stop.set()
        thread.join()
        for c in held:
            c.close()
        server.close()
    assert _sha(db) == before


BAD_PAYLOADS = {
    "html": (b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "an HTML page"),
    "truncated": (GP[: len(GP) // 2], "truncated or malformed CSV"),
    "empty": (b"", "empty response"),
    "header only": (GP.split(b"\n")[0] + b"\n", "the CSV holds only its header"),
    "wrong columns": (SATCAT.read_bytes(), "wrong columns: no EPOCH"),
    "no data text": (b"No GP data found\n", "not CSV"),
}


@pytest.mark.parametrize("case", list(BAD_PAYLOADS))
def test_a_payload_that_is_not_what_was_asked_for_is_rejected(httpserver, monkeypatch, db, case):
    body, reason = BAD_PAYLOADS[case]
    httpserver.expect_request(GP_PATH).respond_with_data(body, status=200)
    httpserver.expect_request(SATCAT_PATH).respond_with_data(SATCAT.read_bytes())
    monkeypatch.setenv("KUIPER_CELESTRAK_URL", httpserver.url_for("/").rstrip("/"))
    before = _sha(db)
    _one_line_error(_fetch(db), GP_PATH, reason)
    assert _sha(db) == before
    folder = db.parent / "snapshots" / "celestrak"
    if body:
        [kept] = (folder / "rejected").glob("kuiper_gp_*.csv")
        assert kept.read_bytes() == body  # kept for inspection, unchanged
        assert reason in (folder / "rejected" / (kept.name + ".why")).read_text()
    assert not list(folder.glob("kuiper_gp_*.csv"))
    # A failed query is not 'recent': the next fetch asks again.
    n = len(httpserver.log)
    _fetch(db)
    assert len(httpserver.log) > n


def test_http_error_status_is_one_line(httpserver, monkeypatch, db, fast_config):
    httpserver.expect_request(GP_PATH).respond_with_data("gone", status=404)
    monkeypatch.setenv("KUIPER_CELESTRAK_URL", httpserver.url_for("/").rstrip("/"))
    before = _sha(db)
    _one_line_error(_fetch(db, config=fast_config), "HTTP 404 Not Found")
    httpserver.clear()
    httpserver.expect_request(GP_PATH).respond_with_data("busy", status=503)
    _one_line_error(_fetch(db, config=fast_config), "HTTP 503 after 3 attempts")
    assert _sha(db) == before


def test_fresh_install_fetch_then_status(celestrak, tmp_path):
    """The issue's 'Done when': a new store, KUIPER_CELESTRAK_URL set, fetch, status."""
    db = tmp_path / "fresh" / "kuiper.sqlite"
    result = _fetch(db)
    assert result.exit_code == 0, result.output
    assert f"{len(GP_ROWS):,} records, {len(GP_ROWS):,} new" in result.stdout
    status = CliRunner().invoke(
        main, ["status", "--db", str(db), "--as-of", GP_NEWEST[:10], "--json"]
    )
    assert json.loads(status.stdout)["data_through"].startswith(GP_NEWEST[:19])
    n = len(celestrak.log)
    assert "no request" in _fetch(db).stdout
    assert len(celestrak.log) == n


# ---------------------------------------------------------------------------
# Space-Track


def spacetrack_csv() -> bytes:
    """gp_history-shaped: Space-Track's extra columns around the OMM ones."""
    out = io.StringIO()
    fields = ["CCSDS_OMM_VERS", "CREATION_DATE", *GP_ROWS[0].keys(), "GP_ID", "TLE_LINE0"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for k, row in enumerate(GP_ROWS[:50]):
        writer.writerow(
            {**row, "CCSDS_OMM_VERS": "3.0", "CREATION_DATE": "2026-12-01T00:00:00",
             "GP_ID": 1000 + k, "TLE_LINE0": "0 " + row["OBJECT_NAME"]}
        )  # fmt: skip
    return out.getvalue().encode()


@pytest.fixture
def spacetrack(httpserver, monkeypatch):
    def login(request):
        form = request.form
        if form.get("identity") == "me" and form.get("password") == PASSWORD:
            return Response('""', headers={"Set-Cookie": "chocolatechip=abc; Path=/"})
        return Response('{"Login":"Failed"}', content_type="application/json")

    def history(request):
        if request.cookies.get("chocolatechip") != "abc":
            return Response("not logged in", status=401)
        return Response(spacetrack_csv(), content_type="text/csv")

    httpserver.expect_request("/ajaxauth/login", method="POST").respond_with_handler(login)
    httpserver.expect_request(
        re.compile(r"^/basicspacedata/query/class/gp_history/.*"), method="GET"
    ).respond_with_handler(history)
    monkeypatch.setenv("KUIPER_SPACETRACK_URL", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("SPACETRACK_USER", "me")
    return httpserver


def test_spacetrack_login_failure_never_shows_the_password(spacetrack, db, monkeypatch):
    monkeypatch.setenv("SPACETRACK_PASSWORD", PASSWORD + "-wrong")
    before = _sha(db)
    result = _fetch(db, "--source", "spacetrack")
    _one_line_error(result, "/ajaxauth/login", "login refused")
    assert PASSWORD not in result.output and PASSWORD not in result.stderr
    for path in db.parent.rglob("*"):
        if path.is_file() and path != db:
            assert PASSWORD.encode() not in path.read_bytes(), path
    assert _sha(db) == before
    # The login still counts against Space-Track's limits in the next run.
    state = json.loads((db.parent / "snapshots" / "state.json").read_text())
    [times] = [v for k, v in state.items() if k.endswith("/requests")]
    assert len(times) == 1


def test_spacetrack_without_credentials_says_how_to_give_them(spacetrack, db, monkeypatch):
    monkeypatch.delenv("SPACETRACK_USER")
    monkeypatch.delenv("SPACETRACK_PASSWORD", raising=False)
    monkeypatch.setenv("NETRC", str(db.parent / "no-netrc"))
    _one_line_error(_fetch(db, "--source", "spacetrack"), "SPACETRACK_USER", "~/.netrc")


def test_spacetrack_backfill_from_netrc(spacetrack, db, monkeypatch, tmp_path):
    monkeypatch.delenv("SPACETRACK_USER")
    host = spacetrack.host  # the machine name ~/.netrc is looked up by
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine {host} login me password {PASSWORD}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    result = _fetch(db, "--source", "spacetrack", "--json")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    out = json.loads(result.stdout)
    assert out["source"] == "spacetrack"
    got = [r for r in out["requests"] if r["status"] == 200]
    assert got and sum(r["new"] for r in got) == 50  # the 50 sets served, each once
    queries = [req for req, _ in spacetrack.log if "gp_history" in req.path]
    assert "/NORAD_CAT_ID/63724," in queries[0].path  # by catalog number
    assert "/EPOCH/>2025-04-27/" in queries[0].path  # the first backfill: everything
    # Right after, the 2-hour window holds; with --force the next asks only for newer sets.
    assert "no request" in _fetch(db, "--source", "spacetrack").stdout
    assert _fetch(db, "--source", "spacetrack", "--force").exit_code == 0
    newest = max(r["EPOCH"] for r in GP_ROWS[:50])[:10]
    last = [req for req, _ in spacetrack.log if "gp_history" in req.path][-1]
    assert f"/EPOCH/>{newest}/" in last.path


def test_spacetrack_rate_limits_are_kept():
    """31 requests within a minute: the 31st waits until the first is a minute old;
    past 300 in an hour the fetch refuses rather than wait long."""
    from kuiper.fetch import FetchError
    from kuiper.fetch.spacetrack import _Limiter

    slept = []
    now = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
    times: list = []
    lim = _Limiter(times, {"max_per_minute": 30, "max_per_hour": 300}, slept.append, now)
    for _ in range(31):
        lim.wait("u")
    assert slept == [60.0]
    # 300 requests from 11:10:00 on: the oldest leaves the hour at 12:10, 10 min away.
    start = now - dt.timedelta(minutes=50)
    old = [(start + dt.timedelta(seconds=k)).isoformat() for k in range(300)]
    lim = _Limiter(old, {"max_per_minute": 30, "max_per_hour": 300}, slept.append, now)
    with pytest.raises(FetchError, match="allows 300 requests per hour; try again after 12:10"):
        lim.wait("u")


def test_the_window_is_two_hours_per_query(celestrak, db):
    from kuiper.fetch import fetch
    from kuiper.store import Store

    t0 = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)
    with Store(db) as store:
        fetch(store, now=t0)
        n = len(celestrak.log)
        inside = fetch(store, now=t0 + dt.timedelta(minutes=119))
        assert len(celestrak.log) == n
        assert all("119 min ago" in r.skipped_reason for r in inside.requests)
        later = fetch(store, now=t0 + dt.timedelta(minutes=121))
    assert len(celestrak.log) == n + 2
    assert [r.status for r in later.requests] == [304, 304]  # asked, conditionally


@pytest.mark.parametrize(
    "error, reason",
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "host name not found"),
        (OSError(101, "Network is unreachable"), "network unreachable"),
    ],
    ids=["dns", "offline"],
)
def test_dns_failure_and_offline_are_one_line(db, monkeypatch, fast_config, error, reason):
    """The resolver's and the kernel's own errors, raised where they would be raised."""

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    monkeypatch.setenv("KUIPER_CELESTRAK_URL", "http://celestrak.example")
    before = _sha(db)
    _one_line_error(_fetch(db, config=fast_config), "http://celestrak.example/NORAD", reason)
    assert _sha(db) == before


def test_kuiper_help_does_not_import_httpx():
    import subprocess
    import sys

    code = "import sys, kuiper.cli; assert 'httpx' not in sys.modules, 'httpx loaded'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_429_is_retried_after_the_servers_retry_after_then_succeeds(httpserver, monkeypatch, db):
    from kuiper.fetch import fetch
    from kuiper.store import Store

    httpserver.expect_ordered_request(GP_PATH).respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "7"})
    )
    httpserver.expect_ordered_request(GP_PATH).respond_with_data(GP, content_type="text/csv")
    httpserver.expect_ordered_request(SATCAT_PATH).respond_with_data(SATCAT.read_bytes())
    monkeypatch.setenv("KUIPER_CELESTRAK_URL", httpserver.url_for("/").rstrip("/"))
    slept = []
    with Store(db) as store:
        report = fetch(store, sleep=slept.append)
    assert slept == [7.0]  # the server's Retry-After, not the default backoff
    assert report.requests[0].status == 200 and report.requests[0].new == len(GP_ROWS)
