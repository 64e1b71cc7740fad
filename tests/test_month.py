"""Twenty nights: 20 incremental runs over a drop folder that a seeded random mix of new, edited,
deleted, renamed, touched, corrupted and repaired files changes every night (41 changes, every kind at
least twice: 16 edits, 9 new files, 5 corruptions, 4 renames, 3 deletions, 2 repairs, 2 touches; 30
nights took about a fifth of `make test`). After every night the warehouse must equal a fresh full run
over that night's folder (as defined in README.md, "Incremental runs equal a fresh run"), nothing may
pile up night after night, and a night reads and parses only the files that changed.

The stages run in this process (as in test_stages.py), not through Airflow, to keep it under three
minutes: ~20 short articles (a headline and three paragraphs of the BBC fixtures), the real spaCy
model and Great Expectations.
"""

from __future__ import annotations

import random
import shutil
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from etl import stages
from etl.topics import REFIT_SHARE
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow

NIGHTS = 20
START_FILES = 20
SEED = 16
SPEAKERS = ("Tony Blair", "Gordon Brown", "Michael Howard", "Charles Kennedy", "Kofi Annan", "Bill Gates")
# Only these tables may grow with the number of nights (one row per run, or per rejected file per run).
LOG_TABLES = {"runs", "rejected_inputs", "quarantine", "topic_models"}


def _short(path: Path) -> str:
    """Headline and the first three paragraphs: enough for mentions and quotes, cheap to parse."""
    return "\n\n".join(path.read_text(encoding="utf-8").split("\n\n")[:4]).strip() + "\n"


@dataclass
class Folder:
    """The drop folder and, per file, the last version the pipeline could read (what a run keeps
    for a file that is corrupted tonight)."""

    root: Path
    rng: random.Random
    pool: list[str]  # texts not used yet
    good: dict[str, str] = field(default_factory=dict)  # relative path -> last readable text
    corrupted: set[str] = field(default_factory=set)
    night: int = 0

    def write(self, rel: str, text: str) -> None:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        self.good[rel] = text
        self.corrupted.discard(rel)

    def _pick(self, corrupted: bool = False) -> str | None:
        names = sorted(self.corrupted if corrupted else set(self.files()) - self.corrupted)
        return self.rng.choice(names) if names else None

    def files(self) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())

    def new(self) -> str:
        rel = f"{self.rng.choice(['', 'world/', 'uk/'])}n{self.night:02d}-{len(self.pool):02d}.txt"
        self.write(rel, self.pool.pop())
        return f"new {rel}"

    def edit(self) -> str | None:
        if not (rel := self._pick()):
            return None
        text = (self.root / rel).read_text(encoding="utf-8")
        if self.rng.random() < 0.5:  # a quote appended (new mentions, a new quote, maybe a known speaker)
            who = self.rng.choice(SPEAKERS)
            text += f'\n"We will look at this again on night {self.night}," {who} said.\n'
        else:  # a paragraph rewritten
            paras = text.split("\n\n")
            i = self.rng.randrange(1, len(paras)) if len(paras) > 1 else 0
            paras[i] = f"Officials in London said on night {self.night} that the figures would be revised."
            text = "\n\n".join(paras)
        self.write(rel, text)
        return f"edit {rel}"

    def delete(self) -> str | None:
        if not (rel := self._pick(corrupted=self.rng.random() < 0.3)):
            return None
        (self.root / rel).unlink()
        self.good.pop(rel, None)
        self.corrupted.discard(rel)
        return f"delete {rel}"

    def rename(self) -> str | None:
        if not (rel := self._pick()):
            return None
        new = f"{self.rng.choice(['', 'moved/'])}{Path(rel).stem}-m{self.night:02d}.txt"
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        (self.root / rel).rename(self.root / new)
        self.good[new] = self.good.pop(rel)
        return f"rename {rel} -> {new}"

    def touch(self) -> str | None:
        """Same bytes, newer mtime: the file is read again but nothing changes."""
        if not (rel := self._pick()):
            return None
        p = self.root / rel
        st = p.stat()
        import os

        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        return f"touch {rel}"

    def corrupt(self) -> str | None:
        """Binary or emptied: the file cannot be read tonight, so its last good version stays."""
        if not (rel := self._pick()):
            return None
        p = self.root / rel
        if self.rng.random() < 0.5:
            p.write_bytes(b"\x89PNG\r\n\x1a\n" + rel.encode() + bytes(64))
        else:
            p.write_bytes(b"")
        self.corrupted.add(rel)
        return f"corrupt {rel}"

    def repair(self) -> str | None:
        if not (rel := self._pick(corrupted=True)):
            return None
        text = self.good.get(rel) or self.pool.pop()
        self.write(rel, text + f"\nRepaired on night {self.night}.\n")
        return f"repair {rel}"

    def change(self) -> list[str]:
        """Tonight's changes: 1-4 random operations (the second night changes nothing, as a baseline)."""
        self.night += 1
        if self.night == 2:
            return []
        ops = [self.new, self.edit, self.edit, self.delete, self.rename, self.touch, self.corrupt, self.repair]
        done = [self.rng.choice(ops)() for _ in range(self.rng.randint(1, 4))]
        return [d for d in done if d]

    def readable_copy(self, dst: Path) -> Path:
        """The folder as last read well: corrupted files replaced by their last good version."""
        for rel, text in self.good.items():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            (dst / rel).write_text(text, encoding="utf-8")
        return dst


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# Compared exactly with a fresh run: everything but the columns that record which run wrote a row.
EXACT = {
    "articles": "SELECT * EXCLUDE (first_run_id, last_run_id) FROM articles",
    "mentions": "SELECT article_id, start_char, end_char, text, sentence_index FROM entity_mentions",
    "quotes": "SELECT * EXCLUDE (speaker_entity_id), speaker_entity_id IS NULL FROM quotes",
    "quarantine": "SELECT table_name, article_id, reason FROM quarantine",
}
# Per mention span: the canonical name and label of its entity (ids may differ, see README).
RESOLVED = """SELECT m.article_id, m.start_char, m.end_char, e.name, e.label
              FROM entity_mentions m JOIN entities e USING (entity_id)"""


def _exact(con) -> dict:
    return {k: sorted(_rows(con, sql)) for k, sql in EXACT.items()}


def _check_integrity(con) -> None:
    """What holds in any warehouse, whatever its history."""
    assert _rows(con, "SELECT count(*) FROM entity_mentions WHERE entity_id NOT IN (SELECT entity_id FROM entities)") == [(0,)]
    assert _rows(con, """SELECT count(*) FROM entities WHERE entity_id NOT IN (SELECT entity_id FROM entity_mentions)
                         AND entity_id NOT IN (SELECT speaker_entity_id FROM quotes WHERE speaker_entity_id IS NOT NULL)
                      """) == [(0,)]
    assert _rows(con, """SELECT count(*) FROM entities e LEFT JOIN (SELECT entity_id, count(*) AS n,
                         count(DISTINCT article_id) AS a FROM entity_mentions GROUP BY ALL) c USING (entity_id)
                         WHERE e.n_mentions IS DISTINCT FROM c.n OR e.n_articles IS DISTINCT FROM c.a""") == [(0,)]
    assert _rows(con, "SELECT count(*) FROM quotes WHERE speaker_entity_id NOT IN (SELECT entity_id FROM entities)") == [(0,)]
    for table in ("entity_mentions", "quotes", "article_topics"):
        assert _rows(con, f"SELECT count(*) FROM {table} WHERE article_id NOT IN (SELECT article_id FROM articles)") == [(0,)]
    assert _rows(con, """SELECT count(*) FROM article_topics WHERE topic_id NOT IN
                         (SELECT topic_id FROM topics WHERE active)""") == [(0,)]
    assert _rows(con, """SELECT count(*) FROM topics t WHERE n_articles <>
                         (SELECT count(*) FROM article_topics a WHERE a.topic_id = t.topic_id)""") == [(0,)]
    assert _rows(con, """SELECT count(*) FROM topics WHERE active AND topic_id NOT IN
                         (SELECT topic_id FROM topic_terms)""") == [(0,)]
    for table, key in (("articles", "article_id"), ("quotes", "quote_id"), ("entities", "entity_id"),
                       ("article_topics", "article_id, topic_id"), ("topics", "topic_id"),
                       ("entity_mentions", "article_id, start_char, end_char")):
        assert _rows(con, f"SELECT count(*) - count(DISTINCT ({key})) FROM {table}") == [(0,)], f"duplicates in {table}"


def _agreement(a: list[tuple], b: list[tuple]) -> float:
    """Share of mention spans whose entity has the same name and label in both."""
    ka, kb = {r[:3]: r[3:] for r in a}, {r[:3]: r[3:] for r in b}
    return sum(ka[k] == kb.get(k) for k in ka) / max(len(ka), 1)


def _sizes(wh: Path) -> dict:
    work = wh.parent
    staging = work / "staging"
    docs = work / "data_docs"
    return {
        "warehouse_bytes": wh.stat().st_size,
        "staging_entries": len(list(staging.iterdir())) if staging.exists() else 0,
        "data_docs_files": sum(1 for p in docs.rglob("*") if p.is_file()) if docs.exists() else 0,
    }


def test_every_night_equals_a_fresh_run(tmp_path):
    corpus = sorted((FIXTURES / "corpus" / "news").rglob("*.txt"))
    texts = [_short(p) for p in corpus]
    rng = random.Random(SEED)
    rng.shuffle(texts)
    folder = Folder(tmp_path / "drop", rng, pool=texts[START_FILES:])
    for i, text in enumerate(texts[:START_FILES]):
        folder.write(f"{['politics', 'sport', 'tech'][i % 3]}/a{i:02d}.txt", text)
    wh = tmp_path / "wh" / "news.duckdb"

    nights, agreement, counts, sizes = [], [], [], []
    prev_ids: dict[tuple, str] = {}
    n_articles = 0  # before tonight's run
    for night in range(1, NIGHTS + 1):
        ops = folder.change()
        t0 = time.perf_counter()
        out = stages.run_local(str(folder.root), str(wh), f"night{night:02d}")
        secs = time.perf_counter() - t0
        read = len(folder.files()) - out["n_files_unread"]
        nights.append({"night": night, "ops": ops, "seconds": secs, "files_read": read,
                       "parsed": out["n_new"] + out["n_changed"], "deleted": out["n_deleted"]})

        fresh_wh = tmp_path / "fresh" / f"n{night:02d}" / "news.duckdb"
        stages.run_local(str(folder.readable_copy(tmp_path / "fresh" / f"n{night:02d}" / "drop")), str(fresh_wh), "fresh")
        with duckdb.connect(str(wh), read_only=True) as con, duckdb.connect(str(fresh_wh), read_only=True) as ref:
            where = f"night {night} after {ops}"
            _check_integrity(con)
            mine, theirs = _exact(con), _exact(ref)
            for k in EXACT:
                assert mine[k] == theirs[k], f"{k} differ from a fresh run on {where}"
            # Each file that could not be read tonight is listed once, with its reason.
            rejected = _rows(con, f"SELECT source_path, reason FROM rejected_inputs WHERE run_id = 'night{night:02d}'")
            assert sorted(r[0] for r in rejected) == sorted(folder.corrupted), where
            assert all(r[1].startswith(("binary file", "file contains only whitespace", "empty")) for r in rejected), rejected
            agreement.append(_agreement(_rows(con, RESOLVED), _rows(ref, RESOLVED)))
            # Entity ids never move under a mention whose article did not change tonight.
            ids = {r[:3]: r[3] for r in _rows(con, "SELECT article_id, start_char, end_char, entity_id FROM entity_mentions")}
            touched = {r[0] for r in _rows(con, f"SELECT article_id FROM articles WHERE last_run_id = 'night{night:02d}'")}
            moved = [k for k, eid in ids.items() if k[0] not in touched and k in prev_ids and prev_ids[k] != eid]
            assert not moved, f"entity ids of unchanged articles moved on {where}: {moved[:5]}"
            prev_ids = ids
            # Topic ids depend on history, but the topics are never staler than the refit rule allows:
            # articles added, edited or deleted since the last fit stay within REFIT_SHARE of the warehouse.
            churn = _rows(con, """SELECT COALESCE(sum(n_new + n_changed + n_deleted), 0) FROM runs WHERE started_at >
                                  (SELECT max(r.started_at) FROM topic_models m JOIN runs r USING (run_id))""")[0][0]
            assert churn <= REFIT_SHARE * n_articles, f"topics staler than the refit rule on {where}"
            n_articles = _rows(con, "SELECT count(*) FROM articles")[0][0]
            counts.append({t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                           for (t,) in _rows(con, "SELECT table_name FROM duckdb_tables()")})
        shutil.rmtree(fresh_wh.parent)
        sizes.append(_sizes(wh))
        # The work of a night is the files that changed, not the folder.
        changed_files = {o.split()[1] for o in ops if not o.startswith("delete")} | {o.split()[-1] for o in ops if o.startswith("rename")}
        assert night == 1 or read <= len(changed_files | folder.corrupted), nights[-1]

    report = "\n".join(f"{n['night']:2d} {n['seconds']:5.2f}s read {n['files_read']:2d} parsed {n['parsed']:2d} "
                       f"agree {a:.3f} {s} {n['ops']}" for n, a, s in zip(nights, agreement, sizes))
    print(report)
    # Nothing piles up: staging is removed after each load, Data Docs hold the last run's results,
    # and only the log tables grow with the number of nights.
    assert all(s["staging_entries"] == 0 for s in sizes), report
    assert max(s["data_docs_files"] for s in sizes[5:]) <= sizes[4]["data_docs_files"] + 10, report
    growing = {t for t in counts[-1] if counts[-1][t] > 2 * max(counts[9].get(t, 0), 30)}
    assert growing <= LOG_TABLES, (growing, counts[9], counts[-1])
    # The DuckDB file is compacted once it doubles (etl.load.compact): it never grows past about
    # twice its compact size plus a night.
    assert max(s["warehouse_bytes"] for s in sizes) <= 3 * sizes[0]["warehouse_bytes"], report
    # Entities resolve as a fresh run would for the great majority of mentions (README: why not all).
    assert statistics.mean(agreement) >= 0.9 and min(agreement) >= 0.8, report
    # A night with no change reads and parses nothing (the work of every night is checked above; how long
    # a night takes is the benchmark's to measure, not a test's on a shared machine).
    second = nights[1]
    assert second["files_read"] == 0 and second["parsed"] == 0, report
