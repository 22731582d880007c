"""``create_app``: the FastAPI application for ``themeflow serve`` and for tests.

The app is a skin over one :class:`~themeflow.service.Themeflow`: pages (:mod:`.pages`,
:mod:`.workflow_pages`) and the JSON API (:mod:`.api`) call the same service methods the CLI calls.
Swagger UI is not mounted because it loads its assets from a CDN; ``/openapi.json`` is served and
``/docs`` is a self-contained page generated from it.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import tzinfo
from functools import partial

import anyio.to_thread
import jinja2
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from themeflow import __version__
from themeflow.web import api, errors, pages, tag_pages, workflow_pages
from themeflow.web.context import STATIC_DIR, TEMPLATES_DIR, TfSource, WebState, open_service
from themeflow.web.guard import HostPolicy, RequestGuard
from themeflow.web.headers import SecurityHeaders
from themeflow.web.present import fmt_date, fmt_iso, fmt_time, highlight, safe_url
from themeflow.web.throttle import LoginThrottle


def make_templates(tz: tzinfo | None = None) -> Jinja2Templates:
    """Jinja2 with autoescaping forced on for every template (articles are untrusted HTML); times are
    shown in ``tz`` (the configured time zone)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        fmt_time=partial(fmt_time, tz=tz),
        fmt_date=partial(fmt_date, tz=tz),
        safe_url=safe_url,
        highlight=highlight,
        fmt_iso=partial(fmt_iso, tz=tz),
    )
    env.globals.update(version=__version__)
    return Jinja2Templates(env=env)


def create_app(
    source: TfSource = None,
    *,
    read_only: bool = False,
    token: str | None = None,
    scheduler_interval: float | None = None,
    bind_host: str | None = None,
    allowed_hosts: Sequence[str] | None = None,
    throttle: LoginThrottle | None = None,
) -> FastAPI:
    """Build the app over ``source``: a ``Themeflow``, a factory returning one, or a SQLite path.

    ``token`` defaults to the ``api_token`` setting (``THEMEFLOW_API_TOKEN``); when set, mutating routes
    need it. ``read_only`` opens a database path read-only and refuses every mutating route with 403.
    The app answers only to loopback names, ``bind_host`` (the address ``serve`` binds) and
    ``allowed_hosts`` (default: the ``allowed_hosts`` setting, comma-separated); see :mod:`.guard`.
    ``throttle`` limits wrong tokens per client (a default one when None). ``scheduler_interval`` (seconds) runs
    due workflows in a background thread for the life of the server, so one process serves and schedules;
    the scheduler's lock rows keep it from double-running a theme that a separate ``themeflow scheduler``
    also holds.
    """
    tf = open_service(source, read_only=read_only)
    if allowed_hosts is None:
        allowed_hosts = (tf.settings.get("allowed_hosts") or "").split(",")
    hosts = HostPolicy.build(bind_host, allowed_hosts)
    state = WebState(
        tf=tf,
        templates=make_templates(tf.settings.timezone),
        read_only=read_only,
        token=token if token is not None else tf.settings.get("api_token") or None,
        hosts=hosts,
        throttle=throttle or LoginThrottle(),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Blocking routes run in AnyIO's thread pool. Its default of 40 threads on a 2-core machine meant
        # 40 SQLite connections, each warming its own search caches, and 40 threads taking turns on one
        # GIL: under 50 clients p95 was seconds. A pool sized to the cores keeps the caches warm.
        anyio.to_thread.current_default_thread_limiter().total_tokens = web_threads()
        stop = threading.Event()
        worker: threading.Thread | None = None
        if scheduler_interval is not None and not read_only:
            worker = threading.Thread(
                target=tf.run_scheduler,
                kwargs={"interval": scheduler_interval, "stop": stop},
                name="themeflow-scheduler",
                daemon=True,
            )
            worker.start()
        yield
        stop.set()
        if worker is not None:
            worker.join(timeout=30)
        tf.close()

    app = FastAPI(
        title="themeflow",
        version=__version__,
        description="Track investment themes across Chinese financial news: search, cited summaries, workflows.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.web = state
    errors.install(app)
    app.add_middleware(RequestGuard, policy=hosts)
    app.add_middleware(
        SecurityHeaders
    )  # added last: outermost, so the guard's refusals carry the headers too
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(api.router)
    app.include_router(tag_pages.api)
    app.include_router(pages.router)
    app.include_router(tag_pages.router)
    app.include_router(workflow_pages.router)
    return app


def web_threads() -> int:
    """Threads for blocking routes: ``THEMEFLOW_WEB_THREADS``, else four per core (at least 8): enough that
    a slow page (a first-view summary) does not hold up searches, few enough that per-connection caches
    stay warm."""
    import os

    raw = os.environ.get("THEMEFLOW_WEB_THREADS", "")
    if raw.strip().isdigit() and int(raw) > 0:
        return int(raw)
    return max(8, 4 * (os.cpu_count() or 1))


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory themeflow.web.app:app_from_env`` (several workers, the load check):
    the database from ``THEMEFLOW_DB``, read-only when ``THEMEFLOW_READ_ONLY=1``."""
    import os

    return create_app(
        os.environ.get("THEMEFLOW_DB") or None,
        read_only=os.environ.get("THEMEFLOW_READ_ONLY", "") in ("1", "true", "yes"),
    )
