"""DuckDB warehouse: schema, reads the pipeline needs, and the one-transaction load.

Everything a run changes is written in a single transaction: a crash at any point leaves the
warehouse exactly as it was, and the `runs` row is committed with the data, so a retried load of
the same run is a no-op. Staged Parquet goes into DuckDB through `read_parquet`, never row by row.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from etl import config
from etl.config import SQL_DIR, PermanentError, pause_point

log = logging.getLogger(__name__)

BUSY_MARKERS = ("Could not set lock", "Conflicting lock", "database is locked")
Target = Path | str  # a DuckDB file, or a 'ducklake:...' catalog (see etl.config.is_lake)


class WarehouseBusy(RuntimeError):
    """Another process holds the DuckDB file's write lock."""


class ConcurrentRunError(PermanentError):
    """Another run loaded the warehouse after this run planned: its diff is stale."""


def _sql_files(folder: str) -> list[Path]:
    return sorted((SQL_DIR / folder).glob("*.sql"))


def _extension(name: str) -> Path:
    """DuckDB extensions ship in PyPI packages (duckdb-ext-*): loaded by path, never downloaded."""
    import duckdb_ext

    base = Path(duckdb_ext.__path__[0]) / "extensions" / f"v{duckdb.__version__}"
    found = sorted(base.glob(f"*/{name}.duckdb_extension"))
    if not found:
        raise RuntimeError(f"DuckDB extension {name} for DuckDB {duckdb.__version__} not found under {base}")
    return found[0]


def sql_string(value: object) -> str:
    """A value as an SQL string literal (for statements such as ATTACH that take no parameters)."""
    return "'" + str(value).replace("'", "''") + "'"


def _open(target: Target, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A read-write DuckDB file is the connection's own database; a read-only one is attached as
    `warehouse` to an in-memory database, as a DuckLake catalog always is, so that a reader can
    also attach and write another file (the explorer's snapshot) on the same connection."""
    if not config.is_lake(target):
        if not read_only:
            return duckdb.connect(str(target))
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH {sql_string(target)} AS warehouse (READ_ONLY)")
        except BaseException:
            con.close()
            raise
        con.execute("USE warehouse")
        return con
    con = duckdb.connect()
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    for ext in ("postgres_scanner", "ducklake"):
        con.execute(f"LOAD '{_extension(ext)}'")
    data = config.lake_data_path()
    data.mkdir(parents=True, exist_ok=True)
    ro = ", READ_ONLY" if read_only else ""
    con.execute(f"ATTACH {sql_string(target)} AS warehouse (DATA_PATH {sql_string(f'{data}/')}{ro})")
    con.execute("USE warehouse")
    return con


def lake_attach_sql(target: str, read_only: bool = True) -> str:
    """The statements that open a DuckLake warehouse in a DuckDB shell (for `make sql`)."""
    ro = ", READ_ONLY" if read_only else ""
    return (f"LOAD '{_extension('postgres_scanner')}'; LOAD '{_extension('ducklake')}'; "
            f"ATTACH '{target}' AS warehouse (DATA_PATH '{config.lake_data_path()}/'{ro}); USE warehouse;")


@contextmanager
def connect(target: Target, *, read_only: bool = False, wait_s: float = 60.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse, waiting for another process's lock up to wait_s, then fail clearly."""
    deadline = time.monotonic() + wait_s
    delay = 0.2
    while True:
        try:
            con = _open(target, read_only)
            break
        except duckdb.IOException as exc:
            if not any(m in str(exc) for m in BUSY_MARKERS):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"warehouse {target} is busy: another process holds its lock (waited {wait_s:.0f} s)"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    try:
        yield con
    finally:
        con.close()


def exists(target: Target) -> bool:
    """A DuckDB file exists or not; a DuckLake catalog exists once its first load created it."""
    if not config.is_lake(target):
        return Path(target).exists()
    try:
        with connect(target, read_only=True):
            return True
    except duckdb.InvalidInputException as exc:
        if "does not exist" in str(exc):
            return False
        raise


def _portable(sql: str, lake: bool) -> str:
    """DuckLake has no PRIMARY KEY constraints: the loads below never rely on them, so drop them there."""
    if not lake:
        return sql
    sql = re.sub(r",\s*PRIMARY KEY\s*\([^)]*\)", "", sql)
    return re.sub(r"\s+PRIMARY KEY", "", sql)


def ensure_schema(con: duckdb.DuckDBPyConnection, lake: bool = False) -> None:
    for f in _sql_files("tables"):
        con.execute(_portable(f.read_text(), lake))


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    for f in _sql_files("views"):
        con.execute(f.read_text())


def query(target: Target, sql: str, params: list | None = None, wait_s: float = 60.0) -> pl.DataFrame:
    """Read-only query; an absent warehouse reads as empty (first run)."""
    if not exists(target):
        return pl.DataFrame()
    with connect(target, read_only=True, wait_s=wait_s) as con:
        return con.execute(sql, params or []).pl()


def table_exists(target: Target, table: str) -> bool:
    if not exists(target):
        return False
    sql = "SELECT 1 FROM information_schema.tables WHERE table_name = ? AND table_catalog = current_database()"
    return not query(target, sql, [table]).is_empty()


def article_state(target: Target) -> pl.DataFrame:
    """article_id -> content_sha256 (and source file) of what is loaded: the baseline for incremental runs."""
    empty = pl.DataFrame(schema={"article_id": pl.String, "content_sha256": pl.String, "source_path": pl.String})
    if not table_exists(target, "articles"):
        return empty
    return query(target, "SELECT article_id, content_sha256, source_path FROM articles")


def file_stamps(target: Target, extractor_version: str) -> dict[str, tuple[int, int, str]]:
    """source_path -> (size, mtime_ns, raw_sha256) of files the last runs read with this extractor code."""
    if not table_exists(target, "source_files"):
        return {}
    df = query(target, "SELECT source_path, size, mtime_ns, raw_sha256 FROM source_files WHERE extractor_version = ?",
               [extractor_version])
    return {r[0]: (r[1], r[2], r[3]) for r in df.iter_rows()}


def known_aliases(target: Target) -> pl.DataFrame:
    """The alias table the canonicaliser reuses so entity ids stay stable."""
    empty = pl.DataFrame(schema={"alias": pl.String, "label": pl.String, "entity_id": pl.String, "name": pl.String})
    if not table_exists(target, "entity_aliases"):
        return empty
    return query(target, """SELECT a.alias, a.label, a.entity_id, e.name
                            FROM entity_aliases a JOIN entities e USING (entity_id)""")


_LATEST = "SELECT run_id FROM runs WHERE status = 'success' ORDER BY finished_at DESC, run_id DESC LIMIT 1"


def latest_success(target: Target) -> str | None:
    """run_id of the last successful load: the baseline a plan was computed against."""
    if not table_exists(target, "runs"):
        return None
    df = query(target, _LATEST)
    return None if df.is_empty() else df.item(0, 0)


def run_loaded(target: Target, run_id: str) -> bool:
    if not table_exists(target, "runs"):
        return False
    return not query(target, "SELECT 1 FROM runs WHERE run_id = ? AND status = 'success'", [run_id]).is_empty()


def _staged(run_dir: Path, name: str) -> Path | None:
    p = run_dir / f"{name}.parquet"
    return p if p.exists() else None


def _prepare(target: Target) -> None:
    if not config.is_lake(target):
        Path(target).parent.mkdir(parents=True, exist_ok=True)


def load_run(warehouse: Target, run_dir: Path, run_id: str, plan: dict, n_quarantined: int) -> dict:
    """Apply a run's validated, staged tables to the warehouse in one transaction; idempotent per run_id."""
    _prepare(warehouse)
    v = run_dir / "validated"
    with connect(warehouse) as con:
        ensure_schema(con, config.is_lake(warehouse))
        if con.execute("SELECT 1 FROM runs WHERE run_id = ? AND status = 'success'", [run_id]).fetchone():
            return {"loaded": False, "reason": f"run {run_id} was already loaded"}
        con.execute("BEGIN TRANSACTION")
        try:
            base = (con.execute(_LATEST).fetchone() or [None])[0]
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
            _rollback(con)
            raise
        counts = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in WAREHOUSE_TABLES}
    return {"loaded": True, "rows": counts}


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Undo the run's transaction. A COMMIT that failed (a DuckLake catalog whose connection was lost)
    has ended it already: then the commit's own error is the one to report, not "no transaction"."""
    try:
        con.execute("ROLLBACK")
    except duckdb.TransactionException as exc:
        if "no transaction is active" not in str(exc):
            raise


WAREHOUSE_TABLES = ("articles", "entities", "entity_aliases", "entity_mentions", "quotes", "topics",
                    "article_topics", "runs", "rejected_inputs", "quarantine")


def _replace(con: duckdb.DuckDBPyConnection, table: str, keys: list[str], select: str, params: list) -> None:
    """Upsert as delete-then-insert on the key columns: the same on DuckDB files and DuckLake
    (which has no key constraints for ON CONFLICT), and atomic inside the run's transaction."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _incoming AS {select}", params)
    match = " AND ".join(f"t.{k} = i.{k}" for k in keys)
    con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM _incoming i WHERE {match})")
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _incoming")
    con.execute("DROP TABLE _incoming")


def _apply(con: duckdb.DuckDBPyConnection, v: Path, run_dir: Path, run_id: str, plan: dict, n_quarantined: int) -> None:
    articles, deleted = _staged(v, "articles"), _staged(run_dir, "deleted")
    touched = "SELECT article_id FROM read_parquet(?)"
    for source in filter(None, (articles, deleted)):
        for table in ("entity_mentions", "quotes", "article_topics"):
            con.execute(f"DELETE FROM {table} WHERE article_id IN ({touched})", [str(source)])
    if deleted:
        con.execute(f"DELETE FROM articles WHERE article_id IN ({touched})", [str(deleted)])
    if articles:  # first_run_id survives edits; last_run_id moves on
        _replace(con, "articles", ["article_id"],
                 """SELECT s.*, COALESCE(a.first_run_id, ?) AS first_run_id, ? AS last_run_id
                    FROM read_parquet(?) s LEFT JOIN articles a USING (article_id)""",
                 [run_id, run_id, str(articles)])
    if p := _staged(v, "entities"):
        _replace(con, "entities", ["entity_id"], "SELECT entity_id, name, label FROM read_parquet(?)", [str(p)])
    if p := _staged(v, "entity_aliases"):
        _replace(con, "entity_aliases", ["alias", "label"], "SELECT alias, label, entity_id FROM read_parquet(?)",
                 [str(p)])
    if p := _staged(v, "entity_mentions"):
        con.execute("INSERT INTO entity_mentions BY NAME SELECT * FROM read_parquet(?)", [str(p)])
    if p := _staged(v, "quotes"):
        con.execute("INSERT INTO quotes BY NAME SELECT * FROM read_parquet(?)", [str(p)])
    if p := _staged(v, "topics"):  # a refit replaces the topic model as a whole
        for table in ("topics", "topic_terms", "article_topics"):
            con.execute(f"DELETE FROM {table}")
        con.execute("INSERT INTO topics BY NAME SELECT * FROM read_parquet(?)", [str(p)])
        if q := _staged(v, "topic_terms"):
            con.execute("INSERT INTO topic_terms BY NAME SELECT * FROM read_parquet(?)", [str(q)])
    if p := _staged(v, "topic_models"):
        _replace(con, "topic_models", ["model_version"], "SELECT * FROM read_parquet(?)", [str(p)])
    if p := _staged(v, "article_topics"):  # a refit's whole table, or the touched articles' assignments
        con.execute("INSERT INTO article_topics BY NAME SELECT * FROM read_parquet(?)", [str(p)])
    con.execute("""UPDATE topics SET n_articles = COALESCE(c.n, 0)
                   FROM (SELECT t.topic_id, COUNT(a.article_id) AS n FROM topics t
                         LEFT JOIN article_topics a USING (topic_id) GROUP BY t.topic_id) c
                   WHERE topics.topic_id = c.topic_id""")
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
    if p := _staged(run_dir, "sources"):  # the folder as this run saw it: what the next run may leave unread
        con.execute("DELETE FROM source_files")
        con.execute("INSERT INTO source_files BY NAME SELECT * FROM read_parquet(?)", [str(p)])
        # A file with a quarantined article is read again next run (the article may pass then).
        con.execute("""DELETE FROM source_files WHERE source_path IN (
                           SELECT json_extract_string(row_json, '$.source_path') FROM quarantine
                           WHERE run_id = ? AND table_name = 'articles')""", [run_id])
    _replace(con, "runs", ["run_id"],
             """SELECT ? AS run_id, CAST(? AS TIMESTAMP) AS started_at, CAST(? AS TIMESTAMP) AS finished_at,
                       'success' AS status, ? AS n_new, ? AS n_changed, ? AS n_deleted, ? AS n_rejected,
                       ? AS n_unchanged, ? AS n_quarantined, ? AS input_dir, ? AS message""",
             [run_id, plan["started_at"], datetime.now(timezone.utc).replace(tzinfo=None), plan["n_new"],
              plan["n_changed"], plan["n_deleted"], plan["n_rejected"], plan["n_unchanged"], n_quarantined,
              plan["input_dir"], json.dumps(plan.get("notes") or [])])


# Compact once the file uses this many times the blocks it used after the last compaction.
COMPACT_GROWTH = 2.0


def _used_blocks(con: duckdb.DuckDBPyConnection, database: str) -> int:
    return con.execute("SELECT used_blocks FROM pragma_database_size() WHERE database_name = ?",
                       [database]).fetchone()[0]


def expire_lake_snapshots(target: str, keep_days: int, wait_s: float = 5.0) -> dict:
    """DuckLake keeps every snapshot for time travel, and with it every Parquet file a nightly load
    replaced: a month of nights keeps a month of rewritten files. Snapshots older than keep_days
    expire (the current one never does) and the files only they referenced are deleted. A busy
    warehouse is left for the next run."""
    try:
        with connect(target, wait_s=wait_s) as con:
            count = "SELECT count(*) FROM ducklake_snapshots('warehouse')"
            before = con.execute(count).fetchone()[0]
            con.execute(f"CALL ducklake_expire_snapshots('warehouse', older_than => now() - INTERVAL {int(keep_days)} DAY)")
            deleted = con.execute("CALL ducklake_cleanup_old_files('warehouse', cleanup_all => true)").fetchall()
            after = con.execute(count).fetchone()[0]
    except WarehouseBusy as exc:
        log.warning("DuckLake snapshots not expired this time: %s", exc)
        return {"expired": 0, "reason": str(exc)}
    log.info("DuckLake: %d snapshot(s) older than %d days expired, %d file(s) deleted", before - after, keep_days, len(deleted))
    return {"expired": before - after, "snapshots": after, "files_deleted": len(deleted)}


def compact(target: Target, wait_s: float = 5.0) -> dict | None:
    """Keep a DuckDB file from growing night after night.

    DuckDB keeps the row groups that deleted and updated rows lived in, and a nightly load deletes
    and re-inserts the rows of every changed article, so a warehouse of constant content grows by a
    few MB a night (30 nights over 20 articles: 6 to 74 MB; `pragma database_size` counts the blocks
    as used, CHECKPOINT and VACUUM give none back). Once the file uses COMPACT_GROWTH times the
    blocks it used after the last compaction, the live rows and views are copied to a new file
    (COPY FROM DATABASE), which replaces the old one atomically while this connection still holds
    the old file's write lock: no write can slip in between, a reader keeps the old snapshot, and a
    crash before the rename leaves the old file in place. The copy costs about one read and one
    write of the warehouse, at most once per doubling. A busy warehouse is left for the next run.
    DuckLake warehouses are maintained by expiring old snapshots instead (expire_lake_snapshots).
    """
    if config.is_lake(target):
        return expire_lake_snapshots(target, config.LAKE_KEEP_DAYS, wait_s=wait_s)
    if not Path(target).exists():
        return None
    path = Path(target)
    tmp = path.with_name(path.name + ".compacting")
    try:
        with connect(path, wait_s=wait_s) as con:
            db = con.execute("SELECT current_database()").fetchone()[0]
            used = _used_blocks(con, db)
            last = con.execute("SELECT max(used_blocks) FROM compactions").fetchone()[0]
            if last is None:  # the first load, or the first since this code: its size is the baseline
                con.execute("INSERT INTO compactions VALUES (now(), ?, ?)", [used, path.stat().st_size])
                return {"compacted": False, "used_blocks": used, "last_compacted_blocks": used}
            if used < COMPACT_GROWTH * last:
                return {"compacted": False, "used_blocks": used, "last_compacted_blocks": last}
            tmp.unlink(missing_ok=True)
            con.execute(f"ATTACH {sql_string(tmp)} AS compacted")
            con.execute(f'COPY FROM DATABASE "{db}" TO compacted')
            after = _used_blocks(con, "compacted")
            con.execute("DELETE FROM compacted.compactions")
            con.execute("INSERT INTO compacted.compactions SELECT now(), used_blocks, used_blocks * block_size "
                        "FROM pragma_database_size() WHERE database_name = 'compacted'")
            con.execute("DETACH compacted")
            before = path.stat().st_size
            os.replace(tmp, path)
    except WarehouseBusy as exc:
        log.warning("warehouse not compacted this time: %s", exc)
        return {"compacted": False, "reason": str(exc)}
    finally:
        tmp.unlink(missing_ok=True)
    log.info("compacted %s: %d -> %d blocks (%.1f -> %.1f MB)", path, used, after, before / 1e6, path.stat().st_size / 1e6)
    return {"compacted": True, "used_blocks": used, "after": after}


def record_failure(warehouse: Target, run_id: str, started_at: str | None, message: str) -> None:
    """Mark a run failed (its data was never committed) so the next morning shows why."""
    _prepare(warehouse)
    with connect(warehouse, wait_s=30) as con:
        ensure_schema(con, config.is_lake(warehouse))
        con.execute(
            """INSERT INTO runs (run_id, started_at, finished_at, status, message)
               SELECT ?, COALESCE(CAST(? AS TIMESTAMP), now()), now(), 'failed', ?
               WHERE NOT EXISTS (SELECT 1 FROM runs WHERE run_id = ?)""",
            [run_id, started_at, message[:2000], run_id],
        )
