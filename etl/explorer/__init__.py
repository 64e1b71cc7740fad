"""The "News" explorer: analysts' pages inside the Airflow UI, and the report written per run.

plugin (Airflow plugin, entry point) -> app (FastAPI under /news) -> pages (HTML) -> data
(sql/explorer/ on the snapshot) and charts (Vega-Lite drawn to SVG); snapshot keeps the copy of
the warehouse the pages read; report writes the per-run HTML file.
"""
