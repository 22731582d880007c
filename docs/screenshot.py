"""Render a digest HTML file in headless Chromium and save a PNG (how docs/digest.png is made).

Usage: python docs/screenshot.py REPORT.html [OUT.png] [--height PX] [--cite]

``--cite`` follows the first citation of the first item (opening its source view at the cited paragraph)
and scrolls back to the top, so the picture shows a citation at work. Needs Playwright and Chromium at
/usr/bin/chromium (``apt-get install chromium fonts-noto-cjk``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    html = Path(args[0]).resolve()
    png = Path(args[1]) if len(args) > 1 else Path(__file__).with_name("digest.png")
    height = int(argv[argv.index("--height") + 1]) if "--height" in argv else 1800
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1100, "height": height}, device_scale_factor=1)
        page.goto(html.as_uri())
        if "--cite" in argv:
            page.locator("article.item a.cite").nth(1).click()
            page.wait_for_timeout(200)
            page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(png), full_page=False)
        browser.close()
    print(png)


if __name__ == "__main__":
    main(sys.argv[1:])
