"""Small lexicons used to fix person/organisation label errors and pronoun gender."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

# Given names of the 1990 US census (public domain, via the PyPI package `names` 0.3.0) borne by at least 0.005%
# of one sex and ten times as often by it as by the other: gender of a name the hand lists below do not have
# ('Graham', 'Hillary'); rarer and shared names ('Roni', 'Sandy', 'Morgan') are left out
GENDER_CSV = Path(__file__).with_name("given_names_gender.csv")

MALE_NAMES = frozenset(
    """leonardo gilmar dipo rex sergei mahmoud kofi jacques gerhard silvio vladimir tony aaron abdul abdullah abu adam adrian ahmed ahmad alan alastair albert alberto alex alexander alexei
    alexis alfred ali alistair allan andre andrea andreas andrew andy angus anthony antonio arnold arsene
    arthur ashley barack barry ben benjamin bernard bernie bill billy bob bobby boris brad bradley brendan
    brian bruce bryan carl carlos charles charlie chris christian christopher chuck clive colin craig
    dan daniel danny darren dave david dean dennis derek dick dmitry dominic don donald doug douglas
    duncan dwight ed eddie edward elton emmanuel eric ernest evan felipe fernando francis francois frank
    fred frederick gareth gary gavin geoff geoffrey george gerald gerard gerhard gordon graham greg
    gregory guy hamid harold harry hassan henry herbert hugh hugo iain ian igor ivan jack jacques jake
    james jamie jason javier jean jeb jeff jeffrey jeremy jerry jim jimmy joe joel johan john johnny
    jon jonathan jorge jose joseph josh joshua juan julian justin karl keith ken kenneth kevin kim kofi
    kurt larry lee len leo leon leonard lewis liam lionel lloyd louis luc luis luke malcolm marco marcus
    mario mark martin matt matthew maurice max michael michel miguel mike mikhail mitch mitt mohamed
    mohammed muhammad nathan neil nelson nick nicholas nicolas nigel noel norman oliver omar oscar owen
    pablo paddy patrick paul pedro pete peter phil philip pierre rafael ralph ray raymond reg rex richard
    rick rob robbie robert robin rod roger roman ron ronald rory roy rudy rupert russell ryan salman sam
    samuel scott sean sebastian sergei sergey silvio simon stanley stephen steve steven stuart ted terry
    thierry thomas tim timothy toby todd tom tommy tony trevor victor vince vincent vladimir walter wayne
    will william xavier yasser yuri zach""".split()
)
FEMALE_NAMES = frozenset(
    """abigail ada alice alison amanda amber amy ana andrea angela angelina ann anna anne annie barbara
    beatrice becky beth betty beverley bridget britney carla carol caroline carrie catherine charlotte
    chelsea cheryl christina christine claire clare condoleezza courtney dana daphne deborah debbie diana
    diane dolores donna doris dorothy elaine eleanor elena elizabeth ella ellen emily emma erin eva eve
    fiona frances gemma georgia gillian gina gloria grace hannah harriet hazel heather helen hillary holly
    ingrid irene isabel jackie jacqueline jane janet janice jennifer jenny jessica jill joan joanna jodie
    josephine joy judith judy julia julie karen kate katherine kathleen kathryn kathy katie kelly kelly
    kerry kim kirsty kylie laura lauren linda lisa liz lucy lynn madeleine madonna maggie margaret maria
    marie marion martha mary megan melania melanie melissa michelle miriam molly monica nancy naomi natalie
    nicola nicole nikki nina olga pamela patricia paula pauline penny rachel rebecca rita rose rosie ruth
    sally samantha sandra sara sarah sharon sheila shirley sonia sophie stella susan suzanne tanya tessa
    theresa tina tracy valerie vanessa victoria virginia wendy yvonne zoe""".split()
)
GIVEN_NAMES = MALE_NAMES | FEMALE_NAMES

MALE_TITLES = frozenset({"mr", "mr.", "sir", "lord", "king", "prince", "father", "pope"})
FEMALE_TITLES = frozenset({"mrs", "mrs.", "ms", "ms.", "miss", "dame", "lady", "queen", "princess"})

# Role nouns: a definite description headed by one of these ("the Russian politician",
# "the US ambassador") refers back to a person.
PERSON_ROLE_NOUNS = frozenset(
    """politician minister president premier leader ambassador envoy secretary senator congressman
    congresswoman lawmaker official spokesman spokeswoman spokesperson chairman chairwoman chief executive
    boss director manager coach striker player captain star singer actor actress author writer analyst
    economist candidate nominee governor mayor diplomat general commander chancellor judge lawyer
    businessman businesswoman founder owner head president-elect prime king queen prince princess
    businessman rapper musician teacher agent adviser advisor analyst spokesperson editor professor
    doctor scientist researcher expert economist lawmaker representative delegate negotiator producer frontman chef campaigner activist republican democrat
    man woman veteran winger midfielder defender goalkeeper keeper forward batsman bowler champion
    specialist attorney strategist consultant pollster aide staffer operative surrogate organizer critic
    supporter opponent rival challenger incumbent host anchor moderator reporter journalist columnist
    commentator historian billionaire mogul businessman congressman vice-president justice sheriff
    chief officer prosecutor investigator mp mep peer backbencher frontbencher councillor ally colleague
    legend icon superstar entrepreneur dj""".split()
)

# Common English short forms of given names: "David" and "Dave" name the same person in one article.
_SHORT_FORMS = {
    "david": "dave davy", "michael": "mike mick mickey", "william": "bill billy will willie", "robert": "bob bobby rob robbie bert",
    "james": "jim jimmy jamie", "richard": "dick rick ricky richie", "anthony": "tony", "thomas": "tom tommy",
    "joseph": "joe joey", "edward": "ed eddie ted ned", "charles": "charlie chuck chas", "christopher": "chris",
    "daniel": "dan danny", "matthew": "matt", "nicholas": "nick nicky", "stephen": "steve stevie", "steven": "steve",
    "peter": "pete", "andrew": "andy drew", "alexander": "alex sandy", "benjamin": "ben", "samuel": "sam sammy",
    "jonathan": "jon jonny", "john": "johnny jack", "gerald": "gerry", "gerard": "gerry", "lawrence": "larry",
    "ronald": "ron ronnie", "donald": "don donnie", "kenneth": "ken kenny", "timothy": "tim", "patrick": "pat paddy",
    "frederick": "fred freddie", "philip": "phil", "raymond": "ray", "gregory": "greg", "jeffrey": "jeff",
    "geoffrey": "geoff", "douglas": "doug", "leonard": "len lenny", "terence": "terry", "vincent": "vince",
    "elizabeth": "liz lizzie beth betty", "margaret": "maggie meg peggy", "catherine": "kate cathy katie",
    "katherine": "kate kathy katie", "jennifer": "jenny jen", "rebecca": "becky", "deborah": "debbie deb",
    "susan": "sue susie", "patricia": "pat trish", "victoria": "vicky", "alexandra": "alex sandra",
    "samantha": "sam", "christine": "chris", "josephine": "jo", "joanna": "jo", "abigail": "abby",
}
SHORT_FORM_OF = {short: formal for formal, shorts in _SHORT_FORMS.items() for short in shorts.split()}


def given_name_form(word: str) -> str:
    """One form for a given name and its short forms ('dave' -> 'david'), to match them in one article."""
    return SHORT_FORM_OF.get(word, word)


@lru_cache(maxsize=1)
def _census_gender() -> dict[str, str]:
    with open(GENDER_CSV, newline="", encoding="utf-8") as fh:
        return {r["name"]: r["gender"] for r in csv.DictReader(fh)}


def title_gender_of(title: str) -> str | None:
    """'m' for 'Mr', 'Sir', 'Lord' ..., 'f' for 'Ms', 'Dame', 'Queen' ..., None for 'Dr' or 'Prof'."""
    title = title.lower()
    return "m" if title in MALE_TITLES else "f" if title in FEMALE_TITLES else None


def name_gender(first: str) -> str | None:
    """'m' or 'f' for a given name of the hand lists (British usage: 'Ashley', 'Jean' are men), None when
    unknown or used for both."""
    first = first.lower()
    male, female = first in MALE_NAMES, first in FEMALE_NAMES
    return None if male == female else "m" if male else "f"


def census_gender(first: str) -> str | None:
    """'m' or 'f' for a given name of the census table, which covers more names less surely."""
    return _census_gender().get(first.lower())
