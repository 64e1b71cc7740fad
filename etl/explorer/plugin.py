"""The Airflow plugin that serves the explorer under /news and adds "News" to the UI's navigation.

Registered as an `airflow.plugins` entry point in pyproject.toml, so every installation of the
project (the venv `make airflow` uses, the deploy/ images) has it with no plugins folder. Airflow
imports plugins in all its components, so this module imports nothing heavy: the FastAPI app is
built in the API server only, when it starts (see WarmUp) or at the first request.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

from airflow.configuration import conf
from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/news"
log = logging.getLogger(__name__)


class LazyApp:
    """An ASGI app that builds the explorer (etl.explorer.app) once, when first needed."""

    def __init__(self) -> None:
        self._app = None
        self._lock = threading.Lock()

    def app(self):
        with self._lock:
            if self._app is None:
                from etl.explorer.app import create_app

                self._app = create_app()
            return self._app

    def warm(self) -> None:
        """Build the app and start its watcher, which draws the overview before anyone asks."""
        try:
            self.app().state.explorer.reader()
        except Exception:  # noqa: BLE001 - the pages say what is wrong when asked
            log.exception("news explorer: warm-up failed")

    async def __call__(self, scope, receive, send) -> None:
        await self.app()(scope, receive, send)


EXPLORER = LazyApp()


class WarmUp:
    """A root middleware that only passes requests on. Starlette builds middlewares when the API
    server starts, which makes this the place to warm the explorer up in the background: imports,
    the chart engine and the overview are ready before the first reader arrives."""

    def __init__(self, app) -> None:
        self.app = app
        threading.Thread(target=EXPLORER.warm, name="news-explorer-warm-up", daemon=True).start()

    async def __call__(self, scope, receive, send) -> None:
        await self.app(scope, receive, send)


def _root() -> str:
    """The UI's path prefix ([api] base_url, e.g. behind a proxy at /airflow), without a trailing slash."""
    return urlsplit(conf.get("api", "base_url", fallback="") or "/").path.rstrip("/")


MOUNTED_AT = f"{_root()}{URL_PREFIX}"  # where the pages are, as the browser sees them


class NewsExplorerPlugin(AirflowPlugin):
    name = "news_explorer"
    fastapi_apps = [{"app": EXPLORER, "url_prefix": URL_PREFIX, "name": "News explorer"}]
    fastapi_root_middlewares = [{"middleware": WarmUp, "args": [], "kwargs": {}, "name": "News explorer warm-up"}]
    external_views = [{
        "name": "News",
        "href": f"{MOUNTED_AT}/",
        "url_route": "news",
        "destination": "nav",
        "nav_top_level": True,
        "icon": f"{MOUNTED_AT}/static/news.svg",
    }]
