"""Shared fixtures. Tests never read ../shared: everything they need ships under tests/ or seeds/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_ARTICLE = SEEDS / "000_0a211b190e0dde63.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


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
