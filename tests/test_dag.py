"""DAG integrity: the DagBag loads with no import errors and the DAG is wired as documented."""

import os
from datetime import timedelta

import pytest


@pytest.fixture(scope="module")
def dag(tmp_path_factory):
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import ROOT

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    return bag.dags["news_etl"]


def test_nightly_schedule(dag):
    assert dag.timetable.expression == "0 2 * * *"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.dagrun_timeout == timedelta(hours=6)  # a hung run must not hold the schedule for good


def test_params_with_defaults(dag):
    params = dag.params.dump()
    assert params == {"input_dir": None, "warehouse": None, "full_refresh": False, "n_topics": None,
                      "nlp_processes": 0}
    for name in params:
        assert dag.params.get_param(name).description


def test_stage_tasks_in_order(dag):
    assert {t.task_id for t in dag.tasks} == {"plan", "shards", "nlp", "canonicalise", "topics", "validate",
                                              "load", "report"}
    order = ["plan", "shards", "nlp", "canonicalise", "topics", "validate", "load", "report"]
    for up, down in zip(order, order[1:]):
        assert up in dag.get_task(down).upstream_task_ids or up == "plan", (up, down)
    assert "plan" in dag.get_task("shards").upstream_task_ids


def test_nlp_is_mapped_and_load_has_one_writer(dag):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert isinstance(dag.get_task("nlp"), MappedOperator)
    load = dag.get_task("load")
    assert load.pool == "duckdb_writer"
    assert [a.name for a in load.outlets] == ["news_etl_warehouse"]
    assert load.retries >= 1
