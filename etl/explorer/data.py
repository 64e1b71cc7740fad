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


def entity(cur: duckdb.DuckDBPyConnection, entity_id: str, limit: int = 200) -> dict | None:
    head = one(cur, "entity", entity_id=entity_id)
    if head is None:
        return None
    return {
        "entity": head,
        "timeline": frame(cur, "entity_timeline", entity_id=entity_id),
        "quotes": frame(cur, "entity_quotes", entity_id=entity_id, limit=limit),
        "named_in": frame(cur, "entity_named_in", entity_id=entity_id, limit=limit),
        "cooccurring": frame(cur, "entity_cooccurring", entity_id=entity_id, limit=30),
        "topics": frame(cur, "entity_topics", entity_id=entity_id, limit=15),
    }


def topic(cur: duckdb.DuckDBPyConnection, topic_id: int) -> dict | None:
    head = one(cur, "topic", topic_id=topic_id)
    if head is None:
        return None
    g = grain(cur)
    return {
        "topic": head,
        "terms": frame(cur, "topic_terms", topic_id=topic_id, limit=30),
        "grain": g,
        "volume": frame(cur, "topic_volume_one", topic_id=topic_id, grain=g),
        "articles": frame(cur, "topic_articles", topic_id=topic_id, limit=50),
    }


def article(cur: duckdb.DuckDBPyConnection, article_id: str) -> dict | None:
    head = one(cur, "article", article_id=article_id)
    if head is None:
        return None
    return {
        "article": head,
        "mentions": frame(cur, "article_mentions", article_id=article_id),
        "quotes": frame(cur, "article_quotes", article_id=article_id),
        "topics": frame(cur, "article_topics", article_id=article_id),
    }
