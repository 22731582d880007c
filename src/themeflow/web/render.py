"""One way to render a page: common context (CSRF token, login state, read-only flag) and its cookie."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from themeflow.web.context import WebState
from themeflow.web.security import csrf_token, is_logged_in, set_csrf_cookie


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> Response:
    """Render ``name`` with the page context every template may use; sets the CSRF cookie on first visit."""
    state: WebState = request.app.state.web
    token, new = csrf_token(request)
    ctx: dict[str, Any] = {
        "csrf_token": token,
        "read_only": state.read_only,
        "token_required": bool(state.token),
        "logged_in": is_logged_in(request),
        "nav": "",
        **(context or {}),
    }
    response: HTMLResponse = state.templates.TemplateResponse(request, name, ctx, status_code=status)
    if new:
        set_csrf_cookie(response, token)
    return response
