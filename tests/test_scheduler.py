"""The schedule really fires: the real scheduler + DAG processor (+ API server, which tasks report
to) run the project's news_etl DAG with its schedule shortened to every minute through
NEWS_ETL_SCHEDULE, and nobody triggers anything. The scheduler creates runs of type "scheduled"
on consecutive minutes, they succeed, and the first loads the warehouse (defaults from
NEWS_ETL_INPUT / NEWS_ETL_WAREHOUSE, as for a nightly run)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.airflow_support import airflow_services, copy_seeds, wait_for, warehouse_rows

pytestmark = pytest.mark.slow


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_scheduler_creates_and_runs_scheduled_runs(tmp_path):
    drop, wh = tmp_path / "drop", tmp_path / "wh" / "news.duckdb"
    n_files = copy_seeds(drop, per_category=1)
    overrides = {
        "NEWS_ETL_SCHEDULE": "* * * * *",
        "NEWS_ETL_INPUT": str(drop),
        "NEWS_ETL_WAREHOUSE": str(wh),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",  # active as soon as it is parsed
    }
    with airflow_services(tmp_path, overrides) as af:
        dag = af.client.dag()
        assert dag["is_paused"] is False
        assert dag["timetable_summary"] == "* * * * *"

        def scheduled_successes():
            runs = af.client.runs()
            assert all(r["run_type"] == "scheduled" for r in runs), runs  # nobody triggered anything
            failed = [r for r in runs if r["state"] == "failed"]
            assert not failed, af.run_report(failed[0]["dag_run_id"])
            done = sorted((r for r in runs if r["state"] == "success"), key=lambda r: r["logical_date"])
            return done if len(done) >= 2 else None

        try:
            first, second = wait_for(scheduled_successes, timeout=900, interval=5,
                                     what="two successful scheduled runs")[:2]
        except AssertionError as e:
            raise AssertionError(f"{e}\n{af.diagnostics()}") from e

    # Two consecutive ticks of the every-minute schedule, both created by the scheduler's timetable.
    assert _ts(second["logical_date"]) - _ts(first["logical_date"]) == timedelta(minutes=1)
    for run in (first, second):
        assert run["run_type"] == "scheduled" and run["dag_run_id"].startswith("scheduled__")
        assert run["triggered_by"] == "timetable"
    # The first run loaded the drop folder; the second found nothing new.
    assert warehouse_rows(wh, "SELECT count(*) FROM articles")[0][0] == n_files
    assert warehouse_rows(wh, "SELECT count(*) FROM entity_mentions")[0][0] > 0
    rows = dict((r[0], r[1:]) for r in warehouse_rows(wh, "SELECT run_id, status, n_new, n_unchanged FROM runs"))
    assert rows[first["dag_run_id"]] == ("success", n_files, 0)
    assert rows[second["dag_run_id"]] == ("success", 0, n_files)
