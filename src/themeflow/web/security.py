"""Security for a server that shows untrusted articles and can change saved workflows.

- **Before routing** (:mod:`themeflow.web.guard`): requests naming an unknown ``Host`` are refused (400,
  against DNS rebinding) and POST/PUT/PATCH/DELETE from another origin are refused (403) whether or not a
  token is configured.
- **Headers on every response** (:mod:`themeflow.web.headers`): a strict Content-Security-Policy —
  scripts and styles only from our own ``/static``, no inline script, no framing — plus
  ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy``.
- **Mutating routes** go through :func:`require_write` (forms) or :func:`require_api_write` (JSON):
  refused with 403 in ``--read-only`` mode; when ``THEMEFLOW_API_TOKEN`` is set they need it — a Bearer
  header for the API, the session cookie set by ``/login`` (or a ``token`` form field) for forms.
- **CSRF** for forms: a double-submit token (cookie ``tf_csrf`` + hidden field, compared in constant
  time) and a same-origin check on ``Origin``/``Referer``; cookies are ``SameSite=Strict`` and
  ``HttpOnly``. JSON ``POST`` routes demand ``Content-Type: application/json``, which a cross-site form
  cannot send (``PUT``/``DELETE`` cannot be sent cross-site without a CORS preflight, which we never grant).
- The token itself is never put in a page, a cookie or a log line: the session cookie holds an HMAC of it.
- **Wrong tokens are throttled** per client (:mod:`themeflow.web.throttle`): after a few failures each
  further one locks the address out for a doubling delay (429 with ``Retry-After``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

from fastapi import Request, Response

from themeflow.web.errors import WebError
from themeflow.web.guard import origin_problem
from themeflow.web.throttle import LoginThrottle, Throttled

CSRF_COOKIE = "tf_csrf"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "tf_session"


def session_value(token: str) -> str:
    """What the session cookie holds: an HMAC of the token, so the cookie never reveals the token."""
    return hmac.new(token.encode(), b"themeflow-web-session-v1", hashlib.sha256).hexdigest()


def same_secret(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def csrf_token(request: Request) -> tuple[str, bool]:
    """The visitor's CSRF token and whether it is new (and must be set as a cookie on the response)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and 20 <= len(existing) <= 100:
        return existing, False
    return secrets.token_urlsafe(32), True


def set_csrf_cookie(response: Response, token: str) -> None:
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")


def is_logged_in(request: Request) -> bool:
    """True when no token is configured, or the session cookie matches the configured token."""
    token: str | None = request.app.state.web.token
    if not token:
        return True
    return same_secret(request.cookies.get(SESSION_COOKIE), session_value(token))


def check_same_origin(request: Request) -> None:
    """Refuse a request whose ``Origin`` (or, lacking it, ``Referer``) names another site (the guard
    middleware already did; this keeps each mutating route safe on its own)."""
    problem = origin_problem(request.headers, request.app.state.web.hosts)
    if problem is not None:
        raise WebError(403, problem)


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def check_offered_token(request: Request, offered: str) -> bool:
    """Compare a token a visitor offered with the configured one, throttled per client address.

    Raises 429 while the client is locked out (before comparing, so a lockout never confirms a guess);
    records the outcome otherwise.
    """
    state = request.app.state.web
    throttle: LoginThrottle = state.throttle
    key = client_key(request)
    try:
        throttle.check(key)
    except Throttled as exc:
        raise WebError(429, str(exc), {"Retry-After": str(exc.retry_after)}) from None
    if same_secret(offered, state.token):
        throttle.success(key)
        return True
    throttle.failure(key)
    return False


def check_csrf(request: Request, form: Mapping[str, object]) -> None:
    """Same origin, and the form's token equals the cookie's (a file upload in its place is no token)."""
    check_same_origin(request)
    offered = form.get(CSRF_FIELD)
    if not same_secret(request.cookies.get(CSRF_COOKIE), offered if isinstance(offered, str) else None):
        raise WebError(403, "the form's security token is missing or stale; reload the page and submit again")


def check_read_only(request: Request) -> None:
    if request.app.state.web.read_only:
        raise WebError(403, "this server runs in --read-only mode; changes are disabled")


async def require_write(request: Request) -> None:
    """Dependency for form posts that change something: read-only, CSRF, then the token (cookie or field)."""
    check_read_only(request)
    form = await request.form()
    check_csrf(request, form)
    token: str | None = request.app.state.web.token
    if token and not is_logged_in(request):
        offered = str(form.get("token") or "")
        if not offered or not check_offered_token(request, offered):
            raise WebError(401, "log in with the API token first (this server requires THEMEFLOW_API_TOKEN)")


async def require_api_write(request: Request) -> None:
    """Dependency for JSON routes that change something: read-only, JSON content type, Bearer token."""
    check_read_only(request)
    check_same_origin(request)
    token: str | None = request.app.state.web.token
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        given = given.strip()
        if scheme.lower() != "bearer" or not given or not check_offered_token(request, given):
            raise WebError(401, "missing or wrong API token: send 'Authorization: Bearer <token>'")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method == "POST" and ctype != "application/json":
        raise WebError(415, "send the request body as JSON (Content-Type: application/json)")
