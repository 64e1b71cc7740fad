"""Crashes and concurrency: a real `kill -9` mid-load or mid-NLP leaves the warehouse as it was, a
rerun gives what an uninterrupted run gives, and racing runs or readers fail cleanly."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from etl import stages
from etl.load import ConcurrentRunError, WarehouseBusy, query

pytestmark = pytest.mark.slow
TABLES = ("articles", "entities", "entity_aliases", "entity_mentions", "quotes", "topics", "topic_terms",
          "article_topics", "rejected_inputs", "quarantine")


# Columns that record when a run happened rather than what it loaded.
WHEN = {"topics": " EXCLUDE (model_version, first_version, ended_version)"}


def snapshot(wh: Path) -> dict:
    with duckdb.connect(str(wh), read_only=True) as con:
        out = {t: con.execute(f"SELECT *{WHEN.get(t, '')} FROM {t} ORDER BY ALL").fetchall() for t in TABLES}
        out["runs"] = con.execute("SELECT run_id, status, n_new, n_changed, n_deleted FROM runs ORDER BY ALL").fetchall()
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A warehouse after run r1 over the seed folder, and the edits run r2 will pick up."""
    from tests.conftest import SEED_ARTICLE, SEEDS

    root = tmp_path_factory.mktemp("crash")
    drop = root / "drop"
    drop.mkdir()
    shutil.copy(SEED_ARTICLE, drop / SEED_ARTICLE.name)
    for f in sorted((SEEDS / "bbc" / "politics").glob("*.txt"))[:4]:
        shutil.copy(f, drop / f.name)
    wh = root / "r1.duckdb"
    stages.run_local(str(drop), str(wh), "r1")
    # Edits for r2: one changed, one deleted, one new.
    first, second = sorted(drop.glob("[a-z]*.txt"))[:2]
    first.write_text(first.read_text() + "\nThe minister said the reform would be delayed.\n")
    second.unlink()
    shutil.copy(sorted((SEEDS / "bbc" / "tech").glob("*.txt"))[0], drop / "new-tech.txt")
    reference = root / "reference.duckdb"
    shutil.copy(wh, reference)
    stages.run_local(str(drop), str(reference), "r2")
    return {"drop": drop, "r1": wh, "reference": snapshot(reference)}


def _fresh(base, tmp_path) -> Path:
    wh = tmp_path / "wh" / "news.duckdb"
    wh.parent.mkdir()
    shutil.copy(base["r1"], wh)
    return wh


def _start_paused(drop: Path, wh: Path, run_id: str, at: str, tmp_path: Path) -> subprocess.Popen:
    """Run the pipeline in another process that stops at a pause point; return once it is there."""
    flag = tmp_path / f"paused-{at}"
    env = {**os.environ, "NEWS_ETL_PAUSE_AT": at, "NEWS_ETL_PAUSE_FLAG": str(flag)}
    code = f"from etl import stages; stages.run_local({str(drop)!r}, {str(wh)!r}, {run_id!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=Path(__file__).parents[1])
    deadline = time.monotonic() + 300
    while not flag.exists():
        assert proc.poll() is None, f"pipeline exited with {proc.returncode} before reaching {at}"
        assert time.monotonic() < deadline, f"pipeline never reached {at}"
        time.sleep(0.2)
    return proc


def _kill9(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def test_kill_during_load_leaves_warehouse_as_before_and_rerun_matches(base, tmp_path):
    wh = _fresh(base, tmp_path)
    before = snapshot(wh)
    proc = _start_paused(base["drop"], wh, "r2", "load", tmp_path)  # inside the transaction, after all writes
    _kill9(proc)
    assert snapshot(wh) == before
    stages.run_local(str(base["drop"]), str(wh), "r2")
    assert snapshot(wh) == base["reference"]


def test_kill_during_nlp_then_rerun_matches(base, tmp_path):
    wh = _fresh(base, tmp_path)
    before = snapshot(wh)
    proc = _start_paused(base["drop"], wh, "r2", "nlp", tmp_path)
    _kill9(proc)
    assert snapshot(wh) == before
    staged = list((wh.parent / "staging" / "r2" / "nlp").glob("*.mentions.parquet"))
    assert staged == []  # outputs are written atomically after the work: nothing half-done to trust
    stages.run_local(str(base["drop"]), str(wh), "r2")
    assert snapshot(wh) == base["reference"]


def test_reader_during_load_gets_busy_message_not_half_state(base, tmp_path):
    wh = _fresh(base, tmp_path)
    before = snapshot(wh)
    proc = _start_paused(base["drop"], wh, "r2", "load", tmp_path)
    try:
        with pytest.raises(WarehouseBusy, match="busy"):
            query(wh, "SELECT count(*) FROM articles", wait_s=1)
    finally:
        _kill9(proc)
    assert snapshot(wh) == before


def test_two_runs_planned_together_second_load_refused(base, tmp_path):
    wh = _fresh(base, tmp_path)
    a = stages.plan(str(base["drop"]), str(wh), "ra")
    b = stages.plan(str(base["drop"]), str(wh), "rb")
    for p, rid in ((a, "ra"), (b, "rb")):
        for shard in p["shards"]:
            stages.nlp_shard(shard)
        stages.canonicalise(p["run_dir"])
        stages.topics(p["run_dir"])
        stages.validate(p["run_dir"])
    stages.load(a["run_dir"], "ra")
    after_a = snapshot(wh)
    with pytest.raises(ConcurrentRunError, match="after this run planned"):
        stages.load(b["run_dir"], "rb")
    assert snapshot(wh) == after_a
