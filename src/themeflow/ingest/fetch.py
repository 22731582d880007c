"""Polite HTTP fetching for feeds and article pages.

News sites block crawlers that hammer them and analysts hate ingests that hang, so a fetch here:
names itself (``themeflow/<version> (+https://github.com/themeflow)``); waits at least ``min_interval``
seconds between two requests to the same host (across threads); gives up on a slow server after the
timeout instead of hanging; retries connect errors, 429 and 5xx with exponential backoff (honouring a
short ``Retry-After``) but not timeouts or 4xx, which will not get better; and refuses bodies over
``max_bytes`` while streaming, before they are in memory.

Readers depend on the one-method :class:`Fetcher` protocol, so a test or a Ray worker can pass its own.
Every httpx error becomes an :class:`~themeflow.errors.InputError` that names the URL.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from themeflow import __version__
from themeflow.errors import InputError

__all__ = ["USER_AGENT", "FetchConfig", "FetchResult", "Fetcher", "HttpFetcher", "HostRateLimiter"]

USER_AGENT = f"themeflow/{__version__} (+https://github.com/themeflow)"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched body and what the server said about it. ``url`` is the final URL after redirects."""

    url: str
    status: int
    content_type: str
    charset: str | None
    content: bytes
    fetched_at: datetime


class Fetcher(Protocol):
    """Anything that can GET a URL; raises InputError when it cannot."""

    def get(self, url: str) -> FetchResult: ...


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """Fetch settings with defaults fit for news sites; tests shrink the times."""

    timeout: float = 15.0
    """Seconds to wait for a connection or for the next chunk of a response."""
    retries: int = 3
    """Extra attempts after a connect error, 429 or 5xx."""
    backoff: float = 0.5
    """First retry delay in seconds; doubles per attempt, capped at ``max_backoff``."""
    max_backoff: float = 8.0
    min_interval: float = 1.0
    """Minimum seconds between two requests to the same host."""
    max_bytes: int = 10 * 1024 * 1024
    user_agent: str = USER_AGENT


class HostRateLimiter:
    """Spaces requests to each host at least ``min_interval`` apart; safe to share between threads."""

    def __init__(self, min_interval: float) -> None:
        self.min_interval = min_interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        if self.min_interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self.min_interval
        if slot > now:
            time.sleep(slot - now)


class HttpFetcher:
    """The default :class:`Fetcher`, on one pooled ``httpx.Client``. Use as a context manager or close()."""

    def __init__(self, config: FetchConfig | None = None) -> None:
        self.config = config or FetchConfig()
        self._limiter = HostRateLimiter(self.config.min_interval)
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.config.timeout),
            follow_redirects=True,
            headers={"User-Agent": self.config.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str) -> FetchResult:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise InputError(f"{url}: not an http(s) URL")
        attempt = 0
        while True:
            self._limiter.wait(parts.hostname)
            try:
                return self._once(url)
            except _Retryable as exc:
                if attempt >= self.config.retries:
                    raise InputError(f"{url}: {exc.reason} (gave up after {attempt + 1} attempts)") from exc
                time.sleep(self._delay(attempt, exc.retry_after))
                attempt += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        delay = min(self.config.backoff * 2**attempt, self.config.max_backoff)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.config.max_backoff))
        return delay

    def _once(self, url: str) -> FetchResult:
        cfg = self.config
        try:
            with self._client.stream("GET", url) as response:
                if response.status_code in _RETRY_STATUS:
                    raise _Retryable(
                        f"HTTP {response.status_code} {response.reason_phrase}",
                        _retry_after(response.headers.get("Retry-After")),
                    )
                if response.status_code >= 400:
                    raise InputError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > cfg.max_bytes:
                    raise InputError(
                        f"{url}: response of {int(declared)} bytes exceeds the {cfg.max_bytes}-byte cap"
                    )
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > cfg.max_bytes:
                        raise InputError(f"{url}: response exceeds the {cfg.max_bytes}-byte cap")
                ctype = response.headers.get("Content-Type", "")
                return FetchResult(
                    url=str(response.url),
                    status=response.status_code,
                    content_type=ctype.split(";")[0].strip().lower(),
                    charset=response.charset_encoding,
                    content=bytes(body),
                    fetched_at=datetime.now(UTC),
                )
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise _Retryable(f"connect timed out after {cfg.timeout:g}s") from exc
            raise InputError(f"{url}: timed out after {cfg.timeout:g}s waiting for the server") from exc
        except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
            raise _Retryable(f"cannot connect: {exc}") from exc
        except httpx.HTTPError as exc:
            raise InputError(f"{url}: {type(exc).__name__}: {exc}") from exc


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds()) if when.tzinfo else None
