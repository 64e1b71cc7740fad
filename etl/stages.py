"""One function per DAG task. Each takes and returns plain values (paths, counts) and hands data
to the next task as Parquet in the run's staging folder, so every stage runs and tests without
Airflow and XCom never carries data.

plan -> nlp_shard (mapped) -> canonicalise -> topics -> validate -> load
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from etl import config
from etl.clean import clean_text, clean_title
from etl.extract import FileStamp, extract, sha256
from etl.language import detect_language
from etl.parallel import cores
from etl.load import (article_state, compact, file_stamps, known_aliases, latest_success, load_run, query, run_loaded,
                      table_exists)

log = logging.getLogger(__name__)

NLP_LANGUAGES = {"en", "und"}  # "und": too short to tell; the English model is the best guess
ARTICLE_SCHEMA = {
    "article_id": pl.String, "source_path": pl.String, "content_sha256": pl.String, "title": pl.String,
    "published_at": pl.Datetime("us"), "url": pl.String, "text": pl.String, "n_words": pl.Int32,
    "language": pl.String, "encoding": pl.String,
}
REJECT_SCHEMA = {"source_path": pl.String, "reason": pl.String, "content_sha256": pl.String}
SOURCE_SCHEMA = {"source_path": pl.String, "size": pl.Int64, "mtime_ns": pl.Int64, "raw_sha256": pl.String,
                 "extractor_version": pl.String}


def extractor_version() -> str:
    """Hash of the code that turns a file into cleaned articles: when it changes, no stamp is trusted."""
    code = Path(__file__).parent
    return sha256(b"".join((code / f).read_bytes() for f in ("extract.py", "decode.py", "clean.py", "language.py")))[:16]


def _write(df: pl.DataFrame, path: Path) -> Path:
    """Write Parquet atomically: a crash never leaves a half-written file that a retry would trust."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    df.write_parquet(tmp)
    os.replace(tmp, path)
    return path


def _read(path: Path, schema: dict | None = None) -> pl.DataFrame:
    if path.exists():
        return pl.read_parquet(path)
    return pl.DataFrame(schema=schema or {})


def _plan_file(run_dir: Path) -> Path:
    return run_dir / "plan.json"


def read_plan(run_dir: str | Path) -> dict:
    return json.loads(_plan_file(Path(run_dir)).read_text())


def plan(input_dir: str | None, warehouse: str | None, run_id: str, full_refresh: bool = False,
         shard_size: int | None = None) -> dict:
    """Extract and clean the drop folder, diff it against the warehouse, and stage the work."""
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    src, wh = config.input_dir(input_dir), config.warehouse_path(warehouse)
    if not src.is_dir():
        raise config.InputFolderMissing(f"input folder {src} does not exist or is not a folder")
    run_dir = config.staging_dir(wh, run_id)
    _remove_stale_staging(run_dir.parent)
    if run_dir.exists() and _plan_file(run_dir).exists():
        log.info("reusing the staged plan of run %s in %s", run_id, run_dir)
        return read_plan(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    version = extractor_version()
    stamps = {} if full_refresh else file_stamps(wh, version)
    ex = extract(src, known={p: FileStamp(*v) for p, v in stamps.items()})  # skipped files keep their stamp
    t_extract = time.perf_counter()
    rejected = [(r.source_path, r.reason, r.content_sha256) for r in ex.rejected]
    rows = []
    for a in ex.articles:
        text, title = clean_text(a.text), clean_title(a.title)
        if not text:
            rejected.append((a.article_id, "no article text left after removing boilerplate", None))
            continue
        rows.append({
            "article_id": a.article_id, "source_path": a.source_path,
            "content_sha256": sha256(f"{title or ''}\n\n{text}"), "title": title,
            "published_at": a.published_at, "url": a.url, "text": text, "n_words": len(text.split()),
            "language": detect_language(text), "encoding": a.encoding,
        })
    current = pl.DataFrame(rows, schema=ARTICLE_SCHEMA)
    t_clean = time.perf_counter()
    base_run = latest_success(wh)
    state = article_state(wh)
    baseline = state.clear() if full_refresh else state
    unread = state.filter(pl.col("source_path").is_in(ex.skipped)).select("article_id")  # unchanged files
    todo = (current.join(baseline.select("article_id", old_sha="content_sha256"), on="article_id", how="left")
            .filter(pl.col("old_sha").is_null() | (pl.col("old_sha") != pl.col("content_sha256")))
            .drop("old_sha").sort("article_id"))
    n_new = todo.filter(~pl.col("article_id").is_in(state["article_id"].implode())).height
    # A file that could not be read this time keeps its last good version rather than being deleted.
    unreadable = {p.split(":")[0] for p, _, _ in rejected}
    deleted = state.filter(
        ~pl.col("article_id").is_in(pl.concat([current["article_id"], unread["article_id"]]).implode())
        & ~pl.col("article_id").str.replace(r"#.*$", "").is_in(list(unreadable))
    ).select("article_id")
    sources = pl.DataFrame(
        [(p, st.size, st.mtime_ns, st.raw_sha256, version) for p, st in ex.stamps.items()]
        + [(p, *stamps[p], version) for p in ex.skipped], schema=SOURCE_SCHEMA, orient="row")

    _write(todo, run_dir / "articles.parquet")
    _write(deleted, run_dir / "deleted.parquet")
    _write(pl.DataFrame(rejected, schema=REJECT_SCHEMA, orient="row"), run_dir / "rejected.parquet")
    _write(sources, run_dir / "sources.parquet")
    shards = _write_shards(todo.filter(pl.col("language").is_in(list(NLP_LANGUAGES))), run_dir,
                           shard_size or config.SHARD_SIZE)
    result = {
        "run_id": run_id, "run_dir": str(run_dir), "warehouse": str(wh), "input_dir": str(src),
        "started_at": started.isoformat(), "full_refresh": bool(full_refresh), "base_run": base_run,
        "n_new": n_new, "n_changed": todo.height - n_new, "n_deleted": deleted.height,
        "n_rejected": len(rejected), "n_unchanged": current.height + unread.height - todo.height,
        "n_files_unread": len(ex.skipped),
        "n_words": int(todo["n_words"].sum() or 0), "shards": shards,
        "notes": [f"{n} article(s) not in English skipped by NLP" for n in
                  [todo.filter(~pl.col("language").is_in(list(NLP_LANGUAGES))).height] if n],
    }
    t_end = time.perf_counter()
    # extract = list, stat, read and decode files; clean = boilerplate, language, hashes; diff = compare
    # with the warehouse and stage the shards
    result["seconds"] = {"extract": round(t_extract - t0, 3), "clean": round(t_clean - t_extract, 3),
                         "diff": round(t_end - t_clean, 3)}
    _plan_file(run_dir).write_text(json.dumps(result, indent=1))
    log.info("plan: %d new, %d changed, %d deleted, %d unchanged, %d rejected, %d shard(s); extract %.2f s, "
             "clean %.2f s, diff %.2f s", result["n_new"], result["n_changed"], result["n_deleted"],
             result["n_unchanged"], result["n_rejected"], len(shards), *result["seconds"].values())
    return result


STALE_STAGING_DAYS = 7


def _remove_stale_staging(root: Path) -> None:
    """Staging of runs that failed long ago will not be retried: reclaim the disk."""
    if not root.is_dir():
        return
    cutoff = time.time() - STALE_STAGING_DAYS * 86400
    for d in root.iterdir():
        if d.is_dir() and d.stat().st_mtime < cutoff:
            log.info("removing stale staging folder %s", d)
            shutil.rmtree(d, ignore_errors=True)


def _write_shards(todo: pl.DataFrame, run_dir: Path, shard_size: int) -> list[str]:
    """Bounded shards of articles for the mapped NLP task; balanced by article count."""
    if todo.is_empty():
        return []
    n = -(-todo.height // shard_size)
    size = -(-todo.height // n)
    return [str(_write(todo.slice(i * size, size).select("article_id", "text"),
                       run_dir / "nlp" / f"shard_{i:04d}.parquet")) for i in range(n)]


def nlp_processes(words: int) -> int:
    """spaCy processes for a shard of this many words: 2 on a multi-core machine once the shard is big
    enough to pay for the fork, else 1."""
    return 2 if words > 40_000 and cores() > 1 else 1


def nlp_shard(shard_path: str, n_process: int = 0) -> dict:
    """spaCy over one shard; outputs are reused when a retried task finds them complete."""
    from etl.nlp import annotate

    shard = Path(shard_path)
    out_m, out_q = shard.with_suffix(".mentions.parquet"), shard.with_suffix(".quotes.parquet")
    if out_m.exists() and out_q.exists():
        return {"shard": shard_path, "reused": True}
    articles = pl.read_parquet(shard)
    words = int(articles["text"].str.split(" ").list.len().sum() or 0)
    procs = n_process or nlp_processes(words)
    t0 = time.perf_counter()
    mentions, quotes = annotate(articles, n_process=procs)
    config.pause_point("nlp")
    secs = time.perf_counter() - t0
    _write(mentions, out_m)
    _write(quotes, out_q)
    log.info("nlp %s: %d articles, %d words in %.1f s (%.0f words/s, %d process(es)); %d mentions, %d quotes",
             shard.name, articles.height, words, secs, words / max(secs, 1e-9), procs, mentions.height, quotes.height)
    return {"shard": shard_path, "articles": articles.height, "words": words, "seconds": round(secs, 2),
            "mentions": mentions.height, "quotes": quotes.height}


def _concat_shards(run_dir: Path, kind: str) -> pl.DataFrame:
    files = sorted((run_dir / "nlp").glob(f"shard_*.{kind}.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed") if files else pl.DataFrame()


def quote_id(article_id: str, start: int, end: int) -> str:
    return "Q" + hashlib.sha1(f"{article_id}\x1f{start}\x1f{end}".encode()).hexdigest()[:16]


def canonicalise(run_dir: str) -> dict:
    """Resolve mentions to stable canonical entities across the whole batch and link speakers."""
    if nlp := sys.modules.get("etl.nlp"):  # shards ran in this process (dags test, run_local): free their workers
        nlp.release_workers()
    rd = Path(run_dir)
    p = read_plan(rd)
    mentions, quotes = _concat_shards(rd, "mentions"), _concat_shards(rd, "quotes")
    if mentions.is_empty() and quotes.is_empty():
        return {"entities": 0, "mentions": 0, "quotes": 0}
    from etl.nlp.canonical import canonicalise as canon, link_speakers  # spaCy: only when there is work
    known = known_aliases(p["warehouse"])
    with_ids, entities, aliases = canon(mentions, known)
    quotes = link_speakers(quotes, with_ids) if not quotes.is_empty() else quotes
    _write(with_ids.select("article_id", "entity_id", "text", "label", "start_char", "end_char", "sentence_index"),
           rd / "entity_mentions.parquet")
    _write(entities.select("entity_id", "name", "label"), rd / "entities.parquet")
    _write(aliases.select("alias", "label", "entity_id"), rd / "entity_aliases.parquet")
    if not quotes.is_empty():
        quotes = quotes.with_columns(
            pl.struct("article_id", "start_char", "end_char").map_elements(
                lambda r: quote_id(r["article_id"], r["start_char"], r["end_char"]), return_dtype=pl.String
            ).alias("quote_id")
        ).unique("quote_id", keep="first", maintain_order=True)
        _write(quotes.select("quote_id", "article_id", "text", "kind", "speaker_text", "speaker_entity_id", "cue",
                             "start_char", "end_char"), rd / "quotes.parquet")
    return {"entities": entities.height, "mentions": with_ids.height, "quotes": quotes.height}


def _staged_mentions(rd: Path) -> pl.DataFrame:
    """This run's mentions with their canonical names (what topic tokens are made of)."""
    mentions = _read(rd / "entity_mentions.parquet")
    if mentions.is_empty():
        return pl.DataFrame(schema={"article_id": pl.String, "text": pl.String, "name": pl.String, "label": pl.String})
    names = _read(rd / "entities.parquet").select("entity_id", "name")
    return mentions.join(names, on="entity_id", how="left").select("article_id", "text", "name", "label")


def _topic_model(wh: str) -> tuple[dict | None, int]:
    """The last fit's model row and the articles added, edited or deleted by the runs since it."""
    if not table_exists(wh, "topic_models"):
        return None, 0
    model = query(wh, """SELECT m.*, r.started_at FROM topic_models m JOIN runs r USING (run_id)
                         ORDER BY r.started_at DESC LIMIT 1""")
    if model.is_empty():
        return None, 0
    row = model.row(0, named=True)
    churn = query(wh, """SELECT COALESCE(SUM(n_new + n_changed + n_deleted), 0) FROM runs
                         WHERE status = 'success' AND started_at > ?""", [row["started_at"]]).item()
    return row, int(churn)


def topics(run_dir: str, n_topics: int | None = None) -> dict:
    """Keep topics current: assign new and edited articles to the active topics, and refit over the
    whole warehouse (as it will be after this run) once REFIT_SHARE of it changed since the last fit."""
    rd = Path(run_dir)
    p = read_plan(rd)
    wh = p["warehouse"]
    if not (p["n_new"] or p["n_changed"] or p["n_deleted"] or p["full_refresh"]):
        return {"refit": False, "reason": "no article changed"}
    from etl.topics import REFIT_SHARE, assign_topics, fit_topics  # SciPy: only when there is work
    staged = _read(rd / "articles.parquet", ARTICLE_SCHEMA)
    touched = pl.concat([staged.select("article_id"), _read(rd / "deleted.parquet", {"article_id": pl.String})])
    state = article_state(wh)
    model, churn = _topic_model(wh)
    churn += touched.height
    if model and not p["full_refresh"] and n_topics is None and churn <= REFIT_SHARE * state.height:
        terms = query(wh, """SELECT t.topic_id, t.term, t.weight FROM topic_terms t JOIN topics USING (topic_id)
                             WHERE active""")
        t0 = time.perf_counter()
        at = assign_topics(staged.filter(pl.col("language").is_in(list(NLP_LANGUAGES))), _staged_mentions(rd),
                           terms, dict(zip(model["terms"], model["idf"])))
        _write(at, rd / "article_topics.parquet")
        return {"refit": False, "assigned": at["article_id"].n_unique(), "seconds": round(time.perf_counter() - t0, 2),
                "reason": f"{churn} of {state.height} articles changed since the last fit (refit above {REFIT_SHARE:.0%})"}
    keep_old = "article_id NOT IN (SELECT article_id FROM touched)"
    old_articles, old_mentions, prev_topics, prev_terms = (pl.DataFrame(),) * 4
    if not state.is_empty():
        old_articles = _query_with(wh, f"""SELECT article_id, title, text FROM articles
                                           WHERE language IN ('en','und') AND {keep_old}""", touched)
        old_mentions = _query_with(wh, f"""SELECT m.article_id, m.text, e.name, e.label FROM entity_mentions m
                                          JOIN entities e USING (entity_id) WHERE {keep_old}""", touched)
        prev_topics = query(wh, "SELECT * FROM topics")
        prev_terms = query(wh, "SELECT * FROM topic_terms")
    new_mentions = _staged_mentions(rd)
    articles = pl.concat([df for df in (old_articles, staged.filter(pl.col("language").is_in(list(NLP_LANGUAGES)))
                                        .select("article_id", "title", "text")) if not df.is_empty()] or
                         [pl.DataFrame(schema={"article_id": pl.String, "title": pl.String, "text": pl.String})])
    mentions = pl.concat([df for df in (old_mentions, new_mentions) if not df.is_empty()] or
                         [pl.DataFrame(schema={"article_id": pl.String, "text": pl.String, "name": pl.String, "label": pl.String})])
    t0 = time.perf_counter()
    version = datetime.fromisoformat(p["started_at"]).strftime("%Y%m%dT%H%M%S")
    fit = fit_topics(articles, mentions, prev_topics if not prev_topics.is_empty() else None,
                     prev_terms if not prev_terms.is_empty() else None, model_version=version, n_topics=n_topics)
    _write(fit.topics, rd / "topics.parquet")
    _write(fit.topic_terms, rd / "topic_terms.parquet")
    _write(fit.article_topics, rd / "article_topics.parquet")
    if fit.term_idf:
        _write(pl.DataFrame([{"model_version": version, "run_id": p["run_id"], "n_articles": articles.height,
                              "n_topics": fit.n_topics_chosen, "terms": list(fit.term_idf),
                              "idf": list(fit.term_idf.values())}],
                            schema={"model_version": pl.String, "run_id": pl.String, "n_articles": pl.Int32,
                                    "n_topics": pl.Int32, "terms": pl.List(pl.String), "idf": pl.List(pl.Float64)}),
               rd / "topic_models.parquet")
    return {"refit": True, "articles": articles.height, "topics": int(fit.topics["active"].sum() or 0),
            "seconds": round(time.perf_counter() - t0, 2)}


def _query_with(wh: Path | str, sql: str, touched: pl.DataFrame) -> pl.DataFrame:
    from etl.load import connect

    with connect(wh, read_only=True) as con:
        con.register("touched", touched.to_arrow())
        return con.execute(sql).pl()


STAGED_TABLES = ("articles", "entities", "entity_aliases", "entity_mentions", "quotes", "topics", "topic_terms",
                 "article_topics", "topic_models")


def validate(run_dir: str) -> dict:
    """Great Expectations over every staged table; failing rows go to quarantine."""
    from etl.validate import validate_tables

    rd = Path(run_dir)
    p = read_plan(rd)
    tables = {t: pl.read_parquet(rd / f"{t}.parquet") for t in STAGED_TABLES if (rd / f"{t}.parquet").exists()}
    deleted = set(_read(rd / "deleted.parquet", {"article_id": pl.String})["article_id"].to_list())
    existing = [a for a in article_state(p["warehouse"])["article_id"].to_list() if a not in deleted]
    topic_ids = None  # topics assigned without a refit refer to the warehouse's active topics
    if "article_topics" in tables and "topics" not in tables:
        topic_ids = query(p["warehouse"], "SELECT topic_id FROM topics WHERE active")["topic_id"].to_list()
    good, quarantine, docs = validate_tables(tables, existing, expected_articles=p["n_new"] + p["n_changed"],
                                             docs_dir=data_docs_dir(p["warehouse"]), run_name=p["run_id"],
                                             existing_topic_ids=topic_ids)
    out = rd / "validated"
    for name, df in good.items():
        _write(df, out / f"{name}.parquet")
    _write(quarantine, out / "quarantine.parquet")
    if docs:
        log.info("Great Expectations Data Docs: %s", docs)
    return {"checked": {t: df.height for t, df in tables.items()}, "quarantined": quarantine.height,
            "data_docs": str(docs) if docs else None}


def data_docs_dir(warehouse: Path | str) -> Path:
    """Great Expectations Data Docs live beside the warehouse they describe."""
    return config.work_dir(warehouse) / "data_docs"


def load(run_dir: str, run_id: str) -> dict:
    """One transaction into DuckDB; the staging folder is removed once the data is committed."""
    rd = Path(run_dir)
    p = read_plan(rd)
    wh = p["warehouse"]
    if run_loaded(wh, run_id):
        return {"loaded": False, "reason": "already loaded"}
    n_quarantined = _read(rd / "validated" / "quarantine.parquet").height
    result = load_run(wh, rd, run_id, p, n_quarantined)
    shutil.rmtree(rd, ignore_errors=True)
    return {**result, "compaction": compact(wh)}  # after the commit: the run's data is safe either way


def summary(warehouse: str | None = None, run_id: str | None = None) -> str:
    """A short human summary of a run (the latest by default) and the warehouse's row counts."""
    from etl.load import WAREHOUSE_TABLES

    wh = config.warehouse_path(warehouse)
    where = "WHERE run_id = ?" if run_id else ""
    runs = query(wh, f"SELECT * FROM runs {where} ORDER BY started_at DESC LIMIT 1", [run_id] if run_id else [])
    if runs.is_empty():
        return f"no run recorded in {wh}"
    r = runs.row(0, named=True)
    secs = (r["finished_at"] - r["started_at"]).total_seconds() if r["finished_at"] else float("nan")
    counts = query(wh, " UNION ALL ".join(f"SELECT '{t}' AS t, COUNT(*) AS n FROM {t}" for t in WAREHOUSE_TABLES))
    lines = [
        f"run {r['run_id']}: {r['status']} in {secs:.1f} s",
        f"articles: {r['n_new']} new, {r['n_changed']} changed, {r['n_deleted']} deleted, "
        f"{r['n_unchanged']} unchanged, {r['n_rejected']} rejected; {r['n_quarantined']} row(s) quarantined",
        "rows: " + ", ".join(f"{t}={n}" for t, n in counts.iter_rows()),
        f"warehouse: {wh}",
    ]
    if (docs := data_docs_dir(wh) / "index.html").exists():
        lines.append(f"data docs: {docs}")
    from etl.explorer.report import report_path

    if (page := report_path(wh, r["run_id"])).exists():
        lines.append(f"report: {page}")
    return "\n".join(lines)


def report(warehouse: str | None, run_id: str) -> str:
    """The run's summary, after writing its HTML report (which also refreshes the explorer's data)."""
    from etl.explorer import report as run_report

    wh = config.warehouse_path(warehouse)
    t0 = time.perf_counter()
    path = run_report.write(wh, run_id, summary(warehouse, run_id))
    log.info("report %s written in %.1f s", path, time.perf_counter() - t0)
    return summary(warehouse, run_id)


def run_local(input_dir: str | None, warehouse: str | None, run_id: str, *, full_refresh: bool = False,
              n_topics: int | None = None, n_process: int = 0) -> dict:
    """The DAG's tasks in order in this process: for tests and benchmarks that measure the stages
    themselves; `news-etl run` goes through Airflow."""
    p = plan(input_dir, warehouse, run_id, full_refresh)
    for shard in p["shards"]:
        nlp_shard(shard, n_process)
    canonicalise(p["run_dir"])
    topics(p["run_dir"], n_topics)
    validate(p["run_dir"])
    return {**p, "load": load(p["run_dir"], run_id)}


def record_failure(warehouse: str | None, run_id: str, error: str) -> None:
    """Called when a task has failed for good: the run is marked failed so the morning summary shows why."""
    from etl.load import record_failure as record

    try:
        record(config.warehouse_path(warehouse), run_id, None, error)
    except Exception:  # noqa: BLE001 - never mask the task's own error with the bookkeeping's
        log.exception("could not record the failure of run %s", run_id)
