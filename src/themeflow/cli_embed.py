"""``themeflow embed``: give every stored document a vector for semantic search.

Kept apart from ``cli.py`` like the workflow commands; :func:`register` attaches it to the main app.
Nothing heavy is imported until the command runs.
"""

import time
from typing import TYPE_CHECKING, Annotated

import typer

from themeflow.cli_common import (
    DbOption,
    JsonOption,
    QuietOption,
    RayAddressOption,
    RayOption,
    err,
    open_themeflow,
    print_json,
)

if TYPE_CHECKING:
    from themeflow.embed.base import Embedder
    from themeflow.store.base import Store


def embed(
    db: DbOption = None,
    batch: Annotated[
        int, typer.Option("--batch", min=1, help="Documents per model call and per commit.")
    ] = 64,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Embed at most this many documents (then stop).")
    ] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    ray: RayOption = False,
    ray_address: RayAddressOption = None,
) -> None:
    """Embed every document that has no vector from the current model (needs themeflow[semantic]).

    Resumable: each batch is committed, so an interrupted run keeps its work and the next one goes on.
    """
    from themeflow.embed.pipeline import default_embedder, embed_missing

    embedder = default_embedder()  # NotAvailableError with the install line, before the store is opened
    with open_themeflow(db) as tf:
        show = not (quiet or as_json) and err.console.is_terminal
        t0 = time.perf_counter()
        if ray or ray_address is not None:
            from themeflow.cluster.ray_embed import embed_missing_with_ray

            location = str(tf.settings.get("db") or "")
            done = embed_missing_with_ray(
                tf.store, location, embedder.model_id, batch=batch, limit=limit, address=ray_address
            )
        elif show:
            done = _with_bar(tf.store, embedder, batch, limit)
        else:
            done = embed_missing(tf.store, embedder, batch=batch, limit=limit)
        seconds = time.perf_counter() - t0
        have = tf.store.vectors.count(embedder.model_id)
        total = tf.store.count_documents()
    rate = done / seconds if seconds > 0 else 0.0
    if as_json:
        print_json(
            {
                "model": embedder.model_id,
                "embedded": done,
                "seconds": round(seconds, 3),
                "docs_per_second": round(rate, 2),
                "documents": total,
                "with_vector": have,
            }
        )
        return
    line = f"embedded {done} documents"
    if done:
        line += f" in {seconds:.1f} s · {rate:.1f} docs/s"
    err.print(f"{line} · {have} of {total} documents have vectors from {embedder.model_id}", markup=False)


def _with_bar(store: "Store", embedder: "Embedder", batch: int, limit: int | None) -> int:
    """The embedding run with a bar on the terminal: done of total, rate, ETA."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from themeflow.embed.pipeline import embed_missing

    columns = (
        TextColumn("[bold]embed"),
        BarColumn(bar_width=None),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} docs/s · ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err.console, transient=True) as bar:
        task = bar.add_task("embed", total=None, rate="-")
        t0 = time.perf_counter()

        def on_progress(done: int, total: int) -> None:
            elapsed = time.perf_counter() - t0
            bar.update(task, completed=done, total=total, rate=f"{done / elapsed:.1f}" if elapsed else "-")

        return embed_missing(store, embedder, batch=batch, limit=limit, on_progress=on_progress)


def register(app: typer.Typer) -> None:
    """Attach ``embed`` to the main app."""
    app.command("embed")(embed)
