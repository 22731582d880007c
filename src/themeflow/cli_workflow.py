"""``themeflow workflow …``, ``themeflow report`` and ``themeflow scheduler``: thin skins over the service.

Kept apart from ``cli.py`` so the workflow commands can grow without touching the main command file;
:func:`register` attaches them to the main app.
"""

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from themeflow.cli_common import (
    DbOption,
    JsonOption,
    ListOption,
    QuietOption,
    err,
    open_themeflow,
    out,
    print_json,
)
from themeflow.errors import InputError
from themeflow.timefmt import display_time

if TYPE_CHECKING:
    from themeflow.model import Theme
    from themeflow.notify import Delivery
    from themeflow.report.digest import Digest
    from themeflow.service import Themeflow

FiguresOption = Annotated[
    str | None,
    typer.Option(
        help="Key figures: rules (default) or llm (each figure confirmed by the LLM before conflicts)."
    ),
]

workflow_app = typer.Typer(
    help="Saved themes: add, list, show, edit, remove and run them (incrementally).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: rich-formatted help imports markdown-it and doubles start-up time.
    rich_markup_mode=None,
)


def _flags(
    name: str | None,
    query: str | None,
    keyword: list[str] | None,
    exclude: list[str] | None,
    source: list[str] | None,
    since: str | None,
    schedule: str | None,
    summarizer: str | None,
    figures: str | None = None,
) -> dict[str, Any]:
    def listed(values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        return [v for item in values for v in item.replace("，", ",").split(",")]

    return {
        "name": name,
        "query": query,
        "keywords": listed(keyword),
        "exclusions": listed(exclude),
        "sources": listed(source),
        "since": since,
        "schedule": schedule,
        "summarizer": summarizer,
        "figures": figures,
    }


def _print_theme(theme: "Theme", tf: "Themeflow") -> None:
    from rich.text import Text

    out.print(Text(theme.name, style="bold cyan"))
    out.print(f"query       {theme.query}")
    if theme.keywords:
        out.print(f"keywords    {', '.join(theme.keywords)}  (each OR-ed with the query)")
    if theme.exclusions:
        out.print(f"exclusions  {', '.join(theme.exclusions)}")
    if theme.sources:
        out.print(f"sources     {', '.join(theme.sources)}")
    if theme.since:
        out.print(f"since       {display_time(theme.since, tf.settings.timezone)} (first run)")
    out.print(f"schedule    {theme.schedule or 'on demand'}")
    out.print(f"summarizer  {theme.summarizer}")
    out.print(
        f"figures     {theme.figures}{'  (each key figure checked by the LLM)' if theme.figures == 'llm' else ''}"
    )


@workflow_app.command("add")
def add(
    name: Annotated[str | None, typer.Argument(help="Theme name (or `name` in the TOML file).")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Theme definition (TOML).")] = None,
    query: Annotated[str | None, typer.Option(help="Search query (the query language of `search`).")] = None,
    keyword: ListOption = None,
    exclude: ListOption = None,
    source: ListOption = None,
    since: Annotated[str | None, typer.Option(help="First run: published since (YYYY-MM-DD or 30d).")] = None,
    schedule: Annotated[str | None, typer.Option(help="Interval (6h, 1d) or cron ('0 8 * * *').")] = None,
    summarizer: Annotated[str | None, typer.Option(help="extractive (default) or llm.")] = None,
    figures: FiguresOption = None,
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a theme with this name.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Save a theme from a TOML file and/or flags (flags override the file)."""
    from themeflow.workflow.themes import load_theme_file, theme_from_mapping

    flags = _flags(name, query, keyword, exclude, source, since, schedule, summarizer, figures)
    with open_themeflow(db) as tf:
        tz = tf.settings.timezone
        if file is not None:
            theme = load_theme_file(file, tz=tz, overrides=flags)
        else:
            theme = theme_from_mapping(
                {k: v for k, v in flags.items() if v is not None}, where="workflow add", tz=tz
            )
        saved = tf.add_theme(theme, replace=replace)
    if as_json:
        from themeflow.serialize import theme_to_dict

        print_json(theme_to_dict(saved))
    else:
        err.print(f"saved workflow {saved.name!r}; run it with: themeflow workflow run {saved.name}")


@workflow_app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Saved themes with their schedule and last run."""
    from rich.text import Text

    with open_themeflow(db) as tf:
        themes = tf.themes()
        last = {t.name: next(iter(tf.runs(t.name, limit=1)), None) for t in themes}
        due = {d.name: d for d in tf.due_workflows()}
    if as_json:
        from themeflow.serialize import workflow_entry_to_dict

        entries = [
            workflow_entry_to_dict(t, last[t.name], due[t.name].next_due if t.name in due else None)
            for t in themes
        ]
        print_json({"workflows": entries})
        return
    if not themes:
        err.print("no saved workflows; add one with: themeflow workflow add NAME --query '…'")
    for t in themes:
        r = last[t.name]
        line = Text(t.name, style="bold cyan")
        line.append(f"  {t.query}")
        line.append(f"  · {t.schedule or 'on demand'}", style="dim")
        if r is not None:
            line.append(f"  · last run #{r.id} {r.status} {display_time(r.started_at)}", style="dim")
        out.print(line)


@workflow_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Theme name.")],
    limit: Annotated[int, typer.Option(help="How many recent runs to list.")] = 10,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A theme's definition and its recent runs."""
    from rich.text import Text

    with open_themeflow(db) as tf:
        theme = tf.theme(name)
        runs = tf.runs(name, limit=limit)
        if as_json:
            from themeflow.serialize import run_to_dict, theme_to_dict

            print_json({**theme_to_dict(theme), "runs": [run_to_dict(r) for r in runs]})
            return
        _print_theme(theme, tf)
        tz = tf.settings.timezone
    out.print()
    out.print(Text("runs", style="bold"))
    for r in runs:
        line = f"#{r.id}  {display_time(r.started_at, tz)}  {r.status:<7} {r.trigger:<9}"
        line += f" new {r.new_documents} · items {r.items} · summarized {r.summarized}"
        if r.prompt_tokens or r.completion_tokens:
            line += f" · LLM tokens {r.prompt_tokens:,} in / {r.completion_tokens:,} out"
        out.print(line + (f"  error: {r.error}" if r.error else ""))
        if r.reports.get("html"):
            out.print(Text(f"      {r.reports['html']}", style="dim"))
    if not runs:
        out.print("never run")


@workflow_app.command("edit")
def edit(
    name: Annotated[str, typer.Argument(help="Theme name.")],
    rename: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    query: Annotated[str | None, typer.Option(help="New search query.")] = None,
    keyword: ListOption = None,
    exclude: ListOption = None,
    source: ListOption = None,
    since: Annotated[str | None, typer.Option(help="YYYY-MM-DD or 30d ('' clears).")] = None,
    schedule: Annotated[str | None, typer.Option(help="Interval or cron ('' = on demand).")] = None,
    summarizer: Annotated[str | None, typer.Option(help="extractive or llm.")] = None,
    figures: FiguresOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change fields of a saved theme; list flags replace the whole list. History is kept."""
    changes = _flags(rename, query, keyword, exclude, source, since, schedule, summarizer, figures)
    if all(v is None for v in changes.values()):
        raise InputError("nothing to change; pass e.g. --query, --keyword, --schedule")
    with open_themeflow(db) as tf:
        theme = tf.edit_theme(name, **changes)
    if as_json:
        from themeflow.serialize import theme_to_dict

        print_json(theme_to_dict(theme))
    else:
        err.print(f"updated workflow {theme.name!r}")


@workflow_app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="Theme name.")],
    db: DbOption = None,
) -> None:
    """Delete a theme and its run history (report files on disk are kept)."""
    with open_themeflow(db) as tf:
        tf.remove_theme(name)
    err.print(f"removed workflow {name!r}")


@workflow_app.command("unlock")
def unlock(
    name: Annotated[str, typer.Argument(help="Theme name.")],
    force: Annotated[
        bool, typer.Option("--force", help="Remove the lock even if its holder looks alive.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Remove a run lock left by a run that was killed (a dead holder's lock is also taken over by itself)."""
    from themeflow.workflow.locks import describe_holder

    with open_themeflow(db) as tf:
        done = tf.unlock_workflow(name, force=force)
    if done.holder is None:
        err.print(f"workflow {name!r} is not locked")
        return
    runs = f"; {done.interrupted_runs} interrupted run(s) marked failed" if done.interrupted_runs else ""
    err.print(f"unlocked workflow {name!r} (was held by {describe_holder(done.holder)}){runs}")


@workflow_app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="Theme name.")],
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Folder for the reports (default: HOME/reports/NAME).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run a theme over what is new since its last successful run; writes HTML, Markdown and JSON."""
    from themeflow.cli_progress import stages
    from themeflow.report.json import run_result_to_dict

    with open_themeflow(db) as tf, stages(err, f"workflow {name}", quiet=quiet or as_json):
        result = tf.run_workflow(name, reports_dir=out_dir)
    if as_json:
        print_json(run_result_to_dict(result))
        return
    print_digest(result.digest, limit=5)
    err.print(f"report: {result.reports.get('html', '(not written)')}")
    print_deliveries(result.deliveries)


def print_deliveries(deliveries: "Sequence[Delivery]") -> None:
    """One line per notification channel; an undelivered one in red (the run itself stays recorded)."""
    for d in deliveries:
        err.print(
            f"notified: {d.describe()}" if d.ok else f"[red]notification: {d.describe()}[/red]",
            markup=True,
            highlight=False,
        )


@workflow_app.command("notify")
def notify(
    name: Annotated[str, typer.Argument(help="Theme name.")],
    run_id: Annotated[
        int | None, typer.Option("--run", help="Run id (default: the latest successful run).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send a run's notification again (webhook and/or e-mail, as configured): to test the settings, or
    after a receiver was down."""
    with open_themeflow(db) as tf:
        deliveries = tf.notify_run(name, run_id=run_id)
    if as_json:
        print_json({"deliveries": [d.as_dict() for d in deliveries]})
    elif not deliveries:
        err.print(
            "no notification channel is configured (see `themeflow config` for the notify_* and smtp_* settings)"
        )
    else:
        print_deliveries(deliveries)
    if any(not d.ok for d in deliveries):
        raise typer.Exit(1)


def print_digest(digest: "Digest", *, limit: int = 5, full: bool = False) -> None:
    """A short terminal rendering of a digest: header, counts, then the first items like the seed
    (core views and section titles; ``full`` prints whole summaries)."""
    from rich.text import Text

    from themeflow.cli_render import copies_line, print_summary, when

    run = f"run #{digest.run_id} · " if digest.run_id is not None else ""
    out.print(Text(f"{'Workflow' if digest.kind == 'workflow' else 'Search'} · {digest.title}", style="bold"))
    new = f" · {digest.new_documents} new documents" if digest.new_documents is not None else ""
    out.print(Text(f"{run}{len(digest.items)} stories · {len(digest.articles())} articles{new}", style="dim"))
    if digest.items:
        out.print(
            Text(
                "by outlet: " + " · ".join(f"{o} {n}" for o, n in digest.counts_by_outlet()[:6]), style="dim"
            )
        )
    else:
        out.print("no new articles matched this theme in this window")
    for item in digest.items[:limit]:
        doc = item.document
        out.print()
        badge = (
            " [补录 late]"
            if item.late
            else {"new": " [new]", "updated": " [updated]"}.get(item.status or "", "")
        )
        out.print(Text(doc.title, style="bold cyan") + Text(badge, style="green"))
        out.print(f"{doc.source or '(unknown outlet)'} · {when(doc.published_at, doc.time_origin)}")
        if item.copies:
            out.print(Text(copies_line(item.copies), style="dim"))
        summary = item.shown_summary
        if summary is None:
            continue
        if full:
            print_summary(out, summary)
            continue
        label = "摘录 (excerpt)" if summary.excerpt else "文章核心观点"
        out.print(Text(label, style="bold"))
        for b in summary.core_views[:3]:
            out.print(Text("- " + b.text + " ") + Text("".join(f"[{c}]" for c in b.citations), style="green"))
        if summary.sections:
            out.print(Text("sections: " + " · ".join(s.title for s in summary.sections), style="dim"))
    if len(digest.items) > limit:
        out.print()
        out.print(Text(f"… {len(digest.items) - limit} more in the report", style="dim"))


def report(
    query: Annotated[str | None, typer.Argument(help="Search query to report on (or use --run).")] = None,
    run_id: Annotated[int | None, typer.Option("--run", help="Report of a stored workflow run.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="html, md or json.")] = "html",
    out_path: Annotated[Path | None, typer.Option("--out", help="Write here (default: stdout).")] = None,
    since: Annotated[str | None, typer.Option(help="Search: published on or after (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Search: published on or before.")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="Search: only this outlet.")] = None,
    limit: Annotated[int, typer.Option(help="Search: at most this many stories.")] = 30,
    summarizer: Annotated[
        str | None, typer.Option(help="Search: extractive (default) or llm (a run uses its theme's).")
    ] = None,
    db: DbOption = None,
    quiet: QuietOption = False,
) -> None:
    """A digest (HTML, Markdown or JSON) of a search or of a workflow run."""
    from themeflow import progress
    from themeflow.cli_progress import stages
    from themeflow.report.write import normalize_format, render, write_text

    fmt = normalize_format(fmt)
    with open_themeflow(db, summarizer=summarizer) as tf, stages(err, "report", quiet=quiet):
        digest = tf.report(query, run_id=run_id, since=since, until=until, sources=source or (), limit=limit)
        progress.stage(f"rendering {fmt}")
        text = render(digest, fmt)
    if out_path is None:
        sys.stdout.write(text)
    else:
        write_text(out_path, text)
        err.print(f"wrote {out_path.resolve()}")


def scheduler(
    once: Annotated[bool, typer.Option("--once", help="Run what is due now, then exit (for cron).")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between checks.")] = 60.0,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run saved workflows when their schedule says they are due; state is kept in the database."""
    from themeflow.report.json import outcome_to_dict
    from themeflow.serialize import iso
    from themeflow.workflow.scheduler import Outcome

    if interval < 1:
        raise InputError(f"--interval must be at least 1 second (got {interval})")

    def report_outcome(o: Outcome) -> None:
        if as_json:
            return
        if o.status == "ok" and o.result is not None:
            r = o.result.run
            err.print(
                f"{o.name}: run #{r.id} ok · {r.new_documents} new · {r.items} items · {r.reports.get('html', '')}"
            )
        else:
            err.print(f"{o.name}: {o.status}: {o.error}")

    with open_themeflow(db) as tf:
        if once:
            outcomes = tf.run_due_workflows()
            for o in outcomes:
                report_outcome(o)
            if as_json:
                print_json(
                    {
                        "checked_at": iso(datetime.now(UTC)),
                        "runs": [outcome_to_dict(o) for o in outcomes],
                    }
                )
            elif not outcomes:
                err.print("nothing due")
            if any(o.status == "failed" for o in outcomes):
                raise typer.Exit(1)
            return
        err.print(f"scheduler started; checking every {interval:g}s (Ctrl-C to stop)")
        tf.run_scheduler(interval=interval, on_outcome=report_outcome)


DEMO_THEME = "AI算力示例"


def demo_workflow(tf: "Themeflow") -> Path | None:
    """The demo's showcase: save the ``AI算力示例`` theme, run it, print where the digest is.

    Named apart from README's own example (``workflow add AI资本开支周期 …``), so a user who runs the
    demo and then follows README does not collide with a theme the demo made."""
    from rich.text import Text

    from themeflow.workflow.themes import theme_from_mapping

    theme = theme_from_mapping(
        {
            "name": DEMO_THEME,
            "query": "英伟达 GPU",
            "keywords": ["AI 算力", "AI 服务器", "算力 投资", "资本开支 数据中心"],
            "exclusions": ["三大指数", "股指期货", "收评"],
            "schedule": "1d",
        },
        tz=tf.settings.timezone,
    )
    if any(t.name == theme.name for t in tf.themes()):
        tf.remove_theme(theme.name)  # the showcase starts from a fresh history, so its digest is never empty
    tf.add_theme(theme)
    result = tf.run_workflow(theme.name)
    out.print()
    print_digest(result.digest, limit=3)
    html = result.reports.get("html")
    out.print()
    out.print(Text(f"digest: {html}", style="bold green"))
    return Path(html) if html else None


def register(app: typer.Typer) -> None:
    """Attach ``workflow``, ``report`` and ``scheduler`` to the main app."""
    app.add_typer(workflow_app, name="workflow")
    app.command("report")(report)
    app.command("scheduler")(scheduler)
