"""Given-name lexicons: gender for pronoun agreement, short forms."""
from etl.nlp.names import census_gender, given_name_form, name_gender


def test_hand_lists_give_british_usage_and_the_census_covers_more_names():
    assert name_gender("Ashley") == "m" and name_gender("Imelda") is None
    assert census_gender("Imelda") == "f" and census_gender("Clint") == "m"
    # shared or rare names are in neither: no guess
    assert census_gender("Morgan") is None and census_gender("Sandy") is None and census_gender("Roni") is None


def test_short_forms_share_one_form():
    assert given_name_form("dave") == "david" and given_name_form("graeme") == "graeme"
