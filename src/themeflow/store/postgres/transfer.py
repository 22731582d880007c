"""The PostgreSQL store's side of a copy between stores (``store/transfer.py``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from psycopg.types.json import Jsonb

from themeflow.errors import StoreError
from themeflow.store.base import PortableTable, StoredDocument
from themeflow.store.transfer import paged_documents

if TYPE_CHECKING:
    from themeflow.store.postgres.store import PostgresStore

__all__ = ["PostgresTransfer"]

_FILLED: dict[str, dict[str, str]] = {
    "doc_vectors": {"written": "(SELECT writes FROM store_state WHERE id = 1)"},
}
"""Columns only this store has, and what a copied row gets (a vector's write mark: ``vectors.py``)."""


class PostgresTransfer:
    """:class:`~themeflow.store.base.TableTransfer` for one PostgreSQL store."""

    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    def documents(self, batch: int = 500) -> Iterator[list[StoredDocument]]:
        def page(after: int, limit: int) -> list[tuple[int, str, float, float]]:
            with self.store.db.read("read documents to copy") as conn:
                return conn.execute(
                    "SELECT rowid, id, ingested_at, updated_at FROM documents WHERE rowid > %s ORDER BY rowid"
                    " LIMIT %s",
                    (after, limit),
                ).fetchall()

        return paged_documents(page, self.store.get_documents, batch)

    def put_documents(self, items: Sequence[StoredDocument]) -> None:
        self.store.upsert_documents([doc for doc, _, _ in items])
        with self.store.db.write("keep the copied documents' write times") as conn, conn.cursor() as cur:
            cur.executemany(
                "UPDATE documents SET ingested_at = %s, updated_at = %s WHERE id = %s",
                [(ingested, updated, doc.id) for doc, ingested, updated in items],
            )

    def rows(self, table: PortableTable, batch: int = 1000) -> Iterator[list[dict[str, object]]]:
        picked = ", ".join("d.id" if c == "doc_id" and table.doc_rowid else f"t.{c}" for c in table.columns)
        joined = " JOIN documents d ON d.rowid = t.doc_rowid" if table.doc_rowid else ""
        order = ", ".join("d.id" if c == "doc_id" and table.doc_rowid else f"t.{c}" for c in table.key)
        with (
            self.store.db.read(f"read {table.name} to copy") as conn,
            conn.cursor(name=f"copy_{table.name}") as cur,
        ):
            cur.execute(f"SELECT {picked} FROM {table.name} t{joined} ORDER BY {order}")
            while True:
                found = cur.fetchmany(batch)
                if not found:
                    return
                yield [
                    dict(
                        zip(
                            table.columns,
                            (bytes(v) if isinstance(v, memoryview) else v for v in row),
                            strict=True,
                        )
                    )
                    for row in found
                ]

    def put_rows(self, table: PortableTable, rows: Sequence[Mapping[str, object]]) -> None:
        filled = _FILLED.get(table.name, {})
        columns = ["doc_rowid" if c == "doc_id" and table.doc_rowid else c for c in table.columns]
        with self.store.db.write(f"copy {table.name}") as conn:
            types = _column_types(conn, table.name)
            rowids: dict[object, int] = {}
            if table.doc_rowid:
                rowids = dict(
                    conn.execute(
                        "SELECT id, rowid FROM documents WHERE id = ANY(%s)", ([r["doc_id"] for r in rows],)
                    ).fetchall()
                )
            values = []
            for row in rows:
                if table.doc_rowid and row["doc_id"] not in rowids:
                    raise StoreError(f"{table.name}: document {row['doc_id']!r} was not copied")
                values.append(
                    [
                        rowids[row[c]] if c == "doc_id" and table.doc_rowid else _value(row[c], types[name])
                        for c, name in zip(table.columns, columns, strict=True)
                    ]
                )
            holes = ["%s"] * len(columns) + list(filled.values())
            overriding = " OVERRIDING SYSTEM VALUE" if table.identity else ""
            with conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {table.name}({', '.join([*columns, *filled])}){overriding}"
                    f" VALUES ({', '.join(holes)})",
                    values,
                )

    def finish(self) -> None:
        """The next generated id of each identity table follows the copied ones."""
        from themeflow.store.base import PORTABLE_TABLES

        with self.store.db.write("continue the copied ids") as conn:
            for table in PORTABLE_TABLES:
                if table.identity:
                    conn.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{table.identity}'),"
                        f" coalesce(max({table.identity}), 0) + 1, false) FROM {table.name}"
                    )


def _column_types(conn: Any, table: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s"
        " AND table_schema = current_schema()",
        (table,),
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def _value(value: object, kind: str) -> object:
    """A value read from another store, as this column takes it (JSON, booleans stored as 0/1 elsewhere)."""
    if value is None:
        return None
    if kind == "jsonb":
        return Jsonb(value)
    if kind == "boolean":
        return bool(value)
    return value
