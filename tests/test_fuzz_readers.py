"""Property-based fuzzing of the file and feed readers: whatever the bytes, ingest never crashes or hangs.

The contract under test is the one batch ingest relies on: every input either lands as Documents or is
reported as IngestErrors (at least one item per file, nothing raised), every Document is well formed
(text, a title, only an http(s) link), and each read finishes within a time budget. Inputs are built to
be *nearly* valid — real JSONL/CSV/RSS/Atom/HTML/PDF structure with hostile values, damaged bytes, odd
encodings — because random bytes alone rarely get past a reader's first check.

Set ``THEMEFLOW_FUZZ_EXAMPLES`` to run more examples per reader (the default keeps the file fast).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_ingest_files import PDF_LINES, make_pdf
from themeflow.errors import InputError
from themeflow.ingest import FetchResult, read_targets
from themeflow.ingest.feeds import FeedOptions, read_feed
from themeflow.model import Document, IngestError

EXAMPLES = int(os.environ.get("THEMEFLOW_FUZZ_EXAMPLES", "100"))
BUDGET_S = 5.0
"""Seconds one read may take; generous for a loaded 2-core machine, far below a hang."""

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the time budget is asserted per read below, without hypothesis' flaky re-runs
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_WORKDIR = tempfile.TemporaryDirectory(prefix="themeflow-fuzz-")

# Text that exercises the parsers: Chinese, full-width punctuation, quotes, delimiters, controls, BOMs.
_ALPHABET = st.sampled_from(
    list("央行降准资本开支云厂商，。、“”（）《》 abcXYZ019,;|\t\"'<>&=/:#%\\\n\r")
    + ["\x00", "\ufeff", "\ufffd", "\u3000", "\u200b", "\U0001f4c8", "\ud7ff", "\x85", "\u2028"]
)
TEXT = st.text(alphabet=_ALPHABET, max_size=80)
LINKS = st.sampled_from(
    [
        "https://news.example.com/a/1.html",
        "http://user:pw@example.com/x",
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "file:///etc/passwd",
        "//example.com/relative",
        "/just/a/path",
        "http://[::1",
        "",
        "ht tp://broken",
    ]
)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "utf-16-le", "utf-16-be"])


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each ``(position, cut, insert)`` applied: damage, truncation, junk in the middle."""
    out = bytearray(data)
    for position, cut, insert in edits:
        if not out:
            out.extend(insert)
            continue
        at = position % (len(out) + 1)
        out[at : at + cut] = insert
    return bytes(out)


EDITS = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 8), st.binary(max_size=6)), max_size=4)


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace" if encoding in {"big5", "gb18030"} else "surrogatepass")


def _check(results: list[Document | IngestError], source: str) -> None:
    assert results, f"{source}: neither a document nor an error"
    for item in results:
        assert isinstance(item, Document | IngestError), type(item)
        if isinstance(item, IngestError):
            assert item.reason and isinstance(item.reason, str)
            continue
        assert item.paragraphs and all(isinstance(p, str) and p for p in item.paragraphs)
        assert isinstance(item.title, str) and item.title
        assert item.url is None or (item.url.startswith(("http://", "https://")) and "@" not in item.url)


class _Offline:
    """A Fetcher for a machine without network: every fetch fails, as a dead link would."""

    def get(self, url: str) -> FetchResult:
        raise InputError(f"{url}: offline")


def _read(name: str, data: bytes) -> list[Document | IngestError]:
    path = Path(_WORKDIR.name) / name
    path.write_bytes(data)
    start = time.monotonic()
    results = list(read_targets([str(path)], fetcher=_Offline()))
    elapsed = time.monotonic() - start
    assert elapsed < BUDGET_S, f"reading {len(data)} bytes took {elapsed:.1f}s"
    _check(results, name)
    return results


@pytest.fixture(scope="module", autouse=True)
def _warm() -> Iterator[None]:
    """Load the lazy parsers once, so the first example is not charged for their import."""
    _read("warm.html", b"<html><body><p>\xe9\xa2\x84\xe7\x83\xad</p></body></html>")
    _read("warm.pdf", make_pdf(PDF_LINES))
    yield


RECORD = st.dictionaries(
    st.sampled_from(["title", "text", "content", "正文", "标题", "source", "published", "url", "id", "x"]),
    st.one_of(TEXT, LINKS, st.integers(), st.none(), st.lists(TEXT, max_size=3), st.booleans()),
    max_size=6,
)


@FUZZ
@given(
    records=st.lists(st.one_of(RECORD, TEXT, st.lists(st.integers(), max_size=2)), max_size=8),
    encoding=ENCODINGS,
    edits=EDITS,
    blank=st.booleans(),
)
def test_jsonl_reader(
    records: list[object], encoding: str, edits: list[tuple[int, int, bytes]], blank: bool
) -> None:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    text = ("\n\n" if blank else "\n").join(lines)
    results = _read("f.jsonl", _mutate(_encode(text, encoding), edits))
    if not edits and encoding.startswith("utf-8") and all(isinstance(r, dict) for r in records):
        assert len(results) == max(1, sum(1 for line in lines if line.strip()))  # one item per record


@FUZZ
@given(
    header=st.lists(st.sampled_from(["title", "text", "标题", "正文", "source", "url", "", "x"]), max_size=5),
    rows=st.lists(st.lists(st.one_of(TEXT, LINKS), max_size=6), max_size=8),
    delimiter=st.sampled_from([",", "\t", ";", "|"]),
    quoting=st.sampled_from(["minimal", "all", "raw"]),
    encoding=ENCODINGS,
    edits=EDITS,
)
def test_csv_reader(
    header: list[str],
    rows: list[list[str]],
    delimiter: str,
    quoting: str,
    encoding: str,
    edits: list[tuple[int, int, bytes]],
) -> None:
    def cell(value: str) -> str:
        if quoting == "raw":  # written without any quoting: stray quotes and delimiters stay as they are
            return value
        if quoting == "all" or any(c in value for c in f'{delimiter}"\n\r'):
            return '"' + value.replace('"', '""') + '"'
        return value

    text = "\n".join(delimiter.join(cell(v) for v in row) for row in [header, *rows]) + "\n"
    _read("f.csv", _mutate(_encode(text, encoding), edits))


@FUZZ
@given(
    title=TEXT,
    paragraphs=st.lists(TEXT, max_size=6),
    charset=st.sampled_from(["utf-8", "gb2312", "big5", "nonsense", "utf-16"]),
    encoding=ENCODINGS,
    extra=st.sampled_from(
        [
            "",
            '<meta property="article:published_time" content="2025-13-45T99:99">',
            '<script type="application/ld+json">{"datePublished": [1, {"x": null}]}</script>',
            '<link rel="canonical" href="javascript:alert(1)">',
            "<time datetime='yesterday'>昨天</time>",
            "<![CDATA[" + "<" * 50,
            "<div>" * 300,
        ]
    ),
    edits=EDITS,
)
def test_html_reader(
    title: str,
    paragraphs: list[str],
    charset: str,
    encoding: str,
    extra: str,
    edits: list[tuple[int, int, bytes]],
) -> None:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = (
        f'<html><head><meta charset="{charset}"><title>{title}</title>{extra}</head>'
        f"<body><article><h1>{title}</h1>{body}</article></body></html>"
    )
    _read("f.html", _mutate(_encode(page, encoding), edits))


@FUZZ
@given(
    kind=st.sampled_from(["rss", "atom", "rdf"]),
    entries=st.lists(st.tuples(TEXT, TEXT, LINKS, TEXT), max_size=5),
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
    edits=EDITS,
)
def test_feed_reader(
    kind: str, entries: list[tuple[str, str, str, str]], encoding: str, edits: list[tuple[int, int, bytes]]
) -> None:
    def esc(value: str) -> str:
        return value.replace("&", "&amp;").replace("<", "&lt;")

    if kind == "atom":
        items = "".join(
            f'<entry><title>{esc(t)}</title><link href="{esc(link)}"/><updated>{esc(d)}</updated>'
            f'<content type="html">{esc(b)}</content></entry>'
            for t, b, link, d in entries
        )
        doc = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>源</title>{items}</feed>'
    else:
        items = "".join(
            f"<item><title>{esc(t)}</title><link>{esc(link)}</link><pubDate>{esc(d)}</pubDate>"
            f"<description><![CDATA[{b}]]></description></item>"
            for t, b, link, d in entries
        )
        doc = f'<rss version="2.0"><channel><title>源</title>{items}</channel></rss>'
        if kind == "rdf":
            doc = doc.replace("<rss", "<rdf:RDF").replace("</rss>", "</rdf:RDF>")
    data = _mutate(
        f'<?xml version="1.0" encoding="{encoding}"?>{doc}'.encode(encoding, "surrogatepass"), edits
    )
    start = time.monotonic()
    results = list(read_feed(data, source="fuzz.xml", options=FeedOptions(fetcher=None)))
    assert time.monotonic() - start < BUDGET_S
    _check(results, "fuzz.xml")
    results = _read("f.xml", data)  # and through the file path, which decides feed-or-not itself


_PDF = make_pdf(PDF_LINES, title="AI capex note")


@FUZZ
@given(
    lines=st.lists(st.text(alphabet=st.characters(codec="latin-1"), max_size=60), max_size=6),
    title=st.one_of(st.none(), st.text(alphabet=st.characters(codec="latin-1"), max_size=30)),
    edits=EDITS,
    keep_ends=st.booleans(),
)
def test_pdf_reader(
    lines: list[str], title: str | None, edits: list[tuple[int, int, bytes]], keep_ends: bool
) -> None:
    data = make_pdf(lines, title=title) if lines else _PDF
    damaged = _mutate(data, edits)
    if keep_ends:  # damage inside a file that still looks whole, so pypdf really parses it
        damaged = b"%PDF-1.4\n" + damaged[9:] + b"\n%%EOF\n"
    _read("f.pdf", damaged)


@FUZZ
@given(
    data=st.binary(max_size=2048),
    suffix=st.sampled_from([".jsonl", ".json", ".csv", ".html", ".xml", ".pdf", ".md", ".txt"]),
)
def test_any_bytes_under_any_extension(data: bytes, suffix: str) -> None:
    _read("raw" + suffix, data)
