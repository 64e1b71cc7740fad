"""Clean article bodies before NLP; the cleaned text is what `articles.text` stores and all offsets index.

Scraped news carries page furniture ("Comments", share lines), headlines of other stories that
interrupt the body, mojibake, and sentences glued together ("air base.Syrian"). Quotation marks,
straight or curly, are kept exactly: the quote extractor needs them.
"""

from __future__ import annotations

import re

# Whole lines that are page furniture, not article text.
_BOILERPLATE = re.compile(
    r"""^\s*(?:
        comments?(?:\s*\(\d+\))? | \d+\s+comments? | show\s+comments | leave\s+a\s+comment.* |
        advertisement | advert | sponsored(?:\s+content)? | story\s+continues\s+below.* |
        share(?:\s+this)?(?:\s+(?:article|story|page|on\s+\w+))?(?:\s*[:|].*)? |
        (?:share|tweet|email|print|facebook|twitter|whatsapp|linkedin)(?:\s*[|/·•]\s*\w+)+ |
        (?:subscribe|sign\s+up)\b.{0,80} | follow\s+us\b.{0,80} | related(?:\s+(?:articles|stories|topics|links))?\s*:? |
        read\s+more\b.{0,80} | click\s+here\b.{0,80} | image\s+copyright\b.{0,80} | getty\s+images |
        all\s+rights\s+reserved.{0,80} | copyright\s+©?.{0,80} | ©.{0,80} | top\s+of\s+page | back\s+to\s+top
    )\s*$""",
    re.I | re.X,
)
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or",
                "the", "to", "with", "vs", "v"}
_MOJIBAKE = re.compile("[\u00c2\u00c3\u00e2][\u0080-\u00bf\u0152-\u0192\u02c6-\u02dc\u2013-\u2122]")
# Character classes, not str.translate tables: a regex scans a text in C (0.15 -> 0.02 s for the corpus).
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile("[\t\u00a0\u2002\u2003\u2009\u202f\u3000\u2007\u2008\u200a\u205f]")
_GLUED = re.compile(r"(?<=[a-z][a-z][.!?])(?=[A-Z][a-z])")
_SPACE_BEFORE_PUNCT = re.compile(r"(?<=[\w\"”’')]) +(?=[,.;:!?](?:\s|$))")


def fix_mojibake(text: str) -> str:
    """UTF-8 that was decoded as cp1252 ("donâ€™t") is re-decoded; anything else is left alone."""
    if not _MOJIBAKE.search(text):
        return text
    for enc in ("cp1252", "latin-1"):
        try:
            return text.encode(enc).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


def is_boilerplate(line: str) -> bool:
    return bool(line.strip()) and bool(_BOILERPLATE.match(line))


def is_stray_headline(line: str) -> bool:
    """A Title Case line with no sentence punctuation: a headline, not a sentence of the body."""
    s = line.strip()
    if not s or re.search(r"[.!?:;,\"“”'’)]$", s) or len(s) > 120:
        return False
    words = re.findall(r"[^\W\d_][\w'’-]*", s)
    content = [w for w in words if w.lower() not in _SMALL_WORDS]
    if len(words) < 3 or len(content) < 2:
        return False
    capitalised = sum(1 for w in content if w[0].isupper())
    return capitalised / len(content) >= 0.85


def _normalise_chars(text: str) -> str:
    """Mojibake repaired, invisible characters dropped, odd spaces made plain."""
    return _SPACES.sub(" ", _INVISIBLE.sub("", fix_mojibake(text)))


def clean_text(text: str) -> str:
    """Return the cleaned body: furniture and stray headlines dropped, spacing repaired, marks kept."""
    text = _normalise_chars(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # LaTeX/typewriter-style double quotes are broken quotation marks.
    text = text.replace("``", "\u201c").replace("''", "\u201d")
    lines = [(re.sub(r" {2,}", " ", ln) if "  " in ln else ln).strip() for ln in text.split("\n")]
    kept: list[str] = []
    for i, line in enumerate(lines):
        if is_boilerplate(line):
            continue
        # A headline inside the body (not the first line) interrupts it: drop it.
        if i > 0 and any(kept) and is_stray_headline(line):
            continue
        kept.append(line)
    text = "\n".join(kept)
    # Sentences glued together: "air base.Syrian" -> "air base. Syrian".
    text = _GLUED.sub(" ", text)
    # Space before punctuation: "said , adding" -> "said, adding" (the regex only runs when it can match).
    if any(f" {p}" in text for p in ",.;:!?"):
        text = _SPACE_BEFORE_PUNCT.sub("", text)
    if "\n\n\n" in text:
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def clean_title(title: str | None) -> str | None:
    if title is None:
        return None
    title = " ".join(_normalise_chars(title).split())
    return title or None
