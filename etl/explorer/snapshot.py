"""The explorer reads a snapshot of the warehouse, never the warehouse itself.

DuckDB lets one process write a file and, while it does, no other process may even read it; a
reader holding the file would in turn stop the nightly load from starting. So after each load the
`report` task copies the warehouse (tables and the views of sql/views/) into
`<work dir>/explorer/snapshot.duckdb`: written under a temporary name, then renamed over the old
one, so a reader sees the old or the new snapshot whole, and connections already open keep
reading the old file until they reopen. The pages read only that file, so they answer with the
previous data during a load and never hold a lock the load needs.

The snapshot records a stamp of the warehouse it was copied from (file size and modification
time; for DuckLake, its latest run). When the stamp of the warehouse no longer matches and has
stayed the same for a while (a load that did not go through the DAG's report task, a warehouse
older than the explorer), the explorer makes the snapshot itself, in the background and without
ever waiting for a lock: a busy warehouse means "try again later". When there is no snapshot at
all it makes one at once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from etl import config
from etl.load import Target, WarehouseBusy, connect, create_views, exists, sql_string

log = logging.getLogger(__name__)

META_TABLE = "explorer_snapshot"


def snapshot_path(warehouse: Target) -> Path:
    """Where the explorer's copy of a warehouse lives: beside its staging and Data Docs."""
    return config.work_dir(warehouse) / "explorer" / "snapshot.duckdb"


def source_stamp(warehouse: Target, con: duckdb.DuckDBPyConnection | None = None) -> str | None:
    """Something that changes whenever the warehouse may have changed; None when there is none.

    A DuckDB file: size and modification time of the file and its write-ahead log (a stat, no
    lock). DuckLake: its runs (a read on the catalog, which never blocks its writers)."""
    if config.is_lake(warehouse):
        if con is None:
            if not exists(warehouse):
                return None
            with connect(warehouse, read_only=True, wait_s=0) as c:
                return source_stamp(warehouse, c)
        row = con.execute("SELECT COUNT(*), MAX(finished_at), MAX(run_id) FROM runs").fetchone()
        return "lake:" + ":".join(map(str, row))
    parts = []
    for p in (Path(warehouse), Path(f"{warehouse}.wal")):
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        parts.append(f"{st.st_size}@{st.st_mtime_ns}")
    return "file:" + "+".join(parts) if parts else None


def publish(warehouse: Target, wait_s: float = 60.0) -> Path:
    """Copy the warehouse into a new snapshot file and swap it in atomically; returns its path.

    Holds a read-only connection for the copy (a fraction of a second at the corpus's size): the
    DAG calls this after its load; the explorer calls it with wait_s=0, so it never waits for a
    lock and a busy warehouse raises WarehouseBusy at once."""
    dest = snapshot_path(warehouse)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with connect(warehouse, read_only=True, wait_s=wait_s) as con:
            stamp = source_stamp(warehouse, con if config.is_lake(warehouse) else None)
            con.execute(f"ATTACH {sql_string(tmp)} AS snapshot")
            con.execute("COPY FROM DATABASE warehouse TO snapshot")
            con.execute("USE snapshot")
            create_views(con)  # this code's view definitions, whatever the warehouse was made with
            con.execute(f"CREATE TABLE {META_TABLE} AS SELECT CAST(? AS TIMESTAMP) AS published_at, "
                        "? AS source_stamp, ? AS warehouse",
                        [datetime.now(timezone.utc).replace(tzinfo=None), stamp, str(warehouse)])
            con.execute("USE warehouse")
            con.execute("DETACH snapshot")
        os.replace(tmp, dest)
    finally:
        for leftover in (tmp, Path(f"{tmp}.wal")):
            leftover.unlink(missing_ok=True)
    return dest


def open_snapshot(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a snapshot file, as catalog `snapshot`. Attached to a new in-memory
    database rather than connected by path: DuckDB hands out the database already open for a path,
    which would keep serving the file that was just replaced. Cursors must `USE snapshot` too."""
    con = duckdb.connect(config={"threads": 2})
    con.execute(f"ATTACH {sql_string(path)} AS snapshot (READ_ONLY)")
    con.execute("USE snapshot")
    return con


@dataclass(frozen=True)
class Freshness:
    """What a page says about its data."""

    published_at: datetime | None  # when the snapshot was made (UTC)
    run_id: str | None  # the latest successful run in it
    run_finished_at: datetime | None
    pending: bool  # the warehouse changed since: a load is running, or its data is on its way
    problem: str | None  # why there is no snapshot yet, in one sentence


class SnapshotReader:
    """Read connections to the current snapshot of one warehouse, reopened when a new one is swapped
    in, and the refresh that keeps the snapshot in step with the warehouse."""

    def __init__(self, warehouse: Target, quiet_s: float = 30.0):
        self.warehouse = warehouse
        self.path = snapshot_path(warehouse)
        self.quiet_s = quiet_s
        self._seen: tuple[str | None, float] = (None, 0.0)  # the warehouse's last stamp, since when
        self._lock = threading.Lock()  # guards the connection
        self._refreshing = threading.Lock()  # one refresh at a time
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int] | None = None
        self._meta: dict = {}
        self._problem: str | None = None
        self._stale = False

    def cursor(self) -> tuple[duckdb.DuckDBPyConnection, str] | None:
        """A cursor on the current snapshot and the snapshot's id (it changes with every publish), or
        None when there is no snapshot and none can be made now."""
        current = self._current()
        if current is None:
            self.refresh()
            current = self._current()
        return current

    def _current(self) -> tuple[duckdb.DuckDBPyConnection, str] | None:
        """(Re)open the snapshot if another one was swapped in since; None if there is none."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        identity = (st.st_ino, st.st_mtime_ns)
        with self._lock:
            if identity != self._identity or self._con is None:
                con = open_snapshot(self.path)
                row = con.execute(f"SELECT published_at, source_stamp FROM {META_TABLE}").fetchone()
                run = con.execute("SELECT run_id, finished_at FROM runs WHERE status = 'success' "
                                  "ORDER BY finished_at DESC, run_id DESC LIMIT 1").fetchone() or (None, None)
                self._con, self._identity = con, identity  # the old connection closes once unused
                self._meta = {"published_at": row[0], "stamp": row[1], "run_id": run[0], "run_finished_at": run[1]}
            cur = self._con.cursor()
        cur.execute("USE snapshot")
        return cur, f"{identity[0]}-{identity[1]}"

    def freshness(self) -> Freshness:
        m = self._meta
        return Freshness(m.get("published_at"), m.get("run_id"), m.get("run_finished_at"), self._stale,
                         None if m else self._problem)

    def refresh(self) -> None:
        """Make a new snapshot if the warehouse changed since the current one was made; never waits
        for the warehouse's lock (busy: the pages keep the current snapshot and say a load is on)."""
        with self._refreshing:
            try:
                stamp = source_stamp(self.warehouse) if exists(self.warehouse) else None
                if stamp is None:
                    self._problem = f"No warehouse at {self.warehouse} yet: run the news_etl DAG once."
                    return
                if stamp != self._seen[0]:
                    self._seen = (stamp, time.monotonic())
                current = self._current()
                if current is not None:
                    current[0].close()
                    if stamp == self._meta.get("stamp"):
                        self._stale = False
                        return
                    self._stale = True
                    # The DAG's report task publishes right after its load; step in only for a
                    # warehouse that has stayed unchanged for quiet_s, so as not to copy mid-run.
                    if time.monotonic() - self._seen[1] < self.quiet_s:
                        return
                publish(self.warehouse, wait_s=0)
                self._stale, self._problem = False, None
            except WarehouseBusy:
                self._problem = "The warehouse is being loaded; the pages show it once the load has finished."
            except Exception as exc:  # noqa: BLE001 - a page must never fail because a refresh did
                log.warning("news explorer: could not snapshot %s: %s", self.warehouse, exc)
                self._problem = f"The warehouse could not be read ({type(exc).__name__}); see the API server's log."
