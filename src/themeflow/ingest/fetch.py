"""Polite, bounded and fenced HTTP fetching for feeds and article pages.

News sites block crawlers that hammer them and analysts hate ingests that hang, so a fetch here:
names itself (``themeflow/<version> (+https://github.com/themeflow)`` unless ``THEMEFLOW_USER_AGENT``
says otherwise); waits at least ``min_interval`` seconds between two requests to the same host (across
threads, redirect hops included); gives up on a server that stalls for ``timeout`` seconds *and* on one
that trickles a byte at a time once the whole fetch has taken ``deadline`` seconds; retries connect
errors, 429 and 5xx with exponential backoff (honouring a short ``Retry-After``) but not timeouts or 4xx,
which will not get better; and refuses bodies over ``max_bytes`` while streaming, before they are in
memory.

It is also fenced: the URLs come from feeds and exports that strangers wrote, so a fetch never reaches a
loopback, private, link-local or cloud-metadata address (see :mod:`themeflow.ingest.urls`) unless the
host is allow-listed. The check sits where the socket is opened, on the address actually connected to:

* **Resolve once, connect to what was checked.** :class:`_GuardedBackend` is the network backend of the
  httpx transport. It resolves the host itself, checks every address, then connects to those addresses;
  TLS still verifies the certificate and sends SNI for the *name*. Checking a name and then letting the
  socket layer resolve it again would be open to DNS rebinding: a name that answers with a public
  address for the check and ``127.0.0.1`` for the connection.
* **Every redirect hop is a new request.** Redirects are followed here, not by httpx, at most
  ``max_redirects`` of them; each hop goes through the same connect-time check (and the rate limiter),
  and a hop to anything but http(s) is refused.
* **No proxies from the environment.** Through a proxy the check would see the proxy's address, not the
  target's, so ``HTTP_PROXY`` and friends are not used for fetching.

Readers depend on the one-method :class:`Fetcher` protocol, so a test or a Ray worker can pass its own.
Every failure becomes an :class:`~themeflow.errors.InputError` that names the URL without its password.
"""

from __future__ import annotations

import socket
import threading
import time
import typing
from dataclasses import dataclass
from datetime import UTC, datetime
from ipaddress import ip_address
from types import TracebackType
from typing import Protocol
from urllib.parse import urlsplit

import httpcore
import httpx

from themeflow import __version__
from themeflow.config import Settings
from themeflow.dates import retry_after_seconds
from themeflow.errors import ConfigError, InputError
from themeflow.ingest.urls import AddressPolicy, RefusedAddress, redact_url

__all__ = [
    "USER_AGENT",
    "FetchConfig",
    "FetchResult",
    "Fetcher",
    "HostRateLimiter",
    "HttpFetcher",
    "fetch_config_from_settings",
]

USER_AGENT = f"themeflow/{__version__} (+https://github.com/themeflow)"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched body and what the server said about it.

    ``url`` is the final URL after redirects, without userinfo: it is what gets stored.
    """

    url: str
    status: int
    content_type: str
    charset: str | None
    content: bytes
    fetched_at: datetime


class Fetcher(Protocol):
    """Anything that can GET a URL; raises InputError when it cannot."""

    def get(self, url: str) -> FetchResult: ...


_DEFAULT_MIN_INTERVAL = 1.0
"""FetchConfig's default; the class attribute is a slot descriptor (``slots=True``), not this value."""


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """Fetch settings with defaults fit for news sites; tests shrink the times."""

    timeout: float = 15.0
    """Seconds to wait for a connection or for the next chunk of a response."""
    deadline: float = 60.0
    """Seconds one ``get()`` may take in all: redirects, retries and a trickling body included."""
    retries: int = 3
    """Extra attempts after a connect error, 429 or 5xx."""
    backoff: float = 0.5
    """First retry delay in seconds; doubles per attempt, capped at ``max_backoff``."""
    max_backoff: float = 8.0
    min_interval: float = _DEFAULT_MIN_INTERVAL
    """Minimum seconds between two requests to the same host."""
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    allow_hosts: tuple[str, ...] = ()
    """Hosts (names, IP addresses or CIDR ranges) that may be fetched although they are not public."""


def fetch_config_from_settings(settings: Settings) -> FetchConfig:
    """The FetchConfig that ``THEMEFLOW_USER_AGENT``, ``…_FETCH_MIN_INTERVAL`` and ``…_FETCH_ALLOW_HOSTS`` ask for.

    Raises ConfigError naming the setting when a value cannot be used, before anything is fetched.
    """
    raw_interval = settings.get("fetch_min_interval")
    try:
        interval = float(raw_interval) if raw_interval else _DEFAULT_MIN_INTERVAL
    except ValueError:
        interval = -1.0
    if not interval >= 0 or interval == float("inf"):
        raise ConfigError(
            f"fetch_min_interval (THEMEFLOW_FETCH_MIN_INTERVAL) must be a number of seconds ≥ 0, "
            f"got {raw_interval!r}"
        )
    agent = (settings.get("user_agent") or "").strip() or USER_AGENT
    if any(ord(c) < 0x20 or ord(c) > 0x7E for c in agent):
        raise ConfigError("user_agent (THEMEFLOW_USER_AGENT) must be printable ASCII on one line")
    hosts = tuple(h.strip() for h in (settings.get("fetch_allow_hosts") or "").split(",") if h.strip())
    try:
        AddressPolicy.allowing(hosts)
    except ValueError as exc:
        raise ConfigError(f"fetch_allow_hosts (THEMEFLOW_FETCH_ALLOW_HOSTS): {exc}") from exc
    return FetchConfig(min_interval=interval, user_agent=agent, allow_hosts=hosts)


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


class _Deadline(threading.local):
    """The monotonic time by which the current thread's fetch must be done (None: no fetch running)."""

    at: float | None = None

    def bound(self, timeout: float | None) -> float | None:
        """``timeout`` shortened to what is left of the deadline; raises ReadTimeout once it has passed."""
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("the fetch's overall deadline has passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write waits no longer than the fetch has left.

    httpx's read timeout restarts with each chunk, so a server sending one byte every few seconds would
    never time out; bounding each socket operation by the remaining deadline ends the fetch on time.
    """

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.bound(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.bound(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: typing.Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._deadline.bound(timeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves each host once, refuses addresses the policy forbids, connects to the checked ones.

    Connecting goes through httpcore's own backend with the checked *address* as the host, so the socket
    layer has no name left to resolve again; httpcore still does TLS against the URL's name.
    """

    def __init__(self, policy: AddressPolicy, deadline: _Deadline) -> None:
        self._policy = policy
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror or exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        self._policy.check(host, [ip_address(a.split("%")[0]) for a in addresses])
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                stream = super().connect_tcp(
                    address, port, self._deadline.bound(timeout), local_address, socket_options
                )
            except httpcore.ConnectError as exc:  # this address is down; the next may answer
                failure = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        raise failure or httpcore.ConnectError(f"no address for {host}")


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport (pooling, HTTP/1.1, TLS, error mapping) on the guarded network backend."""

    def __init__(self, backend: _GuardedBackend) -> None:
        super().__init__(trust_env=False)
        limits = httpx.Limits()
        # httpx builds its connection pool without a way to pass a network backend; this one replaces it.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class HttpFetcher:
    """The default :class:`Fetcher`, on one pooled ``httpx.Client``. Use as a context manager or close()."""

    def __init__(self, config: FetchConfig | None = None) -> None:
        self.config = config or FetchConfig()
        self._limiter = HostRateLimiter(self.config.min_interval)
        self._deadline = _Deadline()
        try:
            policy = AddressPolicy.allowing(self.config.allow_hosts)
        except ValueError as exc:
            raise ConfigError(f"fetch allow-list: {exc}") from exc
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.config.timeout),
            follow_redirects=False,
            trust_env=False,
            transport=_GuardedTransport(_GuardedBackend(policy, self._deadline)),
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
        shown = redact_url(url)
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise InputError(f"{shown}: not an http(s) URL")
        cfg = self.config
        self._deadline.at = None  # the polite wait for the first request is not the server's time
        self._limiter.wait(parts.hostname)
        self._deadline.at = time.monotonic() + cfg.deadline
        attempt = 0
        try:
            while True:
                try:
                    return self._once(url, shown, waited=attempt == 0)
                except _Retryable as exc:
                    delay = self._delay(attempt, exc.retry_after)
                    if attempt >= cfg.retries or time.monotonic() + delay >= self._deadline.at:
                        raise InputError(
                            f"{shown}: {exc.reason} (gave up after {attempt + 1} attempts)"
                        ) from exc
                    time.sleep(delay)
                    attempt += 1
        finally:
            self._deadline.at = None

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        delay = min(self.config.backoff * 2.0**attempt, self.config.max_backoff)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.config.max_backoff))
        return delay

    def _once(self, url: str, shown: str, *, waited: bool) -> FetchResult:
        """One attempt: the request and every redirect hop, each checked and rate-limited."""
        target = httpx.URL(url)
        for hop in range(self.config.max_redirects + 1):
            if hop or not waited:
                self._limiter.wait(target.host)
            where = shown if hop == 0 else f"{shown} (redirected to {redact_url(str(target))})"
            result = self._request(target, where)
            if isinstance(result, FetchResult):
                return result
            target = self._next_hop(target, result, where)
        raise InputError(f"{shown}: more than {self.config.max_redirects} redirects")

    def _next_hop(self, current: httpx.URL, location: str, where: str) -> httpx.URL:
        try:
            following = current.join(location)
        except httpx.InvalidURL as exc:
            raise InputError(f"{where}: redirect to an invalid URL") from exc
        if following.scheme not in {"http", "https"} or not following.host:
            raise InputError(f"{where}: redirect to {redact_url(str(following))} refused (not http(s))")
        same_origin = (following.scheme, following.host, following.port) == (
            current.scheme,
            current.host,
            current.port,
        )
        if not same_origin and following.userinfo:
            following = following.copy_with(username=None, password=None)
        elif same_origin and current.userinfo and not following.userinfo:
            following = following.copy_with(username=current.username, password=current.password)
        return following

    def _request(self, target: httpx.URL, where: str) -> FetchResult | str:
        """The response to one GET as a FetchResult, or the Location it redirects to."""
        cfg = self.config
        try:
            with self._client.stream("GET", target) as response:
                status = response.status_code
                if status in _REDIRECT_STATUS and response.headers.get("Location"):
                    return response.headers["Location"]
                if status in _RETRY_STATUS:
                    raise _Retryable(
                        f"HTTP {status} {response.reason_phrase}",
                        retry_after_seconds(response.headers.get("Retry-After")),
                    )
                if status >= 300:
                    raise InputError(f"{where}: HTTP {status} {response.reason_phrase}")
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > cfg.max_bytes:
                    raise InputError(
                        f"{where}: response of {int(declared)} bytes exceeds the {cfg.max_bytes}-byte cap"
                    )
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > cfg.max_bytes:
                        raise InputError(f"{where}: response exceeds the {cfg.max_bytes}-byte cap")
                    self._deadline.bound(None)  # a fast trickle of small chunks ends on time too
                ctype = response.headers.get("Content-Type", "")
                return FetchResult(
                    url=redact_url(str(response.url)),
                    status=status,
                    content_type=ctype.split(";")[0].strip().lower(),
                    charset=response.charset_encoding,
                    content=bytes(body),
                    fetched_at=datetime.now(UTC),
                )
        except RefusedAddress as exc:
            raise InputError(f"{where}: {exc}") from exc
        except (httpx.TimeoutException, httpcore.TimeoutException) as exc:
            at = self._deadline.at
            if at is not None and time.monotonic() >= at - 0.01:
                raise InputError(
                    f"{where}: gave up after {cfg.deadline:g}s, the limit for one fetch "
                    "(the server is too slow)"
                ) from exc
            if isinstance(exc, httpx.ConnectTimeout | httpcore.ConnectTimeout):
                raise _Retryable(f"connect timed out after {cfg.timeout:g}s") from exc
            raise InputError(f"{where}: timed out after {cfg.timeout:g}s waiting for the server") from exc
        except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
            raise _Retryable(f"cannot connect: {_scrub(str(exc), target)}") from exc
        except httpx.HTTPError as exc:
            raise InputError(f"{where}: {type(exc).__name__}: {_scrub(str(exc), target)}") from exc


def _scrub(message: str, url: httpx.URL) -> str:
    """An httpx message with the URL's password taken out, should the message quote the URL."""
    if url.password:
        message = message.replace(str(url), redact_url(str(url))).replace(url.password, "***")
    return message


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
