"""What a fetch may reach, and how a URL may be shown or stored.

Ingest fetches URLs that strangers wrote: a feed item, an article's redirect, a link in an export. Left
alone, ``http://127.0.0.1:8080/admin`` or ``http://169.254.169.254/latest/meta-data/`` would be fetched
from inside the analyst's network and the answer stored and served as an article. So every address a
fetch connects to is classified here with :mod:`ipaddress` — loopback, private, link-local, unspecified,
multicast, reserved, shared (CGNAT) and the cloud metadata endpoints are refused — unless the user named
the host (or its address range) in ``THEMEFLOW_FETCH_ALLOW_HOSTS``.

URLs may also carry a password (``http://user:PASS@host/feed``). The fetch needs it, nothing else does:
:func:`redact_url` strips the userinfo from every URL that is stored, logged or printed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

__all__ = ["AddressPolicy", "RefusedAddress", "blocked_reason", "http_url", "redact_url"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, Teredo, NAT64), which is what gets reached."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why a fetch must not connect to ``ip`` (``"loopback"``, ``"private"``…), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ipaddress.IPv6Address(ip.compressed.split("%")[0])  # a zone id does not change the class
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return blocked_reason(inner)
    if ip in _METADATA:
        return "cloud metadata"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    )
    for name, hit in checks:
        if hit:
            return name
    return None if ip.is_global else "non-public"


class RefusedAddress(Exception):
    """A fetch would connect to an address the policy refuses; ``str()`` says which and why."""


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which non-public hosts a fetch may still reach: names (``localhost``) and addresses or ranges."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def allowing(cls, entries: Iterable[str]) -> AddressPolicy:
        """From allow-list entries: a host name, an IP address or a CIDR range (``10.0.0.0/8``).

        Raises ValueError for an entry that looks like a range but is not one.
        """
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower().strip("[]")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                if "/" in entry:
                    raise ValueError(
                        f"{raw.strip()!r} is not a host name, IP address or CIDR range"
                    ) from None
                names.add(entry.rstrip("."))
        return cls(frozenset(names), tuple(networks))

    def check(self, host: str, addresses: Iterable[IPAddress]) -> None:
        """Raise RefusedAddress unless every address ``host`` resolved to may be reached.

        Every address must pass, not just one: a name that resolves to a public and a private address
        could be connected to either.
        """
        if host.lower().rstrip(".").strip("[]") in self.names:
            return
        for ip in addresses:
            reason = blocked_reason(ip)
            if reason is None or any(ip in net for net in self.networks if net.version == ip.version):
                continue
            shown = str(ip)
            where = f"{shown} is" if host.strip("[]") == shown else f"{host} resolves to {shown},"
            raise RefusedAddress(
                f"{where} a {reason} address; fetching it is refused "
                "(allow the host with THEMEFLOW_FETCH_ALLOW_HOSTS)"
            )


def redact_url(url: str) -> str:
    """``url`` without a ``user:password@`` part, for storing, logging and printing; other text unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def http_url(value: object) -> str | None:
    """``value`` as a storable link: an http(s) URL with a host and no userinfo, or None.

    ``javascript:``, ``data:`` and ``file:`` links from a feed or an export are never stored as a
    document's URL: the web app renders that URL as a link.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return None
    if any(c.isspace() or ord(c) < 0x20 for c in text):
        return None
    return redact_url(text)
