"""HTML pages: search, document, key figures, login, API docs.

Pages call the same service methods as the API. A bad query is shown inline on the search page with the
form kept, so the analyst can fix it; any other error becomes the friendly error page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from themeflow.errors import InputError, NotAvailableError
from themeflow.model import Hit, SearchPage
from themeflow.report.figures import KeyFigures
from themeflow.web.context import WebState, web_state
from themeflow.web.present import Pager, copies_line, document_copies, query_string, summary_view
from themeflow.web.render import render
from themeflow.web.searching import QUERY_HINT, SearchParams, run_search, search_params
from themeflow.web.security import SESSION_COOKIE, check_csrf, check_offered_token, session_value

router = APIRouter(include_in_schema=False)
State = Annotated[WebState, Depends(web_state)]
PER_PAGE = 20


@router.get("/")
def search_page(
    request: Request,
    state: State,
    params: Annotated[SearchParams, Depends(search_params)],
    page: Annotated[int, Query(ge=1, le=5000)] = 1,
    summaries: Annotated[int, Query(ge=0, le=1)] = 1,
) -> Response:
    """The search page: form, counts, results with cited summaries, pagination."""
    result: SearchPage | None = None
    error: str | None = None
    views: list[tuple[Hit, Markup | None]] = []
    if params.q or params.sources or params.since or params.until:
        try:
            offset = (page - 1) * PER_PAGE
            result = run_search(state.tf, params, limit=PER_PAGE, offset=offset, cache=state.search_cache)
        except (InputError, NotAvailableError) as exc:  # shown inline, with the form kept
            error = str(exc)
        if result is not None:
            views = [
                (h, state.summary_block(h.document, theme=params.q if h.aboutness == "提及" else None))
                if summaries
                else (h, None)
                for h in result.hits
            ]
    base = {**params.as_query(), "summaries": 0 if not summaries else None}
    context: dict[str, Any] = {
        "nav": "search",
        "params": params,
        "hint": QUERY_HINT,
        "result": result,
        "views": views,
        "error": error,
        "sources": state.top_sources(params.sources),
        "pager": Pager(page, PER_PAGE, result.total + result.partial) if result is not None else None,
        "qs": lambda **changes: query_string(base, **changes),
        "copies_line": copies_line,
        "summaries": bool(summaries),
    }
    return render(request, "search.html", context, status=400 if error and result is None else 200)


@router.get("/documents/{doc_id}")
def document_page(request: Request, state: State, doc_id: str) -> Response:
    """One article with numbered paragraphs (``id="p{n}"``) and its cited summary linking to them."""
    doc = state.tf.document(doc_id)
    context = {
        "doc": doc,
        "copies": document_copies(state.tf, doc_id),
        "view": summary_view(state.tf, doc),
    }
    return render(request, "document.html", context)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _local_path(next), "error": None})


@router.post("/login")
async def login(
    request: Request, state: State, token: Annotated[str, Form()] = "", next: str = "/"
) -> Response:
    """Exchange the API token for a session cookie (an HMAC of it; the token itself is never stored)."""
    form = await request.form()
    check_csrf(request, form)
    if not state.token:
        return RedirectResponse(_local_path(next), status_code=303)
    if not token or not check_offered_token(request, token):
        return render(request, "login.html", {"next": _local_path(next), "error": "令牌不正确"}, status=401)
    response = RedirectResponse(_local_path(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, session_value(state.token), httponly=True, samesite="strict", path="/"
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    check_csrf(request, await request.form())
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/figures")
def figures_page(
    request: Request, state: State, params: Annotated[SearchParams, Depends(search_params)]
) -> Response:
    """Key figures of a theme: the query form, the conflicts box first, then the figures table."""
    from themeflow.web import figures

    kf: KeyFigures | None = None
    error: str | None = None
    if params.q or params.sources or params.since or params.until:
        try:
            kf = figures.key_figures(state.tf, params)
        except InputError as exc:  # a bad query or date: shown inline, with the form kept
            error = str(exc)
    context: dict[str, Any] = {
        "nav": "figures",
        "params": params,
        "hint": QUERY_HINT,
        "error": error,
        "kf": kf,
        "rows": kf.top(figures.PAGE_FIGURES) if kf is not None else (),
        "documents": figures.DOCUMENTS,
        "hidden_labels": figures.HIDDEN_LABELS,
        "sources": state.top_sources(params.sources),
        "qs": query_string({**params.as_query(), "sort": None}),
    }
    return render(request, "figures.html", context, status=400 if error else 200)


@router.get("/docs")
def api_docs(request: Request) -> Response:
    """A self-contained API reference generated from the OpenAPI schema (Swagger UI needs a CDN)."""
    schema = request.app.openapi()
    endpoints = []
    for path, ops in schema.get("paths", {}).items():
        for method, op in ops.items():
            params = [
                {
                    "name": p["name"],
                    "in": p["in"],
                    "required": p.get("required", False),
                    "description": p.get("description") or p.get("schema", {}).get("description", ""),
                }
                for p in op.get("parameters", [])
            ]
            endpoints.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "params": params,
                }
            )
    return render(request, "api_docs.html", {"nav": "docs", "endpoints": endpoints})


def _local_path(target: str) -> str:
    """Only same-site paths as redirect targets (no open redirect through ``?next=``)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
