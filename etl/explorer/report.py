"""The per-run report: one self-contained HTML file with the overview's charts for a run.

Written by the DAG's `report` task after the load: it first publishes the explorer's snapshot
(so the pages show the new data) and draws the report from that snapshot. Charts are inline SVG
and the stylesheet is inline, with a Content-Security-Policy that forbids scripts and every
fetch, so the file opens from file:// on a machine with no network. The last KEEP reports are
kept beside the warehouse (reports/<run id>.html); older ones are removed.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from markupsafe import Markup

from etl import config
from etl.explorer import pages
from etl.explorer.snapshot import open_snapshot, publish
from etl.load import Target

KEEP = 14


def reports_dir(warehouse: Target) -> Path:
    return config.work_dir(warehouse) / "reports"


def report_path(warehouse: Target, run_id: str) -> Path:
    return reports_dir(warehouse) / f"{config.safe_name(run_id)}.html"


def write(warehouse: Target, run_id: str, summary: str, keep: int = KEEP) -> Path:
    """Publish the snapshot, draw the report of `run_id` from it, keep the newest `keep` reports."""
    snapshot = publish(warehouse)
    with open_snapshot(snapshot) as con:
        ctx = pages.overview_context(con, None)
    html = pages.ENV.get_template("report.html").render(
        run_id=run_id, summary=summary, warehouse=str(warehouse),
        css=Markup((pages.STATIC / "explorer.css").read_text()),  # our own stylesheet, raw inside <style>
        written_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"), **ctx)
    path = report_path(warehouse, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    prune(path.parent, keep)
    return path


def prune(folder: Path, keep: int = KEEP) -> list[Path]:
    """Remove all but the `keep` most recent reports; returns the removed ones."""
    reports = sorted(folder.glob("*.html"), key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    for old in reports[keep:]:
        old.unlink(missing_ok=True)
    return reports[keep:]
