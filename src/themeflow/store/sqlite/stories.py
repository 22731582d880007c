"""Stories in SQLite: fingerprints, LSH band index and story membership, updated incrementally.

The SQLite store applies :data:`MIGRATIONS` in its own migration runner and calls
:func:`assign_story` inside the transaction that wrote a new or changed document, and
:func:`remove_document` when one is deleted. Nothing here commits.

What decides an outcome (candidates, copies, joins, bridges, splits, the canonical copy, a story's id and
span) is :mod:`themeflow.store.story_rules`, shared with every backend: stories are the connected
components of :func:`themeflow.dedup.linked` over the documents present, kept incrementally, the same
whichever order the documents came in. This module holds the SQLite tables, the upgrade that fingerprints
a store again after a change of :class:`themeflow.dedup.DedupConfig`, and the statements the rules run.

Tables (all created by :data:`MIGRATIONS`):

- ``doc_fingerprints(doc_id, rowid, content_hash, length, published_key, minhash, figures, title,
  sentences, title_derived, title_support, collection)``
- ``lsh_bands(key, fp)``: one row per (band key, fingerprint rowid); the band number is hashed into
  ``key``, so one primary-key index serves every band.
- ``sentence_keys(key, fp)``: one row per (content-sentence hash, fingerprint rowid), to find excerpts and
  wrapped copies whose whole-body similarity is too low for a band to meet. A sentence held by more than
  :data:`MAX_SENTENCE_HOLDERS` documents is a series' stock phrase: it proposes no candidates (the pair
  may still be found through another sentence or a band).
- ``stories(id, canonical_id, size, first_published, last_published, created_at, updated_at)``
- ``story_members(doc_id, story_id, similarity, joined_at)``: similarity to the canonical copy.
- ``dedup_meta(key, value)``: the config version the fingerprints were computed with.

The documents themselves (``documents(id, title, source, published_at, url, …)``) belong to the
store; they are only read, to fill :class:`themeflow.model.Copy`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime

from themeflow import dedup
from themeflow.errors import StoreError
from themeflow.model import Document
from themeflow.store import story_rules as rules
from themeflow.store.sqlite.fingerprint_cache import cache_of
from themeflow.store.sqlite.migrations import Step
from themeflow.store.sqlite.params import chunks, marks
from themeflow.store.sqlite.story_reads import list_stories, parse_time, stories_for, story_of
from themeflow.store.story_rules import MAX_SENTENCE_HOLDERS, title_is_derived

__all__ = [
    "MAX_SENTENCE_HOLDERS",
    "MIGRATIONS",
    "assign_fingerprinted",
    "assign_story",
    "install",
    "list_stories",
    "remove_document",
    "stories_for",
    "story_of",
    "title_is_derived",
]

MIGRATIONS: list[tuple[str, Step]] = [
    (
        "0101_dedup_stories",
        f"""
        CREATE TABLE IF NOT EXISTS doc_fingerprints (
            rowid INTEGER PRIMARY KEY,
            doc_id TEXT NOT NULL UNIQUE,
            content_hash TEXT NOT NULL,
            length INTEGER NOT NULL,
            published_key TEXT NOT NULL,
            minhash BLOB,
            figures BLOB NOT NULL,
            title TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX IF NOT EXISTS doc_fingerprints_hash ON doc_fingerprints(content_hash);
        CREATE TABLE IF NOT EXISTS lsh_bands (
            key INTEGER NOT NULL,
            fp INTEGER NOT NULL,
            PRIMARY KEY (key, fp)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS stories (
            id TEXT PRIMARY KEY,
            canonical_id TEXT NOT NULL,
            size INTEGER NOT NULL,
            first_published TEXT,
            last_published TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS stories_size_last ON stories(size, last_published);
        CREATE TABLE IF NOT EXISTS story_members (
            doc_id TEXT PRIMARY KEY,
            story_id TEXT NOT NULL,
            similarity REAL NOT NULL,
            joined_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS story_members_story ON story_members(story_id);
        CREATE TABLE IF NOT EXISTS dedup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT OR IGNORE INTO dedup_meta(key, value) VALUES ('config', '{dedup.DEFAULT_CONFIG.version}');
        """,
    ),
]
"""Named, append-only (name, step) pairs; never edit one that has shipped — append another."""

_CONFIG = rules.CONFIG
NOTICE_FROM = 5000
"""A rebuild of at least this many documents says so on stderr before it starts."""
_log = logging.getLogger("themeflow.store")


def add_sentence_containment(conn: sqlite3.Connection) -> None:
    """Add content-sentence hashes, title support and the roundup flag to the fingerprints, and the
    sentence index; then, when the stored fingerprints are of an older config, fingerprint every stored
    document again and rebuild the stories (containment can join stories that whole-body similarity
    kept apart). Idempotent."""
    columns = {r[1] for r in conn.execute("PRAGMA table_info(doc_fingerprints)")}
    if "sentences" not in columns:
        conn.execute("ALTER TABLE doc_fingerprints ADD COLUMN sentences BLOB")
    if "collection" not in columns:
        conn.execute("ALTER TABLE doc_fingerprints ADD COLUMN collection INTEGER NOT NULL DEFAULT 0")
    if "title_support" not in columns:
        conn.execute("ALTER TABLE doc_fingerprints ADD COLUMN title_support REAL NOT NULL DEFAULT 0")
    if "title_derived" not in columns:
        conn.execute("ALTER TABLE doc_fingerprints ADD COLUMN title_derived INTEGER NOT NULL DEFAULT 0")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS sentence_keys (key INTEGER NOT NULL, fp INTEGER NOT NULL,"
        " PRIMARY KEY (key, fp)) WITHOUT ROWID"
    )
    stored = conn.execute("SELECT value FROM dedup_meta WHERE key = 'config'").fetchone()
    if stored is None or stored[0] != _CONFIG.version:
        rebuild(conn)


MIGRATIONS.append(("0102_sentence_containment", add_sentence_containment))


def install(conn: sqlite3.Connection) -> None:
    """Create the tables directly (tests, benchmarks). The store uses :data:`MIGRATIONS` instead;
    the steps are idempotent, so running both is harmless."""
    try:
        for _name, step in MIGRATIONS:
            if callable(step):
                step(conn)
            else:
                conn.executescript(step)
    except sqlite3.Error as exc:
        raise StoreError(f"could not create the story tables: {exc}") from exc


def rebuild(conn: sqlite3.Connection, batch: int = 1000) -> int:
    """Fingerprint every stored document again from its paragraphs and rebuild the stories from scratch
    (after a change to :class:`themeflow.dedup.DedupConfig` or the fingerprint). A story whose canonical
    copy is unchanged keeps its id and its ``created_at``. Returns the number of documents assigned."""
    total = int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])
    if total >= NOTICE_FROM:  # a one-time wait at open: say why (about 2 ms a document on one core)
        _log.warning("themeflow: fingerprinting %d stored documents again for copy detection (once)", total)
    created = {str(r[0]): str(r[1]) for r in conn.execute("SELECT id, created_at FROM stories")}
    published = {
        str(r[0]): str(r[1]) for r in conn.execute("SELECT doc_id, published_key FROM doc_fingerprints")
    }
    for table in ("story_members", "stories", "lsh_bands", "sentence_keys", "doc_fingerprints"):
        conn.execute(f"DELETE FROM {table}")
    cache = cache_of(conn)
    if cache is not None:
        cache.clear()
    done = 0
    last = 0
    while True:
        rows = conn.execute(
            "SELECT rowid, id, title, published_at, kind,"
            " CASE WHEN json_valid(meta) THEN json_extract(meta, '$.title_origin') END"
            " FROM documents WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, batch),
        ).fetchall()
        if not rows:
            break
        first, last = int(rows[0][0]), int(rows[-1][0])
        paragraphs: dict[int, list[str]] = {}
        for rowid, text in conn.execute(
            "SELECT doc_rowid, text FROM paragraphs WHERE doc_rowid BETWEEN ? AND ? ORDER BY doc_rowid, n",
            (first, last),
        ):
            paragraphs.setdefault(int(rowid), []).append(str(text))
        for rowid, doc_id, title, published_at, kind, title_origin in rows:
            text = paragraphs.get(int(rowid), [])
            derived = bool(title_origin)  # as title_is_derived, read in SQL (a damaged meta reads as none)
            doc_kind = str(kind) if kind else None
            fp = dedup.fingerprint(text, str(title or ""), _CONFIG, kind=doc_kind, title_derived=derived)
            pub = published.get(str(doc_id)) or dedup.published_key(parse_time(published_at))
            _assign_fp(conn, str(doc_id), fp, pub)
            done += 1
    conn.executemany(
        "UPDATE stories SET created_at = ? WHERE id = ?", [(at, sid) for sid, at in created.items()]
    )
    conn.execute(
        "INSERT INTO dedup_meta(key, value) VALUES ('config', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (_CONFIG.version,),
    )
    return done


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


_FP_COLS = ", ".join(rules.FINGERPRINT_COLUMNS)
_FP_INSERT_COLS = ", ".join(rules.FINGERPRINT_COLUMNS[1:])  # rowid is assigned


class _Tables:
    """The story tables of one SQLite connection, as the shared rules (:mod:`themeflow.store.story_rules`)
    read and write them. Creation times are ISO strings to the second."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.cache = cache_of(conn)

    def _load(self, column: str, values: Sequence[object]) -> list[rules.Fingerprinted]:
        """The fingerprints whose ``column`` (``rowid`` or ``doc_id``) is one of ``values``, in key order per
        chunk of values as SQLite returns them; those the connection keeps (``fingerprint_cache.py``) are
        not read again."""
        out: list[rules.Fingerprinted] = []
        for chunk in chunks(values):
            kept, todo = self._kept(column, chunk)
            q = f"SELECT {_FP_COLS} FROM doc_fingerprints WHERE {column} IN ({marks(len(todo))})"
            read = [rules.fingerprinted(r) for r in self.conn.execute(q, todo)] if todo else []
            if self.cache is not None:
                self.cache.keep(read)
            if kept:
                read = sorted(
                    kept + read, key=(lambda f: f.rowid) if column == "rowid" else (lambda f: f.doc_id)
                )
            out += read
        return out

    def _kept(self, column: str, values: Sequence[object]) -> tuple[list[rules.Fingerprinted], list[object]]:
        """The kept fingerprints among ``values``, and the values still to read."""
        if self.cache is None:
            return [], list(values)
        kept: list[rules.Fingerprinted] = []
        todo: list[object] = []
        for v in values:
            if column == "rowid":
                found = self.cache.at(v) if isinstance(v, int) else None
            else:
                found = self.cache.of(str(v))
            if found is None:
                todo.append(v)
            else:
                kept.append(found)
        return kept, todo

    def fingerprints(self, doc_ids: Sequence[str]) -> list[rules.Fingerprinted]:
        return self._load("doc_id", doc_ids)

    def fingerprints_at(self, rowids: Sequence[int]) -> list[rules.Fingerprinted]:
        return self._load("rowid", rowids)

    def stories_at(self, rowids: Sequence[int]) -> dict[int, str | None]:
        out: dict[int, str | None] = {}
        for chunk in chunks(rowids):
            q = (
                "SELECT f.rowid, m.story_id FROM doc_fingerprints f LEFT JOIN story_members m"
                f" ON m.doc_id = f.doc_id WHERE f.rowid IN ({marks(len(chunk))})"
            )
            out.update((int(r), None if s is None else str(s)) for r, s in self.conn.execute(q, chunk))
        return out

    def insert_fingerprint(
        self, doc_id: str, fp: dedup.Fingerprint, published: str, bands: Sequence[int]
    ) -> int:
        cur = self.conn.execute(
            f"INSERT INTO doc_fingerprints({_FP_INSERT_COLS}) VALUES ({marks(len(rules.FINGERPRINT_COLUMNS) - 1)})",
            rules.fingerprint_values(doc_id, fp, published),
        )
        rowid = int(cur.lastrowid or 0)
        self.conn.executemany(
            "INSERT OR IGNORE INTO lsh_bands(key, fp) VALUES (?, ?)", [(k, rowid) for k in bands]
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO sentence_keys(key, fp) VALUES (?, ?)",
            [(int(k), rowid) for k in fp.sentences.tolist()],
        )
        return rowid

    def drop_fingerprint(
        self, doc_id: str, rowid: int | None, bands: Sequence[int], sentences: Sequence[int]
    ) -> None:
        if rowid is not None:
            self.conn.executemany(
                "DELETE FROM lsh_bands WHERE key = ? AND fp = ?", [(k, rowid) for k in bands]
            )
            self.conn.executemany(
                "DELETE FROM sentence_keys WHERE key = ? AND fp = ?", [(int(k), rowid) for k in sentences]
            )
        self.conn.execute("DELETE FROM doc_fingerprints WHERE doc_id = ?", (doc_id,))
        if self.cache is not None:
            self.cache.evict(rowid, doc_id)

    def set_published(self, rowid: int, published: str) -> None:
        self.conn.execute("UPDATE doc_fingerprints SET published_key = ? WHERE rowid = ?", (published, rowid))
        if self.cache is not None:
            self.cache.evict(rowid)

    def band_holders(self, bands: Sequence[int], per_band: int) -> set[int]:
        # One statement; each key's newest holders are a backwards walk of the (key, fp) primary key.
        out: set[int] = set()
        for chunk in chunks(bands, 100):  # a compound SELECT has at most 500 terms
            q = " UNION ".join(
                f"SELECT * FROM (SELECT fp FROM lsh_bands WHERE key = ? ORDER BY fp DESC LIMIT {int(per_band)})"
                for _ in chunk
            )
            out.update(int(r[0]) for r in self.conn.execute(q, chunk))
        return out

    def sentence_counts(self, keys: Sequence[int], max_holders: int) -> dict[int, int]:
        # Counted in SQL, and a key is crowded when its (max_holders + 1)-th holder exists: an index seek,
        # so a stock phrase's thousands of holders are neither read into Python nor counted.
        counts: dict[int, int] = {}
        for chunk in chunks(keys, 200):
            values = ",".join("(?)" for _ in chunk)
            q = (
                f"WITH k(key) AS (VALUES {values}) SELECT fp, count(*) FROM sentence_keys WHERE key IN ("
                "SELECT key FROM k WHERE NOT EXISTS (SELECT 1 FROM sentence_keys x WHERE x.key = k.key"
                f" ORDER BY x.fp LIMIT 1 OFFSET {int(max_holders)})) GROUP BY fp"
            )
            for fp, n in self.conn.execute(q, chunk):
                counts[int(fp)] = counts.get(int(fp), 0) + int(n)
        return counts

    def same_content(self, content_hash: str) -> set[int]:
        q = "SELECT rowid FROM doc_fingerprints WHERE content_hash = ?"
        return {int(r[0]) for r in self.conn.execute(q, (content_hash,))}

    def story_of_doc(self, doc_id: str) -> str | None:
        row = self.conn.execute("SELECT story_id FROM story_members WHERE doc_id = ?", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def story_ids_of(self, doc_ids: Sequence[str]) -> set[str]:
        out: set[str] = set()
        for chunk in chunks(doc_ids):
            q = f"SELECT DISTINCT story_id FROM story_members WHERE doc_id IN ({marks(len(chunk))})"
            out.update(str(r[0]) for r in self.conn.execute(q, chunk))
        return out

    def member_ids(self, story_id: str) -> list[str]:
        q = "SELECT doc_id FROM story_members WHERE story_id = ?"
        return [str(r[0]) for r in self.conn.execute(q, (story_id,))]

    def add_member(self, story_id: str, doc_id: str, similarity: float) -> None:
        self.conn.execute(
            "INSERT INTO story_members(doc_id, story_id, similarity, joined_at) VALUES (?, ?, ?, ?)",
            (doc_id, story_id, similarity, _now()),
        )

    def drop_member(self, doc_id: str) -> str | None:
        story_id = self.story_of_doc(doc_id)
        self.conn.execute("DELETE FROM story_members WHERE doc_id = ?", (doc_id,))
        return story_id

    def move_members(self, story_id: str, doc_ids: Sequence[str]) -> None:
        self.conn.executemany(
            "UPDATE story_members SET story_id = ? WHERE doc_id = ?", [(story_id, d) for d in doc_ids]
        )

    def merge_story(self, into: str, other: str) -> None:
        self.conn.execute("UPDATE story_members SET story_id = ? WHERE story_id = ?", (into, other))
        self.conn.execute(
            "UPDATE stories SET created_at = min(created_at, (SELECT created_at FROM stories WHERE id = ?))"
            " WHERE id = ?",
            (other, into),
        )
        self.conn.execute("DELETE FROM stories WHERE id = ?", (other,))

    def story_created(self, story_id: str) -> object | None:
        row = self.conn.execute("SELECT created_at FROM stories WHERE id = ?", (story_id,)).fetchone()
        return None if row is None else str(row[0])

    def story_row(self, story_id: str) -> rules.StoryState | None:
        q = "SELECT canonical_id, size, first_published, last_published FROM stories WHERE id = ?"
        row = self.conn.execute(q, (story_id,)).fetchone()
        return rules.story_from_row(story_id, row)

    def upsert_story(self, state: rules.StoryState, created: object | None) -> None:
        now = _now()
        self.conn.execute(
            "INSERT INTO stories(id, canonical_id, size, first_published, last_published, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET canonical_id = excluded.canonical_id,"
            " size = excluded.size, first_published = excluded.first_published,"
            " last_published = excluded.last_published, updated_at = excluded.updated_at",
            state.row(now if created is None else created, now),
        )

    def set_members(self, state: rules.StoryState) -> None:
        self.conn.executemany(
            "UPDATE story_members SET story_id = ?, similarity = ? WHERE doc_id = ?",
            [(state.story_id, sim, doc_id) for doc_id, sim in state.similarities],
        )

    def delete_story(self, story_id: str) -> None:
        self.conn.execute("DELETE FROM stories WHERE id = ?", (story_id,))


def assign_story(conn: sqlite3.Connection, doc: Document, kind: str | None = None) -> str:
    """Fingerprint ``doc``, link it to its copies and return its story id.

    Idempotent: re-assigning an unchanged document returns the same story (and refreshes its publish
    time, which can move the canonical copy). A changed body is removed and inserted again, so the
    document may move story and its old story may split. ``kind`` is the document's type when the
    store has already classified it.
    """
    try:
        fp = rules.fingerprint_document(doc, kind)
        return _assign_fp(conn, doc.id, fp, dedup.published_key(doc.published_at))
    except sqlite3.Error as exc:
        raise StoreError(f"could not assign document {doc.id} to a story: {exc}") from exc


def assign_fingerprinted(
    conn: sqlite3.Connection, doc_id: str, fp: dedup.Fingerprint, published_at: datetime | None
) -> str:
    """:func:`assign_story` for a fingerprint computed elsewhere.

    Fingerprinting is ~60% of the cost (``bench/dedup.py corpus``) and needs no database, so a bulk
    loader can compute fingerprints in worker processes (or Ray tasks) and keep only this step in the
    single writer.
    ``fp`` must come from :func:`themeflow.dedup.fingerprint` with the default config.
    """
    try:
        return _assign_fp(conn, doc_id, fp, dedup.published_key(published_at))
    except sqlite3.Error as exc:
        raise StoreError(f"could not assign document {doc_id} to a story: {exc}") from exc


def _assign_fp(conn: sqlite3.Connection, doc_id: str, fp: dedup.Fingerprint, published: str) -> str:
    return rules.assign(_Tables(conn), doc_id, fp, published)


def _refresh(conn: sqlite3.Connection, story_ids: Sequence[str]) -> list[str]:
    """Recompute canonical copy, id, size, similarities and publish span of stories; returns new ids."""
    return rules.refresh(_Tables(conn), story_ids)


def _sentence_candidates(conn: sqlite3.Connection, sentence_keys: Sequence[int], rowid: int) -> set[int]:
    """Fingerprints sharing enough of these sentence keys (:func:`themeflow.store.story_rules.sentence_candidates`)."""
    return rules.sentence_candidates(_Tables(conn), sentence_keys, rowid)


def remove_document(conn: sqlite3.Connection, doc_id: str) -> None:
    """Forget a document's fingerprint and membership; split its story if it was the bridge."""
    try:
        rules.remove(_Tables(conn), doc_id)
    except sqlite3.Error as exc:
        raise StoreError(f"could not remove document {doc_id} from its story: {exc}") from exc
