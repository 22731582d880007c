"""Only http(s) document URLs become links — in the HTML digest, the Markdown report and the web pages —
and the standalone digest carries a strict Content-Security-Policy whose script hash matches its script.

Hostile URLs are written straight into a real SQLite store with SQL, so the output side is tested even
for a store that ingest never validated (an old file, another tool).
"""

from __future__ import annotations

import base64
import hashlib
import re
import sqlite3
from pathlib import Path

import pytest

from themeflow.report.html import render_html
from themeflow.report.links import markdown_url, safe_url
from themeflow.report.markdown import render_markdown
from themeflow.service import Themeflow
from themeflow.web.app import create_app

from .test_report import Page
from .test_web_corpus import make_client
from .test_workflow_support import AI_THEME, ai_doc

HOSTILE_URLS = {
    "u0000000000000001": "javascript:alert(document.cookie)",
    "u0000000000000002": "data:text/html,<script>alert(1)</script>",
    "u0000000000000003": "  JaVaScRiPt:alert(1)",
    "u0000000000000004": "vbscript:msgbox(1)",
    "u0000000000000005": "http:alert(1)",
}
GOOD_URL = "https://news.example/a_(b)?x=1&y=2"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("links") / "links.db"
    with Themeflow.open(path) as tf:
        tf.ingest_documents([ai_doc(i) for i in range(1, 7)])
    conn = sqlite3.connect(path)
    with conn:
        for doc_id, url in HOSTILE_URLS.items():
            conn.execute("UPDATE documents SET url = ? WHERE id = ?", (url, doc_id))
        conn.execute("UPDATE documents SET url = ? WHERE id = ?", (GOOD_URL, "u0000000000000006"))
    stored = dict(conn.execute("SELECT id, url FROM documents"))
    conn.close()
    assert stored["u0000000000000001"] == HOSTILE_URLS["u0000000000000001"], "the store holds the bad URL"
    return path


def _hrefs(html: str) -> list[str]:
    page = Page()
    page.feed(html)
    return [href for _, href in page.links]


def _assert_only_web_links(hrefs: list[str]) -> None:
    for href in hrefs:
        scheme = href.split(":", 1)[0].strip().lower() if ":" in href.split("/", 1)[0] else ""
        assert scheme in ("", "http", "https"), href


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x", "https://a.example/x"),
        (" http://a.example/新闻/1 ", "http://a.example/新闻/1"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html;base64,PHNjcmlwdD4=", None),
        ("vbscript:x", None),
        ("file:///etc/passwd", None),
        ("//evil.example/x", None),
        ("http:alert(1)", None),
        ('https://a.example/"onmouseover="x', None),
        ("https://[::1/", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url_lets_only_absolute_http_links_through(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_markdown_url_cannot_close_the_link_early() -> None:
    assert markdown_url("https://a.example/x)[y](javascript:alert(1)") == (
        "https://a.example/x%29[y]%28javascript:alert%281%29"
    )


def test_html_digest_links_only_http_urls_and_has_a_strict_csp(db: Path) -> None:
    with Themeflow.open(db) as tf:
        html = render_html(tf.report("资本开支"))
    hrefs = _hrefs(html)
    _assert_only_web_links(hrefs)
    assert GOOD_URL.replace("&", "&amp;") in html and GOOD_URL in hrefs
    assert "javascript:" not in html.lower() and "vbscript:" not in html.lower()
    for doc_id in HOSTILE_URLS:  # the title is still shown, as text
        assert f'data-doc-id="{doc_id}"' in html
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert meta, "the standalone digest needs its own CSP"
    csp = meta.group(1).replace("&#39;", "'")
    assert "default-src 'none'" in csp and "base-uri 'none'" in csp and "form-action 'none'" in csp
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 1 and "<script src" not in html
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp, "the CSP must allow exactly the page's own script"
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert html.index("Content-Security-Policy") < html.index("<style>"), "the CSP comes before any content"


def test_markdown_report_links_only_http_urls(db: Path) -> None:
    with Themeflow.open(db) as tf:
        md = render_markdown(tf.report("资本开支"))
    targets = re.findall(r"\]\(([^)\s]*)\)", md)
    assert targets == ["https://news.example/a_%28b%29?x=1&y=2"], targets
    for bad in ("javascript:", "data:text", "vbscript:", "http:alert"):
        assert bad not in md.lower()
    assert md.count("### ") == 6, "every item keeps its title, unlinked when its URL is not http(s)"


def test_workflow_run_report_files_link_only_http_urls(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run.db"
    copy.write_bytes(db.read_bytes())
    with Themeflow.open(copy) as tf:
        tf.add_theme(AI_THEME)
        result = tf.run_workflow(AI_THEME["name"], reports_dir=tmp_path / "reports")
    assert len(result.items) == 6
    html = Path(result.reports["html"]).read_text(encoding="utf-8")
    md = Path(result.reports["markdown"]).read_text(encoding="utf-8")
    _assert_only_web_links(_hrefs(html))
    assert "javascript:" not in html.lower() and "javascript:" not in md.lower()
    assert "Content-Security-Policy" in html


def test_web_pages_link_only_http_urls(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "web.db"
    copy.write_bytes(db.read_bytes())
    with Themeflow.open(copy) as tf:
        tf.add_theme(AI_THEME)
        run_id = tf.run_workflow(AI_THEME["name"], reports_dir=tmp_path / "reports").run.id
    with make_client(create_app(copy)) as client:
        pages = ["/?q=资本开支", "/?q=资本开支&summaries=0", f"/runs/{run_id}"]
        pages += [f"/documents/{doc_id}" for doc_id in HOSTILE_URLS]
        for url in pages:
            r = client.get(url)
            assert r.status_code == 200, url
            _assert_only_web_links(_hrefs(r.text))
            assert "javascript:" not in r.text.lower(), url
        assert GOOD_URL.replace("&", "&amp;") in client.get("/?q=资本开支").text
