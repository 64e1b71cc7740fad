"""DAG runs orphaned by a killed `news-etl run`: who owns a run, whether the owner still lives, and
marking the orphans failed so they stop blocking the schedule.

`news-etl run` executes its DAG run inside its own process (`airflow dags test`, which dies with
it), so nothing else will ever finish that run: if the process is killed (SIGKILL, the OOM killer,
a closed terminal) the run stays `running` in the metadata DB for good and, with
max_active_runs=1, the scheduler never starts another. So every `news-etl run` records its owner
(host, boot, pid and the process's start time, which tells a reused pid apart) in its run's conf,
and in a marker file under AIRFLOW_HOME that it removes when it ends. Whoever starts next
(`news-etl run`, `news-etl airflow`, which also checks every 30 s while it runs, and the tests'
scheduler set-up, which calls the same preparation) marks the runs of dead owners failed, in
Airflow and in the warehouse's `runs` table. An owner that is alive, or that cannot be checked
(another host, no /proc), is never touched; runs nobody owns (scheduled, triggered from the UI or
the REST API) are left to Airflow and the DAG's dagrun_timeout.

The checks read /proc only; Airflow is imported only to mark runs, in `reap`.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from etl import config

log = logging.getLogger(__name__)

DAG_ID = config.DAG_ID
OWNER_KEY = "news_etl_owner"  # in the conf of every run `news-etl run` creates
MARKER_DIR = "news_etl_runs"  # under AIRFLOW_HOME: one <token>.json per live `news-etl run`
PR_SET_PDEATHSIG = 1
CHECK_EVERY_S = 30.0  # how often `news-etl airflow` looks for dead owners while it runs


# --------------------------------------------------------------------------------------------
# who owns a run, and is it alive (no Airflow import)
# --------------------------------------------------------------------------------------------

def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks since boot) of a process, None if there is no such process.
    Raises PermissionError where /proc hides other users' processes."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2:].split()  # the command name may contain spaces and parentheses
    return fields[0], int(fields[19])  # fields 3 (state) and 22 (starttime) of proc(5)


def current_owner() -> dict:
    """This process as a run owner."""
    stat = _proc_stat(os.getpid())
    return {"host": socket.gethostname(), "boot_id": _boot_id(), "pid": os.getpid(),
            "start_ticks": stat[1] if stat else None,
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def token(owner: dict) -> str:
    """A file-name-safe id of an owner; the pid and start time make it unique on its host."""
    raw = f"{owner.get('host')}-{owner.get('pid')}-{owner.get('start_ticks')}"
    return config.safe_name(raw)


def is_dead(owner: dict) -> bool:
    """True only when certain: same host, and the machine rebooted since, or the pid is gone, a
    zombie, or now a different process (another start time: the pid was reused). An owner on
    another host, or one this machine cannot check (no /proc, hidden pids), counts as alive."""
    boot = _boot_id()
    if owner.get("host") != socket.gethostname() or boot is None or owner.get("start_ticks") is None:
        return False
    if owner.get("boot_id") != boot:
        return True
    try:
        stat = _proc_stat(int(owner["pid"]))
    except (PermissionError, KeyError, ValueError):
        return False
    return stat is None or stat[0] in ("Z", "X") or stat[1] != owner["start_ticks"]


def marker_dir(home: Path | str) -> Path:
    return Path(home) / MARKER_DIR


@contextmanager
def marker(home: Path | str) -> Iterator[dict]:
    """Announce this process as the owner of a run about to start; yields the owner for the run's
    conf. The marker is removed only when the block ends normally (the run is over): after a kill or
    an interruption it stays, and once this process is gone the checks find it."""
    owner = current_owner()
    folder = marker_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{token(owner)}.json"
    path.write_text(json.dumps(owner) + "\n")
    yield owner
    path.unlink(missing_ok=True)


def dead_markers(home: Path | str) -> list[Path]:
    """Markers of `news-etl run` processes that are gone without cleaning up (a cheap check: /proc only)."""
    out = []
    for path in sorted(marker_dir(home).glob("*.json")):
        try:
            owner = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue  # being written, or just removed
        if isinstance(owner, dict) and is_dead(owner):
            out.append(path)
    return out


def die_with_parent() -> Callable[[], None]:
    """A subprocess preexec_fn (Linux): the child is SIGKILLed when the process that starts it dies,
    so the Airflow process of a `news-etl run` never outlives it and 'owner gone' means 'run dead'."""
    parent = os.getpid()
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork
    except (OSError, AttributeError):
        prctl = None

    def _preexec() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return _preexec


# --------------------------------------------------------------------------------------------
# marking orphans failed (imports Airflow)
# --------------------------------------------------------------------------------------------

def reason(owner: dict, by: str, owner_alive: bool = False) -> str:
    who = (f"`news-etl run` that ran this run (pid {owner.get('pid')} on {owner.get('host')}, started "
           f"{owner.get('started_at')})")
    what = (f"the Airflow process of the {who} exited without finishing it" if owner_alive else
            f"the {who} no longer exists (killed or crashed), so nothing would ever finish it")
    return (f"Orphaned: {what}. Marked failed by {by} at "
            f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}. Nothing was loaded unless its "
            "load task had succeeded; run it again.")


def reap(by: str, dead: tuple[str, ...] = ()) -> list[str]:
    """Mark failed every running or queued news_etl run created by a `news-etl run` whose process is
    gone (or whose owner token is in `dead`: an owner that knows its Airflow process has exited),
    like the UI's "mark as failed" (running tasks failed, the rest skipped) with a note saying why;
    record it in the run's warehouse; remove dead owners' markers. Returns one line per run."""
    from sqlalchemy import select

    from airflow.api.common.mark_tasks import set_dag_run_state_to_failed
    from airflow.configuration import AIRFLOW_HOME
    from airflow.models.dagbag import DBDagBag
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType

    reaped: list[tuple[str, dict, str, datetime | None, str]] = []
    with create_session() as session:
        runs = session.scalars(select(DagRun).where(DagRun.dag_id == DAG_ID,
                                                    DagRun.state.in_((DagRunState.RUNNING, DagRunState.QUEUED))))
        for dr in list(runs):
            owner = (dr.conf or {}).get(OWNER_KEY)
            # Only runs `airflow dags test` created for a `news-etl run`, and never after a clear
            # from the UI (the scheduler runs those).
            if not isinstance(owner, dict) or dr.triggered_by != DagRunTriggeredByType.TEST or dr.clear_number:
                continue
            owner_alive = not is_dead(owner)
            if owner_alive and token(owner) not in dead:
                continue
            why = reason(owner, by, owner_alive)
            dag = DBDagBag().get_dag_for_run(dag_run=dr, session=session)
            killed = []
            if dag is not None:
                _, killed = set_dag_run_state_to_failed(dag=dag, run_id=dr.run_id, commit=True, session=session)
            if dr.state != DagRunState.FAILED:  # no serialized DAG to go by: the run at least
                dr.set_state(DagRunState.FAILED)
            dr.note = why
            for ti in killed:
                ti.note = why
            session.commit()
            reaped.append((dr.run_id, owner, dr.conf.get("warehouse"), dr.start_date, why))
    lines = []
    for run_id, owner, warehouse, started, why in reaped:
        lines.append(f"marked orphaned run {run_id} failed (its news-etl run was pid {owner.get('pid')} on "
                     f"{owner.get('host')}); see the run's note")
        if warehouse and _reachable(warehouse):
            _record(warehouse, run_id, started, why)
    for path in dead_markers(AIRFLOW_HOME):
        path.unlink(missing_ok=True)
    return lines


def _reachable(warehouse: str) -> bool:
    """A DuckLake catalog, or a DuckDB file whose folder still exists: a cleanup never creates folders."""
    return config.is_lake(warehouse) or Path(warehouse).parent.is_dir()


def _record(warehouse: str, run_id: str, started: datetime | None, why: str) -> None:
    from etl.load import record_failure

    try:
        record_failure(warehouse, run_id, started.replace(tzinfo=None).isoformat() if started else None, why)
    except Exception:  # noqa: BLE001 - a busy or broken warehouse must not stop the cleanup in Airflow
        log.exception("could not record orphaned run %s in %s", run_id, warehouse)


def reap_in_subprocess(env: dict[str, str], by: str, dead: tuple[str, ...] = ()) -> list[str]:
    """`reap` in a child process, for callers that do not import Airflow (the CLI)."""
    args = [sys.executable, "-m", "etl.orphans", "--by", by, *(f"--dead={t}" for t in dead)]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, check=False)
    lines = report_lines(proc.stdout)
    if proc.returncode != 0 or lines is None:
        return [f"could not check for orphaned runs (exit code {proc.returncode}): {proc.stderr.strip()[-2000:]}"]
    return lines


REPORT_PREFIX = "news-etl orphans: "


def announce(lines: list[str]) -> None:
    for line in lines:
        print(f"news-etl: {line}", file=sys.stderr, flush=True)


def report_lines(stdout: str) -> list[str] | None:
    """The lines a `reap` child printed (after REPORT_PREFIX, JSON), None if it printed none."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(REPORT_PREFIX):
            return json.loads(line[len(REPORT_PREFIX):])
    return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m etl.orphans", description=__doc__.splitlines()[0])
    p.add_argument("--by", default="python -m etl.orphans", help="who marks the runs (goes into the note)")
    p.add_argument("--dead", action="append", default=[], help="an owner token to treat as dead")
    ns = p.parse_args(argv)
    print(REPORT_PREFIX + json.dumps(reap(ns.by, tuple(ns.dead))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
