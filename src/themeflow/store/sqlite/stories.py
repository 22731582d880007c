"""Stories in SQLite: fingerprints, LSH band index and story membership, updated incrementally.

The SQLite store applies :data:`MIGRATIONS` in its own migration runner and calls
:func:`assign_story` inside the transaction that wrote a new or changed document, and
:func:`remove_document` when one is deleted. Nothing here commits.

The invariant: **stories are the connected components of** :func:`themeflow.dedup.linked` over the
documents present. That relation depends on the pair only, so the stories do not depend on arrival
order; the code keeps the invariant incrementally:

- a new document is linked to its candidates found through ``lsh_bands`` and ``sentence_keys``
  (O(candidates), no global index in memory, nothing recomputed) and joins their story; when it links two or more stories it
  **bridges** them and they are merged into one (a copy of a copy is one story);
- removing a document (or changing its content, which is remove + insert) re-checks the remaining
  members of its story pairwise and splits the story if the document was the bridge — O(size²) in
  that one story, never more.

One approximation: a sentence key held by more than :data:`MAX_SENTENCE_HOLDERS` documents proposes no
candidates, so a pair whose only link is such a stock sentence (and no band key) may stay apart on insert
although :func:`themeflow.dedup.linked` holds for it; a real excerpt shares its rarer sentences too.

The canonical copy is the earliest published, then the longest normalized body, then the smallest
id (:func:`themeflow.dedup.canonical_order_key`); a story's id follows its canonical document
(:func:`themeflow.dedup.story_id_for`), so the same documents always form the same stories with the
same ids whichever order they came in. Rewrites are never merged (see :mod:`themeflow.dedup`).

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
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from themeflow import dedup
from themeflow.errors import StoreError
from themeflow.model import Document
from themeflow.store.sqlite.migrations import Step
from themeflow.store.sqlite.params import chunks, marks
from themeflow.store.sqlite.story_reads import list_stories, parse_time, stories_for, story_of

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

_CONFIG = dedup.DEFAULT_CONFIG
_FAR = "9999-12-31T23:59:59"
MAX_SENTENCE_HOLDERS = 32
"""A sentence key held by more documents than this proposes no copy candidates (see the module doc)."""
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


class _Row:
    """A fingerprint as loaded from the table."""

    __slots__ = ("doc_id", "fp", "length", "published", "rowid")

    def __init__(self, rowid: int, doc_id: str, fp: dedup.Fingerprint, published: str) -> None:
        self.rowid, self.doc_id, self.fp, self.published = rowid, doc_id, fp, published
        self.length = fp.length

    def order(self) -> tuple[str, int, str]:
        return dedup.canonical_order_key(self.published, self.length, self.doc_id)


_FP_COLS = "rowid, doc_id, content_hash, length, published_key, minhash, figures, title, sentences, title_derived, title_support, collection"


def _row(r: Sequence[object]) -> _Row:
    rowid, doc_id, chash, length, pub, mh, figs, title, sents, derived, support, collection = r
    hashes, lengths = dedup.Fingerprint.sentences_from_bytes(sents)  # type: ignore[arg-type]
    fp = dedup.Fingerprint(
        content_hash=str(chash),
        length=int(length),  # type: ignore[call-overload]
        signature=dedup.Fingerprint.array_from_bytes(mh),  # type: ignore[arg-type]
        figures=dedup.Fingerprint.array_from_bytes(figs),  # type: ignore[arg-type]
        title=str(title),
        sentences=hashes,
        sentence_lengths=lengths,
        title_derived=bool(derived),
        title_support=float(support),  # type: ignore[arg-type]
        collection=bool(collection),
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


def assign_story(conn: sqlite3.Connection, doc: Document, kind: str | None = None) -> str:
    """Fingerprint ``doc``, link it to its copies and return its story id.

    Idempotent: re-assigning an unchanged document returns the same story (and refreshes its publish
    time, which can move the canonical copy). A changed body is removed and inserted again, so the
    document may move story and its old story may split. ``kind`` is the document's type when the
    store has already classified it.
    """
    try:
        return _assign(conn, doc, kind)
    except sqlite3.Error as exc:
        raise StoreError(f"could not assign document {doc.id} to a story: {exc}") from exc


def title_is_derived(meta: object) -> bool:
    """Whether ingest derived the title from the first sentence (``meta.title_origin``): such a title is
    body text, and two re-hosts that open differently must not veto each other as "unrelated
    headlines" (:attr:`themeflow.dedup.Fingerprint.title_derived`)."""
    return bool(meta.get("title_origin")) if isinstance(meta, Mapping) else False


def _assign(conn: sqlite3.Connection, doc: Document, kind: str | None) -> str:
    derived = title_is_derived(doc.meta)
    fp = dedup.fingerprint(doc.paragraphs, doc.title, _CONFIG, kind=kind, title_derived=derived)
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
    if not matches:
        return _found_story(conn, doc_id, fp, published)
    return _join_story(conn, doc_id, _story_ids_of(conn, [m.doc_id for m in matches]))


def _found_story(conn: sqlite3.Connection, doc_id: str, fp: dedup.Fingerprint, published: str) -> str:
    """A document with no copy founds its own story, written as :func:`_refresh` would leave it (most
    documents are alone: reading the story back to refresh it was a third of story assignment)."""
    now = _now()
    story_id = dedup.story_id_for(doc_id)
    span = None if published == _FAR else published
    conn.execute(
        "INSERT INTO stories(id, canonical_id, size, first_published, last_published, created_at, updated_at)"
        " VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET canonical_id = excluded.canonical_id,"
        " size = 1, first_published = excluded.first_published, last_published = excluded.last_published,"
        " updated_at = excluded.updated_at",
        (story_id, doc_id, span, span, now, now),
    )
    conn.execute(
        "INSERT INTO story_members(doc_id, story_id, similarity, joined_at) VALUES (?, ?, ?, ?)",
        (doc_id, story_id, round(dedup.similarity(fp, fp), 4), now),
    )
    return story_id


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
        and prev.fp.collection == fp.collection
        and prev.fp.title_support == fp.title_support
        and prev.fp.title_derived == fp.title_derived
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
    """Store the fingerprint, its LSH band keys and its sentence keys; returns its rowid and the band keys."""
    cur = conn.execute(
        "INSERT INTO doc_fingerprints(doc_id, content_hash, length, published_key, minhash, figures, title,"
        " sentences, title_derived, title_support, collection) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            doc_id,
            fp.content_hash,
            fp.length,
            published,
            fp.signature_bytes(),
            fp.figures_bytes(),
            fp.title,
            fp.sentences_bytes(),
            int(fp.title_derived),
            fp.title_support,
            int(fp.collection),
        ),
    )
    rowid = int(cur.lastrowid or 0)
    keys = dedup.band_keys(fp.signature, _CONFIG) if fp.signature is not None else []
    conn.executemany("INSERT OR IGNORE INTO lsh_bands(key, fp) VALUES (?, ?)", [(k, rowid) for k in keys])
    conn.executemany(
        "INSERT OR IGNORE INTO sentence_keys(key, fp) VALUES (?, ?)",
        [(int(k), rowid) for k in fp.sentences.tolist()],
    )
    return rowid, keys


def _copies_of(
    conn: sqlite3.Connection, rowid: int, keys: Sequence[int], fp: dedup.Fingerprint
) -> list[_Row]:
    """Stored documents that are copies of ``fp``. Candidates share a band key, a content sentence held
    by few documents, or the same normalized body (O(candidates)); each is then checked with
    :func:`dedup.is_copy`."""
    cand: set[int] = set()
    for chunk in chunks(keys):
        cand.update(
            r[0] for r in conn.execute(f"SELECT fp FROM lsh_bands WHERE key IN ({marks(len(chunk))})", chunk)
        )
    cand.update(_sentence_candidates(conn, fp.sentences.tolist(), rowid))
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


def _sentence_candidates(conn: sqlite3.Connection, sentence_keys: Sequence[int], rowid: int) -> set[int]:
    """Fingerprints sharing at least ``min_shared_sentences`` of these sentence keys (fewer can never make
    a contained copy; :func:`themeflow.dedup.are_candidates` says the same), counting only keys held by
    at most :data:`MAX_SENTENCE_HOLDERS` other documents. Counted in SQL: a stock phrase's thousands of
    holders never reach Python."""
    if len(sentence_keys) < _CONFIG.min_shared_sentences:
        return set()
    counts: dict[int, int] = {}
    for chunk in chunks(sentence_keys, 200):
        qm = marks(len(chunk))
        q = (
            f"SELECT fp, count(*) FROM sentence_keys WHERE key IN ({qm}) AND key NOT IN ("
            f"SELECT key FROM sentence_keys WHERE key IN ({qm}) GROUP BY key"
            f" HAVING count(*) > {MAX_SENTENCE_HOLDERS + 1}) GROUP BY fp"
        )
        for fp, n in conn.execute(q, [*chunk, *chunk]):
            counts[int(fp)] = counts.get(int(fp), 0) + int(n)
    out = {fp for fp, n in counts.items() if n >= _CONFIG.min_shared_sentences}
    out.discard(rowid)
    return out


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
    if rows:
        conn.executemany(
            "DELETE FROM sentence_keys WHERE key = ? AND fp = ?",
            [(int(k), rows[0].rowid) for k in rows[0].fp.sentences.tolist()],
        )
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
