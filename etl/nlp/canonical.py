"""Canonicalisation of entity mentions within and across articles, and speaker linking."""
from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import polars as pl

from .entities import (CLUB_WORDS, COMPLEMENT_PREPS, HONORIFICS, INSTITUTION_WORDS, JUNK, NAME_HEADS,
                       PERSONAL_TITLES, alias_rows, places)
from .names import (FEMALE_TITLES, GIVEN_NAMES, MALE_TITLES, census_gender, given_name_form, name_gender,
                    title_gender_of)

NICKNAMES_CSV = Path(__file__).with_name("nicknames.csv")

COARSE = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE", "NORP": "NORP"}
_CORP_SUFFIX = re.compile(r"\s+(inc|corp|corporation|ltd|plc|llc|co|group|sa|ag|nv)\.?$", re.I)
_NON_WORD = re.compile(r"[^\w\s&]")
_SPACES = re.compile(r"\s+")
_STOP_INITIALS = {"of", "the", "and", "for", "de", "&", "on", "in"}

MENTION_SCHEMA_EXTRA = {"entity_id": pl.String}
ENTITY_SCHEMA = {"entity_id": pl.String, "name": pl.String, "label": pl.String}
ALIAS_SCHEMA = {"alias": pl.String, "label": pl.String, "entity_id": pl.String, "name": pl.String}


def coarse(label: str) -> str:
    return COARSE.get(label, label)


@lru_cache(maxsize=1 << 16)
def cluster_key(key: str, label: str) -> str:
    """The key an article's mentions cluster by: norm(key), except that a country as a team ('beat France',
    ORG in a sports report) is another thing than the country ('the second half in France'), even in one
    article."""
    return norm(key) + "#team" if label == "ORG" and places().get(key) == "country" else norm(key)


@lru_cache(maxsize=1 << 18)  # called ~5 times per mention on a few distinct strings
def norm(s: str) -> str:
    """Matching form of an alias: lower case, no dots/punctuation, hyphens as spaces, no leading 'the'."""
    s = s.replace("’", "'").replace("-", " ").replace("–", " ")
    s = s.lower()
    if s.startswith("the "):
        s = s[4:]
    s = _NON_WORD.sub("", s.replace("'s ", " ") if not s.endswith("'s") else s[:-2])
    s = _SPACES.sub(" ", s).strip()
    return s


def display_name(name: str) -> str:
    """Canonical names use ASCII apostrophes: "O’Neill" and "O'Neill" are one entity (norm() folds
    them) and an analyst types the ASCII form in a query. Mention and speaker texts stay as written."""
    return name.replace("’", "'").replace("‘", "'")


def entity_id_for(name: str, label: str) -> str:
    return "E" + hashlib.sha1(f"{norm(name)}|{coarse(label)}".encode()).hexdigest()[:16]


@lru_cache(maxsize=4)
def load_alias_table(path: str | None = None) -> dict[str, tuple[str, str]]:
    """norm(alias) -> (canonical name, label) from the editable CSV."""
    table: dict[str, tuple[str, str]] = {}
    for name, label, aliases in alias_rows(path):
        for a in [name, *aliases]:
            if a:
                table[norm(a)] = (name, label)
    return table


@lru_cache(maxsize=1)
def load_nicknames() -> dict[str, frozenset[str]]:
    """norm(nickname) -> norm names of the clubs it can stand for ('Spurs' -> Tottenham), from the editable CSV."""
    with open(NICKNAMES_CSV, newline="", encoding="utf-8") as fh:
        return {norm(r["nickname"]): frozenset(norm(c) for c in r["clubs"].split("|")) for r in csv.DictReader(fh)}


_MIXED_ACRONYM = re.compile(r"[A-Z](?:[A-Z]|[foati](?=[A-Z]))+")


def _acronym_letters(key: str) -> str | None:
    """The initials an acronym stands for: 'BBC'; 'DfES' (Department for Education and Skills) and 'DoH',
    whose lower-case letters are those of 'for', 'of', 'the', 'and', 'in'; not 'McFly'."""
    if key.isupper() and " " not in norm(key):
        return norm(key).upper()
    if _MIXED_ACRONYM.fullmatch(key):
        return "".join(ch for ch in key if ch.isupper())
    return None


_WORD_SPLIT = re.compile(r"[\s\-–]+")


def _initials(name: str) -> str:
    """The acronym of a name as written: first letters, and all of a short acronym inside it ('UK Independence
    Party' -> 'UKIP', 'US Anti-Doping Agency' -> 'USADA')."""
    words = [w for w in _WORD_SPLIT.split(name) if w[:1].isalpha() and w.lower() not in _STOP_INITIALS]
    return "".join(w if w.isupper() and w.isalpha() and len(w) <= 3 else w[0] for w in words).upper()


class _Cluster:
    __slots__ = ("keys", "votes", "fixed", "name", "n", "full", "titles", "acronyms")

    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()  # surface key -> count
        self.votes: Counter[str] = Counter()  # label -> weight
        self.fixed: tuple[str, str] | None = None  # (name, label) from the alias table
        self.name = ""
        self.n = 0
        self.full = False  # has a multi-word person name
        self.titles: set[str] = set()  # personal titles written before it: 'mr', 'ms', 'dr'
        self.acronyms: set[str] = set()  # acronyms it is written as ('CBI', keyed by its bracketed expansion)


def _label_vote(text: str, key: str, label: str) -> tuple[str, float]:
    """The vote of one mention: the predicted label, adjusted by cheap evidence of personhood."""
    words = key.split()
    first = text.split()[0].lower().rstrip(".") if text else ""
    if first in HONORIFICS or first + "." in HONORIFICS:
        if first in MALE_TITLES or first in FEMALE_TITLES or first in ("dr", "prof", "president", "senator"):
            return "PERSON", 3.0
    if len(words) >= 2 and words[0].lower() in GIVEN_NAMES and label in ("ORG", "PERSON", "GPE", "NORP") \
            and not _institution_name(words):
        return "PERSON", 2.0
    if norm(key) in load_nicknames():
        return "ORG", 2.0  # 'Spurs', 'Pompey': a club's nickname, which the model often tags PERSON
    if label == "ORG" and len(words) == 1 and not key.isupper() and key[:1].isupper():
        return "ORG", 0.5  # the small model often calls an unknown surname ORG
    return label, 1.0


_FIXTURE_WORDS = frozenset({"or", "v", "vs"})  # 'Blackburn v Burnley', 'Hartlepool or Boston'
_LIST_WORDS = _FIXTURE_WORDS | {"to"}


# Lower-case particles that belong to a surname: 'da Silva', 'van Persie', 'de Villepin'
SURNAME_PARTICLES = frozenset({"da", "de", "di", "do", "dos", "das", "du", "del", "della", "der", "den", "van", "von",
                               "ter", "ten", "le", "la", "bin", "ibn", "al", "el"})


def _surname_key(name: str) -> str:
    """Matching form of a name's surname as written: its last word with the lower-case particles before it
    ('Lula da Silva' -> 'da silva'); 'Betts-Green' stays one surname ('betts green'), and 'Andre' is not the
    surname of 'Philippe Saint-Andre'."""
    words = name.split()
    i = len(words) - 1
    while i > 0 and words[i - 1] in SURNAME_PARTICLES:
        i -= 1
    return norm(" ".join(words[i:])) if words else ""


def _surname_forms(name: str) -> set[str]:
    """The surname with its particles and the last word alone: 'Mr da Silva' and 'Silva' both name Luiz
    Inacio Lula da Silva."""
    return {_surname_key(name), norm(name.split()[-1])} if name.strip() else set()


def _surname_of(c: _Cluster, full_names: list[_Cluster]) -> dict[int, _Cluster]:
    """The full names whose surname, as written, is all of c's name."""
    own = {_surname_key(k) for k in c.keys}
    return {id(x): x for x in full_names if x is not c and any(_surname_forms(k) & own for k in x.keys)}


def _one_edit(a: str, b: str) -> bool:
    """a and b differ by one letter added, dropped, changed or two neighbours swapped ('Chada', 'Chadha')."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k in range(len(a)) if a[k] != b[k]), len(a))
    if len(a) < len(b):
        return a[i:] == b[i + 1:]
    return a[i + 1:] == b[i + 1:] or a[i + 2:] == b[i + 2:] and a[i] == b[i + 1] and a[i + 1] == b[i]


def _misspelt_surname_of(c: _Cluster, full_names: list[_Cluster]) -> dict[int, _Cluster]:
    """'Ms Chada' after 'Monica Chadha', 'Mr Barot' after 'Jacques Barrot': a titled surname one typing slip
    from the surname of exactly one full name in the article, of the title's gender. Untitled names are left
    alone: 'Horgan' and 'Horan' are two players."""
    own = [norm(k) for k in c.keys if len(k) >= 4]
    title_gender = {title_gender_of(t) for t in c.titles} - {None}
    out = {}
    for x in full_names:
        name = max(x.keys, key=len)
        gender = name_gender(name.split()[0]) or census_gender(name.split()[0])
        if x is not c and any(_one_edit(k, _surname_key(name)) for k in own) \
                and not (gender and title_gender and gender not in title_gender):
            out[id(x)] = x
    return out if len(out) == 1 else {}


def _other_gender(c: _Cluster, full: str) -> bool:
    """A titled surname ('Mr Bush') and a full name of the other sex's given name ('kate bush') in another article
    are not one person."""
    titled = {title_gender_of(t) for t in c.titles} - {None}
    first = full.split()[0] if full.split() else ""
    gender = name_gender(first) or census_gender(first)
    return bool(titled and gender and gender not in titled)


def _bare_surname(c: _Cluster) -> bool:
    """A cluster written only as a surname: one word, one hyphenated word ('Betts-Green', which norm() splits
    in two), or a word with its particles ('da Silva')."""
    return all(_surname_key(k) == norm(k) for k in c.keys)


def _institution_name(words: list[str]) -> bool:
    """An institution's name with its complement ('George Soros Foundation for Southern Africa'): no person,
    though it starts with a given name, and its last word is no surname."""
    low = {w.lower() for w in words}
    return bool(low & NAME_HEADS and low & COMPLEMENT_PREPS)


def _only(clusters: list[_Cluster], c: _Cluster) -> _Cluster | None:
    """The one cluster other than c among clusters, if there is exactly one."""
    others = {id(x): x for x in clusters if x is not c}
    return next(iter(others.values())) if len(others) == 1 else None


def _dominant(clusters, by_key: dict[str, _Cluster]) -> _Cluster | None:
    """The one full name, or the one named (in full or by surname) at least twice as often as all the others
    together: 'Ken' is Ken Livingstone, 'Mr Livingstone' throughout, not the 'Ken Nazi' of a garbled headline."""
    def weight(x: _Cluster) -> int:
        surnames = {norm(k).split()[-1] for k in x.keys}
        return x.n + sum(by_key[w].n for w in surnames if w in by_key and by_key[w] is not x)

    ranked = sorted(((weight(x), x) for x in clusters), key=lambda r: r[0], reverse=True)
    if len(ranked) == 1 or ranked[0][0] >= 2 * sum(w for w, _ in ranked[1:]):
        return ranked[0][1]
    return None


def _doc_clusters(rows: list[tuple[str, str, str]], alias_table) -> dict[str, _Cluster]:
    """rows: (text, key, label) of one article -> {norm(key): cluster} (several keys may share a cluster)."""
    by_key: dict[str, _Cluster] = {}
    clusters: list[_Cluster] = []
    for text, key, label in rows:
        nk = cluster_key(key, label)
        if not nk or nk in JUNK:
            continue
        c = by_key.get(nk)
        if c is None:
            hit = alias_table.get(nk)
            if hit is not None:
                # join an existing cluster of the same canonical name
                for oc in clusters:
                    if oc.fixed == hit:
                        c = oc
                        break
            if c is None:
                c = _Cluster()
                c.fixed = hit
                clusters.append(c)
            by_key[nk] = c
        c.keys[key] += 1
        c.n += 1
        first = text.split()[0].lower().rstrip(".") if text.split() else ""
        if first in PERSONAL_TITLES and " " not in nk:
            c.titles.add(first)
        if acr := _acronym_letters(text):
            c.acronyms.add(acr)
        vote, weight = _label_vote(text, key, label)
        c.votes[vote] += weight
    # "Sundar Katwala" tagged FAC, then "Mr Katwala": a title on the surname makes the full name a person
    titled = {nk for nk, c in by_key.items() if " " not in nk and c.votes.get("PERSON", 0) >= 3.0}
    for nk, c in by_key.items():
        words = nk.split()
        if len(words) >= 2 and c.fixed is None and words[-1] in titled and words[0] not in _STOP_INITIALS:
            c.votes["PERSON"] += 3.0
    # merge surnames / given names into the full name, acronyms into their expansion
    full_by_last: dict[str, list[_Cluster]] = defaultdict(list)
    full_by_first: dict[str, list[_Cluster]] = defaultdict(list)
    org_by_first: dict[str, list[_Cluster]] = defaultdict(list)
    acronyms: dict[str, list[_Cluster]] = defaultdict(list)
    for nk, c in list(by_key.items()):
        words = nk.split()
        if len(words) >= 2 and c.fixed is None:
            lab = c.votes.most_common(1)[0][0]
            if lab == "PERSON" and not _bare_surname(c):
                c.full = True
                full_by_last[words[-1]].append(c)
                full_by_first[given_name_form(words[0])].append(c)
            if lab in ("ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "LAW"):
                for initials in {_initials(k) for k in c.keys}:
                    acronyms[initials].append(c)
            if lab == "ORG" and not _FIXTURE_WORDS & set(words):
                org_by_first[words[0]].append(c)
    full_names = list({id(x): x for v in full_by_last.values() for x in v}.values())
    # 'BT' tagged GPE in an article about 'BT Retail' and 'BT Together': an acronym that starts the article's
    # organisation names, and is no place, is an organisation
    for nk, c in by_key.items():
        if nk in org_by_first and c.fixed is None and c.votes and c.votes.most_common(1)[0][0] != "ORG" \
                and all(k.isupper() and " " not in k for k in c.keys) and not any(k in places() for k in c.keys):
            c.votes["ORG"] = max(c.votes.values()) + 1.0
    merged: dict[int, _Cluster] = {}
    # 'Institute of Fiscal Studies' and 'Institute for Fiscal Studies', 'Economic Social Research Council' and
    # 'Economic and Social Research Council': one name written with other function words
    by_content: dict[tuple[str, ...], _Cluster] = {}
    for nk, c in by_key.items():
        content = tuple(w for w in nk.split() if w not in _STOP_INITIALS)
        if c.fixed is None and len(content) >= 2 and len(nk.split()) >= 3:
            first = by_content.setdefault(content, c)
            if first is not c and c.votes.most_common(1)[0][0] == first.votes.most_common(1)[0][0]:
                merged[id(c)] = first
    # 'JP Morgan' and 'JPMorgan', 'Yuganskneftegas' and 'Yuganskneftgas': an organisation's name written
    # with other spacing or one typing slip (names of eight letters or more) is one organisation
    orgs = [(nk, c) for nk, c in by_key.items()
            if c.fixed is None and c.votes and c.votes.most_common(1)[0][0] == "ORG"]
    for i, (nk, c) in enumerate(orgs):
        squashed = nk.replace(" ", "")
        for nk2, c2 in orgs[:i]:
            other = nk2.replace(" ", "")
            # (a slip within words: not 'BBC Radio 1' and 'BBC Radio 2', nor 'EverQuest' and 'EverQuest 2')
            if c2 is not c and id(c) not in merged and (
                    squashed == other or min(len(squashed), len(other)) >= 8 and _one_edit(squashed, other)
                    and len(nk.split()) == len(nk2.split()) and not any(ch.isdigit() for ch in nk + nk2)):
                merged[id(c)] = c2
                break
    for nk, c in list(by_key.items()):
        words = nk.split()
        target = None
        if len(words) > 1 and c.fixed is None and not c.full and _bare_surname(c):
            # 'Betts-Green' (which norm() makes two words) is the surname of 'Nicholas Betts-Green', 'da Silva'
            # of 'Luiz Inacio Lula da Silva'
            cands = _surname_of(c, full_by_last.get(words[-1], []))
            if cands:
                target = max(cands.values(), key=lambda x: x.n)
        elif len(words) == 1 and c.fixed is None and not c.full:
            cands = _surname_of(c, full_by_last.get(words[0], []))
            firsts = {id(x): x for x in full_by_first.get(given_name_form(words[0]), []) if x is not c}
            person = bool(c.votes) and c.votes.most_common(1)[0][0] == "PERSON"
            dominant = _dominant(firsts.values(), by_key) if firsts and person else None
            if not cands and c.titles:
                cands = _misspelt_surname_of(c, full_names)
            if cands:
                target = max(cands.values(), key=lambda x: x.n)
            elif dominant is not None:
                target = dominant  # 'Mike' when Mike Mills is the article's only Mike, or the one it is about
            else:
                acr = next(filter(None, map(_acronym_letters, c.keys)), None)
                target = _only(acronyms.get(acr, []), c)  # 'UKIP' after 'UK Independence Party'
                if target is None and c.votes and c.votes.most_common(1)[0][0] == "ORG":
                    target = _only(org_by_first.get(words[0], []), c)  # "Inter" after "Inter Milan"
        if target is None and c.fixed is None and not c.full and (INSTITUTION_WORDS | CLUB_WORDS) & set(words) \
                and c.votes and c.votes.most_common(1)[0][0] == "ORG":
            # "the Commission" after "the European Commission", "the Hall of Fame" after "the Rock and Roll
            # Hall of Fame", "United" after "Manchester United": an institution or club named by the end of
            # exactly one longer organisation name
            # (not a team or a place: "Wales" is not "BBC Wales", nor "Arsenal" "Everton and Arsenal")
            target = _only([x for n2, x in by_key.items() if len(n2.split()) > len(words)
                            and n2.endswith(" " + nk) and x.votes and x.votes.most_common(1)[0][0] == "ORG"
                            and not _LIST_WORDS & set(n2.split()) and not any(ch.isdigit() for ch in n2)], c)
        if target is not None and target is not c:
            merged[id(c)] = target

    def root(c: _Cluster) -> _Cluster:
        for _ in range(10):
            if id(c) not in merged:
                break
            c = merged[id(c)]
        return c

    # 'Saints' in a report that names Southampton (and no other club so called) is Southampton
    nicknames = load_nicknames()
    for nk, c in by_key.items():
        if nk in nicknames and id(c) not in merged:
            club = _only([root(x) for k, x in by_key.items() if k in nicknames[nk]], c)
            if club is not None:
                merged[id(c)] = club
                # the nickname says the article means the club, not the town
                club.votes["ORG"] = max(club.votes.values(), default=0.0) + c.n
    if merged:
        done: set[int] = set()
        for nk, c in list(by_key.items()):
            r = root(c)
            if r is not c:
                if id(c) not in done:
                    done.add(id(c))
                    r.keys.update(c.keys)  # the full name decides the label: votes are not merged
                    r.acronyms |= c.acronyms
                    r.n += c.n
                by_key[nk] = r
    return by_key


def _cluster_name_label(c: _Cluster) -> tuple[str, str]:
    if c.fixed is not None:
        return c.fixed
    label = c.votes.most_common(1)[0][0] if c.votes else "ORG"
    nicknames = load_nicknames()
    keys = [kv for kv in c.keys.items() if norm(kv[0]) not in nicknames] or list(c.keys.items())
    # The fullest form names the entity ("British Airways" over "BA", "Continental Airlines" over
    # "Continental"): a cluster's keys are variants of one name (same form, surname, acronym, first word).
    name = max(keys, key=lambda kv: (len(kv[0].split()), kv[1], len(kv[0])))[0]
    return name, label


def _batch_labels(clusters: list[_Cluster], cinfo: dict[int, tuple[str, str]]) -> dict[tuple[str, int], str]:
    """Label votes across the batch: one name is one kind of thing. A name tagged ORG in most articles and
    PERSON in one ('Yukos', 'Anderlecht') takes the label with at least twice the votes of the article's
    own, so its mentions join one entity. A place and an organisation (a team, a government) are left
    apart. Returns (norm name, cluster id) -> new label."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for c in clusters:
        if c.fixed is None:
            name, label = cinfo[id(c)]
            votes[norm(name)][label] += 1  # articles, not mentions: one article repeating a tag is one vote
    out = {}
    for c in clusters:
        name, label = cinfo[id(c)]
        v = votes.get(norm(name))
        if c.fixed is not None or v is None or len(v) < 2:
            continue
        best, n = v.most_common(1)[0]
        if {label, best} in ({"ORG", "GPE"}, {"ORG", "LOC"}):
            continue  # a place and an organisation of its name are both real: 'France' the country and the team
        if best != label and n >= 2 * v[label]:
            out[(norm(name), id(c))] = best
    return out


def canonicalise(mentions: pl.DataFrame, known: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """See module docs: returns (mentions_with_ids, entities, aliases)."""
    alias_table = load_alias_table()
    known_idx: dict[tuple[str, str], tuple[str, str, str]] = {}  # (norm alias, coarse) -> (eid, name, label)
    if known is not None and known.height:
        for a, lab, eid, name in known.select("alias", "label", "entity_id", "name").iter_rows():
            known_idx.setdefault((norm(a), coarse(lab)), (eid, name, lab))
    known_last: dict[tuple[str, str], set[str]] = defaultdict(set)  # (last word, coarse) -> eids of full names
    known_meta: dict[str, tuple[str, str]] = {}
    for (na, co), (eid, name, lab) in known_idx.items():
        known_meta[eid] = (name, lab)
        if co == "PERSON" and _surname_key(name) != norm(name):
            for last in _surname_forms(name):
                known_last[(last, co)].add(eid)

    if mentions.height == 0:
        return (
            mentions.with_columns(pl.lit(None, pl.String).alias("entity_id")),
            pl.DataFrame(schema=ENTITY_SCHEMA),
            pl.DataFrame(schema=ALIAS_SCHEMA),
        )

    # ---- doc-local clusters -------------------------------------------------
    grouped = (
        mentions.group_by("article_id", maintain_order=True)
        .agg(pl.col("text"), pl.col("key"), pl.col("label"))
        .iter_rows()
    )
    local: list[tuple[str, str, _Cluster]] = []  # (article_id, norm key, cluster)
    doc_clusters: list[_Cluster] = []
    for aid, texts, keys, labels in grouped:
        by_key = _doc_clusters(list(zip(texts, keys, labels)), alias_table)
        seen = set()
        for nk, c in by_key.items():
            local.append((aid, nk, c))
            if id(c) not in seen:
                seen.add(id(c))
                doc_clusters.append(c)

    # ---- cross-article: assign entity ids ------------------------------------
    batch_last: dict[tuple[str, str], set[str]] = defaultdict(set)
    # (acronym, coarse label) -> the names an article spelt it out as: 'CBI' -> Confederation of British Industry
    batch_acronyms: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    cinfo: dict[int, tuple[str, str]] = {}
    for c in doc_clusters:
        cinfo[id(c)] = _cluster_name_label(c)
    majority = _batch_labels(doc_clusters, cinfo)
    for c in doc_clusters:
        name, label = cinfo[id(c)]
        if (norm(name), id(c)) in majority:
            label = majority[(norm(name), id(c))]
            c.votes = Counter({label: sum(c.votes.values())})  # its mentions now vote for the batch's label
        c.name = name
        cinfo[id(c)] = (name, label)
        if coarse(label) == "PERSON" and _surname_key(name) != norm(name):
            for last in _surname_forms(name):
                batch_last[(last, "PERSON")].add(norm(name))
        elif c.fixed is None and sum(w[:1].isalpha() for w in name.split()) >= 2:
            for acr in c.acronyms:
                if len(acr) >= 2 and acr == _initials(name):
                    batch_acronyms[(acr, coarse(label))][norm(name)] = name

    eid_of: dict[int, str] = {}
    ent_votes: dict[str, Counter[str]] = defaultdict(Counter)
    ent_names: dict[str, Counter[str]] = defaultdict(Counter)
    for c in doc_clusters:
        name, label = cinfo[id(c)]
        co = coarse(label)
        eid = None
        # 1. a known alias of the same coarse type
        hits = Counter()
        for k, n in c.keys.items():
            h = known_idx.get((norm(k), co))
            if h:
                hits[h[0]] += n
        if not hits and c.fixed is None:
            for k in c.keys:
                for co2 in ("PERSON", "ORG", "PLACE", "NORP"):
                    h = known_idx.get((norm(k), co2))
                    if h and co2 != co and c.votes.get(label, 0) <= 1.0:
                        hits[h[0]] += 1
        if hits:
            eid = hits.most_common(1)[0][0]
            kn, kl = known_meta.get(eid, (name, label))
            ent_votes[eid][kl] += 2.0
            ent_names[eid][kn] += 1000
        elif co == "PERSON" and _surname_key(name) == norm(name):
            # 2. a bare surname ('Blair', 'Betts-Green', 'da Silva'): a unique full name in this batch or in the
            # warehouse
            last = _surname_key(name)
            fulls = batch_last.get((last, "PERSON"), set())
            kfull = known_last.get((last, "PERSON"), set())
            full = next(iter(fulls)) if len(fulls) == 1 else None
            if full is not None and not (kfull - {entity_id_for(full, "PERSON")}) and not _other_gender(c, full):
                eid = entity_id_for(full, "PERSON")
            elif not fulls and len(kfull) == 1:
                eid = next(iter(kfull))
                ent_names[eid][known_meta[eid][0]] += 1000
        if eid is None and c.fixed is None and all(_acronym_letters(k) for k in c.keys):
            # 3. an acronym never spelt out in its article: the one name another article of the batch gave it
            spelt = batch_acronyms.get((_acronym_letters(name) or "", co), {})
            if len(spelt) == 1:
                full = next(iter(spelt.values()))
                eid = entity_id_for(full, label)
                ent_names[eid][full] += 1000
        if eid is None:
            eid = entity_id_for(name, label)
        eid_of[id(c)] = eid
        ent_votes[eid].update(c.votes if c.fixed is None else Counter({c.fixed[1]: 1000.0}))
        ent_names[eid][name] += c.n + (len(name.split()) * 0.01)

    ent_label = {eid: v.most_common(1)[0][0] for eid, v in ent_votes.items()}
    ent_name = {}
    for eid, names in ent_names.items():
        if ent_label[eid] == "PERSON":
            # longest full name wins for people
            ent_name[eid] = max(names.items(), key=lambda kv: (kv[1] >= 1000, len(kv[0].split()), kv[1]))[0]
        else:
            ent_name[eid] = names.most_common(1)[0][0]
        ent_name[eid] = display_name(ent_name[eid])

    keymap = pl.DataFrame(
        {
            "article_id": [a for a, _, _ in local],
            "_nk": [nk for _, nk, _ in local],
            "entity_id": [eid_of[id(c)] for _, _, c in local],
        },
        schema={"article_id": pl.String, "_nk": pl.String, "entity_id": pl.String},
    )
    ents = pl.DataFrame(
        {"entity_id": list(ent_name), "name": list(ent_name.values()), "label": [ent_label[e] for e in ent_name]},
        schema=ENTITY_SCHEMA,
    )
    out = (
        mentions.with_columns(pl.struct("key", "label").map_elements(lambda r: cluster_key(r["key"], r["label"]),
                                                                     return_dtype=pl.String).alias("_nk"))
        .join(keymap, on=["article_id", "_nk"], how="inner")
        .drop("_nk", "label")
        .join(ents.select("entity_id", "label"), on="entity_id", how="left")
        .select(*[c for c in mentions.columns], "entity_id")
    )
    referenced = out.select("entity_id").unique()
    ents = ents.join(referenced, on="entity_id", how="semi").sort("entity_id")
    aliases = (
        out.select(pl.col("key").alias("alias"), "entity_id")
        .unique()
        .join(ents, on="entity_id", how="left")
        .select("alias", "label", "entity_id", "name")
        .sort("alias", "entity_id")
    )
    # An alias naming two entities in this batch (two different "Thompson"s) is ambiguous: it keeps
    # its known entity if it had one, and otherwise is not recorded, so later bare mentions stay apart.
    if known is not None and known.height:
        known_pairs = known.select("alias", "label", pl.col("entity_id").alias("_known"))
        aliases = aliases.join(known_pairs, on=["alias", "label"], how="left")
    else:
        aliases = aliases.with_columns(pl.lit(None, pl.String).alias("_known"))
    aliases = aliases.filter(
        (pl.len().over("alias", "label") == 1) | (pl.col("entity_id") == pl.col("_known"))
    ).drop("_known")
    return out, ents, aliases


def link_speakers(quotes: pl.DataFrame, mentions_with_ids: pl.DataFrame) -> pl.DataFrame:
    """Adds speaker_entity_id: the entity of the mention that overlaps the quote's speaker span."""
    if quotes.height == 0:
        return quotes.with_columns(pl.lit(None, pl.String).alias("speaker_entity_id"))
    q = quotes.with_row_index("_qi")
    m = mentions_with_ids.select(
        "article_id", pl.col("start_char").alias("_ms"), pl.col("end_char").alias("_me"), "entity_id"
    )
    cand = (
        q.filter(pl.col("speaker_start").is_not_null())
        .select("_qi", "article_id", "speaker_start", "speaker_end")
        .join(m, on="article_id", how="inner")
        .filter((pl.col("_ms") < pl.col("speaker_end")) & (pl.col("_me") > pl.col("speaker_start")))
        .with_columns(
            (
                (pl.col("_ms") - pl.col("speaker_start")).abs() + (pl.col("_me") - pl.col("speaker_end")).abs()
            ).alias("_d")
        )
        .sort("_qi", "_d")
        .group_by("_qi", maintain_order=True)
        .agg(pl.col("entity_id").first().alias("speaker_entity_id"))
    )
    return q.join(cand, on="_qi", how="left").sort("_qi").drop("_qi")
