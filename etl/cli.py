"""`news-etl` command line: run the DAG through Airflow, summarise, query, evaluate.

`news-etl run` is what `make run` calls: it prepares a project-local Airflow (SQLite metadata
under airflow_home/), runs the `news_etl` DAG once with `airflow dags test` (real task
execution, one process), then prints the run's summary and exits non-zero if it failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from etl import config

DAG_ID = config.DAG_ID


def airflow_env() -> dict[str, str]:
    """Environment for Airflow commands: everything under the project, nothing in the user's home."""
    env = dict(os.environ)
    env.setdefault("AIRFLOW_HOME", str(config.PROJECT_ROOT / "airflow_home"))
    env.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(config.PROJECT_ROOT / "dags"))
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    env.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
    env.setdefault("GX_ANALYTICS_ENABLED", "false")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _airflow(*args: str, env: dict[str, str], quiet: bool = False) -> subprocess.CompletedProcess:
    """Run the Airflow CLI; it is killed if this process dies (see etl.orphans)."""
    from etl.orphans import die_with_parent

    out = subprocess.DEVNULL if quiet else None
    return subprocess.run([str(Path(sys.executable).parent / "airflow"), *args], env=env, stdout=out,
                          stderr=subprocess.STDOUT if quiet else None, check=False, preexec_fn=die_with_parent())


def prepare_airflow(env: dict[str, str]) -> None:
    """Create/upgrade the metadata DB and the one-writer pool once (the same preparation `make airflow` uses)."""
    from etl.airflow_local import prepare
    from etl.orphans import announce

    marker = Path(env["AIRFLOW_HOME"]) / ".news_etl_ready"
    if marker.exists():
        return
    try:
        announce(prepare(env, by="news-etl run"))
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from exc
    marker.write_text(datetime.now(timezone.utc).isoformat())


def cmd_run(ns: argparse.Namespace) -> int:
    from etl import orphans  # not stages yet: its imports start threads, and the Airflow child is forked

    env = airflow_env()
    prepare_airflow(env)
    home = Path(env["AIRFLOW_HOME"])
    if orphans.dead_markers(home):  # a killed `news-etl run` left its run `running`: fail it first
        orphans.announce(orphans.reap_in_subprocess(env, "news-etl run"))
    conf = {"input_dir": str(config.input_dir(ns.input)), "warehouse": str(config.warehouse_path(ns.warehouse)),
            "full_refresh": ns.full_refresh}
    if ns.n_topics:
        conf["n_topics"] = ns.n_topics
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    with orphans.marker(home) as owner:
        conf[orphans.OWNER_KEY] = owner
        proc = _airflow("dags", "test", DAG_ID, "--conf", json.dumps(conf), env=env, quiet=not ns.verbose)
        if proc.returncode != 0:  # the Airflow process is gone: if it left its run unfinished, fail it now
            by = f"news-etl run (its Airflow process exited with code {proc.returncode})"
            orphans.announce(orphans.reap_in_subprocess(env, by, (orphans.token(owner),)))
    run = _latest_run(conf["warehouse"], started)
    if proc.returncode != 0 or run is None or run["status"] != "success":
        print(f"news_etl run FAILED (airflow exit code {proc.returncode}); rerun with --verbose or see "
              f"{env['AIRFLOW_HOME']}/logs", file=sys.stderr)
        return 1
    from etl import stages

    print(stages.summary(conf["warehouse"], run["run_id"]))
    return 0


def _latest_run(warehouse: Path | str, since: datetime) -> dict | None:
    from etl.load import query

    try:
        df = query(warehouse, "SELECT run_id, status FROM runs WHERE started_at >= ? ORDER BY started_at DESC LIMIT 1",
                   [since])
    except Exception:  # noqa: BLE001 - no warehouse or no runs table means no run
        return None
    return None if df.is_empty() else df.row(0, named=True)


def cmd_summary(ns: argparse.Namespace) -> int:
    from etl import stages

    print(stages.summary(ns.warehouse, ns.run_id))
    return 0


def cmd_sql(ns: argparse.Namespace) -> int:
    """Read-only DuckDB shell (interactive), or one query printed as a table."""
    from etl.load import lake_attach_sql

    wh = config.warehouse_path(ns.warehouse)
    cli = Path(sys.executable).parent / "duckdb"
    if config.is_lake(wh):
        args = [str(cli), "-cmd", lake_attach_sql(str(wh))]
    elif not Path(wh).exists():
        print(f"no warehouse at {wh}; run `make run` first", file=sys.stderr)
        return 1
    else:
        args = [str(cli), "-readonly", str(wh)]
    if ns.query:
        args += ["-c", ns.query]
    return subprocess.run(args, check=False).returncode


def cmd_eval(ns: argparse.Namespace, rest: list[str]) -> int:
    from etl import eval as evaluation

    return evaluation.main(rest)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(prog="news-etl", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run the news_etl DAG once through Airflow")
    r.add_argument("--input", help="drop folder (default: NEWS_ETL_INPUT or seeds/)")
    r.add_argument("--warehouse", help="DuckDB file (default: NEWS_ETL_WAREHOUSE or warehouse/news.duckdb)")
    r.add_argument("--full-refresh", action="store_true", help="reprocess every article")
    r.add_argument("--n-topics", type=int, help="override the number of topics")
    r.add_argument("-v", "--verbose", action="store_true", help="show Airflow's task logs")
    s = sub.add_parser("summary", help="summarise the latest (or a given) run")
    s.add_argument("--warehouse")
    s.add_argument("--run-id")
    q = sub.add_parser("sql", help="read-only SQL shell on the warehouse")
    q.add_argument("query", nargs="?")
    q.add_argument("--warehouse")
    sub.add_parser("eval", help="score the NLP stage against a gold JSONL file", add_help=False)
    sub.add_parser("airflow", help="start a local Airflow (UI, scheduler, DAG processor)", add_help=False)
    if argv and argv[0] == "eval":
        return cmd_eval(argparse.Namespace(), argv[1:])
    if argv and argv[0] == "airflow":
        from etl import airflow_local

        return airflow_local.main(argv[1:])
    ns = p.parse_args(argv)
    return {"run": cmd_run, "summary": cmd_summary, "sql": cmd_sql}[ns.cmd](ns)


if __name__ == "__main__":
    raise SystemExit(main())
