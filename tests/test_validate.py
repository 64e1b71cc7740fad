"""Great Expectations suites (expectations/*.json) really run: bad rows go to quarantine with the
expectation that failed, and rows that refer to them follow; a broken table stops the batch."""

import json

import polars as pl
import pytest

from etl.validate import BatchUnusable, validate_tables

TEXT = "Tony Blair said the plan works."


def _articles(**over):
    row = {"article_id": "a1", "source_path": "a1.txt", "content_sha256": "0" * 64, "title": None,
           "published_at": None, "url": None, "text": TEXT, "n_words": 6, "language": "en", "encoding": "utf-8"}
    bad = {**row, "article_id": "a2", "content_sha256": "not-a-hash", **over}
    return pl.DataFrame([row, bad])


def _mentions():
    return pl.DataFrame([
        {"article_id": "a1", "entity_id": "E1", "text": "Tony Blair", "label": "PERSON", "start_char": 0, "end_char": 10, "sentence_index": 0},
        {"article_id": "a1", "entity_id": "E1", "text": "Blair", "label": "PERSON", "start_char": 5, "end_char": 99, "sentence_index": 0},
        {"article_id": "a1", "entity_id": "E1", "text": "Tony", "label": "WIZARD", "start_char": 0, "end_char": 4, "sentence_index": 0},
        {"article_id": "a2", "entity_id": "E1", "text": "Tony Blair", "label": "PERSON", "start_char": 0, "end_char": 10, "sentence_index": 0},
    ])


def _quotes():
    base = {"article_id": "a1", "speaker_text": "Tony Blair", "speaker_entity_id": "E1", "cue": "said"}
    return pl.DataFrame([
        {**base, "quote_id": "Q1", "text": "the plan works", "kind": "indirect", "start_char": 16, "end_char": 30},
        {**base, "quote_id": "Q2", "text": "the plan", "kind": "rumour", "start_char": 16, "end_char": 24},
        {**base, "quote_id": "Q3", "text": "wrong text", "kind": "direct", "start_char": 16, "end_char": 24},
        {**base, "quote_id": "Q4", "text": "the plan works", "kind": "indirect", "start_char": 16, "end_char": 30,
         "speaker_entity_id": "E404"},
    ])


def test_bad_rows_quarantined_with_the_failed_expectation(tmp_path):
    tables = {
        "articles": _articles(),
        "entities": pl.DataFrame([{"entity_id": "E1", "name": "Tony Blair", "label": "PERSON"}]),
        "entity_mentions": _mentions(),
        "quotes": _quotes(),
    }
    good, quarantine, docs = validate_tables(tables, [], expected_articles=2, docs_dir=tmp_path / "docs", run_name="t")
    assert good["articles"]["article_id"].to_list() == ["a1"]
    assert good["entity_mentions"]["text"].to_list() == ["Tony Blair"]
    assert good["quotes"]["quote_id"].to_list() == ["Q1"]
    q = {(r["table_name"], json.loads(r["row_json"]).get("quote_id") or json.loads(r["row_json"])["text"]): r["reason"]
         for r in quarantine.to_dicts()}
    assert "expect_column_values_to_match_regex" in q[("articles", TEXT)]
    assert "_text_len" in q[("entity_mentions", "Blair")]  # end_char beyond the text
    assert "expect_column_values_to_be_in_set(column=label" in q[("entity_mentions", "Tony")]
    assert "article_id refers to an article that passed validation" in q[("entity_mentions", "Tony Blair")]  # its article was quarantined
    assert "column=kind" in q[("quotes", "Q2")]
    assert "_span_matches" in q[("quotes", "Q3")]
    assert "column=_speaker_entity_id_known" in q[("quotes", "Q4")]
    assert docs is not None and docs.exists()
    assert len(list((tmp_path / "docs" / "validations").rglob("*.html"))) == 4


def test_missing_column_makes_the_batch_unusable():
    with pytest.raises(BatchUnusable, match="articles"):
        validate_tables({"articles": _articles().drop("content_sha256")}, [], expected_articles=2)


def test_row_count_mismatch_makes_the_batch_unusable():
    with pytest.raises(BatchUnusable, match="row_count"):
        validate_tables({"articles": _articles()}, [], expected_articles=3)
