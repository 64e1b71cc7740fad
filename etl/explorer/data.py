"""What each explorer page shows, read from the snapshot with the queries in sql/explorer/.

Every function takes a DuckDB cursor and plain values and returns plain values (Polars frames,
dicts); user input only ever reaches SQL as a bound parameter.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import duckdb
import polars as pl

from etl.config import SQL_DIR

EXPLORER_SQL = SQL_DIR / "explorer"
WEEKS_AFTER_DAYS = 120  # a time axis longer than this counts weeks rather than days


@cache
def statement(name: str) -> str:
    return (EXPLORER_SQL / f"{name}.sql").read_text()


def frame(cur: duckdb.DuckDBPyConnection, name: str, **params: object) -> pl.DataFrame:
    """Run sql/explorer/<name>.sql with named parameters."""
    return cur.execute(statement(name), params).pl()


def one(cur: duckdb.DuckDBPyConnection, name: str, **params: object) -> dict | None:
    df = frame(cur, name, **params)
    return df.row(0, named=True) if df.height else None


def grain(cur: duckdb.DuckDBPyConnection) -> str:
    """'day' or 'week': the bucket for topic volume, from how many days the articles span."""
    span = one(cur, "topic_span") or {}
    first, last = span.get("first_day"), span.get("last_day")
    if isinstance(first, date) and isinstance(last, date) and (last - first).days > WEEKS_AFTER_DAYS:
        return "week"
    return "day"


def overview(cur: duckdb.DuckDBPyConnection) -> dict:
    g = grain(cur)
    return {
        "totals": one(cur, "freshness"),
        "daily": frame(cur, "daily_volume"),
        "speakers": frame(cur, "top_speakers", limit=15),
        "grain": g,
        "topic_volume": frame(cur, "topic_volume", grain=g),
        "rising": frame(cur, "rising"),
        "network": frame(cur, "network", speakers=12, per_speaker=4),
        "runs": frame(cur, "run_health", limit=30),
    }


def search(cur: duckdb.DuckDBPyConnection, q: str, limit: int = 50) -> pl.DataFrame:
    return frame(cur, "search", q=q.strip(), limit=limit)


def _page(cur: duckdb.DuckDBPyConnection, head: str, key: dict, parts: dict[str, tuple[str, dict]]) -> dict | None:
    """The row of sql/explorer/<head>.sql for `key` (None if there is none) and, for each part,
    the frame of its query with `key` and the part's own parameters."""
    row = one(cur, head, **key)
    if row is None:
        return None
    return {head: row, **{part: frame(cur, name, **key, **extra) for part, (name, extra) in parts.items()}}


def entity(cur: duckdb.DuckDBPyConnection, entity_id: str, limit: int = 200) -> dict | None:
    return _page(cur, "entity", {"entity_id": entity_id}, {
        "timeline": ("entity_timeline", {}),
        "quotes": ("entity_quotes", {"limit": limit}),
        "named_in": ("entity_named_in", {"limit": limit}),
        "cooccurring": ("entity_cooccurring", {"limit": 30}),
        "topics": ("entity_topics", {"limit": 15}),
    })


def topic(cur: duckdb.DuckDBPyConnection, topic_id: int) -> dict | None:
    g = grain(cur)
    found = _page(cur, "topic", {"topic_id": topic_id}, {
        "terms": ("topic_terms", {"limit": 30}),
        "volume": ("topic_volume_one", {"grain": g}),
        "articles": ("topic_articles", {"limit": 50}),
    })
    return found and {**found, "grain": g}


def article(cur: duckdb.DuckDBPyConnection, article_id: str) -> dict | None:
    return _page(cur, "article", {"article_id": article_id}, {
        "mentions": ("article_mentions", {}),
        "quotes": ("article_quotes", {}),
        "topics": ("article_topics", {}),
    })
