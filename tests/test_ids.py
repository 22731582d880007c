"""Document ids must survive tracking junk in URLs and re-paragraphing of URL-less text."""

from __future__ import annotations

import pytest

from themeflow.ids import canonical_url, document_id


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://News.Example.COM:443/a/b.html#comments", "https://news.example.com/a/b.html"),
        ("http://example.com:80/x/", "http://example.com/x"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/?", "https://example.com/"),
        (
            "https://example.com/a?utm_source=rss&utm_medium=feed&id=7&spm=1.2&from=timeline",
            "https://example.com/a?id=7",
        ),
        ("https://example.com/a?b=2&a=1&share=wx", "https://example.com/a?a=1&b=2"),
        ("https://user:pw@example.com/a", "https://example.com/a"),
        ("https://example.com/Path/Case", "https://example.com/Path/Case"),
        ("https://example.com/%E6%96%B0%E9%97%BB", "https://example.com/%E6%96%B0%E9%97%BB"),
        ("https://example.com/新闻", "https://example.com/%E6%96%B0%E9%97%BB"),
        ("  relative/path  ", "relative/path"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_url_id_ignores_content_and_tracking() -> None:
    a = document_id("https://example.com/a?utm_source=rss", "标题", ["一"])
    b = document_id("https://EXAMPLE.com/a#top", "另一个标题", ["二"])
    assert a == b
    assert a.startswith("u") and len(a) == 17


def test_content_id_is_stable_under_whitespace_and_paragraphing() -> None:
    a = document_id(None, "标题", ["第一段。", "第二段。"])
    b = document_id("", "标题", ["第一段。第二段。"])
    c = document_id(None, "标题", ["第一段。 第二段。 "])
    assert a == b == c
    assert a.startswith("c") and len(a) == 17
    assert document_id(None, "标题", ["第一段。", "第三段。"]) != a
