"""The Airflow plugin that serves the explorer under /news and adds "News" to the UI's navigation.

Registered as an `airflow.plugins` entry point in pyproject.toml, so every installation of the
project (the venv `make airflow` uses, the deploy/ images) has it with no plugins folder. Airflow
imports plugins in all its components, so this module imports nothing heavy: the FastAPI app is
built on its first request, which only the API server ever receives.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from airflow.configuration import conf
from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/news"


class LazyApp:
    """An ASGI app that builds the explorer (etl.explorer.app) when the first request arrives."""

    def __init__(self) -> None:
        self._app = None

    async def __call__(self, scope, receive, send) -> None:
        if self._app is None:
            from etl.explorer.app import create_app

            self._app = create_app()
        await self._app(scope, receive, send)


def _root() -> str:
    """The UI's path prefix ([api] base_url, e.g. behind a proxy at /airflow), without a trailing slash."""
    return urlsplit(conf.get("api", "base_url", fallback="") or "/").path.rstrip("/")


MOUNTED_AT = f"{_root()}{URL_PREFIX}"  # where the pages are, as the browser sees them


class NewsExplorerPlugin(AirflowPlugin):
    name = "news_explorer"
    fastapi_apps = [{"app": LazyApp(), "url_prefix": URL_PREFIX, "name": "News explorer"}]
    external_views = [{
        "name": "News",
        "href": f"{MOUNTED_AT}/",
        "url_route": "news",
        "destination": "nav",
        "nav_top_level": True,
        "icon": f"{MOUNTED_AT}/static/news.svg",
    }]
