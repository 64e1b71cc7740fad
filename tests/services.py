"""Reaching the real services (PostgreSQL, Redis, a browser) that scale-out and UI tests use.

URLs come from the environment. A test skips with a reason when a service is unreachable, unless
NEWS_ETL_REQUIRE_SERVICES is set (CI sets it), in which case it fails instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from etl.airflow_local import free_port

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


class RedisServer:
    """A redis-server of a test's own on a free port, without persistence: killing it (kill -9) and
    starting it again loses every key, like a broker restart without AOF/RDB. The machine's Redis is
    never touched."""

    def __init__(self, log: Path):
        self.port, self.log, self.proc = free_port(), log, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start on self.port (the same port after a kill) and wait until it answers PING."""
        import redis

        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                with redis.Redis(port=self.port, socket_connect_timeout=1) as client:
                    client.ping()
                return
            except redis.RedisError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {self.port} did not start:\n"
                                       f"{self.log.read_text()[-2000:]}") from None
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no save, every queued message gone."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)


@contextmanager
def own_redis(log: Path) -> Iterator[RedisServer]:
    """A RedisServer, running; always killed afterwards."""
    if not shutil.which("redis-server"):
        skip_unless_required("redis-server is not on PATH")
    server = RedisServer(log)
    try:
        server.start()
        yield server
    finally:
        server.kill()
