"""``themeflow tags``: the concept vocabulary with counts and trend; ``tags show``, ``tags refresh``,
``tags export``.

A concept is a finance-lexicon concept or a saved theme; its tags are the documents its search finds, kept
current at ingest (``tags/tagger.py``). The same bodies as ``/api/tags/concept`` are printed with ``--json``.
"""

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from themeflow.cli_common import DbOption, JsonOption, err, open_themeflow, out, print_json

tags_app = typer.Typer(
    help="Concept tags: concepts with document counts and trend; one concept's stories; export.",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

MentionsOption = Annotated[
    bool, typer.Option("--mentions", help="Also list roundups and live blogs that only mention it (提及).")
]


@tags_app.callback()
def tags_list(
    ctx: typer.Context,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List every concept (lexicon concepts and saved themes) with its documents and 7/30-day trend."""
    if ctx.invoked_subcommand is not None:
        return
    from themeflow.serialize import iso, tag_count_to_dict

    with open_themeflow(db, read_only=True) as tf:
        counts, as_of = tf.tags.counts()
    if as_json:
        print_json({"as_of": iso(as_of), "concepts": [tag_count_to_dict(c) for c in counts]})
        return
    if not counts:
        err.print("no concept is tagged yet: ingest documents, or run `themeflow tags refresh`", markup=False)
        return
    from themeflow.timefmt import display_date

    out.print(f"trend as of {display_date(as_of)} (the newest tagged document)", markup=False)
    out.print(f"{'concept':<16} {'kind':<8} {'about':>6} {'mention':>7} {'7d':>9} {'30d':>11}", markup=False)
    for c in counts:
        out.print(
            f"{c.name:<16} {c.kind:<8} {c.documents:>6} {c.mentions:>7}"
            f" {_trend(c.last_7d, c.prev_7d):>9} {_trend(c.last_30d, c.prev_30d):>11}",
            markup=False,
        )


def _trend(now: int, before: int) -> str:
    arrow = "↑" if now > before else "↓" if now < before else "→"
    return f"{now} {arrow}{before}"


@tags_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="A concept or theme name (other names and modifiers work).")],
    db: DbOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="Stories to list.")] = 20,
    after: Annotated[str | None, typer.Option("--after", help="The `next` value of a previous page.")] = None,
    mentions: MentionsOption = False,
    summaries: Annotated[bool, typer.Option("--summaries", help="Summarize each story (cached).")] = False,
    as_json: JsonOption = False,
) -> None:
    """One concept's stories, newest first: outlet · time, 主题/提及, "also in …"."""
    from themeflow.tags.feed import decode_cursor

    with open_themeflow(db, read_only=not summaries) as tf:
        body, _ = tf.tags.feed_body(
            name, mentions=mentions, after=decode_cursor(after), limit=limit, summaries=summaries
        )
    if as_json:
        print_json(body)
        return
    _print_feed(body)


def _print_feed(body: dict[str, Any]) -> None:
    from themeflow.serialize import parse_iso
    from themeflow.timefmt import display_time

    tag = body["tag"]
    counts = tag["counts"] or {}
    out.print(
        f"{tag['name']} ({tag['kind']}) · {counts.get('documents', 0)} documents about it", markup=False
    )
    if tag["note"]:
        out.print(tag["note"], markup=False)
    for d in body["documents"]:
        label = "" if d["aboutness"] == "主题" else f"[{d['aboutness']}] "
        when = display_time(parse_iso(d["published"]))
        out.print(f"\n{label}{d['title']}\n  {d['source'] or '来源未知'} · {when} · {d['id']}", markup=False)
        if d["copies"]:
            out.print("  also in " + ", ".join(c["source"] or "?" for c in d["copies"]), markup=False)
        summary = d.get("summary")
        if summary:
            for b in summary["core_views"]:
                out.print(f"  · {b['text']} {''.join(f'[{n}]' for n in b['citations'])}", markup=False)
    if body["next"]:
        out.print(f"\nmore: --after '{body['next']}'", markup=False)


@tags_app.command("refresh")
def refresh(
    db: DbOption = None,
    full: Annotated[bool, typer.Option("--full", help="Tag every concept again from scratch.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Bring every concept's tags up to date (ingest and theme changes do this on their own)."""
    with open_themeflow(db) as tf:
        done = tf.tags.refresh(full=full)
    body = {
        "concepts": done.concepts,
        "retagged": done.retagged,
        "updated": done.updated,
        "skipped": done.skipped,
        "dropped": done.dropped,
        "tags_written": done.tags_written,
        "seconds": round(done.seconds, 3),
    }
    if as_json:
        print_json(body)
        return
    err.print(
        f"{done.concepts} concepts: {len(done.retagged)} tagged from scratch, {len(done.updated)} updated,"
        f" {len(done.dropped)} dropped · {done.tags_written} tags written in {done.seconds:.1f} s",
        markup=False,
    )


@tags_app.command("export")
def export(
    name: Annotated[str, typer.Argument(help="A concept or theme name.")],
    db: DbOption = None,
    what: Annotated[
        Literal["documents", "figures"], typer.Option("--what", help="Its stories, or its key figures.")
    ] = "documents",
    fmt: Annotated[Literal["csv", "json"], typer.Option("--format", help="csv or json.")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here, not to stdout.")] = None,
    mentions: MentionsOption = False,
) -> None:
    """Export a concept's stories (every one, newest first) or key figures as CSV or JSON."""
    from themeflow.facts import theme_figures_to_dict
    from themeflow.tags.export import documents_csv, figures_csv

    with open_themeflow(db, read_only=True) as tf:
        if what == "documents":
            body = tf.tags.export_body(name, mentions=mentions)
            text = documents_csv(body["documents"]) if fmt == "csv" else _json(body)
        else:
            concept, _ = tf.tags.concept(name)
            figures = tf.tags.figures(concept.name)
            text = figures_csv(figures) if fmt == "csv" else _json(theme_figures_to_dict(figures))
    if output is None:
        typer.echo(text, nl=False)
    else:
        from themeflow.report.write import write_text

        write_text(output, text)
        err.print(f"wrote {output}", markup=False)


def _json(body: Any) -> str:
    import json

    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def register(app: typer.Typer) -> None:
    """Attach ``tags`` to the main app."""
    app.add_typer(tags_app, name="tags")
