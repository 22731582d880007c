"""Copy a whole store into another, of either backend, and prove the copy (``themeflow migrate``).

Why through the destination's own writes for documents: its full-text index and story tables are its own
(tsvectors or FTS5, its rowids), so documents are written as an ingest would write them, keeping the times
they were first and last written (incremental runs read those). Everything an analyst made besides —
summaries, the ingest log, themes, runs and what they reported, seen sets, concept tags, vectors — is
carried row for row (``store.base.PORTABLE_TABLES``), ids kept.

Proof: for the documents and every table, the number of rows and a checksum of their contents, read back
from both stores after the copy, must agree; a difference is an error naming the table. The checksum is
order-free (a sum of per-row digests), so each store reads in its own order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from themeflow.errors import InputError, StoreError
from themeflow.model import Document
from themeflow.store.base import PORTABLE_TABLES, Store, StoredDocument

__all__ = ["TableCheck", "TransferReport", "checksum", "copy_store", "paged_documents"]

_MOD = 1 << 256


@dataclass(frozen=True, slots=True)
class TableCheck:
    """One table's rows and checksum as read back from each store after the copy."""

    table: str
    rows: int
    source_checksum: str
    copy_checksum: str
    copy_rows: int

    @property
    def matches(self) -> bool:
        return self.rows == self.copy_rows and self.source_checksum == self.copy_checksum


@dataclass(slots=True)
class TransferReport:
    """What ``copy_store`` copied and how it checked it."""

    source: str
    destination: str
    checks: list[TableCheck] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return all(c.matches for c in self.checks)


def _canonical(value: object) -> object:
    """A value as both backends read it: booleans and numbers as one float, bytes as hex, JSON sorted."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return round(float(value), 6)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def _row_digest(row: Iterable[object]) -> int:
    text = json.dumps([_canonical(v) for v in row], ensure_ascii=False, sort_keys=True, default=str)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")


def checksum(rows: Iterable[Iterable[object]]) -> tuple[int, str]:
    """(rows, checksum): an order-free sum of each row's SHA-256."""
    n, total = 0, 0
    for row in rows:
        n += 1
        total = (total + _row_digest(row)) % _MOD
    return n, f"{total:064x}"


def _document_row(item: StoredDocument) -> tuple[object, ...]:
    doc, ingested_at, updated_at = item
    return (
        doc.id,
        doc.content_hash,
        doc.source,
        doc.published_at.isoformat() if doc.published_at else None,
        doc.time_origin,
        doc.url,
        json.dumps(dict(doc.meta), ensure_ascii=False, sort_keys=True),
        ingested_at,
        updated_at,
    )


def _documents(store: Store) -> Iterable[tuple[object, ...]]:
    for batch in store.transfer.documents():
        yield from (_document_row(item) for item in batch)


def _table_rows(store: Store, columns: tuple[str, ...], name: str) -> Iterable[tuple[object, ...]]:
    table = next(t for t in PORTABLE_TABLES if t.name == name)
    for batch in store.transfer.rows(table):
        yield from (tuple(r[c] for c in columns) for r in batch)


Progress = Callable[[str, int], None]

DocumentPage = Callable[[int, int], Sequence[tuple[int, str, float, float]]]
"""``(after rowid, batch) -> [(rowid, id, ingested_at, updated_at)]`` in rowid order: a backend's read."""


def paged_documents(
    page: DocumentPage, get_documents: Callable[[Sequence[str]], Mapping[str, Document]], batch: int
) -> Iterator[list[StoredDocument]]:
    """Every document with its write times, a page at a time in rowid order (each backend's ``documents``)."""
    last = 0
    while rows := page(last, batch):
        docs = get_documents([r[1] for r in rows])
        last = int(rows[-1][0])
        yield [(docs[r[1]], float(r[2]), float(r[3])) for r in rows]


def copy_store(source: Store, destination: Store, *, on_progress: Progress | None = None) -> TransferReport:
    """Copy ``source`` into the empty ``destination`` and check the copy; raises StoreError when a table's
    rows or checksum differ afterwards."""
    if destination.count_documents() or _has_rows(destination):
        raise InputError(
            f"{destination.stats().location} is not empty; migrate copies into a new, empty store"
            " (create a new database, or point --to at a new file)"
        )
    report = TransferReport(source.stats().location, destination.stats().location)
    copied = 0
    for batch in source.transfer.documents():
        destination.transfer.put_documents(batch)
        copied += len(batch)
        if on_progress:
            on_progress("documents", copied)
    for table in PORTABLE_TABLES:
        copied = 0
        for rows in source.transfer.rows(table):
            destination.transfer.put_rows(table, rows)
            copied += len(rows)
            if on_progress:
                on_progress(table.name, copied)
    destination.transfer.finish()
    report.checks.append(_check("documents", _documents(source), _documents(destination)))
    for table in PORTABLE_TABLES:
        report.checks.append(
            _check(
                table.name,
                _table_rows(source, table.columns, table.name),
                _table_rows(destination, table.columns, table.name),
            )
        )
    bad = [c for c in report.checks if not c.matches]
    if bad:
        names = ", ".join(f"{c.table} ({c.rows} rows read, {c.copy_rows} in the copy)" for c in bad)
        raise StoreError(f"the copy in {report.destination} differs from {report.source} in: {names}")
    return report


def _check(name: str, source: Iterable[tuple[object, ...]], copy: Iterable[tuple[object, ...]]) -> TableCheck:
    rows, digest = checksum(source)
    copy_rows, copy_digest = checksum(copy)
    return TableCheck(name, rows, digest, copy_digest, copy_rows)


def _has_rows(store: Store) -> bool:
    """Whether any portable table already holds rows (a store with themes but no documents is not empty)."""
    for table in PORTABLE_TABLES:
        for batch in store.transfer.rows(table, batch=1):
            if batch:
                return True
            break
    return False


def as_dict(report: TransferReport) -> Mapping[str, object]:
    """The report as the CLI's ``--json`` prints it."""
    return {
        "source": report.source,
        "destination": report.destination,
        "verified": report.verified,
        "tables": {
            c.table: {
                "rows": c.rows,
                "copied": c.copy_rows,
                "checksum": c.source_checksum,
                "matches": c.matches,
            }
            for c in report.checks
        },
    }
