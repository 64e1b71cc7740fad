"""The schedule really fires: the real scheduler + DAG processor (+ API server, which tasks report
to) run the project's news_etl DAG with its schedule shortened to every minute through
NEWS_ETL_SCHEDULE, and nobody triggers anything. The scheduler creates a run of type "scheduled"
that succeeds and loads the warehouse (defaults from NEWS_ETL_INPUT / NEWS_ETL_WAREHOUSE, as for
a nightly run), then creates the next minute's run by itself."""

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

        def scheduled_runs():
            runs = sorted(af.client.runs(), key=lambda r: r["logical_date"])
            assert all(r["run_type"] == "scheduled" for r in runs), runs  # nobody triggered anything
            failed = [r for r in runs if r["state"] == "failed"]
            assert not failed, af.run_report(failed[0]["dag_run_id"])
            return runs

        try:
            # The first tick: the scheduler creates the run, the executor runs it to success.
            first = wait_for(lambda: next((r for r in scheduled_runs() if r["state"] == "success"), None),
                             timeout=900, interval=5, what="a successful scheduled run")
            # It loaded the drop folder named by NEWS_ETL_INPUT into the NEWS_ETL_WAREHOUSE file
            # (checked now: stopping Airflow may interrupt the next run).
            assert warehouse_rows(wh, "SELECT count(*) FROM articles")[0][0] == n_files
            assert warehouse_rows(wh, "SELECT count(*) FROM entity_mentions")[0][0] > 0
            assert warehouse_rows(wh, "SELECT status, n_new FROM runs WHERE run_id = ?",
                                  [first["dag_run_id"]]) == [("success", n_files)]
            # The schedule keeps firing: the scheduler creates the run of a later minute by itself
            # (with catchup off and a run longer than a minute, it skips to the latest tick).
            second = wait_for(lambda: next((r for r in scheduled_runs()
                                            if _ts(r["logical_date"]) > _ts(first["logical_date"])), None),
                              timeout=180, interval=3, what="the next scheduled run")
        except AssertionError as e:
            raise AssertionError(f"{e}\n{af.diagnostics()}") from e

    for run in (first, second):
        assert run["run_type"] == "scheduled" and run["dag_run_id"].startswith("scheduled__")
        assert run["triggered_by"] == "timetable"
    step = _ts(second["logical_date"]) - _ts(first["logical_date"])
    assert step >= timedelta(minutes=1) and step.total_seconds() % 60 == 0, step
    assert not first["conf"]  # a scheduled run: every Param at its default
