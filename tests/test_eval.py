"""`news-etl eval`: scoring rules and the figures on the project's own gold (real spaCy model)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from etl import eval as ev

GOLD = Path(__file__).parent / "gold"


def test_word_overlap_and_matching():
    a = ev.words("We’re not going into Syria")
    b = ev.words('"We\'re not going into Syria",')
    assert ev.overlaps(a, b) == 1.0
    pairs = ev.match([ev.words("a b c d"), ev.words("a b")], [ev.words("a b c d")])
    assert pairs == [(0, 0)]  # one-to-one: the best prediction wins


def test_speaker_rule():
    assert ev.speaker_ok("Lavrov", "Sergey Lavrov")
    assert ev.speaker_ok("Russian Federation", "Russia")  # substring, as the README says
    assert ev.speaker_ok("Russia", "Russia")
    assert ev.speaker_ok(None, None) and not ev.speaker_ok("he", "Donald Trump")
    assert not ev.speaker_ok("Trump", None)


def test_ignore_and_unscored(tmp_path):
    text = 'Polls show Clinton ahead. "We will win," Trump said.'
    doc = {
        "doc_id": "x",
        "text": text,
        "quotes": [{"start": 27, "end": 39, "text": "We will win,", "kind": "direct", "speaker": None, "speaker_unscored": True}],
        "ignore": ["Clinton ahead"],
    }
    p = tmp_path / "g.jsonl"
    p.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    res = ev.run_eval(p)
    assert res["quotes"]["recall"] == 1.0
    assert res["quotes"]["n_speaker_scored"] == 0


def test_bare_pronoun_gold_speakers_are_reported_apart(tmp_path):
    text = 'Jane Roe spoke first. "We will win," she said. He said: "We will not."\nTom Lee said "No".'
    quotes = [{"start": 23, "end": 35, "text": "We will win,", "kind": "direct", "speaker": "Jane Roe"},
              {"start": 57, "end": 69, "text": "We will not.", "kind": "direct", "speaker": "He"}]
    assert all(text[q["start"]:q["end"]] == q["text"] for q in quotes)
    p = tmp_path / "g.jsonl"
    p.write_text(json.dumps({"doc_id": "x", "text": text, "quotes": quotes}) + "\n", encoding="utf-8")
    q = ev.run_eval(p)["quotes"]
    assert q["n_speaker_scored"] == 2 and q["n_speaker_bare_pronoun_gold"] == 1
    assert q["speaker_accuracy_named_gold"] == 1.0  # "she" resolved to Jane Roe


@pytest.fixture(scope="module")
def seed_result():
    return ev.run_eval(GOLD / "seed.jsonl")


def test_contract_keys(seed_result):
    r = seed_result
    assert r["docs"] == 1
    assert {"precision", "recall", "f1", "speaker_accuracy", "by_kind"} <= set(r["quotes"])
    assert {"precision", "recall", "f1", "canonical_accuracy"} <= set(r["entities"])


def test_seed_targets(seed_result):
    q, e = seed_result["quotes"], seed_result["entities"]
    # 0.85 (was 0.90): speech acts with a clausal complement ("accused Moscow of trying to ...") are now
    # reported (PolNeAR annotates them, the seed gold does not)
    assert q["f1"] >= 0.85
    assert q["speaker_accuracy"] >= 0.80
    assert e["canonical_accuracy"] >= 0.90
    assert e["recall"] >= 0.90


@pytest.fixture(scope="module")
def own_result():
    return ev.run_eval(GOLD / "corpus_gold.jsonl")


def test_own_gold_figures_per_split(own_result):
    """Regression guards a little under the figures in the README (the issue's targets are there too)."""
    splits = own_result["splits"]
    assert splits["tune"]["docs"] == 127 and splits["check"]["docs"] == 78
    tune, check = splits["tune"], splits["check"]
    assert tune["quotes"]["f1"] >= 0.90 and check["quotes"]["f1"] >= 0.90
    # guards follow the figures of 2026-12-05 (tune speaker 0.915, canonical 0.894; check canonical 0.832)
    assert tune["quotes"]["speaker_accuracy"] >= 0.90 and check["quotes"]["speaker_accuracy"] >= 0.80
    assert tune["entities"]["canonical_accuracy"] >= 0.88 and check["entities"]["canonical_accuracy"] >= 0.82
    mixed = own_result["quotes"]["by_kind"]["mixed"]
    assert mixed["recall"] >= 0.75


def test_errors_never_list_the_check_split(capsys):
    assert ev.main(["--gold", str(GOLD / "corpus_gold.jsonl"), "--errors"]) == 0
    out = capsys.readouterr().out
    check = [json.loads(line)["doc_id"] for line in (GOLD / "corpus_gold.jsonl").read_text(encoding="utf-8").splitlines()
             if json.loads(line)["split"] == "check"]
    assert "errors of the 78 `check` documents are not listed" in out
    assert "ERR" in out and not any(f"== {doc_id}" in out for doc_id in check)
    assert "== check (78 docs)" in out and "== tune (127 docs)" in out


def test_corpus_gold_offsets_valid():
    for line in (GOLD / "corpus_gold.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        assert d["source"].startswith("shared/corpus/news/") and d["split"] in ("tune", "check")
        for q in d["quotes"]:
            assert d["text"][q["start"] : q["end"]] == q["text"]
            if "clause_start" in q:
                assert d["text"][q["clause_start"] : q["clause_end"]] == q["clause_text"]
                assert q["clause_start"] <= q["start"] and q["end"] <= q["clause_end"]
        for e in d["entities"]:
            assert all(a in d["text"] for a in e["aliases"]), e


def test_main_prints_json_last(capsys):
    rc = ev.main(["--gold", str(GOLD / "seed.jsonl"), "--limit", "1"])
    assert rc == 0
    out = capsys.readouterr().out.strip().splitlines()
    last = json.loads(out[-1])
    assert set(last) >= {"quotes", "entities", "docs"}
    assert any(line.startswith("quotes   direct") for line in out)
