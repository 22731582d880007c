"""Notifications of a run that finds new stories: a signed, retried webhook to a real HTTP receiver on
loopback, and e-mail through a real SMTP server on loopback (aiosmtpd); real SQLite store, real runs.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from themeflow.config import load_settings
from themeflow.errors import ConfigError
from themeflow.notify import Retry, notifiers_from_settings, verify_signature
from themeflow.notify.webhook import SIGNATURE_HEADER, sign
from themeflow.service import Themeflow
from themeflow.workflow.runner import run_workflow

from .test_workflow_support import AI_THEME, SH, ai_doc, open_service

SECRET = "s3cret-for-tests"
NO_WAIT = Retry(attempts=3, backoff=0.0)


@dataclass
class Receiver:
    """A webhook receiver on loopback: answers from ``script`` (status, headers) in turn, then 200."""

    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.requests.append((self.path, dict(self.headers.items()), body))
            status, headers = state.script.pop(0) if state.script else (200, {})
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/themeflow?token=abc"
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Mailbox:
    messages: list[tuple[list[str], Message]] = field(default_factory=list)
    refuse_first: int = 0
    port: int = 0


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            if box.refuse_first:
                box.refuse_first -= 1
                return "451 4.3.0 try again later"
            msg = message_from_bytes(envelope.content, policy=default_policy)
            box.messages.append((list(envelope.rcpt_tos), msg))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        box.port = s.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def _service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Themeflow:
    monkeypatch.setenv("THEMEFLOW_HOME", str(tmp_path / "home"))
    for key, value in env.items():
        monkeypatch.setenv(f"THEMEFLOW_{key.upper()}", value)
    tf = open_service(tmp_path / "tf.db")
    tf.add_theme(AI_THEME)
    return tf


def _fast(tf: Themeflow):  # type: ignore[no-untyped-def]
    """The service's workflow context with retries that do not sleep (the policy is the real one)."""
    return replace(tf.workflow_context(), notifiers=lambda s: notifiers_from_settings(s, NO_WAIT))


def test_a_run_with_new_stories_posts_a_signed_notice_retrying_429_and_503(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    tf = _service(
        tmp_path,
        monkeypatch,
        notify_webhook_url=receiver.url,
        notify_webhook_secret=SECRET,
        public_url="https://themeflow.example.com/",
    )
    receiver.script = [(503, {"Retry-After": "0"}), (429, {"Retry-After": "0"})]
    fresh = ai_doc(1, published=datetime.now(UTC) - timedelta(hours=2))
    tf.ingest_documents([fresh])

    result = tf.run_workflow("AI资本开支周期", write_reports=False)
    assert [d.ok for d in result.deliveries] == [True]
    assert result.deliveries[0].attempts == 3
    assert "token" not in result.deliveries[0].target, "a token in the URL is never shown"
    assert len(receiver.requests) == 3
    ids = {headers["X-Themeflow-Delivery"] for _, headers, _ in receiver.requests}
    assert len(ids) == 1, "the retries of one notification share its delivery id"

    path, headers, body = receiver.requests[-1]
    assert path == "/hooks/themeflow?token=abc"
    assert headers["Content-Type"].startswith("application/json")
    assert verify_signature(SECRET, headers[SIGNATURE_HEADER], body)
    assert not verify_signature("another secret", headers[SIGNATURE_HEADER], body)
    assert not verify_signature(SECRET, headers[SIGNATURE_HEADER], body + b" ")
    old = sign(SECRET, int(datetime.now(UTC).timestamp()) - 3600, body)
    assert not verify_signature(SECRET, old, body), "an hour-old signature is a replay"

    payload = json.loads(body)
    assert payload["event"] == "themeflow.run.new_stories"
    assert payload["theme"] == "AI资本开支周期" and payload["run_id"] == result.run.id
    assert payload["counts"] == {"new": 1, "late": 0, "updated": 0}
    story = payload["stories"][0]
    assert (story["id"], story["title"], story["source"]) == (fresh.id, fresh.title, "华尔街见闻")
    assert story["core_views"] and all(cv["citations"] for cv in story["core_views"])
    for cv in story["core_views"]:
        assert all(1 <= n <= len(fresh.paragraphs) for n in cv["citations"])
    assert (
        payload["links"]["theme"]
        == "https://themeflow.example.com/themes/AI%E8%B5%84%E6%9C%AC%E5%BC%80%E6%94%AF%E5%91%A8%E6%9C%9F"
    )
    assert payload["links"]["run"] == f"https://themeflow.example.com/runs/{result.run.id}"

    again = tf.run_workflow("AI资本开支周期", write_reports=False)
    assert again.items == () and again.deliveries == ()
    assert len(receiver.requests) == 3, "a run with nothing new sends nothing"
    tf.close()


def test_a_receiver_that_is_down_never_fails_the_run_and_the_notice_can_be_sent_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
    tf = _service(tmp_path, monkeypatch, notify_webhook_url=closed, notify_webhook_secret=SECRET)
    tf.ingest_documents([ai_doc(1)])
    result = run_workflow(_fast(tf), "AI资本开支周期", write=False)
    assert result.run.status == "ok" and len(result.items) == 1
    (d,) = result.deliveries
    assert not d.ok and d.attempts == 3 and "could not connect" in (d.error or "")
    assert tf.runs("AI资本开支周期")[0].status == "ok"

    monkeypatch.setenv("THEMEFLOW_NOTIFY_WEBHOOK_URL", receiver.url)
    tf.settings = load_settings()
    resent = tf.notify_run("AI资本开支周期")
    assert [x.ok for x in resent] == [True]
    payload = json.loads(receiver.requests[0][2])
    assert payload["run_id"] == result.run.id and payload["counts"]["new"] == 1
    tf.close()


def test_redirects_are_not_followed_and_a_4xx_is_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    tf = _service(tmp_path, monkeypatch, notify_webhook_url=receiver.url, notify_webhook_secret=SECRET)
    receiver.script = [(302, {"Location": "http://169.254.169.254/latest"})]
    tf.ingest_documents([ai_doc(1)])
    result = run_workflow(_fast(tf), "AI资本开支周期", write=False)
    (d,) = result.deliveries
    assert not d.ok and d.attempts == 1 and "redirects are not followed" in (d.error or "")
    assert len(receiver.requests) == 1

    receiver.script = [(401, {})]
    tf.ingest_documents([ai_doc(2)])
    (d,) = run_workflow(_fast(tf), "AI资本开支周期", write=False).deliveries
    assert not d.ok and d.attempts == 1 and d.error == "HTTP 401"
    assert len(receiver.requests) == 2
    tf.close()


def test_an_e_mail_goes_to_every_recipient_through_a_loopback_smtp_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mailbox: Mailbox
) -> None:
    tf = _service(
        tmp_path,
        monkeypatch,
        smtp_host="127.0.0.1",
        smtp_port=str(mailbox.port),
        smtp_security="none",
        smtp_from="themeflow@research.example.com",
        notify_email_to="analyst@example.com, pm@example.com",
    )
    tf.ingest_documents([ai_doc(1, published=datetime(2025, 11, 20, 8, 0, tzinfo=SH))])
    first = tf.run_workflow("AI资本开支周期", write_reports=False)
    assert [d.ok for d in first.deliveries] == [True]

    fresh = ai_doc(2, published=datetime.now(UTC) - timedelta(hours=1))
    late = ai_doc(3, published=datetime(2019, 3, 1, 8, 0, tzinfo=SH), source="东方财富网")
    tf.ingest_documents([fresh, late])
    mailbox.refuse_first = 1  # a 451: the server's "try again later"
    result = run_workflow(_fast(tf), "AI资本开支周期", write=False)
    (d,) = result.deliveries
    assert d.ok and d.attempts == 2

    rcpts, msg = mailbox.messages[-1]
    assert rcpts == ["analyst@example.com", "pm@example.com"]
    assert msg["Subject"] == "[themeflow] AI资本开支周期：1 个新故事，1 个补录"
    assert msg["From"] == "themeflow@research.example.com"
    body = msg.get_content()
    assert fresh.title in body and late.title in body
    assert body.index(fresh.title) < body.index("补录（") < body.index(late.title)
    assert "华尔街见闻" in body and "[1]" in body
    tf.close()


def test_settings_mistakes_are_reported_not_raised_by_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    tf = _service(tmp_path, monkeypatch, notify_webhook_url=receiver.url)
    tf.ingest_documents([ai_doc(1)])
    result = tf.run_workflow("AI资本开支周期", write_reports=False)
    assert result.run.status == "ok"
    (d,) = result.deliveries
    assert d.channel == "settings" and not d.ok and "NOTIFY_WEBHOOK_SECRET" in (d.error or "")
    assert receiver.requests == [], "an unsigned notification is never sent"
    tf.close()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"notify_webhook_url": "file:///etc/passwd", "notify_webhook_secret": "x"}, "http(s) URL"),
        ({"smtp_host": "mail.example.com"}, "NOTIFY_EMAIL_TO"),
        ({"notify_email_to": "a@example.com"}, "SMTP_HOST"),
        ({"smtp_host": "mail.example.com", "notify_email_to": "nobody"}, "without @"),
        (
            {
                "smtp_host": "mail.example.com",
                "notify_email_to": "a@b.c",
                "smtp_security": "none",
                "smtp_user": "u",
            },
            "unencrypted",
        ),
        ({"smtp_host": "mail.example.com", "notify_email_to": "a@b.c", "smtp_security": "tls1"}, "starttls"),
        ({"notify_timeout": "soon"}, "number"),
    ],
)
def test_bad_notification_settings_name_the_setting(
    env: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("THEMEFLOW_HOME", str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(f"THEMEFLOW_{key.upper()}", value)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        notifiers_from_settings(load_settings())


def test_no_channel_configured_means_no_notification(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tf = _service(tmp_path, monkeypatch)
    tf.ingest_documents([ai_doc(1)])
    assert tf.run_workflow("AI资本开支周期", write_reports=False).deliveries == ()
    assert tf.notify_run("AI资本开支周期") == ()
    tf.close()


def test_workflow_notify_sends_the_latest_run_again_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, receiver: Receiver
) -> None:
    from tests.test_cli import run_cli

    tf = _service(tmp_path, monkeypatch)
    tf.ingest_documents([ai_doc(1)])
    run = tf.run_workflow("AI资本开支周期", write_reports=False).run
    db = Path(tf.store.location)
    tf.close()
    quiet = run_cli("workflow", "notify", "AI资本开支周期", db=db)
    assert quiet.returncode == 0 and "no notification channel is configured" in quiet.stderr

    monkeypatch.setenv("THEMEFLOW_NOTIFY_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("THEMEFLOW_NOTIFY_WEBHOOK_SECRET", SECRET)
    sent = run_cli("workflow", "notify", "AI资本开支周期", "--json", db=db)
    assert sent.returncode == 0, sent.stderr
    assert [d["ok"] for d in json.loads(sent.stdout)["deliveries"]] == [True]
    assert SECRET not in sent.stdout + sent.stderr
    assert json.loads(receiver.requests[0][2])["run_id"] == run.id

    receiver.script = [(500, {"Retry-After": "0"})] * 4
    failed = run_cli("workflow", "notify", "AI资本开支周期", "--run", str(run.id), db=db)
    assert failed.returncode == 1 and "NOT delivered after 4 attempts: HTTP 500" in failed.stderr
    wrong = run_cli("workflow", "notify", "AI资本开支周期", "--run", "999", db=db)
    assert wrong.returncode != 0 and "is not a run of workflow" in wrong.stderr
