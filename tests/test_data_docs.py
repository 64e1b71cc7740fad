"""Data Docs that work air-gapped: the pages of a real run name no outside host, and in headless
Chromium with every request off this machine blocked, the index lists each validated table, styles
and scripts apply, and a validation page's "Failed Only" filter works.

A GX upgrade that adds or changes a CDN URL fails test_gx_templates_name_only_the_pinned_assets
(before any run) and test_pages_load_nothing_from_outside (in the generated pages)."""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from etl import data_docs, stages, validate
from tests.airflow_support import copy_seeds, save_artifact

GX_VIEW = Path(__import__("great_expectations").__file__).parent / "render" / "view"
INDEX_ROWS = "table.ge-index-page-validation-results-table tbody tr.clickable-row"


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    """A real run over four seed articles whose suites allow no GPE entities, so that some rows really
    fail an expectation (GX shows them as failed, the run quarantines them)."""
    base = tmp_path_factory.mktemp("docs")
    copy_seeds(base / "drop", per_category=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(validate, "ENTITY_LABELS", [x for x in validate.ENTITY_LABELS if x != "GPE"])
        stages.run_local(str(base / "drop"), str(base / "wh" / "news.duckdb"), "r1")
    return stages.data_docs_dir(base / "wh" / "news.duckdb")


def test_gx_templates_name_only_the_pinned_assets():
    """Every asset GX's templates load from outside is one that etl/data_docs.py serves locally, and
    every pinned URL is still in the templates (a GX upgrade that changes them fails here first)."""
    named = set()
    for f in [*GX_VIEW.joinpath("templates").glob("*.j2"), *GX_VIEW.joinpath("static", "styles").glob("*.css")]:
        named.update(data_docs.outside_references(f.read_text(encoding="utf-8")))
    pinned = {a.url for a in data_docs.ASSETS}
    assert {u for u in named if not data_docs.S3_IMAGE.fullmatch(u)} == pinned
    assert any(data_docs.S3_IMAGE.fullmatch(u) for u in named)  # the dark-mode logo in the default styles


def test_npm_files_are_the_bytes_gx_pins():
    """Where GX's templates carry a subresource-integrity hash, the npm file has exactly that sha384."""
    imports = GX_VIEW.joinpath("templates", "js_script_imports.j2").read_text(encoding="utf-8")
    pins = dict(re.findall(r'src="([^"]+)" integrity="(sha384-[^"]+)"', imports))
    assets = {a.url: a for a in data_docs.ASSETS}
    assert len(pins) == 2  # popper.js and bootstrap.js
    for url, sri in pins.items():
        a = assets[url]
        digest = hashlib.sha384((data_docs.NODE_MODULES / a.package / a.file).read_bytes()).digest()
        assert "sha384-" + base64.b64encode(digest).decode() == sri, url


def test_missing_assets_fail_with_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(data_docs, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(data_docs.AssetsMissing, match="make install"):
        data_docs.install_assets(tmp_path / "site")


def test_pages_load_nothing_from_outside(docs):
    pages = list(docs.rglob("*.html"))
    assert len(pages) == 1 + 2 * len(validate.ORDER)  # the index, one validation and one suite page per table
    for f in [*pages, *docs.rglob("*.css")]:
        assert data_docs.outside_references(f.read_text(encoding="utf-8")) == [], f
    # the rewrite keeps nothing to do: a second pass changes no page
    before = {p: p.read_bytes() for p in pages}
    assert data_docs.make_offline(docs, since_ns=0) == []
    assert {p: p.read_bytes() for p in pages} == before


@pytest.fixture
def offline(browser):
    """A browser page on which every request that is not file:// or to 127.0.0.1 is blocked and recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    blocked: list[str] = []
    broken: list[str] = []

    def route(r):
        if re.match(r"(file:|https?://127\.0\.0\.1[:/])", r.request.url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("requestfailed", lambda r: broken.append(r.url))
    page.blocked, page.broken = blocked, broken
    yield page
    context.close()


@pytest.fixture
def served(docs):
    """The docs folder over HTTP on 127.0.0.1, as a web server (the explorer) would serve it."""
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(docs)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _styled_and_scripted(page) -> None:
    """Bootstrap's CSS, jQuery and Font Awesome's web font all came from the site itself."""
    assert page.evaluate("typeof window.jQuery") == "function"
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).display") == "flex"  # bootstrap.css
    page.wait_for_function("document.fonts.check('900 16px \"Font Awesome 6 Free\"')")
    assert page.evaluate("document.querySelector('.navbar-brand img').naturalWidth") > 0  # the local logo


@pytest.mark.browser
@pytest.mark.parametrize("how", ["file", "http"])
def test_index_lists_every_validated_table_offline(docs, offline, how, request):
    page = offline
    page.goto(docs.joinpath("index.html").as_uri() if how == "file" else request.getfixturevalue("served"))
    rows = page.locator(INDEX_ROWS)  # drawn by bootstrap-table: empty unless its script loaded
    rows.first.wait_for()
    assert rows.count() == len(validate.ORDER)
    assert sorted(rows.nth(i).locator("td").nth(3).inner_text() for i in range(rows.count())) == sorted(validate.ORDER)
    assert page.locator(f"{INDEX_ROWS} a.ge-index-page-table-expectation-suite-link:visible").count() == len(validate.ORDER)
    assert page.locator(f"{INDEX_ROWS} .fa-times").count() > 0  # the tables with GPE rows failed
    _styled_and_scripted(page)
    page.screenshot(path=str(docs.parent / f"index_{how}.png"), full_page=True)
    save_artifact(docs.parent / f"index_{how}.png", f"data_docs_index_{how}.png")
    assert page.blocked == [] and page.broken == []


@pytest.mark.browser
def test_failed_only_filter_on_a_validation_page_offline(docs, offline):
    page = offline
    page.goto(docs.joinpath("index.html").as_uri())
    page.locator(INDEX_ROWS, has_text="news_etl-entity_mentions").locator("td").nth(2).click()  # the row's link
    page.wait_for_url(re.compile(r"/validations/entity_mentions/r1/.*\.html$"))
    _styled_and_scripted(page)
    results = page.locator("table tbody tr:has(td .fa-check-circle, td .fa-times)")  # one row per expectation
    passed, failed = results.filter(has=page.locator(".fa-check-circle")), results.filter(has=page.locator(".fa-times"))
    n_passed, n_failed = passed.count(), failed.count()
    assert n_passed > 0 and n_failed > 0
    # the GPE entities were quarantined, so their mentions refer to no entity of this batch
    assert failed.filter(has_text="entity_id refers to an entity of this batch").count() == 1

    page.get_by_text("Failed Only").click()  # jQuery fades out every passed expectation's row
    expect(results.filter(visible=True)).to_have_count(n_failed)
    expect(failed.filter(visible=True)).to_have_count(n_failed)
    page.screenshot(path=str(docs.parent / "failed_only.png"), full_page=True)
    save_artifact(docs.parent / "failed_only.png", "data_docs_failed_only.png")

    page.get_by_text("Show All").click()
    expect(results.filter(visible=True)).to_have_count(n_passed + n_failed)
    assert page.blocked == [] and page.broken == []
