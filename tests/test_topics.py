"""Topic model (etl/topics.py) and the topic trend views (sql/views/06_topic_trends.sql).

Runs on tests/fixtures/corpus (66 BBC articles + their entity mentions, see its README), never
on ../shared.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from etl.topics import (
    ARTICLE_TOPICS_SCHEMA,
    TOPIC_TERMS_SCHEMA,
    TOPICS_SCHEMA,
    _similarity,
    _unit,
    assign_topics,
    fit_topics,
    npmi_coherence,
    tokenize_articles,
)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
SEED_ARTICLE = ROOT / "seeds" / "000_0a211b190e0dde63.txt"
VIEWS_SQL = ROOT / "sql" / "views" / "06_topic_trends.sql"


def _load_corpus() -> pl.DataFrame:
    rows = []
    for path in sorted((CORPUS / "news").glob("*/*.txt")):
        title, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        rows.append({"article_id": f"{path.parent.name}/{path.stem}", "category": path.parent.name,
                     "title": title.strip(), "text": body.strip()})
    return pl.DataFrame(rows)


@pytest.fixture(scope="module")
def corpus() -> pl.DataFrame:
    df = _load_corpus()
    assert df.height >= 60 and df["category"].n_unique() == 5
    return df


@pytest.fixture(scope="module")
def mentions() -> pl.DataFrame:
    return pl.read_ndjson(CORPUS / "mentions.jsonl")


@pytest.fixture(scope="module")
def split(corpus):
    """(base night, next night with ~10% new articles)."""
    ids = sorted(corpus["article_id"].to_list())
    new = set(ids[5::11])  # 6 of 66: 10% of the 60 base articles
    return corpus.filter(~pl.col("article_id").is_in(sorted(new))), corpus


@pytest.fixture(scope="module")
def night1(split, mentions):
    return fit_topics(split[0], mentions, None, None, model_version="v1")


@pytest.fixture(scope="module")
def night2(split, mentions, night1):
    return fit_topics(split[1], mentions, night1.topics, night1.topic_terms, model_version="v2")


def _vectors(fit) -> dict[int, dict[str, float]]:
    return {int(t): _unit(dict(zip(g["term"], g["weight"])))
            for (t,), g in fit.topic_terms.group_by("topic_id", maintain_order=True)}


def _check_schemas(fit) -> None:
    assert dict(fit.topics.schema) == TOPICS_SCHEMA
    assert dict(fit.article_topics.schema) == ARTICLE_TOPICS_SCHEMA
    assert dict(fit.topic_terms.schema) == TOPIC_TERMS_SCHEMA


def _stop_words() -> set[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return {w.lower() for w in STOP_WORDS}


# ------------------------------------------------------------------------------ first fit

def test_first_fit_shapes_and_weights(night1, split):
    fit = night1
    _check_schemas(fit)
    topics = fit.topics
    assert topics["active"].all() and topics["match_score"].is_null().all()
    assert topics["model_version"].unique().to_list() == ["v1"]
    assert topics["first_version"].unique().to_list() == ["v1"]
    assert topics["ended_version"].is_null().all()
    assert topics["topic_id"].to_list() == list(range(1, topics.height + 1))
    assert topics["topic_id"].n_unique() == topics.height
    # the number of topics comes from the data (a scored grid), not a constant
    assert fit.selection and len(fit.selection) >= 2 and fit.n_topics_chosen == topics.height
    assert 3 <= topics.height <= 8  # 5 BBC sections in 60 articles

    at = fit.article_topics
    assert at["weight"].min() > 0 and at["weight"].max() <= 1.0
    assert set(at["topic_id"]) <= set(topics["topic_id"])
    sums = at.group_by("article_id").agg(pl.col("weight").sum())
    assert (sums["weight"] <= 1.0 + 1e-9).all()
    assert at["article_id"].n_unique() == split[0].height  # every article has a topic
    assert at.select("article_id", "topic_id").is_duplicated().sum() == 0
    counts = at.group_by("topic_id").len().sort("topic_id")
    assert topics.sort("topic_id")["n_articles"].to_list() == counts["len"].to_list()
    # persisted term vectors: one row per (topic, term), for every topic
    assert fit.topic_terms.select("topic_id", "term").is_duplicated().sum() == 0
    assert set(fit.topic_terms["topic_id"]) == set(topics["topic_id"])


def test_topics_follow_the_sections(night1, split):
    """Sanity: the dominant topic of an article mostly agrees with its BBC section."""
    top = night1.article_topics.sort("weight", descending=True).unique("article_id", keep="first")
    j = top.join(split[0].select("article_id", "category"), on="article_id")
    majority = j.group_by("topic_id", "category").len().sort("len", descending=True).unique("topic_id", keep="first")
    assert majority["len"].sum() / j.height >= 0.7


def test_terms_and_labels_are_readable(night1, night2):
    stop = _stop_words()
    for fit in (night1, night2):
        for row in fit.topics.iter_rows(named=True):
            terms = row["top_terms"]
            assert 5 <= len(terms) <= 10 and len(set(terms)) == len(terms)
            assert row["label"] and len(row["label"]) <= 80
            label_parts = row["label"].split(" / ")
            assert set(label_parts) <= set(terms)
            for term in terms + label_parts:
                assert term.lower() not in stop, term
                assert not re.search(r"(^|\s)[\d.,%]+(\s|$)", term), term       # no numbers
                assert not re.search(r"[<>&;=/\\]|https?|www|nbsp", term), term  # no HTML/URL leftovers
                if " " not in term and not term.isupper():
                    assert not any(c.isdigit() for c in term), term
                assert term not in {"say", "said", "mr", "year", "told", "bbc", "news"}, term
        labels = fit.topics["label"].to_list()
        assert len(set(labels)) == len(labels)


def test_html_numbers_and_boilerplate_are_dropped():
    arts = pl.DataFrame({"article_id": ["a"], "text": [
        "<p>The&nbsp;shares rose 15% to 3,400 in 2005, Mr Smith said on Monday.</p> "
        "See http://www.example.com/story.html or mail news@example.com. I'm sure they've said it."]})
    _, tokens, _ = tokenize_articles(arts, None)
    assert tokens[0] == ["share", "rise", "smith", "sure"]


def test_entities_are_phrase_tokens():
    arts = pl.DataFrame({"article_id": ["a", "b"], "text": [
        "Islamic State fighters attacked. Officials said Islamic State's leaders fled; the group "
        "(IS) is weakened. Tony Blair spoke.",
        "Mr Blair met Gordon Brown in Downing Street."]})
    ments = pl.DataFrame({
        "article_id": ["a", "a", "a", "a", "b", "b", "b"],
        "text": ["Islamic State", "Islamic State's", "IS", "Tony Blair", "Blair", "Gordon Brown", "Downing Street"],
        "name": ["Islamic State", "Islamic State", "Islamic State", "Tony Blair", "Tony Blair", "Gordon Brown",
                 "Downing Street"],
        "label": ["ORG", "ORG", "ORG", "PERSON", "PERSON", "PERSON", "FAC"]})
    _, tokens, entity_terms = tokenize_articles(arts, ments)
    a, b = tokens
    assert a.count("Islamic State") == 3 and a.count("Tony Blair") == 1  # "IS", not "is"
    assert not {"islamic", "state", "tony", "blair"} & set(a)
    assert b == ["Tony Blair", "meet", "Gordon Brown", "Downing Street"]
    assert {"Islamic State", "Tony Blair", "Gordon Brown", "Downing Street"} <= entity_terms


def test_entity_phrases_reach_top_terms(night1, night2, mentions):
    names = set(mentions["name"])
    for fit in (night1, night2):
        vocab = set(fit.topic_terms["term"])  # the stored term vectors (top 50 terms per topic)
        phrases = {t for t in vocab if " " in t}
        assert len(phrases) >= 5
        assert phrases <= names  # multi-word terms are canonical entity names
        people = set(mentions.filter(pl.col("label") == "PERSON")["name"])
        for p in phrases & people:  # and people's surnames do not appear as plain words
            assert p.split()[-1].lower() not in vocab, p
    top = [t for fit in (night1, night2) for tt in fit.topics["top_terms"] for t in tt]
    assert any(" " in t for t in top), top


# ------------------------------------------------------------------------------ refits

def test_refit_after_ten_percent_new_articles_keeps_ids(night1, night2):
    old = _vectors(night1)
    new_active = night2.topics.filter("active")
    new = {t: v for t, v in _vectors(night2).items() if t in set(new_active["topic_id"])}
    old_ids, new_ids = sorted(old), sorted(new)
    S = _similarity([old[t] for t in old_ids], [new[t] for t in new_ids])
    close = [t for i, t in enumerate(old_ids) if S[i].max() >= 0.8]
    assert len(close) >= 0.6 * len(old_ids)
    kept = [t for t in close if t in new]
    assert len(kept) >= 0.9 * len(close)
    # a kept id is the closest new topic to its old self
    for t in kept:
        i = old_ids.index(t)
        assert new_ids[int(np.argmax(S[i]))] == t
    matched = new_active.filter(pl.col("match_score").is_not_null())
    assert matched["match_score"].min() >= 0.6 and matched["match_score"].max() <= 1.0 + 1e-9
    assert (matched["first_version"] == "v1").all() and (matched["model_version"] == "v2").all()
    # new topics get fresh ids after the previous maximum
    fresh = new_active.filter(pl.col("match_score").is_null())["topic_id"].to_list()
    assert all(t > max(old_ids) for t in fresh)
    assert (new_active.filter(pl.col("match_score").is_null())["first_version"] == "v2").all()


def _top_topic(at: pl.DataFrame) -> dict[str, int]:
    return {a: g.sort("weight", descending=True)["topic_id"][0] for (a,), g in at.group_by("article_id")}


def test_assign_without_refit_agrees_with_the_fit(split, mentions, night1):
    """Between refits, new articles are placed by NNLS on the stored term vectors: on the articles
    the model was fitted on, the top topic must mostly be the fit's own."""
    base = split[0]
    assert night1.term_idf and all(v >= 1.0 for v in night1.term_idf.values())
    at = assign_topics(base, mentions, night1.topic_terms, night1.term_idf)
    assert dict(at.schema) == ARTICLE_TOPICS_SCHEMA
    fit_top, got_top = _top_topic(night1.article_topics), _top_topic(at)
    agree = sum(got_top.get(a) == t for a, t in fit_top.items())
    assert agree >= 0.8 * len(fit_top), (agree, len(fit_top))
    assert at.group_by("article_id").agg(pl.col("weight").sum())["weight"].max() <= 1.0 + 1e-9
    # the held-out articles of the next night land in the topic of their own section's articles
    new = split[1].filter(~pl.col("article_id").is_in(base["article_id"].implode()))
    section_topic = {}
    for a, t in fit_top.items():
        section_topic.setdefault(a.split("/")[0], []).append(t)
    placed = _top_topic(assign_topics(new, mentions, night1.topic_terms, night1.term_idf))
    same = sum(placed.get(a) in section_topic[a.split("/")[0]] for a in new["article_id"])
    assert same >= 0.8 * new.height


def test_assign_leaves_articles_without_known_terms_out(night1):
    odd = pl.DataFrame({"article_id": ["x"], "title": [None], "text": ["Zyzzyva qwxv blorptastic."]})
    assert assign_topics(odd, None, night1.topic_terms, night1.term_idf).is_empty()


def test_vanished_topics_are_kept_inactive(corpus, mentions):
    # night 1: all sections; night 2: no sport; night 3: still no sport; night 4: sport is back
    v1 = fit_topics(corpus, mentions, None, None, model_version="v1", n_topics=5)
    no_sport = corpus.filter(pl.col("category") != "sport")
    v2 = fit_topics(no_sport, mentions, v1.topics, v1.topic_terms, model_version="v2", n_topics=4)
    ended = v2.topics.filter(~pl.col("active"))
    assert ended.height >= 1
    assert set(ended["topic_id"]) <= set(v1.topics["topic_id"])
    assert (ended["ended_version"] == "v2").all() and (ended["model_version"] == "v1").all()
    assert (ended["first_version"] == "v1").all() and (ended["n_articles"] == 0).all()
    assert not set(ended["topic_id"]) & set(v2.article_topics["topic_id"])
    # the sport topic is among the vanished ones
    sport_ids = (v1.article_topics.join(corpus.select("article_id", "category"), on="article_id")
                 .filter(pl.col("category") == "sport").group_by("topic_id").len()
                 .sort("len", descending=True)["topic_id"][0])
    assert sport_ids in set(ended["topic_id"])
    # their term vectors are carried, so they can be recognised later
    assert set(ended["topic_id"]) <= set(v2.topic_terms["topic_id"])
    assert v2.topics["topic_id"].n_unique() == v2.topics.height

    v3 = fit_topics(no_sport, mentions, v2.topics, v2.topic_terms, model_version="v3", n_topics=4)
    still = v3.topics.filter(pl.col("topic_id").is_in(ended["topic_id"].to_list()))
    assert not still["active"].any() and (still["ended_version"] == "v2").all()  # original end kept
    assert set(v1.topics["topic_id"]) <= set(v3.topics["topic_id"])

    v4 = fit_topics(corpus, mentions, v3.topics, v3.topic_terms, model_version="v4", n_topics=5)
    back = v4.topics.filter(pl.col("topic_id") == sport_ids).row(0, named=True)
    assert back["active"] and back["ended_version"] is None and back["first_version"] == "v1"


def test_previous_topics_without_terms_still_match(night1, split, mentions):
    fit = fit_topics(split[0], mentions, night1.topics, None, model_version="v2")
    assert set(fit.topics.filter("active")["topic_id"]) & set(night1.topics["topic_id"])


def test_deterministic(split, mentions, night1, night2):
    again = fit_topics(split[0].sample(fraction=1.0, shuffle=True, seed=7), mentions.reverse(), None, None,
                       model_version="v1")
    assert again.topics.equals(night1.topics)
    assert again.article_topics.equals(night1.article_topics)
    assert again.topic_terms.equals(night1.topic_terms)
    again2 = fit_topics(split[1], mentions, again.topics, again.topic_terms, model_version="v2")
    assert again2.topics.equals(night2.topics) and again2.article_topics.equals(night2.article_topics)


def test_n_topics_override(split, mentions):
    fit = fit_topics(split[0], mentions, None, None, model_version="v1", n_topics=3)
    assert fit.topics.height == 3 and fit.selection is None


# ------------------------------------------------------------------------------ edge cases

def test_no_articles_gives_empty_frames():
    empty = pl.DataFrame(schema={"article_id": pl.String, "text": pl.String})
    no_mentions = pl.DataFrame(schema={"article_id": pl.String, "text": pl.String, "name": pl.String,
                                       "label": pl.String})
    fit = fit_topics(empty, no_mentions, None, None, model_version="v1")
    _check_schemas(fit)
    assert fit.topics.is_empty() and fit.article_topics.is_empty() and fit.topic_terms.is_empty()


def test_no_articles_with_previous_model_ends_its_topics(night1):
    empty = pl.DataFrame(schema={"article_id": pl.String, "text": pl.String})
    fit = fit_topics(empty, None, night1.topics, night1.topic_terms, model_version="v2")
    _check_schemas(fit)
    assert fit.topics.height == night1.topics.height and not fit.topics["active"].any()
    assert (fit.topics["ended_version"] == "v2").all() and fit.article_topics.is_empty()


def test_seed_alone():
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    arts = pl.DataFrame({"article_id": ["seed"], "text": [text]})
    ments = pl.DataFrame({"article_id": ["seed"] * 4, "text": ["Tillerson", "Rex Tillerson", "Lavrov", "Syria"],
                          "name": ["Rex Tillerson", "Rex Tillerson", "Sergei Lavrov", "Syria"],
                          "label": ["PERSON", "PERSON", "PERSON", "GPE"]})
    fit = fit_topics(arts, ments, None, None, model_version="v1")
    _check_schemas(fit)
    assert fit.topics.height == 1
    row = fit.topics.row(0, named=True)
    assert row["topic_id"] == 1 and row["active"] and row["n_articles"] == 1
    assert len(row["top_terms"]) == 10 and {"Rex Tillerson", "Syria"} <= set(row["top_terms"])
    assert fit.article_topics.rows() == [("seed", 1, 1.0)]
    # a follow-up story the next night: two articles, one topic, the same id
    lines = text.splitlines()
    follow_up = "\n".join(lines[: len(lines) // 2])
    arts2 = pl.concat([arts, pl.DataFrame({"article_id": ["follow-up"], "text": [follow_up]})])
    ments2 = pl.concat([ments, ments.with_columns(pl.lit("follow-up").alias("article_id"))])
    fit2 = fit_topics(arts2, ments2, fit.topics, fit.topic_terms, model_version="v2")
    assert fit2.topics.height == 1
    row2 = fit2.topics.row(0, named=True)
    assert row2["topic_id"] == 1 and row2["active"] and row2["match_score"] > 0.8
    assert set(fit2.article_topics["article_id"]) == {"seed", "follow-up"}
    # two unrelated articles: a sensible answer, no crash
    other = (CORPUS / "news" / "sport").glob("*.txt").__next__().read_text(encoding="utf-8")
    arts3 = pl.DataFrame({"article_id": ["seed", "sport"], "text": [text, other]})
    fit3 = fit_topics(arts3, ments, None, None, model_version="v1")
    assert fit3.topics.height == 1 and fit3.article_topics.height == 2
    assert fit3.article_topics["weight"].to_list() == [1.0, 1.0]


def test_very_short_and_empty_texts(night1):
    arts = pl.DataFrame({"article_id": ["a", "b", "c", "d"], "text": ["", "Hi.", "2005 - 12", None]})
    fit = fit_topics(arts, None, None, None, model_version="v1")
    _check_schemas(fit)
    assert fit.topics.is_empty() and fit.article_topics.is_empty()
    # short but meaningful texts give a topic; articles without any term get none
    arts = pl.DataFrame({"article_id": ["a", "b", "c"], "text": ["Chelsea won.", "Chelsea striker injured", "Ok"]})
    fit = fit_topics(arts, None, night1.topics, night1.topic_terms, model_version="v2")
    assert fit.topics.filter("active").height == 1
    assert set(fit.article_topics["article_id"]) == {"a", "b"}
    assert fit.topics.height >= night1.topics.height  # previous topics carried over


# ------------------------------------------------------------------------------ coherence

def test_npmi_coherence():
    docs = [["a", "b", "c"], ["a", "b"], ["c", "d"], ["d"], ["e"]]
    together, apart = npmi_coherence([["a", "b"], ["a", "d"]], docs)
    assert together == pytest.approx(1.0) and apart == pytest.approx(-1.0)


def test_fixture_topics_are_coherent(night1, split, mentions):
    _, tokens, _ = tokenize_articles(split[0], mentions)
    coh = npmi_coherence(night1.topics["top_terms"].to_list(), tokens)
    assert np.mean(coh) > 0.2


# ------------------------------------------------------------------------------ trend views

def _warehouse(con) -> None:
    con.execute("""
        CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, started_at TIMESTAMP NOT NULL, status VARCHAR);
        CREATE TABLE articles (article_id VARCHAR PRIMARY KEY, published_at TIMESTAMP, text VARCHAR,
                               first_run_id VARCHAR, last_run_id VARCHAR);
        CREATE TABLE topics (topic_id BIGINT PRIMARY KEY, label VARCHAR, top_terms VARCHAR[],
                             model_version VARCHAR, active BOOLEAN);
        CREATE TABLE article_topics (article_id VARCHAR, topic_id BIGINT, weight DOUBLE);
    """)
    con.execute("""INSERT INTO runs VALUES ('r1', '2024-03-01 02:00', 'success'),
                                           ('r2', '2024-03-29 02:00', 'success')""")
    con.execute("""INSERT INTO topics VALUES (1, 'Labour / election', ['Labour', 'election'], 'v', true),
                                             (2, 'film / award', ['film', 'award'], 'v', true)""")
    rows, links = [], []
    start = dt.datetime(2024, 3, 1, 9)
    for i in range(28):  # topic 1 every day, topic 2 once a week
        for t in (1, 2):
            if t == 2 and i % 7:
                continue
            aid = f"a{t}_{i}"
            rows.append((aid, start + dt.timedelta(days=i), "r1"))
            links.append((aid, t, 1.0))
    for i in range(8):  # the last day: topic 2 surges, dated by the run that loaded them
        aid = f"late{i}"
        rows.append((aid, None, "r2"))
        links.append((aid, 2, 0.75))
        links.append((aid, 1, 0.25))
    con.executemany("INSERT INTO articles VALUES (?, ?, 'x', ?, ?)", [(a, p, r, r) for a, p, r in rows])
    con.executemany("INSERT INTO article_topics VALUES (?, ?, ?)", links)


def test_topic_trend_views():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    _warehouse(con)
    sql = VIEWS_SQL.read_text()
    assert sql.count("CREATE OR REPLACE VIEW") >= 3
    con.execute(sql)
    con.execute(sql)  # re-runnable every night

    daily = con.execute("""SELECT day, topic_id, label, n_articles, weight_sum, share FROM topic_volume_daily
                           ORDER BY day, topic_id""").pl()
    assert daily.height == (28 + 1) + (4 + 1)
    last = daily.filter(pl.col("day") == dt.date(2024, 3, 29))  # run start date for undated articles
    assert last["n_articles"].to_list() == [8, 8]
    assert last["weight_sum"].to_list() == [pytest.approx(2.0), pytest.approx(6.0)]
    assert last["share"].to_list() == [pytest.approx(0.25), pytest.approx(0.75)]
    assert last["label"].to_list() == ["Labour / election", "film / award"]

    weekly = con.execute("SELECT * FROM topic_volume_weekly ORDER BY topic_id, week").pl()
    assert weekly["week"].dt.weekday().unique().to_list() == [1]  # weeks start on Monday
    assert weekly.group_by("topic_id").agg(pl.col("n_articles").sum()).sort("topic_id")["n_articles"].to_list() \
        == [36, 12]
    second = weekly.filter(pl.col("topic_id") == 1).row(1, named=True)
    first = weekly.filter(pl.col("topic_id") == 1).row(0, named=True)
    assert second["prev_week_articles"] == first["n_articles"] and first["prev_week_articles"] == 0

    rising = con.execute("SELECT * FROM rising_topics").pl()
    assert rising["topic_id"].to_list() == [2, 1]
    top = rising.row(0, named=True)
    assert top["is_rising"] and top["lift"] > 1.5 and top["recent_to"] == dt.date(2024, 3, 29)
    assert top["recent_from"] == dt.date(2024, 3, 23) and top["recent_articles"] == 8
    assert top["baseline_articles"] == 4 and top["lift"] == pytest.approx((7 / 16) / (5 / 28))
    assert not rising.row(1, named=True)["is_rising"]
