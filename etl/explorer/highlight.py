"""An article's text as HTML with its entity mentions and quotes marked, in displaCy's style.

Every character of the article goes through markupsafe.escape: a text containing `<script>`
shows it as text. Mentions (spaCy entities never overlap) may sit inside quotes; a mention that
crosses a quote's edge is drawn in two pieces rather than breaking the nesting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape


def _covering(spans: Sequence[dict], start: int, end: int) -> int | None:
    """Index of the first span that covers [start, end), if any."""
    for i, s in enumerate(spans):
        if s["start_char"] <= start and end <= s["end_char"]:
            return i
    return None


def highlight(text: str, mentions: Sequence[dict], quotes: Sequence[dict], href: Callable[[str], str]) -> Markup:
    """`mentions`: dicts with entity_id, name, label, start_char, end_char; `quotes`: dicts with
    kind, cue, speaker, speaker_text, speaker_entity_id, start_char, end_char; `href(entity_id)`
    is the link to an entity's page."""
    n = len(text)
    mentions = [m for m in mentions if 0 <= m["start_char"] < m["end_char"] <= n]
    quotes = [q for q in quotes if 0 <= q["start_char"] < q["end_char"] <= n]
    cuts = sorted({0, n, *(s["start_char"] for s in (*mentions, *quotes)), *(s["end_char"] for s in (*mentions, *quotes))})
    out: list[str] = []
    open_quote: int | None = None
    open_mention: int | None = None

    def close_mention(at: int) -> None:
        nonlocal open_mention
        if open_mention is None:
            return
        m = mentions[open_mention]
        if m["end_char"] == at:
            out.append(Markup('<span class="ent-label">{}</span>').format(m["label"]))
        out.append(Markup("</a>"))
        open_mention = None

    def close_quote(at: int) -> None:
        nonlocal open_quote
        if open_quote is None:
            return
        q = quotes[open_quote]
        if q["end_char"] == at:
            out.append(_quote_label(q, href))
        out.append(Markup("</span>"))
        open_quote = None

    for start, end in zip(cuts, cuts[1:]):
        qi, mi = _covering(quotes, start, end), _covering(mentions, start, end)
        if qi != open_quote:
            close_mention(start)
            close_quote(start)
            if qi is not None:
                q = quotes[qi]
                out.append(Markup('<span class="quote quote-{}" title="{} quote">').format(q["kind"], q["kind"]))
                open_quote = qi
        if mi != open_mention:
            close_mention(start)
            if mi is not None:
                m = mentions[mi]
                out.append(Markup('<a class="ent ent-{}" href="{}" title="{}: {}">').format(
                    m["label"], href(m["entity_id"]), m["label"], m["name"] or text[m["start_char"]:m["end_char"]]))
                open_mention = mi
        out.append(escape(text[start:end]))
    close_mention(n)
    close_quote(n)
    return Markup("").join(out)


def _quote_label(q: dict, href: Callable[[str], str]) -> Markup:
    """The tag after a quote: its kind, cue and speaker (a link when the speaker is a known entity)."""
    who = q.get("speaker") or q.get("speaker_text")
    speaker = Markup("")
    if who and q.get("speaker_entity_id"):
        speaker = Markup(' · <a href="{}">{}</a>').format(href(q["speaker_entity_id"]), who)
    elif who:
        speaker = Markup(" · {}").format(who)
    cue = Markup(" · {}").format(q["cue"]) if q.get("cue") else Markup("")
    return Markup('<span class="quote-label">{}{}{}</span>').format(q["kind"], cue, speaker)
