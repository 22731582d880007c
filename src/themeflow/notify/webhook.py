"""The webhook: a run's notice POSTed as JSON, signed, retried.

The signature lets the receiver tell a themeflow POST from a forged one. The header is
``X-Themeflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`` under the secret from
``THEMEFLOW_NOTIFY_WEBHOOK_SECRET``; the time is signed with the body so a captured request cannot be
replayed later (:func:`verify_signature` checks both, for receivers written in Python).
``X-Themeflow-Delivery`` stays the same across the retries of one notification, so a receiver that saw
a try whose answer was lost can drop the repeat.

Retried: connection errors, timeouts, 408, 425, 429 and 5xx (``Retry-After`` honoured up to the policy's
``max_wait``). Not retried: other 4xx (the request itself is wrong) and redirects, which are never
followed: a webhook answers where it was configured, and a redirect must not carry the signed body to
another address.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from themeflow import __version__
from themeflow.dates import retry_after_seconds
from themeflow.notify.delivery import Channel, Delivery, Retry
from themeflow.notify.notice import EVENT, RunNotice

if TYPE_CHECKING:
    import httpx

__all__ = ["SIGNATURE_HEADER", "WebhookNotifier", "sign", "verify_signature"]

SIGNATURE_HEADER = "X-Themeflow-Signature"
RETRY_STATUSES = frozenset({408, 425, 429})
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(
    secret: str, header: str, body: bytes, *, now: float | None = None, tolerance: float = TOLERANCE_SECONDS
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and was made within ``tolerance`` seconds."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
        given = fields["v1"]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)


def shown_url(url: str) -> str:
    """The URL without user info or query (a token in either is a secret and is never printed)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class WebhookNotifier:
    """POST a run's notice to ``url`` (see the module docstring)."""

    channel: Channel = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout: float = 10.0,
        retry: Retry | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self._secret = secret
        self.timeout = timeout
        self.retry = retry or Retry()
        self._transport = transport

    def __repr__(self) -> str:  # never the secret
        return f"WebhookNotifier({shown_url(self.url)!r})"

    def send(self, notice: RunNotice) -> Delivery:
        import httpx  # here, not at import: the CLI loads this module with every workflow command

        body = json.dumps(notice.payload(datetime.now(UTC)), ensure_ascii=False).encode()
        delivery_id = uuid.uuid4().hex
        target = shown_url(self.url)
        error = "not sent"
        with httpx.Client(
            timeout=self.timeout, follow_redirects=False, transport=self._transport, trust_env=False
        ) as client:
            for attempt in range(1, self.retry.attempts + 1):
                headers = {
                    "Content-Type": "application/json; charset=utf-8",
                    "User-Agent": f"themeflow/{__version__} (webhook)",
                    "X-Themeflow-Event": EVENT,
                    "X-Themeflow-Delivery": delivery_id,
                    SIGNATURE_HEADER: sign(self._secret, int(time.time()), body),
                }
                asked: float | None = None
                try:
                    response = client.post(self.url, content=body, headers=headers)
                except httpx.TimeoutException:
                    error = f"no answer within {self.timeout:g} s"
                except httpx.HTTPError as exc:
                    error = f"could not connect: {type(exc).__name__}: {exc}"
                else:
                    status = response.status_code
                    if 200 <= status < 300:
                        return Delivery("webhook", target, True, attempt)
                    error = f"HTTP {status}"
                    if 300 <= status < 400:
                        return Delivery(
                            "webhook", target, False, attempt, error + " (redirects are not followed)"
                        )
                    if status < 500 and status not in RETRY_STATUSES:
                        return Delivery("webhook", target, False, attempt, error)
                    asked = retry_after_seconds(response.headers.get("retry-after"))
                if attempt < self.retry.attempts:
                    self.retry.wait(attempt, asked)
        return Delivery("webhook", target, False, self.retry.attempts, error)
