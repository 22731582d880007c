"""The ``themeflow`` command: a thin skin over :class:`themeflow.service.Themeflow`.

Every read command takes ``--json`` and prints exactly one JSON document on stdout; messages, progress
bars and errors go to stderr, so ``themeflow search … --json | jq`` always works.

Start-up is kept short on purpose: this module imports only typer and :mod:`themeflow.cli_common`; each
command imports the store, search or summarizers when it runs (``bench/startup.py`` measures it).
"""

import os
import sys
from typing import Annotated

import typer

from themeflow import __version__, cli_batch, cli_embed, cli_llm, cli_tags, cli_theme, cli_workflow
from themeflow.cli_common import (
    DbOption,
    JsonOption,
    QuietOption,
    RayAddressOption,
    RayOption,
    SinceOption,
    SourceOption,
    UntilOption,
    err,
    open_themeflow,
    out,
    print_json,
)
from themeflow.errors import InputError, NotAvailableError, ThemeflowError

app = typer.Typer(
    name="themeflow",
    help="Track investment themes across Chinese financial news: ingest, search, summarize with citations.",
    add_completion=True,
    pretty_exceptions_enable=False,
    # Plain click help: rich-formatted help imports markdown-it and doubles start-up time.
    rich_markup_mode=None,
)


def _version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"{__version__}\n")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
        ),
    ] = None,
) -> None:
    """Track investment themes across Chinese financial news: ingest, search, summarize with citations."""
    if ctx.invoked_subcommand is None:
        # `themeflow` alone is a request for help, not a mistake: help on stdout, exit 0.
        typer.echo(ctx.get_help())
        raise typer.Exit(0)


def _parse_map(items: list[str] | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items or []:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise InputError(f"--map expects field=column (e.g. --map title=headline), got {item!r}")
        mapping[field.strip()] = column.strip()
    return mapping


@app.command()
def ingest(
    targets: Annotated[list[str], typer.Argument(help="Files, folders, globs, feed or article URLs.")],
    db: DbOption = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="Override a field's column: --map title=headline (repeatable)."),
    ] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    ray: RayOption = False,
    ray_address: RayAddressOption = None,
) -> None:
    """Ingest documents; every bad record is listed with its reason, and the rest still land."""
    from themeflow.cli_progress import ingest_with_progress
    from themeflow.serialize import ingest_report_to_dict

    field_map = _parse_map(map_)
    try:
        with open_themeflow(db) as tf:
            report = ingest_with_progress(
                tf,
                targets,
                field_map,
                console=err,
                quiet=quiet or as_json,
                ray=ray or ray_address is not None,
                ray_address=ray_address,
            )
    except Exception as exc:
        # A script reads stdout: an ingest that stops (disk full, read-only) still prints one document.
        if as_json:
            known = isinstance(exc, ThemeflowError)
            print_json(
                {
                    "ok": False,
                    "error": str(exc) if known else f"internal error: {type(exc).__name__}: {exc}",
                    "exit_code": exc.exit_code if isinstance(exc, ThemeflowError) else 70,
                    "note": "documents committed before the failure are kept; run the command again to resume",
                }
            )
        raise
    if as_json:
        print_json(ingest_report_to_dict(report))
    else:
        for e in report.errors[:50]:
            where = f"{e.source}" + (f" record {e.record}" if e.record else "")
            err.print(f"[red]failed[/red] {where}: {e.reason}", markup=True, highlight=False)
        if len(report.errors) > 50:
            err.print(f"… and {len(report.errors) - 50} more failures (use --json for all)")
        line = (
            f"read {report.read} · new {report.new} · updated {report.updated} · unchanged {report.unchanged}"
            f" · failed {report.failed}"
        )
        stored = report.read - report.failed
        if stored >= 20 and report.seconds >= 0.05:
            # A rate over a handful of records (or over failures only) measures nothing.
            line += f" · {report.docs_per_second:.0f} docs/s"
        err.print(line)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="Document id (see `themeflow search`).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print a document with numbered paragraphs; a summary citation points to its paragraph number."""
    with open_themeflow(db) as tf:
        doc = tf.document(doc_id)
    if as_json:
        from themeflow.serialize import document_to_dict

        print_json(document_to_dict(doc))
    else:
        from themeflow.cli_render import print_document

        print_document(out, doc)


@app.command()
def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Counts of documents, sources, stories and summaries in the database."""
    with open_themeflow(db) as tf:
        s = tf.stats()
    if as_json:
        from themeflow.serialize import stats_to_dict

        print_json(stats_to_dict(s))
    else:
        from themeflow.cli_render import print_stats

        print_stats(out, s)


@app.command()
def search(
    query: Annotated[
        str,
        typer.Argument(
            help="Query: terms (each also in its other names: 资本开支 finds 资本支出, capex), +exact, "
            '"phrases", OR, -exclude, title:, source:, since:, until:. Two terms must both match; of '
            "three or more, all but about a third. A query that starts with '-' goes after '--': themeflow search -- '-加息 降息'"
        ),
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
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Every bare term must occur as typed: no synonyms, no splitting of compounds "
            "(by default a term also matches its other names in the finance lexicon).",
        ),
    ] = False,
    expand: Annotated[
        bool, typer.Option("--expand", help="Show every syndicated copy as its own result.")
    ] = False,
    summaries: Annotated[bool, typer.Option("--summaries", help="Print each hit's cited summary.")] = False,
    summarizer: Annotated[
        str | None, typer.Option(help="For --summaries: extractive (default) or llm.")
    ] = None,
    ids: Annotated[
        bool, typer.Option("--ids", help="Print only the hits' document ids, one per line (for scripts).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Full-text search (Chinese-aware, BM25) with filters and highlighted snippets."""
    if sort not in ("time", "relevance"):
        raise InputError(f"--sort must be time or relevance (got {sort!r})")
    if mode not in ("bm25", "semantic", "hybrid"):
        raise InputError(f"--mode must be bm25, semantic or hybrid (got {mode!r})")
    with open_themeflow(db) as tf:
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
            strict=strict,
        )
        wanted = summaries and not ids
        by_doc = (
            {h.document.id: tf.summarize(h.document, theme=query, summarizer=summarizer) for h in page.hits}
            if wanted
            else {}
        )
    if ids:
        sys.stdout.write("".join(f"{h.document.id}\n" for h in page.hits))
        return
    if as_json:
        from themeflow.serialize import page_to_dict

        print_json(page_to_dict(page, by_doc if summaries else None))
    else:
        from themeflow.cli_render import print_page

        print_page(out, page, by_doc)


@app.command()
def summarize(
    doc_id: Annotated[str | None, typer.Argument(help="Document id (or --all).")] = None,
    db: DbOption = None,
    summarizer: Annotated[str | None, typer.Option(help="extractive (default) or llm.")] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Ignore the cached summary.")] = False,
    show_unverified: Annotated[
        bool, typer.Option("--show-unverified", help="Also show bullets that failed verification, flagged.")
    ] = False,
    as_json: JsonOption = False,
    every: Annotated[
        bool, typer.Option("--all", help="Summarize every stored document not yet summarized (cache them).")
    ] = False,
    since: SinceOption = None,
    ray: RayOption = False,
    ray_address: RayAddressOption = None,
) -> None:
    """A structured summary whose every bullet cites the paragraphs it rests on, verified."""
    if every or doc_id is None:
        from themeflow.cli_batch import summarize_all

        if doc_id is not None or not every:
            raise InputError("give a document id, or --all for every document not yet summarized")
        summarize_all(db, summarizer, since=since, ray=ray or ray_address is not None, address=ray_address)
        return
    with open_themeflow(db, summarizer=summarizer) as tf:
        summary = tf.summarize(doc_id, refresh=refresh)
    if as_json:
        from themeflow.serialize import summary_to_dict

        print_json(summary_to_dict(summary))
    else:
        from themeflow.cli_render import print_summary

        print_summary(out, summary, show_unverified=show_unverified)


@app.command()
def stories(
    db: DbOption = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="Stories with a copy published on or after (YYYY-MM-DD; publish time, not ingest)."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many stories.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Stories published by several outlets (syndicated copies folded together)."""
    from themeflow.cli_render import print_stories
    from themeflow.serialize import story_listing_to_dict

    with open_themeflow(db) as tf:
        found = tf.stories(since=since, limit=limit)
        canon = tf.documents([s.canonical_id for s in found])
        any_story = bool(found) or bool(tf.stories(limit=1))
    if as_json:
        print_json({"stories": [story_listing_to_dict(s, canon.get(s.canonical_id)) for s in found]})
        return
    print_stories(out, found, canon)
    if not found:
        err.print(
            f"no multi-copy stories published since {since}; drop --since to list all"
            if since and any_story
            else "no multi-copy stories yet"
        )


@app.command()
def demo(db: DbOption = None) -> None:
    """Ingest the bundled sample corpus and show what themeflow does with it."""
    from importlib import resources

    from themeflow.cli_render import print_page, print_stats

    sample = resources.files("themeflow") / "data" / "sample.jsonl"
    with resources.as_file(sample) as path:
        if not path.exists():
            raise NotAvailableError("the bundled sample corpus is missing from this installation")
        with open_themeflow(db) as tf:
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


# -- workflows: `workflow add|list|show|edit|remove|run`, `report`, `scheduler` (see cli_workflow.py)
cli_workflow.register(app)
cli_theme.register(app)
cli_tags.register(app)  # `tags`, `tags show|refresh|export` (see cli_tags.py)
cli_embed.register(app)  # `embed` (see cli_embed.py)
cli_batch.register(app)  # `migrate` (see cli_batch.py)
cli_llm.register(app)  # `llm check` (see cli_llm.py)


@app.command()
def figures(
    query: Annotated[str, typer.Argument(help="Theme query (same language as `themeflow search`).")],
    db: DbOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    source: SourceOption = None,
    limit: Annotated[int, typer.Option(help="Read at most this many matching documents.")] = 200,
    check: Annotated[
        bool,
        typer.Option("--check", help="Have the LLM confirm each figure first; only confirmed ones conflict."),
    ] = False,
    everything: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every figure of every matching document, also market-wide and undated moves, owners "
            "that are times or markets, and roundups that only mention the theme.",
        ),
    ] = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Key figures of a theme with their citations, and the sources that disagree (conflicts first).
    Listed by default: the figures of documents about the theme, most independent outlets first, then the
    newest; index and commodity moves (unless the theme names them), undated moves and owners that are
    times, markets or fragments are left out and counted (``--all`` lists them)."""
    from themeflow.cli_progress import stages
    from themeflow.cli_render import print_theme_figures
    from themeflow.facts import theme_figures_to_dict

    with open_themeflow(db) as tf, stages(err, "figures", quiet=quiet or as_json):
        result = tf.figures(
            query,
            since=since,
            until=until,
            sources=source or (),
            limit=limit,
            check=check,
            everything=everything,
        )
    if as_json:
        print_json(theme_figures_to_dict(result))
    else:
        print_theme_figures(out, result)


def _bind(host: str, port: int):  # type: ignore[no-untyped-def]
    """Bind the listening socket before anything is printed, so a busy port is one clear error.

    The bound socket is handed to uvicorn, so nothing can take the port between the check and the serve.
    """
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise InputError(f"--host {host!r} is not an address this machine can bind: {exc}") from exc
    family, kind, proto, _name, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InputError(
                f"port {port} on {host} is already in use (another themeflow serve?); "
                f"choose another with --port, e.g. --port {port + 1 if port < 65535 else 8000}"
            ) from exc
        if exc.errno == errno.EACCES:
            raise InputError(
                f"no permission to listen on port {port}; ports below 1024 need privileges, "
                "use --port 8000 or higher"
            ) from exc
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Interface to bind: loopback by default; 0.0.0.0 exposes it to the network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
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
    insecure_no_token: Annotated[
        bool,
        typer.Option(
            "--insecure-no-token",
            help="Serve a non-loopback address with changes open to anyone who can reach it (no API token).",
        ),
    ] = False,
) -> None:
    """The web app and JSON API: search, documents with cited summaries, workflows (docs at /docs)."""
    from themeflow.config import load_settings
    from themeflow.web.guard import is_loopback

    if scheduler and read_only:
        raise InputError("--scheduler writes workflow runs; it cannot be combined with --read-only")
    if not read_only and not is_loopback(host) and not load_settings().get("api_token"):
        if not insecure_no_token:
            raise InputError(
                f"refusing to serve {host} without an API token: anyone who can reach it could create, run"
                " and delete workflows. Set THEMEFLOW_API_TOKEN, bind 127.0.0.1 (e.g. behind a reverse"
                " proxy), add --read-only, or pass --insecure-no-token if this network is trusted"
            )
        err.print(
            f"WARNING: serving {host} with no API token (--insecure-no-token): every change is open to"
            " anyone who can reach this address"
        )
    sock = _bind(host, port)
    import uvicorn

    from themeflow.web.app import create_app

    web = create_app(
        db,
        read_only=read_only,
        scheduler_interval=scheduler_interval if scheduler else None,
        bind_host=host,
    )
    shown = f"[{host}]" if ":" in host else host
    err.print(f"themeflow web on http://{shown}:{port}" + (" (read-only)" if read_only else ""))
    config = uvicorn.Config(web, log_level="info", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])


@app.command()
def version() -> None:
    """Print the version."""
    sys.stdout.write(f"{__version__}\n")


def _click_exception_class() -> type[Exception]:
    """The ``ClickException`` base that this typer raises usage errors with.

    Recent typer releases bundle their own copy of click, so ``click.ClickException`` from an installed
    click is a different class; typer's own ``BadParameter`` always descends from the right one.
    """
    for cls in typer.BadParameter.__mro__:
        if cls.__name__ == "ClickException":
            return cls
    return typer.BadParameter  # pragma: no cover - every click has ClickException


def _usage_hint(exc: Exception, argv: list[str]) -> None:
    """Add the one hint a usage error needs that click does not give: a query such as ``-加息 降息``
    is read as options unless it comes after ``--``."""
    name = getattr(exc, "option_name", "") or ""
    if type(exc).__name__ != "NoSuchOption" or not name.startswith("-") or name.startswith("--"):
        return
    typed = next((a for a in argv if a.startswith(name)), name)
    exc.message = (  # type: ignore[attr-defined]
        f"{exc.message}\n"  # type: ignore[attr-defined]
        f"A query or argument that starts with '-' goes after '--', e.g.: themeflow search -- {typed!r}"
    )


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user mistakes become one clear message on stderr and a non-zero exit
    (usage errors 2, as click's own; bad input 2; a missing capability 4; an internal error 70)."""
    click_exception = _click_exception_class()
    try:
        # Without standalone mode click returns the code of a `typer.Exit` instead of exiting.
        code = app(args=argv, prog_name="themeflow", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except ThemeflowError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted: everything committed so far is kept; run the command again to resume")
        sys.exit(130)
    except Exception as exc:
        if isinstance(exc, click_exception):
            _usage_hint(exc, sys.argv[1:] if argv is None else argv)
            exc.show(file=sys.stderr)  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        if type(exc).__name__ == "Abort" or isinstance(exc, typer.Abort):
            err.print("aborted")
            sys.exit(130)
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
