"""The SQLite FTS5 index over analyzed text (first cut; the search issue owns and extends this).

The store calls :func:`index_document` / :func:`remove_document` inside the transaction that writes the
document, so the index never disagrees with the documents table.
"""

from __future__ import annotations

import sqlite3

from themeflow.model import Document
from themeflow.text.segment import ANALYZER_VERSION, analyze

__all__ = ["ANALYZER_VERSION", "MIGRATIONS", "index_document", "remove_document"]

MIGRATIONS: list[tuple[str, str]] = [
    (
        "fts_0001_doc_fts",
        "CREATE VIRTUAL TABLE IF NOT EXISTS doc_fts USING fts5(title, body, tokenize = 'unicode61');",
    ),
]


def index_document(conn: sqlite3.Connection, rowid: int, doc: Document) -> None:
    remove_document(conn, rowid)
    conn.execute(
        "INSERT INTO doc_fts(rowid, title, body) VALUES (?, ?, ?)",
        (rowid, " ".join(analyze(doc.title)), " ".join(analyze(doc.text))),
    )


def remove_document(conn: sqlite3.Connection, rowid: int) -> None:
    conn.execute("DELETE FROM doc_fts WHERE rowid = ?", (rowid,))


def clear(conn: sqlite3.Connection) -> None:
    """Empty the index (before a rebuild)."""
    conn.execute("DELETE FROM doc_fts")
