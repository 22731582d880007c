"""The JSON API under ``/api``: the same service calls as the pages, bodies from :mod:`themeflow.serialize`.

Bodies are exactly what ``themeflow … --json`` prints, so scripts can move between the CLI and the API.
Errors are the one envelope of :mod:`themeflow.web.errors`. Mutating routes depend on
:func:`~themeflow.web.security.require_api_write`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from themeflow.facts.render import theme_figures_to_dict
from themeflow.report.json import digest_to_dict, run_result_to_dict
from themeflow.serialize import (
    document_to_dict,
    page_to_dict,
    run_to_dict,
    stats_to_dict,
    summary_to_dict,
    theme_to_dict,
    workflow_entry_to_dict,
)
from themeflow.web import figures, workflows
from themeflow.web.context import WebState, web_state
from themeflow.web.present import document_copies
from themeflow.web.searching import SearchParams, run_search, search_params
from themeflow.web.security import require_api_write

router = APIRouter(prefix="/api", tags=["api"])
State = Annotated[WebState, Depends(web_state)]


@router.get("/search")
def api_search(
    state: State,
    params: Annotated[SearchParams, Depends(search_params)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    summaries: Annotated[bool, Query(description="Add each hit's cited summary.")] = False,
) -> Response:
    """Search; the body is ``themeflow search --json`` (with ``summary`` per hit when asked)."""
    page = run_search(state.tf, params, limit=limit, offset=offset, cache=state.search_cache)
    by_doc = (
        {h.document.id: state.tf.summarize(h.document, theme=params.q) for h in page.hits}
        if summaries
        else None
    )
    body = page_to_dict(page, by_doc)
    body["sort"] = params.sort
    return _json(body)


@router.get("/documents/{doc_id}")
def api_document(state: State, doc_id: str) -> dict[str, Any]:
    """One document with numbered paragraphs (paragraph n is element n-1), like ``themeflow show --json``,
    plus ``copies``: the other members of its story, as the document page lists them."""
    return document_to_dict(state.tf.document(doc_id), copies=document_copies(state.tf, doc_id))


@router.get("/documents/{doc_id}/summary")
def api_summary(state: State, doc_id: str) -> dict[str, Any]:
    """The verified summary, like ``themeflow summarize --json`` (failed bullets kept, flagged)."""
    return summary_to_dict(state.tf.summarize(doc_id))


@router.get("/stats")
def api_stats(state: State) -> dict[str, Any]:
    """Counts of documents, sources, stories and summaries."""
    body = stats_to_dict(state.tf.stats())
    body.pop("database")  # a server path is nobody's business
    return body


@router.get("/workflows")
def api_workflows(state: State) -> dict[str, Any]:
    """Saved themes, each with its latest run."""
    due = {d.name: d.next_due for d in state.tf.due_workflows()}
    return {
        "workflows": [
            workflow_entry_to_dict(row.theme, row.last_run, due.get(row.theme.name))
            for row in workflows.overview(state.tf)
        ]
    }


@router.get("/workflows/{name}")
def api_workflow(state: State, name: str) -> dict[str, Any]:
    """One saved theme."""
    return theme_to_dict(state.tf.theme(name))


@router.post("/workflows", status_code=201, dependencies=[Depends(require_api_write)])
async def api_create_workflow(request: Request, state: State) -> JSONResponse:
    """Create a theme from a JSON body: name, query, keywords, exclusions, sources, since, schedule, summarizer."""
    theme = workflows.add(state.tf, await _json_object(request))
    return JSONResponse(theme_to_dict(theme), status_code=201)


@router.put("/workflows/{name}", dependencies=[Depends(require_api_write)])
async def api_update_workflow(request: Request, state: State, name: str) -> dict[str, Any]:
    """Change some fields of a theme (the others are kept); run history is kept."""
    theme = workflows.edit(state.tf, name, await _json_object(request))
    return theme_to_dict(theme)


@router.delete("/workflows/{name}", dependencies=[Depends(require_api_write)])
def api_delete_workflow(state: State, name: str) -> dict[str, Any]:
    """Delete a theme and its run history."""
    state.tf.remove_theme(name)
    return {"ok": True, "removed": name}


@router.post("/workflows/{name}/run", dependencies=[Depends(require_api_write)])
def api_run_workflow(state: State, name: str) -> dict[str, Any]:
    """Run now; the body is ``themeflow workflow run --json``."""
    result = state.tf.run_workflow(name)
    body: dict[str, Any] = run_result_to_dict(result)
    return body


@router.get("/workflows/{name}/runs")
def api_runs(state: State, name: str, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> dict[str, Any]:
    """Run history, newest first."""
    return {
        "theme": name,
        "runs": [run_to_dict(r) for r in state.tf.runs(name, limit=limit)],
    }


@router.get("/runs/{run_id}")
def api_run(state: State, run_id: int) -> dict[str, Any]:
    """The digest of one run as JSON (items with hit and summary, counts)."""
    return digest_to_dict(state.tf.report(run_id=run_id))


@router.get("/figures")
def api_figures(
    state: State,
    params: Annotated[SearchParams, Depends(search_params)],
    limit: Annotated[
        int, Query(ge=1, le=500, description="Matching documents to read (newest first, copies included).")
    ] = figures.DOCUMENTS,
) -> Response:
    """Key figures and cross-source conflicts of the matching documents; the body is
    ``themeflow figures --json`` (syndicated copies count once in ``agreement``)."""
    body = theme_figures_to_dict(figures.theme_figures(state.tf, params, limit=limit))
    return _json({"query": params.q, **body})


def _json(body: dict[str, Any]) -> Response:
    """Serialize once with the stdlib (the body is already JSON-ready), skipping FastAPI's re-encoding of
    large search bodies on the hot path."""
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")), media_type="application/json"
    )


async def _json_object(request: Request) -> dict[str, Any]:
    from themeflow.errors import InputError

    try:
        data = await request.json()
    except ValueError as exc:
        raise InputError("the request body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object")
    return data
