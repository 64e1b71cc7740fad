"""A killed `news-etl run` must not block the schedule (etl.orphans), against real Airflow: a run
SIGKILLed mid-NLP is marked failed, with the reason, by the scheduler set-up that starts next, whose
own triggered run then succeeds; and concurrent `news-etl run`s on one AIRFLOW_HOME leave each
other's live runs alone, even while one of them is cleaning up after a killed run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from etl import orphans
from tests.airflow_support import airflow_services, copy_seeds, wait_for, warehouse_rows

NEWS_ETL = str(Path(sys.executable).parent / "news-etl")


# --------------------------------------------------------------------------------------------
# owners (no Airflow)
# --------------------------------------------------------------------------------------------

def test_owner_liveness_guards_against_pid_reuse_and_other_hosts():
    me = orphans.current_owner()
    assert not orphans.is_dead(me)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stat = orphans._proc_stat(child.pid)
        owner = {**me, "pid": child.pid, "start_ticks": stat[1]}
        assert not orphans.is_dead(owner)
        assert orphans.is_dead({**owner, "start_ticks": stat[1] - 1})  # same pid, another process
        assert not orphans.is_dead({**owner, "host": "elsewhere", "start_ticks": 0})  # cannot tell: alive
        child.kill()
        wait_for(lambda: orphans._proc_stat(child.pid)[0] == "Z", 10, 0.1, "the child to exit")
        assert orphans.is_dead(owner)  # a zombie is dead
        child.wait()
        assert orphans.is_dead(owner)  # gone
    finally:
        child.kill()
        child.wait()
    assert orphans.is_dead({**me, "boot_id": "an earlier boot"})


def test_markers_of_dead_owners_are_found_and_a_live_ones_kept(tmp_path):
    with orphans.marker(tmp_path) as owner:
        (mine,) = orphans.marker_dir(tmp_path).iterdir()
        assert json.loads(mine.read_text()) == owner
        gone = subprocess.run([sys.executable, "-c", "from etl import orphans; import json; "
                               "print(json.dumps(orphans.current_owner()))"], capture_output=True, text=True)
        dead = orphans.marker_dir(tmp_path) / f"{orphans.token(json.loads(gone.stdout))}.json"
        dead.write_text(gone.stdout)
        assert orphans.dead_markers(tmp_path) == [dead]
    assert not mine.exists()  # the block ended normally: the run is over
    with pytest.raises(KeyboardInterrupt), orphans.marker(tmp_path):
        raise KeyboardInterrupt  # interrupted: the marker stays for the next start to check
    assert len(list(orphans.marker_dir(tmp_path).iterdir())) == 2


# --------------------------------------------------------------------------------------------
# real runs
# --------------------------------------------------------------------------------------------

def _start(drop: Path, wh: Path, home: Path, log: Path, **env: str) -> subprocess.Popen:
    """`news-etl run` in the background; output to `log` (a pipe could fill up and stall it)."""
    with open(log, "w") as out:
        return subprocess.Popen([NEWS_ETL, "run", "--input", str(drop), "--warehouse", str(wh)],
                                env={**os.environ, "AIRFLOW_HOME": str(home), **env}, stdout=out,
                                stderr=subprocess.STDOUT)


def _paused_at_nlp(tmp_path: Path, name: str, release: Path | None = None) -> dict[str, str]:
    env = {"NEWS_ETL_PAUSE_AT": "nlp", "NEWS_ETL_PAUSE_FLAG": str(tmp_path / f"{name}.nlp")}
    return {**env, "NEWS_ETL_PAUSE_RELEASE": str(release)} if release else env


def _wait_paused(proc: subprocess.Popen, flag: Path, log: Path) -> int:
    """Wait until the run's NLP task is running (it announces itself at the pause point); its pid."""
    wait_for(lambda: flag.exists() or proc.poll() is not None, 300, 0.2, "the NLP task")
    assert proc.poll() is None, log.read_text()[-3000:]
    return int(flag.read_text())


def _dag_runs(home: Path) -> dict[str, str]:
    """run_id -> state, read straight from the metadata DB (no API server needed)."""
    with sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True, timeout=30) as con:
        return dict(con.execute("SELECT run_id, state FROM dag_run WHERE dag_id = 'news_etl'").fetchall())


def _gone(pid: int) -> bool:
    stat = orphans._proc_stat(pid)
    return stat is None or stat[0] == "Z"


@pytest.mark.slow
def test_killed_run_is_failed_and_the_scheduler_runs_the_next(tmp_path):
    drop, wh, home = tmp_path / "drop", tmp_path / "wh" / "news.duckdb", tmp_path / "airflow_home"
    n_files = copy_seeds(drop, per_category=1)
    log = tmp_path / "killed.log"
    proc = _start(drop, wh, home, log, **_paused_at_nlp(tmp_path, "killed"))
    airflow_pid = _wait_paused(proc, tmp_path / "killed.nlp", log)
    assert airflow_pid != proc.pid  # the task runs in `airflow dags test`, a child of news-etl run
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(30) == -signal.SIGKILL
    # Its Airflow process dies with it, and the run it created is left `running` for good.
    wait_for(lambda: _gone(airflow_pid), 30, 0.2, "the Airflow process to die with news-etl run")
    (orphan,) = _dag_runs(home)
    assert _dag_runs(home) == {orphan: "running"}

    overrides = {"NEWS_ETL_INPUT": str(drop), "NEWS_ETL_WAREHOUSE": str(wh),
                 "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False"}  # only the run triggered below
    with airflow_services(tmp_path, overrides) as af:
        af.client.set_paused(False)
        run_id = af.client.trigger({"input_dir": str(drop), "warehouse": str(wh)})["dag_run_id"]
        run = af.wait_run(run_id, timeout=600)  # queued for ever behind the orphan without the fix
        assert run["state"] == "success", af.run_report(run_id)
        dead = af.client.run(orphan)
        tis = {ti["task_id"]: ti["state"] for ti in af.client.task_instances(orphan)}

    assert dead["state"] == "failed"
    assert dead["note"].startswith(f"Orphaned: the `news-etl run` that ran this run (pid {proc.pid} ")
    assert "no longer exists (killed or crashed)" in dead["note"]
    assert tis["plan"] == "success" and tis["nlp"] == "failed" and tis["load"] == "skipped"
    rows = dict(warehouse_rows(wh, "SELECT run_id, status || ': ' || coalesce(message, '') FROM runs"))
    assert rows[orphan] == f"failed: {dead['note']}"
    assert rows[run_id].startswith("success")
    assert warehouse_rows(wh, "SELECT n_new FROM runs WHERE run_id = ?", [run_id]) == [(n_files,)]
    assert list(orphans.marker_dir(home).iterdir()) == []


@pytest.mark.slow
def test_concurrent_runs_leave_each_others_live_runs_alone(tmp_path):
    """Two `make run`s of one clone (one AIRFLOW_HOME) on two warehouses, A and B, both succeed. A
    third, K, has its Airflow process killed (as the OOM killer would) mid-NLP while A is live: K
    marks its own run failed and leaves A's alone."""
    drop, home = tmp_path / "drop", tmp_path / "airflow_home"
    copy_seeds(drop, per_category=1)
    release = tmp_path / "release-a"
    logs = {n: tmp_path / f"{n}.log" for n in "abk"}
    a = _start(drop, tmp_path / "a" / "news.duckdb", home, logs["a"], **_paused_at_nlp(tmp_path, "a", release))
    _wait_paused(a, tmp_path / "a.nlp", logs["a"])
    (run_a,) = _dag_runs(home)

    k = _start(drop, tmp_path / "k" / "news.duckdb", home, logs["k"], **_paused_at_nlp(tmp_path, "k"))
    b = _start(drop, tmp_path / "b" / "news.duckdb", home, logs["b"])
    os.kill(_wait_paused(k, tmp_path / "k.nlp", logs["k"]), signal.SIGKILL)
    assert k.wait(300) == 1
    assert a.poll() is None and _dag_runs(home)[run_a] == "running"  # K looked at A's run and left it
    assert b.wait(300) == 0, logs["b"].read_text()[-3000:]
    release.touch()
    assert a.wait(300) == 0, logs["a"].read_text()[-3000:]

    states = _dag_runs(home)
    assert sorted(states.values()) == ["failed", "success", "success"], states
    (run_k,) = (r for r, state in states.items() if state == "failed")
    assert f"marked orphaned run {run_k} failed" in logs["k"].read_text()
    message = warehouse_rows(tmp_path / "k" / "news.duckdb", "SELECT message FROM runs WHERE status = 'failed'")
    assert message[0][0].startswith("Orphaned: the Airflow process of the `news-etl run` that ran this run")
    assert "exited with code -9" in message[0][0]
    for name in "ab":
        assert warehouse_rows(tmp_path / name / "news.duckdb", "SELECT status FROM runs") == [("success",)]
        assert "marked orphaned run" not in logs[name].read_text()
    assert list(orphans.marker_dir(home).iterdir()) == []
