"""The optional DuckLake backend (catalog in a real PostgreSQL database, data as Parquet files):
same tables, views and idempotent, incremental loads as the default DuckDB file."""

from __future__ import annotations

import re

import duckdb
import pytest

from etl import stages
from etl.explorer.snapshot import SnapshotReader, open_snapshot, snapshot_path
from etl.load import WAREHOUSE_TABLES, connect, expire_lake_snapshots
from tests.conftest import warehouse_content
from tests.services import throwaway_database

pytestmark = [pytest.mark.slow, pytest.mark.services]


def test_ducklake_matches_duckdb_file_and_is_idempotent(seed_drop, tmp_path, monkeypatch):
    with throwaway_database("news_etl_lake") as db:
        lake = f"ducklake:postgres:dbname={db['name']} host={db['host']} port={db['port']} user={db['user']}"
        monkeypatch.setenv("NEWS_ETL_DUCKLAKE_DATA", str(tmp_path / "lake_data"))
        monkeypatch.setenv("NEWS_ETL_WORK_DIR", str(tmp_path / "work"))
        file_wh = tmp_path / "file.duckdb"
        stages.run_local(str(seed_drop), str(file_wh), "r1")
        stages.run_local(str(seed_drop), lake, "r1")
        with connect(lake, read_only=True) as con, duckdb.connect(str(file_wh), read_only=True) as ref:
            assert warehouse_content(con) == warehouse_content(ref)
            views = {r[0] for r in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE database_name = 'warehouse'").fetchall()}
            assert {"who_quotes_whom", "entity_cooccurrence", "entity_timeline", "topic_volume_weekly",
                    "rising_topics"} <= views
            for view in ("who_quotes_whom", "entity_cooccurrence", "entity_timeline", "topic_volume_weekly"):
                assert con.execute(f"SELECT count(*) FROM {view}").fetchone()[0] > 0, view
            before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in WAREHOUSE_TABLES}
        assert list((tmp_path / "lake_data").rglob("*.parquet")), "DuckLake data lives in Parquet files"
        # The report task (and so the explorer's snapshot, which the pages read) works the same.
        assert re.search(r"^report: .+\.html$", stages.report(lake, "r1"), re.M)
        with open_snapshot(snapshot_path(lake)) as snap, duckdb.connect(str(file_wh), read_only=True) as ref:
            assert warehouse_content(snap) == warehouse_content(ref)
            assert snap.execute("SELECT count(*) FROM who_quotes_whom").fetchone()[0] > 0
        reader = SnapshotReader(lake)
        reader.refresh()  # the snapshot matches the lake's latest run: nothing to do
        assert not reader.freshness().pending and reader.freshness().run_id == "r1"

        again = stages.run_local(str(seed_drop), lake, "r1")  # same run again: a no-op
        assert again["load"]["loaded"] is False
        rerun = stages.run_local(str(seed_drop), lake, "r2")  # nothing changed: nothing loaded
        assert (rerun["n_new"], rerun["n_changed"], rerun["n_deleted"]) == (0, 0, 0)
        with connect(lake, read_only=True) as con:
            after = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in WAREHOUSE_TABLES}
        assert {t: n for t, n in after.items() if t != "runs"} == {t: n for t, n in before.items() if t != "runs"}
        assert after["runs"] == before["runs"] + 1

        seed = seed_drop / "000_0a211b190e0dde63.txt"
        seed.write_text(seed.read_text() + "\nGordon Brown said the talks had failed.\n")
        stages.run_local(str(seed_drop), lake, "r3")
        stages.run_local(str(seed_drop), str(file_wh), "r3")
        with connect(lake, read_only=True) as con, duckdb.connect(str(file_wh), read_only=True) as ref:
            assert warehouse_content(con) == warehouse_content(ref)
            assert con.execute("SELECT first_run_id, last_run_id FROM articles WHERE article_id = ?",
                               [seed.name]).fetchone() == ("r1", "r3")
        # snapshot expiry: old snapshots and the files only they referenced go, the content stays
        files_before = len(list((tmp_path / "lake_data").rglob("*.parquet")))
        res = expire_lake_snapshots(lake, keep_days=0)
        assert res["expired"] > 0 and res["snapshots"] == 1 and res["files_deleted"] > 0
        assert len(list((tmp_path / "lake_data").rglob("*.parquet"))) == files_before - res["files_deleted"]
        with connect(lake, read_only=True) as con, duckdb.connect(str(file_wh), read_only=True) as ref:
            assert warehouse_content(con) == warehouse_content(ref)
