"""Every error the web app shows, rendered in one place.

The JSON API answers ``{"ok": false, "error": "...", "status": N}`` for every failure — a
:class:`~themeflow.errors.ThemeflowError` (its ``http_status``), an unknown route (404), a wrong method
(405), a validation failure (422), a security refusal (401/403), an option this installation does not
offer (501, :class:`~themeflow.errors.NotAvailableError`) or a bug (500, with no details leaked).
HTML pages show the same message on a friendly error page. ``tests/test_web_errors.py`` enforces the shape.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from themeflow.errors import ThemeflowError
from themeflow.web.headers import header_items

log = logging.getLogger("themeflow.web")

STATUS_TITLES = {
    400: "请求有误",
    401: "需要登录",
    403: "禁止操作",
    404: "页面不存在",
    405: "不支持的请求方法",
    422: "参数有误",
    429: "尝试次数过多",
    500: "服务器内部错误",
    501: "功能尚未提供",
    502: "摘要服务出错",
    503: "数据库暂时不可用",
}


STATUS_EXPLANATIONS = {
    400: "请求无法处理，请检查输入（例如查询语句或日期）后再试。",
    401: "请先登录。",
    403: "此操作被拒绝：服务器为只读，或请求不是来自本站页面。",
    404: "要找的页面、文档或运行记录不存在，可能已被删除或地址有误。",
    405: "此地址不支持这种请求方法。",
    422: "参数有误，请检查后再试。",
    429: "尝试次数过多，请稍后再试。",
    500: "服务器内部出错，详情已记入服务器日志。",
    501: "此功能尚未提供。",
    502: "摘要服务出错，请稍后再试。",
    503: "数据库暂时不可用，请稍后再试。",
}
"""What a page says, in the UI's language; the product's own (English) message follows as the detail."""

_CLI_HINT = re.compile(r"[;；,，]?\s*[^;；,，]*`themeflow [^`]*`[^;；。]*")
"""A command-line hint ("`themeflow workflow show NAME` lists runs") means nothing in a browser."""


def page_detail(message: str) -> str:
    """The message without command-line hints, for an HTML page."""
    return _CLI_HINT.sub("", message).strip(" ;；,，")


class WebError(Exception):
    """A refusal decided by the web layer itself (auth, CSRF, read-only), carrying its status."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def error_body(message: str, status: int) -> dict[str, Any]:
    """The one JSON error envelope."""
    return {"ok": False, "error": message, "status": status}


def is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def render_error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The envelope for API paths, the error page for everything else (``headers`` added, e.g. Retry-After)."""
    if is_api(request):
        return JSONResponse(
            error_body(message, status), status_code=status, headers={**header_items(), **(headers or {})}
        )
    from themeflow.web.render import render  # late: render -> security -> errors

    context = {
        "status": status,
        "title": STATUS_TITLES.get(status, "出错了"),
        "explanation": STATUS_EXPLANATIONS.get(status, "请求未能完成。"),
        "message": page_detail(message),
    }
    try:
        response = render(request, "error.html", context, status=status)
        response.headers.update({**header_items(), **(headers or {})})
        return response
    except Exception:  # the error page itself must never fail; fall back to plain escaped HTML
        log.exception("error page failed to render")
        body = f"<!doctype html><title>{status}</title><h1>{status}</h1><p>{escape(message)}</p>"
        return HTMLResponse(body, status_code=status, headers={**header_items(), **(headers or {})})


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path"))
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    return "invalid parameters — " + "; ".join(parts)


def install(app: FastAPI) -> None:
    """Register the handlers; called once by ``create_app``."""

    @app.exception_handler(ThemeflowError)
    async def _themeflow_error(request: Request, exc: ThemeflowError) -> Response:
        return render_error(request, exc.http_status, str(exc))

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError) -> Response:
        return render_error(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = f"not found: {request.url.path}"
        else:
            message = str(exc.detail)
        return render_error(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        return render_error(request, 422, _validation_message(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render_error(request, 500, "internal error; the server log has the details")
