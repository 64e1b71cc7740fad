"""Reaching the real services (PostgreSQL, Redis, a browser) that scale-out and UI tests use.

URLs come from the environment. A test skips with a reason when a service is unreachable, unless
NEWS_ETL_REQUIRE_SERVICES is set (CI sets it), in which case it fails instead.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import pytest

PG_URL = os.environ.get("NEWS_ETL_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("NEWS_ETL_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_SERVICES = bool(os.environ.get("NEWS_ETL_REQUIRE_SERVICES"))


def skip_unless_required(reason: str) -> None:
    """Skip, unless NEWS_ETL_REQUIRE_SERVICES is set (CI): then a missing service is a failure."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (NEWS_ETL_REQUIRE_SERVICES is set, so this cannot be skipped)")
    pytest.skip(f"{reason}; set NEWS_ETL_REQUIRE_SERVICES=1 to make this a failure")


def require(url: str, what: str) -> None:
    """Skip (or fail under NEWS_ETL_REQUIRE_SERVICES) when the service at url does not answer."""
    u = urlparse(url)
    try:
        socket.create_connection((u.hostname, u.port), timeout=3).close()
    except OSError as exc:
        skip_unless_required(f"{what} at {u.hostname}:{u.port} is unreachable ({exc}); "
                             "set NEWS_ETL_PG_URL/NEWS_ETL_REDIS_URL or start it")


@contextmanager
def throwaway_database(prefix: str = "news_etl_test") -> Iterator[dict]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    import psycopg2

    require(PG_URL, "PostgreSQL")
    u = urlparse(PG_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"name": name, "host": u.hostname, "port": u.port or 5432, "user": u.username or "postgres",
               "url": u._replace(path=f"/{name}").geturl()}
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
