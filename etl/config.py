"""Where things live: one place that turns Params and environment variables into paths."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("NEWS_ETL_HOME", Path(__file__).resolve().parents[1]))
SQL_DIR = PROJECT_ROOT / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

DEFAULT_INPUT = PROJECT_ROOT / "seeds"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "warehouse" / "news.duckdb"

# Files larger than this are rejected rather than read (a drop folder is not a data lake).
MAX_FILE_BYTES = int(os.environ.get("NEWS_ETL_MAX_FILE_BYTES", 20 * 1024 * 1024))
# Articles per NLP shard (one mapped Airflow task each).
SHARD_SIZE = int(os.environ.get("NEWS_ETL_SHARD_SIZE", 400))
DAG_ID = "news_etl"
# DuckLake snapshots (time travel) kept this many days; older ones expire and their files are deleted.
LAKE_KEEP_DAYS = int(os.environ.get("NEWS_ETL_LAKE_KEEP_DAYS", 14))


class PermanentError(RuntimeError):
    """A failure that retrying cannot fix (bad configuration, a stale plan): fail the task at once."""


class InputFolderMissing(PermanentError, NotADirectoryError):
    pass


class PathNotAllowed(PermanentError, PermissionError):
    pass


def _allowed(path: Path, what: str) -> Path:
    """With NEWS_ETL_ALLOWED_ROOTS set (production), Params may only name paths inside those folders."""
    roots = [Path(r).expanduser().resolve() for r in os.environ.get("NEWS_ETL_ALLOWED_ROOTS", "").split(os.pathsep) if r]
    if roots and not any(path.is_relative_to(r) for r in roots):
        raise PathNotAllowed(f"{what} {path} is outside the allowed folders (NEWS_ETL_ALLOWED_ROOTS)")
    return path


def input_dir(param: str | None = None) -> Path:
    """The drop folder: the DAG Param, else NEWS_ETL_INPUT, else the project's seeds/."""
    return _allowed(Path(param or os.environ.get("NEWS_ETL_INPUT") or DEFAULT_INPUT).expanduser().resolve(),
                    "input folder")


LAKE_PREFIX = "ducklake:"


def is_lake(target: str | Path) -> bool:
    """A DuckLake catalog (e.g. 'ducklake:postgres:dbname=news host=db') rather than a DuckDB file."""
    return str(target).startswith(LAKE_PREFIX)


def warehouse_path(param: str | None = None) -> Path | str:
    """The warehouse: the DAG Param, else NEWS_ETL_WAREHOUSE, else warehouse/news.duckdb.
    A value starting with 'ducklake:' selects the DuckLake backend and is returned as is."""
    value = param or os.environ.get("NEWS_ETL_WAREHOUSE") or str(DEFAULT_WAREHOUSE)
    if is_lake(value):
        return value
    return _allowed(Path(value).expanduser().resolve(), "warehouse")


def work_dir(warehouse: Path | str) -> Path:
    """Local folder for staging and Data Docs: beside the DuckDB file, or NEWS_ETL_WORK_DIR for DuckLake."""
    if is_lake(warehouse):
        return Path(os.environ.get("NEWS_ETL_WORK_DIR") or PROJECT_ROOT / "warehouse").resolve()
    return Path(warehouse).parent


def lake_data_path() -> Path:
    """Where DuckLake writes its Parquet data files."""
    return Path(os.environ.get("NEWS_ETL_DUCKLAKE_DATA") or PROJECT_ROOT / "warehouse" / "lake").resolve()


def safe_name(run_id: str) -> str:
    """A run id as a file name (Airflow's contain ':' and '+')."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)


def staging_dir(warehouse: Path | str, run_id: str) -> Path:
    """Per-run folder for Parquet handed between tasks."""
    return work_dir(warehouse) / "staging" / safe_name(run_id)


def pause_point(name: str) -> None:
    """Fault-injection hook for crash tests: with NEWS_ETL_PAUSE_AT=name the first process to get here
    announces itself by creating the file NEWS_ETL_PAUSE_FLAG and waits here, so a test can `kill -9`
    it mid-stage, or let it go on by creating the file NEWS_ETL_PAUSE_RELEASE (if set). Once the flag
    exists, other processes (parallel NLP shards, the retry of a killed task) do not stop."""
    if os.environ.get("NEWS_ETL_PAUSE_AT") != name:
        return
    import time

    # Written aside and hard-linked into place: the flag appears with its pid in it, never empty
    # (a test that saw a half-written flag read '' as the pid).
    flag = Path(os.environ["NEWS_ETL_PAUSE_FLAG"])
    tmp = flag.with_name(f"{flag.name}.{os.getpid()}.tmp")
    tmp.write_text(str(os.getpid()))
    try:
        os.link(tmp, flag)
    except FileExistsError:
        return
    finally:
        tmp.unlink()
    release = os.environ.get("NEWS_ETL_PAUSE_RELEASE")
    deadline = time.monotonic() + float(os.environ.get("NEWS_ETL_PAUSE_SECONDS", "3600"))
    while time.monotonic() < deadline and not (release and Path(release).exists()):
        time.sleep(0.2)
