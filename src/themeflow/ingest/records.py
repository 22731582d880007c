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

import csv
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from themeflow.errors import InputError
from themeflow.ingest.document import Draft, Limits, build_document
from themeflow.ingest.times import parse_time
from themeflow.model import Document, IngestError
from themeflow.text.encoding import decode_bytes
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
        url=str(url) if isinstance(url, str) and url.startswith(("http://", "https://")) else None,
        fetched_at=published if capture else None,
        meta=meta,
    )
    return build_document(
        draft, source=source, record=where, origin=f"{source}:{where}", limits=options.limits
    )


def _sniff_encoding(path: Path) -> str:
    """The encoding of a line-oriented file, judged on its first 64 KB without splitting a character."""
    with path.open("rb") as fh:
        head = fh.read(65_536)
        partial = bool(fh.read(1))
    if partial:
        cut = head.rfind(b"\n")
        if cut > 0:
            head = head[: cut + 1]
        else:  # one giant line: the read may have split a multi-byte character; UTF-8 then is fine
            for trim in range(4):
                try:
                    head[: len(head) - trim].decode("utf-8")
                    return "utf-8-sig"
                except UnicodeDecodeError:
                    continue
    _, encoding = decode_bytes(head, source=str(path))
    return "utf-8-sig" if encoding in {"utf-8", "utf-8-sig"} else encoding


def read_jsonl(path: Path, options: RecordOptions | None = None) -> Iterator[Document | IngestError]:
    """One Document per line; a line that is not JSON yields an IngestError naming it (``line 7``)."""
    options = options or RecordOptions()
    field_map = normalize_field_map(options.field_map)
    source = str(path)
    encoding = _sniff_encoding(path)
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            where = f"line {lineno}"
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode(encoding))
            except UnicodeDecodeError:
                yield IngestError(source, where, f"not valid {encoding} text")
                continue
            except ValueError as exc:
                yield IngestError(source, where, f"not valid JSON: {exc}")
                continue
            yield _record_document(record, source=source, where=where, options=options, field_map=field_map)


def _json_records(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("data", "items", "articles", "records", "docs", "documents", "news", "results"):
            if isinstance(data.get(key), list):
                return data[key]
        return [data]
    return [data]


def read_json(path: Path, options: RecordOptions | None = None) -> Iterator[Document | IngestError]:
    """A JSON array of records, an object holding one (``{"items": [...]}``), or a single record."""
    options = options or RecordOptions()
    field_map = normalize_field_map(options.field_map)
    source = str(path)
    text, _ = decode_bytes(path.read_bytes(), source=source)
    try:
        data = json.loads(text)
    except ValueError as exc:
        if text.lstrip().startswith("{") and "\n{" in text:
            yield from read_jsonl(path, options)  # JSON Lines saved as .json
            return
        yield IngestError(source, None, f"not valid JSON: {exc}")
        return
    for index, record in enumerate(_json_records(data), start=1):
        yield _record_document(
            record, source=source, where=f"record {index}", options=options, field_map=field_map
        )


def read_csv(path: Path, options: RecordOptions | None = None) -> Iterator[Document | IngestError]:
    """A CSV/TSV with a header row; the delimiter is sniffed. Errors name the physical line."""
    options = options or RecordOptions()
    field_map = normalize_field_map(options.field_map)
    source = str(path)
    encoding = _sniff_encoding(path)
    csv.field_size_limit(options.limits.max_bytes)
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(8192)
        fh.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(fh, dialect=dialect)
        if not reader.fieldnames:
            yield IngestError(source, None, "empty CSV: no header row")
            return
        if field_map:
            missing = [c for c in field_map.values() if c not in reader.fieldnames]
            if missing:
                yield IngestError(
                    source,
                    None,
                    f"--map names columns not in the header: {', '.join(missing)} "
                    f"(columns: {', '.join(reader.fieldnames)})",
                )
                return
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield IngestError(source, f"line {reader.line_num}", f"malformed CSV: {exc}")
                continue
            where = f"line {reader.line_num}"
            yield _record_document(row, source=source, where=where, options=options, field_map=field_map)
