"""Entity mentions: surface forms, offsets, junk removal (real spaCy model)."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from etl.nlp import annotate
from etl.nlp.entities import normalise_key
from etl.nlp.model import load_nlp

GOLD = Path(__file__).parent / "gold"


@pytest.fixture(scope="module")
def seed():
    d = json.loads((GOLD / "seed.jsonl").read_text(encoding="utf-8").splitlines()[0])
    m, _ = annotate(pl.DataFrame({"article_id": ["seed"], "text": [d["text"]]}))
    return d["text"], m


def test_load_nlp_cached_and_configured():
    nlp = load_nlp()
    assert nlp is load_nlp()
    assert nlp.max_length >= 1_000_000
    assert "ner" in nlp.pipe_names and "parser" in nlp.pipe_names
    assert "lemmatizer" not in nlp.pipe_names


def test_mention_columns_and_offsets(seed):
    text, m = seed
    assert m.columns[:7] == ["article_id", "text", "label", "start_char", "end_char", "sentence_index", "key"]
    assert m.schema["start_char"] == pl.Int64 and m.schema["sentence_index"] == pl.Int64
    for r in m.iter_rows(named=True):
        assert text[r["start_char"] : r["end_char"]] == r["text"]


def test_surface_forms(seed):
    _, m = seed
    texts = set(m.get_column("text").to_list())
    assert "Tillerson" in texts and "Tillerson's" not in texts
    assert "Rex Tillerson" in texts  # "Secretary of State Rex Tillerson" -> the name
    assert "Mr Putin" in texts and "President Trump" in texts  # honorific + bare surname
    assert "Kremlin" in texts and "Security Council" in texts  # leading "the" stripped
    assert not any(t.lower().startswith("the ") for t in texts)
    keys = dict(m.select("text", "key").iter_rows())
    assert keys["Mr Putin"] == "Putin" and keys["President Trump"] == "Trump"


def test_junk_and_numbers_dropped(seed):
    _, m = seed
    labels = set(m.get_column("label").to_list())
    assert not labels & {"DATE", "CARDINAL", "ORDINAL", "TIME", "MONEY", "PERCENT"}
    assert "Comments" not in set(m.get_column("text").to_list())
    assert "Wednesday" not in set(m.get_column("text").to_list())


def test_normalise_key():
    assert normalise_key("Mr Putin's", "PERSON") == "Putin"
    assert normalise_key("Secretary of State Rex Tillerson", "PERSON") == "Rex Tillerson"
    assert normalise_key("the Kremlin", "ORG") == "Kremlin"


def test_parenthetical_acronym_shares_key():
    text = "A candidate for the UK Independence Party (UKIP) resigned. UKIP said he had left."
    m, _ = annotate(pl.DataFrame({"article_id": ["a"], "text": [text]}))
    keys = set(m.filter(pl.col("text").is_in(["UKIP", "UK Independence Party"])).get_column("key").to_list())
    assert keys == {"UK Independence Party"}
