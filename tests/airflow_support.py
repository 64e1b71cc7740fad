"""Shared helpers for the tests that start real Airflow services (UI, scheduler, Celery).

Services start the same way `news-etl airflow` starts them (etl.airflow_local), but on free ports,
in a temporary AIRFLOW_HOME, each component in its own process group that is killed at the end.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import duckdb

from etl.airflow_local import (COMPONENTS, DAG_ID, ApiClient, Services, free_port, prepare, service_env, set_password,
                               wait_ready)
from tests.conftest import ROOT, SEED_ARTICLE, SEEDS

ARTIFACTS = ROOT / "tests" / "artifacts"


def login(page, airflow, next_path: str = "/dags/news_etl") -> None:
    """Log in through the UI's login form and wait until the UI shows next_path."""
    page.goto(airflow.url + next_path)
    page.wait_for_selector("input[name=username]")
    page.fill("input[name=username]", airflow.user)
    page.fill("input[name=password]", airflow.password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(airflow.url + next_path)))


def copy_seeds(dst: Path, per_category: int = 3, categories: tuple[str, ...] = ("business", "politics", "sport"),
               ) -> int:
    """A drop folder with the seed article and a few BBC articles per category; returns the file count."""
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED_ARTICLE, dst / SEED_ARTICLE.name)
    n = 1
    for cat in categories:
        (dst / cat).mkdir(exist_ok=True)
        for f in sorted((SEEDS / "bbc" / cat).glob("*.txt"))[:per_category]:
            shutil.copy(f, dst / cat / f.name)
            n += 1
    return n


def warehouse_rows(wh: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def worker_hostname() -> str:
    """`[core] hostname_callable` for the Celery test: two workers on one machine would otherwise
    record the same task_instance.hostname; each gets NEWS_ETL_TEST_HOSTNAME instead."""
    return os.environ.get("NEWS_ETL_TEST_HOSTNAME") or socket.getfqdn()


@dataclass
class Airflow:
    """One running local deployment."""

    url: str
    port: int
    home: Path
    env: dict[str, str]
    services: Services
    client: ApiClient
    user: str = "admin"
    password: str = ""
    extra: dict = field(default_factory=dict)

    def diagnostics(self, lines: int = 60) -> str:
        """The last lines of every component's log, for assertion messages."""
        out = []
        for name in sorted(self.services.procs) or sorted(p.stem for p in self.services.log_dir.glob("*.log")):
            out.append(f"----- {name} -----\n{self.services.log_tail(name, lines)}")
        return "\n".join(out)

    def wait_run(self, run_id: str, timeout: float = 600) -> dict:
        try:
            return self.client.wait_run(run_id, timeout=timeout, services=self.services)
        except (TimeoutError, RuntimeError) as e:
            raise AssertionError(f"{e}\n{self.run_report(run_id)}\n{self.diagnostics()}") from e

    def run_report(self, run_id: str) -> str:
        """Task states of a run and the log of every failed task, for assertion messages."""
        lines = [f"run {run_id}:"]
        try:
            for ti in self.client.task_instances(run_id):
                lines.append(f"  {ti['task_id']}[{ti['map_index']}] {ti['state']} try {ti['try_number']} "
                             f"on {ti.get('hostname')}")
                if ti["state"] in ("failed", "up_for_retry"):
                    lines.append(self.client.task_log(run_id, ti["task_id"], max(ti["try_number"], 1),
                                                      ti["map_index"])[-3000:])
        except Exception as e:  # noqa: BLE001 - diagnostics only
            lines.append(f"  (could not read task instances: {e})")
        return "\n".join(lines)


@contextmanager
def airflow_services(base: Path, overrides: dict[str, str] | None = None,
                     components: tuple[str, ...] = COMPONENTS, workers: dict[str, list[str]] | None = None,
                     worker_env: dict[str, dict[str, str]] | None = None, timeout: float = 420,
                     need: tuple[str, ...] = ("metadatabase", "scheduler", "dag_processor"),
                     dag_id: str | None = DAG_ID) -> Iterator[Airflow]:
    """Prepare a temporary AIRFLOW_HOME under `base`, start `components` (plus `workers`: name ->
    airflow arguments, each with env updated by worker_env[name]), wait until healthy with the
    news_etl DAG parsed (dag_id=None: only healthy), yield, and always stop every process group."""
    home = base / "airflow_home"
    port = free_port()
    env = service_env(port, log_server_port=free_port(), overrides={
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # Fail fast rather than hang when something is wrong.
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "300",
        **(overrides or {}),
    })
    env["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
    prepare(env)
    password = secrets.token_urlsafe(9)
    set_password(home, "admin", password)
    services = Services(env, home / "logs" / "services")
    url = f"http://127.0.0.1:{port}"
    af = Airflow(url=url, port=port, home=home, env=env, services=services,
                 client=ApiClient(url, "admin", password), password=password)
    try:
        for name in components:
            services.start(name)
        for name, args in (workers or {}).items():
            services.start(name, args, env={**env, **(worker_env or {}).get(name, {})})
        try:
            wait_ready(af.client, services, timeout=timeout, dag_id=dag_id, need=need)
        except (TimeoutError, RuntimeError) as e:
            raise AssertionError(f"Airflow did not start: {e}\n{af.diagnostics()}") from e
        yield af
    finally:
        services.stop()


def wait_for(predicate, timeout: float, interval: float = 2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def save_artifact(src: Path, name: str) -> None:
    """Copy a screenshot or log to tests/artifacts/ (gitignored) for people and CI to look at."""
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(src, ARTIFACTS / name)
    except OSError:
        pass
