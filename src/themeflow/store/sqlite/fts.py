"""The SQLite FTS5 index over analyzed text.

The store calls :func:`indexed_values` / :func:`remove_values` / :func:`insert_tokens` inside the transaction
that writes the document, so the index never disagrees with the documents table.

Layout — one FTS5 table, four columns, pre-analyzed text (tokens joined by spaces, so FTS5's ``unicode61``
tokenizer only has to split on spaces; ``.`` is a token character so ``114.3`` stays whole):

==========  =====================================================================
``title``   word stream of the title (rjieba + finance dictionary, see ``text/segment.py``)
``body``    word stream of the paragraphs
``title_g`` gram stream of the title (CJK bigrams + run-final unigram)
``body_g``  gram stream of the paragraphs
==========  =====================================================================

Why contentless (``content=''``): the documents and paragraphs tables already hold the text, and snippets
are cut from them in Python, so storing the token text again inside FTS5 would roughly double the index
for nothing. A contentless table in SQLite 3.40 can only delete a row when given the exact values it
indexed, so ``doc_fts_src`` keeps what cannot be recomputed for sure: the two word streams (rjieba's cut
depends on the installed rjieba), zlib-compressed, and a CRC-32 of the two gram streams. The grams are a
pure function of the stored title and paragraphs (folding and character pairs), so a replace recomputes them
from the old text before it is overwritten, and the checksum proves they are what was indexed; when it
does not (the folding table changed under an installed store), the whole index is rebuilt instead of
deleting with wrong values. Keeping all four streams made the index 6.9 kB a document of the shared corpus
(3.3x the raw text) and cost 0.38 ms of compression; the words alone 5.5 kB (2.6x) and 0.17 ms. Copies
written that way (a bare zlib stream of all four) are still read.

``hashsize`` is raised from 1 MB to 16 MB: FTS5 flushes its in-memory term table to a new segment when it
fills, and bulk ingest otherwise spends most of its time merging hundreds of tiny segments.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Callable

from themeflow.model import Document
from themeflow.text.segment import ANALYZER_VERSION, analyze_joined, grams_joined

__all__ = [
    "ANALYZER_VERSION",
    "AUTOMERGE",
    "BULK_AUTOMERGE",
    "COLUMNS",
    "MIGRATIONS",
    "WEIGHTS",
    "clear",
    "StaleIndexCopy",
    "automerge",
    "compress_tokens",
    "indexed_values",
    "insert_tokens",
    "optimize",
    "remove_values",
    "set_automerge",
]

COLUMNS = ("title", "body", "title_g", "body_g")
WEIGHTS = (4.0, 1.0, 4.0, 1.0)
"""bm25 column weights, in ``COLUMNS`` order: a term in the title counts as four in the body."""

TOKENIZE = "unicode61 remove_diacritics 0 tokenchars '.'"

MIGRATIONS: list[tuple[str, str]] = [
    # The first cut (kept verbatim so databases that applied it stay consistent); 0002 replaces it.
    (
        "fts_0001_doc_fts",
        "CREATE VIRTUAL TABLE IF NOT EXISTS doc_fts USING fts5(title, body, tokenize = 'unicode61');",
    ),
    (
        "fts_0002_doc_fts_words_grams",
        f"""
        DROP TABLE IF EXISTS doc_fts;
        CREATE VIRTUAL TABLE doc_fts USING fts5(
            title, body, title_g, body_g, content = '', tokenize = "{TOKENIZE}"
        );
        CREATE TABLE IF NOT EXISTS doc_fts_src (rowid INTEGER PRIMARY KEY, tokens BLOB NOT NULL);
        INSERT INTO doc_fts(doc_fts, rank) VALUES ('hashsize', 16777216);
        """,
    ),
]
"""The store rebuilds the index after these run because ANALYZER_VERSION changed with them."""

_SEP = "\x1f"
_WORDS_ONLY = b"\x02"
"""First byte of a copy holding the word streams and the grams' checksum; an older copy is a bare zlib stream
(its first byte is 0x78)."""


class StaleIndexCopy(Exception):
    """The grams recomputed from a document's stored text are not those it was indexed with."""


def tokens_for(doc: Document) -> tuple[str, str, str, str]:
    """The four column values for ``doc`` (what FTS5 indexes)."""
    title_w, title_g = analyze_joined(doc.title)
    body_w, body_g = analyze_joined(doc.text)
    return title_w, body_w, title_g, body_g


def _grams_crc(title_g: str, body_g: str) -> int:
    return zlib.crc32(f"{title_g}{_SEP}{body_g}".encode())


def compress_tokens(values: tuple[str, str, str, str]) -> bytes:
    """The copy kept for deleting the row later (see the module doc): the word streams and the grams' CRC."""
    title_w, body_w, title_g, body_g = values
    crc = _grams_crc(title_g, body_g).to_bytes(4, "little")
    return _WORDS_ONLY + crc + zlib.compress(f"{title_w}{_SEP}{body_w}".encode(), 6)


def insert_tokens(
    conn: sqlite3.Connection, rowid: int, values: tuple[str, str, str, str], blob: bytes | None = None
) -> None:
    """Index already-analyzed column values (a prepared document's, or the benchmark's copies); ``blob`` is
    their :func:`compress_tokens` when computed ahead."""
    conn.execute(
        "INSERT INTO doc_fts(rowid, title, body, title_g, body_g) VALUES (?, ?, ?, ?, ?)", (rowid, *values)
    )
    conn.execute(
        "INSERT OR REPLACE INTO doc_fts_src(rowid, tokens) VALUES (?, ?)",
        (rowid, blob if blob is not None else compress_tokens(values)),
    )


def index_document(conn: sqlite3.Connection, rowid: int, doc: Document) -> None:
    """Index one document that has no row in the index (a rebuild after :func:`clear`)."""
    insert_tokens(conn, rowid, tokens_for(doc))


def indexed_values(
    conn: sqlite3.Connection, rowid: int, stored_text: Callable[[], tuple[str, str]]
) -> tuple[str, str, str, str] | None:
    """The values row ``rowid`` was indexed with, None when it is not indexed. Call it before the document's
    title and paragraphs are overwritten: ``stored_text`` returns them (title, paragraphs joined), read only
    for a words-only copy. Raises :class:`StaleIndexCopy` when the recomputed grams fail the checksum."""
    row = conn.execute("SELECT tokens FROM doc_fts_src WHERE rowid = ?", (rowid,)).fetchone()
    if row is None:
        return None
    blob = bytes(row[0])
    if not blob.startswith(_WORDS_ONLY):
        title_w, body_w, title_g, body_g = zlib.decompress(blob).decode("utf-8").split(_SEP)
        return title_w, body_w, title_g, body_g
    title_w, body_w = zlib.decompress(blob[5:]).decode("utf-8").split(_SEP)
    title, text = stored_text()
    title_g, body_g = grams_joined(title), grams_joined(text)
    if _grams_crc(title_g, body_g) != int.from_bytes(blob[1:5], "little"):
        raise StaleIndexCopy(rowid)
    return title_w, body_w, title_g, body_g


def remove_values(conn: sqlite3.Connection, rowid: int, values: tuple[str, str, str, str]) -> None:
    """Drop row ``rowid`` from the index, given the values it was indexed with (:func:`indexed_values`)."""
    conn.execute(
        "INSERT INTO doc_fts(doc_fts, rowid, title, body, title_g, body_g) VALUES ('delete', ?, ?, ?, ?, ?)",
        (rowid, *values),
    )
    conn.execute("DELETE FROM doc_fts_src WHERE rowid = ?", (rowid,))


def clear(conn: sqlite3.Connection) -> None:
    """Empty the index (before a rebuild)."""
    conn.execute("INSERT INTO doc_fts(doc_fts) VALUES ('delete-all')")
    conn.execute("DELETE FROM doc_fts_src")


AUTOMERGE = 4
"""FTS5's own default: once a level holds this many segments, later writes merge them into one."""
BULK_AUTOMERGE = 16
"""The same during a bulk ingest (``SQLiteStore.bulk_writing``): a write merges a level only when it holds
sixteen segments, so a posting is rewritten about half as often before the ingest's closing ``optimize``.
A crash that skips putting it back leaves larger levels until the next bulk ingest ends: queries read a
few more segments, nothing is lost."""


def set_automerge(conn: sqlite3.Connection, segments: int) -> None:
    """How many segments a level of the index gathers before a write merges them (kept in the index's
    config table, so it holds for every connection until set again)."""
    conn.execute("INSERT INTO doc_fts(doc_fts, rank) VALUES ('automerge', ?)", (segments,))


def automerge(conn: sqlite3.Connection) -> int:
    """The index's current ``automerge`` setting (FTS5's default when it was never set)."""
    row = conn.execute("SELECT v FROM doc_fts_config WHERE k = 'automerge'").fetchone()
    return int(row[0]) if row is not None else AUTOMERGE


def optimize(conn: sqlite3.Connection) -> None:
    """Merge the index into one segment (FTS5 ``optimize``).

    Bulk writes leave a handful of segments (11 after a million-document load); every query term is then
    looked up and merged once per segment. One segment cut a two-term query at 1M documents by about a
    fifth (52 -> 40 ms on the old plan, 34 -> 27 ms on the single pass). Takes ~2 minutes at 1M documents:
    worth running after a large ingest, not after every batch.
    """
    conn.execute("INSERT INTO doc_fts(doc_fts) VALUES ('optimize')")


def bm25_sql(table: str = "doc_fts") -> str:
    """The ranking expression (FTS5 bm25 is lower-is-better; callers negate it for a score)."""
    return f"bm25({table}, {', '.join(str(w) for w in WEIGHTS)})"
