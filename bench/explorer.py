"""Explorer benchmark: how long each "News" page takes to draw, and the per-run report, at 1x and
k x the corpus (issue #15: pages <= 1 s at 1x and <= 3 s at 16x, the report <= 5 s at 1x).

    .venv/bin/python bench/explorer.py --warehouse warehouse/news.duckdb     # an existing 1x warehouse
    .venv/bin/python bench/explorer.py --corpus ../shared/corpus/news         # load one first (~2 min)

The k x warehouse is made from the 1x one by bench/replicate_warehouse.sql (copies of every article
with their mentions, quotes and topics under new ids, as bench/run.py's k x corpus would load), so
no k x NLP run is needed. Pages are drawn in-process by the same functions the API server calls
(etl.explorer.pages), each on a snapshot just opened and with nothing cached: what the first reader
after a load waits for (the HTTP layer and Airflow's token check add milliseconds). `warm` is a
second draw in the same process; the explorer then serves the page from its cache. The report is
timed as the DAG's report task runs it (publish the snapshot, draw, write). Prints a table and
writes bench/results/explorer-<time>.json; exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etl import stages  # noqa: E402
from etl.explorer import pages, report, snapshot  # noqa: E402
from etl.load import latest_success  # noqa: E402

TARGET_PAGE_S = {1: 1.0, 16: 3.0}
TARGET_REPORT_S = 5.0


def replicate(src: Path, dest: Path, k: int) -> Path:
    import duckdb

    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(src, dest)
    with duckdb.connect(str(dest)) as con:
        con.execute("SET VARIABLE copies = ?", [k])
        con.execute((ROOT / "bench" / "replicate_warehouse.sql").read_text())
    return dest


def page_args(cur) -> dict[str, tuple]:
    """One typical and one heavy example of every page: the top speaker, the biggest topic, the article
    with most quotes, a common search."""
    speaker = cur.execute("SELECT speaker_entity_id FROM quotes WHERE speaker_entity_id IS NOT NULL "
                          "GROUP BY ALL ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
    mentioned = cur.execute("SELECT entity_id FROM entities ORDER BY n_mentions DESC LIMIT 1").fetchone()[0]
    topic = cur.execute("SELECT topic_id FROM topics ORDER BY n_articles DESC LIMIT 1").fetchone()[0]
    article = cur.execute("SELECT article_id FROM quotes GROUP BY ALL ORDER BY COUNT(*) DESC LIMIT 1").fetchone()[0]
    return {"overview": (pages.overview,), "search": (pages.search, "bl"),
            "entity (top speaker)": (pages.entity, speaker), "entity (most mentioned)": (pages.entity, mentioned),
            "topic (largest)": (pages.topic, topic), "article (most quotes)": (pages.article, article)}


def time_pages(wh: Path, repeat: int) -> dict:
    snap = snapshot.publish(wh)
    out = {}
    with snapshot.open_snapshot(snap) as con:
        for name, (fn, *args) in page_args(con).items():
            times = []
            for _ in range(repeat):  # a snapshot just opened each time: nothing cached
                with snapshot.open_snapshot(snap) as fresh:
                    t0 = time.perf_counter()
                    page = fn(fresh, "/news", *args)
                    times.append(time.perf_counter() - t0)
            assert page.status == 200, (name, page.status)
            t0 = time.perf_counter()
            fn(con, "/news", *args)
            out[name] = {"cold_s": round(max(times), 3), "median_s": round(statistics.median(times), 3),
                         "warm_s": round(time.perf_counter() - t0, 3), "bytes": len(page.body)}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--warehouse", type=Path, help="a loaded 1x warehouse (DuckDB file)")
    src.add_argument("--corpus", type=Path, help="load this folder into a fresh warehouse first")
    p.add_argument("--scale", type=int, default=16, help="the larger warehouse, k x the 1x one (default 16)")
    p.add_argument("--repeat", type=int, default=3, help="cold draws per page (default 3)")
    p.add_argument("--workdir", type=Path, help="keep warehouses here (default: a temp folder, removed)")
    ns = p.parse_args(argv)

    work = ns.workdir or Path(tempfile.mkdtemp(prefix="news_explorer_bench_"))
    try:
        base = work / "1x" / "news.duckdb"
        if ns.corpus:
            t0 = time.perf_counter()
            stages.run_local(str(ns.corpus), str(base), "bench_1x")
            print(f"loaded {ns.corpus} in {time.perf_counter() - t0:.0f} s")
        else:
            base.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ns.warehouse, base)
        import vl_convert  # the first chart of a process starts vl-convert's engine: timed on its own

        t0 = time.perf_counter()
        vl_convert.vegalite_to_svg({"mark": "point", "data": {"values": [{}]}}, allowed_base_urls=[])
        engine_s = time.perf_counter() - t0
        results: dict = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                         "chart_engine_start_s": round(engine_s, 3), "sizes": {}}
        for k in sorted({1, ns.scale}):
            wh = base if k == 1 else replicate(base, work / f"{k}x" / "news.duckdb", k)
            run_id = latest_success(wh)
            t0 = time.perf_counter()
            stages.report(str(wh), run_id)
            report_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            snapshot.publish(wh)
            publish_s = time.perf_counter() - t0
            with snapshot.open_snapshot(snapshot.snapshot_path(wh)) as con:
                n = dict(zip(("articles", "quotes"), con.execute(
                    "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM quotes)").fetchone()))
            results["sizes"][f"{k}x"] = {"rows": n, "report_s": round(report_s, 3), "publish_s": round(publish_s, 3),
                                         "report_bytes": report.report_path(wh, run_id).stat().st_size,
                                         "pages": time_pages(wh, ns.repeat)}
    finally:
        if not ns.workdir:
            shutil.rmtree(work, ignore_errors=True)

    missed = []
    print(f"chart engine start (once per process): {results['chart_engine_start_s']:.2f} s")
    for size, r in results["sizes"].items():
        k = int(size[:-1])
        limit = TARGET_PAGE_S.get(k, TARGET_PAGE_S[16])
        print(f"\n{size}: {r['rows']['articles']:,} articles, {r['rows']['quotes']:,} quotes; report {r['report_s']:.2f} s "
              f"(snapshot {r['publish_s']:.2f} s), {r['report_bytes'] / 1024:.0f} KiB")
        print(f"  {'page':<26}{'cold max':>10}{'median':>9}{'warm':>8}   target")
        for name, t in r["pages"].items():
            ok = t["cold_s"] <= limit
            missed += [] if ok else [f"{size} {name} {t['cold_s']} s > {limit} s"]
            print(f"  {name:<26}{t['cold_s']:>10.3f}{t['median_s']:>9.3f}{t['warm_s']:>8.3f}   <= {limit} s "
                  f"{'ok' if ok else 'MISSED'}")
        if k == 1 and r["report_s"] > TARGET_REPORT_S:
            missed.append(f"report at 1x {r['report_s']} s > {TARGET_REPORT_S} s")
    results["missed"] = missed
    out = ROOT / "bench" / "results" / f"explorer-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\n{'targets met' if not missed else 'MISSED: ' + '; '.join(missed)}; wrote {out}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
