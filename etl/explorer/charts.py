"""The explorer's charts: Vega-Lite specs (Altair) drawn to SVG on the server by vl-convert.

Server-side SVG needs no JavaScript in the browser and nothing from outside the machine: the
pages run under a Content-Security-Policy that forbids scripts, and the per-run report embeds the
same SVGs, so it opens from file:// with no network. vl-convert bundles Vega and Vega-Lite and is
told to load no URL (allowed_base_urls=[]): every chart carries its data inline.

Chart marks may link to explorer pages: their href is written against a placeholder origin (Vega
only lets http(s) links through) that `render` replaces with the explorer's path prefix.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from urllib.parse import quote

import altair as alt
import numpy as np
import polars as pl
from markupsafe import Markup

LINK_ORIGIN = "http://news-explorer.invalid"
WIDTH, HEIGHT = 540, 240
LABEL_COLOURS = {  # displaCy's colours, so charts and highlighted articles agree
    "PERSON": "#aa9cfc", "ORG": "#7aecec", "GPE": "#feca74", "LOC": "#ff9561", "NORP": "#c887fb",
    "FAC": "#9cc9cc", "EVENT": "#ffeb80", "PRODUCT": "#bfeeb7", "WORK_OF_ART": "#f0d0ff", "LAW": "#ff8197",
    "LANGUAGE": "#ff8197",
}


def link(path: str) -> str:
    """An href for a chart mark: `path` under the explorer, e.g. '/entity/E123'."""
    return LINK_ORIGIN + path


def _with_entity_links(df: pl.DataFrame) -> pl.DataFrame:
    """Adds `href`: each row's entity page."""
    return df.with_columns(pl.col("entity_id").map_elements(lambda e: link(f"/entity/{quote(e, safe='')}"),
                                                            return_dtype=pl.String).alias("href"))


def render(chart: alt.TopLevelMixin, prefix: str | None) -> Markup:
    """The chart as an inline <svg>; links point under `prefix` (None: the chart must have none)."""
    import vl_convert

    svg = vl_convert.vegalite_to_svg(chart.to_dict(), allowed_base_urls=[])
    if LINK_ORIGIN in svg:
        if prefix is None:
            raise ValueError("a chart with links rendered where links cannot work")
        svg = svg.replace(LINK_ORIGIN, prefix)
    return Markup(svg.replace("<svg ", '<svg class="chart" role="img" ', 1))


def _base(df: pl.DataFrame, title: str, width: int = WIDTH, height: int = HEIGHT) -> alt.Chart:
    return alt.Chart(df, title=alt.Title(title, anchor="start", fontSize=14)).properties(width=width, height=height)


FEW_PERIODS = 3  # up to this many days (or weeks) a series is drawn as bars, beyond as lines


def _over_time(df: pl.DataFrame, when: str, value: str, title: str, y_title: str, series: str | None = None,
               colour: alt.Scale | None = None, legend: alt.Legend | None = None,
               thick: str | None = None) -> alt.Chart:
    """Counts over days or weeks: lines with points, or grouped bars when there are only a few
    periods (an undated corpus is all on the day it was loaded). `thick`: a boolean column whose
    rows are drawn bold (rising topics)."""
    few = (df[when].n_unique() if df.height else 0) <= FEW_PERIODS
    enc: dict = {"y": alt.Y(f"{value}:Q", title=y_title)}
    if series:
        enc["color"] = alt.Color(f"{series}:N", title=None, scale=colour or alt.Undefined, legend=legend or alt.Undefined)
    if few:
        chart = _base(df, title).mark_bar()
        enc["x"] = alt.X(f"yearmonthdate({when}):O", title=None, axis=alt.Axis(labelAngle=0))
        if series:
            enc["xOffset"] = alt.XOffset(f"{series}:N")
        if thick:
            enc["stroke"] = alt.condition(f"datum.{thick}", alt.value("#222"), alt.value(None))
    else:
        chart = _base(df, title).mark_line(point=True)
        n = df[when].n_unique()
        enc["x"] = alt.X(f"{when}:T", title=None, axis=alt.Axis(format="%Y-%m-%d", tickCount=min(n, 8), labelAngle=0))
        if thick:
            enc["strokeWidth"] = alt.condition(f"datum.{thick}", alt.value(4), alt.value(1.5))
    return chart.encode(**enc)


SERIES_COLOURS = alt.Scale(range=["#4c78a8", "#e45756"])


def daily_volume(df: pl.DataFrame) -> alt.Chart:
    """Articles and quotes per day (columns day, series, n)."""
    return _over_time(df, "day", "n", "Articles and quotes per day", "count", "series", SERIES_COLOURS)


def top_speakers(df: pl.DataFrame, links: bool) -> alt.Chart:
    """Most-quoted speakers, one bar each (columns entity_id, name, label, n_quotes)."""
    data = _with_entity_links(df) if links else df
    enc = {"href": "href:N"} if links else {}
    return _base(data, "Most-quoted speakers", height=max(120, 18 * df.height)).mark_bar().encode(
        x=alt.X("n_quotes:Q", title="quotes"),
        y=alt.Y("name:N", sort="-x", title=None),
        color=alt.Color("label:N", title=None, scale=_label_scale(df["label"] if df.height else [])),
        **enc,
    )


def _label_scale(labels: Iterable[str]) -> alt.Scale:
    domain = sorted(set(labels))
    return alt.Scale(domain=domain, range=[LABEL_COLOURS.get(lab, "#ddd") for lab in domain])


def topic_volume(df: pl.DataFrame, grain: str) -> alt.Chart:
    """Articles per topic per day or week; rising topics drawn bold and named with a ▲
    (columns period, topic_id, label, is_rising, n_articles)."""
    data = df.with_columns(
        pl.when(pl.col("is_rising")).then(pl.lit("▲ ") + pl.col("label")).otherwise(pl.col("label")).alias("topic"))
    return _over_time(data, "period", "n_articles", f"Topic volume per {grain} (▲ rising: last 7 days against the "
                      "28 before)", "articles", "topic", alt.Scale(scheme="tableau20"), alt.Legend(labelLimit=260), "is_rising")


def run_health(df: pl.DataFrame) -> alt.Chart:
    """Per run: articles loaded, rejected and quarantined; failed runs marked with a cross
    (columns started_at, status, n_loaded, n_rejected, n_quarantined)."""
    when = pl.col("started_at").dt.strftime("%Y-%m-%d %H:%M")
    long = df.sort("started_at").with_columns(
        pl.when(pl.col("status") == "success").then(when).otherwise(when + pl.lit(" ✗ failed")).alias("run"),
    ).unpivot(index=["run"], on=["n_loaded", "n_rejected", "n_quarantined"], variable_name="what", value_name="n")
    long = long.with_columns(pl.col("what").str.strip_prefix("n_"))
    return _base(long, "Run health: articles loaded, rejected, quarantined per run").mark_bar().encode(
        x=alt.X("run:N", sort=None, title=None, axis=alt.Axis(labelAngle=-35, labelLimit=160)),
        y=alt.Y("n:Q", title="articles"),
        color=alt.Color("what:N", title=None, sort=["loaded", "rejected", "quarantined"],
                        scale=alt.Scale(domain=["loaded", "rejected", "quarantined"],
                                        range=["#54a24b", "#e45756", "#f58518"])),
        xOffset=alt.XOffset("what:N", sort=["loaded", "rejected", "quarantined"]),
    )


def entity_timeline(df: pl.DataFrame, name: str) -> alt.Chart:
    """One entity's mentions and quotes per day (columns day, n_mentions, n_quotes)."""
    long = df.unpivot(index="day", on=["n_mentions", "n_quotes"], variable_name="series", value_name="n") \
        .with_columns(pl.col("series").str.strip_prefix("n_"))
    return _over_time(long, "day", "n", f"{name}: mentions and quotes per day", "count", "series", SERIES_COLOURS)


def topic_timeline(df: pl.DataFrame, label: str, grain: str) -> alt.Chart:
    """One topic's articles per day or week (columns period, n_articles)."""
    return _over_time(df, "period", "n_articles", f"{label}: articles per {grain}", "articles")


LABELLED_NAMED = 12  # entities only spoken about that get a label in the network


def network(edges: pl.DataFrame, links: bool, seed: int = 7) -> alt.LayerChart:
    """Who quotes whom among the top speakers: each speaker -> entity edge drawn as a trail that
    narrows from the speaker to the entity named in their quotes (columns speaker_entity_id, speaker,
    mentioned_entity_id, mentioned, mentioned_label, n_quotes)."""
    ids: dict[str, int] = {}
    names, kinds, weight = [], [], []
    for r in edges.iter_rows(named=True):
        for key, name, kind in ((r["speaker_entity_id"], r["speaker"], "speaker"),
                                (r["mentioned_entity_id"], r["mentioned"], "named only")):
            if key not in ids:
                ids[key] = len(ids)
                names.append(name)
                kinds.append(kind)
                weight.append(0)
            if kind == "speaker":
                kinds[ids[key]] = "speaker"
            weight[ids[key]] += r["n_quotes"]
    pairs = [(ids[r["speaker_entity_id"]], ids[r["mentioned_entity_id"]], float(r["n_quotes"]))
             for r in edges.iter_rows(named=True)]
    pos = layout(len(ids), pairs, seed=seed)
    keys = list(ids)
    nodes = pl.DataFrame({"entity_id": keys, "name": names, "role": kinds, "weight": weight,
                          "x": pos[:, 0] if len(ids) else [], "y": pos[:, 1] if len(ids) else []},
                         schema_overrides={"x": pl.Float64, "y": pl.Float64})
    # Every speaker is named; of the entities only spoken about, the most named ones.
    named = nodes.filter(pl.col("role") == "named only")["weight"].sort(descending=True)
    cut = named[min(LABELLED_NAMED, named.len()) - 1] if named.len() else 0
    nodes = nodes.with_columns(pl.when((pl.col("role") == "speaker") | (pl.col("weight") >= cut))
                               .then(pl.col("name")).otherwise(pl.lit("")).alias("label"))
    if links:
        nodes = _with_entity_links(nodes)
    trail = pl.DataFrame(
        [{"edge": i, "step": step, "x": float(pos[node, 0]), "y": float(pos[node, 1]), "n_quotes": w,
          "width": w if step == 0 else 0.0}
         for i, (a, b, w) in enumerate(pairs) for step, node in enumerate((a, b))],
        schema={"edge": pl.Int64, "step": pl.Int64, "x": pl.Float64, "y": pl.Float64, "n_quotes": pl.Float64,
                "width": pl.Float64})
    scale = alt.Scale(domain=[-0.08, 1.08], nice=False)
    x = alt.X("x:Q", scale=scale, axis=None)
    y = alt.Y("y:Q", scale=scale, axis=None)
    title = alt.Title("Who quotes whom: top speakers -> entities named in their quotes", anchor="start",
                      fontSize=14)
    edge_layer = alt.Chart(trail).mark_trail(color="#9aa5b1", opacity=0.55).encode(
        x=x, y=y, detail="edge:N", order="step:Q",
        size=alt.Size("width:Q", scale=alt.Scale(range=[1, 9]), legend=None))
    enc = {"href": "href:N"} if links else {}
    node_layer = alt.Chart(nodes).mark_circle(opacity=0.95, stroke="white", strokeWidth=1).encode(
        x=x, y=y, size=alt.Size("weight:Q", scale=alt.Scale(range=[60, 700]), legend=None),
        color=alt.Color("role:N", title=None, scale=alt.Scale(domain=["speaker", "named only"],
                                                               range=["#e45756", "#4c78a8"])), **enc)
    text_layer = alt.Chart(nodes).mark_text(dy=-12).encode(
        x=x, y=y, text="label:N", size=alt.condition("datum.role == 'speaker'", alt.value(11), alt.value(9)), **enc)
    return alt.layer(edge_layer, node_layer, text_layer, title=title).resolve_scale(size="independent") \
        .properties(width=WIDTH, height=420)


def layout(n: int, edges: list[tuple[int, int, float]], seed: int = 7, iterations: int = 300) -> np.ndarray:
    """Fruchterman-Reingold force layout in [0, 1]^2, deterministic for a seed (a few ms for the
    few dozen nodes drawn): linked nodes pull together, all nodes push apart, a weak pull to the
    centre keeps unlinked groups in view."""
    if n == 0:
        return np.zeros((0, 2))
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    if n == 1:
        return np.full((1, 2), 0.5)
    k = 2.0 / math.sqrt(n)
    src = np.array([a for a, _, _ in edges], dtype=int)
    dst = np.array([b for _, b, _ in edges], dtype=int)
    w = np.array([wt for _, _, wt in edges], dtype=float)
    w = np.log1p(w) / np.log1p(w).max() if len(w) else w
    temperature = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=-1), 1e-3)
        disp = (delta * (k * k / dist**2)[..., None]).sum(axis=1)
        if len(src):
            d = pos[src] - pos[dst]
            length = np.maximum(np.linalg.norm(d, axis=1), 1e-3)
            pull = d * (length / k * w)[:, None]
            np.add.at(disp, src, -pull)
            np.add.at(disp, dst, pull)
        disp += (0.5 - pos) * k * 0.5
        length = np.maximum(np.linalg.norm(disp, axis=1), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature = max(temperature * 0.985, 0.002)
    span = pos.max(axis=0) - pos.min(axis=0)
    return (pos - pos.min(axis=0)) / np.where(span > 0, span, 1)
