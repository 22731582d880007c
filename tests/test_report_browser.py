"""The digest in a real browser: following a citation opens the source view at the cited paragraph."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from themeflow.report.html import render_html

from .test_report import _digest

CHROMIUM = "/usr/bin/chromium"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not shutil.which(CHROMIUM):
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def test_clicking_a_citation_reveals_the_cited_paragraph(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page_file = tmp_path / "digest.html"
    page_file.write_text(render_html(_digest()), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    page.goto(page_file.as_uri())
    assert page.evaluate("document.querySelectorAll('details[open]').length") == 0
    target = page.locator("#doc-u00000000000000aa-p3")
    assert not target.is_visible()
    page.locator('a.cite[href="#doc-u00000000000000aa-p3"]').first.click()
    target.wait_for(state="visible", timeout=3000)
    assert page.evaluate("document.getElementById('doc-u00000000000000aa').open") is True
    assert "114.3GW" in target.inner_text()
    assert page.evaluate("location.hash") == "#doc-u00000000000000aa-p3"
    page.close()


def test_the_digest_csp_lets_its_own_script_run_and_nothing_else(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The meta CSP allows exactly the page's script (by hash): following a citation opens the source view
    and the browser reports no CSP violation (a blocked inline script would be reported on the console).
    The hash itself is checked without a browser in ``test_report_links.py``."""
    page_file = tmp_path / "digest.html"
    page_file.write_text(render_html(_digest()), encoding="utf-8")
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text))
    page.goto(page_file.as_uri())
    page.evaluate("document.getElementById('doc-u00000000000000aa').open = false")
    page.evaluate("location.hash = '#doc-u00000000000000aa-p3'")
    page.wait_for_function("document.getElementById('doc-u00000000000000aa').open === true", timeout=3000)
    assert not [m for m in messages if "Content Security Policy" in m], messages
    page.close()
