"""A polite HTTP client over httpx: timeouts, one redirect, bounded retry, one-line errors.

Every failure becomes a :class:`FetchError` whose message is one line naming the URL
and the reason. Request bodies (Space-Track's login form) never appear in messages.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit, urlunsplit

from .. import __version__
from ..errors import KuiperError

USER_AGENT = f"kuiper/{__version__} (Python; Kuiper deployment tracker)"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})


class FetchError(KuiperError):
    """A download that failed or returned something other than what was asked for."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")


@dataclasses.dataclass
class Response:
    url: str
    status: int
    body: bytes
    headers: dict
    redirected_from: str | None = None


def safe_url(url: str) -> str:
    """The URL without any user:password part, for messages."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        parts = parts._replace(netloc=host)
    return urlunsplit(parts)


class PoliteClient:
    """One httpx client (cookies kept, for Space-Track's session) with the rules above.

    Parameters
    ----------
    http : dict
        The ``[http]`` table of ``fetch.toml``.
    sleep : callable
        ``time.sleep``; tests pass a recorder.
    on_request : callable, optional
        Called as ``on_request(method, url)`` before each attempt (progress on stderr).
    """

    def __init__(self, http: dict, sleep: Callable[[float], None] = time.sleep, on_request=None):
        import httpx

        self._httpx = httpx
        self.cfg = http
        self.sleep = sleep
        self.on_request = on_request
        self.max_bytes = int(http["max_response_mib"] * 1024 * 1024)
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(
                http["read_timeout_s"], connect=http["connect_timeout_s"], pool=None
            ),
            follow_redirects=False,
            trust_env=False,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request(
        self, method: str, url: str, *, headers: dict | None = None, data: dict | None = None
    ) -> Response:
        """One request, following at most one redirect, retried on transient failures."""
        first = url
        for hop in range(2):
            resp = self._with_retries(method, url, headers or {}, data)
            if resp.status not in _REDIRECT_STATUS:
                resp.redirected_from = first if hop else None
                return resp
            location = resp.headers.get("location")
            if not location:
                raise FetchError(safe_url(url), f"HTTP {resp.status} without a Location")
            if hop == 1:
                raise FetchError(
                    safe_url(first), f"redirected more than once (again to {safe_url(location)})"
                )
            url = urljoin(url, location)
            if method == "POST" and resp.status == 303:
                method, data = "GET", None
        raise AssertionError("unreachable")  # pragma: no cover

    def _with_retries(self, method, url, headers, data) -> Response:
        httpx = self._httpx
        attempts = int(self.cfg["retries"]) + 1
        for k in range(attempts):
            last = k == attempts - 1
            wait = float(self.cfg["backoff_s"]) * 2**k
            if self.on_request:
                self.on_request(method, safe_url(url))
            try:
                resp = self._once(method, url, headers, data)
            except FetchError:
                raise
            except httpx.TimeoutException as exc:
                reason = f"timed out ({_timeout_kind(exc)})"
            except httpx.ConnectError as exc:
                reason = _connect_reason(exc)
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                reason = f"connection broken mid-response ({_first_line(exc)})"
            except httpx.UnsupportedProtocol:
                raise FetchError(safe_url(url), "not an http:// or https:// URL") from None
            except httpx.InvalidURL as exc:
                raise FetchError(safe_url(url), f"invalid URL ({_first_line(exc)})") from None
            except httpx.HTTPError as exc:
                reason = f"HTTP failure ({type(exc).__name__}: {_first_line(exc)})"
            else:
                if resp.status not in _RETRY_STATUS:
                    return resp
                reason = f"HTTP {resp.status}"
                asked = _retry_after_s(resp.headers.get("retry-after"))
                if asked is not None:
                    if asked > float(self.cfg["max_retry_after_s"]):
                        raise FetchError(
                            safe_url(url),
                            f"HTTP {resp.status}; the server asks to wait {asked:.0f} s",
                        )
                    wait = asked
            if last:
                tries = f" after {attempts} attempts" if attempts > 1 else ""
                raise FetchError(safe_url(url), reason + tries)
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method, url, headers, data) -> Response:
        with self.client.stream(method, url, headers=headers, data=data) as r:
            chunks, n = [], 0
            for chunk in r.iter_bytes():
                n += len(chunk)
                if n > self.max_bytes:
                    raise FetchError(
                        safe_url(url),
                        f"response larger than {self.cfg['max_response_mib']} MiB; refused",
                    )
                chunks.append(chunk)
            return Response(str(r.url), r.status_code, b"".join(chunks), dict(r.headers))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _timeout_kind(exc) -> str:
    name = type(exc).__name__
    return {
        "ConnectTimeout": "connecting",
        "ReadTimeout": "waiting for data",
        "WriteTimeout": "sending",
        "PoolTimeout": "waiting for a connection",
    }.get(name, name)


def _connect_reason(exc) -> str:
    text = _first_line(exc)
    low = text.lower()
    if "refused" in low:
        return "connection refused"
    if "name or service not known" in low or "nodename nor servname" in low or "resolution" in low:
        return f"host name not found (DNS: {text})"
    if "unreachable" in low:
        return f"network unreachable ({text})"
    return f"cannot connect ({text})"


def _retry_after_s(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
