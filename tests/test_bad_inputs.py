"""The bad-input zoo: every file ends either read correctly or in rejected_inputs with a one-line
reason, and every good file beside it is loaded."""

from __future__ import annotations

import codecs
import gzip
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from etl import config, extract as extract_mod, stages
from etl.extract import extract
from tests.conftest import SEED_ARTICLE

GOOD = "The finance minister said on Monday that taxes would not rise this year."


def _zoo(drop: Path, outside: Path) -> None:
    w = lambda name, data: (drop / name).write_bytes(data)  # noqa: E731
    w("zero.txt", b"")
    w("spaces.txt", b"  \n \t \r\n")
    w("image.txt", b"\x89PNG\r\n\x1a\n" + os.urandom(200))
    w("archive.md", gzip.compress(b"hello"))
    w("bad-utf8.txt", GOOD.encode() + b" \xc3\x28 broken \xa0\xa1")
    w("cp1252.txt", ("Caf\u00e9 owners \u201cwelcome\u201d the rule, the mayor said.").encode("cp1252"))
    w("latin1.txt", "Z\u00fcrich bank chief said profits rose \u00bd percent.".encode("latin-1"))
    w("utf16-bom.txt", ("Tokyo \u2014 " + GOOD).encode("utf-16"))
    w("utf16-nobom.txt", ("Osaka \u2014 " + GOOD).encode("utf-16-le"))
    w("one-long-line.txt", ((GOOD + " ") * 14_000).encode())  # ~1 MB on one line
    w("page.html", b"<html><head><script>alert('x said y')</script><style>body{}</style></head>"
                   b"<body><p>" + GOOD.encode() + b"</p></body></html>")
    w("front.md", b"---\ntitle: Front Matter\ndate: 2025-01-02\n---\n" + GOOD.encode())
    lines = [json.dumps({"id": "ok", "text": GOOD}), "{oops", json.dumps({"id": "no-text"}),
             json.dumps({"id": ["list"], "text": GOOD}), json.dumps({"id": "ok", "text": "dup"}),
             json.dumps({"id": "inj", "title": "'); DROP TABLE articles; --", "text": GOOD + " Indeed."})]
    w("feed.jsonl", "\n".join(lines).encode())
    w("copy-a.txt", b"Same content under two names, the spokesman said.")
    w("copy-b.txt", b"Same content under two names, the spokesman said.")
    w("sheet.xlsx", b"PK\x03\x04")
    w("french.txt", "Le ministre a d\u00e9clar\u00e9 que les imp\u00f4ts ne vont pas augmenter cette ann\u00e9e "
                    "pour les m\u00e9nages et les entreprises.".encode())
    (outside / "secret.txt").write_text("outside the drop folder")
    os.symlink(outside / "secret.txt", drop / "escape.txt")
    os.symlink(drop / "loop1.txt", drop / "loop2.txt")
    os.symlink(drop / "loop2.txt", drop / "loop1.txt")
    shutil.copy(SEED_ARTICLE, drop / "seed.txt")


EXPECTED_REJECTED = {
    "zero.txt": "empty", "spaces.txt": "whitespace", "image.txt": "PNG", "archive.md": "gzip",
    "feed.jsonl:2": "not valid JSON", "feed.jsonl:3": "'text'", "feed.jsonl:4": "'id' must be",
    "feed.jsonl:5": "duplicate id", "copy-b.txt": "same content as copy-a.txt", "sheet.xlsx": "unsupported",
    "escape.txt": "outside", "loop1.txt": "loop", "loop2.txt": "loop",
}
EXPECTED_LOADED = {"bad-utf8.txt", "cp1252.txt", "latin1.txt", "utf16-bom.txt", "utf16-nobom.txt",
                   "one-long-line.txt", "page.html", "front.md", "feed.jsonl#ok", "feed.jsonl#inj", "copy-a.txt",
                   "french.txt", "seed.txt"}


def test_zoo_extracts_or_rejects_everything(drop, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    _zoo(drop, outside)
    ex = extract(drop)
    got = {a.article_id: a for a in ex.articles}
    assert set(got) == EXPECTED_LOADED
    reasons = {r.source_path: r.reason for r in ex.rejected}
    assert set(reasons) == set(EXPECTED_REJECTED)
    for path, word in EXPECTED_REJECTED.items():
        assert word in reasons[path], (path, reasons[path])
        assert "\n" not in reasons[path]
    assert got["cp1252.txt"].text.startswith("Caf\u00e9 owners \u201cwelcome\u201d")
    assert got["latin1.txt"].text.startswith("Z\u00fcrich")
    assert got["utf16-bom.txt"].text.startswith("Tokyo \u2014")
    assert got["utf16-nobom.txt"].text.startswith("Osaka \u2014")
    assert got["bad-utf8.txt"].text.startswith(GOOD)
    assert "alert" not in got["page.html"].text
    assert got["front.md"].title == "Front Matter" and got["front.md"].text.strip() == GOOD


def test_unreadable_and_vanishing_files(drop, monkeypatch):
    (drop / "locked.txt").write_text(GOOD)
    (drop / "gone.txt").write_text(GOOD + " Gone.")
    (drop / "fine.txt").write_text(GOOD + " Fine.")
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.txt":  # root reads anything: simulate the OS refusing
            raise PermissionError(13, "Permission denied", str(self))
        if self.name == "gone.txt":  # deleted after discovery, before reading
            self.unlink()
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    ex = extract(drop)
    reasons = {r.source_path: r.reason for r in ex.rejected}
    assert reasons == {"locked.txt": "permission denied when reading the file",
                       "gone.txt": "file disappeared between discovery and reading"}
    assert [a.article_id for a in ex.articles] == ["fine.txt"]


def test_fifty_megabyte_file_rejected_without_reading(drop, monkeypatch):
    big = drop / "huge.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("a too-large file must not be read"))
    ex = extract(drop)
    assert ex.rejected[0].source_path == "huge.txt"
    assert ex.rejected[0].reason.startswith("file too large (52.4 MB > limit")


@pytest.mark.slow
def test_zoo_through_the_pipeline_loses_nothing(drop, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    _zoo(drop, outside)
    wh = tmp_path / "wh.duckdb"
    stages.run_local(str(drop), str(wh), "zoo")
    with duckdb.connect(str(wh), read_only=True) as con:
        ids = {r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()}
        rejected = dict(con.execute("SELECT source_path, reason FROM rejected_inputs").fetchall())
        title = con.execute("SELECT title FROM articles WHERE article_id = 'feed.jsonl#inj'").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        lang = con.execute("SELECT language FROM articles WHERE article_id = 'french.txt'").fetchone()[0]
        fr_mentions = con.execute("SELECT count(*) FROM entity_mentions WHERE article_id = 'french.txt'").fetchone()[0]
    assert ids == EXPECTED_LOADED
    assert set(rejected) == set(EXPECTED_REJECTED)
    assert title == "'); DROP TABLE articles; --"  # stored as text: values are parameters, never SQL
    assert "articles" in tables
    assert (lang, fr_mentions) == ("fr", 0)


def test_params_cannot_escape_allowed_roots(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWS_ETL_ALLOWED_ROOTS", str(tmp_path / "data"))
    assert config.input_dir(str(tmp_path / "data" / "drop")) == (tmp_path / "data" / "drop").resolve()
    for bad in ("/etc", str(tmp_path / "data" / ".." / "elsewhere")):
        with pytest.raises(config.PathNotAllowed, match="outside the allowed folders"):
            config.input_dir(bad)
    with pytest.raises(config.PathNotAllowed):
        config.warehouse_path("/root/news.duckdb")
