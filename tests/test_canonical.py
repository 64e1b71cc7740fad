"""Canonical entities within and across articles (real spaCy model)."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from etl.nlp import annotate
from etl.nlp.canonical import ALIAS_SCHEMA, canonicalise, entity_id_for, link_speakers

GOLD = Path(__file__).parent / "gold"
EMPTY = pl.DataFrame(schema=ALIAS_SCHEMA)


@pytest.fixture(scope="module")
def seed():
    d = json.loads((GOLD / "seed.jsonl").read_text(encoding="utf-8").splitlines()[0])
    m, q = annotate(pl.DataFrame({"article_id": ["seed"], "text": [d["text"]]}))
    mw, ents, aliases = canonicalise(m, EMPTY)
    return m, q, mw, ents, aliases


def _ids(mw: pl.DataFrame, texts: list[str]) -> set[str]:
    return set(mw.filter(pl.col("text").is_in(texts)).get_column("entity_id").to_list())


def test_surname_joins_full_name(seed):
    _, _, mw, ents, _ = seed
    ids = _ids(mw, ["Tillerson", "Rex Tillerson"])
    assert len(ids) == 1
    assert ents.filter(pl.col("entity_id") == ids.pop()).row(0, named=True)["name"] == "Rex Tillerson"
    assert len(_ids(mw, ["Putin", "Mr Putin", "Vladimir Putin"])) == 1
    assert len(_ids(mw, ["Haley", "Nikki Haley"])) == 1


def test_alias_table_variants(seed):
    _, _, mw, ents, _ = seed
    us = _ids(mw, ["U.S.", "US", "USA"])
    assert len(us) == 1
    assert ents.filter(pl.col("entity_id") == next(iter(us))).row(0, named=True)["name"] == "United States"
    ru = _ids(mw, ["Russia", "Russian Federation"])
    assert len(ru) == 1
    row = ents.filter(pl.col("entity_id") == next(iter(ru))).row(0, named=True)
    assert (row["name"], row["label"]) == ("Russia", "GPE")
    assert len(_ids(mw, ["U.N.", "United Nations"])) == 1


def test_label_voting_fixes_small_model_errors(seed):
    m, _, mw, _, _ = seed
    # the small model tags some "Lavrov" and "Nikki Haley" mentions ORG
    assert "ORG" in set(m.filter(pl.col("text").is_in(["Lavrov", "Nikki Haley"])).get_column("label").to_list())
    assert set(mw.filter(pl.col("text").is_in(["Lavrov", "Nikki Haley", "Haley"])).get_column("label").to_list()) == {
        "PERSON"
    }


def test_frames_shape(seed):
    m, _, mw, ents, aliases = seed
    assert mw.height <= m.height and "entity_id" in mw.columns and mw.get_column("entity_id").null_count() == 0
    assert set(ents.columns) == {"entity_id", "name", "label"}
    assert ents.get_column("entity_id").is_unique().all()
    assert set(aliases.columns) == {"alias", "label", "entity_id", "name"}
    assert set(mw.get_column("entity_id").unique().to_list()) == set(ents.get_column("entity_id").to_list())


def test_ids_deterministic(seed):
    m, _, mw, _, _ = seed
    mw2, _, _ = canonicalise(m, EMPTY)
    assert mw.get_column("entity_id").to_list() == mw2.get_column("entity_id").to_list()
    assert entity_id_for("Rex Tillerson", "PERSON") == entity_id_for("rex tillerson", "PERSON")


def test_known_alias_table_reuses_ids(seed):
    _, _, mw, ents, aliases = seed
    tid = next(iter(_ids(mw, ["Rex Tillerson"])))
    new = pl.DataFrame(
        {"article_id": ["b"], "text": ["Tillerson flew to Beijing on Monday. Tillerson said the talks went well."]}
    )
    m2, _ = annotate(new)
    mw2, ents2, aliases2 = canonicalise(m2, aliases)
    assert _ids(mw2, ["Tillerson"]) == {tid}
    assert ents2.filter(pl.col("entity_id") == tid).row(0, named=True)["name"] == "Rex Tillerson"
    assert tid in set(aliases2.get_column("entity_id").to_list())


def test_cross_article_surname_joins_batch_full_name():
    arts = pl.DataFrame(
        {
            "article_id": ["a", "b"],
            "text": [
                "Chelsea manager Jose Mourinho praised his players on Saturday.",
                "Mourinho said the title race was not over.",
            ],
        }
    )
    m, _ = annotate(arts)
    mw, _, _ = canonicalise(m, EMPTY)
    assert len(_ids(mw, ["Jose Mourinho", "Mourinho"])) == 1


def test_typographic_apostrophe_is_one_entity_with_an_ascii_name():
    arts = pl.DataFrame(
        {
            "article_id": ["a", "b", "c"],
            "text": [
                "Senator Patrick O’Brien, a Democrat from Ohio, told reporters on Monday that the bill would pass.",
                "Patrick O’Brien said the vote would be close. Later, O’Brien said it was won.",
                "Patrick O'Brien thanked his staff.",
            ],
        }
    )
    m, _ = annotate(arts)
    mw, ents, _ = canonicalise(m, EMPTY)
    ids = _ids(mw, ["Patrick O’Brien", "Patrick O'Brien", "O’Brien"])
    assert len(ids) == 1 and mw.filter(pl.col("entity_id").is_in(list(ids))).height == 4
    assert ents.filter(pl.col("entity_id").is_in(list(ids)))["name"].to_list() == ["Patrick O'Brien"]
    assert "Patrick O’Brien" in mw["text"].to_list()  # mentions keep the text as written


def test_link_speakers(seed):
    _, q, mw, ents, _ = seed
    lq = link_speakers(q, mw)
    assert lq.height == q.height and "speaker_entity_id" in lq.columns
    r = lq.filter(pl.col("text") == "Damascus had given up its chemical weapons stocks").row(0, named=True)
    assert r["speaker_entity_id"] == next(iter(_ids(mw, ["Vladimir Putin"])))


def _mentions(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    """(article_id, text, label) rows as annotate() would give them."""
    return pl.DataFrame(
        {
            "article_id": [a for a, _, _ in rows], "text": [t for _, t, _ in rows], "label": [lab for _, _, lab in rows],
            "start_char": list(range(len(rows))), "end_char": list(range(1, len(rows) + 1)),
            "sentence_index": [0] * len(rows), "key": [t for _, t, _ in rows],
        },
        schema={"article_id": pl.String, "text": pl.String, "label": pl.String, "start_char": pl.Int64,
                "end_char": pl.Int64, "sentence_index": pl.Int64, "key": pl.String},
    )


def test_label_is_voted_across_the_batch():
    """A name the model tags ORG in most articles and PERSON in one is one ORG entity everywhere."""
    m = _mentions([("a", "Yukos", "ORG"), ("b", "Yukos", "ORG"), ("c", "Yukos", "ORG"), ("d", "Yukos", "PERSON"),
                   ("e", "Jordan", "GPE"), ("f", "Jordan", "PERSON")])
    mw, ents, _ = canonicalise(m, EMPTY)
    yukos = mw.filter(pl.col("text") == "Yukos")
    assert yukos.get_column("entity_id").n_unique() == 1 and set(yukos.get_column("label")) == {"ORG"}
    # no clear majority: a country and a person stay apart
    assert mw.filter(pl.col("text") == "Jordan").get_column("entity_id").n_unique() == 2


def test_fullest_form_names_an_organisation():
    m = _mentions([("a", "British Airways", "ORG"), ("a", "BA", "ORG"), ("a", "BA", "ORG"), ("a", "BA", "ORG")])
    mw, ents, _ = canonicalise(m, EMPTY)
    assert mw.get_column("entity_id").n_unique() == 1
    assert ents.get_column("name").to_list() == ["British Airways"]


def test_first_name_and_bracketed_acronym_join_the_full_name():
    text = ("The Royal National Institute for Deaf People (RNID) wants cheaper calls, said bassist Mike Mills. "
            "The RNID says the service is too dear. Mike said the band agreed.")
    m, _ = annotate(pl.DataFrame({"article_id": ["a"], "text": [text]}))
    mw, ents, _ = canonicalise(m, EMPTY)
    names = dict(ents.select("entity_id", "name").iter_rows())
    rnid = set(mw.filter(pl.col("text").is_in(["RNID", "Royal National Institute for Deaf People"])).get_column("entity_id"))
    assert len(rnid) == 1 and names[rnid.pop()] == "Royal National Institute for Deaf People"
    mike = set(mw.filter(pl.col("text").is_in(["Mike", "Mike Mills"])).get_column("entity_id"))
    assert len(mike) == 1 and names[mike.pop()] == "Mike Mills"


def test_short_form_of_a_given_name_joins_the_full_name():
    m = _mentions([("a", "Dave Hodges", "PERSON"), ("a", "David", "PERSON"), ("a", "Hodges", "PERSON"),
                   ("b", "David Moyes", "PERSON"), ("b", "Dave", "PERSON"), ("b", "Michael", "PERSON")])
    mw, ents, _ = canonicalise(m, EMPTY)
    names = dict(ents.select("entity_id", "name").iter_rows())
    a = mw.filter(pl.col("article_id") == "a").get_column("entity_id").unique().to_list()
    assert len(a) == 1 and names[a[0]] == "Dave Hodges"
    dave = mw.filter((pl.col("article_id") == "b") & (pl.col("text") == "Dave")).get_column("entity_id").item()
    michael = mw.filter(pl.col("text") == "Michael").get_column("entity_id").item()
    assert names[dave] == "David Moyes" and names[michael] != "David Moyes"


def test_the_states_is_the_united_states():
    m = _mentions([("a", "States", "GPE"), ("a", "US", "GPE")])
    mw, ents, _ = canonicalise(m, EMPTY)
    assert mw.get_column("entity_id").n_unique() == 1 and ents.get_column("name").to_list() == ["United States"]


def test_a_place_and_the_team_of_its_name_stay_apart_in_a_batch():
    """'France' the team (ORG, in sports reports) and the country (GPE) are not voted into one label."""
    m = _mentions([("a", "France", "ORG"), ("b", "France", "ORG"), ("c", "France", "GPE"), ("c", "France", "GPE"),
                   ("d", "Yukos", "ORG"), ("e", "Yukos", "ORG"), ("f", "Yukos", "PERSON"), ("f", "Yukos", "PERSON"),
                   ("f", "Yukos", "PERSON")])
    mw, ents, _ = canonicalise(m, EMPTY)
    france = mw.filter(pl.col("text") == "France")
    assert set(france.filter(pl.col("article_id") == "c").get_column("label")) == {"GPE"}
    assert set(france.filter(pl.col("article_id") != "c").get_column("label")) == {"ORG"}
    # a flipped article's mentions vote for the batch's label: the entity stays an organisation
    assert set(mw.filter(pl.col("text") == "Yukos").get_column("label")) == {"ORG"}


def _canonical_names(m: pl.DataFrame) -> dict[tuple[str, str], str]:
    """(article_id, mention text) -> canonical name, for mentions canonicalised with an empty alias table."""
    mw, ents, _ = canonicalise(m, EMPTY)
    names = dict(ents.select("entity_id", "name").iter_rows())
    return {(r["article_id"], r["text"]): names[r["entity_id"]] for r in mw.iter_rows(named=True)}


def test_an_institution_s_short_form_joins_its_one_full_name_and_a_team_stays_apart():
    m = _mentions([("a", "European Commission", "ORG"), ("a", "Commission", "ORG"), ("a", "Commission", "ORG"),
                   ("a", "Rock and Roll Hall of Fame", "ORG"), ("a", "Hall of Fame", "ORG"),
                   ("b", "Everton and Arsenal", "ORG"), ("b", "Arsenal", "ORG"),
                   ("c", "US Supreme Court", "ORG"), ("c", "UK Supreme Court", "ORG"), ("c", "Supreme Court", "ORG")])
    named = _canonical_names(m)
    assert named[("a", "Commission")] == "European Commission"
    assert named[("a", "Hall of Fame")] == "Rock and Roll Hall of Fame"
    assert named[("b", "Arsenal")] == "Arsenal"  # a team, not an institution
    assert named[("c", "Supreme Court")] == "Supreme Court"  # two courts end so: neither


def test_a_club_word_joins_the_one_club_it_ends_and_a_lone_club_word_becomes_the_club():
    m = _mentions([("a", "Manchester United", "ORG"), ("a", "United", "ORG"),
                   ("b", "Manchester City", "ORG"), ("b", "Leicester City", "ORG"), ("b", "City", "ORG"),
                   ("c", "Clyde 0-5 Celtic", "ORG"), ("c", "Celtic", "ORG")])
    named = _canonical_names(m)
    assert named[("a", "United")] == "Manchester United"
    assert named[("b", "City")] == "City"  # two clubs end so: neither
    assert named[("c", "Celtic")] == "Celtic"  # a score line is not a club's name
    # in the article, 'United' (tagged NORP here) takes the label of the one club that ends with it
    mentions, _ = annotate(pl.DataFrame({"article_id": ["d"], "text": [
        "Mourinho intimated that United boss Sir Alex Ferguson influenced the referee after their Carling Cup "
        "tie with Manchester United."]}))
    assert set(mentions.filter(pl.col("text") == "United")["label"]) == {"ORG"}


def test_a_given_name_joins_the_full_name_the_article_is_about():
    m = _mentions([("a", "Ken Nazi", "PERSON"), ("a", "Ken Livingstone", "PERSON"), ("a", "Mr Livingstone", "PERSON"),
                   ("a", "Livingstone", "PERSON"), ("a", "Ken", "PERSON"),
                   ("b", "Mike Mills", "PERSON"), ("b", "Mike Stipe", "PERSON"), ("b", "Mike", "PERSON")])
    named = _canonical_names(m)
    assert named[("a", "Ken")] == "Ken Livingstone"
    assert named[("b", "Mike")] == "Mike"  # two Mikes, named as often: neither


def test_a_mixed_case_acronym_joins_its_full_name_and_a_name_with_a_complement_is_no_person():
    m = _mentions([("a", "Department for Education and Skills", "ORG"), ("a", "DfES", "ORG"),
                   ("b", "Bank of England", "ORG"), ("b", "BoE", "ORG"), ("c", "McFly", "ORG"),
                   ("c", "Manchester Fans", "ORG"),
                   ("d", "George Soros Foundation for Southern Africa", "ORG"), ("d", "Africa", "LOC")])
    named = _canonical_names(m)
    assert named[("a", "DfES")] == "Department for Education and Skills"
    assert named[("b", "BoE")] == "Bank of England"
    assert named[("c", "McFly")] == "McFly"  # lower-case letters that are no function word's initial
    assert named[("d", "Africa")] == "Africa"  # not the surname of a 'George ... Africa' person


def test_a_hyphenated_surname_joins_its_full_name_and_its_second_half_does_not():
    m = _mentions([("a", "Nicholas Betts-Green", "PERSON"), ("a", "Betts-Green", "PERSON"),
                   ("b", "Philippe Saint-Andre", "PERSON"), ("b", "Saint-Andre", "PERSON"), ("b", "Andre", "PERSON"),
                   ("c", "Andre", "PERSON"), ("d", "Simpson-Daniel", "PERSON")])
    named = _canonical_names(m)
    assert named[("a", "Betts-Green")] == "Nicholas Betts-Green"
    assert named[("b", "Saint-Andre")] == "Philippe Saint-Andre"
    assert named[("b", "Andre")] == "Andre" and named[("c", "Andre")] == "Andre"
    assert named[("d", "Simpson-Daniel")] == "Simpson-Daniel"  # no full name of it in the batch


def test_a_surname_with_its_particle_joins_the_full_name_in_the_article_and_the_batch():
    m = _mentions([("a", "Luiz Inacio Lula da Silva", "PERSON"), ("a", "da Silva", "PERSON"),
                   ("a", "Silva", "PERSON"),
                   ("b", "Robin van Persie", "PERSON"), ("c", "van Persie", "PERSON"),
                   ("d", "Gilberto Silva", "PERSON"), ("d", "Silva", "PERSON")])
    named = _canonical_names(m)
    assert named[("a", "da Silva")] == "Luiz Inacio Lula da Silva"  # a surname, not a full name 'da Silva'
    assert named[("a", "Silva")] == "Luiz Inacio Lula da Silva"
    assert named[("c", "van Persie")] == "Robin van Persie"  # across articles of the batch
    assert named[("d", "Silva")] == "Gilberto Silva"


def test_one_name_written_with_other_function_words_is_one_entity():
    m = _mentions([("a", "Institute for Fiscal Studies", "ORG"), ("a", "Institute of Fiscal Studies", "ORG"),
                   ("b", "Economic Social Research Council", "ORG"), ("b", "Economic and Social Research Council", "ORG"),
                   ("c", "Bank of England", "ORG"), ("c", "England", "GPE")])
    named = _canonical_names(m)
    assert named[("a", "Institute of Fiscal Studies")] == named[("a", "Institute for Fiscal Studies")]
    assert named[("b", "Economic Social Research Council")] == "Economic and Social Research Council"
    assert named[("c", "England")] == "England"


def test_a_club_nickname_joins_the_one_club_of_the_report_that_it_can_name():
    m = _mentions([("a", "Tottenham", "GPE"), ("a", "Tottenham", "GPE"), ("a", "Spurs", "PERSON"),
                   ("a", "Spurs", "PERSON"), ("a", "Spurs", "ORG"),
                   ("b", "Chelsea", "ORG"), ("b", "Everton", "ORG"), ("b", "Blues", "ORG"),
                   ("c", "Pompey", "PERSON"),
                   ("d", "Blackburn v Burnley", "ORG"), ("d", "Blackburn", "ORG")])
    mw, ents, _ = canonicalise(m, EMPTY)
    named = _canonical_names(m)
    assert named[("a", "Spurs")] == named[("a", "Tottenham")] == "Tottenham"  # the club's name, not the nickname
    assert set(mw.filter(pl.col("article_id") == "a")["label"]) == {"ORG"}  # the club, not the town
    assert named[("b", "Blues")] == "Blues"  # Chelsea and Everton are both 'the Blues'
    assert set(mw.filter(pl.col("text") == "Pompey")["label"]) == {"ORG"}  # no club named: still a club
    assert named[("d", "Blackburn")] == "Blackburn"  # a fixture is no club's full name


def test_an_acronym_joins_the_name_it_abbreviates_including_an_acronym_inside_it():
    m = _mentions([("a", "UK Independence Party", "ORG"), ("a", "UKIP", "ORG"),
                   ("b", "US Anti-Doping Agency", "ORG"), ("b", "USADA", "ORG"),
                   ("c", "LG Card", "ORG"), ("c", "LG Group", "ORG"), ("c", "LG", "ORG"),
                   ("d", "BT Retail", "ORG"), ("d", "BT", "GPE"), ("d", "BT", "GPE"),
                   ("e", "Paris Match", "ORG"), ("e", "Paris", "GPE")])
    mw, _, _ = canonicalise(m, EMPTY)
    named = _canonical_names(m)
    assert named[("a", "UKIP")] == "UK Independence Party (UKIP)"  # the alias table's name
    assert named[("b", "USADA")] == "US Anti-Doping Agency"
    assert named[("c", "LG")] == "LG"  # the first word of two names: neither
    # an acronym starting the article's organisation names is one too, not a place; a place stays a place
    labels = dict(mw.select("text", "label").iter_rows())
    assert labels["BT"] == "ORG" and labels["Paris"] == "GPE"


def test_a_titled_surname_one_slip_from_a_full_name_joins_it_and_untitled_ones_do_not():
    m = _mentions([("a", "Monica Chadha", "PERSON"), ("a", "Ms Chada", "PERSON"),
                   ("b", "Sarah Mukherjee", "PERSON"), ("b", "Mr Mukerjee", "PERSON"),
                   ("c", "Marcus Horan", "PERSON"), ("c", "Horgan", "PERSON")])
    m = m.with_columns(pl.col("key").str.replace(r"^(Ms|Mr) ", ""))  # annotate() keys names without the title
    named = _canonical_names(m)
    assert named[("a", "Ms Chada")] == "Monica Chadha"
    assert named[("b", "Mr Mukerjee")] == "Mukerjee"  # 'Mr' is not Sarah
    assert named[("c", "Horgan")] == "Horgan"  # no title: another player


def test_an_acronym_never_spelt_out_in_its_article_takes_the_one_name_the_batch_spelt_it_out_as():
    m = _mentions([("a", "Confederation of British Industry", "ORG"), ("a", "CBI", "ORG"), ("b", "CBI", "ORG"),
                   ("c", "AOL Europe", "ORG"), ("c", "AOL", "ORG"), ("d", "AOL", "ORG"),
                   ("e", "Securities and Exchange Commission", "ORG"), ("e", "SEC", "ORG"),
                   ("f", "Sports and Entertainment Council", "ORG"), ("f", "SEC", "ORG"), ("g", "SEC", "ORG")])
    named = _canonical_names(m)
    assert named[("b", "CBI")] == "Confederation of British Industry"
    assert named[("d", "AOL")] == "AOL"  # a first word, not an expansion
    assert named[("g", "SEC")] == "SEC"  # spelt out two ways: neither


def test_a_country_is_its_team_and_the_country_in_one_sports_report():
    text = ("Wales beat France 24-18 in the Six Nations on Saturday. The France coach Bernard Laporte said his side "
            "played badly. Gareth Thomas, who has played club rugby in France since 2004, scored two tries for Wales. "
            "France will face Ireland in the next match of the championship, and the coach expects a close game.")
    mentions, _ = annotate(pl.DataFrame({"article_id": ["a"], "text": [text]}))
    mw, ents, _ = canonicalise(mentions, pl.DataFrame(schema=ALIAS_SCHEMA))
    france = mw.filter(pl.col("text") == "France").sort("start_char")
    in_france = text.index("in France") + 3
    assert france.filter(pl.col("start_char") == in_france)["label"].to_list() == ["GPE"], france
    assert set(france.filter(pl.col("start_char") != in_france)["label"]) == {"ORG"}, france
    assert france["entity_id"].n_unique() == 2, france


def test_an_organisation_written_with_other_spacing_or_one_slip_is_one_and_numbered_names_stay_apart():
    m = _mentions([("a", "JP Morgan", "ORG"), ("a", "JPMorgan", "ORG"), ("a", "Villarreal", "ORG"),
                   ("a", "Villareal", "ORG"), ("b", "BBC Radio 1", "ORG"), ("b", "BBC Radio 2", "ORG"),
                   ("b", "Media Lab Europe", "ORG"), ("b", "Media Lab Europa", "ORG"), ("c", "Nokia", "ORG"),
                   ("c", "Nokias", "ORG")])
    mw, _, _ = canonicalise(m, EMPTY)
    ids = {(r["article_id"], r["text"]): r["entity_id"] for r in mw.iter_rows(named=True)}
    assert ids[("a", "JP Morgan")] == ids[("a", "JPMorgan")] and ids[("a", "Villarreal")] == ids[("a", "Villareal")]
    assert ids[("b", "BBC Radio 1")] != ids[("b", "BBC Radio 2")]
    assert ids[("b", "Media Lab Europe")] == ids[("b", "Media Lab Europa")]
    assert ids[("c", "Nokia")] != ids[("c", "Nokias")]  # too short to call a slip


def test_a_titled_surname_does_not_join_another_article_s_full_name_of_the_other_sex():
    m = _mentions([("a", "Stuart Pearce", "PERSON"), ("b", "Mrs Pearce", "PERSON"),
                   ("c", "Tony Blair", "PERSON"), ("d", "Mr Blair", "PERSON")])
    m = m.with_columns(pl.col("key").str.replace(r"^Mrs? ", ""))  # keys without the title, as annotate() gives them
    named = _canonical_names(m)
    assert named[("b", "Mrs Pearce")] != "Stuart Pearce" and named[("d", "Mr Blair")] == "Tony Blair"
