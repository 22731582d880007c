"""From what a user typed (files, folders, globs, URLs) to a stream of Documents and IngestErrors.

The contract that makes batch ingest safe: this stream never raises for bad *input*. A missing path, an
unsupported extension, an undecodable file, a broken record, a dead URL — each becomes one
:class:`~themeflow.model.IngestError` naming the file or URL, the record and the reason, and reading
goes on with the next. Only mistakes in the *call* (an unknown ``--map`` field, a bad time zone) raise,
before anything is read, because no input could succeed with them. Nothing is dropped silently either: a
folder that cannot be listed, a broken link and a file with no records are reported too.

Folders and ``**`` globs are walked here rather than by :func:`glob.glob` or :meth:`Path.rglob`, which
follow links to folders without remembering where they have been: two links to ``.`` inside a folder
make them enumerate ``d/s1/s2/s1/…`` until the path-length limit, 2^40 paths. The walk follows a link
to a folder only if that folder (by device and inode) has not been read yet, so it ends, and a folder
linked from two places is read once.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from themeflow.errors import InputError
from themeflow.ingest.document import Draft, Limits, build_document
from themeflow.ingest.feeds import FeedOptions, looks_like_feed, read_feed
from themeflow.ingest.fetch import FetchConfig, Fetcher, HttpFetcher
from themeflow.ingest.html import decode_html, html_draft
from themeflow.ingest.pdf import pdf_draft
from themeflow.ingest.records import RecordOptions, normalize_field_map, read_csv, read_json, read_jsonl
from themeflow.ingest.textfiles import markdown_draft, text_draft
from themeflow.ingest.times import zone
from themeflow.ingest.urls import http_url, redact_url
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
    fetch_config: FetchConfig | None = None
    """Settings for the default fetcher (user agent, rate limit, allow-list) when ``fetcher`` is None."""
    _owned: HttpFetcher | None = None

    def get_fetcher(self) -> Fetcher:
        """The caller's fetcher, or a default one created on first need (closed by read_targets)."""
        if self.fetcher is None:
            self._owned = HttpFetcher(self.fetch_config)
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
    fetch_config: FetchConfig | None = None,
) -> Iterator[Document | IngestError]:
    """Read every target — file, folder (recursive), glob or http(s) URL — in order.

    ``fetch_config`` configures the fetcher created when ``fetcher`` is None. Raises InputError/ConfigError
    up front for an unknown ``field_map`` field or time zone; after that, every problem is an IngestError
    in the stream.
    """
    normalize_field_map(field_map)
    zone(tz)
    options = ReadOptions(
        field_map=field_map, tz=tz, fetcher=fetcher, limits=limits or Limits(), fetch_config=fetch_config
    )
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
        found = False
        for item in _walk(path):
            found = True
            yield item
        if not found:
            yield IngestError(target, None, "folder has no files")
    elif path.is_file():
        yield path
    elif _GLOB_CHARS & set(target):
        pattern = os.path.expanduser(target)
        if "**" in pattern:
            matches: Iterator[Path | IngestError] = _recursive_glob(pattern)
        else:  # one level per pattern part: a link loop cannot make it run away
            matches = (m for m in map(Path, sorted(glob.glob(pattern))) if m.is_file())
        found = False
        for item in matches:
            found = True
            yield item
        if not found:
            yield IngestError(target, None, "no files match this pattern")
    elif path.is_symlink():
        yield IngestError(target, None, "broken symbolic link: its target does not exist")
    elif path.exists():
        yield IngestError(target, None, "not a regular file or folder")
    else:
        yield IngestError(target, None, "no such file or folder")


def _walk(top: Path, *, include_hidden: bool = False) -> Iterator[Path | IngestError]:
    """Files under ``top`` in sorted path order; each real folder is read once (see the module docstring).

    A folder that cannot be listed and a link to nowhere are IngestErrors; hidden entries (``.git``,
    ``.DS_Store``) are skipped unless ``include_hidden``.
    """
    seen: set[tuple[int, int]] = set()
    stack: list[Iterator[os.DirEntry[str]]] = []

    def enter(folder: str) -> IngestError | None:
        try:
            info = os.stat(folder)
            key = (info.st_dev, info.st_ino)
            if key in seen:
                return None  # a link back to a folder on the current path, or one read already
            seen.add(key)
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            return IngestError(folder, None, f"cannot read folder: {exc.strerror or exc}")
        stack.append(iter(entries))
        return None

    if (problem := enter(str(top))) is not None:
        yield problem
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith(".") and not include_hidden:
            continue
        try:
            mode = os.stat(entry.path).st_mode  # follows links: a link to a file is a file
        except OSError as exc:
            if entry.is_symlink():
                yield IngestError(entry.path, None, "broken symbolic link: its target does not exist")
            else:
                yield IngestError(entry.path, None, f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(mode):
            if (problem := enter(entry.path)) is not None:
                yield problem
        elif stat.S_ISREG(mode):
            yield Path(entry.path)
        # sockets, pipes and devices are not documents; a pipe would block the read forever


def _recursive_glob(pattern: str) -> Iterator[Path | IngestError]:
    """Files matching a ``**`` pattern, by walking its fixed leading folder with :func:`_walk`."""
    parts = Path(pattern).parts
    fixed = 0
    while fixed < len(parts) - 1 and not _GLOB_CHARS & set(parts[fixed]):
        fixed += 1
    base = Path(*parts[:fixed]) if fixed else Path(".")
    wanted = parts[fixed:]
    if not base.is_dir():
        return
    hidden = any(p.startswith(".") and p not in {".", ".."} for p in wanted)
    for item in _walk(base, include_hidden=hidden):
        if isinstance(item, Path):
            if _glob_match(wanted, item.relative_to(base).parts):
                yield item
        elif item.reason.startswith("cannot read folder") or _glob_match(
            wanted, Path(item.source).relative_to(base).parts
        ):
            yield item


def _glob_match(pattern: Sequence[str], parts: Sequence[str]) -> bool:
    """Does a relative path match a split glob, ``**`` standing for any number of folders (zero too)?"""
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_glob_match(rest, parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], head) and _glob_match(rest, parts[1:])


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
    readers = {"jsonl": read_jsonl, "json": read_json, "csv": read_csv}
    try:
        if kind in readers:
            count = 0
            for item in readers[kind](path, options.records):
                count += 1
                yield item
            if not count:  # an empty export is a mistake worth a line, not a silent success
                yield IngestError(source, None, "no records in the file (it is empty or only blank lines)")
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
    source = redact_url(url)  # the fetch needs a password in the URL; errors, origins and links do not
    try:
        page = options.get_fetcher().get(url)
    except InputError as exc:
        yield IngestError(source, None, _reason(exc, source))
        return
    try:
        if looks_like_feed(page.content, page.content_type):
            yield from read_feed(
                page.content, source=source, options=options.feeds, fetched_at=page.fetched_at
            )
            return
        if page.content_type == "application/pdf" or page.content.startswith(b"%PDF"):
            draft = pdf_draft(page.content, source=source)
        else:
            html = decode_html(page.content, source=source, http_charset=page.charset)
            draft = html_draft(html, url=page.url, tz=options.tz, now=options.now)
    except InputError as exc:
        yield IngestError(source, None, _reason(exc, source))
        return
    # The fetch time is recorded as such; it is never promoted to a publish time.
    draft = replace(draft, url=http_url(draft.url) or page.url, fetched_at=page.fetched_at)
    yield build_document(draft, source=source, record=None, origin=source, limits=options.limits)
