"""End to end through real Airflow (`airflow dags test`, SQLite metadata in a temp AIRFLOW_HOME):
a copy of seeds/ plus hand-made articles in every format, then a no-change rerun and a one-file edit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURES, SEEDS

pytestmark = pytest.mark.slow
SEED = "000_0a211b190e0dde63.txt"


def _run(drop: Path, wh: Path, home: Path) -> str:
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    proc = subprocess.run([str(Path(sys.executable).parent / "news-etl"), "run", "--input", str(drop),
                           "--warehouse", str(wh)], env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def _q(wh: Path, sql: str, params=None):
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _snapshot(wh: Path) -> dict:
    return {t: _q(wh, f"SELECT * EXCLUDE (last_run_id) FROM {t} ORDER BY ALL" if t == "articles"
                  else f"SELECT * FROM {t} ORDER BY ALL")
            for t in ("articles", "entities", "entity_mentions", "quotes", "entity_aliases")}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e")
    drop, wh, home = base / "drop", base / "wh" / "news.duckdb", base / "airflow_home"
    shutil.copytree(SEEDS, drop)
    shutil.copytree(FIXTURES / "handmade", drop / "handmade")
    first = _run(drop, wh, home)
    snap1 = _snapshot(wh)
    second = _run(drop, wh, home)
    snap2 = _snapshot(wh)
    return {"drop": drop, "wh": wh, "home": home, "first": first, "second": second, "snap1": snap1, "snap2": snap2}


def test_first_run_fills_every_contract_table(runs):
    wh = runs["wh"]
    assert "107 new" in runs["first"]
    for table in ("articles", "entities", "entity_mentions", "quotes", "topics", "article_topics", "runs",
                  "rejected_inputs"):
        assert _q(wh, f"SELECT count(*) FROM {table}")[0][0] > 0, table
    views = {r[0] for r in _q(wh, "SELECT view_name FROM duckdb_views() WHERE NOT internal")}
    assert {"who_quotes_whom", "entity_cooccurrence", "entity_timeline", "quote_attributions"} <= views


def test_run_prints_its_report_and_data_docs_paths(runs):
    lines = runs["first"].splitlines()
    reports = [Path(line.removeprefix("report: ")) for line in lines if line.startswith("report: ")]
    assert len(reports) == 1 and reports[0].is_file(), runs["first"]
    assert reports[0].parent == runs["wh"].parent / "reports"
    assert '<svg class="chart"' in reports[0].read_text()
    assert any(line.startswith("data docs: ") for line in lines)
    assert len(list(reports[0].parent.glob("*.html"))) >= 2  # one per run: the second run wrote its own


def test_trump_quote_is_attributed(runs):
    rows = _q(runs["wh"], """SELECT q.kind, q.cue, e.name FROM quotes q LEFT JOIN entities e
                              ON e.entity_id = q.speaker_entity_id
                              WHERE q.article_id = ? AND q.text = 'We''re not going into Syria'""", [SEED])
    assert len(rows) == 1
    kind, cue, speaker = rows[0]
    assert kind == "direct" and cue == "told" and "Trump" in speaker


def test_tillerson_is_one_entity(runs):
    rows = _q(runs["wh"], "SELECT DISTINCT entity_id FROM entity_mentions WHERE article_id = ? AND text LIKE '%Tillerson'",
              [SEED])
    assert len(rows) == 1


def test_every_format_loaded_and_bad_input_rejected(runs):
    wh = runs["wh"]
    ids = {r[0] for r in _q(wh, "SELECT article_id FROM articles WHERE article_id LIKE 'handmade/%'")}
    assert ids == {"handmade/wire.jsonl#w-101", "handmade/wire.jsonl#w-102", "handmade/harbour.html",
                   "handmade/notes.md", "handmade/cp1252.txt"}
    assert _q(wh, "SELECT text LIKE '%“sharply”%', encoding FROM articles WHERE article_id = 'handmade/cp1252.txt'") == \
        [(True, "cp1252")]
    rejected = dict(_q(wh, "SELECT source_path, reason FROM rejected_inputs WHERE run_id = (SELECT min(run_id) FROM runs)"))
    assert "PNG" in rejected["handmade/broken.txt"]
    assert "not valid JSON" in rejected["samples/wire-feed.jsonl:2"]
    assert "not valid JSON" in rejected["handmade/wire.jsonl:3"]
    quote = _q(wh, """SELECT e.name FROM quotes q JOIN entities e ON e.entity_id = q.speaker_entity_id
                      WHERE q.text = 'This budget protects every school,'""")
    assert quote and "Lopez" in quote[0][0]


def test_second_run_changes_nothing(runs):
    assert "0 new, 0 changed, 0 deleted, 107 unchanged" in runs["second"]
    assert runs["snap2"] == runs["snap1"]
    assert _q(runs["wh"], "SELECT count(*), count(DISTINCT run_id) FROM runs WHERE status = 'success'") == [(2, 2)]


def test_editing_one_file_changes_only_its_rows(runs):
    drop, wh = runs["drop"], runs["wh"]
    target = "handmade/notes.md"
    path = drop / target
    path.write_text(path.read_text() + "\nThe grant will fund a new wing, Stein told reporters.\n")
    out = _run(drop, wh, runs["home"])
    assert "0 new, 1 changed, 0 deleted, 106 unchanged" in out
    after = _snapshot(wh)
    for table in ("entity_mentions", "quotes"):
        before_other = [r for r in runs["snap2"][table] if target not in r]
        after_other = [r for r in after[table] if target not in r]
        assert after_other == before_other, table
    assert _q(wh, "SELECT count(*) FROM quotes WHERE article_id = ? AND text LIKE '%fund a new wing%'", [target]) == [(1,)]
