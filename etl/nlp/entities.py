"""Entity mentions from a spaCy Doc: surface-form clean-up and doc-local keys."""
from __future__ import annotations

import csv
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Doc, Span

from .names import GIVEN_NAMES, PERSON_ROLE_NOUNS

PLACES_CSV = Path(__file__).with_name("places.csv")
CLUBS_CSV = Path(__file__).with_name("clubs.csv")
ORGANISATIONS_CSV = Path(__file__).with_name("organisations.csv")
ALIASES_CSV = Path(__file__).with_name("aliases.csv")
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
# Titles that begin firms' names too: 'General Motors' tagged ORG is no general called Motors.
FIRM_NAME_TITLES = frozenset({"general"})
# Titles that only people take ("Mr", not "President Bush Library" or "King's College").
PERSONAL_TITLES = frozenset("mr mr. mrs mrs. ms ms. miss dr dr. sir dame prof prof. professor".split())
# Titles of honour that are part of a full name as written ("Sir Alex Ferguson", "Dame Judi Dench"); other
# titles are stripped from a full name ("President George Bush" -> "George Bush").
NAME_TITLES = frozenset({"sir", "dame"})
# Titles of peers: a person when a surname follows ('Lord Winston'), not an office ('Lord Chancellor').
PEER_TITLES = frozenset({"lord", "lady", "baroness", "baron"})
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
    photo video getty images reuters/ ap/ afp/ image caption r&b mps""".split()
) | WEEKDAYS_MONTHS
# Acronyms of things, not organisations, that the model tags ORG ('GMT' 33 times in the corpus, 'RFID', 'MMS').
THING_ACRONYMS = frozenset("""gmt bst est cet rfid dvd dvds cd cds lp ep tv pc pcs ps2 psp iptv dtt mms sms gprs 3g 4g hd hdtv
    mp3 gdp gnp vat ceo cfo aids hiv sars dna it id pda pdas usb voip ip lcd gps ram cpu dsl adsl isp url html p2p pvr
    vod drm wifi wi-fi""".split())
TITLE_ONLY = (TITLE_WORDS - frozenset(
    "us u.s. un u.n. eu uk british american russian french german labour conservative liberal "
    "democrat democratic republican tory tories".split()
)) | frozenset({"state", "house", "government"})

_DATE_PREPS = frozenset({"on", "in", "at", "since", "until", "by", "from"})
_POSSESSIVE = ("'s", "’s", "'", "’")
_DASHES = frozenset({"-", "–", "—"})
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
    if label == "PERSON" or (len(words) > 1 and words[0].lower() in HONORIFICS - FIRM_NAME_TITLES):
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
    taken_to = 0  # tokens before this belong to a name already taken (an institution's run-on name)
    national = _national_prefixes(doc)
    countries = set(national.values())  # taken into the institution's name after them
    for ent in doc.ents:
        label = ent.label_
        if label not in KEEP_LABELS or ent.start in countries:
            continue
        s, e = national.get(ent.start, ent.start), ent.end
        # trim tokens: leading determiners / punctuation, trailing possessives / punctuation
        while s < e and (doc[s].lower_ in ("the", "a", "an") or doc[s].is_punct or doc[s].is_space):
            s += 1
        # "European Union (EU" -> "European Union": a bracketed acronym is its own mention
        e = next((k for k in range(s + 1, e) if doc[k].text == "("), e)
        # "the Commons on Monday" -> "Commons": a date phrase the model ran into the name
        e = next((k for k in range(s + 1, e) if doc[k].lower_ in _DATE_PREPS
                  and any(doc[j].lower_ in WEEKDAYS_MONTHS for j in range(k + 1, e))), e)
        if s >= e or s < taken_to:
            continue
        if label == "NORP":
            # 'Scottish' + 'Executive': a nationality before capitalised words ending in an institution word
            # is that institution's name ('Scottish Executive', 'Welsh Assembly'), which the model left untagged
            k = _capitalised_run(doc, e, 3)
            while k > e and doc[k - 1].lower_ not in NAME_HEADS:
                k -= 1
            if k > e and all(doc[j].ent_type_ in ("", "ORG") for j in range(e, k)):
                e, label = k, "ORG"
        if label == "ORG":
            e = taken_to = _institution_end(doc, s, e)
        if label != "PERSON" and s > 0 and e - s <= 3 and doc[s - 1].text[:1].isupper() and _person_title(doc[s - 1], doc[s]):
            label = "PERSON"  # 'Mr Katwala' tagged GPE, 'Dr Nobles' ORG: a personal title before a name is a person
        elif label not in ("PERSON", "NORP") and s > 0 and _role_before_name(doc, s, e):
            label = "PERSON"  # 'Newcastle boss Graeme Souness', 'actor Ewan McGregor' tagged ORG
        # "Bill Cosby - moved to ...": a spaced dash ends the name (a hyphen has no space before it), unless
        # a person's given name follows it ("MPs - Keith Vaz"); "Lord Dubs' Succession Bill": so does a
        # possessive inside a person's name
        k = next((k for k in range(s + 1, e - 1) if doc[k].text in _DASHES and doc[k - 1].whitespace_
                  or label == "PERSON" and doc[k].lower_ in _POSSESSIVE), e)
        if k < e and label == "PERSON" and doc[k].text in _DASHES and doc[k + 1].lower_ in GIVEN_NAMES \
                and doc[s].lower_ not in GIVEN_NAMES:
            s = k + 1
        else:
            e = k + (doc[k].lower_ in _POSSESSIVE if k < e else 0)
        # "Saint Kitts and", "United through": a function word does not end a name
        while e > s and (doc[e - 1].lower_ in _POSSESSIVE or doc[e - 1].is_punct or doc[e - 1].is_space
                         or e - s > 1 and doc[e - 1].is_stop and doc[e - 1].is_lower):
            e -= 1
        # "Associated Press news agency", "HBOS bank": a lowercase descriptor after the name is not part of it
        k = e
        while label == "ORG" and k > s + 1 and doc[k - 1].is_lower and not doc[k - 1].is_stop:
            k -= 1
        if k < e and doc[k - 1].text[:1].isupper() and any(t.lower_ in ORG_DESCRIPTORS or t.lower_ == "news" for t in doc[k:e]):
            e = k
        if s >= e:
            continue
        k = next((k for k in range(s + 1, e - 1) if doc[k].lower_ in PERSONAL_TITLES and doc[k].text[:1].isupper()), None)
        if k is not None:
            s, label = k, "PERSON"  # 'the deal with Tanzania Mr Brown said' (one ORG): the name starts at its title
        if label == "PERSON":
            s, e = _name_bounds(doc, s, e)
            if e - s > 2 and doc[s].lower_ in ("said", "says") and doc[s + 1].lower_ in TITLE_WORDS:
                s += 1  # 'Said Mr Bysshe:' opening a sentence
        if label == "PERSON" and e - s >= 2:
            # strip a leading (multi-word) title from a name; keep a one-word honorific before a bare surname
            k = s
            while k < e - 1 and (doc[k].lower_ in TITLE_WORDS
                                 or doc[k].lower_ in PERSON_ROLE_NOUNS and _name_words(doc[k + 1 : e]) >= 2):
                k += 1  # 'Lawyer Louise Christian', 'Defender Jaap Stam': the description is no part of the name
            if k > s:
                s = k if (_name_words(doc[k:e]) >= 2 or doc[k - 1].lower_ not in HONORIFICS) else k - 1
        if label == "PERSON" and e - s >= 2 and s > 0 and doc[s - 1].lower_ in NAME_TITLES \
                and doc[s - 1].text[:1].isupper():
            s -= 1
        if label == "PERSON" and _name_words(doc[s:e]) == 1 and s > 0:
            prev = doc[s - 1]
            if prev.lower_ in HONORIFICS and prev.text[:1].isupper() and not prev.ent_type_ in ("ORG", "GPE"):
                s -= 1
                if prev.lower_ == "president" and s > 0 and doc[s - 1].lower_ == "vice":
                    s -= 1
        span = doc[s:e]
        text = span.text
        low = text.lower()
        if not _HAS_ALPHA.search(text) or low in JUNK or len(text) < 2 or low in THING_ACRONYMS and not text.istitle():
            continue
        if e - s == 1 and (low in TITLE_ONLY or doc[s].is_lower):
            continue
        if e - s == 1 and text.isupper() and len(text) > 5 and label == "PERSON":
            continue  # shouted headline words
        out.append(span_mention(span, label, starts))
    out = _as_one_mention(_untagged_institutions(doc, _split_joined(doc, out, starts), starts), _press_names(doc), "ORG", starts)
    out = _as_one_mention(out, _constituencies(doc), "GPE", starts)
    out = _as_one_mention(out, _channel_names(doc), "ORG", starts)
    out = _as_one_mention(out, _gazetteer_names(doc), "ORG", starts)
    out = _titled_names(doc, _propagate(doc, out, starts), starts)
    # names found by their description, and names the context made a person or an organisation ('Sociedad',
    # tagged GPE, is the club in a sports report), are tagged where the model missed them too
    labels = {id(m): m.label for m in out}
    out = _lineups(doc, _context_labels(doc, out, starts), starts)
    if any(labels.get(id(m)) != m.label for m in out):
        out = _propagate(doc, out, starts)
    out = _works(doc, _not_described(doc, _link_acronyms(doc, _firm_short_forms(doc, out, starts), starts)))
    for m in out:
        if m.label in _NOT_EVENT_LABELS and (m.key.split()[-1].lower() in EVENT_WORDS or m.key.lower() in EVENT_NAMES):
            m.label = "EVENT"  # 'Academy Awards', 'Davis Cup', 'European Indoor Championships': no organisation
    return out


# Nouns of works and products: written right before a name, they say what it names ('the film Vera Drake',
# 'the browser Firefox'), which the model often tags as a person or an organisation.
WORK_NOUNS = frozenset("""film movie biopic album single song track book novel memoir musical play opera show sitcom
    series drama documentary game""".split())
PRODUCT_NOUNS = frozenset("browser console handset robot chip software".split())
_WORK_MISLABELS = frozenset({"PERSON", "ORG", "GPE", "FAC", "NORP"})  # the model's labels _works corrects


def _works(doc: Doc, mentions: list[Mention]) -> list[Mention]:
    """Names a work or product noun right before introduces ('hit film Ray', 'the robot Asimo') are works of art or
    products wherever the article writes them."""
    kinds = {}
    sport = sports_report(doc)  # 'the other Group B game Cameroon's Sable Batie'
    for m in mentions:
        prev = doc[m.tok_start - 1] if m.tok_start > 0 else None
        if prev is None or m.key in places() or sport and prev.lower_ == "game":
            continue
        root = doc[m.tok_start : m.tok_end].root
        if prev.is_lower and m.label in _WORK_MISLABELS and (
                prev.dep_ in ("compound", "nmod", "appos") and m.tok_start <= prev.head.i < m.tok_end
                or root.dep_ == "appos" and root.head.i == prev.i):
            kind = "WORK_OF_ART" if prev.lower_ in WORK_NOUNS else "PRODUCT" if prev.lower_ in PRODUCT_NOUNS else None
            if kind is not None:
                kinds.setdefault(m.key, kind)
    for m in mentions:
        if m.key in kinds and m.label in _WORK_MISLABELS:
            m.label = kinds[m.key]
    return mentions


# Last words of the names of awards and competitions, which the model tags as organisations or people.
EVENT_WORDS = frozenset("award awards prize prizes cup trophy championship championships festival olympics".split())
# ... and one-word names of awards and yearly events ('an Oscar', tagged PERSON 97 times in the corpus)
EVENT_NAMES = frozenset("oscar oscars grammy grammys emmy emmys baftas brits budget".split())
_NOT_EVENT_LABELS = frozenset({"ORG", "PERSON", "GPE", "FAC", "WORK_OF_ART", "PRODUCT", "LOC"})


def _not_described(doc: Doc, mentions: list[Mention]) -> list[Mention]:
    """Without the one-word 'persons' the article writes after 'the' and never bare: descriptions ('the
    25-year-old Dubliner', 'the Welshman'), which the speaker rules resolve, and things the model took for
    people ('the Premiership', 'the Bernabeu', 'the Oscar'); 'the Bush administration' keeps its name."""
    from .canonical import load_nicknames, norm  # canonical imports this module

    def described(m: Mention) -> bool:
        k = m.tok_start
        return m.tok_end - k == 1 and k > 0 \
            and (doc[k - 1].lower_ == "the" or any(c.dep_ == "det" and c.lower_ == "the" for c in doc[k].lefts)) \
            and not (m.tok_end < len(doc) and doc[m.tok_end].tag_ in ("NN", "NNS") and doc[k].head.i == m.tok_end)

    bare = {m.key for m in mentions if not described(m)}
    bare |= {k.split()[-1] for k in bare if " " in k}  # 'the Laharrague try' after 'Julien Laharrague'
    return [m for m in mentions if not (m.label == "PERSON" and m.key not in bare and described(m)
                                        and norm(m.key) not in load_nicknames())]  # 'the Gunners' is a club


_JOINERS = frozenset({"or", "v", "v.", "vs", "vs."})


def _split_joined(doc: Doc, mentions: list[Mention], starts: list[int]) -> list[Mention]:
    """Two names the model ran into one across 'v' or 'or' ('Blackburn v Burnley', 'Arsenal or Sheffield
    United'), or across 'and' when both are places or (in a sports report) clubs ('Everton and Arsenal'), are
    two mentions; sides of a fixture in a sports report are teams."""
    out = []
    sport = sports_report(doc)

    def listed(a: int, b: int) -> bool:
        name = doc[a:b].text
        return name in places() or sport and name in club_names()

    for m in mentions:
        k = next((k for k in range(m.tok_start + 1, m.tok_end - 1) if doc[k].lower_ in _JOINERS
                  or doc[k].lower_ == "and" and m.text not in places() and m.text not in known_organisations()
                  and listed(m.tok_start, k) and listed(k + 1, m.tok_end)), None)  # 'Everton and Arsenal'
        if k is None or m.label in ("WORK_OF_ART", "LAW"):  # 'Spider-Man or Batman', 'Roe v Wade'
            out.append(m)
            continue
        label = "ORG" if doc[k].lower_ not in ("or", "and") and sport else m.label
        out += [span_mention(doc[m.tok_start : k], label, starts), span_mention(doc[k + 1 : m.tok_end], label, starts)]
    return out


# Last words of a firm's full name that its short form drops: 'Cairn Energy' is 'Cairn', 'Baikal Finance
# Group' is 'Baikal'.
FIRM_SUFFIXES = frozenset(
    """group airlines airways productions labs laboratories inc corp corporation ltd plc holdings capital finance
    entertainment records studios pictures communications telecom networks systems technologies software
    motors pharmaceuticals energy electronics industries""".split()
)


def _firm_short_forms(doc: Doc, mentions: list[Mention], starts: list[int]) -> list[Mention]:
    """An organisation named with a firm's suffix ('Jet Airways', 'Multiplex Group') is its short form in the
    rest of the article ('Jet' tagged PERSON, 'Southwest' LOC, 'GW' untagged). Not when the short form is a
    place, a nationality or a known name of something else ('Japan Airlines', 'Thai Airways'), or a
    person's surname."""
    from .canonical import load_alias_table, norm  # canonical imports this module

    other = {m.text for m in mentions if m.label in ("NORP", "GPE")} | _surnames(mentions)
    forms: dict[str, dict[tuple[str, ...], str]] = {}  # first token -> {token texts: "ORG"}
    for m in mentions:
        e = m.tok_end
        while e - m.tok_start > 1 and doc[e - 1].lower_ in FIRM_SUFFIXES:
            e -= 1
        short = doc[m.tok_start : e]
        if m.label != "ORG" or e == m.tok_end or short.text in places() or short.text in other \
                or not all(t.text[:1].isupper() and t.tag_ in ("NNP", "NNPS") for t in short) \
                or load_alias_table().get(norm(short.text), ("", "ORG"))[1] != "ORG":
            continue
        toks = tuple(t.text for t in short)
        forms.setdefault(toks[0], {})[toks] = "ORG"
    for m in mentions:
        toks = tuple(t.text for t in doc[m.tok_start : m.tok_end])
        if toks in forms.get(toks[0], {}):
            m.label = "ORG"
    return _tag_where_missed(doc, mentions, forms, starts)


# Words that mark a sports report. Measured on the 1,670 BBC corpus articles: at 1 per 100 words or more,
# 95% of the sport category and at most 3% of any other category (business, politics, tech, entertainment).
SPORT_WORDS = frozenset(
    """match matches coach striker midfielder defender goalkeeper winger squad club clubs league cup season goal
    goals championship championships tournament semi-final quarter-final tries scrum flanker fly-half prop
    premiership fixture fixtures transfer victory defeat captain stadium referee penalty injury fitness medal
    olympic olympics athletics champion champions tennis football rugby cricket sprint marathon caps debut""".split()
)
SPORT_DENSITY = 0.01
# A place (or a one-word name) modifying one of these in a sports report is a team: "the England coach",
# "Wales' victories", "the Scotland game", "Bath owner".
TEAM_HEADS = frozenset(
    """coach coaches manager boss job man men game games match matches victory victories win wins defeat defeats
    draw side team squad captain skipper physio player players fans supporters owner chairman debut shirt camp
    selectors doctor assistant striker defender midfielder winger goalkeeper keeper forward flanker fly-half
    scrum-half prop lock centre wing hooker international internationals career""".split()
)
# ... and a place that beats, faces or plays someone, or is played against, is a team.
TEAM_VERBS = frozenset("beat beats beaten defeat defeated face faces faced host hosts hosted play plays played thrash thrashed edge edged meet meets overcame hammered crushed".split())
TEAM_PREPS = frozenset({"against", "v", "v.", "vs", "vs.", "over"})
# ... and so is a name a player plays or signs for, moves from ('played for Ajax', 'moved from Anderlecht'),
# joins or leaves (a player is played or signed, not joined).
CAREER_VERBS = frozenset("play plays played playing sign signs signed signing move moves moved moving".split())
CLUB_OBJECT_VERBS = frozenset("join joins joined joining leave leaves left leaving".split())
# A name described by one of these is an organisation: "oil giant Yukos", "brokers Jefferies",
# "Menatep, Yukos' main shareholders' group".
ORG_DESCRIPTORS = frozenset(
    """firm firms company companies giant group maker makers bank banks broker brokers brokerage monopoly carrier
    airline retailer supermarket chain publisher developer broadcaster network operator producer manufacturer
    insurer lender conglomerate subsidiary agency studio label website newspaper magazine channel watchdog
    regulator utility supplier distributor exporter consortium outfit charity club clubs band bands consultancy
    consultants tank thinktank institute""".split()
)
# ... of them, those no person is called ("producer", "maker", "duo" and "watchdog" can be people): they
# outweigh a full name tagged PERSON ("US band Scissor Sisters").
FIRM_DESCRIPTORS = frozenset(
    """firm firms company companies group bank banks carrier airline retailer chain conglomerate subsidiary
    band bands club clubs newspaper magazine insurer brokerage supermarket outfit consultancy consultants
    tank thinktank""".split()
)
# A club is its town plus one of these ("Manchester United", "Exeter City"); the model often tags it a
# person or a place.
CLUB_WORDS = frozenset(
    "united city rovers athletic wanderers albion county villa rangers hotspur forest celtic wednesday argyle town fc".split()
)
# Head words of institutions, which a short form keeps ("the Commission", "the Supreme Court").
INSTITUTION_WORDS = frozenset(
    """commission council party court office institute service department committee board bank reserve
    treasury union association agency authority ministry federation league society fund foundation hall
    academy assembly parliament executive university college""".split()
)
# ... and those whose names go on with a complement the model often cuts off: "Department for Education
# and Skills", "Board of Deputies of British Jews", "World Summit on the Information Society".
NAME_HEADS = INSTITUTION_WORDS | frozenset(
    "summit centre center organisation organization school trust confederation bureau alliance coalition "
    "campaign forum programme inspectorate tribunal".split()
)
COMPLEMENT_PREPS = frozenset({"of", "for", "on"})
# ... and a name that has one of these is an organisation: "Yukos' owner", "the Yukos unit", "Yukos
# shareholders". People have none of them.
ORG_HEADS = frozenset(
    """owner owners shareholders shareholder shares stake unit subsidiary founder chairman board employees
    workers staff profits profit revenues revenue turnover output headquarters factory plant stock takeover
    merger executives directors""".split()
)


def _team_cue(doc: Doc, m: Mention) -> bool:
    """Places and lone names modify team words; only places beat or are played against (people do too)."""
    root = doc[m.tok_end - 1]
    head = root.head
    if m.label not in ("GPE", "LOC", "PERSON"):
        return False
    if root.dep_ in ("compound", "poss", "nmod") and head.lower_ in TEAM_HEADS:
        return True
    k = m.tok_end + (m.tok_end < len(doc) and doc[m.tok_end].lower_ in _POSSESSIVE)
    if k < len(doc) and doc[k].lower_ in TEAM_HEADS and doc[k].is_lower and (m.label != "PERSON" or m.key in places()):
        return True  # 'his 92-cap Wales career', 'the former England forward': the parser hung the place elsewhere
    if m.label == "PERSON":  # a lone name a player plays for, joins or leaves ('played for Ajax')
        verb = head.head if root.dep_ == "pobj" else head
        if " " in m.key or not verb.tag_.startswith("VB"):
            return False
        return (root.dep_ == "dobj" and verb.lower_ in CLUB_OBJECT_VERBS
                or root.dep_ == "pobj" and head.lower_ in ("for", "from") and verb.lower_ in CAREER_VERBS)
    if root.dep_ in ("nsubj", "dobj") and head.lower_ in TEAM_VERBS:
        return True
    return root.dep_ == "pobj" and head.lower_ in TEAM_PREPS


# In a sports report a place used as an actor is a team: it beats, is beaten, has a box, plays against or for
# someone ('Newcastle beat ...', 'left Tottenham', 'Portsmouth's box', 'played for Wales'), acts on someone
# ('knocked out by Newcastle') or is lost to ('lose 2-1 to Germany'); used any other
# way ('in Paris', 'travel to Edinburgh', 'a London club') it is a place.
TEAM_DEPS = frozenset("nsubj nsubjpass dobj poss".split())
TEAM_OBJ_PREPS = TEAM_PREPS | {"with", "for"}
# ... and so is one that does something to someone ('knocked out by Newcastle', 'lured by Tottenham') or that
# someone loses to ('lose 2-1 to Germany').
LOSING_VERBS = frozenset("lose loses losing lost fall falls fell slip slipped slump slumped succumb succumbed".split())


def _teams_by_use(doc: Doc, mentions: list[Mention]) -> set[str]:
    """Keys of places (GeoNames or tagged GPE) that a sports report uses more often as a team than as a place."""
    table = places()
    people = {m.key for m in mentions if m.label == "PERSON"}  # a player the model also tagged GPE stays a person
    votes: dict[str, int] = {}
    for m in mentions:
        if m.label not in ("GPE", "LOC", "ORG") or m.key not in table and (m.label != "GPE" or m.key in people) \
                or m.text != m.key:
            continue
        root = doc[m.tok_end - 1]
        while root.dep_ == "conj" and root.head.i < root.i:
            root = root.head  # 'in Tel Aviv, Chicago and Athens': a list takes its first item's role
        prep = root.head if root.dep_ == "pobj" else None
        player = root.dep_ == "poss" and root.head.ent_type_ == "PERSON"  # 'Russia's Elena Likhovtseva': nationality
        team = (root.dep_ in TEAM_DEPS and not player
                or root.dep_ in ("compound", "nmod") and root.head.lower_ in TEAM_HEADS
                or prep is not None and (prep.lower_ in TEAM_OBJ_PREPS or prep.dep_ == "agent"
                                         or prep.lower_ == "to" and prep.head.lower_ in LOSING_VERBS))
        votes[m.key] = votes.get(m.key, 0) + (1 if team else -1)
    return {k for k, v in votes.items() if v > 0}


# Last words of the names of streets and grounds, which a firm or club is named after ('the High Street
# retailer', 'the Carrow Road outfit') without being the place.
STREET_WORDS = frozenset("street road avenue lane square park".split())


def _names_firm_word(doc: Doc, i: int) -> bool:
    """The name ending at token i modifies a firm word after it (FIRM_DESCRIPTORS: no person is called so),
    over lower-case nouns only: 'the Evening Standard newspaper', 'Sal Oppenheim investment bank'."""
    head = doc[i].head
    return (doc[i].dep_ == "compound" and head.i > i and doc[i].lower_ not in STREET_WORDS
            and head.lower_ in FIRM_DESCRIPTORS and head.tag_.startswith("NN")
            and head.dep_ != "appos"  # 'Confifi Hotel Holdings, a small Sri Lankan tourism firm'
            and all(t.is_lower and t.tag_ == "NN" and t.dep_ == "compound" for t in doc[i + 1 : head.i])
            and not any(c.i > head.i and c.dep_ in ("compound", "appos") and c.tag_ in ("NNP", "NNPS")
                        for c in head.children))  # 'Glasgow group Franz Ferdinand' describes the name after it


def _described_org(doc: Doc, m: Mention, words: frozenset[str] = ORG_DESCRIPTORS) -> bool:
    """An organisation descriptor in apposition, right before the name or named by it: 'oil giant Yukos',
    'Yukos, the firm', 'Sal Oppenheim investment bank'."""
    if _names_firm_word(doc, m.tok_end - 1) and m.label not in ("GPE", "LOC") and m.key not in places() \
            and (m.label != "PERSON" or m.tok_end - m.tok_start > 1):
        return True  # not a place's ('a London newspaper') nor a lone surname's ('Parry firm over Gerrard')
    root = doc[m.tok_start : m.tok_end].root  # 'Transport' of 'group Transport 2000'
    for c in root.children:
        if c.lower_ in words and (c.dep_ == "appos" and _own_description(c, m)
                                  or c.dep_ == "compound" and c.i == m.tok_start - 1):
            return True
    return root.dep_ == "appos" and root.head.lower_ in words and _own_description(root.head, m)


def _own_description(noun, m: Mention) -> bool:
    """A descriptor that does not describe another name after it ('Annie Lennox, metal group Motorhead')."""
    return not any(c.i > noun.i and not m.tok_start <= c.i < m.tok_end and c.dep_ in ("compound", "appos")
                   and c.tag_ in ("NNP", "NNPS") for c in noun.children)


PLACE_PREPS = frozenset("in across throughout around inside".split())


def _in_the_country(doc: Doc, m: Mention) -> bool:
    """A country a sports report names as where something happens ('the second half in France', 'in the
    Netherlands') is the country, though the same name is its team elsewhere in the article ('beat France')."""
    root = doc[m.tok_end - 1]
    return places().get(m.key) == "country" and m.label in ("GPE", "LOC") and root.dep_ == "pobj" \
        and root.head.lower_ in PLACE_PREPS


def _org_cue(doc: Doc, m: Mention) -> bool:
    root = doc[m.tok_end - 1]
    if places().get(m.key) == "country":
        return False  # 'Chile, the biggest copper producer' is still the country (a national side is a team cue)
    if _described_org(doc, m):
        return True
    # a place has units and owners too ("the company's US unit"): only for names not tagged as places
    return m.label not in ("GPE", "LOC") and root.dep_ in ("compound", "poss", "nmod") and root.head.lower_ in ORG_HEADS


def _context_labels(doc: Doc, mentions: list[Mention], starts: list[int]) -> list[Mention]:
    """Labels from how the article uses a name, where the small model's guess is often wrong:
    - an organisation by its description ('oil giant Yukos' tagged PERSON, 'brokers Jefferies' GPE); an
      untagged name so described becomes a mention ('gas monopoly Gazprom');
    - in a sports report, a place or lone name used as a team ('the England coach', 'beat France').
    The label then holds for every mention of that name in the article. People are left alone: a name that
    is a person's surname, or a given name, or a full person name, keeps its label, and a surname of a full
    name tagged as an organisation, product or title is a person again."""
    from .canonical import load_nicknames, norm  # canonical imports this module

    sport = sports_report(doc)
    surnames = _surnames(mentions)
    taken = taken_tokens(mentions)
    added = []
    for i, t in enumerate(doc[1:], 1):
        if (sport and i not in taken and t.tag_ == "NNPS" and _untagged_proper(t) and doc[i - 1].lower_ == "the"
                and t.lower_ not in SPORT_WORDS and t.lower_ != "games"):
            added.append(span_mention(doc[i : i + 1], "ORG", starts))  # 'the Scarlets', 'the Ospreys': a team
            taken.add(i)
            continue
        # an untagged one-word name of a known organisation: 'Wolves have won the race' (a club's nickname,
        # tagged a common noun) in a sports report, 'Cable firms ntl and Telewest' (organisations.csv)
        club = sport and t.text[:1].isupper() \
            and (norm(t.text) in load_nicknames() or t.text in club_names() and not _at_venue(doc, i))
        known = _known_organisation(t.text, sport) and t.text[:1].isalpha() \
            and not (t.is_sent_start and known_organisations()[t.text] == "band")
        if i not in taken and not t.ent_type_ and (club or known) \
                and not _untagged_proper(doc[i - 1]) and not (i + 1 < len(doc) and _untagged_proper(doc[i + 1])):
            added.append(span_mention(doc[i : i + 1], "ORG", starts))
            taken.add(i)
            continue
        if i in taken or not _untagged_proper(t):
            continue
        if any(c.dep_ == "appos" and c.lower_ in ORG_DESCRIPTORS for c in t.children):
            s = i  # an untagged name with a descriptor in apposition: 'Metrovias, the private firm which ...'
            while s - 1 not in taken and s - 1 > 0 and _untagged_proper(doc[s - 1]) and doc[s - 1].head.i == i:
                s -= 1
            added.append(span_mention(doc[s : i + 1], "ORG", starts))
            taken.update(range(s, i + 1))
            continue
        e = i + 1
        while e < len(doc) and _untagged_proper(doc[e]) and e not in taken:
            e += 1
        # untagged proper nouns right after a descriptor ('gas monopoly Gazprom', 'analyst firm IDC') or
        # naming the descriptor after them ('the Evening Standard newspaper')
        after = doc[i - 1].lower_ in ORG_DESCRIPTORS and (
            doc[i - 1].dep_ == "compound" and doc[i - 1].head.i == e - 1
            or doc[e - 1].dep_ == "appos" and doc[e - 1].head.i == i - 1)
        before = ((doc[i - 1].tag_ in ("DT", "POS", "PRP$") or doc[i - 1].is_punct) and not t.is_sent_start
                  and not (e - i == 1 and t.text.isupper() and len(t) <= 3)  # 'TV network', 'PC magazine'
                  and _names_firm_word(doc, e - 1))  # not 'the Sideways producer'
        if after or before:
            added.append(span_mention(doc[i:e], "ORG", starts))
            taken.update(range(i, e))
    mentions = with_added(mentions, added)
    for m in mentions:
        if _club(m, sport):
            m.label = "ORG"
    clubs = {m.key.split()[-1] for m in mentions
             if m.label == "ORG" and " " in m.key and m.key.split()[-1].lower() in CLUB_WORDS}
    for m in mentions:
        if m.key in clubs:
            m.label = "ORG"  # 'United boss Sir Alex Ferguson' after 'Manchester United': the club
    _place_labels(doc, mentions, sport)
    orgs = {m.key for m in added} | {m.key for m in mentions if _named_like_a_firm(doc, m)}
    for m in mentions:
        if m.key in orgs or m.label not in ("ORG", "GPE", "LOC", "PERSON", "PRODUCT", "WORK_OF_ART", "FAC"):
            continue
        if m.key in surnames or m.key.lower() in GIVEN_NAMES:
            continue
        if " " in m.key and m.key.split()[-1].lower() in FIRM_SUFFIXES:
            orgs.add(m.key)  # 'Pyra Labs' tagged PERSON, 'X1 Technologies' WORK_OF_ART: a firm's full name says so
            continue
        if m.label == "PERSON" and " " in m.key:  # a full name is a person unless so described
            if _described_org(doc, m, FIRM_DESCRIPTORS):
                orgs.add(m.key)
            continue
        if _org_cue(doc, m) or sport and _team_cue(doc, m):
            orgs.add(m.key)
    if sport:
        orgs |= _teams_by_use(doc, mentions) - surnames
    person_surnames = _surnames([m for m in mentions if m.key not in orgs])  # the labels have changed since
    # a town is its club in a report that names clubs ('Bolton host Arsenal'), not in an athletics report ('The
    # Birmingham athlete', from Middlesbrough)
    clubs_named = sport and len({m.key for m in mentions if m.key in club_names()}) >= 2
    for m in mentions:
        if m.key in orgs and not (sport and _in_the_country(doc, m)):
            m.label = "ORG"
        elif m.key in person_surnames and " " not in m.text and m.label in SURNAME_MISLABELS:
            m.label = "PERSON"  # 'Graeme Souness' ... 'Souness' tagged ORG
        elif sport and (m.key in club_names() or m.key in club_towns() and clubs_named) and m.key not in person_surnames \
                and not _at_venue(doc, m.tok_start):
            # 'Everton' tagged PERSON, 'Anderlecht' GPE, 'Bolton host Arsenal': a club, unless a game is played there
            m.label = "ORG"
        elif _known_organisation(m.text, sport) and m.key not in person_surnames:
            m.label = "ORG"  # 'Konami' tagged PERSON, 'Beastie Boys' WORK_OF_ART
    _list_labels(doc, mentions, surnames, sport)
    return mentions


def sports_report(doc: Doc) -> bool:
    """Whether the article is a sports report, by the share of sports words in it (once per doc)."""
    if "sport" not in doc.user_data:
        words = [t.lower_ for t in doc if t.is_alpha]
        doc.user_data["sport"] = bool(words) and sum(w in SPORT_WORDS for w in words) >= SPORT_DENSITY * len(words)
    return doc.user_data["sport"]


def doc_text(doc: Doc) -> str:
    """doc.text, a property that joins every token's text on each read: once per doc."""
    if "text" not in doc.user_data:
        doc.user_data["text"] = doc.text
    return doc.user_data["text"]


# A team sheet or squad list: 'Chelsea: Cech, Paulo Ferreira, Terry, Jarosik (Tiago 56), ...', 'Backs: B Cohen
# (England), C Paterson (Scotland), ...': players, with an initial, a substitute and the minute he came on, or
# the club or country a player comes from in brackets.
_NAME_WORD = r"[A-Z][\w'’]*(?:-[A-Z][\w'’]*)*"
_NAME_PARTICLE = r"(?:van|von|de|der|den|da|di|do|dos|du|le|la|del|ter)"
_LIST_NAME = rf"(?:[A-Z]\.? )?(?:{_NAME_PARTICLE} )*{_NAME_WORD}(?: (?:{_NAME_PARTICLE} )*{_NAME_WORD}){{0,2}}"
_LIST_ITEM = re.compile(rf"({_LIST_NAME})(?: \d{{1,3}})?(?: \(([^()]{{1,40}})\))?")  # 'Riggott 74' scored
_LIST_SEP = r"(?:[,;] (?:and )?|(?<=\)) )"  # 'C Latham (Australia); R Caucaunibuca (Fiji), J Fourie (S Africa) T Umaga'
_LIST_RUN = re.compile(rf"(?:(?<=: )|^)(?:{_LIST_ITEM.pattern}{_LIST_SEP})+(?:and )?{_LIST_ITEM.pattern}", re.M)
# the goals: 'Riggott 74, Graham 86.'
_SCORERS = re.compile(rf"{_LIST_NAME} \d{{1,3}}(?:, {_LIST_NAME} \d{{1,3}})*\.?")
_BRACKET_TEAM = re.compile(rf"({_LIST_NAME})(?:, [a-z .]+)?")  # '(England)', '(Ireland, capt)', '(Stade Toulousain)'
_SUBSTITUTE = re.compile(rf"({_LIST_NAME}) \d{{1,3}}")  # 'Jarosik (Tiago 56)'
_LINEUP_LABEL = re.compile(r"\b(?:subs|substitutes|replacements|reserves|forwards|backs|goalkeepers|defenders|"
                           r"midfielders|strikers|squad|team|not used)\s*:\s*$", re.I)
LINEUP_MIN_ITEMS = 6
LINEUP_MIN_AFTER_LABEL = 2  # 'Subs Not Used: Cooper, Knight'; 'Chelsea: Cech, ...' has eleven
LINEUP_MAX_KNOWN = 0.3  # 'Arsenal, Chelsea, Everton, ...' lists clubs, not players


def _lineups(doc: Doc, mentions: list[Mention], starts: list[int]) -> list[Mention]:
    """In a sports report, the names of a team sheet are people, whatever the model made of them ('B Cohen'
    tagged ORG, 'Gregan' GPE, 'Parnaby' untagged, 'Rougerie' without its initial), and the bracketed club or
    country they come from is a team; every other mention of such a name in the article is the person too."""
    if not sports_report(doc):
        return mentions
    from .canonical import load_nicknames, norm  # canonical imports this module

    def known(name: str) -> bool:
        return name in places() or name in club_names() or norm(name) in load_nicknames() \
            or known_organisations().get(name) not in (None, "band")

    text = doc_text(doc)
    spans: list[tuple[int, int, str]] = []
    for run in _LIST_RUN.finditer(text):
        items = list(_LIST_ITEM.finditer(run.group(0)))
        line = text[text.rfind("\n", 0, run.start()) + 1 : run.start()]
        eol = text.find("\n", run.start())
        scorers = not line.strip() and _SCORERS.fullmatch(text, run.start(), eol if eol >= 0 else len(text)) is not None
        if len(items) < (LINEUP_MIN_AFTER_LABEL if _LINEUP_LABEL.search(line) or scorers else LINEUP_MIN_ITEMS) \
                or sum(known(it.group(1)) for it in items) > LINEUP_MAX_KNOWN * len(items):
            continue
        for it in items:
            spans.append((run.start() + it.start(1), run.start() + it.end(1), "PERSON"))
            if it.group(2) is None:
                continue
            b = run.start() + it.start(2)
            if sub := _SUBSTITUTE.fullmatch(it.group(2)):
                spans.append((b, b + sub.end(1), "PERSON"))
            elif team := _BRACKET_TEAM.fullmatch(it.group(2)):
                lead = 4 if team.group(1).startswith("The ") else 0  # '(The Borders)'
                spans.append((b + lead, b + team.end(1), "ORG"))
    if not spans:
        return mentions
    added, cover = [], set()
    for a, b, label in spans:
        span = doc.char_span(a, b, alignment_mode="contract")
        if span is None or not len(span):
            continue
        added.append(span_mention(span, label, starts))
        cover.update(range(span.start, span.end))
    people = {m.key for m in added if m.label == "PERSON"}
    kept = [m for m in mentions if cover.isdisjoint(range(m.tok_start, m.tok_end))]
    for m in kept:
        if m.key in people and m.label != "PERSON" and not known(m.text):
            m.label = "PERSON"  # 'Gregan' in the report, tagged GPE
    return with_added(kept, added)


@lru_cache(maxsize=1)
def club_names() -> frozenset[str]:
    """Names of football and rugby clubs (clubs.csv, editable): in a sports report they name the club."""
    with open(CLUBS_CSV, newline="", encoding="utf-8") as fh:
        return frozenset(r["name"] for r in csv.DictReader(fh))


@lru_cache(maxsize=1)
def club_towns() -> frozenset[str]:
    """The towns of one club each, which a sports report names the club by ('Bolton' for Bolton Wanderers,
    'Cardiff' for Cardiff City); not a town of two ('Sheffield', 'Bristol')."""
    towns = Counter(" ".join(n.split()[:-1]) for n in club_names()
                    if len(n.split()) > 1 and n.split()[-1].lower() in CLUB_WORDS)
    return frozenset(t for t, k in towns.items() if k == 1 and t in places()) - club_names()


@lru_cache(maxsize=1)
def known_organisations() -> dict[str, str]:
    """Names of organisations (organisations.csv, editable) -> kind (firm, broadcaster, body, band): firms,
    broadcasters, public and sports bodies and bands of the 2000s news that the small model often tags as a
    person, a place or a title ('Konami', 'Wanadoo', 'Beastie Boys') or misses ('ntl')."""
    with open(ORGANISATIONS_CSV, newline="", encoding="utf-8") as fh:
        return {r["name"]: r["kind"] for r in csv.DictReader(fh)}


def _known_organisation(name: str, sport: bool) -> bool:
    """A known organisation, except a band's name in a sports report ('Keane' there is a player)."""
    kind = known_organisations().get(name)
    return kind is not None and not (sport and kind == "band")


VENUE_PREPS = frozenset({"in", "at"})


def _at_venue(doc: Doc, i: int) -> bool:
    """The name at token i is where something happens ('the final in Barcelona', 'a race in Boston or
    Stuttgart')."""
    t = doc[i]
    while t.dep_ == "conj" and t.head.i < t.i:
        t = t.head  # a list takes its first item's role
    return i > 0 and doc[i - 1].lower_ in VENUE_PREPS or t.dep_ == "pobj" and t.head.lower_ in VENUE_PREPS


# Endings of nationalities, religions and other groups ('Argentine' and 'Tory' aside): 'Kenyan', 'Maltese',
# 'Danish', 'Iraqi', 'Baltic', 'Dutch', 'Swiss', 'Kurds', 'Islamists', 'Nazism', 'Christianity'.
_GROUP_ENDING = re.compile(r"(?:an|ese|ish|i|ic|ch|ss|s|ist|ite|ed|ism|ity)$")


def _named_like_a_firm(doc: Doc, m: Mention) -> bool:
    """A one-word name tagged as a nationality or group that is used as a bare proper noun, an actor or an
    object with no article ('Euronext said', 'developed by Valve', 'Symantec's software'), and has no
    group's ending, is an organisation: groups are adjectives ('Greek'), plurals ('Kurds') or take an
    article ('the Spaniard')."""
    t = doc[m.tok_start]
    return (m.label == "NORP" and m.tok_end - m.tok_start == 1 and t.tag_ == "NNP"
            and t.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "poss", "conj", "appos")
            and not any(c.dep_ == "det" for c in t.children) and not _GROUP_ENDING.search(t.text)
            and not any(c.ent_type_ == "NORP" for c in t.conjuncts))  # 'Buddhist, Hindu, Muslim and Christian'


def _surnames(mentions: list[Mention]) -> set[str]:
    """Last words of the full names tagged PERSON."""
    return {m.key.split()[-1] for m in mentions if m.label == "PERSON" and " " in m.key}


SURNAME_MISLABELS = frozenset({"ORG", "PRODUCT", "WORK_OF_ART", "FAC", "NORP"})


def _club(m: Mention, sport: bool) -> bool:
    """A town's name plus a club word ('Leeds United' tagged PERSON), or in a sports report any name with
    a club word ('Aston Villa'); a place that has such a word ('Mexico City', 'Cape Town') stays a place."""
    words = m.key.split()
    if len(words) < 2 or words[-1].lower() not in CLUB_WORDS or m.key in places() \
            or m.label not in ("PERSON", "GPE", "LOC", "ORG"):
        return False
    return sport and m.label != "LOC" or " ".join(words[:-1]) in places()


def _list_labels(doc: Doc, mentions: list[Mention], surnames: set[str], sport: bool) -> None:
    """Names listed as examples of firms are organisations ('companies such as Nokia, Philips and Telefonica':
    'Philips' tagged GPE, 'Telefonica' PERSON). A name in another list takes the label all the others share
    ('Motorola, BenQ, Arima and Fujitsu'), when at least two others share it and it is an organisation,
    or a person by a given name. A known place or name (places.csv, the alias table), a person's surname, a
    title (WORK_OF_ART), a full name tagged PERSON, and any PERSON in a sports report keep their label; the
    label holds for every mention of the name in the article."""
    from .canonical import load_alias_table, norm  # canonical imports this module

    lists: dict[int, list[Mention]] = {}
    for m in mentions:
        t = doc[m.tok_end - 1]
        while t.dep_ == "conj" and t.head.i != t.i:
            t = t.head
        lists.setdefault(t.i, []).append(m)
    relabel: dict[str, str] = {}
    for first, items in lists.items():
        if _org_examples(doc[first]):
            relabel.update((m.key, "ORG") for m in items if m.label in EXAMPLE_MISLABELS
                           and (m.tok_end == len(doc) or doc[m.tok_end].tag_ != "POS"))  # not "France's Club Med"
            continue
        if len(items) < 3:
            continue
        for m in items:
            others = {o.label for o in items if o is not m}
            if len(others) != 1 or m.label in others:
                continue
            label = others.pop()
            if m.key in places() or m.key in surnames or norm(m.key) in load_alias_table() or m.label == "WORK_OF_ART":
                continue
            if sport and m.label == "PERSON":
                continue  # line-ups list players among clubs and countries
            # a person's full name stays a person; a name becomes one only by a given name ('Carmen Electra')
            if label == "ORG" and not (m.label == "PERSON" and " " in m.key) or \
                    label == "PERSON" and m.key.split()[0].lower() in GIVEN_NAMES:
                relabel[m.key] = label
    for m in mentions:
        if m.key in relabel:
            m.label = relabel[m.key]


# Labels the model gives names listed as examples of firms ('companies such as Philips (GPE), Alcatel (GPE)
# and Telefonica (PERSON)').
EXAMPLE_MISLABELS = frozenset({"PERSON", "GPE", "LOC", "NORP", "PRODUCT", "WORK_OF_ART", "FAC"})


def _org_examples(t) -> bool:
    """t heads a list of examples of organisations: 'companies such as X, Y', 'rival operators including X'."""
    if t.dep_ != "pobj" or t.head.lower_ not in ("as", "including", "like"):
        return False
    noun = t.head.head
    if noun.lower_ == "such" or noun.tag_ == "JJ":
        noun = noun.head
    w = noun.lower_
    singular = w[:-3] + "y" if w.endswith("ies") else w[:-1] if w.endswith("s") else w
    return noun.tag_ in ("NNS", "NN") and (w in ORG_DESCRIPTORS or singular in ORG_DESCRIPTORS)


@lru_cache(maxsize=1)
def places() -> dict[str, str]:
    """Place name -> 'country' or 'city' (places.csv, built from GeoNames by build_places.py)."""
    with open(PLACES_CSV, newline="", encoding="utf-8") as fh:
        return {r["name"]: r["kind"] for r in csv.DictReader(fh)}


CONTINENTS = frozenset("Europe Africa Asia America Americas Antarctica Australasia Oceania Eurasia".split())
_REGION_WORDS = frozenset("""North South East West Northern Southern Eastern Western Central Middle Far Near Latin
    Sub-Saharan Midlands Anglia Caribbean Balkans Scandinavia Baltic Caucasus Mediterranean""".split())
_COMPASS = frozenset("North South East West Northern Southern Eastern Western Central Middle Far Near Latin".split())


def world_region(name: str) -> bool:
    """A continent or a region named by compass and continent words: 'Europe', 'Middle East', 'South East Asia',
    'East Midlands', 'Scandinavia'; not a country ('South Africa', in the gazetteer) nor a lone compass word ('West')."""
    words = name.replace("-", " ").split()
    if name in places() or not words or not all(w in CONTINENTS or w in _REGION_WORDS for w in words):
        return False
    return any(w not in _COMPASS for w in words) or len(words) >= 2


def _place_labels(doc: Doc, mentions: list[Mention], sport: bool) -> None:
    """A country or city the model tagged as something else is a place: 'Glasgow' PERSON, 'Cyprus'
    PRODUCT, 'recognise Cyprus' ORG (a national side is an organisation by its use in a sports report,
    _teams_by_use and _team_cue, not by the model's tag: 'Russia's Maria Sharapova'), and so is a city tagged
    as an organisation outside a sports report ('on the outskirts of Oxford') unless the article has it act,
    own or take 'the' ('Halifax said', 'Halifax's index', 'the Halifax': the bank). A continent or world region
    tagged LOC is a place too ('Europe', 'Middle East': the gold labels them GPE). Kept as tagged: a city
    tagged as an organisation in a sports report (a club is named after its town); an event ('Wimbledon'); a
    titled name ('Lord Irvine'); a word of a person's name in the article ('Houston' after 'Whitney Houston')."""
    name_words = {w for m in mentions if m.label == "PERSON" and " " in m.key for w in m.key.split()}
    table = places()
    acting = {m.key for m in mentions if m.label == "ORG" and (
        doc[m.tok_end - 1].dep_ in ("nsubj", "nsubjpass", "poss") or _org_cue(doc, m)
        or m.tok_start > 0 and doc[m.tok_start - 1].lower_ == "the" and doc[m.tok_end - 1].dep_ != "compound")}
    for m in mentions:
        kind = table.get(m.key)
        if m.label == "LOC" and (kind is not None or world_region(m.key)):
            m.label = "GPE"
            continue
        if kind is None or m.label in ("GPE", "LOC", "EVENT") or m.text != m.key or m.key in name_words:
            continue
        if m.label != "ORG" or kind == "country" or not sport and m.key not in acting:
            m.label = "GPE"


def _national_prefixes(doc: Doc) -> dict[int, int]:
    """'US' + 'District Court', 'UK' + 'Independence Party': a country the model tagged apart from the
    institution right after it is part of the institution's name. Returns institution start -> country start.
    Not an acronym after it ('Russia WTO') nor a firm ('UK Coal'): the name has an institution word."""
    from .canonical import load_alias_table, norm  # canonical imports this module

    out = {}
    for a, b in zip(doc.ents, doc.ents[1:]):
        if a.label_ == "GPE" and b.label_ == "ORG" and a.end == b.start and doc[a.end - 1].whitespace_ \
                and a.end - a.start <= 2 and (a.text in places() or norm(a.text) in load_alias_table()) \
                and not b.text.isupper() and any(t.lower_ in NAME_HEADS for t in b):
            out[b.start] = a.start
    return out


def _capitalised_run(doc: Doc, k: int, limit: int, conjunct: bool = False) -> int:
    """End of the run of at most `limit` capitalised words from k that can continue an institution's name:
    not a person, a date or an acronym, and in a coordination not another institution ('and National
    Union of Students')."""
    e = k
    while (e < len(doc) and e - k < limit and doc[e].text[:1].isupper() and doc[e].is_alpha
           and not doc[e].text.isupper() and doc[e].ent_type_ not in ("PERSON", "DATE", "TIME")
           and doc[e].lower_ not in WEEKDAYS_MONTHS and not (conjunct and doc[e].lower_ in NAME_HEADS)):
        e += 1
    return e


def _institution_end(doc: Doc, s: int, e: int, bare: bool = False) -> int:
    """Where an institution's name really ends when the model stopped it at its complement or inside a
    coordination: 'Board of Deputies' + 'of British Jews', 'Department for Culture' + ', Media and Sport'.
    A coordination's conjuncts are places only after a place ('Police Federation of England and Wales',
    not 'University of Leeds and Yorkshire'), none is a name of the alias table ('Council of Europe and
    Nato'), and the name ends there (a capitalised word after the last conjunct means a list of names)."""
    from .canonical import load_alias_table, norm  # canonical imports this module

    if e - s < 2 and not bare or not any(doc[k].lower_ in NAME_HEADS for k in range(s, e)):
        return e  # not a tagged bare 'Parliament' ('entered Parliament for Sheffield Brightside')
    while e - s > 1 and (doc[e - 1].lower_ == "the" or doc[e - 1].lower_ in COMPLEMENT_PREPS):
        e -= 1  # the model stopped inside the complement: 'the Office of the' + 'Deputy Prime Minister'
    has_complement = any(doc[k].lower_ in COMPLEMENT_PREPS for k in range(s + 1, e))
    while e + 1 < len(doc) and doc[e].lower_ in COMPLEMENT_PREPS:
        k = e + 1 + (doc[e + 1].lower_ == "the")
        j = _capitalised_run(doc, k, 4)
        if j == k:
            break
        e, has_complement = j, True
    if not has_complement:
        return e
    k = e
    while k + 1 < len(doc) and doc[k].text == ",":
        j = _capitalised_run(doc, k + 1, 2, conjunct=True)
        if j == k + 1:
            return e
        k = j
    if k >= len(doc) or doc[k].lower_ != "and":
        return e
    j = _capitalised_run(doc, k + 1, 2, conjunct=True)
    if j == k + 1 or j < len(doc) and doc[j].text[:1].isupper() and doc[j].is_alpha:
        return e
    last = doc[e - 1].text
    after_place = last in places() or any(t.text == last and t.ent_type_ in ("GPE", "LOC") for t in doc)
    for t in doc[e:j]:
        if not t.is_alpha or t.lower_ == "and":
            continue
        if (t.text in places() or t.ent_type_ in ("GPE", "LOC")) and not after_place or norm(t.text) in load_alias_table():
            return e
    return j


def _name_words(span: Span) -> int:
    """Words of a name as a reader counts them: 'Betts-Green' is one, so is the particle name 'da Silva'."""
    return sum(1 for w in span.text.split() if not w.islower())


# Role nouns that also describe organisations ('defending champion Arsenal', 'rival Microsoft', 'nominee Hotel
# Rwanda'): no sign of a person before a name.
_SHARED_ROLES = frozenset("""champion champions rival opponent challenger supporter host owner head incumbent agent
    representative delegate chief officer critic man woman veteran nominee""".split())


# Offices written as a title before a name: 'South African President Thabo Mbeki' (tagged GPE).
_OFFICE_TITLES = frozenset("president senator governor chancellor judge".split())


def _role_before_name(doc: Doc, s: int, e: int) -> bool:
    """A person's role in lower case right before two or three capitalised words that name no place, club or
    known organisation ('boss Graeme Souness', 'captain Fabien Pelous'), or before one such word it modifies
    ('rapper Nelly', 'R&B star Usher'); an office's title before two or three ('President Thabo Mbeki')."""
    role, words = doc[s - 1], doc[s:e]
    lower_role = role.is_lower and role.lower_ in PERSON_ROLE_NOUNS and role.lower_ not in _SHARED_ROLES
    title = role.is_title and role.lower_ in _OFFICE_TITLES
    # 'sector leader Omnicom', 'market leader Nokia': a leader before one word is a firm or a team as often
    one = len(words) == 1 and lower_role and role.lower_ != "leader" and role.dep_ == "compound" and role.head.i == s
    return (lower_role or title) and (2 <= len(words) <= 3 or one) \
        and all(t.text[:1].isupper() and t.text.replace("-", "").isalpha() for t in words) \
        and words[-1].lower_ not in NAME_HEADS | FIRM_SUFFIXES | CLUB_WORDS \
        and not any(n in places() or n in club_names() or n in known_organisations() for n in (words.text, words[0].text))


def _person_title(t, nxt) -> bool:
    """t is a title only people take before the name at nxt: 'Mr', or a peer's 'Lord' not before an office."""
    return t.lower_ in PERSONAL_TITLES or t.lower_ in PEER_TITLES and nxt.lower_ not in TITLE_WORDS


def _untagged_proper(t) -> bool:
    return t.tag_ in ("NNP", "NNPS") and not t.ent_type_ and t.text[:1].isupper()


def _name_bounds(doc: Doc, s: int, e: int) -> tuple[int, int]:
    """A person span's bounds fixed where a given name shows the model's error: a span ending in a given
    name runs on over the untagged proper nouns after it ('Tory Dominic' + 'Grieve'), and a span that
    does not start with a given name starts at its first one ('Lib Dem Norman Baker', 'Wales physio
    Mark Davies')."""
    if doc[e - 1].lower_ in GIVEN_NAMES:
        while e < len(doc) and e - s < 6 and _untagged_proper(doc[e]) and not doc[e].text.isupper():
            e += 1
    if e - s >= 3 and doc[s].lower_ not in GIVEN_NAMES:
        k = next((k for k in range(s + 1, e - 1) if doc[k].lower_ in GIVEN_NAMES), None)
        if k is not None and all(t.text[:1].isupper() for t in doc[k:e]) and _not_name(doc[s:k]):
            s = k
    return s, e


def _not_name(prefix: Span) -> bool:
    """Words before a given name that are not part of the name: a description ('physio', 'Welshman'), a
    name in the alias table ('Lib Dem'), punctuation, or one capitalised word that starts the sentence
    ('Comic Joe Pasquale').
    'Sonny Bill Williams' keeps its first word."""
    from .canonical import load_alias_table, norm  # canonical imports this module

    if len(prefix) == 1 and prefix[0].is_sent_start:
        return True
    if any(norm(prefix[j:].text) in load_alias_table() for j in range(len(prefix))):
        return True
    return any(not t.text[:1].isupper() or t.is_punct or t.lower_ in TITLE_WORDS or t.lower_.endswith("man")
               for t in prefix)


def _titled_names(doc: Doc, mentions: list[Mention], starts: list[int]) -> list[Mention]:
    """Person names the model left untagged: a personal or peer's title before proper nouns ('Mr Grieve',
    'Lord Winston'), a given name before one or two capitalised proper nouns that end the name ('Scott
    Johnson said'), or a role before two that do ('Boss Graeme Souness felt')."""
    taken = taken_tokens(mentions)
    added = []
    for i, t in enumerate(doc[:-1]):
        if t.lower_ in PERSON_ROLE_NOUNS and (t.is_lower or t.is_sent_start) and _untagged_name(doc, i + 1, taken):
            added.append(span_mention(doc[i + 1 : i + 3], "PERSON", starts))  # 'Boss Graeme Souness felt ...'
            taken.update((i + 1, i + 2))
            continue
        if i in taken or t.ent_type_ or not t.text[:1].isupper():
            continue
        if t.lower_ in GIVEN_NAMES and t.tag_ == "NNP" and not (i > 0 and _untagged_proper(doc[i - 1])):
            e = i + 1
            while e < len(doc) and e - i <= 2 and _untagged_proper(doc[e]) and not doc[e].text.isupper() and e not in taken:
                e += 1
            if e > i + 1 and not (e < len(doc) and doc[e].tag_ in ("NNP", "NNPS")):
                added.append(span_mention(doc[i:e], "PERSON", starts))
                taken.update(range(i, e))
            continue
        if not _person_title(t, doc[i + 1]):
            continue
        e = i + 1
        while e < len(doc) and e - i <= 3 and _untagged_proper(doc[e]) and e not in taken:
            e += 1
            if e + 1 < len(doc) and doc[e].text == "-" and not doc[e - 1].whitespace_ and _untagged_proper(doc[e + 1]):
                e += 1  # 'Mr Kilroy-Silk'
        if e > i + 1:
            added.append(span_mention(doc[i:e], "PERSON", starts))
    return with_added(mentions, added)


def _untagged_institutions(doc: Doc, mentions: list[Mention], starts: list[int]) -> list[Mention]:
    """Institutions the model left untagged: an institution word with its complement ('the Commission for
    Racial Equality', 'the Department for Work and Pensions'), with the capitalised words before it. A place
    or nationality the model tagged inside it is part of the name ('the Commission for Africa')."""
    at = {k: m for m in mentions for k in range(m.tok_start, m.tok_end)}
    added, inside = [], set()
    i = 0
    while i < len(doc):
        t = doc[i]
        if t.lower_ not in NAME_HEADS or not t.text[:1].isupper() or t.is_upper or i in at or t.ent_type_:
            i += 1
            continue
        s = i
        while s > 0 and _untagged_proper(doc[s - 1]) and s - 1 not in at and not doc[s - 1].is_sent_start:
            s -= 1
        e = _institution_end(doc, s, i + 1, bare=True)
        inner = {id(m): m for k in range(s, e) if (m := at.get(k)) is not None}
        if e == i + 1 or any(m.label not in ("GPE", "LOC", "NORP") or m.tok_start < s or m.tok_end > e
                             for m in inner.values()):
            i += 1
            continue
        inside.update(inner)
        added.append(span_mention(doc[s:e], "ORG", starts))
        i = e
    return with_added([m for m in mentions if id(m) not in inside], added)


# Last words of newspapers' names ('the Sunday Telegraph'; 'the paper' is one of them, quotes.py) ...
PRESS_WORDS = frozenset("""times telegraph guardian post herald journal mail express independent observer standard
    mirror sun tribune gazette chronicle record scotsman economist""".split())
# ... and of the names that follow 'the' ('the Times Higher Education Supplement', 'the Daily Star').
PRESS_NAME_ENDS = PRESS_WORDS | {"supplement", "star"}
# Nouns a newspaper's one-word name may stand before ('the Guardian newspaper'); another noun makes the word
# an adjective ('the Independent candidate').
PRESS_NOUNS = frozenset("newspaper newspapers paper daily tabloid weekly magazine columnist editor website".split())


def _press_names(doc: Doc) -> list[Span]:
    """Newspapers the model missed or mislabelled: 'the' and a run of capitalised words that ends in a
    newspaper's word ('told the East Anglian Daily Times', 'the Guardian') is an organisation. A run that goes
    on past that word names something else ('the Post Office', 'the Star Wars films')."""
    out = []
    for i in range(len(doc) - 1):
        if doc[i].lower_ != "the":
            continue
        e = i + 1
        while e < len(doc) and e - i <= 5 and doc[e].is_alpha and doc[e].text[:1].isupper() and not doc[e].is_upper:
            e += 1
        if e == i + 1 or doc[e - 1].lower_ not in PRESS_NAME_ENDS:
            continue
        if e - i == 2 and e < len(doc) and doc[e].tag_ in ("NN", "NNS") and doc[e].lower_ not in PRESS_NOUNS:
            continue
        out.append(doc[i + 1 : e])
    return out


# The BBC's channels, stations and services are organisations of their own names ('BBC Radio Five Live',
# which the model cuts at 'Five'; 'BBC One', of which it keeps 'BBC'; 'BBC1', tagged PERSON).
_CHANNEL = re.compile(r"\bBBC(?:[1-4]\b|(?: (?:Radio (?:[1-7]|Five Live|[A-Z][a-z]+)|Five Live|News 24|News Online|News|"
                      r"Sport(?: Scotland| Wales| Online)?|World Service|World|Online|One|Two|Three|Four|Scotland|Wales|"
                      r"Northern Ireland|Parliament|Worldwide|Films|Trust|Television|TV)\b))")


def _channel_names(doc: Doc) -> list[Span]:
    """The BBC's channels and services as written (the gold's 'BBC Radio 4', 'BBC One', 'BBC Sport')."""
    spans = (doc.char_span(m.start(), m.end(), alignment_mode="expand") for m in _CHANNEL.finditer(doc_text(doc)))
    return [sp for sp in spans if sp is not None]


def alias_rows(path: str | Path | None = None) -> list[tuple[str, str, list[str]]]:
    """(canonical name, label, aliases as written) of each row of the editable alias table."""
    with open(path or ALIASES_CSV, newline="", encoding="utf-8") as fh:
        return [(r["name"].strip(), r["label"].strip(), [a.strip() for a in r["aliases"].split("|") if a.strip()])
                for r in csv.DictReader(fh)]


@lru_cache(maxsize=2)
def _gazetteer(sport: bool) -> re.Pattern:
    """Multi-word organisation names of the editable lists (organisations.csv, the ORG aliases of aliases.csv
    and, in a sports report, clubs.csv), as written: the small model cuts them ('Liberal' + 'Democrats' tagged
    NORP), mislabels them ('Aston Villa' a place) or misses them ('Ask Jeeves'). A band's name is no
    organisation in a sports report, nor a club's outside one ('West Ham' is a constituency there)."""
    names = {n for n, kind in known_organisations().items() if " " in n and not (sport and kind == "band")}
    names |= {n for n in club_names() if " " in n} if sport else set()
    names |= {a for _name, label, aliases in alias_rows() if label == "ORG" for a in aliases if " " in a}
    alts = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w&'’-])(?:{alts})(?![\w&-])")


def _gazetteer_names(doc: Doc) -> list[Span]:
    """The listed multi-word organisation names in the text."""
    spans = (doc.char_span(m.start(), m.end(), alignment_mode="strict")
             for m in _gazetteer(sports_report(doc)).finditer(doc_text(doc)))
    return [sp for sp in spans if sp is not None]


# Members elected for a constituency: 'the MP for Ealing North', 'Labour MP for Bethnal Green and Bow'.
MEMBER_WORDS = frozenset("mp mps msp msps am mla mep".split())
_PLACE_JOINERS = frozenset({"and", "upon", "on", "-"})


def _constituencies(doc: Doc) -> list[Span]:
    """A constituency after 'MP for' is a place (GPE), its whole name as written ('Sleaford and North
    Hykeham', 'Mid-Bedfordshire'), however the model tagged its parts (a person, a club, untagged)."""
    out = []
    for i in range(1, len(doc) - 1):
        if doc[i].lower_ != "for" or doc[i - 1].lower_ not in MEMBER_WORDS or not doc[i + 1].text[:1].isupper():
            continue
        e = i + 1
        while e < len(doc) and (doc[e].is_alpha and doc[e].text[:1].isupper()
                                or doc[e].lower_ in _PLACE_JOINERS and e + 1 < len(doc) and doc[e + 1].text[:1].isupper()):
            if e > i + 1 and doc[e].lower_ in GIVEN_NAMES and doc[e - 1].lower_ not in _PLACE_JOINERS:
                break  # 'MP for Sleaford Jane Roe': the member's name follows
            e += 1
        if e - i > 7 or e < len(doc) and doc[e].lower_ in _POSSESSIVE:
            continue  # 'MP for Cherie Blair's Matrix Chambers' is no constituency
        out.append(doc[i + 1 : e])
    return out


def _as_one_mention(mentions: list[Mention], spans: list[Span], label: str, starts: list[int]) -> list[Mention]:
    """Mentions with the ones inside each span replaced by one mention of the span with this label; a span
    that a mention crosses is part of a longer name ('BBC News') and left alone, as is one that already is
    a mention with this label."""
    at = {k: m for m in mentions for k in range(m.tok_start, m.tok_end)}
    added, replaced = [], set()
    for span in spans:
        inner = {id(m): m for k in range(span.start, span.end) if (m := at.get(k)) is not None}
        if any(m.tok_start < span.start or m.tok_end > span.end for m in inner.values()):
            continue
        if len(inner) == 1 and (m := next(iter(inner.values()))).tok_start == span.start \
                and m.tok_end == span.end and m.label == label:
            continue
        replaced.update(inner)
        added.append(span_mention(span, label, starts))
    return with_added([m for m in mentions if id(m) not in replaced], added)


def _untagged_name(doc: Doc, i: int, taken: set[int]) -> bool:
    """Two untagged capitalised proper nouns at i that end there and name no place: a first name and surname."""
    if i + 2 > len(doc) or i in taken or i + 1 in taken or i + 2 < len(doc) and doc[i + 2].tag_ in ("NNP", "NNPS"):
        return False
    toks = doc[i : i + 2]
    return all(_untagged_proper(t) and t.tag_ == "NNP" and t.is_alpha and not t.is_upper and t.text not in places()
               and t.lower_ not in PERSON_ROLE_NOUNS and t.lower_ not in TITLE_WORDS for t in toks)


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
    return _tag_where_missed(doc, _whole_names(doc, mentions, starts), forms, starts)


def _whole_names(doc: Doc, mentions: list[Mention], starts: list[int]) -> list[Mention]:
    """An organisation the model tagged whole somewhere ('UK Coal') is whole where it tagged only its place or
    nationality and left the rest untagged ('Shares in UK Coal': 'UK' GPE, 'Coal' nothing)."""
    names = {tuple(t.text for t in doc[m.tok_start : m.tok_end]) for m in mentions
             if m.label == "ORG" and m.tok_end - m.tok_start >= 2}
    if not names:
        return mentions
    by_start = {m.tok_start: m for m in mentions}
    drop, added = set(), []
    for m in mentions:
        if m.label not in ("GPE", "NORP"):
            continue
        for toks in names:
            j = m.tok_start + len(toks)
            if len(toks) > m.tok_end - m.tok_start and tuple(t.text for t in doc[m.tok_start : j]) == toks \
                    and all(not t.ent_type_ and t.tag_ in ("NNP", "NNPS") for t in doc[m.tok_end : j]) \
                    and not any(k in by_start for k in range(m.tok_end, j)):
                drop.add(id(m))
                added.append(span_mention(doc[m.tok_start : j], "ORG", starts))
                break
    return with_added([m for m in mentions if id(m) not in drop], added) if drop else mentions


def _tag_where_missed(doc: Doc, mentions: list[Mention], forms: dict[str, dict[tuple[str, ...], str]],
                      starts: list[int]) -> list[Mention]:
    """Mentions plus each name of forms (first token -> {token texts: label}) where the model left it
    untagged: on proper-noun tokens outside other entities and outside longer proper names, the longest
    form first; a person's name takes the honorific before it."""
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


def taken_tokens(mentions: list[Mention]) -> set[int]:
    """Indexes of the tokens inside these mentions (a new mention must not overlap them)."""
    return {i for m in mentions for i in range(m.tok_start, m.tok_end)}


def with_added(mentions: list[Mention], added: list[Mention]) -> list[Mention]:
    """Mentions in document order (their indexes bisect on tok_start)."""
    return sorted(mentions + added, key=lambda m: m.tok_start) if added else mentions


_BRACKET_ACRONYM = re.compile(r"\s*\(([A-Z][A-Z.&]{1,9})\)")


def _link_acronyms(doc: Doc, mentions: list[Mention], starts: list[int]) -> list[Mention]:
    """'Pensions Policy Institute (PPI)': the acronym names the same organisation wherever it appears, so its
    mentions take the expansion's key, and where the model missed it ('The PPI added ...') it becomes a
    mention with the expansion's label."""
    from .canonical import load_alias_table, norm  # canonical imports this module

    expand: dict[str, Mention] = {}
    text = doc_text(doc)
    for a in mentions:
        # the bracket right after the name defines the acronym, whether or not the model tagged it
        m = _BRACKET_ACRONYM.match(text, a.end_char)
        # not a country or a known name in brackets ('Andy Roddick (US)')
        if m is not None and len(a.key.split()) >= 2 and a.label != "PERSON" and m.group(1) not in places() \
                and load_alias_table().get(norm(m.group(1)), ("", ""))[1] != "GPE":
            expand[m.group(1)] = a
    if not expand:
        return mentions
    taken = taken_tokens(mentions)
    added = [span_mention(doc[t.i : t.i + 1], expand[t.text].label, starts) for t in doc
             if t.text in expand and t.i not in taken]
    mentions = with_added(mentions, added)
    for m in mentions:
        if m.text in expand:
            m.key = expand[m.text].key
    return mentions
