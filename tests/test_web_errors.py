"""One error envelope for every API failure, and a friendly page for every HTML failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_web_corpus import build_store, make_client
from themeflow.errors import StoreError
from themeflow.service import Themeflow
from themeflow.web.app import create_app
from themeflow.web.errors import error_body

ENVELOPE_KEYS = {"ok", "error", "status"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("weberr") / "t.db", daily=False)


@pytest.fixture
def client(db: Path) -> Iterator[Any]:
    with make_client(create_app(db), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/no/such/route", 404),
        ("get", "/api/documents/does-not-exist", 404),
        ("get", "/api/documents/does-not-exist/summary", 404),
        ("get", "/api/search?q=%22unbalanced", 400),
        ("get", "/api/search?q=x&limit=0", 422),
        ("get", "/api/search?q=x&sort=sideways", 422),
        ("get", "/api/search?q=x&since=notadate", 400),
        ("get", "/api/figures?q=%22unbalanced", 400),
        ("get", "/api/figures?q=x&limit=0", 422),
        ("delete", "/api/search", 405),
        ("post", "/api/workflows", 415),
    ],
)
def test_every_api_error_is_the_envelope(client: Any, method: str, url: str, status: int) -> None:
    r = client.request(method, url)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body.keys() == ENVELOPE_KEYS
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in body["error"]


def test_envelope_is_built_in_one_place() -> None:
    assert error_body("x", 418) == {"ok": False, "error": "x", "status": 418}


def test_store_errors_use_their_http_status(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tf = Themeflow.open(db)

    def broken(_doc_id: str) -> None:
        raise StoreError("database is locked; retry in a moment")

    monkeypatch.setattr(tf, "document", broken)
    with make_client(create_app(tf)) as c:
        r = c.get("/api/documents/t-fed")
        assert r.status_code == 503 and r.json()["error"] == "database is locked; retry in a moment"
        page = c.get("/documents/t-fed")
        assert page.status_code == 503 and "database is locked" in page.text


def test_unexpected_errors_are_500_without_details(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tf = Themeflow.open(db)

    def boom(_doc_id: str) -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    monkeypatch.setattr(tf, "document", boom)
    with make_client(create_app(tf), raise_server_exceptions=False) as c:
        r = c.get("/api/documents/t-fed")
        assert r.status_code == 500 and r.json()["status"] == 500
        assert "secret" not in r.text
        page = c.get("/documents/t-fed")
        assert page.status_code == 500 and "secret" not in page.text
        assert "content-security-policy" in page.headers


def test_an_unavailable_option_is_501_and_a_missing_module_is_a_bug(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NotAvailableError (an option this installation does not offer) keeps its 501; an ImportError is a
    broken installation, reported like any other bug rather than as a feature still to come."""
    from themeflow.errors import NotAvailableError

    tf = Themeflow.open(db)

    def unavailable(_doc_id: str) -> None:
        raise NotAvailableError("semantic search is not available")

    monkeypatch.setattr(tf, "document", unavailable)
    with make_client(create_app(tf), raise_server_exceptions=False) as c:
        r = c.get("/api/documents/t-fed")
        assert r.status_code == 501 and r.json()["error"] == "semantic search is not available"
        assert "功能尚未提供" in c.get("/documents/t-fed").text

        def missing(_doc_id: str) -> None:
            raise ModuleNotFoundError("No module named 'themeflow.nowhere'", name="themeflow.nowhere")

        monkeypatch.setattr(tf, "document", missing)
        r = c.get("/api/documents/t-fed")
        assert r.status_code == 500 and "nowhere" not in r.text


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/no/such/page", 404, "页面不存在"),
        ("/documents/missing", 404, "missing"),
        ("/?q=x&page=abc", 422, "参数有误"),
    ],
)
def test_html_errors_are_friendly_pages(client: Any, url: str, status: int, text: str) -> None:
    r = client.get(url)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert text in r.text
    assert "返回搜索" in r.text


def test_bad_query_is_shown_inline_on_the_search_page(client: Any) -> None:
    r = client.get("/", params={"q": '"unbalanced'})
    assert r.status_code == 400
    assert 'role="alert"' in r.text and "position" in r.text
    assert 'value="&#34;unbalanced"' in r.text, "the form keeps the query so it can be fixed"


def test_error_pages_speak_the_uis_language_and_give_no_command_line_hints(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_web_corpus import build_store, make_client
    from themeflow.web.app import create_app

    with make_client(create_app(build_store(tmp_path / "e.db", daily=False))) as client:
        missing_doc = client.get("/documents/nope")
        missing_run = client.get("/runs/424242")
        no_page = client.get("/no/such/page")
    for response in (missing_doc, missing_run, no_page):
        assert response.status_code == 404
        assert "页面不存在" in response.text and "不存在，可能已被删除" in response.text
        section = response.text.split('class="error-page"', 1)[1].split("</section>", 1)[0]
        assert "`themeflow" not in section and "themeflow workflow" not in section
