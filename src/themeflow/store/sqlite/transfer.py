"""The SQLite store's side of a copy between stores (``store/transfer.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from themeflow.errors import StoreError
from themeflow.store.base import PortableTable, StoredDocument
from themeflow.store.sqlite.params import chunks, marks
from themeflow.store.transfer import paged_documents

if TYPE_CHECKING:
    from themeflow.store.sqlite.store import SQLiteStore

__all__ = ["SQLiteTransfer"]


class SQLiteTransfer:
    """:class:`~themeflow.store.base.TableTransfer` for one SQLite store."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store

    def documents(self, batch: int = 500) -> Iterator[list[StoredDocument]]:
        def page(after: int, limit: int) -> list[tuple[int, str, float, float]]:
            with self.store.reading("read documents to copy"):
                return self.store.conn.execute(
                    "SELECT rowid, id, ingested_at, updated_at FROM documents WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (after, limit),
                ).fetchall()

        return paged_documents(page, self.store.get_documents, batch)

    def put_documents(self, items: Sequence[StoredDocument]) -> None:
        self.store.upsert_documents([doc for doc, _, _ in items])
        with self.store.transaction() as conn:
            conn.executemany(
                "UPDATE documents SET ingested_at = ?, updated_at = ? WHERE id = ?",
                [(ingested, updated, doc.id) for doc, ingested, updated in items],
            )

    def rows(self, table: PortableTable, batch: int = 1000) -> Iterator[list[dict[str, object]]]:
        picked = ", ".join("d.id" if c == "doc_id" and table.doc_rowid else f"t.{c}" for c in table.columns)
        joined = " JOIN documents d ON d.rowid = t.doc_rowid" if table.doc_rowid else ""
        order = ", ".join("d.id" if c == "doc_id" and table.doc_rowid else f"t.{c}" for c in table.key)
        with self.store.reading(f"read {table.name} to copy"):
            cur = self.store.conn.cursor()
            cur.row_factory = None
            cur.execute(f"SELECT {picked} FROM {table.name} t{joined} ORDER BY {order}")
            while True:
                found = cur.fetchmany(batch)
                if not found:
                    return
                yield [_portable(table, row) for row in found]

    def put_rows(self, table: PortableTable, rows: Sequence[Mapping[str, object]]) -> None:
        columns = ["doc_rowid" if c == "doc_id" and table.doc_rowid else c for c in table.columns]
        with self.store.transaction() as conn:
            rowids: dict[object, int] = {}
            if table.doc_rowid:
                for part in chunks([r["doc_id"] for r in rows]):
                    rowids.update(
                        conn.execute(
                            f"SELECT id, rowid FROM documents WHERE id IN ({marks(len(part))})", part
                        )
                    )
            values = []
            for row in rows:
                if table.doc_rowid and row["doc_id"] not in rowids:
                    raise StoreError(f"{table.name}: document {row['doc_id']!r} was not copied")
                values.append(
                    [
                        rowids[row[c]]
                        if c == "doc_id" and table.doc_rowid
                        else (
                            json.dumps(row[c], ensure_ascii=False)
                            if c in table.json and row[c] is not None
                            else row[c]
                        )
                        for c in table.columns
                    ]
                )
            conn.executemany(
                f"INSERT INTO {table.name}({', '.join(columns)}) VALUES ({marks(len(columns))})", values
            )

    def finish(self) -> None:
        """Nothing to do: SQLite's next id follows the largest one stored."""


def _portable(table: PortableTable, row: Sequence[object]) -> dict[str, object]:
    out = dict(zip(table.columns, row, strict=True))
    for c in table.json:
        value = out[c]
        if isinstance(value, str):
            out[c] = json.loads(value)
    return out
