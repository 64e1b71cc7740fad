"""The "News" explorer in a real browser, behind Airflow's login: the API server (the only
component the pages need) on a free port, reading a small warehouse that holds an article with
<script> tags in its text. Log in, find "News" in the navigation, count the drawn charts, search
an entity by an alias and read its quotes, open an article; anonymous requests are refused; the
pages keep answering while a load holds the warehouse; no request leaves 127.0.0.1.
Screenshots go to tests/artifacts/ (the README's are copies in docs/)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from etl import stages
from tests.airflow_support import airflow_services, login, save_artifact, wait_for
from tests.test_explorer import HOLD_WRITE_LOCK, explorer_drop

pytestmark = [pytest.mark.slow, pytest.mark.browser]
LOCAL = re.compile(r"^(https?://127\.0\.0\.1:\d+/|blob:http://127\.0\.0\.1:\d+/|data:|about:)")


@pytest.fixture(scope="module")
def explorer(browser, tmp_path_factory):
    base = tmp_path_factory.mktemp("explorer_ui")
    wh = base / "wh" / "news.duckdb"
    stages.run_local(str(explorer_drop(base / "drop")), str(wh), "r1")
    stages.report(str(wh), "r1")  # as the DAG's last task does: the run's report and the pages' snapshot
    with airflow_services(base, {"NEWS_ETL_WAREHOUSE": str(wh), "NEWS_ETL_EXPLORER_CHECK_S": "1"},
                          components=("api-server",), need=("metadatabase",), dag_id=None) as af:
        af.extra["wh"] = wh
        yield af


@pytest.fixture
def page(browser, explorer):
    """A logged-in page; every request it (or a frame in it) makes is recorded and must stay local."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    dialogs: list[str] = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(pg, explorer, "/news/")  # the login page sends the browser back to the explorer
    pg.get_by_role("heading", name="News overview").wait_for()
    yield pg
    context.close()
    assert requests and not [u for u in requests if not LOCAL.match(u)], "a request left 127.0.0.1"
    assert not dialogs, f"a script ran: {dialogs}"


def _get(url: str, headers: dict | None = None) -> tuple[int, str, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=60) as resp:
            return resp.status, resp.headers.get("location", ""), resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("location", ""), e.read().decode(errors="replace")


def test_anonymous_requests_are_refused(explorer, browser):
    for path in ("/news/", "/news/static/explorer.css", "/news/search?q=Blair", "/news/entity/E1", "/news/nope",
                 "/news/reports/", "/news/reports/r1.html", "/news/data-docs/", "/news/data-docs/index.html"):
        status, _, body = _get(explorer.url + path)
        assert status == 401 and "News" not in body, path
        status, location, _ = _get(explorer.url + path, {"Accept": "text/html"})
        assert status == 303 and "/auth/login?next=" in location, path
        assert _get(explorer.url + path, {"Authorization": "Bearer not-a-token"})[0] in (401, 403), path
    context = browser.new_context()
    pg = context.new_page()
    pg.goto(explorer.url + "/news/")
    pg.wait_for_selector("input[name=username]")  # the login page, not the explorer
    assert "/auth/login" in pg.url and pg.get_by_text("News explorer").count() == 0
    context.close()


def test_news_in_the_navigation_opens_the_overview_with_its_charts(explorer, page, tmp_path):
    page.goto(explorer.url + "/")
    page.get_by_role("link", name="News").click()
    page.wait_for_url(re.compile(r"/plugin/news"))
    frame = page.frame_locator("iframe[title=News]")
    frame.get_by_role("heading", name="News overview").wait_for()
    charts = frame.locator("svg.chart")
    assert charts.count() == 5
    for i in range(5):  # each chart drew marks, not only axes
        assert charts.nth(i).locator("[role=graphics-symbol]").count() > 0
    assert "Data as of run r1" in frame.locator("#freshness").inner_text()
    page.screenshot(path=str(tmp_path / "overview.png"))
    save_artifact(tmp_path / "overview.png", "explorer_overview.png")


def test_search_an_entity_by_alias_read_its_quotes_then_the_article(explorer, page, tmp_path):
    page.get_by_role("searchbox").fill("kelly")
    page.get_by_role("button", name="Search").click()
    page.locator("#results").get_by_role("link", name="Ruth Kelly").click()
    page.get_by_role("heading", name=re.compile("What Ruth Kelly said")).wait_for()
    quotes = page.locator("table.quotes").first.inner_text()
    assert "Pupils found <script>alert('xss')</script> pasted into the homework site" in quotes
    assert "told" in quotes and "direct" in quotes
    page.screenshot(path=str(tmp_path / "entity.png"), full_page=True)
    save_artifact(tmp_path / "entity.png", "explorer_entity.png")

    page.get_by_role("link", name="Council warns parents about <script> tags in homework apps").first.click()
    text = page.locator("#article-text")
    text.wait_for()
    assert "<script>alert('xss')</script>" in text.inner_text()  # shown as text, never run
    assert page.locator("#article-text script").count() == 0
    assert text.locator("a.ent-PERSON", has_text="Ms Kelly").count() == 1
    assert text.locator("span.quote-direct").count() == 1
    assert text.locator("span.quote-label").get_by_role("link", name="Ruth Kelly").count() == 2  # speaker links
    page.screenshot(path=str(tmp_path / "article.png"), full_page=True)
    save_artifact(tmp_path / "article.png", "explorer_article.png")


def test_run_reports_and_data_docs_behind_the_same_login(explorer, page):
    page.get_by_role("link", name="Run reports").click()
    page.get_by_role("link", name="r1.html").click()
    page.get_by_role("heading", name="Run r1").wait_for()
    assert page.locator("svg.chart").count() == 5
    assert page.evaluate("getComputedStyle(document.querySelector('.card')).borderRadius") == "8px"  # inline CSS applied
    page.goto(explorer.url + "/news/")
    page.get_by_role("link", name="Data Docs").click()
    page.wait_for_url(re.compile(r"/news/data-docs/$"))
    page.get_by_text("Expectation Suites").first.wait_for()  # GX's index, drawn by its own (local) scripts


def test_pages_answer_with_the_previous_data_while_a_load_holds_the_warehouse(explorer, tmp_path):
    headers = {"Authorization": f"Bearer {explorer.client.token()}"}
    flag = tmp_path / "holding"
    writer = subprocess.Popen([sys.executable, "-c", HOLD_WRITE_LOCK, str(explorer.extra["wh"]), str(flag), "8"])
    try:
        wait_for(lambda: flag.exists() or writer.poll() is not None, timeout=60, interval=0.1, what="the writer")
        assert writer.poll() is None
        for _ in range(3):
            t0 = time.monotonic()
            status, _, body = _get(explorer.url + "/news/", headers)
            assert status == 200 and time.monotonic() - t0 < 3
            assert "Data as of run <b>r1</b>" in body and "Traceback" not in body
            time.sleep(1)
        assert "A load is running" in body
    finally:
        writer.wait(timeout=60)
    wait_for(lambda: "Data as of run <b>r2</b>" in _get(explorer.url + "/news/", headers)[2], timeout=60,
             interval=1, what="the explorer to show the new load")
