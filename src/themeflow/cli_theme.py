"""``themeflow theme explain NAME|QUERY``: how a theme or a query expands, and why each term is there.

Analysts trust a search they can read: the expansion (other names from the finance lexicon, the parts of
a compound, modifiers that only rank) is shown as a tree, or as JSON with ``--json``.
"""

from typing import Annotated, Any

import typer

from themeflow.cli_common import DbOption, JsonOption, open_themeflow, out, print_json

theme_app = typer.Typer(
    help="Explain how a theme or query expands into concepts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@theme_app.command("explain")
def explain(
    name_or_query: Annotated[str, typer.Argument(help="A saved theme's name, or a search query.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show every form each term matches (synonyms, narrower terms, parts, modifiers) and why."""
    with open_themeflow(db, read_only=True) as tf:
        body = tf.explain(name_or_query)
    if as_json:
        print_json(body)
        return
    head = f"theme {body['theme']}" if body["theme"] else "query"
    out.print(f"{head}: {body['input']}  ({body['rule']})", markup=False)
    for search in body["searches"]:
        out.print(f"\nsearch: {search['query']}   (lexicon v{search['lexicon_version']})", markup=False)
        if search["clauses"]:
            n, m = len(search["clauses"]), search["minimum_should_match"]
            out.print(f"  concepts — a document must match {m} of {n}:", markup=False)
            for clause in search["clauses"]:
                _print_clause(clause, "    ")
        for text in search["exact"]:
            out.print(f"  required as typed: {text}", markup=False)
        for text in search["excluded"]:
            out.print(f"  excluded: {text}", markup=False)
        for text in search["sources"]:
            out.print(f"  source: {text}", markup=False)


def _print_clause(clause: dict[str, Any], indent: str) -> None:
    out.print(f"{indent}「{clause['label']}」 any of:", markup=False)
    for form in clause["forms"]:
        out.print(f"{indent}  {form['text']}  ×{form['weight']:g}  {form['why']}", markup=False)
    if clause["parts"]:
        out.print(f"{indent}  or all of these parts (×0.8):", markup=False)
        for part in clause["parts"]:
            _print_clause(part, indent + "    ")
    for boost in clause["boosts"]:
        out.print(f"{indent}  ranks higher with (never required): {boost['label']}", markup=False)


def register(app: typer.Typer) -> None:
    """Attach ``theme`` to the main app."""
    app.add_typer(theme_app, name="theme")
