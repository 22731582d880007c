"""Checks every request passes before any route sees it: a known ``Host``, and no cross-site change.

Why both, and why here rather than in each route:
- **DNS rebinding.** A page on ``http://rebind.evil.example:8000`` can make the attacker's name resolve to
  127.0.0.1; the victim's browser then talks to this server *same-origin* from its point of view, so
  ``Origin`` equals ``Host`` and CSRF checks pass. What gives it away is the ``Host`` header, which names
  the attacker's domain. The server answers only to the names it is served under (:class:`HostPolicy`):
  loopback names, the address it was bound to, and the ``allowed_hosts`` setting. IP literals are accepted
  when the server listens on every interface, because an attacker cannot rebind an address, only a name.
- **Cross-site changes.** A POST/PUT/PATCH/DELETE whose ``Origin`` (or, lacking it, ``Referer``) names
  another site is refused even when no token is configured — the default for a local single-user server,
  where the browser is the only thing standing between any web page and the workflows.
- **One place.** A pure ASGI middleware sees every request, routes added later and unknown paths included.
  The per-route checks in :mod:`themeflow.web.security` stay as a second layer.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from themeflow.web.headers import ASGIApp, Receive, Scope, Send

__all__ = ["UNSAFE_METHODS", "HostPolicy", "RequestGuard", "is_loopback", "origin_problem"]

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::", "[::]", "*"})
_HOST_CHARS = re.compile(r"^[a-z0-9.\-_]+$")
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a bind address or host name) is reachable only from this machine."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(value: str | None) -> str | None:
    """The host part of a ``Host`` header (lowercase, no port, no IPv6 brackets); None when malformed."""
    if not value:
        return None
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1 :]
        try:
            ipaddress.IPv6Address(name)
        except ValueError:
            return None
    else:
        name, sep, rest = value.partition(":")
        rest = sep + rest
        name = name.rstrip(".")
        if not name or not _HOST_CHARS.match(name):
            return None
    if rest and not (rest.startswith(":") and rest[1:].isdigit() and len(rest) <= 6):
        return None
    return name


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """The ``Host`` names this server answers to."""

    names: frozenset[str]
    any_ip: bool = False
    """Bound to every interface: any IP literal is one of this machine's addresses as far as we can tell."""
    any_host: bool = False
    """``allowed_hosts = "*"``: a reverse proxy in front checks ``Host``; this server does not."""
    configured: frozenset[str] = frozenset()
    """The names set in ``allowed_hosts``; also trusted as ``Origin`` behind a proxy that rewrites Host."""

    @classmethod
    def build(cls, bind_host: str | None = None, configured: Iterable[str] = ()) -> HostPolicy:
        """Loopback names, plus the bound address (every interface: IP literals and this machine's names),
        plus ``configured`` (``"*"`` switches the check off)."""
        extra = {c.strip().lower().rstrip(".") for c in configured if c and c.strip()}
        any_host = "*" in extra
        extra.discard("*")
        names = set(LOOPBACK_NAMES) | {n.strip("[]") for n in extra}
        any_ip = False
        if bind_host is not None:
            bound = bind_host.strip().lower()
            if bound in WILDCARD_BINDS:
                any_ip = True
                for name in (socket.gethostname(), socket.getfqdn()):
                    if name:
                        names.add(name.lower().rstrip("."))
            else:
                names.add(bound.strip("[]").rstrip("."))
        return cls(frozenset(names), any_ip=any_ip, any_host=any_host, configured=frozenset(extra))

    def allows(self, host_header: str | None) -> bool:
        if self.any_host:
            return True
        name = host_name(host_header)
        if name is None:
            return False
        if name in self.names:
            return True
        if _is_ip(name):
            return self.any_ip or ipaddress.ip_address(name).is_loopback
        return False


def _authority(scheme: str, netloc: str) -> str:
    """``netloc`` lowercased with the scheme's default port dropped, so ``host:443`` equals ``host``."""
    netloc = netloc.lower()
    port = _DEFAULT_PORTS.get(scheme)
    if port and netloc.endswith(":" + port):
        return netloc[: -len(port) - 1]
    return netloc


def origin_problem(headers: Mapping[str, str], policy: HostPolicy | None = None) -> str | None:
    """Why a state-changing request looks cross-site, or None when it comes from this server's own pages
    (or from a non-browser client, which sends neither ``Origin`` nor ``Referer``)."""
    if headers.get("sec-fetch-site", "").lower() == "cross-site":
        return "cross-site request refused (Sec-Fetch-Site: cross-site)"
    source = headers.get("origin") or headers.get("referer")
    if not source:
        return None
    if source.strip().lower() == "null":
        return "cross-site request refused (Origin: null)"
    try:
        parts = urlsplit(source.strip())
        origin_host = parts.hostname
    except ValueError:
        return "cross-site request refused (malformed Origin)"
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc:
        return "cross-site request refused (Origin is not an http(s) page)"
    host = headers.get("host", "")
    for candidate in ("http", "https"):
        if _authority(scheme, parts.netloc) == _authority(candidate, host):
            return None
    if policy is not None and origin_host and origin_host.rstrip(".") in policy.configured:
        return None  # behind a proxy that rewrites Host: the public name is configured
    return "cross-site request refused (Origin does not match this server)"


class RequestGuard:
    """Refuse unknown ``Host`` names (400) and cross-site state-changing requests (403) before routing."""

    def __init__(self, app: ASGIApp, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw: list[tuple[bytes, bytes]] = scope.get("headers") or []
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw}
        hosts = [v for k, v in raw if k.lower() == b"host"]
        problem: tuple[int, str] | None = None
        if len(hosts) != 1 or not self.policy.allows(headers.get("host")):
            problem = (
                400,
                "this server does not answer to that Host name; add it to the allowed_hosts setting "
                "(THEMEFLOW_ALLOWED_HOSTS) if it is really this server's address",
            )
        elif scope["type"] == "http" and scope.get("method", "GET").upper() in UNSAFE_METHODS:
            reason = origin_problem(headers, self.policy)
            if reason is not None:
                problem = (403, reason)
        if problem is None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        from starlette.requests import Request

        from themeflow.web.errors import render_error

        response = render_error(Request(scope, receive), *problem)
        await response(scope, receive, send)
