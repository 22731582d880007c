"""Feeds, article pages and failure modes against a real HTTP server on 127.0.0.1 (no mocks).

Fetching refuses loopback addresses unless allow-listed, so every fetcher here allows ``127.0.0.1``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.loopback import loopback_server
from themeflow.errors import InputError
from themeflow.ingest import USER_AGENT, FetchConfig, HttpFetcher, read_targets
from themeflow.ingest.feeds import FeedOptions, read_feed
from themeflow.ingest.fetch import HostRateLimiter
from themeflow.model import Document, IngestError

FIX = Path(__file__).parent / "fixtures" / "ingest"
CST = timezone(timedelta(hours=8))
LOOPBACK = ("127.0.0.1",)
FAST = FetchConfig(
    timeout=0.5, retries=3, backoff=0.01, max_backoff=0.05, min_interval=0, allow_hosts=LOOPBACK
)

PARAS = [
    "云厂商上调资本开支指引，全年合计超过3,800亿美元，同比增长约60%，算力投资仍是主线。",
    "数据中心电力与芯片供给成为主要约束，部分项目交付周期拉长至18个月以上。",
    "分析师认为，AI资本开支周期仍处于中段，但需关注折旧与回报率的变化。",
]


def article(title: str, date: str | None) -> bytes:
    meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    nav = '<nav><a href="/">首页</a><a href="/m">行情中心</a></nav>'
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title>{meta}</head><body>{nav}"
        f"<article><h1>{title}</h1>{body}</article><footer>版权所有 示例网</footer></body></html>"
    ).encode()


def feed(base: str) -> bytes:
    full = "".join(f"<p>{p}</p>" for p in PARAS * 2)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>示例快讯</title><link>{base}/</link>
<item><title>云厂商资本开支（摘要）</title><link>{base}/article/1?utm_source=rss</link>
<description>云厂商上调资本开支指引……</description><pubDate>Fri, 21 Nov 2025 00:25:00 +0800</pubDate></item>
<item><title>无日期条目</title><link>{base}/article/2</link><description>短摘要</description></item>
<item><title>全文条目</title><link>{base}/article/3</link><description><![CDATA[{full}]]></description>
<pubDate>Thu, 20 Nov 2025 20:41:00 +0800</pubDate></item>
<item><title>坏链接</title><link>{base}/missing</link><description>只有摘要的条目。</description></item>
</channel></rss>""".encode()


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, list[float]] = {}
    agents: list[str] = []

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test): nothing to report

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?")[0]
        self.hits.setdefault(path, []).append(time.monotonic())
        self.agents.append(self.headers.get("User-Agent", ""))
        base = f"http://{self.headers['Host']}"
        if path == "/feed":
            self._send(200, feed(base), "application/rss+xml")
        elif path == "/feed-as-html":  # a feed served with the wrong type: sniffed from the body
            self._send(200, feed(base), "text/html")
        elif path == "/broken-feed":
            self._send(200, (FIX / "malformed.xml").read_bytes(), "application/rss+xml")
        elif path == "/article/1":
            self._send(200, article("云厂商资本开支继续上行", "2025-11-20T08:00:00+08:00"))
        elif path in {"/article/2", "/nodate"}:
            self._send(200, article("无日期文章", None))
        elif path == "/slow":
            time.sleep(3)
            self._send(200, article("慢", None))
        elif path == "/flaky":
            if len(self.hits[path]) <= 2:
                self._send(500, b"oops")
            else:
                self._send(200, article("重试成功", "2025-11-19 10:00"))
        elif path == "/down":
            self._send(503, b"down")
        elif path == "/big":
            self._send(200, b"<html><body>" + b"x" * 50_000 + b"</body></html>")
        else:
            self._send(404, b"not found")


@pytest.fixture
def server() -> Iterator[str]:
    Handler.hits = {}
    Handler.agents = []
    with loopback_server(Handler) as url:
        yield url


@pytest.fixture
def fetcher() -> Iterator[HttpFetcher]:
    with HttpFetcher(FAST) as f:
        yield f


def test_feed_teasers_fetch_the_linked_article(server: str, fetcher: HttpFetcher) -> None:
    results = list(read_targets([f"{server}/feed"], fetcher=fetcher))
    assert len(results) == 4
    first, nodate, full, missing = results
    assert isinstance(first, Document) and first.meta["fetched_article"] == "true"
    assert first.title == "云厂商资本开支（摘要）" and first.source == "示例快讯"
    assert first.paragraphs == tuple(PARAS)  # the article text, without nav/footer/h1
    assert first.published_at == datetime(2025, 11, 21, 0, 25, tzinfo=CST) and first.time_origin == "feed"
    assert first.url == f"{server}/article/1?utm_source=rss" and first.fetched_at is not None
    assert isinstance(nodate, Document) and nodate.published_at is None and nodate.time_origin == "unknown"
    assert isinstance(full, Document) and "fetched_article" not in full.meta and len(full.paragraphs) == 6
    assert full.time_origin == "feed"
    assert "/article/3" not in Handler.hits  # full entries are not fetched
    assert (
        isinstance(missing, Document)
        and missing.meta["teaser"] == "true"
        and "404" in missing.meta["fetch_error"]
    )


def test_feed_sniffed_when_served_as_html(server: str, fetcher: HttpFetcher) -> None:
    results = list(read_targets([f"{server}/feed-as-html"], fetcher=fetcher))
    assert len(results) == 4 and all(isinstance(r, Document) for r in results)


def test_article_url_without_date_records_fetch_time_only(server: str, fetcher: HttpFetcher) -> None:
    (doc,) = list(read_targets([f"{server}/nodate"], fetcher=fetcher))
    assert isinstance(doc, Document)
    assert doc.published_at is None and doc.time_origin == "unknown"
    assert doc.fetched_at is not None and doc.url == f"{server}/nodate"
    assert doc.paragraphs == tuple(PARAS) and doc.id.startswith("u")


def test_article_url_with_date(server: str, fetcher: HttpFetcher) -> None:
    (doc,) = list(read_targets([f"{server}/article/1"], fetcher=fetcher))
    assert isinstance(doc, Document) and doc.time_origin == "document"
    assert doc.published_at == datetime(2025, 11, 20, 8, 0, tzinfo=CST)


def test_malformed_feed_url_is_one_error(server: str, fetcher: HttpFetcher) -> None:
    (err,) = list(read_targets([f"{server}/broken-feed"], fetcher=fetcher))
    assert isinstance(err, IngestError) and err.source == f"{server}/broken-feed"
    assert "malformed feed" in err.reason


def test_bozo_feed_that_still_parses_yields_entries() -> None:
    data = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>A &nbsp; B</title><description>'
        + "正文内容。".encode() * 50
        + b"</description></item></channel></rss>"
    )
    results = list(read_feed(data, source="bozo.xml", options=FeedOptions()))
    assert len(results) == 1 and isinstance(results[0], Document)


def test_timeout_is_a_quick_ingest_error(server: str) -> None:
    with HttpFetcher(
        FetchConfig(timeout=0.3, retries=2, backoff=0.01, min_interval=0, allow_hosts=LOOPBACK)
    ) as f:
        start = time.monotonic()
        err, doc = list(read_targets([f"{server}/slow", f"{server}/nodate"], fetcher=f))
        elapsed = time.monotonic() - start
    assert isinstance(err, IngestError) and "timed out" in err.reason
    assert isinstance(doc, Document)  # the batch goes on after the failure
    assert elapsed < 2.5
    assert len(Handler.hits["/slow"]) == 1  # a read timeout is not retried


def test_500s_then_200_is_retried(server: str, fetcher: HttpFetcher) -> None:
    (doc,) = list(read_targets([f"{server}/flaky"], fetcher=fetcher))
    assert isinstance(doc, Document) and doc.title == "重试成功"
    assert len(Handler.hits["/flaky"]) == 3


def test_persistent_503_gives_up_with_reason(server: str, fetcher: HttpFetcher) -> None:
    with pytest.raises(InputError, match="HTTP 503.*gave up after 4 attempts"):
        fetcher.get(f"{server}/down")
    (err,) = list(read_targets([f"{server}/down"], fetcher=fetcher))
    assert isinstance(err, IngestError) and "503" in err.reason


def test_404_connection_refused_and_size_cap(server: str, fetcher: HttpFetcher) -> None:
    with pytest.raises(InputError, match="HTTP 404"):
        fetcher.get(f"{server}/nothing")
    assert len(Handler.hits["/nothing"]) == 1  # 4xx is not retried
    with pytest.raises(InputError, match="cannot connect"):
        fetcher.get("http://127.0.0.1:9/")
    with (
        HttpFetcher(FetchConfig(max_bytes=1000, min_interval=0, allow_hosts=LOOPBACK)) as small,
        pytest.raises(InputError, match="cap"),
    ):
        small.get(f"{server}/big")
    with pytest.raises(InputError, match="not an http"):
        fetcher.get("ftp://example.com/x")


def test_user_agent_names_themeflow(server: str, fetcher: HttpFetcher) -> None:
    fetcher.get(f"{server}/nodate")
    assert Handler.agents[-1] == USER_AGENT and USER_AGENT.startswith("themeflow/")


def test_per_host_rate_limit(server: str) -> None:
    with HttpFetcher(FetchConfig(min_interval=0.15, backoff=0.01, allow_hosts=LOOPBACK)) as polite:
        for _ in range(3):
            polite.get(f"{server}/nodate")
    times = Handler.hits["/nodate"]
    assert all(b - a >= 0.14 for a, b in zip(times, times[1:], strict=False))
    limiter = HostRateLimiter(0.2)
    start = time.monotonic()
    limiter.wait("a.example")
    limiter.wait("b.example")  # another host does not wait
    assert time.monotonic() - start < 0.1
