"""From what a user typed (files, folders, globs, URLs) to a stream of Documents and IngestErrors.

The contract that makes batch ingest safe: this stream never raises for bad *input*. A missing path, an
unsupported extension, an undecodable file, a broken record, a dead URL — each becomes one
:class:`~themeflow.model.IngestError` naming the file or URL, the record and the reason, and reading
goes on with the next. Only mistakes in the *call* (an unknown ``--map`` field, a bad time zone) raise,
before anything is read, because no input could succeed with them.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from themeflow.errors import InputError
from themeflow.ingest.document import Draft, Limits, build_document
from themeflow.ingest.feeds import FeedOptions, looks_like_feed, read_feed
from themeflow.ingest.fetch import Fetcher, HttpFetcher
from themeflow.ingest.html import decode_html, html_draft
from themeflow.ingest.pdf import pdf_draft
from themeflow.ingest.records import RecordOptions, normalize_field_map, read_csv, read_json, read_jsonl
from themeflow.ingest.textfiles import markdown_draft, text_draft
from themeflow.ingest.times import zone
from themeflow.model import Document, IngestError
from themeflow.text.encoding import decode_bytes

__all__ = ["EXTENSIONS", "ReadOptions", "read_file", "read_targets", "read_url"]

EXTENSIONS: dict[str, str] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".pdf": "pdf",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}
"""File extension → reader kind. Anything else is reported, not guessed."""

_GLOB_CHARS = frozenset("*?[")


@dataclass(slots=True)
class ReadOptions:
    """Everything a reader may need; one object so adding an option does not touch every signature."""

    field_map: Mapping[str, str] | None = None
    tz: str = "Asia/Shanghai"
    limits: Limits = field(default_factory=Limits)
    now: datetime | None = None
    fetcher: Fetcher | None = None
    _owned: HttpFetcher | None = None

    def get_fetcher(self) -> Fetcher:
        """The caller's fetcher, or a default one created on first need (closed by read_targets)."""
        if self.fetcher is None:
            self._owned = HttpFetcher()
            self.fetcher = self._owned
        return self.fetcher

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()
            self._owned = None
            self.fetcher = None

    @property
    def records(self) -> RecordOptions:
        return RecordOptions(field_map=self.field_map, tz=self.tz, limits=self.limits)

    @property
    def feeds(self) -> FeedOptions:
        return FeedOptions(tz=self.tz, limits=self.limits, fetcher=self.get_fetcher, now=self.now)


def read_targets(
    targets: Sequence[str],
    *,
    field_map: Mapping[str, str] | None = None,
    tz: str = "Asia/Shanghai",
    fetcher: Fetcher | None = None,
    limits: Limits | None = None,
) -> Iterator[Document | IngestError]:
    """Read every target — file, folder (recursive), glob or http(s) URL — in order.

    Raises InputError/ConfigError up front for an unknown ``field_map`` field or time zone; after that,
    every problem is an IngestError in the stream.
    """
    normalize_field_map(field_map)
    zone(tz)
    options = ReadOptions(field_map=field_map, tz=tz, fetcher=fetcher, limits=limits or Limits())
    return _read_all(targets, options)


def _read_all(targets: Sequence[str], options: ReadOptions) -> Iterator[Document | IngestError]:
    try:
        for target in targets:
            if target.startswith(("http://", "https://")):
                yield from read_url(target, options)
                continue
            for item in _expand(target):
                if isinstance(item, IngestError):
                    yield item
                else:
                    yield from read_file(item, options)
    finally:
        options.close()


def _expand(target: str) -> Iterator[Path | IngestError]:
    path = Path(target).expanduser()
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path)))
        if not files:
            yield IngestError(target, None, "folder has no files")
        yield from files
    elif path.is_file():
        yield path
    elif _GLOB_CHARS & set(target):
        matches = sorted(Path(m) for m in glob.glob(os.path.expanduser(target), recursive=True))
        files = [m for m in matches if m.is_file()]
        if not files:
            yield IngestError(target, None, "no files match this pattern")
        yield from files
    elif path.exists():
        yield IngestError(target, None, "not a regular file or folder")
    else:
        yield IngestError(target, None, "no such file or folder")


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _reason(exc: Exception, source: str) -> str:
    return str(exc).removeprefix(f"{source}: ")


def _read_bytes(path: Path, limits: Limits) -> tuple[bytes, bool]:
    with path.open("rb") as fh:
        data = fh.read(limits.max_bytes + 1)
    return data[: limits.max_bytes], len(data) > limits.max_bytes


def read_file(path: Path, options: ReadOptions | None = None) -> Iterator[Document | IngestError]:
    """Every record in one file; an unsupported extension or unreadable file is one IngestError."""
    options = options or ReadOptions()
    source = str(path)
    kind = EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        supported = " ".join(sorted(EXTENSIONS))
        yield IngestError(
            source, None, f"unsupported file type {path.suffix or '(none)'!r}; supported: {supported}"
        )
        return
    try:
        if kind == "jsonl":
            yield from read_jsonl(path, options.records)
        elif kind == "json":
            yield from read_json(path, options.records)
        elif kind == "csv":
            yield from read_csv(path, options.records)
        else:
            yield from _read_single(path, kind, options)
    except InputError as exc:
        yield IngestError(source, None, _reason(exc, source))
    except OSError as exc:
        yield IngestError(source, None, f"cannot read: {exc.strerror or exc}")


def _read_single(path: Path, kind: str, options: ReadOptions) -> Iterator[Document | IngestError]:
    source = str(path)
    data, cut = _read_bytes(path, options.limits)
    if kind == "feed":
        yield from read_feed(data, source=source, options=options.feeds)
        return
    if kind == "pdf":
        if cut:
            raise InputError(f"{source}: PDF larger than the {options.limits.max_bytes}-byte cap")
        draft = pdf_draft(data, source=source)
    elif kind == "html":
        draft = html_draft(decode_html(data, source=source), tz=options.tz, now=options.now)
    else:
        text, _ = decode_bytes(data, source=source)
        draft = markdown_draft(text) if kind == "markdown" else text_draft(text)
    if cut:
        draft = _note(draft, "read_cap", f"read only the first {options.limits.max_bytes} bytes")
    yield build_document(draft, source=source, record=None, origin=source, limits=options.limits)


def _note(draft: Draft, key: str, value: str) -> Draft:
    return replace(draft, meta={**draft.meta, key: value})


def read_url(url: str, options: ReadOptions | None = None) -> Iterator[Document | IngestError]:
    """A feed URL (by content type or sniffing) yields its entries; anything else is one article page."""
    options = options or ReadOptions()
    try:
        page = options.get_fetcher().get(url)
    except InputError as exc:
        yield IngestError(url, None, _reason(exc, url))
        return
    try:
        if looks_like_feed(page.content, page.content_type):
            yield from read_feed(page.content, source=url, options=options.feeds, fetched_at=page.fetched_at)
            return
        if page.content_type == "application/pdf" or page.content.startswith(b"%PDF"):
            draft = pdf_draft(page.content, source=url)
        else:
            html = decode_html(page.content, source=url, http_charset=page.charset)
            draft = html_draft(html, url=page.url, tz=options.tz, now=options.now)
    except InputError as exc:
        yield IngestError(url, None, _reason(exc, url))
        return
    # The fetch time is recorded as such; it is never promoted to a publish time.
    draft = replace(draft, url=draft.url or page.url, fetched_at=page.fetched_at)
    yield build_document(draft, source=url, record=None, origin=url, limits=options.limits)
