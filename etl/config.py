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


def warehouse_path(param: str | None = None) -> Path:
    """The DuckDB file: the DAG Param, else NEWS_ETL_WAREHOUSE, else warehouse/news.duckdb."""
    return _allowed(Path(param or os.environ.get("NEWS_ETL_WAREHOUSE") or DEFAULT_WAREHOUSE).expanduser().resolve(),
                    "warehouse")


def staging_dir(warehouse: Path, run_id: str) -> Path:
    """Per-run folder for Parquet handed between tasks, beside the warehouse file."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
    return warehouse.parent / "staging" / safe


def pause_point(name: str) -> None:
    """Fault-injection hook for crash tests: with NEWS_ETL_PAUSE_AT=name the process announces itself
    by creating the file NEWS_ETL_PAUSE_FLAG and waits here, so a test can `kill -9` it mid-stage."""
    if os.environ.get("NEWS_ETL_PAUSE_AT") != name:
        return
    import time

    Path(os.environ["NEWS_ETL_PAUSE_FLAG"]).write_text(str(os.getpid()))
    time.sleep(float(os.environ.get("NEWS_ETL_PAUSE_SECONDS", "3600")))
