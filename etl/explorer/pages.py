"""The explorer's pages as HTML: data from etl.explorer.data, charts from etl.explorer.charts,
Jinja templates with autoescaping on (every value from the warehouse is escaped; only the SVG
that vl-convert drew and the highlighted article text, escaped piece by piece, go in as markup).

Shared by the live pages (etl.explorer.app) and the static per-run report (etl.explorer.report):
`base` is the URL prefix pages link under, or None in the report, which has no pages to link to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import duckdb
import polars as pl
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from etl.explorer import charts, data
from etl.explorer.highlight import highlight
from etl.explorer.snapshot import Freshness

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
QUOTE_LIMIT = 200


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "?"


def _age(value: datetime | None) -> str:
    """'3 min', '5 h', '2 days': how long ago a naive UTC time was."""
    if value is None:
        return "?"
    s = max(0, int((datetime.now(timezone.utc).replace(tzinfo=None) - value).total_seconds()))
    if s < 3600:
        return f"{s // 60} min"
    if s < 2 * 86400:
        return f"{s // 3600} h"
    return f"{s // 86400} days"


ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                  trim_blocks=True, lstrip_blocks=True)
ENV.filters.update(when=_when, age=_age)


@dataclass
class Page:
    title: str
    body: Markup
    status: int = 200


def _rows(df: pl.DataFrame) -> list[dict]:
    return df.to_dicts()


def overview_context(cur: duckdb.DuckDBPyConnection, base: str | None) -> dict:
    """The overview's numbers and its five charts (links only when there are pages to link to)."""
    o = data.overview(cur)
    links = base is not None
    drawn = {
        "daily": charts.daily_volume(o["daily"]),
        "speakers": charts.top_speakers(o["speakers"], links),
        "topics": charts.topic_volume(o["topic_volume"], o["grain"]),
        "network": charts.network(o["network"], links),
        "runs": charts.run_health(o["runs"]),
    }
    return {
        "o": {k: _rows(v) if isinstance(v, pl.DataFrame) else v for k, v in o.items()},
        "charts": {k: charts.render(c, base) for k, c in drawn.items()},
        "links": links,
        "base": base or "",
    }


def _page(template: str, title: str, status: int = 200, **ctx) -> Page:
    return Page(title, Markup(ENV.get_template(template).render(**ctx)), status)


def message(base: str, heading: str, text: str, status: int) -> Page:
    return _page("message.html", heading, status, base=base, heading=heading, message=text)


def overview(cur: duckdb.DuckDBPyConnection, base: str) -> Page:
    return _page("overview.html", "Overview", **overview_context(cur, base))


def search(cur: duckdb.DuckDBPyConnection, base: str, q: str) -> Page:
    rows = _rows(data.search(cur, q)) if q.strip() else []
    return _page("search.html", f"Search: {q}", base=base, q=q.strip(), rows=rows)


def entity(cur: duckdb.DuckDBPyConnection, base: str, entity_id: str) -> Page:
    d = data.entity(cur, entity_id, limit=QUOTE_LIMIT)
    if d is None:
        return message(base, "No such entity", f"The warehouse has no entity {entity_id}.", 404)
    e = d["entity"]
    return _page("entity.html", e["name"], base=base, e=e, limit=QUOTE_LIMIT,
                 timeline=charts.render(charts.entity_timeline(d["timeline"], e["name"]), base),
                 **{k: _rows(d[k]) for k in ("quotes", "named_in", "cooccurring", "topics")})


def topic(cur: duckdb.DuckDBPyConnection, base: str, topic_id: int) -> Page:
    d = data.topic(cur, topic_id)
    if d is None:
        return message(base, "No such topic", f"The warehouse has no topic {topic_id}.", 404)
    t = d["topic"]
    return _page("topic.html", t["label"], base=base, t=t, terms=_rows(d["terms"]), articles=_rows(d["articles"]),
                 volume=charts.render(charts.topic_timeline(d["volume"], t["label"], d["grain"]), base))


def article(cur: duckdb.DuckDBPyConnection, base: str, article_id: str) -> Page:
    d = data.article(cur, article_id)
    if d is None:
        return message(base, "No such article", f"The warehouse has no article {article_id}.", 404)
    a = d["article"]
    quotes = _rows(d["quotes"])
    text = highlight(a["text"], _rows(d["mentions"]), quotes, lambda e: f"{base}/entity/{quote(e, safe='')}")
    return _page("article.html", a["title"] or a["article_id"], base=base, a=a, text=text, quotes=quotes,
                 topics=_rows(d["topics"]))


def reports(base: str, folder: Path) -> Page:
    """The per-run reports kept beside the warehouse, newest first."""
    files = sorted(folder.glob("*.html"), key=lambda p: p.stat().st_mtime_ns, reverse=True) if folder.is_dir() else []
    rows = [{"name": p.name, "written": datetime.fromtimestamp(p.stat().st_mtime, timezone.utc).replace(tzinfo=None),
             "kib": p.stat().st_size // 1024} for p in files]
    return _page("reports.html", "Run reports", base=base, rows=rows)


def document(page: Page, base: str, fresh: Freshness, q: str = "") -> str:
    """A page inside the explorer's frame: header with search, what the data is and how fresh."""
    return ENV.get_template("base.html").render(title=page.title, body=page.body, base=base, fresh=fresh, q=q)
