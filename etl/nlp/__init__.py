"""NLP stage: entity mentions and quotes from article texts (spaCy), canonical entities.

Public interface used by the pipeline:
    annotate(articles) -> (mentions, quotes)
    canonical.canonicalise(mentions, known) -> (mentions_with_ids, entities, aliases)
    canonical.link_speakers(quotes, mentions_with_ids) -> quotes + speaker_entity_id
"""
from __future__ import annotations

import gc
import re
from typing import TYPE_CHECKING, Iterator

import polars as pl

from etl.parallel import fork_executor

from .canonical import _doc_clusters, _cluster_name_label, canonicalise, link_speakers, load_alias_table
from .entities import doc_mentions, doc_text
from .model import CHUNK_CHARS, load_nlp
from .quotes import extract_quotes, speaker_names

__all__ = ["annotate", "canonicalise", "link_speakers", "load_nlp", "release_workers", "MENTION_SCHEMA", "QUOTE_SCHEMA"]

MENTION_SCHEMA = {
    "article_id": pl.String,
    "text": pl.String,
    "label": pl.String,
    "start_char": pl.Int64,
    "end_char": pl.Int64,
    "sentence_index": pl.Int64,
    "key": pl.String,
}
QUOTE_SCHEMA = {
    "article_id": pl.String,
    "text": pl.String,
    "kind": pl.String,
    "start_char": pl.Int64,
    "end_char": pl.Int64,
    "speaker_text": pl.String,
    "cue": pl.String,
    "speaker_start": pl.Int64,
    "speaker_end": pl.Int64,
}


def _doc_labels(mentions) -> dict[str, str]:
    """Doc-local voted label per mention key (fixes e.g. a surname tagged ORG)."""
    by_key = _doc_clusters([(m.text, m.key, m.label) for m in mentions], load_alias_table())
    from .canonical import cluster_key

    out = {}
    for m in mentions:
        c = by_key.get(cluster_key(m.key, m.label))
        if c is not None:
            out[m.key] = _cluster_name_label(c)[1]
    return out


def annotate_doc(doc) -> tuple[list, list, int]:
    """(mentions, quotes, number of sentences) of one parsed doc, offsets relative to the doc."""
    sents = list(doc.sents)
    starts = [s.start_char for s in sents]
    ments = speaker_names(doc, doc_mentions(doc, starts), starts)
    labels = _doc_labels(ments)
    quotes = extract_quotes(doc, ments, labels, sents)
    return ments, quotes, len(starts)


_SENT_END = re.compile(r"[.!?][\"'”’)\]]*\s+")


def _cut_point(text: str, lo: int, hi: int) -> int:
    """Where a chunk of text[..hi] should end (searching back to lo): after a paragraph break, else a
    line break, else a sentence end, else a space; hi when there is none of these."""
    j = text.rfind("\n\n", lo, hi)
    if j >= 0:
        return j + 2
    j = text.rfind("\n", lo, hi)
    if j >= 0:
        return j + 1
    last = None
    for m in _SENT_END.finditer(text, lo, hi):
        last = m
    if last is not None:
        return last.end()
    j = max(text.rfind(" ", lo, hi), text.rfind("\t", lo, hi))
    if j >= 0:
        return j + 1
    return hi


def split_text(text: str, max_chars: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """Split a long text into (offset, chunk) pieces of at most max_chars characters, cut at paragraph
    boundaries where possible, of about equal size; the chunks concatenate back to the text."""
    n = len(text)
    if n <= max_chars:
        return [(0, text)]
    pieces = -(-n // max_chars)
    target = -(-n // pieces)  # balanced chunk size
    out: list[tuple[int, str]] = []
    pos = 0
    while n - pos > max_chars:
        hi = min(pos + max(target + target // 4, 1), pos + max_chars)  # a little slack past the target
        cut = _cut_point(text, pos + max(max_chars // 4, 1), hi)
        if cut <= pos:
            cut = hi
        out.append((pos, text[pos:cut]))
        pos = cut
    out.append((pos, text[pos:]))
    return out


def _chunks(ids: list[str], texts: list[str]) -> Iterator[tuple[str, tuple[str, int]]]:
    for aid, text in zip(ids, texts):
        for off, chunk in split_text(text):
            yield chunk, (aid, off)


# The smallest part handed to a worker, as a fraction of the shard's text per worker (see _shrinking_parts).
MIN_PART_FRACTION = 1 / 64
# Docs per nlp.pipe batch. Measured on the corpus (one process): 16 -> 6.5k words per CPU-s and a
# peak of 355 MB, 64 -> 6.3k and 745 MB; a batch's parse buffers, not the model, set the peak.
BATCH_SIZE = 16


def annotate(
    articles: pl.DataFrame, *, n_process: int = 1, batch_size: int = BATCH_SIZE
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Run the pipeline over articles (article_id, text); return (mentions, quotes).

    Docs are streamed through nlp.pipe and reduced to rows immediately, so only one batch
    of Docs is alive at a time. Texts longer than CHUNK_CHARS are split into chunks at paragraph
    boundaries (split_text) that are parsed as separate docs; their offsets are shifted back so that
    start_char/end_char index the full text and sentence_index continues across the chunks.

    With n_process > 1 the articles are split into contiguous parts that shrink from the first to the
    last (_shrinking_parts), each parsed *and* reduced to rows by a forked worker (see _workers) that
    inherits the loaded model: unlike nlp.pipe(n_process=...), no Doc is serialised back and the
    extraction runs in parallel too.
    """
    load_nlp()  # loaded before forking, so workers share it copy-on-write
    ids = articles.get_column("article_id").to_list()
    texts = [t if t is not None else "" for t in articles.get_column("text").to_list()]
    parts = _shrinking_parts(texts, n_process)
    if len(parts) <= 1:
        results = [_annotate_rows(ids, texts, batch_size)]
    else:
        from concurrent.futures.process import BrokenProcessPool

        try:
            results = list(_workers(n_process).map(
                _annotate_rows, *zip(*[(ids[a:b], texts[a:b], batch_size) for a, b in parts])))
        except BrokenProcessPool:
            release_workers()
            raise
    m_cols = {k: [v for m, _ in results for v in m[k]] for k in MENTION_SCHEMA}
    q_cols = {k: [v for _, q in results for v in q[k]] for k in QUOTE_SCHEMA}
    return pl.DataFrame(m_cols, schema=MENTION_SCHEMA), pl.DataFrame(q_cols, schema=QUOTE_SCHEMA)


if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

_POOL: tuple[int, ProcessPoolExecutor] | None = None


def _workers(n: int) -> ProcessPoolExecutor:
    """n forked workers, kept for the next annotate() in this process (the shards of a run under
    `airflow dags test` or run_local): a pool per shard cost a fresh start and cold caches each time.

    ProcessPoolExecutor, not Pool: a worker that dies (OOM killer, signal) fails the call with
    BrokenProcessPool instead of leaving it waiting for ever. The workers are forked at once, under
    gc.freeze(), so their garbage collector leaves the inherited objects (and their pages) alone."""
    global _POOL
    if _POOL is not None and _POOL[0] != n:
        release_workers()
    if _POOL is None:
        gc.freeze()
        try:
            pool = fork_executor(n)
            pool.submit(int).result()  # forks all n workers now, while the heap is frozen
        finally:
            gc.unfreeze()
        _POOL = (n, pool)
    return _POOL[1]


def release_workers() -> None:
    """End the kept NLP workers (the next stage needs the memory more than they do)."""
    global _POOL
    if _POOL is not None:
        _POOL[1].shutdown(cancel_futures=True)
        _POOL = None


def _shrinking_parts(texts: list[str], n: int) -> list[tuple[int, int]]:
    """Contiguous [a, b) ranges of texts for n workers, largest first: each part takes 1/(2n) of the
    text still unassigned, down to MIN_PART_FRACTION of a worker's share.

    The workers take parts in order, so the small parts come last and fill in whoever finishes
    first. Measured on 334-article shards of the corpus (2 workers, ~2 x 9 s each): 8 equal parts
    left 0.15-0.8 CPU-s idle per shard at the end, these parts 0.07-0.09 CPU-s.
    """
    remaining = sum(len(t) for t in texts)
    if n <= 1 or len(texts) < 2 or not remaining:
        return [(0, len(texts))]
    floor = remaining / n * MIN_PART_FRACTION
    bounds, acc, target = [0], 0, max(remaining / (2 * n), floor)
    for i, t in enumerate(texts[:-1]):
        acc += len(t)
        if acc >= target:
            bounds.append(i + 1)
            remaining -= acc
            acc, target = 0, max(remaining / (2 * n), floor)
    bounds.append(len(texts))
    return list(zip(bounds, bounds[1:]))


def _annotate_rows(ids: list[str], texts: list[str], batch_size: int) -> tuple[dict[str, list], dict[str, list]]:
    """Mention and quote rows (plain lists, no Polars: safe in a forked worker) for these texts."""
    nlp = load_nlp()
    m_cols: dict[str, list] = {k: [] for k in MENTION_SCHEMA}
    q_cols: dict[str, list] = {k: [] for k in QUOTE_SCHEMA}
    prev_aid, sent_base = None, 0
    for doc, (aid, off) in nlp.pipe(_chunks(ids, texts), as_tuples=True, batch_size=batch_size):
        if off == 0 or aid != prev_aid:
            sent_base = 0
        prev_aid = aid
        ments, quotes, n_sents = annotate_doc(doc)
        for m in ments:
            m_cols["article_id"].append(aid)
            m_cols["text"].append(m.text)
            m_cols["label"].append(m.label)
            m_cols["start_char"].append(m.start_char + off)
            m_cols["end_char"].append(m.end_char + off)
            m_cols["sentence_index"].append(m.sentence_index + sent_base)
            m_cols["key"].append(m.key)
        text = doc_text(doc)
        for q in quotes:
            q_cols["article_id"].append(aid)
            q_cols["text"].append(text[q.start : q.end])
            q_cols["kind"].append(q.kind)
            q_cols["start_char"].append(q.start + off)
            q_cols["end_char"].append(q.end + off)
            q_cols["speaker_text"].append(q.speaker_text)
            q_cols["cue"].append(q.cue)
            q_cols["speaker_start"].append(None if q.speaker_start is None else q.speaker_start + off)
            q_cols["speaker_end"].append(None if q.speaker_end is None else q.speaker_end + off)
        sent_base += n_sents
    return m_cols, q_cols
