"""Shared fixtures. Tests never read ../shared: everything they need ships under tests/ or seeds/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.services import REQUIRE_SERVICES, skip_unless_required

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_ARTICLE = SEEDS / "000_0a211b190e0dde63.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

CHROMIUM = Path(os.environ.get("NEWS_ETL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright: no browser is ever downloaded. Needs
    `apt-get install -y chromium` (skips without it unless NEWS_ETL_REQUIRE_SERVICES is set)."""
    if not CHROMIUM.exists():
        skip_unless_required(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if REQUIRE_SERVICES:
            raise
        pytest.skip("playwright is not installed (dev dependency)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    """An empty drop folder."""
    d = tmp_path / "drop"
    d.mkdir()
    return d


@pytest.fixture
def seed_drop(drop: Path) -> Path:
    """A drop folder holding the seed article and a handful of BBC sample articles."""
    shutil.copy(SEED_ARTICLE, drop / SEED_ARTICLE.name)
    for cat in ("business", "politics", "sport"):
        for f in sorted((SEEDS / "bbc" / cat).glob("*.txt"))[:2]:
            (drop / cat).mkdir(exist_ok=True)
            shutil.copy(f, drop / cat / f.name)
    return drop


CONTENT = {  # what a run loaded, without the columns that say which run it was and when it ran
    "articles": "SELECT * EXCLUDE (first_run_id, last_run_id)",
    "entities": "SELECT *", "entity_aliases": "SELECT *", "entity_mentions": "SELECT *", "quotes": "SELECT *",
    "topics": "SELECT * EXCLUDE (model_version, first_version, ended_version)",
    "article_topics": "SELECT *", "rejected_inputs": "SELECT * EXCLUDE (run_id)",
}


def warehouse_content(con) -> dict:
    """Every contract table's rows (ids included), sorted: equal for two runs that loaded the same."""
    return {t: con.execute(f"{sel} FROM {t} ORDER BY ALL").fetchall() for t, sel in CONTENT.items()}
