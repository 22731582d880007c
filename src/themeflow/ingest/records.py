"""Tabular sources: JSONL, JSON and CSV, one Document per record.

Exports from crawlers, vendors and spreadsheets name the same fields a dozen ways (``content``,
``正文``, ``body``…), so columns are recognised by common names in English and Chinese and a user
``field_map`` (``--map text=article_body``) overrides the guess. Files are read as a stream — a
multi-GB JSONL export never sits in memory — and a broken line is reported with its line number while
the rest of the file is ingested.

Upstream ids go to ``meta["source_id"]``; a record that says its time is a capture date
(``published_note``, as in the shared corpus) gets ``time_origin="fetch"``, never ``document``.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from themeflow.errors import InputError
from themeflow.ingest.document import Draft, Limits, build_document
from themeflow.ingest.times import parse_time
from themeflow.ingest.urls import http_url
from themeflow.model import Document, IngestError
from themeflow.text.encoding import decode_bytes, line_encoding, reads_by_bytes, utf8_damage
from themeflow.text.normalize import restore_breaks

__all__ = ["FIELD_NAMES", "RecordOptions", "normalize_field_map", "read_csv", "read_json", "read_jsonl"]

FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "标题", "headline", "题目", "新闻标题", "subject"),
    "text": ("text", "content", "body", "正文", "内容", "article", "新闻内容", "fulltext", "full_text", "description", "summary", "摘要"),
    "source": ("source", "media", "来源", "site", "sitename", "site_name", "媒体", "publisher", "outlet", "网站"),
    "published": (
        "published", "date", "time", "pubtime", "pub_time", "pubdate", "publish_time", "published_at",
        "publishtime", "publish_date", "发布时间", "时间", "日期", "datetime", "created_at",
    ),
    "url": ("url", "link", "链接", "href", "网址", "source_url"),
    "id": ("id", "_id", "doc_id", "uuid", "guid", "编号"),
}  # fmt: skip
"""Our field → column names recognised for it, in order of preference (matched case-insensitively)."""

_ALIASES = {"content": "text", "body": "text", "date": "published", "time": "published", "link": "url"}
_PRESERVED_META = ("title_note", "source_note", "published_note", "categories", "author", "作者")
_FLATTENED = re.compile(r"[ \u3000]{2,}")


@dataclass(frozen=True, slots=True)
class RecordOptions:
    field_map: Mapping[str, str] | None = None
    tz: str = "Asia/Shanghai"
    limits: Limits = Limits()


def normalize_field_map(field_map: Mapping[str, str] | None) -> dict[str, str]:
    """Validate a user ``field → column`` map; unknown fields are an InputError listing the valid ones."""
    out: dict[str, str] = {}
    for key, column in (field_map or {}).items():
        name = _ALIASES.get(key.strip().lower(), key.strip().lower())
        if name not in FIELD_NAMES:
            raise InputError(
                f"--map {key}={column}: unknown field {key!r}; use one of {', '.join(FIELD_NAMES)}"
            )
        out[name] = column
    return out


def _pick(record: Mapping[str, Any], field: str, field_map: Mapping[str, str]) -> Any:
    if field in field_map:
        return record.get(field_map[field])
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    for name in FIELD_NAMES[field]:
        value = lowered.get(name)
        if value not in (None, "", []):
            return value
    return None


def _as_text(value: Any) -> str | list[str]:
    if value is None:
        return ""
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    text = str(value)
    if "\n" not in text and _FLATTENED.search(text):
        text = restore_breaks(text)  # a flattened export: runs of spaces were paragraph breaks
    return text


def _record_document(
    record: Any, *, source: str, where: str, options: RecordOptions, field_map: Mapping[str, str]
) -> Document | IngestError:
    if not isinstance(record, Mapping):
        return IngestError(
            source, where, f"expected an object with named fields, got {type(record).__name__}"
        )
    text = _as_text(_pick(record, "text", field_map))
    if not text:
        return IngestError(
            source,
            where,
            "empty document: no text field (looked for "
            + ", ".join(FIELD_NAMES["text"][:5])
            + "…; use --map text=COLUMN)",
        )
    raw_time = _pick(record, "published", field_map)
    published = parse_time(raw_time, options.tz)
    capture = bool(record.get("published_note"))
    meta: dict[str, str] = {}
    upstream_id = _pick(record, "id", field_map)
    if upstream_id not in (None, ""):
        meta["source_id"] = str(upstream_id)
    if raw_time not in (None, "") and published is None:
        meta["unparsed_time"] = str(raw_time)[:100]
    for key in _PRESERVED_META:
        value = record.get(key)
        if value not in (None, "", []):
            meta[key] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    title = _pick(record, "title", field_map)
    src = _pick(record, "source", field_map)
    url = _pick(record, "url", field_map)
    draft = Draft(
        title=str(title) if title is not None else None,
        text=text,
        source=str(src) if src is not None else None,
        published_at=published,
        time_origin="fetch" if capture else "document",
        url=http_url(url),
        fetched_at=published if capture else None,
        meta=meta,
    )
    return build_document(
        draft, source=source, record=where, origin=f"{source}:{where}", limits=options.limits
    )


def _sniff_encoding(path: Path) -> str:
    """The encoding of a line-oriented file, judged line by line on its first 64 KB (see line_encoding)."""
    with path.open("rb") as fh:
        head = fh.read(65_536)
        more = bool(fh.read(1))
    if more:
        cut = head.rfind(b"\n")
        if cut > 0:
            head, more = head[: cut + 1], False
    return line_encoding(head, partial=more, source=str(path))


def _label(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "gb18030": "GB18030", "big5": "BIG5"}.get(
        name, name.upper()
    )


def _lines(path: Path, encoding: str) -> Iterator[tuple[int, str, str | None]]:
    """``(line number, text, problem)`` for each physical line; ``problem`` says why the text is not usable.

    Lines are decoded one at a time and strictly, so a bad byte spoils its own line and no other.
    """
    label = _label(encoding)
    if reads_by_bytes(encoding):
        with path.open("rb") as fh:
            lineno = 0
            for raw in fh:
                problem = "contains NUL bytes: binary data, not text" if b"\x00" in raw else None
                try:
                    text = raw.decode(encoding)
                except UnicodeDecodeError as exc:
                    text = raw.decode(encoding, errors="replace")
                    problem = (
                        f"not valid {label} text (bad byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
                    )
                # a line ending in a lone CR (old Mac files) holds several lines
                pieces = text.splitlines(keepends=True) if "\r" in text.rstrip("\r\n") else [text]
                for piece in pieces:
                    lineno += 1
                    yield lineno, piece, problem
        return
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        for lineno, text in enumerate(fh, start=1):
            problem = None
            if "\ufffd" in text:
                problem = f"not valid {label} text"
            elif "\x00" in text:
                problem = "contains NUL characters: binary data, not text"
            yield lineno, text, problem


def read_jsonl(path: Path, options: RecordOptions | None = None) -> Iterator[Document | IngestError]:
    """One Document per line; a line that is not JSON or not text yields an IngestError naming it (``line 7``)."""
    options = options or RecordOptions()
    field_map = normalize_field_map(options.field_map)
    source = str(path)
    encoding = _sniff_encoding(path)
    for lineno, line, problem in _lines(path, encoding):
        where = f"line {lineno}"
        if not line.strip():
            continue
        if problem is not None:
            yield IngestError(source, where, problem)
            continue
        try:
            record = json.loads(line.lstrip("\ufeff"))  # files joined with `cat` keep each one's BOM
        except ValueError as exc:
            yield IngestError(source, where, f"not valid JSON: {exc}")
            continue
        except RecursionError:
            yield IngestError(source, where, "not valid JSON: nested too deeply")
            continue
        yield _record_document(record, source=source, where=where, options=options, field_map=field_map)


def _json_records(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("data", "items", "articles", "records", "docs", "documents", "news", "results"):
            if isinstance(items := data.get(key), list):
                return items
        return [data]
    return [data]


def read_json(path: Path, options: RecordOptions | None = None) -> Iterator[Document | IngestError]:
    """A JSON array of records, an object holding one (``{"items": [...]}``), or a single record.

    A file that is UTF-8 except for a few bad bytes still yields its good records: each record that holds
    a damaged character is an error of its own.
    """
    options = options or RecordOptions()
    field_map = normalize_field_map(options.field_map)
    source = str(path)
    data = path.read_bytes()
    damaged = False
    try:
        text, _ = decode_bytes(data, source=source)
    except InputError:
        if utf8_damage(data) is None:
            raise
        text, damaged = data.decode("utf-8", errors="replace"), True
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError) as exc:
        if text.lstrip().startswith("{") and "\n{" in text:
            yield from read_jsonl(path, options)  # JSON Lines saved as .json
            return
        reason = exc if isinstance(exc, ValueError) else "nested too deeply"
        yield IngestError(source, None, f"not valid JSON: {reason}")
        return
    for index, record in enumerate(_json_records(parsed), start=1):
        where = f"record {index}"
        if damaged and "\ufffd" in json.dumps(record, ensure_ascii=False):
            yield IngestError(source, where, "not valid UTF-8 text (a damaged character in this record)")
            continue
        yield _record_document(record, source=source, where=where, options=options, field_map=field_map)


def read_csv(path: Path, options: RecordOptions | None = None) -> Iterator[Document | IngestError]:
    """A CSV/TSV with a header row; the delimiter is sniffed. Errors name the record's first line.

    Python's csv module, left to itself, lets an unclosed quote swallow every following row into one
    field, without an error. So each record is parsed on its own, strictly, from the lines it needs: a
    record that breaks (a stray quote, a quote run to the end of the file, a multi-line record with the
    wrong number of fields) is reported at its first line, and parsing starts again on the next line,
    so the rows after it still land.
    """
    options = options or RecordOptions()
    field_map = normalize_field_map(options.field_map)
    source = str(path)
    encoding = _sniff_encoding(path)
    csv.field_size_limit(options.limits.max_bytes)
    records = _CsvRecords(_lines(path, encoding))
    dialect = records.sniff_dialect()
    header = next(records.parse(dialect), None)
    if header is None or header.problem or not header.fields or not any(f.strip() for f in header.fields):
        yield IngestError(source, None, "empty CSV: no header row")
        return
    columns = [c.lstrip("\ufeff") for c in header.fields]
    if field_map:
        missing = [c for c in field_map.values() if c not in columns]
        if missing:
            yield IngestError(
                source,
                None,
                f"--map names columns not in the header: {', '.join(missing)} (columns: {', '.join(columns)})",
            )
            return
    for record in records.parse(dialect, len(columns)):
        where = f"line {record.line}"
        if record.problem:
            yield IngestError(source, where, record.problem)
        elif not record.fields:
            continue  # a blank line
        elif len(record.fields) > len(columns):
            yield IngestError(
                source,
                where,
                f"malformed CSV: {len(record.fields)} fields but the header has {len(columns)}"
                " (an unquoted delimiter in a value?)",
            )
        else:
            row: dict[str, str | None] = dict.fromkeys(columns)
            row.update(zip(columns, record.fields, strict=False))
            yield _record_document(row, source=source, where=where, options=options, field_map=field_map)


@dataclass(frozen=True, slots=True)
class _CsvRecord:
    line: int
    fields: list[str]
    problem: str | None = None


class _CsvRecords:
    """CSV records from numbered lines, with the recovery :func:`read_csv` describes."""

    def __init__(self, lines: Iterator[tuple[int, str, str | None]]) -> None:
        self._lines = lines
        self._pending: deque[tuple[int, str, str | None]] = deque()

    def _next_line(self) -> tuple[int, str, str | None] | None:
        return self._pending.popleft() if self._pending else next(self._lines, None)

    def _feed(self, used: list[tuple[int, str, str | None]]) -> Iterator[str]:
        """Lines for one record's reader, noting in ``used`` which ones it took."""
        while (item := self._next_line()) is not None:
            used.append(item)
            yield item[1]

    def sniff_dialect(self) -> type[csv.Dialect] | csv.Dialect:
        sample: list[tuple[int, str, str | None]] = []
        size = 0
        while size < 8192 and (item := self._next_line()) is not None:
            sample.append(item)
            size += len(item[1])
        self._pending.extendleft(reversed(sample))
        try:
            return csv.Sniffer().sniff("".join(t for _, t, _ in sample), delimiters=",\t;|")
        except csv.Error:
            return csv.excel

    def parse(
        self, dialect: type[csv.Dialect] | csv.Dialect, columns: int | None = None
    ) -> Iterator[_CsvRecord]:
        """Records in order. One that spans lines must have ``columns`` fields, or its quote is suspect."""
        while True:
            used: list[tuple[int, str, str | None]] = []
            # doublequote: the sniffer turns it off when the sample has no "" in it, and then a stray
            # quote would end a value silently instead of being an error
            reader = csv.reader(self._feed(used), dialect, strict=True, doublequote=True)
            try:
                fields: list[str] | None = next(reader)
                error = None
            except StopIteration:
                return
            except csv.Error as exc:
                fields, error = None, str(exc)
            if not used:  # pragma: no cover - the reader raised before reading anything
                return
            first = used[0][0]
            spans = len(used) > 1
            miscounted = spans and columns is not None and fields is not None and len(fields) != columns
            if error is not None or miscounted:
                if spans:  # the lines after the first are read again as rows of their own
                    self._pending.extendleft(reversed(used[1:]))
                if error == "unexpected end of data":
                    error = "a quoted value opened on this line is never closed"
                reason = error or (
                    f"a quoted value opened on this line runs on for {len(used)} lines and leaves "
                    f"{len(fields or [])} fields where the header has {columns} (an unclosed quote?)"
                )
                yield _CsvRecord(first, [], f"malformed CSV: {reason}")
                continue
            bad = next((p for _, _, p in used if p), None)
            yield _CsvRecord(first, fields or [], bad)
