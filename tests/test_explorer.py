"""The explorer without a browser: the snapshot the pages read (and that a load never waits for),
the pages' HTML (charts drawn, input bound, article text escaped, mentions and quotes marked), and
the per-run report. The pages behind Airflow's login, in Chromium: test_explorer_ui.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import duckdb
import pytest

from etl import stages
from etl.explorer import charts, pages, report, snapshot
from etl.explorer.highlight import highlight
from etl.load import WarehouseBusy, connect
from tests.conftest import FIXTURES, SEED_ARTICLE, SEEDS

SCRIPT_ARTICLE = FIXTURES / "explorer" / "script-attack.txt"
BASE = "/news"


def explorer_drop(dst):
    """The seed article, two BBC articles and one whose text holds <script> tags."""
    dst.mkdir(parents=True)
    shutil.copy(SEED_ARTICLE, dst / SEED_ARTICLE.name)
    for f in sorted((SEEDS / "bbc" / "politics").glob("*.txt"))[:2]:
        shutil.copy(f, dst / f.name)
    shutil.copy(SCRIPT_ARTICLE, dst / SCRIPT_ARTICLE.name)
    return dst


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    base = tmp_path_factory.mktemp("explorer")
    target = base / "wh" / "news.duckdb"
    stages.run_local(str(explorer_drop(base / "drop")), str(target), "r1")
    return target


@pytest.fixture(scope="module")
def cur(wh):
    with snapshot.open_snapshot(snapshot.publish(wh)) as con:
        yield con


def _one(wh, sql, params=()):
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()


# -- snapshot ---------------------------------------------------------------------------------

def test_snapshot_copies_tables_and_views_and_records_the_warehouse_stamp(wh, cur):
    assert cur.execute("SELECT COUNT(*) FROM quote_attributions").fetchone() == _one(wh, "SELECT COUNT(*) FROM quotes")
    assert cur.execute("SELECT COUNT(*) FROM who_quotes_whom").fetchone()[0] > 0
    assert cur.execute("SELECT source_stamp FROM explorer_snapshot").fetchone()[0] == snapshot.source_stamp(wh)
    assert not list(snapshot.snapshot_path(wh).parent.glob(".*.tmp*")), "temporary files left behind"


HOLD_WRITE_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("INSERT INTO runs (run_id, started_at, finished_at, status) VALUES ('r2', now(), now(), 'success')")
con.execute("CHECKPOINT")
open(sys.argv[2], "w").write("holding")
time.sleep(float(sys.argv[3]))
"""


def test_pages_keep_the_previous_data_while_a_load_holds_the_warehouse(wh, tmp_path):
    copy = tmp_path / "news.duckdb"
    shutil.copy(wh, copy)
    reader = snapshot.SnapshotReader(copy, quiet_s=60)
    first = reader.cursor()  # no snapshot yet: the reader makes one
    assert first is not None and reader.freshness().run_id == "r1"
    first[0].close()
    flag = tmp_path / "holding"
    writer = subprocess.Popen([sys.executable, "-c", HOLD_WRITE_LOCK, str(copy), str(flag), "4"])
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert writer.poll() is None and time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.1)
        t0 = time.monotonic()
        reader.refresh()  # the warehouse changed but is locked: no waiting, keep the old snapshot
        assert time.monotonic() - t0 < 2
        fresh = reader.freshness()
        assert fresh.pending and fresh.run_id == "r1"
        got, _ = reader.cursor()
        assert got.execute("SELECT COUNT(*) FROM runs").fetchone() == (1,)
        with pytest.raises(WarehouseBusy):
            snapshot.publish(copy, wait_s=0)
    finally:
        writer.wait(timeout=60)
    reader.refresh()  # the load is over, but the warehouse has not been quiet for quiet_s yet
    assert reader.freshness().pending
    reader.quiet_s = 0
    reader.refresh()  # quiet long enough: the new data is published and read
    got, _ = reader.cursor()
    assert got.execute("SELECT COUNT(*) FROM runs").fetchone() == (2,)
    assert not reader.freshness().pending


def test_an_open_snapshot_never_holds_the_warehouse(wh, cur):
    with connect(wh, read_only=False, wait_s=0) as con:  # would raise WarehouseBusy if the explorer held it
        assert con.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 4


# -- pages ------------------------------------------------------------------------------------

def test_overview_draws_five_charts_linking_to_entity_pages(cur):
    html = pages.overview(cur, BASE).body
    assert html.count('<svg class="chart"') == 5
    assert re.search(r'xlink:href="/news/entity/E[0-9a-f]+"', html)
    assert charts.LINK_ORIGIN not in html and "http://vega" not in html and "<script" not in html


def test_search_finds_an_entity_by_any_alias_with_input_bound_as_a_parameter(cur):
    tories = str(pages.search(cur, BASE, "TORIES").body)  # an alias only, any case
    assert re.search(r'<a href="/news/entity/E[0-9a-f]+">Conservative Party</a>.*<td>Tories</td>', tories, re.S)
    hostile = pages.search(cur, BASE, "x'; DROP TABLE entities; --").body
    assert "No entity has a name containing" in hostile
    assert pages.search(cur, BASE, "%").body.count("/entity/") == 0  # a literal %, not a wildcard
    assert cur.execute("SELECT COUNT(*) FROM entities").fetchone()[0] > 0


def _entity_id(cur, name):
    return cur.execute("SELECT entity_id FROM entities WHERE name = ?", [name]).fetchone()[0]


def test_entity_page_shows_its_quotes_escaped_and_the_quotes_naming_it(cur):
    page = pages.entity(cur, BASE, _entity_id(cur, "Ruth Kelly"))
    html = str(page.body)
    assert page.status == 200 and "What Ruth Kelly said (2)" in html
    assert "Pupils found &lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    assert "<script" not in html and "<b>bold" not in html
    assert '<svg class="chart"' in html  # mentions over time
    trump = str(pages.entity(cur, BASE, _entity_id(cur, "Syria")).body)
    assert "Quotes naming Syria" in trump and "not going into Syria" in trump
    assert pages.entity(cur, BASE, "E-nope").status == 404


def test_article_page_escapes_text_and_marks_mentions_and_quotes(cur):
    page = pages.article(cur, BASE, "script-attack.txt")
    html = str(page.body)
    assert "<script" not in html and "&lt;script&gt;" in html
    kelly = _entity_id(cur, "Ruth Kelly")
    assert f'<a class="ent ent-PERSON" href="/news/entity/{kelly}" title="PERSON: Ruth Kelly">Ms Kelly' in html
    assert '<span class="quote quote-direct"' in html
    assert re.search(rf'<span class="quote-label">direct · told · <a href="/news/entity/{kelly}">Ruth Kelly</a>', html)
    assert pages.article(cur, BASE, "no/such.txt").status == 404


def test_topic_page_lists_terms_volume_and_articles(cur):
    topic_id = cur.execute("SELECT topic_id FROM topics ORDER BY n_articles DESC LIMIT 1").fetchone()[0]
    html = str(pages.topic(cur, BASE, topic_id).body)
    assert '<svg class="chart"' in html and 'href="/news/article?id=' in html
    assert pages.topic(cur, BASE, 999_999).status == 404


def test_highlight_nests_mentions_in_quotes_and_escapes_everything():
    text = 'Blair said "<i>Brown</i> will go" today.'
    mentions = [{"entity_id": "E1", "name": "Tony Blair", "label": "PERSON", "start_char": 0, "end_char": 5},
                {"entity_id": "E2", "name": "go today", "label": "DATE", "start_char": text.index("go"),
                 "end_char": text.index(".")},  # crosses the quote's end: drawn in two pieces
                {"entity_id": "E3", "name": "bad", "label": "ORG", "start_char": 30, "end_char": 99}]  # ignored
    quotes = [{"kind": "direct", "cue": "said", "speaker": "Tony Blair", "speaker_text": "Blair",
               "speaker_entity_id": "E1", "start_char": text.index("<i>"), "end_char": text.index('" today')}]
    html = str(highlight(text, mentions, quotes, lambda e: f"/e/{e}"))
    assert "<i>" not in html and "&lt;i&gt;" in html
    assert html.startswith('<a class="ent ent-PERSON" href="/e/E1" title="PERSON: Tony Blair">Blair'
                           '<span class="ent-label">PERSON</span></a>')
    assert html.count('href="/e/E2"') == 2 and "bad" not in html
    assert re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"') \
        .replace("PERSON", "").replace("DATE", "").replace("direct · said · Tony Blair", "") == text


def test_network_layout_is_deterministic_and_fills_the_unit_square():
    edges = [(0, 1, 3.0), (0, 2, 1.0), (3, 4, 2.0)]
    a, b = charts.layout(5, edges), charts.layout(5, edges)
    assert (a == b).all() and a.min() == 0 and a.max() == 1


# -- report -----------------------------------------------------------------------------------

def test_report_is_one_self_contained_file_and_the_summary_names_it(wh, tmp_path):
    reports = report.reports_dir(wh)
    reports.mkdir(parents=True, exist_ok=True)
    for i in range(report.KEEP + 2):  # older runs' reports
        old = reports / f"old_{i:02d}.html"
        old.write_text("old")
        os.utime(old, ns=(1_000_000_000 * (i + 1),) * 2)
    text = stages.report(str(wh), "r1")
    path = report.report_path(wh, "r1")
    assert f"report: {path}" in text.splitlines()
    html = path.read_text()
    assert html.count('<svg class="chart"') == 5 and "Run r1" in html
    style = html[html.index("<style>"):html.index("</style>")]
    assert '"Segoe UI"' in style and "&#34;" not in style  # the stylesheet is inline, not HTML-escaped
    assert not re.search(r"<script|<link|<img|@import|url\(|src=", html, re.I)
    assert not re.search(r'href="(?!#)', re.sub(r'xmlns(:xlink)?="[^"]*"', "", html)), "no link may leave the file"
    kept = sorted(p.name for p in reports.glob("*.html"))
    assert len(kept) == report.KEEP and "r1.html" in kept and "old_00.html" not in kept and "old_15.html" in kept


def test_served_files_never_leave_their_folder(tmp_path):
    from etl.explorer.app import REPORT_CSP, _file

    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "r1.html").write_text("<p>report</p>")
    (tmp_path / "news.duckdb").write_text("secret")
    (tmp_path / "reports" / "link.html").symlink_to(tmp_path / "news.duckdb")
    ok = _file(tmp_path / "reports", "r1.html", REPORT_CSP)
    assert ok.status_code == 200 and ok.headers["content-security-policy"] == REPORT_CSP
    for bad in ("../news.duckdb", str(tmp_path / "news.duckdb"), "link.html", "nope.html", ""):
        assert _file(tmp_path / "reports", bad, REPORT_CSP).status_code == 404, bad
