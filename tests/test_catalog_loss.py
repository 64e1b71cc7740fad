"""DuckLake on a PostgreSQL catalog losing its connections mid-load: `pg_terminate_backend` on every
connection to the catalog database while the load's transaction holds all its writes. The load
commits whole or not at all, readers never see half of it, and a rerun gives the uninterrupted
result. The machine's PostgreSQL keeps running; the catalog is a throwaway database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import psycopg2
import pytest

from etl import stages
from etl.load import connect
from tests.conftest import ROOT, SEEDS, warehouse_content
from tests.services import PG_URL, throwaway_database

pytestmark = [pytest.mark.slow, pytest.mark.services]


def _terminate(db: str) -> int:
    """Kill every backend connected to database `db`; how many there were."""
    with psycopg2.connect(PG_URL) as admin, admin.cursor() as cur:
        cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()", [db])
        return cur.fetchone()[0]


def _lake(lake: str) -> dict:
    with connect(lake, read_only=True) as con:
        return warehouse_content(con)


def test_catalog_connections_killed_during_load(seed_drop, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWS_ETL_DUCKLAKE_DATA", str(tmp_path / "lake_data"))
    monkeypatch.setenv("NEWS_ETL_WORK_DIR", str(tmp_path / "work"))
    file_wh = tmp_path / "file.duckdb"  # the uninterrupted result (DuckLake loads what a DuckDB file does)
    with throwaway_database("news_etl_catalog") as db:
        lake = f"ducklake:postgres:dbname={db['name']} host={db['host']} port={db['port']} user={db['user']}"
        for wh in (lake, str(file_wh)):
            stages.run_local(str(seed_drop), wh, "r1")
        before = _lake(lake)
        # r2: one article edited, one deleted, one new
        seed = seed_drop / "000_0a211b190e0dde63.txt"
        seed.write_text(seed.read_text() + "\nGordon Brown said the talks had failed.\n")
        (seed_drop / "sport" / sorted(os.listdir(seed_drop / "sport"))[0]).unlink()
        shutil.copy(sorted((SEEDS / "bbc" / "tech").glob("*.txt"))[0], seed_drop / "new-tech.txt")

        flag, release = tmp_path / "paused-load", tmp_path / "release-load"
        env = {**os.environ, "NEWS_ETL_PAUSE_AT": "load", "NEWS_ETL_PAUSE_FLAG": str(flag),
               "NEWS_ETL_PAUSE_RELEASE": str(release)}
        code = f"from etl import stages; stages.run_local({str(seed_drop)!r}, {lake!r}, 'r2')"
        proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while not flag.exists():
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "the load never reached its pause point"
            time.sleep(0.2)
        # Every write of r2 is done, not committed: a reader sees r1 only.
        assert _lake(lake) == before
        assert _terminate(db["name"]) >= 1  # the paused load's catalog connection among them
        release.write_text("go")
        _, err = proc.communicate(timeout=120)
        assert proc.returncode != 0, "the commit cannot have gone through a terminated connection"
        assert "Failed to commit" in err and "no transaction is active" not in err, err[-3000:]
        # Not half written: the catalog still holds r1 exactly, and no r2 run row.
        assert _lake(lake) == before
        with connect(lake, read_only=True) as con:
            assert con.execute("SELECT run_id, status FROM runs ORDER BY ALL").fetchall() == [("r1", "success")]

        stages.run_local(str(seed_drop), lake, "r2")  # the rerun
        after = _lake(lake)
    stages.run_local(str(seed_drop), str(file_wh), "r2")
    with duckdb.connect(str(file_wh), read_only=True) as ref:
        assert after == warehouse_content(ref)
