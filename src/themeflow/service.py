"""`Themeflow`: the one object the CLI, web app and tests drive.

Everything a user can do goes through a method here, so the CLI, the JSON API and the tests share one
behaviour. Backends (store, summarizer) are injected; :meth:`Themeflow.open` builds the embedded defaults
(a SQLite file, the extractive summarizer) from settings so that nothing needs configuring.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from themeflow.config import Settings, load_settings
from themeflow.dates import as_datetime
from themeflow.errors import InputError, NotAvailableError, ThemeflowError
from themeflow.model import Document, IngestReport, SearchPage, Story, Summary
from themeflow.store import open_store
from themeflow.store.base import Store, StoreStats

if TYPE_CHECKING:
    from themeflow.facts import ThemeFigures
    from themeflow.model import RunRecord, Theme
    from themeflow.notify import Delivery
    from themeflow.report.digest import Digest
    from themeflow.search.request import SearchRequest
    from themeflow.summarize.base import Summarizer
    from themeflow.tags import TagCatalog, TagConcept
    from themeflow.workflow.context import WorkflowContext
    from themeflow.workflow.locks import Unlocked
    from themeflow.workflow.runner import RunResult
    from themeflow.workflow.scheduler import Due, Outcome

OPTIMIZE_AFTER = 2000
"""An ingest that writes at least this many documents compacts the index afterwards (seconds, once)."""

BATCH_SIZE = 200
"""Documents per write transaction: a crash loses at most this many, and the re-run redoes them."""

ProgressCallback = Callable[[IngestReport, str | None], None]


class Themeflow:
    """The themeflow API: ingest, search, summarize, stories (workflows and figures build on these)."""

    def __init__(
        self, store: Store, *, summarizer: Summarizer | None = None, settings: Settings | None = None
    ):
        self.store = store
        self.settings = settings or load_settings()
        self._summarizer = summarizer
        self._named_summarizers: dict[str, Summarizer] = {}
        self._tokens = [0, 0]  # LLM prompt and completion tokens spent by summaries made here
        self._tags: TagCatalog | None = None

    @classmethod
    def open(
        cls, db: str | Path | None = None, *, read_only: bool = False, **overrides: str | None
    ) -> Themeflow:
        """The store named by ``db``, ``THEMEFLOW_DB`` or the default HOME/themeflow.db (a SQLite file; a
        URL picks its backend by scheme, see ``store/__init__.py``)."""
        settings = load_settings({"db": str(db) if db else None, **overrides})
        location = settings.get("db") or str(settings.db_path)
        return cls(open_store(location, read_only=read_only), settings=settings)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Themeflow:
        return self

    def __exit__(self, *exc: object) -> None:
        self.store.close()

    # -- ingest ----------------------------------------------------------------------------------
    def ingest(
        self,
        targets: Sequence[str | Path],
        *,
        field_map: dict[str, str] | None = None,
        on_progress: ProgressCallback | None = None,
        ray: bool = False,
        ray_address: str | None = None,
    ) -> IngestReport:
        """Read files, folders, globs, feeds and URLs into the store; a bad record is counted in ``failed``
        and listed in ``errors``, never aborting a batch. Batches of :data:`BATCH_SIZE`, one transaction each,
        go to :func:`~themeflow.cluster.writers.writer_for`'s writer (workers on SQLite; Ray tasks with ``ray``
        on the cluster at ``ray_address``, default ``RAY_ADDRESS`` or a local one)."""
        from themeflow.cluster.writers import default_workers, writer_for
        from themeflow.ingest import fetch_config_from_settings, read_targets
        from themeflow.ingest.background import read_in_background, worth_reading_in_background
        from themeflow.ingest.run import ingest_items
        from themeflow.ingest.urls import redact_url

        report = IngestReport()
        started = datetime.now().astimezone()
        written_after = time.time()
        t0 = time.perf_counter()
        workers = 1 if ray else default_workers(self.settings.get("ingest_workers"))
        paths = [str(t) for t in targets]
        # a large local input is read by a child process and prepared by workers from its first batch
        large = workers > 1 and worth_reading_in_background(paths)
        writer = writer_for(
            self.store, workers, ray=ray, location=self.settings.get("db"), address=ray_address, large=large
        )
        items = read_targets(
            paths,
            field_map=field_map,
            tz=self.settings.get("timezone") or "Asia/Shanghai",
            fetch_config=fetch_config_from_settings(self.settings),
        )  # a bad field map or time zone is raised here, before anything is read
        if large:
            reader = items
            items = read_in_background(lambda: reader)
        try:
            ingest_items(items, writer.submit, report, batch_size=BATCH_SIZE, on_progress=on_progress)
            writer.close()
            if report.new + report.updated >= OPTIMIZE_AFTER:
                self.store.optimize()
            self._after_write(report, written_after)
        except BaseException:
            with contextlib.suppress(Exception):  # what was committed stays; the failure is what is raised
                writer.abort()
            raise
        finally:
            report.seconds = time.perf_counter() - t0
            if report.read:
                label = ", ".join(redact_url(str(t)) for t in targets)[:500]
                self.store.record_ingest(label, report, started)
        return report

    def ingest_documents(self, docs: Iterable[Document]) -> IngestReport:
        """Write already-built documents (from Python callers and tests)."""
        from themeflow.ingest.batch import dedupe_batch

        report = IngestReport()
        written_after = time.time()
        t0 = time.perf_counter()
        batch = list(docs)
        for start in range(0, len(batch), BATCH_SIZE):
            chunk = dedupe_batch(batch[start : start + BATCH_SIZE])
            for outcome in self.store.upsert_documents(chunk):
                setattr(report, outcome, getattr(report, outcome) + 1)
        report.read = len(batch)
        report.unchanged += report.read - report.new - report.updated - report.unchanged
        self._after_write(report, written_after)
        report.seconds = time.perf_counter() - t0
        return report

    def _after_write(self, report: IngestReport, written_after: float) -> None:
        """Vectors for what this ingest wrote when ``THEMEFLOW_EMBED=1`` and the semantic extra is installed
        (``embed.pipeline.embed_after_ingest``), then the concept tags of it (``tags/tagger.py``)."""
        from themeflow.embed.pipeline import embed_after_ingest

        embed_after_ingest(self.store, self.settings, written_after=written_after)
        if report.new + report.updated:
            self.tags.refresh()

    @property
    def tags(self) -> TagCatalog:
        """Concept tags and the per-concept feeds, counts and headers of concept and theme pages."""
        from themeflow.tags import TagCatalog

        if self._tags is None:
            self._tags = TagCatalog(
                self.store, self.search, self._theme_concepts, self.settings, self.summarize
            )
        return self._tags

    def _theme_concepts(self) -> list[TagConcept]:
        from themeflow.tags import theme_concept
        from themeflow.workflow.themes import search_queries

        return [theme_concept(t, search_queries(t)) for t in self.themes()]

    # -- read ------------------------------------------------------------------------------------
    def document(self, doc_id: str) -> Document:
        return self.store.get_document(doc_id)

    def documents(self, doc_ids: Sequence[str]) -> dict[str, Document]:
        """The documents among ``doc_ids`` that exist, keyed by id (one read, however many)."""
        return self.store.get_documents(doc_ids)

    def stats(self) -> StoreStats:
        return self.store.stats()

    # -- search ----------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        since: str | date | datetime | None = None,
        until: str | date | datetime | None = None,
        sources: Sequence[str] = (),
        sort: Literal["time", "relevance"] = "relevance",
        limit: int = 20,
        offset: int = 0,
        mode: Literal["bm25", "semantic", "hybrid"] = "bm25",
        recency_boost: bool = False,
        collapse: bool = True,
        strict: bool = False,
        within: Collection[str] | None = None,
        snippets: bool = True,
        paragraphs: bool = True,
    ) -> SearchPage:
        """Search the store with the query language (see README); copies fold into stories by default. Bare
        terms expand unless ``strict`` (``search/concept.py``); the flags are ``SearchRequest``'s."""
        from themeflow.search.request import SearchRequest

        if limit < 1 or limit > 1000:
            raise InputError(f"--limit must be between 1 and 1000 (got {limit})")
        tz = self.settings.timezone  # a negative offset is refused by the request, with the same message
        request = SearchRequest(
            query=query,
            since=as_datetime(since, tz, end=False, flag="--since"),
            until=as_datetime(until, tz, end=True, flag="--until"),
            sources=tuple(sources),
            sort=sort,
            limit=limit,
            offset=offset,
            mode=mode,
            recency_boost=recency_boost,
            collapse=collapse,
            strict=strict,
            tz=tz,
            within=frozenset(within) if within is not None else None,
            snippets=snippets,
            paragraphs=paragraphs,
        )
        if mode != "bm25":
            request = self._with_query_vector(request)
        return self.store.search(request)

    def _with_query_vector(self, request: SearchRequest) -> SearchRequest:
        """The request with its query embedded (``semantic``/``hybrid``); NotAvailableError with the install
        line without the ``semantic`` extra, or naming ``themeflow embed`` when no document has a vector."""
        from dataclasses import replace

        from themeflow.embed.pipeline import default_embedder

        embedder = default_embedder()
        if self.store.vectors.count(embedder.model_id) == 0:
            raise NotAvailableError(
                f"--mode {request.mode}: no document has a vector from {embedder.model_id} yet; "
                "run `themeflow embed` (new documents are embedded at ingest)"
            )
        vector = embedder.embed_queries([request.query])[0]
        return replace(request, vector=tuple(float(x) for x in vector), vector_model=embedder.model_id)

    # -- stories ---------------------------------------------------------------------------------
    def story_of(self, doc_id: str) -> Story | None:
        return self.store.story_of(doc_id)

    def stories(self, *, since: str | date | datetime | None = None, limit: int = 100) -> list[Story]:
        if not 1 <= limit <= 10_000:
            raise InputError(f"--limit must be between 1 and 10000 (got {limit})")
        return self.store.list_stories(
            since=as_datetime(since, self.settings.timezone, end=False, flag="--since"), limit=limit
        )

    # -- summaries -------------------------------------------------------------------------------
    @property
    def summarizer(self) -> Summarizer:
        if self._summarizer is None:
            self._summarizer = make_summarizer(self.settings.get("summarizer") or "extractive", self.settings)
        return self._summarizer

    def summarizer_named(self, name: str | None) -> Summarizer:
        """The configured summarizer (``name`` None or the configured one), else the named one, made once."""
        if name is None or name == (self.settings.get("summarizer") or "extractive"):
            return self.summarizer
        if name not in self._named_summarizers:
            self._named_summarizers[name] = make_summarizer(name, self.settings)
        return self._named_summarizers[name]

    def summarize(
        self,
        doc: str | Document,
        *,
        refresh: bool = False,
        summarizer: str | None = None,
        theme: str | Sequence[str] | None = None,
    ) -> Summary:
        """The verified summary of a document, from the cache when its content was summarized before.

        ``theme`` (a query, or a saved theme's queries) is the theme the summary is shown under: a
        document that only mentions it (a roundup or live blog, ``search/aboutness.py``) is summarized
        from its paragraphs about the theme, citations in its own numbering (``summarize/focus.py``);
        every other document gets its ordinary summary.

        Every summary passes :func:`themeflow.summarize.verify.verify`; the stored copy keeps failing
        bullets flagged (``verified=False``) so ``--show-unverified`` can show them; callers that display
        summaries drop them with ``drop_unverified``.
        """
        document = self.store.get_document(doc) if isinstance(doc, str) else doc
        plan = self._plan(document, summarizer, theme)
        if not refresh:
            cached = self._cached(document, plan)
            if cached is not None:
                return cached
        return self._keep(document, self._make(document, plan))

    def summarize_many(
        self,
        docs: Sequence[Document],
        *,
        summarizer: str | None = None,
        theme: str | Sequence[str] | None = None,
    ) -> list[Summary]:
        """:meth:`summarize` for several documents, in order; the summaries not in the cache are made
        concurrently when the summarizer calls a service (an LLM endpoint: up to its concurrency limit), while
        the store is read and written from this thread only. Raises the first SummarizerError after every
        other document was tried, so the summaries that did succeed are cached for the next try."""
        from concurrent.futures import ThreadPoolExecutor

        from themeflow import progress

        plans = [self._plan(doc, summarizer, theme) for doc in docs]
        out: list[Summary | None] = [self._cached(doc, plan) for doc, plan in zip(docs, plans, strict=True)]
        todo = [i for i, s in enumerate(out) if s is None]
        done = len(docs) - len(todo)

        def finished() -> None:
            nonlocal done
            done += 1
            progress.stage(f"summarizing {done}/{len(docs)}")

        workers = max((int(getattr(plan.summarizer, "concurrency", 1)) for plan in plans), default=1)
        failure: ThemeflowError | None = None
        if workers > 1 and len(todo) > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                futures = {i: pool.submit(self._make, docs[i], plans[i]) for i in todo}
                for i, future in futures.items():
                    try:
                        out[i] = self._keep(docs[i], future.result())
                    except ThemeflowError as exc:
                        failure = failure or exc
                    finished()
        else:
            for i in todo:
                finished()
                try:
                    out[i] = self._keep(docs[i], self._make(docs[i], plans[i]))
                except ThemeflowError as exc:
                    failure = failure or exc
        if failure is not None:
            raise failure
        return [s for s in out if s is not None]

    def _plan(self, document: Document, summarizer: str | None, theme: str | Sequence[str] | None) -> _Plan:
        from themeflow.summarize.base import summarizer_key

        chosen = self.summarizer_named(summarizer)
        key = summarizer_key(chosen)
        focus = self._focus(document, theme) if theme else None
        if focus is not None:
            from themeflow.summarize.focus import focus_key

            key = focus_key(chosen, focus[0])
        return _Plan(chosen, key, focus)

    def _cached(self, document: Document, plan: _Plan) -> Summary | None:
        from themeflow.summarize.verify import cached_for

        return cached_for(self.store.get_summary(document.content_hash, plan.key), document)

    @staticmethod
    def _make(document: Document, plan: _Plan) -> Summary:
        """The summarizer's summary (no store access: safe in a worker thread)."""
        if plan.focus is not None:
            from themeflow.summarize.focus import summarize_focused

            focus_id, numbers, label = plan.focus
            return summarize_focused(plan.summarizer, document, focus_id, numbers, label=label)
        return plan.summarizer.summarize(document)

    def _keep(self, document: Document, made: Summary) -> Summary:
        """Verify, count its tokens, store."""
        from themeflow.summarize.verify import verify

        self._tokens[0] += made.prompt_tokens
        self._tokens[1] += made.completion_tokens
        summary = verify(made, document)
        self.store.put_summary(summary)
        return summary

    def llm_usage(self) -> tuple[int, int]:
        """LLM (prompt, completion) tokens spent by the summaries this service made (cache hits excluded)."""
        return self._tokens[0], self._tokens[1]

    def _focus(self, document: Document, theme: str | Sequence[str]) -> tuple[str, list[int], str] | None:
        """``(identity, paragraph numbers, label)`` of the focused view of ``document`` under ``theme``,
        or None when the document is about the theme (or never names it) and gets its ordinary summary.
        The identity (queries and lexicon version) keys the cache: a lexicon change re-focuses."""
        from themeflow.search.aboutness import mention_test
        from themeflow.summarize.focus import focus_paragraphs

        found = mention_test(document, [theme] if isinstance(theme, str) else list(theme))
        if found is None:
            return None
        on_topic, identity, label = found
        numbers = focus_paragraphs(document.paragraphs, on_topic)
        return (identity, numbers, label) if numbers else None

    # -- figures ---------------------------------------------------------------------------------
    def figures(
        self,
        query: str,
        *,
        since: str | date | datetime | None = None,
        until: str | date | datetime | None = None,
        sources: Sequence[str] = (),
        limit: int = 200,
        check: bool = False,
        everything: bool = False,
    ) -> ThemeFigures:
        """Key figures of a theme: facts of the documents about it (a roundup that only mentions the theme
        brings its market figures, not the theme's) lined up across outlets, conflicts flagged. Every
        syndicated copy is read (a copy may have changed a number), but counts once. ``check``: each fact
        confirmed by the LLM first (``facts/confirm.py``). ``everything``: every document that matches
        and every figure, also those a theme's table leaves out (``facts/readable.py``)."""
        from themeflow import progress
        from themeflow.facts import figures_for_documents
        from themeflow.facts.confirm import llm_fact_checker
        from themeflow.search.aboutness import MENTION

        checker = llm_fact_checker(self.settings.get) if check else None
        page = self.search(query, since=since, until=until, sources=sources, limit=limit, collapse=False)
        docs = [h.document for h in page.hits if everything or h.aboutness != MENTION]
        progress.stage(f"reading the figures of {len(docs)} documents{' (LLM check)' if check else ''}")
        return figures_for_documents(
            docs,
            self.store.stories_for([d.id for d in docs]),
            checker=checker,
            theme=None if everything else query,
        )

    # -- workflows: thin wrappers over themeflow.workflow (given a WorkflowContext, never the service) --
    def workflow_context(self) -> WorkflowContext:
        """What the workflow engine works with: the store, :meth:`search`, :meth:`summarize`, settings."""
        from themeflow.workflow.context import WorkflowContext

        return WorkflowContext(
            store=self.store,
            search=self.search,
            summarize=self.summarize,
            settings=self.settings,
            summarize_many=self.summarize_many,
            usage=self.llm_usage,
        )

    def add_theme(self, theme: Theme | dict[str, object], *, replace: bool = False) -> Theme:
        """Save a theme (a Theme, or a mapping validated like a theme TOML file)."""
        from themeflow.workflow import catalog

        saved = catalog.add_theme(self.store, theme, tz=self.settings.timezone, replace=replace)
        self.tags.refresh(only={saved.name})
        return saved

    def themes(self) -> list[Theme]:
        from themeflow.workflow import catalog

        return catalog.list_themes(self.store)

    def theme(self, name: str) -> Theme:
        from themeflow.workflow import catalog

        return catalog.get_theme(self.store, name)

    def explain(self, name_or_query: str) -> dict[str, Any]:
        """How a saved theme (by name) or a query string expands into the searches a run issues: one per
        alternative (the query and each keyword), each with its concept clauses and exclusions."""
        from themeflow.search.concept import explain_query
        from themeflow.workflow.themes import search_queries

        saved = next((t for t in self.themes() if t.name == name_or_query), None)
        queries = search_queries(saved) if saved is not None else [name_or_query]
        return {
            "input": name_or_query,
            "theme": saved.name if saved is not None else None,
            "searches": [explain_query(q) for q in queries],
            "rule": "a document is found by any one search (keywords are alternatives)",
        }

    def edit_theme(self, name: str, /, **changes: object) -> Theme:
        """Change fields of a saved theme (None leaves a field as it is; '' clears since/schedule;
        ``name=`` renames)."""
        from themeflow.workflow import catalog

        edited = catalog.edit_theme(self.store, name, changes, tz=self.settings.timezone)
        self.tags.refresh(only={edited.name})
        return edited

    def remove_theme(self, name: str) -> None:
        from themeflow.workflow import catalog

        catalog.remove_theme(self.store, name)
        self.tags.refresh(only=())

    def run_workflow(
        self, name: str, *, reports_dir: str | Path | None = None, write_reports: bool = True
    ) -> RunResult:
        """Run a saved theme incrementally (see themeflow.workflow.runner) and write its digest."""
        from themeflow.workflow.runner import run_workflow

        return run_workflow(self.workflow_context(), name, reports_dir=reports_dir, write=write_reports)

    def notify_run(self, name: str, *, run_id: int | None = None) -> tuple[Delivery, ...]:
        """Send a stored run's notification again (default: the theme's latest successful run)."""
        from themeflow.workflow.notices import resend as resend_notice

        return resend_notice(self.workflow_context(), name, run_id)

    def runs(self, name: str, *, limit: int = 20) -> list[RunRecord]:
        """The theme's runs, newest first."""
        from themeflow.workflow import catalog

        return catalog.list_runs(self.store, name, limit=limit)

    def run_record(self, run_id: int) -> RunRecord:
        from themeflow.workflow import catalog

        return catalog.get_run(self.store, run_id)

    def report(
        self,
        query: str | None = None,
        *,
        run_id: int | None = None,
        since: str | date | datetime | None = None,
        until: str | date | datetime | None = None,
        sources: Sequence[str] = (),
        limit: int = 30,
    ) -> Digest:
        """The digest of a stored run (``run_id``) or of a search (``query``); render with report.write."""
        from themeflow.workflow.digests import digest_of_run, digest_of_search

        if (query is None) == (run_id is None):
            raise InputError("give either a search query or --run ID for the report, not both")
        if run_id is not None:
            return digest_of_run(self.workflow_context(), run_id)
        assert query is not None
        tz = self.settings.timezone
        return digest_of_search(
            self.workflow_context(),
            query,
            since=as_datetime(since, tz, end=False, flag="--since"),
            until=as_datetime(until, tz, end=True, flag="--until"),
            sources=sources,
            limit=limit,
        )

    def due_workflows(self, *, now: datetime | None = None) -> list[Due]:
        from themeflow.workflow.scheduler import due_workflows

        return due_workflows(self.workflow_context(), now=now)

    def run_due_workflows(self, *, now: datetime | None = None) -> list[Outcome]:
        """Run every scheduled theme that is due (what ``themeflow scheduler --once`` does)."""
        from themeflow.workflow.scheduler import run_due

        return run_due(self.workflow_context(), now=now)

    def run_scheduler(
        self,
        *,
        interval: float = 60.0,
        stop: threading.Event | None = None,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        """Run due themes every ``interval`` seconds until ``stop`` is set (``themeflow scheduler``)."""
        from themeflow.workflow.scheduler import run_forever

        run_forever(self.workflow_context(), interval=interval, stop=stop, on_outcome=on_outcome)

    def unlock_workflow(self, name: str, *, force: bool = False) -> Unlocked:
        """Remove a run lock its holder left behind (see themeflow.workflow.locks)."""
        from themeflow.workflow.locks import unlock_workflow

        return unlock_workflow(self.store, name, force=force)


class _Plan(NamedTuple):
    """Summarizer, cache key, and the focused view (identity, paragraphs, label) of a document that only
    mentions its theme (else None)."""

    summarizer: Summarizer
    key: str
    focus: tuple[str, list[int], str] | None


def make_summarizer(name: str, settings: Settings | None = None) -> Summarizer:
    """The summarizer named in settings or on the command line (``summarize/registry.py``)."""
    from themeflow.summarize.registry import make_summarizer as named

    return named(name, (settings or load_settings()).get)
