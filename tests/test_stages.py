"""The stages in order, in-process (the DAG's wiring is tested in test_e2e_airflow.py)."""

import shutil

import duckdb
import pytest

from etl import stages
from etl.load import WAREHOUSE_TABLES


def _counts(wh):
    with duckdb.connect(str(wh), read_only=True) as con:
        return {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in WAREHOUSE_TABLES if t != "runs"}


def _rows(wh, sql):
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def loaded(seed_drop, tmp_path):
    wh = tmp_path / "wh" / "news.duckdb"
    stages.run_local(str(seed_drop), str(wh), "r1")
    return seed_drop, wh


def test_first_run_fills_every_table(loaded):
    _, wh = loaded
    counts = _counts(wh)
    for table in ("articles", "entities", "entity_aliases", "entity_mentions", "quotes", "topics", "article_topics"):
        assert counts[table] > 0, table
    assert _rows(wh, "SELECT status, n_new FROM runs") == [("success", 7)]
    # every offset indexes articles.text
    bad = _rows(wh, """SELECT count(*) FROM entity_mentions m JOIN articles a USING (article_id)
                       WHERE substr(a.text, m.start_char + 1, m.end_char - m.start_char) <> m.text""")
    assert bad == [(0,)]
    bad = _rows(wh, """SELECT count(*) FROM quotes q JOIN articles a USING (article_id)
                       WHERE substr(a.text, q.start_char + 1, q.end_char - q.start_char) <> q.text""")
    assert bad == [(0,)]


def test_rerun_without_changes_changes_nothing(loaded):
    drop, wh = loaded
    before = _counts(wh)
    snapshot = _rows(wh, "SELECT * FROM entity_mentions ORDER BY ALL")
    out = stages.run_local(str(drop), str(wh), "r2")
    assert (out["n_new"], out["n_changed"], out["n_deleted"], out["n_unchanged"]) == (0, 0, 0, 7)
    assert out["n_files_unread"] == 7  # a stat per file, no reading
    assert out["shards"] == []
    assert _counts(wh) == before
    assert _rows(wh, "SELECT * FROM entity_mentions ORDER BY ALL") == snapshot


def test_same_run_id_is_loaded_once(loaded):
    drop, wh = loaded
    before = _counts(wh)
    out = stages.run_local(str(drop), str(wh), "r1")
    assert out["load"]["loaded"] is False
    assert _counts(wh) == before


def test_edit_and_delete_touch_only_those_articles(loaded):
    drop, wh = loaded
    seed = "000_0a211b190e0dde63.txt"
    victim = next(p for p in sorted((drop / "sport").glob("*.txt")))
    others_before = _rows(wh, f"""SELECT * FROM entity_mentions WHERE article_id NOT IN ('{seed}', 'sport/{victim.name}')
                                  ORDER BY ALL""")
    (drop / seed).write_text((drop / seed).read_text() + "\nGordon Brown said the talks had failed.\n")
    victim.unlink()
    out = stages.run_local(str(drop), str(wh), "r3")
    assert (out["n_new"], out["n_changed"], out["n_deleted"]) == (0, 1, 1)
    assert _rows(wh, f"SELECT count(*) FROM articles WHERE article_id = 'sport/{victim.name}'") == [(0,)]
    for table in ("entity_mentions", "quotes", "article_topics"):
        assert _rows(wh, f"SELECT count(*) FROM {table} WHERE article_id = 'sport/{victim.name}'") == [(0,)]
    assert _rows(wh, f"SELECT last_run_id, first_run_id FROM articles WHERE article_id = '{seed}'") == [("r3", "r1")]
    assert _rows(wh, f"SELECT count(*) FROM quotes WHERE article_id = '{seed}' AND text LIKE '%talks had failed%'") == [(1,)]
    others_after = _rows(wh, f"""SELECT * FROM entity_mentions WHERE article_id NOT IN ('{seed}', 'sport/{victim.name}')
                                 ORDER BY ALL""")
    assert others_after == others_before
    # 2 of 7 articles touched is past the refit share (10%): topics were refit, ids matched
    assert _rows(wh, "SELECT run_id FROM topic_models ORDER BY run_id") == [("r1",), ("r3",)]


def test_small_edit_assigns_topics_without_refit(loaded, monkeypatch):
    drop, wh = loaded
    topics_before = _rows(wh, "SELECT topic_id, label, top_terms, model_version FROM topics ORDER BY topic_id")
    others = _rows(wh, "SELECT * FROM article_topics WHERE article_id <> '000_0a211b190e0dde63.txt' ORDER BY ALL")
    seed = drop / "000_0a211b190e0dde63.txt"
    seed.write_text(seed.read_text() + "\nGordon Brown said the talks had failed.\n")
    # one edit in seven articles is past the default share; a larger warehouse would be under it
    monkeypatch.setattr("etl.topics.REFIT_SHARE", 0.5)
    stages.run_local(str(drop), str(wh), "r2")
    assert _rows(wh, "SELECT run_id FROM topic_models") == [("r1",)]  # no refit
    assert _rows(wh, "SELECT topic_id, label, top_terms, model_version FROM topics ORDER BY topic_id") == topics_before
    assert _rows(wh, "SELECT * FROM article_topics WHERE article_id <> '000_0a211b190e0dde63.txt' ORDER BY ALL") == others
    assert _rows(wh, "SELECT count(*) FROM article_topics WHERE article_id = '000_0a211b190e0dde63.txt'")[0][0] >= 1
    assert _rows(wh, """SELECT count(*) FROM topics t WHERE n_articles <>
                        (SELECT count(*) FROM article_topics a WHERE a.topic_id = t.topic_id)""") == [(0,)]


def test_rerun_reads_only_files_whose_stat_changed(loaded):
    import os

    drop, wh = loaded
    files = sorted(p for p in drop.rglob("*.txt"))
    touched, edited = files[1], files[2]
    st = touched.stat()
    os.utime(touched, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # same bytes, newer mtime
    edited.write_text(edited.read_text() + "\nTony Blair said the plan would work.\n")
    (drop / "copy.txt").write_bytes(files[3].read_bytes())  # a new file with an unchanged file's bytes
    out = stages.run_local(str(drop), str(wh), "r2")
    assert out["n_files_unread"] == 5
    assert (out["n_new"], out["n_changed"], out["n_deleted"], out["n_unchanged"]) == (0, 1, 0, 6)
    rel = files[3].relative_to(drop).as_posix()
    assert _rows(wh, "SELECT reason FROM rejected_inputs WHERE run_id = 'r2'") == [
        (f"same content as {rel}; loaded once",)]
    assert _rows(wh, "SELECT count(*) FROM source_files") == [(7,)]
    out = stages.run_local(str(drop), str(wh), "r3")
    assert out["n_files_unread"] == 7  # the rejected copy is read again, every other file is not
    assert (out["n_new"], out["n_changed"], out["n_deleted"], out["n_unchanged"]) == (0, 0, 0, 7)


def test_extractor_code_change_reads_every_file_again(loaded, monkeypatch):
    drop, wh = loaded
    monkeypatch.setattr(stages, "extractor_version", lambda: "other-code")
    out = stages.run_local(str(drop), str(wh), "r2")
    assert out["n_files_unread"] == 0
    assert (out["n_changed"], out["n_unchanged"]) == (0, 7)


def test_unreadable_file_keeps_its_last_good_version(loaded):
    drop, wh = loaded
    seed = drop / "000_0a211b190e0dde63.txt"
    seed.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    out = stages.run_local(str(drop), str(wh), "r4")
    assert out["n_deleted"] == 0
    assert _rows(wh, "SELECT count(*) FROM articles WHERE article_id = '000_0a211b190e0dde63.txt'") == [(1,)]
    assert _rows(wh, "SELECT source_path, reason FROM rejected_inputs WHERE run_id = 'r4'") == [
        ("000_0a211b190e0dde63.txt", "binary file (PNG image), not text")]


def test_full_refresh_reprocesses_without_duplicates(loaded):
    drop, wh = loaded
    before = _counts(wh)
    out = stages.run_local(str(drop), str(wh), "r5", full_refresh=True)
    assert out["n_changed"] == 7
    after = _counts(wh)
    assert {k: after[k] for k in ("articles", "entity_mentions", "quotes")} == \
        {k: before[k] for k in ("articles", "entity_mentions", "quotes")}


def test_missing_input_folder_is_a_clear_error(tmp_path):
    with pytest.raises(NotADirectoryError, match="does not exist"):
        stages.plan(str(tmp_path / "nope"), str(tmp_path / "w.duckdb"), "r")


def test_non_english_article_is_stored_but_not_parsed(drop, tmp_path):
    shutil.copy(__import__("tests.conftest", fromlist=["SEED_ARTICLE"]).SEED_ARTICLE, drop / "seed.txt")
    (drop / "fr.txt").write_text("Le président a déclaré que la France ne participera pas à la réunion avec "
                                 "les autres pays de l'Union européenne, selon le ministre.")
    wh = tmp_path / "w.duckdb"
    stages.run_local(str(drop), str(wh), "r1")
    assert _rows(wh, "SELECT language FROM articles WHERE article_id = 'fr.txt'") == [("fr",)]
    assert _rows(wh, "SELECT count(*) FROM entity_mentions WHERE article_id = 'fr.txt'") == [(0,)]
    assert _rows(wh, "SELECT count(*) FROM entity_mentions WHERE article_id = 'seed.txt'")[0][0] > 10


def test_stale_staging_of_old_failed_runs_is_removed(seed_drop, tmp_path):
    import os
    import time

    wh = tmp_path / "w.duckdb"
    old = tmp_path / "staging" / "crashed_long_ago"
    recent = tmp_path / "staging" / "crashed_today"
    for d in (old, recent):
        d.mkdir(parents=True)
        (d / "plan.json").write_text("{}")
    ten_days_ago = time.time() - 10 * 86400
    os.utime(old, (ten_days_ago, ten_days_ago))
    stages.plan(str(seed_drop), str(wh), "now")
    assert not old.exists() and recent.exists()
