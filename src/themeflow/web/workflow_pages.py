"""Workflow pages: list, create/edit form, run now, run history, the digest of a run.

Reads call the service's workflow methods; forms are parsed by :mod:`themeflow.web.workflows`. Posts
depend on :func:`~themeflow.web.security.require_write` (read-only, CSRF, token) and answer with a 303 redirect
(post/redirect/get), so reloading a page never re-runs a workflow.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from themeflow.errors import InputError
from themeflow.model import Theme
from themeflow.web import workflows
from themeflow.web.context import WebState, web_state
from themeflow.web.present import copies_line, view_of
from themeflow.web.render import render
from themeflow.web.security import require_write

router = APIRouter(include_in_schema=False)
State = Annotated[WebState, Depends(web_state)]
Write = [Depends(require_write)]


def _to(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _theme_path(name: str) -> str:
    return "/workflows/" + quote(name, safe="")


def _values(theme: Theme | None) -> dict[str, str]:
    """Form values for a theme (lists comma-separated, dates as YYYY-MM-DD)."""
    if theme is None:
        return {"summarizer": "extractive", "figures": "rules"}
    return {
        "name": theme.name,
        "query": theme.query,
        "keywords": ", ".join(theme.keywords),
        "exclusions": ", ".join(theme.exclusions),
        "sources": ", ".join(theme.sources),
        "since": theme.since.strftime("%Y-%m-%d") if theme.since else "",
        "schedule": theme.schedule or "",
        "summarizer": theme.summarizer,
        "figures": theme.figures,
    }


def _form(request: Request, *, editing: str | None, values: dict[str, Any], error: str | None) -> Response:
    return render(
        request,
        "workflow_form.html",
        {"nav": "workflows", "editing": editing, "values": values, "error": error},
        status=400 if error else 200,
    )


@router.get("/workflows")
def workflows_page(request: Request, state: State) -> Response:
    return render(request, "workflows.html", {"nav": "workflows", "rows": workflows.overview(state.tf)})


@router.get("/workflows/new")
def new_workflow_page(request: Request) -> Response:
    return _form(request, editing=None, values=_values(None), error=None)


@router.post("/workflows", dependencies=Write)
async def create_workflow(request: Request, state: State) -> Response:
    values = workflows.form_values(await request.form())
    try:
        theme = workflows.add(state.tf, values)
    except InputError as exc:
        return _form(request, editing=None, values=values, error=str(exc))
    return _to(_theme_path(theme.name))


@router.get("/workflows/{name}")
def workflow_page(request: Request, state: State, name: str) -> Response:
    theme = state.tf.theme(name)
    context = {"nav": "workflows", "theme": theme, "runs": state.tf.runs(name, limit=50)}
    return render(request, "workflow.html", context)


@router.get("/workflows/{name}/edit")
def edit_workflow_page(request: Request, state: State, name: str) -> Response:
    return _form(request, editing=name, values=_values(state.tf.theme(name)), error=None)


@router.post("/workflows/{name}/edit", dependencies=Write)
async def edit_workflow(request: Request, state: State, name: str) -> Response:
    values = workflows.form_values(await request.form())
    values.setdefault("since", "")
    try:
        theme = workflows.edit(state.tf, name, values)
    except InputError as exc:
        return _form(request, editing=name, values=values, error=str(exc))
    return _to(_theme_path(theme.name))


@router.post("/workflows/{name}/run", dependencies=Write)
def run_workflow(state: State, name: str) -> Response:
    """Run now, then show the digest of this run."""
    result = state.tf.run_workflow(name)
    return _to(f"/runs/{result.run.id}")


@router.post("/workflows/{name}/delete", dependencies=Write)
def delete_workflow(state: State, name: str) -> Response:
    state.tf.remove_theme(name)
    return _to("/workflows")


@router.get("/runs/{run_id}")
def run_page(request: Request, state: State, run_id: int) -> Response:
    """The digest of a run, laid out like the seed page: theme header, counts, items newest first."""
    digest = state.tf.report(run_id=run_id)
    items = [
        (
            it,
            view_of(
                it.document, it.shown_summary, None if it.summary else "本条未生成摘要（超出单次摘要上限）"
            ),
        )
        for it in digest.items
    ]
    context = {
        "nav": "workflows",
        "digest": digest,
        "items": items,
        "copies_line": copies_line,
        "theme_path": _theme_path(digest.title),
    }
    return render(request, "run.html", context)
