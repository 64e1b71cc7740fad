"""Bytes to text without assuming an encoding.

Drop folders receive files from many tools: UTF-8 with or without BOM, UTF-16 from Windows
exports (sometimes without BOM), cp1252/latin-1 from old CMSs, and the odd binary that was
dropped by mistake. Each outcome is either text plus the encoding used, or a one-line reason.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

# Magic numbers of binaries that end up in drop folders by mistake.
_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"\x1f\x8b", "gzip archive"),
    (b"PK\x03\x04", "ZIP archive (or Office document)"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"\x7fELF", "ELF executable"),
    (b"SQLite format 3\x00", "SQLite database"),
]

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


@dataclass(frozen=True)
class Decoded:
    text: str | None
    encoding: str | None
    reason: str | None = None  # set when text is None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 with no BOM: ASCII-range text leaves NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / len(sample[0::2])
    odd_nul = sample[1::2].count(0) / len(sample[1::2])
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _looks_binary(text: str) -> bool:
    """Control characters other than whitespace mean this is not prose."""
    sample = text[:8192]
    bad = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f\v")
    return bad > max(2, len(sample) // 200)


def decode(data: bytes) -> Decoded:
    """Decode a file's bytes; return the reason when it is not text."""
    if not data:
        return Decoded(None, None, "empty file (0 bytes)")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return Decoded(None, None, f"binary file ({kind}), not text")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(enc), enc)
            except UnicodeDecodeError as exc:
                return Decoded(None, None, f"invalid {enc} after its byte-order mark at byte {exc.start}")
    enc16 = _utf16_without_bom(data)
    if enc16:
        try:
            return Decoded(data.decode(enc16), enc16)
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        return Decoded(None, None, "binary file (contains NUL bytes), not text")
    try:
        text, enc = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, enc = _decode_legacy(data)
    if _looks_binary(text):
        return Decoded(None, None, "binary file (control characters), not text")
    return Decoded(text, enc)


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """Non-UTF-8 bytes: mostly-UTF-8 with a few corrupt bytes stays UTF-8; else cp1252/latin-1."""
    good = data.decode("utf-8", errors="replace")
    n_bad = good.count("\ufffd")
    n_multibyte = sum(1 for c in good if ord(c) > 127 and c != "\ufffd")
    if n_multibyte > 0 and n_bad <= n_multibyte:
        return good, "utf-8 (invalid bytes replaced)"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"
