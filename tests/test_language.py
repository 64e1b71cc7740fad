import pytest

from etl.language import detect_language
from tests.conftest import SEED_ARTICLE


@pytest.mark.parametrize("text, lang", [
    (SEED_ARTICLE.read_text(), "en"),
    ("Le gouvernement a annoncé que les prix de l'énergie vont baisser pour les ménages et les entreprises.", "fr"),
    ("Die Regierung hat angekündigt, dass die Preise für die Haushalte und die Unternehmen sinken werden.", "de"),
    ("El gobierno anunció que los precios de la energía van a bajar para los hogares y las empresas.", "es"),
    ("Правительство объявило, что цены на энергию снизятся для домохозяйств.", "ru"),
    ("政府宣布能源价格将下降。", "zh"),
    ("ok", "und"),
])
def test_detects_language(text, lang):
    assert detect_language(text) == lang
