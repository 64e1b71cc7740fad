from etl.clean import clean_text, is_stray_headline
from tests.conftest import SEED_ARTICLE


def test_seed_loses_furniture_but_keeps_every_quote():
    raw = SEED_ARTICLE.read_text()
    text = clean_text(raw)
    assert "Gorsuch Confirmed By The Senate" not in text
    assert not text.rstrip().endswith("Comments")
    assert "air base. Syrian U.N." in text  # glued sentences repaired
    assert '"We\'re not going into Syria", President Trump told' in text  # straight marks kept
    assert 'citizen."Two litres' in text  # a mark between sentences is not "repaired" away


def test_curly_marks_are_kept_and_spacing_repaired():
    text = clean_text("He said , “we will win” .\u00a0\u00a0Then   left.\r\n\r\n\r\n\r\nShare this article")
    assert text == "He said, “we will win”. Then left."


def test_mojibake_is_repaired():
    assert clean_text("It doesnâ€™t matter, she said.") == "It doesn’t matter, she said."


def test_headline_detection_is_conservative():
    assert is_stray_headline("Gorsuch Confirmed By The Senate To the Supreme Court")
    assert not is_stray_headline("GoldenEye: Rogue Agent is out now")
    assert not is_stray_headline("The minister said the plan would work.")
    assert not is_stray_headline("Tony Blair")


def test_stray_headline_inside_body_removed_first_line_kept():
    text = clean_text("Markets Rally On Rate Hopes\nShares rose on Monday.\nOil Prices Hit Record High\nTraders said so.")
    assert text == "Markets Rally On Rate Hopes\nShares rose on Monday.\nTraders said so."
