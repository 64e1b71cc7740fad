import json
import os
from datetime import datetime

from etl.extract import extract


def _by_id(ex):
    return {a.article_id: a for a in ex.articles}


def _reasons(ex):
    return {r.source_path: r.reason for r in ex.rejected}


def test_txt_headline_and_stable_ids(drop):
    (drop / "politics").mkdir()
    (drop / "politics" / "a.txt").write_text("Blair Wins Vote\n\nTony Blair won the vote, aides said.\n")
    (drop / "b.txt").write_text("No headline here. The minister said so.\nSecond line.")
    arts = _by_id(extract(drop))
    assert set(arts) == {"politics/a.txt", "b.txt"}
    assert arts["politics/a.txt"].title == "Blair Wins Vote"
    assert arts["politics/a.txt"].text.strip() == "Tony Blair won the vote, aides said."
    assert arts["b.txt"].title is None


def test_markdown_front_matter_and_syntax(drop):
    (drop / "m.md").write_text(
        "---\ntitle: 'Rates Rise'\npublished_at: 2024-03-01T09:30:00Z\nurl: https://x.test/a\n---\n"
        "# Ignored Heading\n\nThe **central bank** said [rates](https://x.test) would *rise*.\n\n```\ncode\n```\n"
    )
    a = extract(drop).articles[0]
    assert a.title == "Rates Rise"
    assert a.published_at == datetime(2024, 3, 1, 9, 30)
    assert a.url == "https://x.test/a"
    assert "The central bank said rates would rise." in a.text
    assert "code" not in a.text and "---" not in a.text


def test_html_visible_text_only(drop):
    (drop / "p.html").write_text(
        "<html><head><title>T</title><style>p{color:red}</style><script>var x='said';</script>"
        '<meta property="article:published_time" content="2024-05-02T10:00:00+02:00"></head>'
        "<body><nav>Home | News</nav><h1>Storm Hits Coast</h1><p>The mayor said &ldquo;stay home&rdquo;.</p>"
        "<p>Roads closed.</p><footer>Copyright</footer></body></html>"
    )
    a = extract(drop).articles[0]
    assert a.title == "Storm Hits Coast"
    assert a.text == "The mayor said \u201cstay home\u201d.\n\nRoads closed."
    assert a.published_at == datetime(2024, 5, 2, 8, 0)


def test_jsonl_good_and_bad_lines(drop):
    lines = [
        json.dumps({"id": "a1", "title": "T", "text": "Body one.", "published_at": "2024-01-02"}),
        "{not json",
        json.dumps({"id": "a2"}),
        json.dumps({"id": "a3", "text": 42}),
        json.dumps({"id": "a1", "text": "Duplicate id."}),
        json.dumps({"id": 7, "text": "Integer id is fine."}),
        json.dumps(["a", "list"]),
    ]
    (drop / "feed.jsonl").write_text("\n".join(lines) + "\n")
    ex = extract(drop)
    assert set(_by_id(ex)) == {"feed.jsonl#a1", "feed.jsonl#7"}
    assert _by_id(ex)["feed.jsonl#a1"].published_at == datetime(2024, 1, 2)
    reasons = _reasons(ex)
    assert "not valid JSON" in reasons["feed.jsonl:2"]
    assert "'text'" in reasons["feed.jsonl:3"] and "'text'" in reasons["feed.jsonl:4"]
    assert "duplicate id 'a1'" in reasons["feed.jsonl:5"]
    assert "not a JSON object" in reasons["feed.jsonl:7"]


def test_rejections_each_have_one_line_reason(drop, tmp_path):
    (drop / "empty.txt").write_bytes(b"")
    (drop / "blank.txt").write_text("  \n\t\n")
    (drop / "img.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (drop / "data.csv").write_text("a,b\n")
    (drop / "good.txt").write_text("The minister said the plan works.")
    (drop / "copy.txt").write_text("The minister said the plan works.")
    (drop / "README.md").write_text("# folder notes")  # metadata: skipped silently
    (drop / ".hidden.txt").write_text("hidden")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    os.symlink(outside, drop / "escape.txt")
    os.symlink(drop / "good.txt", drop / "inside_link.txt")
    os.symlink(drop / "loop_a.txt", drop / "loop_b.txt")
    os.symlink(drop / "loop_b.txt", drop / "loop_a.txt")
    os.symlink(drop, drop / "dir_loop")
    ex = extract(drop)
    reasons = _reasons(ex)
    assert set(_by_id(ex)) == {"copy.txt"}  # first by name; good.txt and the link are the same content
    assert "empty" in reasons["empty.txt"]
    assert "whitespace" in reasons["blank.txt"]
    assert "PNG" in reasons["img.txt"]
    assert "unsupported" in reasons["data.csv"]
    assert "same content as copy.txt" in reasons["good.txt"]
    assert "outside" in reasons["escape.txt"]
    assert "loop" in reasons["loop_a.txt"] and "loop" in reasons["loop_b.txt"]
    assert "symlinked folder" in reasons["dir_loop"]
    assert "README.md" not in reasons and ".hidden.txt" not in reasons
    assert all("\n" not in r for r in reasons.values())


def test_too_large_file_rejected(drop):
    (drop / "big.txt").write_text("word " * 1000)
    ex = extract(drop, max_bytes=1000)
    assert "too large" in _reasons(ex)["big.txt"]
