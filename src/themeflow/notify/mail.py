"""E-mail: a run's notice as a plain-text UTF-8 message over SMTP, retried on transient failures.

Settings come from the environment or the config file (the password from the environment only):
``THEMEFLOW_SMTP_HOST``, ``_PORT``, ``_SECURITY`` (``starttls`` by default, ``ssl``, or ``none``),
``_USER``, ``_PASSWORD``, ``_FROM`` and ``THEMEFLOW_NOTIFY_EMAIL_TO`` (comma-separated).

Retried: a connection that fails or drops, and 4xx replies (the server's "try again later"). Not retried:
5xx replies and refused logins or recipients, which another try would not change. A password is never
sent over an unencrypted connection except to a loopback relay (``smtp_security = none``).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from themeflow.notify.delivery import Channel, Delivery, Retry
from themeflow.notify.notice import RunNotice

__all__ = ["SECURITY", "EmailNotifier"]

SECURITY = ("starttls", "ssl", "none")


class EmailNotifier:
    """Send a run's notice to ``recipients`` through ``host:port`` (see the module docstring)."""

    channel: Channel = "email"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        recipients: Sequence[str],
        security: str = "starttls",
        user: str | None = None,
        password: str | None = None,
        timeout: float = 20.0,
        retry: Retry | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.sender = sender
        self.recipients = tuple(recipients)
        self.security = security
        self.user = user
        self._password = password
        self.timeout = timeout
        self.retry = retry or Retry()

    def __repr__(self) -> str:  # never the password
        return f"EmailNotifier({self.host}:{self.port}, to={list(self.recipients)})"

    def message(self, notice: RunNotice) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = notice.subject()
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(notice.email_text(), charset="utf-8")
        return msg

    def send(self, notice: RunNotice) -> Delivery:
        msg = self.message(notice)
        target = ", ".join(self.recipients)
        error = "not sent"
        for attempt in range(1, self.retry.attempts + 1):
            try:
                refused = self._send_once(msg)
            except smtplib.SMTPAuthenticationError as exc:
                return Delivery("email", target, False, attempt, f"login refused: {_reply(exc)}")
            except smtplib.SMTPRecipientsRefused as exc:
                return Delivery(
                    "email", target, False, attempt, f"recipients refused: {', '.join(exc.recipients)}"
                )
            except smtplib.SMTPResponseException as exc:
                error = f"server said {_reply(exc)}"
                if not 400 <= exc.smtp_code < 500:
                    return Delivery("email", target, False, attempt, error)
            except (OSError, smtplib.SMTPException) as exc:
                error = f"could not send through {self.host}:{self.port}: {type(exc).__name__}: {exc}"
            else:
                if refused:
                    return Delivery(
                        "email",
                        target,
                        False,
                        attempt,
                        f"refused for {', '.join(sorted(refused))}; sent to the rest",
                    )
                return Delivery("email", target, True, attempt)
            if attempt < self.retry.attempts:
                self.retry.wait(attempt)
        return Delivery("email", target, False, self.retry.attempts, error)

    def _send_once(self, msg: EmailMessage) -> dict[str, tuple[int, bytes]]:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self._password or "")
            return smtp.send_message(msg)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = (
        exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {text}".strip()
