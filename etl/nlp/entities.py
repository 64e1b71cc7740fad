"""Entity mentions from a spaCy Doc: surface-form clean-up and doc-local keys."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from spacy.tokens import Doc, Span

# Named-entity labels kept as entity mentions (numbers, dates, money ... are not entities).
KEEP_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)

# One-word honorifics that stay part of the surface form when they precede a bare surname
# ("Mr Putin", "President Trump"), and are stripped from the key.
HONORIFICS = frozenset(
    """mr mr. mrs mrs. ms ms. miss dr dr. sir dame lord lady prof prof. professor president senator sen. sen
    gov. gov governor rep. rep pope king queen prince princess chancellor judge justice
    mayor sheikh ayatollah cardinal archbishop bishop rev rev. reverend gen. gen general
    col. colonel capt. captain sgt. sergeant lt. lieutenant coach""".split()
)
# Titles that only people take ("Mr", not "President Bush Library" or "King's College").
PERSONAL_TITLES = frozenset("mr mr. mrs mrs. ms ms. miss dr dr. sir dame prof prof. professor".split())
# Words of longer titles/roles stripped from the start of a PERSON mention
# ("Secretary of State Rex Tillerson" -> "Rex Tillerson").
TITLE_WORDS = HONORIFICS | frozenset(
    """vice prime minister secretary state foreign home defence defense deputy chief executive
    chairman chairwoman chair ceo spokesman spokeswoman leader ambassador commissioner attorney
    director manager boss head of the former acting senior junior first lady speaker commander
    minister, shadow finance trade health culture interior economy us u.s. un u.n. eu uk
    british american russian french german national security adviser advisor counsel
    tory tories labour conservative liberal democrat democratic republican ex former mp mep""".split()
)

WEEKDAYS_MONTHS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)
JUNK = frozenset(
    """comments comment share advertisement related read more click here email print copyright
    photo video getty images reuters/ ap/ afp/ image caption""".split()
) | WEEKDAYS_MONTHS
TITLE_ONLY = (TITLE_WORDS - frozenset(
    "us u.s. un u.n. eu uk british american russian french german labour conservative liberal "
    "democrat democratic republican tory tories".split()
)) | frozenset({"state", "house", "government", "parliament"})

_POSSESSIVE = ("'s", "’s", "'", "’")
_HAS_ALPHA = re.compile(r"[^\W\d_]")
_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = "\"'“”‘’`.,;:!?()[]{}-–—*•/\\"


@dataclass(slots=True)
class Mention:
    text: str
    label: str
    start_char: int
    end_char: int
    sentence_index: int
    key: str
    tok_start: int  # token index range in the doc (after clean-up)
    tok_end: int


def sentence_starts(doc: Doc) -> list[int]:
    return [s.start_char for s in doc.sents]


def sentence_index(starts: list[int], char: int) -> int:
    return max(bisect_right(starts, char) - 1, 0)


def _strip_titles(words: list[str]) -> list[str]:
    """Remove leading title/role words, keeping at least one word."""
    i = 0
    while i < len(words) - 1 and words[i].lower().rstrip(",") in TITLE_WORDS:
        i += 1
    return words[i:]


def normalise_key(text: str, label: str) -> str:
    t = _SPACES.sub(" ", text).strip()
    for p in _POSSESSIVE:
        if t.endswith(p) and len(t) > len(p) + 1:
            t = t[: -len(p)]
            break
    t = t.strip(_EDGE_PUNCT + " ")
    words = t.split(" ")
    if words and words[0].lower() == "the" and len(words) > 1:
        words = words[1:]
    if label == "PERSON" or (len(words) > 1 and words[0].lower() in HONORIFICS):
        words = _strip_titles(words)
    return " ".join(words)


def doc_mentions(doc: Doc, starts: list[int] | None = None) -> list[Mention]:
    """Entity mentions of a parsed doc, with cleaned surface forms.

    - drops numeric/date labels and junk (weekdays, boilerplate words, strings without letters)
    - strips a leading "the", trailing possessive "'s" and edge punctuation from the surface form
    - strips a multi-word title from a full name ("Secretary of State Rex Tillerson" -> "Rex Tillerson")
    - keeps a one-word honorific before a bare surname ("Mr Putin", "President Trump")
    """
    if starts is None:
        starts = sentence_starts(doc)
    out: list[Mention] = []
    for ent in doc.ents:
        label = ent.label_
        if label not in KEEP_LABELS:
            continue
        s, e = ent.start, ent.end
        # trim tokens: leading determiners / punctuation, trailing possessives / punctuation
        while s < e and (doc[s].lower_ in ("the", "a", "an") or doc[s].is_punct or doc[s].is_space):
            s += 1
        # "European Union (EU" -> "European Union": a bracketed acronym is its own mention
        e = next((k for k in range(s + 1, e) if doc[k].text == "("), e)
        while e > s and (doc[e - 1].lower_ in _POSSESSIVE or doc[e - 1].is_punct or doc[e - 1].is_space):
            e -= 1
        if s >= e:
            continue
        if label != "PERSON" and s > 0 and e - s <= 3 and doc[s - 1].lower_ in PERSONAL_TITLES and doc[s - 1].text[:1].isupper():
            label = "PERSON"  # 'Mr Katwala' tagged GPE, 'Dr Nobles' ORG: a personal title before a name is a person
        if label == "PERSON" and e - s >= 2:
            # strip a leading (multi-word) title from a name; keep a one-word honorific before a bare surname
            k = s
            while k < e - 1 and doc[k].lower_ in TITLE_WORDS:
                k += 1
            if k > s:
                s = k if (e - k >= 2 or doc[k - 1].lower_ not in HONORIFICS) else k - 1
        if label == "PERSON" and e - s == 1 and s > 0:
            prev = doc[s - 1]
            if prev.lower_ in HONORIFICS and prev.text[:1].isupper() and not prev.ent_type_ in ("ORG", "GPE"):
                s -= 1
                if prev.lower_ == "president" and s > 0 and doc[s - 1].lower_ == "vice":
                    s -= 1
        span = doc[s:e]
        text = span.text
        low = text.lower()
        if not _HAS_ALPHA.search(text) or low in JUNK or len(text) < 2:
            continue
        if e - s == 1 and (low in TITLE_ONLY or doc[s].is_lower):
            continue
        if e - s == 1 and text.isupper() and len(text) > 5 and label == "PERSON":
            continue  # shouted headline words
        out.append(span_mention(span, label, starts))
    out = _propagate(doc, out, starts)
    _link_acronyms(doc.text, out)
    return out


def _propagate(doc: Doc, mentions: list[Mention], starts: list[int]) -> list[Mention]:
    """A person or organisation the model tagged somewhere is the same name where it missed it
    ('Marat Safin' ... 'Safin admitted ...'): exact token matches of tagged names, and the surname of a
    tagged full name, on proper-noun tokens outside other entities and outside longer proper names."""
    forms: dict[str, dict[tuple[str, ...], str]] = {}  # first token -> {token texts: label}
    for m in mentions:
        if m.label not in ("PERSON", "ORG"):
            continue
        toks = tuple(t.text for t in doc[m.tok_start : m.tok_end] if t.lower_ not in HONORIFICS)
        if not toks or len("".join(toks)) < 3:
            continue
        forms.setdefault(toks[0], {}).setdefault(toks, m.label)
        if m.label == "PERSON" and len(toks) >= 2 and len(toks[-1]) >= 3 and toks[-1][:1].isupper():
            forms.setdefault(toks[-1], {}).setdefault(toks[-1:], "PERSON")
    if not forms:
        return mentions
    taken = bytearray(len(doc))
    for m in mentions:
        taken[m.tok_start : m.tok_end] = b"\x01" * (m.tok_end - m.tok_start)
    proper = ("NNP", "NNPS")
    added = []
    for i, t in enumerate(doc):
        cands = forms.get(t.text)
        if cands is None or taken[i] or t.tag_ not in proper or t.ent_type_:
            continue
        for toks, label in sorted(cands.items(), key=lambda kv: -len(kv[0])):
            j = i + len(toks)
            if j > len(doc) or tuple(x.text for x in doc[i:j]) != toks or any(taken[i:j]) or any(x.ent_type_ for x in doc[i:j]):
                continue
            s = i - 1 if i > 0 and doc[i - 1].lower_ in HONORIFICS and label == "PERSON" else i
            if (s == i and i > 0 and doc[i - 1].tag_ in proper) or (j < len(doc) and doc[j].tag_ in proper):
                break  # part of a longer name ('Safin Foundation')
            added.append(span_mention(doc[s:j], label, starts))
            taken[s:j] = b"\x01" * (j - s)
            break
    return with_added(mentions, added)


def span_mention(span: Span, label: str, starts: list[int]) -> Mention:
    """The mention of a token span, its key normalised for its label."""
    return Mention(text=span.text, label=label, start_char=span.start_char, end_char=span.end_char,
                   sentence_index=sentence_index(starts, span.start_char), key=normalise_key(span.text, label),
                   tok_start=span.start, tok_end=span.end)


def with_added(mentions: list[Mention], added: list[Mention]) -> list[Mention]:
    """Mentions in document order (their indexes bisect on tok_start)."""
    return sorted(mentions + added, key=lambda m: m.tok_start) if added else mentions


_BRACKET_ACRONYM = re.compile(r"\s*\(([A-Z][A-Z.&]{1,9})\)")


def _link_acronyms(text: str, mentions: list[Mention]) -> None:
    """'UK Independence Party (UKIP)': the acronym's mentions take the expansion's key."""
    expand: dict[str, str] = {}
    for a in mentions:
        # the bracket right after the name defines the acronym, whether or not the model tagged it
        m = _BRACKET_ACRONYM.match(text, a.end_char)
        if m is not None and len(a.key.split()) >= 2 and a.label != "PERSON":
            expand[m.group(1)] = a.key
    if expand:
        for m in mentions:
            if m.text in expand:
                m.key = expand[m.text]
