"""Entity mentions: surface forms, offsets, junk removal (real spaCy model)."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from etl.nlp import annotate, split_text
from etl.nlp.entities import normalise_key
from etl.nlp.model import CHUNK_CHARS, load_nlp

GOLD = Path(__file__).parent / "gold"


@pytest.fixture(scope="module")
def seed():
    d = json.loads((GOLD / "seed.jsonl").read_text(encoding="utf-8").splitlines()[0])
    m, _ = annotate(pl.DataFrame({"article_id": ["seed"], "text": [d["text"]]}))
    return d["text"], m


def test_load_nlp_cached_and_configured():
    nlp = load_nlp()
    assert nlp is load_nlp()
    # long texts are chunked by annotate(), so no single doc is longer than one chunk
    assert nlp.max_length >= CHUNK_CHARS >= 50_000
    assert "ner" in nlp.pipe_names and "parser" in nlp.pipe_names
    assert "lemmatizer" not in nlp.pipe_names


def test_mention_columns_and_offsets(seed):
    text, m = seed
    assert m.columns[:7] == ["article_id", "text", "label", "start_char", "end_char", "sentence_index", "key"]
    assert m.schema["start_char"] == pl.Int64 and m.schema["sentence_index"] == pl.Int64
    for r in m.iter_rows(named=True):
        assert text[r["start_char"] : r["end_char"]] == r["text"]


def test_surface_forms(seed):
    _, m = seed
    texts = set(m.get_column("text").to_list())
    assert "Tillerson" in texts and "Tillerson's" not in texts
    assert "Rex Tillerson" in texts  # "Secretary of State Rex Tillerson" -> the name
    assert "Mr Putin" in texts and "President Trump" in texts  # honorific + bare surname
    assert "Kremlin" in texts and "Security Council" in texts  # leading "the" stripped
    assert not any(t.lower().startswith("the ") for t in texts)
    keys = dict(m.select("text", "key").iter_rows())
    assert keys["Mr Putin"] == "Putin" and keys["President Trump"] == "Trump"


def test_junk_and_numbers_dropped(seed):
    _, m = seed
    labels = set(m.get_column("label").to_list())
    assert not labels & {"DATE", "CARDINAL", "ORDINAL", "TIME", "MONEY", "PERCENT"}
    assert "Comments" not in set(m.get_column("text").to_list())
    assert "Wednesday" not in set(m.get_column("text").to_list())


def test_normalise_key():
    assert normalise_key("Mr Putin's", "PERSON") == "Putin"
    assert normalise_key("Secretary of State Rex Tillerson", "PERSON") == "Rex Tillerson"
    assert normalise_key("the Kremlin", "ORG") == "Kremlin"


def test_parenthetical_acronym_shares_key():
    text = "A candidate for the UK Independence Party (UKIP) resigned. UKIP said he had left."
    m, _ = annotate(pl.DataFrame({"article_id": ["a"], "text": [text]}))
    keys = set(m.filter(pl.col("text").is_in(["UKIP", "UK Independence Party"])).get_column("key").to_list())
    assert keys == {"UK Independence Party"}


def test_split_text_paragraph_boundaries():
    para = "A sentence about Rex Tillerson. Another one.\n\n"
    text = para * 10_000  # ~450k characters
    chunks = split_text(text, max_chars=100_000)
    assert len(chunks) >= 5
    assert "".join(c for _, c in chunks) == text
    for off, c in chunks:
        assert len(c) <= 100_000 and text[off : off + len(c)] == c
        assert off == 0 or text[off - 2 : off] == "\n\n"  # cut at a paragraph break
    # no paragraph break: cut after a sentence, else at a space, else hard
    t = "Word " * 50_000
    parts = split_text(t, max_chars=60_000)
    assert "".join(c for _, c in parts) == t and all(len(c) <= 60_000 for _, c in parts)
    assert all(c.endswith(" ") for _, c in parts[:-1])
    t = "x" * 250_000
    parts = split_text(t, max_chars=100_000)
    assert "".join(c for _, c in parts) == t and all(len(c) <= 100_000 for _, c in parts)
    assert split_text("short") == [(0, "short")]


def test_long_article_chunked_offsets_and_sentences():
    d = json.loads((GOLD / "seed.jsonl").read_text(encoding="utf-8").splitlines()[0])
    reps = 300_000 // len(d["text"]) + 1
    text = "\n\n".join([d["text"]] * reps)
    assert len(text) > 300_000 > 2 * CHUNK_CHARS
    m, q = annotate(pl.DataFrame({"article_id": ["long"], "text": [text]}))
    for r in m.iter_rows(named=True):
        assert text[r["start_char"] : r["end_char"]] == r["text"]
    for r in q.iter_rows(named=True):
        assert text[r["start_char"] : r["end_char"]] == r["text"]
        if r["speaker_start"] is not None:
            assert 0 <= r["speaker_start"] < r["speaker_end"] <= len(text)
    last_off = split_text(text)[-1][0]
    assert last_off > 0
    tail_m = m.filter(pl.col("start_char") >= last_off)
    assert tail_m.height > 0 and q.filter(pl.col("start_char") >= last_off).height > 0
    # the text repeats the seed: each copy yields the same mentions (every copy lies inside one chunk
    # or is cut at a paragraph break) and sentence indices keep increasing across the chunks
    one, _ = annotate(pl.DataFrame({"article_id": ["seed"], "text": [d["text"]]}))
    assert m.height >= one.height * (reps - 1)
    si = m.get_column("sentence_index").to_list()
    assert si == sorted(si)
    assert si[-1] > one.get_column("sentence_index").max() * (reps - 1)


def test_bracketed_acronym_is_not_part_of_the_name():
    import polars as pl

    from etl.nlp import annotate

    text = "Ministers of the European Union (EU) met. The International Monetary Fund (IMF) said the EU must act."
    mentions, _ = annotate(pl.DataFrame({"article_id": ["a"], "text": [text]}))
    assert "(" not in "".join(mentions["text"].to_list())
    keys = dict(zip(mentions["text"].to_list(), mentions["key"].to_list()))
    assert keys["EU"] == keys["European Union"] and keys["IMF"] == keys["International Monetary Fund"]


def _labels(text: str) -> dict[str, set[str]]:
    """text of each mention -> its labels, for one article."""
    m, _ = annotate(pl.DataFrame({"article_id": ["a"], "text": [text]}))
    out: dict[str, set[str]] = {}
    for t, lab in m.select("text", "label").iter_rows():
        out.setdefault(t, set()).add(lab)
    return out


SPORT_REPORT = (
    "Wales coach Mike Ruddock has named his squad for the Six Nations match against France.\n\n"
    "Ruddock said the injury to captain Gareth Thomas was a blow, but the victory over Scotland "
    "showed the strength of the squad. Wales face France in Cardiff on Saturday, and the France coach "
    "said his side would be at full fitness. The league season resumes after the tournament."
)


def test_places_used_as_teams_are_organisations_in_a_sports_report():
    labels = _labels(SPORT_REPORT)
    assert labels["Wales"] == {"ORG"}, labels
    assert labels["France"] == {"ORG"}, labels
    assert "Mike Ruddock" in labels and labels["Mike Ruddock"] == {"PERSON"}


def test_places_stay_places_outside_sports_reports():
    labels = _labels(
        "The Welsh Assembly said new funding for hospitals had been agreed, and the president of France "
        "met the Scotland secretary in London."
    )
    assert labels["France"] == {"GPE"} and labels["Scotland"] == {"GPE"}, labels
    # a country described as a producer or an exporter is still the country
    labels = _labels("Production in Chile is expected to rise 3.5% in 2005. Chile, the biggest copper producer in the "
                     "world, is now analysing ways to keep prices stable.")
    assert labels["Chile"] == {"GPE"}, labels


def test_an_organisation_described_as_one_is_an_organisation():
    labels = _labels(
        "Shares in Russian oil giant Yukos fell on Monday. Yukos said its main unit had been sold, and "
        "gas monopoly Gazprom was expected to bid. Gazprom declined to comment."
    )
    assert labels["Yukos"] == {"ORG"}, labels
    assert labels["Gazprom"] == {"ORG"}, labels


def test_person_spans_fixed_by_given_names():
    labels = _labels(
        "Fellow Lib Dem Norman Baker said the plan was flawed. Wales physio Mark Davies said the winger "
        "would miss the game. The squad left out Sonny Bill Williams."
    )
    assert "Norman Baker" in labels and "Lib Dem Norman Baker" not in labels, labels
    assert "Mark Davies" in labels, labels
    assert not any(k.startswith("Bill Williams") for k in labels), labels
    # a capitalised description before a full name is no part of it
    labels = _labels('He added: "They should be punished." Lawyer Louise Christian, who represents Mr Abbasi, said '
                     'the government should have acted sooner. Rapper Kanye West is nominated for ten awards.')
    assert "Louise Christian" in labels and "Lawyer Louise Christian" not in labels, labels
    assert "Kanye West" in labels and "Rapper Kanye West" not in labels, labels


def test_untitled_and_titled_names_the_model_missed_are_people():
    labels = _labels(
        "But shadow attorney general Mr Grieve said the minister should resign. "
        "The bill is debated in the Commons on Monday, and Parliament will vote next week."
    )
    assert labels.get("Mr Grieve") == {"PERSON"}, labels
    assert labels.get("Commons") == {"ORG"}, labels  # not 'Commons on Monday'
    assert labels.get("Parliament") == {"ORG"}, labels


def test_a_known_place_the_model_tagged_otherwise_is_a_place():
    """GeoNames' countries and cities (places.csv) correct the small model: it tags this 'Glasgow' a
    person and this 'Cyprus' an organisation."""
    assert _labels("The band have cancelled Tuesday's Glasgow date after the singer fell ill. Fans with "
                   "tickets for the show in Glasgow should keep them.")["Glasgow"] == {"GPE"}
    assert _labels("The EU wants Turkey to recognise Cyprus before talks begin. The government of Cyprus "
                   "said it would not block the deal.")["Cyprus"] == {"GPE"}
    # the model sees no name here at all; the gazetteer's entity-ruler patterns fill the gap
    assert _labels("Casino groups are not in it to regenerate Blackpool, the MP said. They want to fill "
                   "their boots.")["Blackpool"] == {"GPE"}
    # a titled person stays a person ('Irvine' is a Scottish town)
    assert _labels("Lord Irvine said the advice was clear.")["Lord Irvine"] == {"PERSON"}


def test_places_table_is_built_from_geonames_without_word_like_names():
    from etl.nlp.entities import places

    table = places()
    assert len(table) > 4000
    assert table["Cyprus"] == "country" and table["Glasgow"] == "city" and table["Blackpool"] == "city"
    assert not {"Reading", "Bath", "Florence", "Hayes"} & set(table)


def test_an_untagged_name_with_a_firm_in_apposition_is_an_organisation():
    assert _labels("Tube workers walked out last week. Metrovias, the private firm which runs the five lines, "
                   "has offered an 8% increase in wages.")["Metrovias"] == {"ORG"}


def test_an_acronym_defined_in_brackets_is_a_mention_of_its_organisation_where_the_model_missed_it():
    text = ("The Pensions Policy Institute (PPI) said the state pension was too complex.\n\n"
            "The PPI added that the government should look at the options.")
    m, _ = annotate(pl.DataFrame({"article_id": ["a"], "text": [text]}))
    ppi = m.filter(pl.col("text") == "PPI")
    assert ppi.height == 2 and set(ppi["key"]) == {"Pensions Policy Institute"} and set(ppi["label"]) == {"ORG"}
    # a country in brackets after a name is not an acronym of it
    m, _ = annotate(pl.DataFrame({"article_id": ["a"], "text": ["Seeds: 1 Andy Roddick (US), 2 Tim Henman (Britain)."]}))
    assert "Andy Roddick" not in set(m.filter(pl.col("text") == "US")["key"])


def test_in_a_sports_report_a_place_used_as_an_actor_is_a_team_and_a_venue_stays_a_place():
    labels = _labels(
        "Stuart joins Norwich from Addicks\n\nNorwich have signed Charlton midfielder Graham Stuart until the end "
        "of the season. \"It was a very easy decision to make,\" the 34-year-old told Norwich's website. He joins "
        "Norwich with the club second from bottom in the league. The squad flies to Paris on Monday and trains "
        "in Paris before the match.")
    assert labels["Norwich"] == {"ORG"} and labels["Paris"] == {"GPE"}
    labels = _labels(
        "Robinson makes one change to the side that lost to Australia in November. Last week the squad was "
        "beaten by Hartlepool. It flies to Paris for the match on Monday. The coach said the league season was long.")
    assert labels["Australia"] == {"ORG"} and labels["Hartlepool"] == {"ORG"} and labels["Paris"] == {"GPE"}, labels
    # a lone name tagged as a person that a player plays for or joins is a club; one a coach plays is a player
    labels = _labels("Michels played for Ajax and coached the side to four titles. Desailly is now playing for "
                     "Al-Gharafa in Qatar. The coach said: \"They can play Kaka forward.\" The striker scored a goal "
                     "in the cup match.")
    assert labels.get("Ajax") == {"ORG"} and labels.get("Al-Gharafa") == {"ORG"}, labels
    assert labels.get("Kaka") != {"ORG"}, labels
    # a player's country is a nationality, not a team
    labels = _labels("Davenport beat Russia's Elena Likhovtseva 6-3 6-2 in the fourth round of the tournament. Sprem "
                     "saw off China's Li Na in the match before. The champion said the tennis was tough.")
    assert labels.get("Russia") == {"GPE"} and labels.get("China") == {"GPE"}, labels


def test_a_title_of_honour_stays_part_of_a_full_name():
    labels = _labels("Manchester United boss Sir Alex Ferguson said his side were ready. "
                     "President George Bush met Dame Judi Dench in London.")
    assert "Sir Alex Ferguson" in labels and "Alex Ferguson" not in labels, labels
    assert "George Bush" in labels and "President George Bush" not in labels, labels
    # a one-word honorific stays before a surname that is one word to a reader: hyphenated or with a particle
    labels = _labels("Mr Betts-Green quit on Monday. Prof Aynsley-Green said it was fine and Mr da Silva agreed. "
                     "Said Mr Bysshe: \"It is a new game.\"")
    assert {"Mr Betts-Green", "Prof Aynsley-Green", "Mr da Silva", "Mr Bysshe"} <= set(labels), labels


def test_a_full_name_described_as_a_band_or_firm_is_an_organisation_and_a_person_described_near_one_is_not():
    labels = _labels("US band Scissor Sisters led the winners at the Brits. Accountancy firm Grant Thornton said "
                     "sales rose. Annie Lennox, metal group Motorhead and dance act Basement Jaxx took home trophies.")
    assert labels["Scissor Sisters"] == {"ORG"}, labels
    assert labels["Grant Thornton"] == {"ORG"}, labels
    assert labels["Annie Lennox"] == {"PERSON"}, labels


def test_a_name_in_a_list_takes_the_label_the_others_share():
    labels = _labels("Phones produced by Sony Ericsson, Motorola, BenQ, Arima and Fujitsu are unaffected by the virus, "
                     "the firm said.")
    assert labels["Arima"] == {"ORG"}, labels  # the model tags it PERSON


def test_a_town_with_a_club_word_is_a_club():
    """The model tags 'Manchester United' a person; a town plus a club word is a club in any report, and any
    name with a club word is one in a sports report. A place that has such a word stays a place."""
    labels = _labels("Shares in Manchester United rose after Malcolm Glazer raised his stake. He also met "
                     "bankers in Mexico City.")
    assert labels["Manchester United"] == {"ORG"}, labels
    assert labels["Mexico City"] == {"GPE"}, labels
    labels = _labels(SPORT_REPORT + " Aston Villa were drawn against Leeds United in the cup, and the "
                     "striker said the match would be hard.")
    assert labels["Aston Villa"] == {"ORG"} and labels["Leeds United"] == {"ORG"}, labels


def test_a_peer_is_a_person_and_an_office_is_not():
    labels = _labels("But fertility expert Lord Winston said he thought it was rather good. The Lord Chancellor "
                     "agreed, and Labour peer Lord Dubs' Succession to the Crown Bill was debated.")
    assert labels.get("Lord Winston") == {"PERSON"}, labels
    assert labels.get("Lord Dubs") == {"PERSON"}, labels
    assert not any("Chancellor" in k for k in labels), labels


def test_a_spaced_dash_or_a_function_word_ends_a_name():
    labels = _labels("Bill Cosby - moved by the story - said he would help. She was elected with three other "
                     "ethnic minority MPs - Keith Vaz, Paul Boateng and Bernie Grant - in 1987.")
    assert "Bill Cosby" in labels and not any(k.startswith("Bill Cosby ") for k in labels), labels
    assert "Keith Vaz" in labels, labels
    assert not any(k.endswith((" -", " and", " of", " the")) for k in labels), labels
    labels = _labels("Finance Minister Antonio Palocci told the Associated Press news agency the figures were good. "
                     "Shares in HBOS bank rose.")
    assert labels.get("Associated Press") == {"ORG"} and labels.get("HBOS") == {"ORG"}, labels


def test_a_role_before_an_untagged_name_makes_a_person_and_the_surname_follows():
    """The model tags neither 'Graeme Souness' nor, later, 'Souness' (ORG) as a person here."""
    labels = _labels("Boss Graeme Souness felt Newcastle were never really in danger. But Souness said he did "
                     "not think so.")
    assert labels.get("Graeme Souness") == {"PERSON"}, labels
    assert labels.get("Souness") == {"PERSON"}, labels
    labels = _labels("Chief Operating Officer Jane Smith left. Fans of Star Wars Galaxies logged on.")
    assert "Operating Officer" not in labels and "Wars Galaxies" not in labels, labels


def test_names_listed_as_examples_of_firms_are_organisations():
    labels = _labels("The show will hear pledges of support from companies such as Nokia, Intel, Philips, Alcatel, "
                     "France Telecom, Thomson and Telefonica.")
    assert labels["Philips"] == {"ORG"} and labels["Alcatel"] == {"ORG"} and labels["Telefonica"] == {"ORG"}, labels
    labels = _labels("Travel-related shares dropped in Europe, with companies such as Germany's TUI and Lufthansa "
                     "and France's Club Mediterranne sliding.")
    assert labels["France"] == {"GPE"}, labels  # the owner's country, not an example


def test_an_institution_s_name_runs_on_over_its_complement_and_coordination():
    """The model cuts these names at 'of', 'for' or 'and' and tags the rest apart ('Skills' ORG)."""
    labels = _labels("A Department for Education and Skills spokeswoman said the Department for Culture, Media and "
                     "Sport agreed. A complaint was made by the Board of Deputies of British Jews and the Commission "
                     "for Racial Equality.")
    assert labels.get("Department for Education and Skills") == {"ORG"}, labels
    assert labels.get("Department for Culture, Media and Sport") == {"ORG"}, labels
    assert labels.get("Board of Deputies of British Jews") == {"ORG"}, labels
    assert "Skills" not in labels and "Sport" not in labels, labels
    # conjuncts that are other names stay apart: a person, a name of the alias table, a list of institutions
    labels = _labels("The Bank of England and Treasury officials met. He studied at the University of California "
                     "and Dan Gillmor agreed. The Council of Europe and Nato met. The Council of Mortgage Lenders, "
                     "British Bankers Association and Building Societies Association all agreed.")
    assert "Bank of England" in labels and "Council of Europe" in labels and "Nato" in labels, labels
    assert labels.get("Dan Gillmor") == {"PERSON"} and "University of California" in labels, labels
    assert "Council of Mortgage Lenders" in labels and "British Bankers Association" in labels, labels


def test_a_firm_tagged_as_a_nationality_is_an_organisation_and_groups_stay_groups():
    """The small model tags unknown one-word firms NORP ('Valve', 'Euronext'); groups are adjectives,
    plurals or take an article."""
    labels = _labels("The title, developed by Valve, was released last year. Valve said the accounts were closed. "
                     "Rival bourse Euronext said it may bid. The Greek government and the Spaniard were not "
                     "consulted, and Buddhist, Hindu, Muslim and Christian clergy met.")
    assert labels.get("Valve") == {"ORG"} and labels.get("Euronext") == {"ORG"}, labels
    assert labels.get("Greek") == {"NORP"} and labels.get("Hindu") == {"NORP"}, labels


def test_a_name_that_modifies_a_firm_word_is_an_organisation():
    labels = _labels("Birgit Kuhlhoff, from Sal Oppenheim investment bank, told Reuters the deal was dear. Jill "
                     "Finger, a research director at analyst firm IDC, agreed. The mayor accused a reporter of the "
                     "Evening Standard newspaper. The High Street retailer said sales fell.")
    assert labels.get("Sal Oppenheim") == {"ORG"} and labels.get("IDC") == {"ORG"}, labels
    assert labels.get("Evening Standard") == {"ORG"}, labels
    assert "High Street" not in labels, labels  # a street the firm is named after, not the firm


def test_a_country_before_an_institution_is_part_of_its_name():
    """The model tags 'US' GPE and 'District Court' ORG apart; the name is 'US District Court'."""
    labels = _labels("The action was filed on Monday in the US District Court in San Jose. Mr Kilroy-Silk quit the "
                     "UK Independence Party last week. Shares in UK Coal fell. He spoke to US NEA officials.")
    assert labels.get("US District Court") == {"ORG"}, labels
    assert labels.get("UK Independence Party") == {"ORG"}, labels
    assert "District Court" not in labels and "Independence Party" not in labels, labels
    assert labels.get("UK") == {"GPE"} and labels.get("NEA") == {"ORG"}, labels  # a firm, an acronym: apart


def test_a_nationality_before_an_untagged_institution_word_is_the_institution():
    labels = _labels("Plans to create a single agency have been scrapped. The Scottish Executive will not now merge the "
                     "prison service with local councils, Scottish ministers said.")
    assert labels.get("Scottish Executive") == {"ORG"}, labels


def test_an_untagged_institution_with_its_complement_is_an_organisation():
    labels = _labels("A complaint was made by the Board of Deputies of British Jews and the Commission for Racial "
                     "Equality. The Department for Work and Pensions said the Commission for Africa would report.")
    for name in ("Commission for Racial Equality", "Department for Work and Pensions", "Commission for Africa"):
        assert labels.get(name) == {"ORG"}, labels
    assert "Africa" not in labels, labels  # a place inside the name is part of it
    # the model stopped inside the complement ('the Office of the' + 'Deputy Prime Minister')
    labels = _labels("UK house prices dipped slightly in November, the Office of the Deputy Prime Minister (ODPM) "
                     "has said.")
    assert labels.get("Office of the Deputy Prime Minister") == {"ORG"} and "Office" not in labels, labels
    # a bare institution word keeps its complement out ('entered Parliament for Sheffield Brightside')
    assert "Sheffield" in _labels("He entered Parliament for Sheffield Brightside in 1992.")


def test_the_short_form_of_a_firm_named_with_a_suffix_is_the_firm():
    """'Multiplex Group' then 'Multiplex' (tagged PERSON), 'Southwest Airlines' then 'Southwest' (LOC); the
    short form of 'Japan Airlines' is still the country."""
    labels = _labels("Shares in Australian builder Multiplex Group closed 16% down at A$4.67. The decline came despite "
                     "Multiplex reporting an 11% rise in profit. Southwest Airlines and Japan Airlines blamed fuel "
                     "prices. Two of the largest carriers in the US - American and Southwest - raised fares, "
                     "while Japan cut taxes.")
    assert labels.get("Multiplex") == {"ORG"} and labels.get("Southwest") == {"ORG"}, labels
    assert labels.get("Japan") == {"GPE"}, labels


def test_in_a_sports_report_a_known_club_is_a_club_and_a_venue_stays_a_place():
    """The model tags clubs it does not know as people or places ('Everton', 'Lazio'); the club list
    (clubs.csv) names them, except where a game or race is held."""
    labels = _labels(
        "Cup holders Man Utd visit Everton\n\nHolders Manchester United face a trip to Everton in the FA Cup fourth "
        "round. Ferguson sold Stam to Lazio for £16.5m. Robinson has been out since the fifth round tie against "
        "Anderlecht, and the squad trains in Barcelona. She ends her season with a race in either Boston or "
        "Stuttgart, after the league match with Brentford.")
    for club in ("Everton", "Lazio", "Anderlecht", "Brentford"):
        assert labels.get(club) == {"ORG"}, (club, labels)
    assert labels.get("Barcelona") == {"GPE"} and labels.get("Stuttgart") == {"GPE"}, labels


def test_a_newspaper_named_after_the_is_an_organisation():
    labels = _labels("His resignation followed disclosures in the East Anglian Daily Times last month. She told the "
                     "Times Higher Education Supplement it would worry her. The Guardian newspaper said so too.")
    for name in ("East Anglian Daily Times", "Times Higher Education Supplement", "Guardian"):
        assert labels.get(name) == {"ORG"}, labels
    # a run of capitals that goes on past the newspaper's word names something else
    labels = _labels("The Post Office said the Star Wars films were popular.")
    assert "Post" not in labels and "Star" not in labels, labels


def test_a_constituency_after_mp_for_is_a_place_with_its_whole_name():
    labels = _labels("The MP for Ealing North claimed the law would fail. The MP for Hornsey and Wood Green, Barbara "
                     "Roche, and the Tory MP for Sedgefield agreed.")
    for name in ("Ealing North", "Hornsey and Wood Green", "Sedgefield"):
        assert labels.get(name) == {"GPE"}, labels
    assert labels.get("Barbara Roche") == {"PERSON"}, labels


def test_in_a_sports_report_a_place_before_a_team_word_is_the_team():
    labels = _labels("Henson and Shanklin, who starred in Saturday's Six Nations win in Italy, are Wales coach Mike "
                     "Ruddock's preferred centres. There is still more to come from the former England forward, the "
                     "coach said after the match, the team's third win of the season in the championship.")
    assert labels.get("Wales") == {"ORG"} and labels.get("England") == {"ORG"}, labels


def test_a_known_organisation_is_one_however_the_model_tagged_it_and_a_band_s_name_not_in_sport():
    labels = _labels("Cable firms ntl and Telewest are also bound to increase bandwidth. The Bafta awards went to "
                     "Franz Ferdinand and Snow Patrol.")
    for name in ("ntl", "Telewest", "Bafta", "Franz Ferdinand", "Snow Patrol"):
        assert labels.get(name) == {"ORG"}, labels
    labels = _labels("Manchester United captain Roy Keane was sent off in the match. Keane scored twice in the cup "
                     "tie last season, the coach said after the game at the stadium.")
    assert labels.get("Keane") == {"PERSON"}, labels


def test_a_name_ending_in_a_firm_s_suffix_is_an_organisation():
    """'Pyra Labs' and 'Creative Labs' are tagged PERSON by the small model; the suffix says what they are."""
    assert _labels("The software was developed by Pyra Labs, which Google bought in 2003.")["Pyra Labs"] == {"ORG"}
    assert _labels("Rival maker Creative Labs said sales were strong.")["Creative Labs"] == {"ORG"}


TEAM_SHEET = (
    "Chelsea were held by Manchester City on Saturday. Lampard hit the bar and the champions-elect dropped points.\n\n"
    "Chelsea: Cech, Paulo Ferreira, Gallas, Terry, Bridge, Jarosik (Tiago 56), Lampard, Makelele, Duff, Gudjohnsen, "
    "Kezman (Cole 63).\n"
    "Subs Not Used: Johnson, Smertin.\n\n"
    "Backs: B Cohen (England), C Paterson (Scotland), J Fourie (S Africa) T Umaga (New Zealand).\n"
)


def test_the_names_of_a_team_sheet_are_people_with_their_initials_and_brackets_are_teams():
    """The small model tags team-sheet names ORG or GPE ('Smertin'), drops initials or leaves them untagged; a
    sheet lists people, and a bracketed country there is the side they play for."""
    labels = _labels(TEAM_SHEET)
    for name in ("Cech", "Paulo Ferreira", "Jarosik", "Tiago", "Kezman", "Cole", "Smertin", "B Cohen", "J Fourie", "T Umaga"):
        assert labels.get(name) == {"PERSON"}, (name, labels)
    assert labels["Lampard"] == {"PERSON"}  # in the report too
    assert labels["Scotland"] == {"ORG"} and labels["S Africa"] == {"ORG"}, labels


def test_a_list_of_clubs_is_no_team_sheet():
    labels = _labels(
        "The striker has been linked with a move in the transfer window to clubs across the league.\n\n"
        "Arsenal, Chelsea, Liverpool, Everton, Newcastle and Tottenham have all watched the striker this season."
    )
    assert "PERSON" not in labels.get("Arsenal", set()) and "PERSON" not in labels.get("Liverpool", set()), labels


def test_names_run_together_across_v_or_or_are_two():
    labels = _labels("Blackburn v Burnley\n\nThe FA Cup draw means Bolton host Arsenal or Sheffield United in the fifth "
                     "round, and the league match was postponed. The striker scored a goal.")
    assert labels.get("Blackburn") == {"ORG"} and labels.get("Burnley") == {"ORG"}, labels
    assert "Arsenal" in labels and "Sheffield United" in labels and "Arsenal or Sheffield United" not in labels, labels


def test_a_club_s_town_is_the_club_in_a_report_that_names_clubs_and_a_town_in_an_athletics_report():
    labels = _labels("The FA Cup draw means Bolton host Arsenal in the fifth round, while Chelsea face a trip to "
                     "Newcastle. The striker scored a goal in the league match.")
    assert labels.get("Bolton") == {"ORG"} and labels.get("Newcastle") == {"ORG"}, labels
    labels = _labels("Chris Tomlinson will miss the European Indoor Championships after an injury at the Birmingham "
                     "meeting. The Birmingham athlete won a medal last season and the champion will compete again.")
    assert "ORG" not in labels.get("Birmingham", set()), labels


def test_a_firm_named_general_keeps_its_name():
    """'General' is a military title, but 'General Motors' tagged ORG is the firm, its acronym too."""
    m, _ = annotate(pl.DataFrame({"article_id": ["a"], "text": [
        "The world's biggest carmaker General Motors (GM) is recalling cars. GM said it would pay."]}))
    assert set(m.filter(pl.col("text").is_in(["General Motors", "GM"]))["key"]) == {"General Motors"}


def test_a_person_s_role_before_a_name_tagged_otherwise_makes_a_person_and_the_surname_follows():
    """'Newcastle boss Graeme Souness' is tagged ORG and 'Souness' PRODUCT by the small model."""
    labels = _labels("Newcastle boss Graeme Souness has reopened his dispute with Craig Bellamy. Bellamy left Newcastle "
                     "after a row with Souness. Souness said Bellamy did not score enough goals for the club this season. "
                     "Defending champion Arsenal lost their league match.")
    assert labels["Graeme Souness"] == {"PERSON"} and labels["Souness"] == {"PERSON"}, labels
    assert labels["Arsenal"] == {"ORG"}, labels


def test_the_bbc_s_channels_and_services_are_organisations_of_their_whole_names():
    """The model cuts 'BBC Radio Five Live' at 'Five', keeps 'BBC' of 'BBC One' and tags 'BBC1' PERSON."""
    labels = _labels("Speaking on BBC Radio Five Live, the minister said the plan was fair. The interview was shown on "
                     "BBC One and BBC1 later, and the BBC said it had complained.")
    for name in ("BBC Radio Five Live", "BBC One", "BBC1", "BBC"):
        assert labels.get(name) == {"ORG"}, (name, labels)


def test_a_think_tank_a_consultancy_and_a_group_with_a_number_in_its_name_are_organisations():
    """The small model tags 'Demos' and 'Booz Allen Hamilton' PERSON; the descriptor before 'Transport 2000'
    hangs on its first word, not its last."""
    labels = _labels("The findings come from a report by London think-tank Demos. It was written with consultants Booz "
                     "Allen Hamilton over the summer. Campaign group Transport 2000 said the figures were worrying.")
    for name in ("Demos", "Booz Allen Hamilton", "Transport 2000"):
        assert labels.get(name) == {"ORG"}, (name, labels)


def test_a_lower_case_word_after_no_full_stop_never_starts_a_sentence():
    """The parser alone cut 'at one gigabit | a second - ...' and lost the end of the reported clause."""
    from etl.nlp import load_nlp

    doc = load_nlp()("The firm said data could be transmitted at one gigabit a second - up to 20 times faster than "
                     "current networks. The system is not on sale yet.")
    assert [s.text.split()[0] for s in doc.sents] == ["The", "The"]


def test_listed_multi_word_organisations_are_one_mention_and_a_club_only_in_a_sports_report():
    """The model tags 'Democrat' NORP in 'Liberal Democrat leader' and leaves 'Ask Jeeves' untagged; the lists
    (aliases.csv, organisations.csv, clubs.csv) name them whole. 'West Ham' is a constituency in politics."""
    labels = _labels("Liberal Democrat leader Charles Kennedy said the Liberal Democrats would win. Search firm Ask "
                     "Jeeves said profits rose. Labour held West Ham at the last election.")
    assert labels.get("Liberal Democrat") == {"ORG"} and labels.get("Liberal Democrats") == {"ORG"}, labels
    assert labels.get("Ask Jeeves") == {"ORG"}, labels
    assert "Democrat" not in labels and "Jeeves" not in labels, labels
    assert labels.get("West Ham") != {"ORG"}, labels


def test_a_one_word_person_written_only_after_the_is_a_description_or_no_person():
    labels = _labels("The Welshman scored twice in the Premiership on Saturday. Ryan Giggs said the team played well. "
                     "Later the Bush administration replied.")
    assert "PERSON" not in labels.get("Welshman", set()) | labels.get("Premiership", set())
    assert labels["Ryan Giggs"] == {"PERSON"} and labels["Bush"] == {"PERSON"}


def test_continents_and_world_regions_are_places_not_countries_only():
    labels = _labels("Sales rose in Europe, Asia and the Middle East, and in the East Midlands. South Africa grew too.")
    assert all(labels[n] == {"GPE"} for n in ("Europe", "Asia", "Middle East", "East Midlands", "South Africa"))


def test_a_role_before_one_name_and_an_office_title_before_a_full_name_make_a_person():
    labels = _labels("The awards will be held in London. R&B star Nelly has the new number one single. UK Prime Minister "
                     "Tony Blair and South African President Thabo Mbeki are among the leaders. The deal creates a "
                     "giant big enough to rival sector leader Omnicom.")
    assert labels["Nelly"] == {"PERSON"} and labels["Thabo Mbeki"] == {"PERSON"} and "PERSON" not in labels["Omnicom"]


def test_an_organisation_tagged_whole_once_is_whole_where_only_its_place_was_tagged():
    text = ("UK Coal plunges into deeper loss\n\nShares in UK Coal have fallen after the mining group reported losses "
            "had deepened to £51.6m in 2004 from £1.2m.\n\nThe UK's biggest coal producer blamed geological problems. "
            "The South Yorkshire company, led by new chief executive Gerry Spindler, said it hoped to return to profit "
            "in 2006. In early trade on Thursday, its shares were down 10% at 119 pence. UK Coal said it was making "
            "\"significant progress\" in shaking up the business.")
    m, _ = annotate(pl.DataFrame({"article_id": ["a"], "text": [text]}))
    whole = m.filter(pl.col("text") == "UK Coal")
    assert whole.height == 3 and set(whole["label"]) == {"ORG"}


def test_a_city_tagged_an_organisation_outside_sport_is_a_place_unless_it_acts():
    labels = _labels("BMW planned to make 100,000 Mini models a year at its vast Cowley factory on the outskirts of "
                     "Oxford, but the target was quickly reached. "
                     "UK house prices rose by 1.1% in December, the Halifax has said. Halifax said the average price "
                     "of a house now stands at £162,086.")
    assert labels["Oxford"] == {"GPE"} and labels["Halifax"] == {"ORG"}


def test_awards_cups_and_championships_are_events_not_organisations():
    labels = _labels("Britain will face the Netherlands in the Davis Cup before the European Indoor Championships.")
    assert labels["Davis Cup"] == {"EVENT"} and labels["European Indoor Championships"] == {"EVENT"}
    labels = _labels("Hilary Swank won her second Oscar for her role. The R&B singer Usher won three Grammys.")
    assert labels["Oscar"] == {"EVENT"} and "R&B" not in labels


def test_acronyms_of_things_are_no_organisations():
    labels = _labels("Trading closed at 1600 GMT. The RFID tags and MMS messages are new, Vodafone said. "
                     "Andy Ram won the doubles.")
    assert "GMT" not in labels and "RFID" not in labels and "MMS" not in labels
    assert labels["Vodafone"] == {"ORG"} and labels["Andy Ram"] == {"PERSON"}


def test_a_name_a_work_or_product_noun_introduces_is_a_work_or_a_product():
    labels = _labels("Jamie Foxx won for his role in the film Ray, about Ray Charles. Ray has taken $75m. Apple "
                     "released its browser Safari.")
    assert labels["Ray"] == {"WORK_OF_ART"} and labels["Ray Charles"] == {"PERSON"}
    assert labels["Safari"] == {"PRODUCT"} and labels["Jamie Foxx"] == {"PERSON"}
