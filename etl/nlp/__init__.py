"""NLP stage: entity mentions and quotes from article texts (spaCy), canonical entities.

Public interface used by the pipeline:
    annotate(articles) -> (mentions, quotes)
    canonical.canonicalise(mentions, known) -> (mentions_with_ids, entities, aliases)
    canonical.link_speakers(quotes, mentions_with_ids) -> quotes + speaker_entity_id
"""
from __future__ import annotations

import polars as pl

from .canonical import _doc_clusters, _cluster_name_label, canonicalise, link_speakers, load_alias_table
from .entities import doc_mentions, sentence_starts
from .model import load_nlp
from .quotes import extract_quotes

__all__ = ["annotate", "canonicalise", "link_speakers", "load_nlp", "MENTION_SCHEMA", "QUOTE_SCHEMA"]

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
    from .canonical import norm

    out = {}
    for m in mentions:
        c = by_key.get(norm(m.key))
        if c is not None:
            out[m.key] = _cluster_name_label(c)[1]
    return out


def annotate_doc(doc) -> tuple[list, list]:
    starts = sentence_starts(doc)
    ments = doc_mentions(doc, starts)
    labels = _doc_labels(ments)
    quotes = extract_quotes(doc, ments, labels)
    return ments, quotes


def annotate(
    articles: pl.DataFrame, *, n_process: int = 1, batch_size: int = 64
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Run the pipeline over articles (article_id, text); return (mentions, quotes).

    Docs are streamed through nlp.pipe and reduced to rows immediately, so only one batch
    of Docs is alive at a time.
    """
    nlp = load_nlp()
    m_cols: dict[str, list] = {k: [] for k in MENTION_SCHEMA}
    q_cols: dict[str, list] = {k: [] for k in QUOTE_SCHEMA}
    ids = articles.get_column("article_id").to_list()
    texts = [t if t is not None else "" for t in articles.get_column("text").to_list()]
    texts = [t[: nlp.max_length - 1] for t in texts]
    for doc, aid in nlp.pipe(zip(texts, ids), as_tuples=True, n_process=n_process, batch_size=batch_size):
        ments, quotes = annotate_doc(doc)
        for m in ments:
            m_cols["article_id"].append(aid)
            m_cols["text"].append(m.text)
            m_cols["label"].append(m.label)
            m_cols["start_char"].append(m.start_char)
            m_cols["end_char"].append(m.end_char)
            m_cols["sentence_index"].append(m.sentence_index)
            m_cols["key"].append(m.key)
        text = doc.text
        for q in quotes:
            q_cols["article_id"].append(aid)
            q_cols["text"].append(text[q.start : q.end])
            q_cols["kind"].append(q.kind)
            q_cols["start_char"].append(q.start)
            q_cols["end_char"].append(q.end)
            q_cols["speaker_text"].append(q.speaker_text)
            q_cols["cue"].append(q.cue)
            q_cols["speaker_start"].append(q.speaker_start)
            q_cols["speaker_end"].append(q.speaker_end)
    return pl.DataFrame(m_cols, schema=MENTION_SCHEMA), pl.DataFrame(q_cols, schema=QUOTE_SCHEMA)
