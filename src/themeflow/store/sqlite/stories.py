"""Stories in SQLite: fingerprints, LSH band index and story membership, updated incrementally.

The SQLite store applies :data:`MIGRATIONS` in its own migration runner and calls
:func:`assign_story` inside the transaction that wrote a new or changed document, and
:func:`remove_document` when one is deleted. Nothing here commits.

The invariant: **stories are the connected components of** :func:`themeflow.dedup.linked` over the
documents present. That relation depends on the pair only, so the stories do not depend on arrival
order; the code keeps the invariant incrementally:

- a new document is linked to its candidates found through ``lsh_bands`` (O(candidates), no global
  index in memory, nothing recomputed) and joins their story; when it links two or more stories it
  **bridges** them and they are merged into one (a copy of a copy is one story);
- removing a document (or changing its content, which is remove + insert) re-checks the remaining
  members of its story pairwise and splits the story if the document was the bridge — O(size²) in
  that one story, never more.

The canonical copy is the earliest published, then the longest normalized body, then the smallest
id (:func:`themeflow.dedup.canonical_order_key`); a story's id follows its canonical document
(:func:`themeflow.dedup.story_id_for`), so the same documents always form the same stories with the
same ids whichever order they came in. Rewrites are never merged (see :mod:`themeflow.dedup`).

Tables (all created by :data:`MIGRATIONS`):

- ``doc_fingerprints(doc_id, rowid, content_hash, length, published_key, minhash, figures, title)``
- ``lsh_bands(key, fp)``: one row per (band key, fingerprint rowid); the band number is hashed into
  ``key``, so one primary-key index serves every band.
- ``stories(id, canonical_id, size, first_published, last_published, created_at, updated_at)``
- ``story_members(doc_id, story_id, similarity, joined_at)``: similarity to the canonical copy.
- ``dedup_meta(key, value)``: the config version the fingerprints were computed with.

The documents themselves (``documents(id, title, source, published_at, url, …)``) belong to the
store; they are only read, to fill :class:`themeflow.model.Copy`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from themeflow import dedup
from themeflow.errors import StoreError
from themeflow.model import Copy, Document, Story
from themeflow.store.sqlite.params import chunks, marks

__all__ = [
    "MIGRATIONS",
    "assign_fingerprinted",
    "assign_story",
    "install",
    "list_stories",
    "remove_document",
    "stories_for",
    "story_of",
]

MIGRATIONS: list[tuple[str, str]] = [
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
"""Named, append-only (name, SQL script) pairs; never edit one that has shipped — append another."""

_CONFIG = dedup.DEFAULT_CONFIG
_FAR = "9999-12-31T23:59:59"


def install(conn: sqlite3.Connection) -> None:
    """Create the tables directly (tests, benchmarks). The store uses :data:`MIGRATIONS` instead;
    the scripts are idempotent, so running both is harmless."""
    try:
        for _name, script in MIGRATIONS:
            conn.executescript(script)
    except sqlite3.Error as exc:
        raise StoreError(f"could not create the story tables: {exc}") from exc


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


class _Row:
    """A fingerprint as loaded from the table."""

    __slots__ = ("doc_id", "fp", "length", "published", "rowid")

    def __init__(self, rowid: int, doc_id: str, fp: dedup.Fingerprint, published: str) -> None:
        self.rowid, self.doc_id, self.fp, self.published = rowid, doc_id, fp, published
        self.length = fp.length

    def order(self) -> tuple[str, int, str]:
        return dedup.canonical_order_key(self.published, self.length, self.doc_id)


_FP_COLS = "rowid, doc_id, content_hash, length, published_key, minhash, figures, title"


def _row(r: Sequence[object]) -> _Row:
    rowid, doc_id, chash, length, pub, mh, figs, title = r
    fp = dedup.Fingerprint(
        content_hash=str(chash),
        length=int(length),  # type: ignore[call-overload]
        signature=dedup.Fingerprint.array_from_bytes(mh),  # type: ignore[arg-type]
        figures=dedup.Fingerprint.array_from_bytes(figs),  # type: ignore[arg-type]
        title=str(title),
    )
    return _Row(int(rowid), str(doc_id), fp, str(pub))  # type: ignore[call-overload]


def _load(conn: sqlite3.Connection, where: str, params: Iterable[object]) -> list[_Row]:
    return [
        _row(r) for r in conn.execute(f"SELECT {_FP_COLS} FROM doc_fingerprints WHERE {where}", tuple(params))
    ]


def _load_ids(conn: sqlite3.Connection, doc_ids: Sequence[str]) -> list[_Row]:
    out: list[_Row] = []
    for chunk in chunks(doc_ids):
        out += _load(conn, f"doc_id IN ({marks(len(chunk))})", chunk)
    return out


def assign_story(conn: sqlite3.Connection, doc: Document) -> str:
    """Fingerprint ``doc``, link it to its copies and return its story id.

    Idempotent: re-assigning an unchanged document returns the same story (and refreshes its publish
    time, which can move the canonical copy). A changed body is removed and inserted again, so the
    document may move story and its old story may split.
    """
    try:
        return _assign(conn, doc)
    except sqlite3.Error as exc:
        raise StoreError(f"could not assign document {doc.id} to a story: {exc}") from exc


def _assign(conn: sqlite3.Connection, doc: Document) -> str:
    fp = dedup.fingerprint(doc.paragraphs, doc.title, _CONFIG)
    return _assign_fp(conn, doc.id, fp, dedup.published_key(doc.published_at))


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
    """Keep an unchanged document where it is; otherwise (re)insert its fingerprint, find its copies and
    join (or found, or bridge) their story."""
    kept = _unchanged_story(conn, doc_id, fp, published)
    if kept is not None:
        return kept
    rowid, keys = _insert_fingerprint(conn, doc_id, fp, published)
    matches = _copies_of(conn, rowid, keys, fp)
    return _join_story(conn, doc_id, _story_ids_of(conn, [m.doc_id for m in matches]))


def _unchanged_story(
    conn: sqlite3.Connection, doc_id: str, fp: dedup.Fingerprint, published: str
) -> str | None:
    """The story of a document whose fingerprint did not change (its publish time refreshed, which can move
    the canonical copy); None after removing a changed one, or for a document never seen."""
    old = _load(conn, "doc_id = ?", (doc_id,))
    if not old:
        return None
    prev = old[0]
    same = (
        prev.fp.content_hash == fp.content_hash
        and prev.fp.title == fp.title
        and prev.fp.figures.tobytes() == fp.figures.tobytes()
    )
    member = conn.execute("SELECT story_id FROM story_members WHERE doc_id = ?", (doc_id,)).fetchone()
    if same and member is not None:
        if prev.published != published:
            conn.execute(
                "UPDATE doc_fingerprints SET published_key = ? WHERE rowid = ?", (published, prev.rowid)
            )
            return _refresh(conn, [str(member[0])])[0]
        return str(member[0])
    _remove(conn, doc_id)
    return None


def _insert_fingerprint(
    conn: sqlite3.Connection, doc_id: str, fp: dedup.Fingerprint, published: str
) -> tuple[int, list[int]]:
    """Store the fingerprint and its LSH band keys; returns its rowid and the keys."""
    cur = conn.execute(
        "INSERT INTO doc_fingerprints(doc_id, content_hash, length, published_key, minhash, figures, title)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (doc_id, fp.content_hash, fp.length, published, fp.signature_bytes(), fp.figures_bytes(), fp.title),
    )
    rowid = int(cur.lastrowid or 0)
    keys = dedup.band_keys(fp.signature, _CONFIG) if fp.signature is not None else []
    conn.executemany("INSERT OR IGNORE INTO lsh_bands(key, fp) VALUES (?, ?)", [(k, rowid) for k in keys])
    return rowid, keys


def _copies_of(
    conn: sqlite3.Connection, rowid: int, keys: Sequence[int], fp: dedup.Fingerprint
) -> list[_Row]:
    """Stored documents that are copies of ``fp``. Candidates share a band key or the same normalized body
    (O(candidates)); each is then checked with :func:`dedup.is_copy`."""
    cand: set[int] = set()
    for chunk in chunks(keys):
        cand.update(
            r[0] for r in conn.execute(f"SELECT fp FROM lsh_bands WHERE key IN ({marks(len(chunk))})", chunk)
        )
    if fp.length > 0:  # every empty body has the same hash and is a copy of nothing
        cand.update(
            r[0]
            for r in conn.execute(
                "SELECT rowid FROM doc_fingerprints WHERE content_hash = ?", (fp.content_hash,)
            )
        )
    cand.discard(rowid)
    matches: list[_Row] = []
    for rowids in chunks(sorted(cand)):
        matches += [
            r
            for r in _load(conn, f"rowid IN ({marks(len(rowids))})", rowids)
            if dedup.is_copy(fp, r.fp, _CONFIG)
        ]
    return matches


def _story_ids_of(conn: sqlite3.Connection, doc_ids: Sequence[str]) -> list[str]:
    """The distinct stories these documents belong to, sorted."""
    story_ids: set[str] = set()
    for chunk in chunks(doc_ids):
        q = f"SELECT DISTINCT story_id FROM story_members WHERE doc_id IN ({marks(len(chunk))})"
        story_ids.update(str(r[0]) for r in conn.execute(q, chunk))
    return sorted(story_ids)


def _join_story(conn: sqlite3.Connection, doc_id: str, story_ids: Sequence[str]) -> str:
    """Add the document to the first of ``story_ids``, merging the others into it (the document bridges
    them), or found a story of its own; returns the story's id after its refresh."""
    now = _now()
    provisional = story_ids[0] if story_ids else dedup.story_id_for(doc_id)
    if not story_ids:
        conn.execute(
            "INSERT INTO stories(id, canonical_id, size, created_at, updated_at) VALUES (?, ?, 1, ?, ?)",
            (provisional, doc_id, now, now),
        )
    for other in story_ids[1:]:
        conn.execute("UPDATE story_members SET story_id = ? WHERE story_id = ?", (provisional, other))
        conn.execute(
            "UPDATE stories SET created_at = min(created_at, (SELECT created_at FROM stories WHERE id = ?))"
            " WHERE id = ?",
            (other, provisional),
        )
        conn.execute("DELETE FROM stories WHERE id = ?", (other,))
    conn.execute(
        "INSERT INTO story_members(doc_id, story_id, similarity, joined_at) VALUES (?, ?, 0, ?)",
        (doc_id, provisional, now),
    )
    return _refresh(conn, [provisional])[0]


def _refresh(conn: sqlite3.Connection, story_ids: Sequence[str]) -> list[str]:
    """Recompute canonical copy, id, size, similarities and publish span of stories; returns new ids."""
    out = []
    for sid in story_ids:
        members = [
            str(r[0]) for r in conn.execute("SELECT doc_id FROM story_members WHERE story_id = ?", (sid,))
        ]
        rows = sorted(_load_ids(conn, members), key=_Row.order)
        if not rows:
            conn.execute("DELETE FROM stories WHERE id = ?", (sid,))
            continue
        canon = rows[0]
        new_id = dedup.story_id_for(canon.doc_id)
        known = [r.published for r in rows if r.published != _FAR]
        first, last = (min(known), max(known)) if known else (None, None)
        created = conn.execute("SELECT created_at FROM stories WHERE id = ?", (sid,)).fetchone()
        created_at = str(created[0]) if created else _now()
        if new_id != sid:
            conn.execute("DELETE FROM stories WHERE id = ?", (sid,))
        conn.execute(
            "INSERT INTO stories(id, canonical_id, size, first_published, last_published, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET canonical_id = excluded.canonical_id,"
            " size = excluded.size, first_published = excluded.first_published,"
            " last_published = excluded.last_published, updated_at = excluded.updated_at",
            (new_id, canon.doc_id, len(rows), first, last, created_at, _now()),
        )
        conn.executemany(
            "UPDATE story_members SET story_id = ?, similarity = ? WHERE doc_id = ?",
            [(new_id, round(dedup.similarity(canon.fp, r.fp), 4), r.doc_id) for r in rows],
        )
        out.append(new_id)
    return out


def remove_document(conn: sqlite3.Connection, doc_id: str) -> None:
    """Forget a document's fingerprint and membership; split its story if it was the bridge."""
    try:
        _remove(conn, doc_id)
    except sqlite3.Error as exc:
        raise StoreError(f"could not remove document {doc_id} from its story: {exc}") from exc


def _remove(conn: sqlite3.Connection, doc_id: str) -> None:
    rows = _load(conn, "doc_id = ?", (doc_id,))
    if rows and rows[0].fp.signature is not None:
        keys = dedup.band_keys(rows[0].fp.signature, _CONFIG)
        conn.executemany("DELETE FROM lsh_bands WHERE key = ? AND fp = ?", [(k, rows[0].rowid) for k in keys])
    conn.execute("DELETE FROM doc_fingerprints WHERE doc_id = ?", (doc_id,))
    member = conn.execute("SELECT story_id FROM story_members WHERE doc_id = ?", (doc_id,)).fetchone()
    conn.execute("DELETE FROM story_members WHERE doc_id = ?", (doc_id,))
    if member is None:
        return
    sid = str(member[0])
    rest = _load_ids(
        conn, [str(r[0]) for r in conn.execute("SELECT doc_id FROM story_members WHERE story_id = ?", (sid,))]
    )
    components = _components(rest)
    if len(components) <= 1:
        _refresh(conn, [sid])
        return
    # The removed document was a bridge: each component becomes its own story.
    created = conn.execute("SELECT created_at FROM stories WHERE id = ?", (sid,)).fetchone()
    conn.execute("DELETE FROM stories WHERE id = ?", (sid,))
    for n, comp in enumerate(components):
        tmp = f"{sid}~{n}"
        conn.execute(
            "INSERT INTO stories(id, canonical_id, size, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (tmp, comp[0].doc_id, len(comp), created[0] if created else _now(), _now()),
        )
        conn.executemany(
            "UPDATE story_members SET story_id = ? WHERE doc_id = ?", [(tmp, r.doc_id) for r in comp]
        )
        _refresh(conn, [tmp])


def _components(rows: list[_Row]) -> list[list[_Row]]:
    """Connected components under :func:`dedup.linked` (union-find over all pairs of one story)."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            if find(i) != find(j) and dedup.linked(rows[i].fp, rows[j].fp, _CONFIG):
                parent[find(i)] = find(j)
    groups: dict[int, list[_Row]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(find(i), []).append(r)
    return sorted(groups.values(), key=lambda g: min(r.order() for r in g))


# --------------------------------------------------------------------------- reading


def _parse_time(value: object) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _build(conn: sqlite3.Connection, story_rows: Sequence[Sequence[object]]) -> dict[str, Story]:
    """Stories by id, with copies (canonical excluded) in canonical order, from the documents table."""
    ids = [str(r[0]) for r in story_rows]
    canon = {str(r[0]): str(r[1]) for r in story_rows}
    members: dict[str, list[tuple[tuple[str, int, str], Copy]]] = {i: [] for i in ids}
    for chunk in chunks(ids):
        q = (
            "SELECT m.story_id, m.doc_id, f.published_key, f.length, d.source, d.published_at, d.url, d.title"
            " FROM story_members m JOIN doc_fingerprints f ON f.doc_id = m.doc_id"
            " LEFT JOIN documents d ON d.id = m.doc_id"
            f" WHERE m.story_id IN ({marks(len(chunk))})"
        )
        for sid, did, pub, length, source, published, url, title in conn.execute(q, chunk):
            copy = Copy(id=did, source=source, published_at=_parse_time(published), url=url, title=title)
            members[sid].append((dedup.canonical_order_key(pub, int(length), did), copy))
    out = {}
    for sid in ids:
        ordered = [c for _, c in sorted(members[sid], key=lambda x: x[0]) if c.id != canon[sid]]
        out[sid] = Story(id=sid, canonical_id=canon[sid], copies=tuple(ordered))
    return out


def story_of(conn: sqlite3.Connection, doc_id: str) -> Story | None:
    """The story a document belongs to, or None if it was never assigned."""
    return stories_for(conn, [doc_id]).get(doc_id)


def stories_for(conn: sqlite3.Connection, doc_ids: Sequence[str]) -> dict[str, Story]:
    """Stories of many documents in a few queries (for collapsing a page of search hits)."""
    try:
        by_doc: dict[str, str] = {}
        for chunk in chunks(doc_ids):
            q = f"SELECT doc_id, story_id FROM story_members WHERE doc_id IN ({marks(len(chunk))})"
            by_doc.update((str(d), str(s)) for d, s in conn.execute(q, chunk))
        sids = sorted(set(by_doc.values()))
        rows: list[Sequence[object]] = []
        for sid_chunk in chunks(sids):
            q = f"SELECT id, canonical_id FROM stories WHERE id IN ({marks(len(sid_chunk))})"
            rows += conn.execute(q, sid_chunk).fetchall()
        stories = _build(conn, rows)
    except sqlite3.Error as exc:
        raise StoreError(f"could not read stories: {exc}") from exc
    return {d: stories[s] for d, s in by_doc.items() if s in stories}


def list_stories(
    conn: sqlite3.Connection, since: datetime | None = None, min_size: int = 2, limit: int = 50
) -> list[Story]:
    """Multi-copy stories, most recently published first; ``since`` keeps stories with a copy
    published at or after it."""
    q = "SELECT id, canonical_id FROM stories WHERE size >= ?"
    params: list[object] = [min_size]
    if since is not None:
        q += " AND last_published >= ?"
        params.append(dedup.published_key(since))
    q += " ORDER BY last_published DESC, id LIMIT ?"
    params.append(limit)
    try:
        rows = conn.execute(q, params).fetchall()
        stories = _build(conn, rows)
    except sqlite3.Error as exc:
        raise StoreError(f"could not list stories: {exc}") from exc
    return [stories[str(r[0])] for r in rows]
