"""DuckDB warehouse: schema, reads the pipeline needs, and the one-transaction load.

Everything a run changes is written in a single transaction: a crash at any point leaves the
warehouse exactly as it was, and the `runs` row is committed with the data, so a retried load of
the same run is a no-op. Staged Parquet goes into DuckDB through `read_parquet`, never row by row.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from etl.config import SQL_DIR, PermanentError, pause_point

BUSY_MARKERS = ("Could not set lock", "Conflicting lock", "database is locked")


class WarehouseBusy(RuntimeError):
    """Another process holds the DuckDB file's write lock."""


class ConcurrentRunError(PermanentError):
    """Another run loaded the warehouse after this run planned: its diff is stale."""


def _sql_files(folder: str) -> list[Path]:
    return sorted((SQL_DIR / folder).glob("*.sql"))


@contextmanager
def connect(path: Path, *, read_only: bool = False, wait_s: float = 60.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, waiting for another process's lock up to wait_s, then fail clearly."""
    deadline = time.monotonic() + wait_s
    delay = 0.2
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not any(m in str(exc) for m in BUSY_MARKERS):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"warehouse {path} is busy: another process holds its lock (waited {wait_s:.0f} s)"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    try:
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for f in _sql_files("tables"):
        con.execute(f.read_text())


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    for f in _sql_files("views"):
        con.execute(f.read_text())


def query(path: Path, sql: str, params: list | None = None, wait_s: float = 60.0) -> pl.DataFrame:
    """Read-only query; an absent warehouse reads as empty (first run)."""
    if not path.exists():
        return pl.DataFrame()
    with connect(path, read_only=True, wait_s=wait_s) as con:
        return con.execute(sql, params or []).pl()


def _table_exists(path: Path, table: str) -> bool:
    if not path.exists():
        return False
    return not query(path, "SELECT 1 FROM information_schema.tables WHERE table_name = ?", [table]).is_empty()


def article_state(path: Path) -> pl.DataFrame:
    """article_id -> content_sha256 of what is loaded: the baseline for incremental runs."""
    empty = pl.DataFrame(schema={"article_id": pl.String, "content_sha256": pl.String})
    if not _table_exists(path, "articles"):
        return empty
    return query(path, "SELECT article_id, content_sha256 FROM articles")


def known_aliases(path: Path) -> pl.DataFrame:
    """The alias table the canonicaliser reuses so entity ids stay stable."""
    empty = pl.DataFrame(schema={"alias": pl.String, "label": pl.String, "entity_id": pl.String, "name": pl.String})
    if not _table_exists(path, "entity_aliases"):
        return empty
    return query(path, """SELECT a.alias, a.label, a.entity_id, e.name
                          FROM entity_aliases a JOIN entities e USING (entity_id)""")


def latest_success(con_or_path: duckdb.DuckDBPyConnection | Path) -> str | None:
    """run_id of the last successful load: the baseline a plan was computed against."""
    sql = "SELECT run_id FROM runs WHERE status = 'success' ORDER BY finished_at DESC, run_id DESC LIMIT 1"
    if isinstance(con_or_path, Path):
        if not _table_exists(con_or_path, "runs"):
            return None
        df = query(con_or_path, sql)
        return None if df.is_empty() else df.item(0, 0)
    row = con_or_path.execute(sql).fetchone()
    return row[0] if row else None


def run_loaded(path: Path, run_id: str) -> bool:
    if not _table_exists(path, "runs"):
        return False
    return not query(path, "SELECT 1 FROM runs WHERE run_id = ? AND status = 'success'", [run_id]).is_empty()


def _staged(run_dir: Path, name: str) -> Path | None:
    p = run_dir / f"{name}.parquet"
    return p if p.exists() else None


def load_run(warehouse: Path, run_dir: Path, run_id: str, plan: dict, n_quarantined: int) -> dict:
    """Apply a run's validated, staged tables to the warehouse in one transaction; idempotent per run_id."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    v = run_dir / "validated"
    with connect(warehouse) as con:
        ensure_schema(con)
        if con.execute("SELECT 1 FROM runs WHERE run_id = ? AND status = 'success'", [run_id]).fetchone():
            return {"loaded": False, "reason": f"run {run_id} was already loaded"}
        con.execute("BEGIN TRANSACTION")
        try:
            base = latest_success(con)
            if base != plan.get("base_run"):
                raise ConcurrentRunError(
                    f"run {base} loaded {warehouse} after this run planned against {plan.get('base_run')}; "
                    "nothing was loaded: run again to pick up both runs' changes"
                )
            _apply(con, v, run_dir, run_id, plan, n_quarantined)
            pause_point("load")
            create_views(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        counts = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in WAREHOUSE_TABLES}
    return {"loaded": True, "rows": counts}


WAREHOUSE_TABLES = ("articles", "entities", "entity_aliases", "entity_mentions", "quotes", "topics",
                    "article_topics", "runs", "rejected_inputs", "quarantine")


def _apply(con: duckdb.DuckDBPyConnection, v: Path, run_dir: Path, run_id: str, plan: dict, n_quarantined: int) -> None:
    articles, deleted = _staged(v, "articles"), _staged(run_dir, "deleted")
    touched = "SELECT article_id FROM read_parquet(?)"
    for source in filter(None, (articles, deleted)):
        for table in ("entity_mentions", "quotes", "article_topics"):
            con.execute(f"DELETE FROM {table} WHERE article_id IN ({touched})", [str(source)])
    if deleted:
        con.execute(f"DELETE FROM articles WHERE article_id IN ({touched})", [str(deleted)])
    if articles:
        con.execute(
            """INSERT INTO articles BY NAME
               SELECT *, ? AS first_run_id, ? AS last_run_id FROM read_parquet(?)
               ON CONFLICT (article_id) DO UPDATE SET
                 source_path = excluded.source_path, content_sha256 = excluded.content_sha256,
                 title = excluded.title, published_at = excluded.published_at, url = excluded.url,
                 text = excluded.text, n_words = excluded.n_words, language = excluded.language,
                 encoding = excluded.encoding, last_run_id = excluded.last_run_id""",
            [run_id, run_id, str(articles)],
        )
    if p := _staged(v, "entities"):
        con.execute("""INSERT INTO entities BY NAME SELECT entity_id, name, label FROM read_parquet(?)
                       ON CONFLICT (entity_id) DO UPDATE SET name = excluded.name, label = excluded.label""", [str(p)])
    if p := _staged(v, "entity_aliases"):
        con.execute("""INSERT INTO entity_aliases BY NAME SELECT alias, label, entity_id FROM read_parquet(?)
                       ON CONFLICT (alias, label) DO UPDATE SET entity_id = excluded.entity_id""", [str(p)])
    if p := _staged(v, "entity_mentions"):
        con.execute("INSERT INTO entity_mentions BY NAME SELECT * FROM read_parquet(?)", [str(p)])
    if p := _staged(v, "quotes"):
        con.execute("INSERT INTO quotes BY NAME SELECT * FROM read_parquet(?)", [str(p)])
    if p := _staged(v, "topics"):  # a refit replaces the topic model as a whole
        for table in ("topics", "topic_terms", "article_topics"):
            con.execute(f"DELETE FROM {table}")
        con.execute("INSERT INTO topics BY NAME SELECT * FROM read_parquet(?)", [str(p)])
        for table in ("topic_terms", "article_topics"):
            if q := _staged(v, table):
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?)", [str(q)])
    # Entity counts are derived from the mentions, so deletions and edits keep them right.
    con.execute("""UPDATE entities SET n_mentions = c.n_mentions, n_articles = c.n_articles
                   FROM (SELECT entity_id, COUNT(*) AS n_mentions, COUNT(DISTINCT article_id) AS n_articles
                         FROM entity_mentions GROUP BY entity_id) c
                   WHERE entities.entity_id = c.entity_id""")
    con.execute("""DELETE FROM entities WHERE entity_id NOT IN (SELECT entity_id FROM entity_mentions)
                   AND entity_id NOT IN (SELECT speaker_entity_id FROM quotes WHERE speaker_entity_id IS NOT NULL)""")
    if p := _staged(run_dir, "rejected"):
        con.execute("""INSERT INTO rejected_inputs BY NAME
                       SELECT ? AS run_id, source_path, reason, content_sha256 FROM read_parquet(?)""", [run_id, str(p)])
    if p := _staged(v, "quarantine"):
        con.execute("INSERT INTO quarantine BY NAME SELECT ? AS run_id, * FROM read_parquet(?)", [run_id, str(p)])
    con.execute(
        """INSERT INTO runs (run_id, started_at, finished_at, status, n_new, n_changed, n_deleted, n_rejected,
                             n_unchanged, n_quarantined, input_dir, message)
           VALUES (?, ?, ?, 'success', ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id) DO UPDATE SET finished_at = excluded.finished_at, status = 'success',
             n_new = excluded.n_new, n_changed = excluded.n_changed, n_deleted = excluded.n_deleted,
             n_rejected = excluded.n_rejected, n_unchanged = excluded.n_unchanged,
             n_quarantined = excluded.n_quarantined, message = excluded.message""",
        [run_id, plan["started_at"], datetime.now(timezone.utc).replace(tzinfo=None), plan["n_new"],
         plan["n_changed"], plan["n_deleted"], plan["n_rejected"], plan["n_unchanged"], n_quarantined,
         plan["input_dir"], json.dumps(plan.get("notes") or [])],
    )


def record_failure(warehouse: Path, run_id: str, started_at: str | None, message: str) -> None:
    """Mark a run failed (its data was never committed) so the next morning shows why."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with connect(warehouse, wait_s=30) as con:
        ensure_schema(con)
        con.execute(
            """INSERT INTO runs (run_id, started_at, finished_at, status, message)
               VALUES (?, COALESCE(CAST(? AS TIMESTAMP), now()), now(), 'failed', ?)
               ON CONFLICT (run_id) DO NOTHING""",
            [run_id, started_at, message[:2000]],
        )
