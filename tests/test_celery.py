"""Scale-out with the CeleryExecutor: PostgreSQL metadata DB (a throwaway database), Redis broker,
scheduler + DAG processor + API server (workers report to its execution API) and TWO Celery
workers. A run with small NLP shards spreads the mapped `nlp` tasks over both workers.

Needs PostgreSQL (NEWS_ETL_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres, a role
that may create databases) and Redis (NEWS_ETL_REDIS_URL, default redis://127.0.0.1:6379/0).
Skips when they are unreachable, unless NEWS_ETL_REQUIRE_SERVICES is set (CI)."""

from __future__ import annotations

import importlib.util
import re
import secrets
from urllib.parse import urlsplit, urlunsplit

import pytest

from etl.airflow_local import free_port
from tests.airflow_support import airflow_services, copy_seeds, wait_for, warehouse_rows
from tests.services import PG_URL, REDIS_URL, require, skip_unless_required, throwaway_database

pytestmark = [pytest.mark.slow, pytest.mark.services]

SHARD_SIZE = 3
WORKERS = ("w1", "w2")


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
        client.close()


def test_two_celery_workers_share_the_nlp_shards(tmp_path, pg_database, redis_queue):
    import psycopg2

    drop, wh = tmp_path / "drop", tmp_path / "wh" / "news.duckdb"
    n_files = copy_seeds(drop, per_category=4)  # 13 articles -> 5 NLP shards of <= 3
    (tmp_path / "empty").mkdir()
    sql_url = _with_db(PG_URL, pg_database, "postgresql+psycopg2")
    overrides = {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql_url,
        # Airflow 3 also opens an async engine (postgresql+asyncpg by default). Without asyncpg
        # installed, turn it off: nothing this deployment uses needs it (multi-team, the run "wait"
        # endpoint). Production images should install asyncpg (see deploy/).
        **({} if importlib.util.find_spec("asyncpg") else {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": ""}),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": REDIS_URL,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + _with_db(PG_URL, pg_database, "postgresql+psycopg2"),
        # Our own queue: other users of this Redis never see our tasks, nor we theirs.
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": redis_queue,
        # Each worker records its own name as task_instance.hostname (both run on this machine).
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.airflow_support.worker_hostname",
        "NEWS_ETL_SHARD_SIZE": str(SHARD_SIZE),
        # Unpausing creates the latest nightly run too; it reads an empty folder into its own file.
        "NEWS_ETL_INPUT": str(tmp_path / "empty"),
        "NEWS_ETL_WAREHOUSE": str(tmp_path / "scheduled" / "news.duckdb"),
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
        run = af.client.trigger({"input_dir": str(drop), "warehouse": str(wh)})
        af.client.set_paused(False)
        finished = af.wait_run(run["dag_run_id"], timeout=900)
        assert finished["state"] == "success", af.run_report(run["dag_run_id"])

        with psycopg2.connect(_with_db(PG_URL, pg_database)) as con, con.cursor() as cur:
            cur.execute("SELECT map_index, hostname, state FROM task_instance "
                        "WHERE dag_id = 'news_etl' AND run_id = %s AND task_id = 'nlp' ORDER BY map_index",
                        [run["dag_run_id"]])
            nlp = cur.fetchall()
            cur.execute("SELECT DISTINCT queue FROM task_instance WHERE run_id = %s", [run["dag_run_id"]])
            queues = {q for (q,) in cur.fetchall()}
        worker_logs = {w: af.services.log_tail(f"worker-{w}", 2000) for w in WORKERS}

    # Several shards, all done, and both workers took some of them.
    assert len(nlp) == -(-n_files // SHARD_SIZE), nlp
    assert all(state == "success" for _, _, state in nlp), nlp
    assert {host for _, host, _ in nlp} == set(WORKERS), nlp
    assert queues == {redis_queue}
    # Each worker's own log shows it executing exactly the shards the metadata DB credits it with.
    for w, log in worker_logs.items():
        pattern = rf"Executing workload in Celery: .*run_id={re.escape(run['dag_run_id'])}/task_id=nlp/map_index=(\d+)/"
        assert {int(m) for m in re.findall(pattern, log)} == {i for i, host, _ in nlp if host == w}, log[-3000:]
    # The warehouse has the articles and their NLP output.
    assert warehouse_rows(wh, "SELECT count(*) FROM articles")[0][0] == n_files
    assert warehouse_rows(wh, "SELECT count(DISTINCT article_id) FROM entity_mentions")[0][0] > n_files // 2
    assert warehouse_rows(wh, "SELECT status FROM runs WHERE run_id = ?", [run["dag_run_id"]]) == [("success",)]
