"""Notifications when a workflow run finds new stories: a signed webhook and e-mail.

Off until configured (``THEMEFLOW_NOTIFY_WEBHOOK_URL`` with ``THEMEFLOW_NOTIFY_WEBHOOK_SECRET``, and/or
``THEMEFLOW_SMTP_HOST`` with ``THEMEFLOW_NOTIFY_EMAIL_TO``). A run notifies after it is committed and
only when it found a story the theme never reported (:func:`~themeflow.notify.notice.worth_notifying`);
what each channel did comes back as a :class:`~themeflow.notify.delivery.Delivery`, never as an error
that would fail the run. Settings are checked when a notification is due: a mistake there is reported
as an undelivered ``settings`` delivery with the reason.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

from themeflow.config import Settings
from themeflow.errors import ConfigError
from themeflow.notify.delivery import Delivery, Notifier, Retry
from themeflow.notify.mail import SECURITY, EmailNotifier
from themeflow.notify.notice import RunNotice, notice_of_run, worth_notifying
from themeflow.notify.webhook import WebhookNotifier, verify_signature

__all__ = [
    "Delivery",
    "EmailNotifier",
    "Notifier",
    "Retry",
    "RunNotice",
    "WebhookNotifier",
    "notice_of_run",
    "notifiers_from_settings",
    "send_notice",
    "verify_signature",
    "worth_notifying",
]

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def _number(settings: Settings, name: str, low: float) -> float:
    raw = settings.get(name)
    try:
        value = float(raw or "")
    except ValueError:
        raise ConfigError(f"THEMEFLOW_{name.upper()} must be a number, not {raw!r}") from None
    if value < low:
        raise ConfigError(f"THEMEFLOW_{name.upper()} must be at least {low:g}, not {raw!r}")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def notifiers_from_settings(settings: Settings, retry: Retry | None = None) -> list[Notifier]:
    """The configured channels (none: notifications are off); a ConfigError names what is wrong."""
    timeout = _number(settings, "notify_timeout", 0.1)
    attempts = int(_number(settings, "notify_attempts", 1))
    retry = retry or Retry(attempts=attempts)
    out: list[Notifier] = []
    url = settings.get("notify_webhook_url")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"THEMEFLOW_NOTIFY_WEBHOOK_URL must be an http(s) URL, not {url!r}")
        secret = settings.get("notify_webhook_secret")
        if not secret:
            raise ConfigError(
                "THEMEFLOW_NOTIFY_WEBHOOK_URL is set but THEMEFLOW_NOTIFY_WEBHOOK_SECRET is not: without it"
                " the receiver cannot tell a themeflow notification from a forged one"
            )
        out.append(WebhookNotifier(url, secret, timeout=timeout, retry=retry))
    host = settings.get("smtp_host")
    to = [a.strip() for a in (settings.get("notify_email_to") or "").split(",") if a.strip()]
    if host or to:
        if not host or not to:
            missing = "THEMEFLOW_SMTP_HOST" if not host else "THEMEFLOW_NOTIFY_EMAIL_TO"
            raise ConfigError(f"e-mail notifications need {missing} as well")
        security = (settings.get("smtp_security") or "starttls").lower()
        if security not in SECURITY:
            raise ConfigError(
                f"THEMEFLOW_SMTP_SECURITY must be one of {', '.join(SECURITY)}, not {security!r}"
            )
        user = settings.get("smtp_user")
        if user and security == "none" and not _is_loopback(host):
            raise ConfigError(
                "THEMEFLOW_SMTP_SECURITY=none would send the SMTP password unencrypted; use starttls or ssl"
                " (none is for a loopback relay)"
            )
        port = (
            int(_number(settings, "smtp_port", 1)) if settings.get("smtp_port") else DEFAULT_PORTS[security]
        )
        bad = [a for a in to if "@" not in a]
        if bad:
            raise ConfigError(f"THEMEFLOW_NOTIFY_EMAIL_TO has addresses without @: {', '.join(bad)}")
        out.append(
            EmailNotifier(
                host,
                port,
                sender=settings.get("smtp_from") or f"themeflow@{host}",
                recipients=to,
                security=security,
                user=user,
                password=settings.get("smtp_password"),
                timeout=timeout,
                retry=retry,
            )
        )
    return out


def send_notice(notice: RunNotice, notifiers: Sequence[Notifier]) -> list[Delivery]:
    """Send ``notice`` through every channel; one channel failing never stops another."""
    return [n.send(notice) for n in notifiers]
