"""Security: untrusted articles render as text, strict headers, token, CSRF and read-only mode."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_web_corpus import HOSTILE, XSS_IMG, XSS_SCRIPT, build_store, make_client
from themeflow.web.app import create_app
from themeflow.web.security import CSRF_COOKIE, SESSION_COOKIE

TOKEN = "s3cret-token-for-tests-0123456789"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("websec") / "t.db", daily=False)


@pytest.fixture
def client(db: Path) -> Iterator[Any]:
    with make_client(create_app(db), follow_redirects=False) as c:
        yield c


@pytest.fixture
def locked(db: Path) -> Iterator[Any]:
    """An app that requires the API token for changes."""
    with make_client(create_app(db, token=TOKEN), follow_redirects=False) as c:
        yield c


def _csrf(c: Any) -> str:
    c.get("/")
    token: str = c.cookies.get(CSRF_COOKIE)
    assert token
    return token


def _no_live_markup(html: str) -> None:
    """None of the injected markup survives as markup; it is all entity-escaped text."""
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "onerror=alert(1)>" not in html
    assert "<b onmouseover" not in html
    assert "<style>body" not in html
    assert 'href="javascript:' not in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts == ['<script src="/static/app.js" defer>'], scripts


@pytest.mark.parametrize(
    "url",
    ["/?q=注入测试", "/?q=注入测试&summaries=0", f"/documents/{HOSTILE.id}", "/?q=注入测试&sort=relevance"],
)
def test_hostile_article_renders_as_text(client: Any, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200
    _no_live_markup(r.text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def test_hostile_article_title_and_body_are_visible_as_text(client: Any) -> None:
    html = client.get(f"/documents/{HOSTILE.id}").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "恶意来源" in html
    assert 'id="p2"' in html


def test_snippet_highlight_escapes_before_marking(client: Any) -> None:
    html = client.get("/", params={"q": "注入测试"}).text
    assert "<mark>" in html
    for mark in re.findall(r"<mark>(.*?)</mark>", html):
        assert "<" not in mark


def test_api_returns_article_text_verbatim_as_json(client: Any) -> None:
    doc = client.get(f"/api/documents/{HOSTILE.id}")
    assert doc.headers["content-type"].startswith("application/json")
    assert doc.json()["title"] == HOSTILE.title
    assert XSS_SCRIPT in doc.json()["paragraphs"][0] and XSS_IMG in doc.json()["paragraphs"][1]


def test_security_headers_on_pages_api_static_and_errors(client: Any) -> None:
    for url in ["/", "/api/search?q=x", "/static/style.css", "/no/such/page", "/api/nope"]:
        h = client.get(url).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "same-origin"


def test_templates_have_no_inline_script_or_style() -> None:
    from themeflow.web.context import TEMPLATES_DIR

    for path in TEMPLATES_DIR.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path.name
        assert "<style" not in text and " style=" not in text and " on" + "click=" not in text, path.name
        assert not re.search(r"\|\s*safe\b", text), f"{path.name}: no |safe in templates"


def test_no_external_assets(client: Any) -> None:
    for url in ["/", "/?q=AI资本开支", f"/documents/{HOSTILE.id}", "/docs"]:
        html = client.get(url).text
        for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not ref.startswith(("http://", "https://", "//")) or "example" in ref, ref


# -- CSRF -----------------------------------------------------------------------------------------
def test_form_post_without_csrf_token_is_refused(client: Any) -> None:
    r = client.post("/workflows", data={"name": "x", "query": "y"})
    assert r.status_code == 403 and "security token" in r.text


def test_cross_site_form_post_is_refused(client: Any) -> None:
    token = _csrf(client)
    r = client.post(
        "/workflows",
        data={"csrf_token": token, "name": "x", "query": "y"},
        headers={"origin": "https://evil.example"},
    )
    assert r.status_code == 403 and "cross-site" in r.text


def test_csrf_cookie_is_strict_and_httponly(db: Path) -> None:
    with make_client(create_app(db)) as c:
        cookie = c.get("/").headers["set-cookie"]
    assert (
        CSRF_COOKIE in cookie
        and "HttpOnly" in cookie
        and "SameSite=strict" in cookie.replace("Strict", "strict")
    )


def test_api_post_must_be_json(client: Any) -> None:
    r = client.post("/api/workflows", data={"name": "x", "query": "y"})
    assert r.status_code == 415 and r.json()["status"] == 415


# -- token ----------------------------------------------------------------------------------------
def test_api_write_needs_bearer_token(locked: Any) -> None:
    body = {"name": "T", "query": "资本开支"}
    assert locked.post("/api/workflows", json=body).status_code == 401
    wrong = locked.post("/api/workflows", json=body, headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["ok"] is False
    ok = locked.post("/api/workflows", json=body, headers={"authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 201, ok.text


def test_reads_stay_open_when_a_token_is_set(locked: Any) -> None:
    assert locked.get("/api/search", params={"q": "资本开支"}).status_code == 200
    assert locked.get("/").status_code == 200


def test_form_write_needs_login_and_login_sets_an_hmac_session(locked: Any) -> None:
    csrf = _csrf(locked)
    r = locked.post("/workflows", data={"csrf_token": csrf, "name": "T", "query": "资本开支"})
    assert r.status_code == 401 and "log in" in r.text
    bad = locked.post("/login", data={"csrf_token": csrf, "token": "wrong"})
    assert bad.status_code == 401
    good = locked.post("/login?next=/workflows", data={"csrf_token": csrf, "token": TOKEN})
    assert good.status_code == 303 and good.headers["location"] == "/workflows"
    session = locked.cookies.get(SESSION_COOKIE)
    assert session and TOKEN not in session
    assert "HttpOnly" in good.headers["set-cookie"]
    r = locked.post("/workflows", data={"csrf_token": csrf, "name": "T-login", "query": "资本开支"})
    assert r.status_code == 303, r.text


def test_token_form_field_works_without_login(locked: Any) -> None:
    csrf = _csrf(locked)
    r = locked.post("/workflows", data={"csrf_token": csrf, "token": TOKEN, "name": "T2", "query": "算力"})
    assert r.status_code == 303, r.text


def test_login_does_not_redirect_off_site(locked: Any) -> None:
    csrf = _csrf(locked)
    for target in ["https://evil.example/", "//evil.example/", "/\\evil.example"]:
        r = locked.post("/login", params={"next": target}, data={"csrf_token": csrf, "token": TOKEN})
        assert r.headers["location"] == "/"


def test_token_never_appears_in_pages(locked: Any) -> None:
    csrf = _csrf(locked)
    locked.post("/login", data={"csrf_token": csrf, "token": TOKEN})
    for url in ["/", "/?q=资本开支", "/login", "/docs", "/openapi.json", "/workflows"]:
        assert TOKEN not in locked.get(url).text


def test_token_comes_from_the_environment(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THEMEFLOW_API_TOKEN", TOKEN)
    with make_client(create_app(db)) as c:
        assert c.post("/api/workflows", json={"name": "E", "query": "x"}).status_code == 401


# -- read-only ------------------------------------------------------------------------------------
def _mutating_routes(app: Any) -> list[tuple[str, str]]:
    spec_paths = app.openapi()["paths"]
    out = [
        (m.upper(), p)
        for p, ops in spec_paths.items()
        for m in ops
        if m in ("post", "put", "delete", "patch")
    ]
    return out


def test_read_only_refuses_every_mutating_route(db: Path) -> None:
    app = create_app(db, read_only=True)
    routes = _mutating_routes(app) + [
        ("POST", "/workflows"),
        ("POST", "/workflows/{name}/edit"),
        ("POST", "/workflows/{name}/run"),
        ("POST", "/workflows/{name}/delete"),
    ]
    assert len(routes) >= 8
    with make_client(app, follow_redirects=False) as c:
        csrf = _csrf(c)
        for method, path in routes:
            url = path.replace("{name}", "AI")
            if url.startswith("/api/"):
                r = c.request(method, url, json={"name": "AI", "query": "x"})
                assert r.status_code == 403, (method, url)
                assert r.json() == {"ok": False, "error": r.json()["error"], "status": 403}
                assert "read-only" in r.json()["error"]
            else:
                r = c.request(method, url, data={"csrf_token": csrf, "name": "AI", "query": "x"})
                assert r.status_code == 403 and "read-only" in r.text, (method, url)
        assert c.get("/api/search", params={"q": "资本开支"}).status_code == 200
        assert "只读模式" in c.get("/").text
