"""The explorer's FastAPI app, mounted by the Airflow API server under /news (see plugin.py).

Every request, static files included, must carry a valid Airflow login: the JWT that the UI's
login put in the `_token` cookie, or an `Authorization: Bearer` token from /auth/token. Airflow's
own `get_user` checks it (so any auth manager works: simple, FAB, ...) and the auth manager must
let the user see the website. A browser without a login is sent to the login page; anything else
gets 401/403.

Pages are server-rendered HTML with inline SVG charts and no JavaScript, served under a
Content-Security-Policy that allows no script at all and nothing from another origin. Rendered
pages are cached per snapshot, so they are drawn once after each load.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from etl import config
from etl.explorer import pages
from etl.explorer import report as run_report
from etl.explorer.plugin import MOUNTED_AT
from etl.explorer.snapshot import Freshness, SnapshotReader

log = logging.getLogger(__name__)

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'self'; base-uri 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "same-origin"}
# The per-run reports carry their stylesheet inline; GX's Data Docs run their own (local) scripts.
# Neither may load anything from another origin.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'self'")


class PageCache:
    """Rendered page bodies keyed by (snapshot id, page): a new snapshot makes every key new."""

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[tuple, pages.Page] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: tuple, make: Callable[[], pages.Page]) -> pages.Page:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        page = make()
        if page.status < 500:
            with self._lock:
                self._items[key] = page
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return page


class Explorer:
    """The warehouse's snapshot reader (NEWS_ETL_WAREHOUSE, resolved as the DAG resolves it, on
    first use), the page cache, and a watcher thread that keeps the snapshot in step with the
    warehouse and draws the overview of each new snapshot before anyone asks for it."""

    def __init__(self, check_every_s: float | None = None) -> None:
        self.check_every_s = check_every_s or float(os.environ.get("NEWS_ETL_EXPLORER_CHECK_S", 10))
        self.cache = PageCache()
        self.base = MOUNTED_AT  # the prefix pages link under, as the last request saw it
        self._reader: SnapshotReader | None = None
        self._lock = threading.Lock()

    def reader(self) -> SnapshotReader:
        with self._lock:
            if self._reader is None:
                self._reader = SnapshotReader(config.warehouse_path(), quiet_s=3 * self.check_every_s)
                threading.Thread(target=self._watch, name="news-explorer-watch", daemon=True).start()
            return self._reader

    def _watch(self) -> None:
        while True:
            try:
                self._reader.refresh()
                got = self._reader.cursor()
                if got is not None:
                    cur, snapshot_id = got
                    with cur:
                        self.cache.get_or_make((snapshot_id, self.base, "overview"),
                                               lambda: pages.overview(cur, self.base))
            except Exception:  # noqa: BLE001 - keep watching; pages report their own failures
                log.exception("news explorer: watching the warehouse failed")
            time.sleep(self.check_every_s)

    def respond(self, request: Request, key: tuple, make: Callable[..., pages.Page], q: str = "") -> HTMLResponse:
        """Render a page from the current snapshot; no snapshot, or a failure, is a page too (never a traceback)."""
        self.base = base = request.scope.get("root_path", "").rstrip("/")
        fresh = Freshness(None, None, None, False, None)
        try:
            reader = self.reader()
            got = reader.cursor()
            if got is None:
                fresh = reader.freshness()
                page = pages.message(base, "No data yet", fresh.problem or "The warehouse has no snapshot yet.", 503)
            else:
                cur, snapshot_id = got
                with cur:
                    page = self.cache.get_or_make((snapshot_id, base, *key), lambda: make(cur, base))
                fresh = reader.freshness()
        except Exception:  # noqa: BLE001 - logged; the reader sees a message, not a traceback
            log.exception("news explorer: %s failed", request.url.path)
            page = pages.message(base, "Something went wrong", "The page could not be drawn from the warehouse "
                                 "snapshot; the error is in the API server's log. Try again in a moment.", 500)
        return HTMLResponse(pages.document(page, base, fresh, q), status_code=page.status)


async def _user(request: Request):
    """The logged-in Airflow user, or None: Airflow's own check of the bearer token or `_token` cookie."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import get_user
    from fastapi.security import HTTPAuthorizationCredentials

    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    bearer = HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip()) if token.strip() else None
    try:
        user = await get_user(request, None, bearer)
    except HTTPException:
        return None
    if not get_auth_manager().is_authorized_view(access_view=AccessView.WEBSITE, user=user):
        return False
    return user


def _refuse(request: Request, user) -> Response:
    """A browser asking for a page goes to the login page and comes back; anything else is refused."""
    from airflow.api_fastapi.app import get_auth_manager

    if user is None and request.method == "GET" and "text/html" in request.headers.get("accept", "") \
            and "authorization" not in request.headers:
        return RedirectResponse(get_auth_manager().get_url_login(next_url=str(request.url)), status_code=303)
    status = 403 if user is False else 401
    return JSONResponse({"detail": "Forbidden" if user is False else "Not authenticated"}, status_code=status)


def _file(folder: Path, relative: str, csp: str) -> Response:
    """A file of `folder` (never one outside it, whatever the path says), or 404."""
    root = folder.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return HTMLResponse("<h1>Not found</h1>", status_code=404)
    return FileResponse(path, headers={"Content-Security-Policy": csp})


class CachedStatic(StaticFiles):
    """The stylesheet and icon change only with the code: browsers may keep them for an hour."""

    async def get_response(self, path: str, scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response


def create_app() -> FastAPI:
    app = FastAPI(title="News explorer", docs_url=None, redoc_url=None, openapi_url=None)
    explorer = Explorer()
    app.state.explorer = explorer

    @app.middleware("http")
    async def logged_in_only(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        user = await _user(request)
        response = _refuse(request, user) if not user else await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", "no-store")  # pages change with every load
        return response

    app.mount("/static", CachedStatic(directory=pages.STATIC), name="static")

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> HTMLResponse:
        return explorer.respond(request, ("overview",), pages.overview)

    @app.get("/search", response_class=HTMLResponse)
    def search(request: Request, q: str = "") -> HTMLResponse:
        q = q[:200]
        return explorer.respond(request, ("search", q), lambda cur, base: pages.search(cur, base, q), q=q)

    @app.get("/entity/{entity_id}", response_class=HTMLResponse)
    def entity(request: Request, entity_id: str) -> HTMLResponse:
        return explorer.respond(request, ("entity", entity_id), lambda cur, base: pages.entity(cur, base, entity_id))

    @app.get("/topic/{topic_id}", response_class=HTMLResponse)
    def topic(request: Request, topic_id: int) -> HTMLResponse:
        return explorer.respond(request, ("topic", topic_id), lambda cur, base: pages.topic(cur, base, topic_id))

    @app.get("/reports/", response_class=HTMLResponse)
    def reports(request: Request) -> HTMLResponse:
        folder = run_report.reports_dir(explorer.reader().warehouse)
        changed = folder.stat().st_mtime_ns if folder.is_dir() else None  # a report was added or removed
        return explorer.respond(request, ("reports", changed), lambda cur, base: pages.reports(base, folder))

    @app.get("/reports/{name}")
    def one_report(name: str) -> Response:
        return _file(run_report.reports_dir(explorer.reader().warehouse), name, REPORT_CSP)

    @app.get("/data-docs/{path:path}")
    def data_docs(path: str) -> Response:
        from etl.stages import data_docs_dir

        return _file(data_docs_dir(explorer.reader().warehouse), path or "index.html", DOCS_CSP)

    @app.get("/article", response_class=HTMLResponse)
    def article(request: Request, id: str = "") -> HTMLResponse:  # noqa: A002 - the query parameter's name
        return explorer.respond(request, ("article", id), lambda cur, base: pages.article(cur, base, id))

    return app
