"""Scale-out with the CeleryExecutor: PostgreSQL metadata DB (a throwaway database), Redis broker,
scheduler + DAG processor + API server (workers report to its execution API) and TWO Celery
workers. A run with small NLP shards spreads the mapped `nlp` tasks over both workers.

Needs PostgreSQL (NEWS_ETL_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres, a role
that may create databases) and Redis (NEWS_ETL_REDIS_URL, default redis://127.0.0.1:6379/0).
Skips when they are unreachable, unless NEWS_ETL_REQUIRE_SERVICES is set (CI)."""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb
import pytest
import redis

from etl import config, stages
from etl.airflow_local import free_port
from tests.airflow_support import airflow_services, copy_seeds, wait_for, warehouse_rows
from tests.conftest import warehouse_content
from tests.services import PG_URL, REDIS_URL, own_redis, require, skip_unless_required, throwaway_database

pytestmark = [pytest.mark.slow, pytest.mark.services]

SHARD_SIZE = 3
WORKERS = ("w1", "w2")
# Small enough for a test to wait for (production values and why: docs/airflow.md, Operating at scale).
HEARTBEAT = {"AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
             "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5"}
# A task whose broker message was lost stays "queued"; the scheduler requeues it after this.
QUEUED_TIMEOUT = {"AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "30",
                  "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "5"}


def _with_db(url: str, db: str, scheme: str | None = None) -> str:
    parts = urlsplit(url)
    return urlunsplit((scheme or parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


@pytest.fixture
def pg_database():
    """A fresh PostgreSQL database for the Airflow metadata, dropped afterwards."""
    with throwaway_database() as db:
        yield db["name"]


@pytest.fixture
def redis_queue():
    """A Celery queue name of our own on the shared Redis; its keys are deleted afterwards."""
    import redis

    require(REDIS_URL, "Redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as e:
        skip_unless_required(f"Redis at {REDIS_URL} does not answer: {str(e).strip()}")
    queue = f"news_etl_test_{secrets.token_hex(4)}"
    try:
        yield queue
    finally:
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
        left = list(client.scan_iter(match=f"*{queue}*"))
        client.close()
    assert not left, f"Redis keys left behind: {left}"


@contextmanager
def celery_airflow(tmp_path: Path, pg_database: str, queue: str, broker_url: str = REDIS_URL,
                   extra: dict[str, str] | None = None) -> Iterator:
    """Airflow with the CeleryExecutor on Postgres metadata and TWO Celery workers, both consuming
    `queue` before this yields. Every broker key is prefixed with the queue name, so the fixture can
    delete them all afterwards (unacknowledged messages of a killed worker included)."""
    (tmp_path / "empty").mkdir(exist_ok=True)
    overrides = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": _with_db(PG_URL, pg_database, "postgresql+psycopg2"),
        # Airflow 3 also opens an async engine (postgresql+asyncpg by default). Without asyncpg
        # installed, turn it off: nothing this deployment uses needs it (multi-team, the run "wait"
        # endpoint). Production images should install asyncpg (see deploy/).
        **({} if importlib.util.find_spec("asyncpg") else {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": ""}),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + _with_db(PG_URL, pg_database, "postgresql+psycopg2"),
        # Our own queue and key prefix: other users of this Redis never see our tasks, nor we theirs.
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": f"{queue}:",
        # Each worker records its own name as task_instance.hostname (both run on this machine).
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.airflow_support.worker_hostname",
        "NEWS_ETL_SHARD_SIZE": str(SHARD_SIZE),
        # Unpausing creates the latest nightly run too; it reads an empty folder into its own file.
        "NEWS_ETL_INPUT": str(tmp_path / "empty"),
        "NEWS_ETL_WAREHOUSE": str(tmp_path / "scheduled" / "news.duckdb"),
        **(extra or {}),
    }
    workers = {f"worker-{w}": ["celery", "worker", "--celery-hostname", f"{w}@%h", "--concurrency", "1",
                               "--without-mingle", "--without-gossip"] for w in WORKERS}
    worker_env = {f"worker-{w}": {"NEWS_ETL_TEST_HOSTNAME": w,
                                  "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())} for w in WORKERS}
    with airflow_services(tmp_path, overrides, workers=workers, worker_env=worker_env) as af:
        for w in WORKERS:  # both workers consume the queue before any task is queued
            wait_for(lambda w=w: f"{w}@" in af.services.log_tail(f"worker-{w}", 400)
                     and " ready." in af.services.log_tail(f"worker-{w}", 400),
                     timeout=180, what=f"Celery worker {w} to be ready\n{af.diagnostics()}")
        yield af


def _nlp_tasks(pg_database: str, run_id: str) -> list[tuple]:
    """(map_index, hostname, state, try_number) of the run's NLP shards, from the metadata DB."""
    import psycopg2

    with psycopg2.connect(_with_db(PG_URL, pg_database)) as con, con.cursor() as cur:
        cur.execute("SELECT map_index, hostname, state, try_number FROM task_instance "
                    "WHERE dag_id = 'news_etl' AND run_id = %s AND task_id = 'nlp' ORDER BY map_index", [run_id])
        return cur.fetchall()


def _executed(log: str, run_id: str) -> set[int]:
    """Map indexes of the NLP shards a worker's log shows it executing."""
    pattern = rf"Executing workload in Celery: .*run_id={re.escape(run_id)}/task_id=nlp/map_index=(\d+)/"
    return {int(m) for m in re.findall(pattern, log)}


def test_two_celery_workers_share_the_nlp_shards(tmp_path, pg_database, redis_queue):
    import psycopg2

    drop, wh = tmp_path / "drop", tmp_path / "wh" / "news.duckdb"
    n_files = copy_seeds(drop, per_category=4)  # 13 articles -> 5 NLP shards of <= 3
    with celery_airflow(tmp_path, pg_database, redis_queue) as af:
        run = af.client.trigger({"input_dir": str(drop), "warehouse": str(wh)})
        af.client.set_paused(False)
        finished = af.wait_run(run["dag_run_id"], timeout=900)
        assert finished["state"] == "success", af.run_report(run["dag_run_id"])

        with psycopg2.connect(_with_db(PG_URL, pg_database)) as con, con.cursor() as cur:
            cur.execute("SELECT DISTINCT queue FROM task_instance WHERE run_id = %s", [run["dag_run_id"]])
            queues = {q for (q,) in cur.fetchall()}
        worker_logs = {w: af.services.log_tail(f"worker-{w}", 2000) for w in WORKERS}
        nlp = [t[:3] for t in _nlp_tasks(pg_database, run["dag_run_id"])]

    # Several shards, all done, and both workers took some of them.
    assert len(nlp) == -(-n_files // SHARD_SIZE), nlp
    assert all(state == "success" for _, _, state in nlp), nlp
    assert {host for _, host, _ in nlp} == set(WORKERS), nlp
    assert queues == {redis_queue}
    # Each worker's own log shows it executing exactly the shards the metadata DB credits it with.
    for w, log in worker_logs.items():
        assert _executed(log, run["dag_run_id"]) == {i for i, host, _ in nlp if host == w}, log[-3000:]
    # The warehouse has the articles and their NLP output.
    assert warehouse_rows(wh, "SELECT count(*) FROM articles")[0][0] == n_files
    assert warehouse_rows(wh, "SELECT count(DISTINCT article_id) FROM entity_mentions")[0][0] > n_files // 2
    assert warehouse_rows(wh, "SELECT status FROM runs WHERE run_id = ?", [run["dag_run_id"]]) == [("success",)]


def _ancestors(pid: int) -> list[int]:
    """pid, its parent, grandparent, ... (from /proc)."""
    out = []
    while pid > 1:
        out.append(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return out


def _reference(drop: Path, wh: Path, monkeypatch) -> dict:
    """The warehouse an uninterrupted run over `drop` loads (same shard size), in this process."""
    monkeypatch.setattr(config, "SHARD_SIZE", SHARD_SIZE)
    stages.run_local(str(drop), str(wh), "reference")
    with duckdb.connect(str(wh), read_only=True) as con:
        return warehouse_content(con)


def test_worker_killed_mid_shard_is_retried_on_the_other_worker(tmp_path, pg_database, redis_queue, monkeypatch):
    drop, wh = tmp_path / "drop", tmp_path / "wh" / "news.duckdb"
    copy_seeds(drop, per_category=2)  # 7 articles -> 3 NLP shards
    reference = _reference(drop, tmp_path / "reference" / "news.duckdb", monkeypatch)
    flag = tmp_path / "paused-nlp"  # the first shard to finish its NLP stops before writing its output
    extra = {**HEARTBEAT, "NEWS_ETL_PAUSE_AT": "nlp", "NEWS_ETL_PAUSE_FLAG": str(flag), "NEWS_ETL_PAUSE_SECONDS": "900"}
    with celery_airflow(tmp_path, pg_database, redis_queue, extra=extra) as af:
        run_id = af.client.trigger({"input_dir": str(drop), "warehouse": str(wh)})["dag_run_id"]
        af.client.set_paused(False)
        wait_for(flag.exists, 300, 0.5, f"an NLP shard to start\n{af.diagnostics()}")
        task_pid = int(flag.read_text())
        victim = next(w for w in WORKERS if af.services.procs[f"worker-{w}"].pid in _ancestors(task_pid))
        survivor = next(w for w in WORKERS if w != victim)
        # The machine dies: the worker (Celery, its pool process) and the task it runs, all at once.
        worker = af.services.procs.pop(f"worker-{victim}")
        os.killpg(os.getpgid(task_pid), signal.SIGKILL)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(30)
        finished = af.wait_run(run_id, timeout=600)
        assert finished["state"] == "success", af.run_report(run_id)
        nlp = _nlp_tasks(pg_database, run_id)
        scheduler_log = af.services.log_tail("scheduler", 5000)
        survivor_log = af.services.log_tail(f"worker-{survivor}", 3000)

    # Airflow noticed the silent task through its heartbeat and retried it on the surviving worker.
    assert "Detected a task instance without a heartbeat" in scheduler_log
    retried = [t for t in nlp if t[3] > 1]
    assert len(retried) == 1 and retried[0][1] == survivor and retried[0][2] == "success", nlp
    assert all(state == "success" for _, _, state, _ in nlp), nlp
    assert retried[0][0] in _executed(survivor_log, run_id)
    # The warehouse is the uninterrupted run's: same rows, same ids, nothing twice.
    with duckdb.connect(str(wh), read_only=True) as con:
        assert warehouse_content(con) == reference
        assert con.execute("SELECT status FROM runs").fetchall() == [("success",)]


def test_broker_restart_during_nlp(tmp_path, pg_database, monkeypatch):
    """kill -9 the broker (a redis-server of the test's own, no persistence) while an NLP shard runs
    and others wait in its queue, start it again on the same port: the workers and the scheduler
    reconnect, the scheduler requeues the shards whose messages were lost once they have been
    queued for [scheduler] task_queued_timeout, and the run (or, had it failed, the next one)
    loads what an uninterrupted run loads."""
    drop, wh = tmp_path / "drop", tmp_path / "wh" / "news.duckdb"
    copy_seeds(drop, per_category=3)  # 10 articles -> 4 NLP shards for 2 workers: some wait in the queue
    reference = _reference(drop, tmp_path / "reference" / "news.duckdb", monkeypatch)
    flag, release = tmp_path / "paused-nlp", tmp_path / "release-nlp"
    extra = {**HEARTBEAT, **QUEUED_TIMEOUT, "NEWS_ETL_PAUSE_AT": "nlp", "NEWS_ETL_PAUSE_FLAG": str(flag),
             "NEWS_ETL_PAUSE_RELEASE": str(release), "NEWS_ETL_PAUSE_SECONDS": "900"}
    queue = f"news_etl_test_{secrets.token_hex(4)}"
    params = {"input_dir": str(drop), "warehouse": str(wh)}
    with own_redis(tmp_path / "redis.log") as broker, \
            celery_airflow(tmp_path, pg_database, queue, broker_url=broker.url, extra=extra) as af:
        run_id = af.client.trigger(params)["dag_run_id"]
        af.client.set_paused(False)
        wait_for(flag.exists, 300, 0.5, f"an NLP shard to start\n{af.diagnostics()}")
        broker.kill()  # the broker dies with the messages of the shards still waiting
        at_kill = _nlp_tasks(pg_database, run_id)
        time.sleep(3)
        broker.start()  # empty: no AOF, no RDB
        release.touch()
        runs = [af.wait_run(run_id, timeout=600)]
        if runs[0]["state"] != "success":  # failed cleanly: the next run must complete
            runs.append(af.wait_run(af.client.trigger(params)["dag_run_id"], timeout=600))
        assert runs[-1]["state"] == "success", af.run_report(runs[-1]["dag_run_id"])
        nlp = _nlp_tasks(pg_database, runs[-1]["dag_run_id"])
        scheduler_log = af.services.log_tail("scheduler", 5000)
        worker_logs = {w: af.services.log_tail(f"worker-{w}", 3000) for w in WORKERS}
        with redis.Redis.from_url(broker.url) as client:
            waiting = client.llen(f"{queue}:{queue}")

    # Shards were waiting in the broker when it died; the scheduler requeued them; all succeeded.
    assert any(state == "queued" for _, _, state, _ in at_kill), at_kill
    assert "Task stuck in queued; will try to requeue" in scheduler_log
    assert all(state == "success" for _, _, state, _ in nlp), nlp
    # Both workers lost the broker and came back to it; no message is left waiting.
    for w, log in worker_logs.items():
        lost = log.find("Connection to broker lost")
        assert lost >= 0 and "Connected to" in log[lost:], f"{w}:\n{log[-5000:]}"
    assert waiting == 0
    # The warehouse is the uninterrupted run's: same rows, same ids, nothing twice.
    with duckdb.connect(str(wh), read_only=True) as con:
        assert warehouse_content(con) == reference
        statuses = con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()
    assert statuses[-1] == ("success",), statuses
