import codecs

import pytest

from etl.decode import decode

TEXT = "Café owners said “prices rose” — naïve façade, 5 €."


@pytest.mark.parametrize("data, encoding", [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("utf-16"), "utf-16"),  # with BOM
    (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM
    (TEXT.encode("utf-16-be"), "utf-16-be"),  # no BOM
    (TEXT.encode("cp1252"), "cp1252"),
])
def test_reads_each_encoding_back_to_the_same_text(data, encoding):
    out = decode(data)
    assert out.text == TEXT
    assert out.encoding == encoding


def test_latin1_without_cp1252_specials():
    text = "Zürich's mayor: «déjà vu»"
    assert decode(text.encode("latin-1")).text == text


def test_mostly_utf8_with_a_corrupt_byte_stays_utf8():
    data = "Müller said “yes” ".encode() + b"\xff" + " and left.".encode()
    out = decode(data)
    assert out.text.startswith("Müller said “yes”")
    assert "replaced" in out.encoding


@pytest.mark.parametrize("data, word", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG"),
    (b"\x1f\x8b\x08\x00" + bytes(100), "gzip"),
    (b"abc\x00\x01\x02\x03" * 50, "binary"),
])
def test_non_text_gets_a_reason(data, word):
    out = decode(data)
    assert out.text is None
    assert word in out.reason
