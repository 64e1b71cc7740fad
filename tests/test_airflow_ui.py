"""The Airflow UI in a real browser: log in, trigger news_etl from the trigger form with parameters,
wait for success, check the warehouse; and a missing input folder fails at once with a clear message.

Services start like `news-etl airflow` (api-server + scheduler + dag-processor, LocalExecutor,
SQLite) in a temp AIRFLOW_HOME on a free port. The browser is conftest's headless Debian Chromium.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.airflow_support import airflow_services, copy_seeds, login, save_artifact, wait_for, warehouse_rows

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def airflow(browser, tmp_path_factory):
    """Airflow with the project's DAG. Scheduled runs (unpausing creates the latest nightly one) read
    an empty folder into their own warehouse, so only the UI-triggered run touches the one we check."""
    base = tmp_path_factory.mktemp("ui")
    (base / "empty").mkdir()
    with airflow_services(base, {"NEWS_ETL_INPUT": str(base / "empty"),
                                 "NEWS_ETL_WAREHOUSE": str(base / "scheduled" / "news.duckdb")}) as af:
        af.extra["base"] = base
        yield af


@pytest.fixture
def page(browser, airflow):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def test_trigger_from_the_ui_with_parameters_loads_the_warehouse(airflow, page, tmp_path):
    drop = airflow.extra["base"] / "drop"
    n_files = copy_seeds(drop, per_category=2)
    wh = airflow.extra["base"] / "ui" / "news.duckdb"
    params = airflow.client.call("GET", "/api/v2/dags/news_etl/details")["params"]

    login(page, airflow)
    page.get_by_role("button", name="Trigger Dag").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("#element_input_dir").wait_for()
    # Every Param is in the form, with its title and description.
    text = dialog.inner_text()
    for name in ("input_dir", "warehouse", "full_refresh", "n_topics", "nlp_processes"):
        assert dialog.locator(f"[name=element_{name}], #element_{name}, [id$='element_{name}:inc']").count(), name
        assert params[name]["description"] in text, name
        assert params[name]["schema"]["title"] in text, name
    dialog.locator("#element_input_dir").fill(str(drop))
    dialog.locator("#element_warehouse").fill(str(wh))
    # "Unpause news_etl on trigger" is left ticked, as a user would: the DAG starts paused.
    assert dialog.get_by_role("checkbox", name="Unpause news_etl on trigger").is_checked()
    page.screenshot(path=str(tmp_path / "trigger_form.png"))
    save_artifact(tmp_path / "trigger_form.png", "airflow_ui_trigger_form.png")
    dialog.get_by_test_id("trigger-dag-submit").click()

    # The UI created a manual run with our parameters. Unpausing also lets the scheduler create the
    # latest nightly run; with max_active_runs=1 one of the two waits for the other.
    run = wait_for(lambda: next((r for r in airflow.client.runs() if r["run_type"] == "manual"
                                 and (r.get("conf") or {}).get("input_dir") == str(drop)), None),
                   timeout=60, what="the manual run created by the trigger form")
    assert run["conf"]["warehouse"] == str(wh)
    assert run["triggering_user_name"] == airflow.user
    assert airflow.client.dag()["is_paused"] is False
    finished = airflow.wait_run(run["dag_run_id"], timeout=900)
    assert finished["state"] == "success", airflow.run_report(run["dag_run_id"])

    # The run page shows the run as successful; keep a screenshot.
    page.goto(f"{airflow.url}/dags/news_etl/runs/{run['dag_run_id']}")
    page.get_by_text("Success").first.wait_for()
    page.wait_for_load_state("networkidle")
    time.sleep(1)
    page.screenshot(path=str(tmp_path / "run.png"), full_page=True)
    save_artifact(tmp_path / "run.png", "airflow_ui_run.png")

    # The warehouse named in the form has the new rows, recorded under this run.
    assert warehouse_rows(wh, "SELECT count(*) FROM articles")[0][0] == n_files
    assert warehouse_rows(wh, "SELECT count(*) FROM entities")[0][0] > 0
    assert warehouse_rows(wh, "SELECT count(*) FROM quotes")[0][0] > 0
    assert warehouse_rows(wh, "SELECT run_id, status, n_new FROM runs") == \
        [(run["dag_run_id"], "success", n_files)]
    # The task logs show progress (articles and words/s per NLP shard).
    log = airflow.client.task_log(run["dag_run_id"], "nlp", 1, 0)
    assert re.search(r"\d+ articles, \d+ words in [\d.]+ s \(\d+ words/s", log), log[-2000:]
    # The report task's log names the run's self-contained HTML report, which exists.
    log = airflow.client.task_log(run["dag_run_id"], "report", 1)
    named = re.search(r"^report: (\S+\.html)$", log, re.M)
    assert named and Path(named.group(1)).is_file(), log[-2000:]


def test_missing_input_folder_fails_at_once_with_a_clear_message(airflow, page, tmp_path):
    missing = airflow.extra["base"] / "no_such_folder"
    airflow.client.set_paused(False)  # runs of a paused DAG never start (the first test unpaused it)
    run = airflow.client.trigger({"input_dir": str(missing), "warehouse": str(airflow.extra["base"] / "bad.duckdb")})
    finished = airflow.wait_run(run["dag_run_id"], timeout=900)
    assert finished["state"] == "failed"
    tis = {t["task_id"]: t for t in airflow.client.task_instances(run["dag_run_id"])}
    assert tis["plan"]["state"] == "failed"
    assert tis["plan"]["try_number"] == 1, "a missing folder must not be retried"
    log = airflow.client.task_log(run["dag_run_id"], "plan", 1)
    assert f"input folder {missing} does not exist or is not a folder" in log, log[-2000:]

    # The same message is what a user sees in the UI's task log.
    login(page, airflow, f"/dags/news_etl/runs/{run['dag_run_id']}/tasks/plan")
    page.get_by_text("does not exist or is not a folder").first.wait_for()
    page.screenshot(path=str(tmp_path / "missing_folder.png"), full_page=True)
    save_artifact(tmp_path / "missing_folder.png", "airflow_ui_missing_folder.png")
