"""The ``themeflow`` command: a thin skin over :class:`themeflow.service.Themeflow`.

Every read command takes ``--json`` and prints exactly one JSON document on stdout; messages, progress
bars and errors go to stderr, so ``themeflow search … --json | jq`` always works.
"""

from __future__ import annotations

import json
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from themeflow import __version__
from themeflow.cli_render import print_document, print_page, print_stats, print_summary
from themeflow.errors import InputError, NotAvailableError, ThemeflowError
from themeflow.model import IngestReport
from themeflow.serialize import (
    document_to_dict,
    ingest_report_to_dict,
    page_to_dict,
    stats_to_dict,
    story_to_dict,
    summary_to_dict,
)
from themeflow.service import Themeflow

app = typer.Typer(
    name="themeflow",
    help="Track investment themes across Chinese financial news: ingest, search, summarize with citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, highlight=False)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", envvar="THEMEFLOW_DB", help="SQLite database file (default: ~/.themeflow/themeflow.db)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
SinceOption = Annotated[str | None, typer.Option(help="Published on or after (YYYY-MM-DD).")]
UntilOption = Annotated[str | None, typer.Option(help="Published on or before (YYYY-MM-DD).")]
SourceOption = Annotated[list[str] | None, typer.Option("--source", help="Only this outlet (repeatable).")]


def _open(db: Path | None, *, read_only: bool = False) -> Themeflow:
    return Themeflow.open(db, read_only=read_only)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _parse_map(items: list[str] | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items or []:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise InputError(f"--map expects field=column (e.g. --map title=headline), got {item!r}")
        mapping[field.strip()] = column.strip()
    return mapping


def _ingest_with_progress(
    tf: Themeflow, targets: list[str], field_map: dict[str, str], quiet: bool
) -> IngestReport:
    if quiet or not err.is_terminal:
        return tf.ingest(targets, field_map=field_map)
    with Progress(
        TextColumn("[bold]ingest"),
        BarColumn(bar_width=None),
        TextColumn("{task.fields[read]} read · {task.fields[failed]} failed · {task.fields[rate]} docs/s"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("ingest", total=None, read=0, failed=0, rate="-")

        def on_progress(report: IngestReport, _where: str | None) -> None:
            if report.read % 50 == 0:
                progress.update(
                    task, read=report.read, failed=report.failed, rate=f"{report.docs_per_second:.0f}"
                )

        return tf.ingest(targets, field_map=field_map, on_progress=on_progress)


@app.command()
def ingest(
    targets: Annotated[list[str], typer.Argument(help="Files, folders, globs, feed or article URLs.")],
    db: DbOption = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="Override a field's column: --map title=headline (repeatable)."),
    ] = None,
    as_json: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Ingest documents; every bad record is listed with its reason, and the rest still land."""
    field_map = _parse_map(map_)
    with _open(db) as tf:
        report = _ingest_with_progress(tf, targets, field_map, quiet or as_json)
    if as_json:
        _print_json(ingest_report_to_dict(report))
    else:
        for e in report.errors[:50]:
            where = f"{e.source}" + (f" record {e.record}" if e.record else "")
            err.print(f"[red]failed[/red] {where}: {e.reason}", markup=True, highlight=False)
        if len(report.errors) > 50:
            err.print(f"… and {len(report.errors) - 50} more failures (use --json for all)")
        err.print(
            f"read {report.read} · new {report.new} · updated {report.updated} · unchanged {report.unchanged}"
            f" · failed {report.failed} · {report.docs_per_second:.0f} docs/s"
        )
    if report.failed:
        raise typer.Exit(1)


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="Document id (see `themeflow search`).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print a document with numbered paragraphs; a summary citation points to its paragraph number."""
    with _open(db) as tf:
        doc = tf.document(doc_id)
    if as_json:
        _print_json(document_to_dict(doc))
    else:
        print_document(out, doc)


@app.command()
def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Counts of documents, sources, stories and summaries in the database."""
    with _open(db) as tf:
        s = tf.stats()
    if as_json:
        _print_json(stats_to_dict(s))
    else:
        print_stats(out, s)


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help='Query: terms, "phrases", OR, -exclude, title:, source:, since:, until:')
    ],
    db: DbOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    sort: Annotated[str, typer.Option(help="time (newest first) or relevance.")] = "relevance",
    limit: Annotated[int, typer.Option(help="Results per page.")] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many results.")] = 0,
    mode: Annotated[str, typer.Option(help="bm25, semantic or hybrid.")] = "bm25",
    recency: Annotated[bool, typer.Option("--recency", help="Mild boost for recent articles.")] = False,
    expand: Annotated[
        bool, typer.Option("--expand", help="Show every syndicated copy as its own result.")
    ] = False,
    summaries: Annotated[bool, typer.Option("--summaries", help="Print each hit's cited summary.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Full-text search (Chinese-aware, BM25) with filters and highlighted snippets."""
    if sort not in ("time", "relevance"):
        raise InputError(f"--sort must be time or relevance (got {sort!r})")
    if mode not in ("bm25", "semantic", "hybrid"):
        raise InputError(f"--mode must be bm25, semantic or hybrid (got {mode!r})")
    with _open(db) as tf:
        page = tf.search(
            query,
            since=since,
            until=until,
            sources=source or (),
            sort=sort,  # type: ignore[arg-type]
            limit=limit,
            offset=offset,
            mode=mode,  # type: ignore[arg-type]
            recency_boost=recency,
            collapse=not expand,
        )
        by_doc = {h.document.id: tf.summarize(h.document) for h in page.hits} if summaries else {}
    if as_json:
        data = page_to_dict(page)
        if summaries:
            for hit in data["hits"]:
                hit["summary"] = summary_to_dict(by_doc[hit["id"]])
        _print_json(data)
    else:
        print_page(out, page, by_doc)


@app.command()
def summarize(
    doc_id: Annotated[str, typer.Argument(help="Document id.")],
    db: DbOption = None,
    summarizer: Annotated[str | None, typer.Option(help="extractive (default) or llm.")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Ignore the cached summary.")] = False,
    show_unverified: Annotated[
        bool, typer.Option("--show-unverified", help="Also show bullets that failed verification, flagged.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """A structured summary whose every bullet cites the paragraphs it rests on, verified."""
    tf = Themeflow.open(db, summarizer=summarizer)
    with tf:
        summary = tf.summarize(doc_id, refresh=refresh)
    if as_json:
        _print_json(summary_to_dict(summary))
    else:
        print_summary(out, summary, show_unverified=show_unverified)


@app.command()
def stories(
    db: DbOption = None,
    since: Annotated[
        str | None, typer.Option(help="Stories with a copy published on or after (YYYY-MM-DD).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many stories.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Stories published by several outlets (syndicated copies folded together)."""
    with _open(db) as tf:
        found = tf.stories(since=since, limit=limit)
        canon = tf.store.get_documents([s.canonical_id for s in found])
    if as_json:
        _print_json({"stories": [story_to_dict(s, canon.get(s.canonical_id)) for s in found]})
        return
    for s in found:
        doc = canon.get(s.canonical_id)
        title = doc.title if doc else s.canonical_id
        out.print(f"[bold]{title}[/bold]  ({s.size} copies)", markup=True, highlight=False)
        outlets = [doc.source if doc else None] + [c.source for c in s.copies]
        out.print("  " + " · ".join(o or "(unknown)" for o in outlets))
    if not found:
        err.print("no multi-copy stories yet")


@app.command()
def demo(db: DbOption = None) -> None:
    """Ingest the bundled sample corpus and show what themeflow does with it."""
    sample = resources.files("themeflow") / "data" / "sample.jsonl"
    with resources.as_file(sample) as path:
        if not path.exists():
            raise NotAvailableError("the bundled sample corpus is missing from this installation")
        with _open(db) as tf:
            report = tf.ingest([str(path)])
            err.print(
                f"sample ingested: read {report.read} · new {report.new} · unchanged {report.unchanged}"
                f" · failed {report.failed}"
            )
            print_stats(out, tf.stats())
            out.print()
            page = tf.search("人工智能 算力", sort="time", limit=3)
            print_page(out, page, {h.document.id: tf.summarize(h.document) for h in page.hits[:2]})
            cli_workflow.demo_workflow(tf)


def _not_yet(what: str) -> None:
    raise NotAvailableError(f"{what} is not yet available in this version of themeflow")


# -- workflows: `workflow add|list|show|edit|remove|run`, `report`, `scheduler` (see cli_workflow.py)
from themeflow import cli_workflow  # noqa: E402

cli_workflow.register(app)


@app.command()
def figures(
    query: Annotated[str, typer.Argument(help="Theme query (same language as `themeflow search`).")],
    db: DbOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    limit: Annotated[int, typer.Option(help="Read at most this many matching documents.")] = 200,
    as_json: JsonOption = False,
) -> None:
    """Key figures of a theme with their citations, and the sources that disagree (conflicts first)."""
    from themeflow.facts import print_theme_figures, theme_figures_to_dict

    with _open(db) as tf:
        result = tf.figures(query, since=since, until=until, sources=source or (), limit=limit)
    if as_json:
        _print_json(theme_figures_to_dict(result))
    else:
        print_theme_figures(out, result)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Interface to bind: loopback by default; 0.0.0.0 exposes it to the network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    db: DbOption = None,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Refuse every route that changes data (403).")
    ] = False,
    scheduler: Annotated[
        bool,
        typer.Option(
            "--scheduler", help="Also run due workflows in the background (like `themeflow scheduler`)."
        ),
    ] = False,
    scheduler_interval: Annotated[float, typer.Option(help="Seconds between scheduler checks.")] = 60.0,
) -> None:
    """The web app and JSON API: search, documents with cited summaries, workflows (docs at /docs)."""
    import uvicorn

    from themeflow.web.app import create_app

    if scheduler and read_only:
        raise InputError("--scheduler writes workflow runs; it cannot be combined with --read-only")
    web = create_app(db, read_only=read_only, scheduler_interval=scheduler_interval if scheduler else None)
    err.print(f"themeflow web on http://{host}:{port}" + (" (read-only)" if read_only else ""))
    uvicorn.run(web, host=host, port=port, log_level="info", server_header=False)


@app.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


def main() -> None:
    """Console entry point: user mistakes become one clear line on stderr and a non-zero exit."""
    try:
        # Without standalone mode click returns the code of a `typer.Exit` instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except ThemeflowError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err.print("interrupted: everything committed so far is kept; run the command again to resume")
        sys.exit(130)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show(file=sys.stderr)
            sys.exit(exc.exit_code)
        if os.environ.get("THEMEFLOW_DEBUG"):
            raise
        err.print(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in themeflow; run again with THEMEFLOW_DEBUG=1 for the traceback and report it.",
            markup=False,
            highlight=False,
        )
        sys.exit(70)


if __name__ == "__main__":
    main()
