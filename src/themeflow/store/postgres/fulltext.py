"""The PostgreSQL full-text index: the analyzer's tokens as tsvectors, and the writes that keep it current.

Layout — ``doc_index``, one row per document, written in the transaction that writes the document:

=========  ==============================================================================================
``words``  the word stream (rjieba + finance dictionary, ``text/segment.py``): title tokens weight ``A``,
           paragraph tokens weight ``D``
``grams``  the gram stream (CJK bigrams + run-final unigram), weighted the same way
``size``   the number of tokens in all four streams, the document length of bm25
=========  ==============================================================================================

Why tsvectors built here rather than ``to_tsvector``: the tokens are the analyzer's, exactly as the
embedded store indexes them, so a query matches the same documents on both stores; PostgreSQL's parser
would split them its own way. The vectors are typed in as tsvector literals (each lexeme quoted, its
positions and weight given), which PostgreSQL stores without re-parsing.

PostgreSQL's limits, and what they change: a position above 16,383 is stored as 16,383 and a lexeme keeps
its first 256 positions. Matching is unaffected except for a phrase lying wholly past the 16,383rd token of
one stream (a document of some 40,000 characters); bm25 then counts at most 256 occurrences of a token.
A tsvector is at most 1 MB: a document whose distinct tokens exceed that is indexed on its first ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import psycopg

from themeflow.model import Document
from themeflow.text.segment import ANALYZER_VERSION, analyze_both

__all__ = [
    "ANALYZER_VERSION",
    "MAX_POSITION",
    "MIGRATIONS",
    "IndexRow",
    "Tokens",
    "index_document",
    "index_row",
    "tokens_for",
]

MAX_POSITION = 16383
"""The largest position a tsvector stores."""
MAX_LEXEME_POSITIONS = 256
_MAX_VECTOR_BYTES = 900_000  # under the 1 MB limit of one tsvector, with room for its header

MIGRATIONS: list[tuple[str, str]] = [
    (
        "pg_fulltext_0001_doc_index",
        """
        CREATE TABLE IF NOT EXISTS doc_index (
            rowid BIGINT PRIMARY KEY REFERENCES documents(rowid) ON DELETE CASCADE,
            words TSVECTOR NOT NULL,
            grams TSVECTOR NOT NULL,
            size INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS doc_index_words ON doc_index USING GIN (words);
        CREATE INDEX IF NOT EXISTS doc_index_grams ON doc_index USING GIN (grams);
        """,
    ),
]


class Tokens(NamedTuple):
    """A document's four token streams, as the analyzer emits them."""

    title_words: list[str]
    body_words: list[str]
    title_grams: list[str]
    body_grams: list[str]

    @property
    def size(self) -> int:
        return sum(len(s) for s in self)


def tokens_for(doc: Document) -> Tokens:
    """The analyzer's streams for ``doc`` (the same tokens the embedded store's FTS5 index holds)."""
    title = analyze_both(doc.title)
    body = analyze_both(doc.text)
    return Tokens(title.words, body.words, title.grams, body.grams)


class IndexRow(NamedTuple):
    """What ``doc_index`` keeps of one document: its two tsvector literals and its length."""

    words: str
    grams: str
    size: int


def index_row(tokens: Tokens) -> IndexRow:
    """The row for a document's streams (built before its write transaction: it is most of a write's work)."""
    return IndexRow(
        tsvector_literal(tokens.title_words, tokens.body_words),
        tsvector_literal(tokens.title_grams, tokens.body_grams),
        tokens.size,
    )


def _quote(lexeme: str) -> str:
    if "'" in lexeme or "\\" in lexeme:
        lexeme = lexeme.replace("\\", "\\\\").replace("'", "''")
    return f"'{lexeme}'"


def tsvector_literal(title: Sequence[str], body: Sequence[str]) -> str:
    """A tsvector literal: title tokens at positions 1… with weight A, body tokens after a gap (so no
    phrase spans the two) with the default weight D."""
    positions: dict[str, list[str]] = {}
    for pos, token in enumerate(title, start=1):
        positions.setdefault(token, []).append(f"{min(pos, MAX_POSITION)}A")
    start = len(title) + 2
    if start + len(body) <= MAX_POSITION:
        for pos, token in enumerate(body, start=start):
            positions.setdefault(token, []).append(str(pos))
    else:
        for pos, token in enumerate(body, start=start):
            positions.setdefault(token, []).append(str(min(pos, MAX_POSITION)))
    parts: list[str] = []
    size = 0
    for lexeme, where in positions.items():
        if len(where) > MAX_LEXEME_POSITIONS:
            where = where[:MAX_LEXEME_POSITIONS]
        size += len(lexeme) * 3 + 2 * len(where) + 8
        if size > _MAX_VECTOR_BYTES:
            break
        parts.append(f"{_quote(lexeme)}:{','.join(where)}")
    return " ".join(parts)


def index_document(conn: psycopg.Connection[Any], rowid: int, row: IndexRow) -> None:
    """(Re)index one document under its documents-table rowid."""
    conn.execute(
        "INSERT INTO doc_index(rowid, words, grams, size) VALUES (%s, %s::tsvector, %s::tsvector, %s)"
        " ON CONFLICT (rowid) DO UPDATE SET words = excluded.words, grams = excluded.grams,"
        " size = excluded.size",
        (rowid, row.words, row.grams, row.size),
    )
