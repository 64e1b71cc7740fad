"""Great Expectations gate between the transforms and the warehouse.

Each staged table is checked with its suite from `expectations/<table>.json` (GX's own suite
format, editable without code). Rows that fail a row-level expectation are moved to quarantine
with the expectation that failed; a table-level failure (missing columns, wrong row count) means
the batch is unusable and the run stops before anything is loaded. Tables are checked in
dependency order so that quarantining an article also quarantines the rows that refer to it.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from etl import data_docs
from etl.config import EXPECTATIONS_DIR

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

ENTITY_LABELS = ["PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"]
# Dependency order: a table's id checks use the ids that survived in the tables before it.
ORDER = ["articles", "entities", "entity_aliases", "entity_mentions", "quotes", "topics", "topic_terms", "article_topics",
         "topic_models"]


class BatchUnusable(RuntimeError):
    """A table-level expectation failed: loading any of this batch would be wrong."""


@dataclass
class Outcome:
    good: pl.DataFrame
    quarantined: pl.DataFrame  # table_name, article_id, reason, row_json
    checked: int = 0
    failed: list[str] = field(default_factory=list)


def _context(docs_dir: Path | None):
    """Ephemeral GX context (nothing written to a GX project folder) with a Data Docs site in docs_dir."""
    # before the import: importing GX logs ~200 "Skipping registering function" lines at INFO
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if docs_dir is not None:
        ctx.add_data_docs_site(site_name=DOCS_SITE, site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
    return ctx


DOCS_SITE = "news_etl"


def load_suite(table: str):
    import great_expectations as gx

    return gx.ExpectationSuite(**json.loads((EXPECTATIONS_DIR / f"{table}.json").read_text()))


def _describe(cfg) -> str:
    """One line for the quarantine: the suite's description (when it has one) and the expectation call."""
    kw = {k: v for k, v in cfg.kwargs.items() if k not in ("batch_id", "result_format")}
    if isinstance(kw.get("value_set"), list) and len(kw["value_set"]) > 8:
        kw["value_set"] = f"<{len(kw['value_set'])} values>"
    if isinstance(kw.get("value_set"), dict):
        kw["value_set"] = kw["value_set"].get("$PARAMETER", kw["value_set"])
    args = ", ".join(f"{k}={v}" for k, v in kw.items())
    call = f"{cfg.type}({args})"
    return f"{cfg.description} [{call}]" if getattr(cfg, "description", None) else call


# table -> (column, helper column, the ids it must be among: a key of the `known` dict in validate_tables)
REFERENCES = {
    "entity_aliases": [("entity_id", "_entity_id_known", "entity_ids")],
    "entity_mentions": [("article_id", "_article_id_known", "article_ids"), ("entity_id", "_entity_id_known", "entity_ids")],
    "quotes": [("article_id", "_article_id_known", "article_ids"),
               ("speaker_entity_id", "_speaker_entity_id_known", "entity_ids")],
    "topic_terms": [("topic_id", "_topic_id_known", "topic_ids")],
    "article_topics": [("article_id", "_article_id_known", "all_article_ids"), ("topic_id", "_topic_id_known", "topic_ids")],
}


def _with_reference_checks(table: str, df: pl.DataFrame, known: dict[str, pl.Series]) -> pl.DataFrame:
    """Boolean helper columns for foreign keys, checked by the suites with value_set [true]: a join
    in Polars instead of a GX value_set of thousands of ids (GX copies the set per metric: seconds)."""
    cols = []
    for column, helper, ids in REFERENCES.get(table, []):
        if column not in df.columns:
            continue
        known_ids = known[ids]
        ok = pl.col(column).is_in(known_ids.implode()) if known_ids.len() else pl.lit(False)
        if column == "speaker_entity_id":  # optional reference
            ok = pl.col(column).is_null() | ok
        cols.append(ok.fill_null(False).alias(helper))
    return df.with_columns(cols) if cols else df


def _with_offset_checks(df: pl.DataFrame, texts: pl.DataFrame) -> pl.DataFrame:
    """Helper columns so offsets can be checked against articles.text by plain GX expectations."""
    joined = df.with_row_index("_row").join(texts, on="article_id", how="left")
    return joined.with_columns(
        pl.col("_article_text").str.len_chars().fill_null(-1).alias("_text_len"),
        (pl.col("_article_text").str.slice(pl.col("start_char"), pl.col("end_char") - pl.col("start_char"))
         == pl.col("text")).fill_null(False).alias("_span_matches"),
    ).sort("_row").drop("_row", "_article_text")


class Validator:
    """Runs the suites on one run's staged tables with one ephemeral GX context."""

    def __init__(self, docs_dir: Path | None = None, run_name: str | None = None) -> None:
        self.docs_dir = docs_dir
        self.run_name = run_name
        self.ctx = _context(docs_dir)
        self.source = self.ctx.data_sources.add_pandas("news_etl")

    def check(self, table: str, df: pl.DataFrame, params: dict) -> Outcome:
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier

        batch_def = self.source.add_dataframe_asset(table).add_batch_definition_whole_dataframe(table)
        suite = self.ctx.suites.add(load_suite(table))
        definition = self.ctx.validation_definitions.add(
            gx.ValidationDefinition(name=f"{table}_before_load", data=batch_def, suite=suite))
        result = definition.run(
            batch_parameters={"dataframe": df.to_pandas(use_pyarrow_extension_array=False)},
            expectation_parameters=params, result_format={"result_format": "COMPLETE"},
            run_id=RunIdentifier(run_name=self.run_name) if self.run_name else None,
        )
        bad: dict[int, list[str]] = {}
        failed: list[str] = []
        for r in result.results:
            if r.success:
                continue
            desc = _describe(r.expectation_config)
            failed.append(desc)
            exc = (r.exception_info or {}).get("exception_message") if r.exception_info else None
            indices = (r.result or {}).get("unexpected_index_list")
            if exc or indices is None:
                raise BatchUnusable(f"{table}: {desc} failed for the whole batch{': ' + exc if exc else ''}")
            for i in indices:
                bad.setdefault(int(i), []).append(desc)
        if not bad:
            return Outcome(df, _empty_quarantine(), len(result.results), failed)
        mask = pl.Series([i in bad for i in range(df.height)])
        rows = df.filter(mask)
        reasons = [f"failed {'; '.join(bad[i])}" for i in sorted(bad)]
        quarantined = pl.DataFrame({
            "table_name": [table] * rows.height,
            "article_id": rows["article_id"] if "article_id" in rows.columns else [None] * rows.height,
            "reason": reasons,
            "row_json": [json.dumps(r, default=str) for r in rows.to_dicts()],
        }, schema=_QUARANTINE_SCHEMA)
        return Outcome(df.filter(~mask), quarantined, len(result.results), failed)

    def build_docs(self) -> Path | None:
        """Render this run's validation results as HTML that opens offline; return the index page."""
        if self.docs_dir is None:
            return None
        started = time.time_ns()
        self.ctx.build_data_docs(site_names=[DOCS_SITE])
        data_docs.make_offline(self.docs_dir, since_ns=started)
        return self.docs_dir / "index.html"


_QUARANTINE_SCHEMA = {"table_name": pl.String, "article_id": pl.String, "reason": pl.String, "row_json": pl.String}


def _empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(schema=_QUARANTINE_SCHEMA)


def validate_tables(tables: dict[str, pl.DataFrame], existing_article_ids: list[str], expected_articles: int,
                    docs_dir: Path | None = None, run_name: str | None = None,
                    existing_topic_ids: list[int] | None = None,
                    ) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, Path | None]:
    """Validate staged tables in dependency order; return (good rows per table, quarantine, Data Docs index).

    expected_articles is what the plan staged: a different count means rows went missing between tasks.
    existing_topic_ids: the warehouse's topics, for article_topics staged without a refit.
    """
    v: Validator | None = None  # GX is slow to import: only start it when there is something to check
    good: dict[str, pl.DataFrame] = {}
    quarantine = [_empty_quarantine()]
    params: dict[str, object] = {"entity_labels": ENTITY_LABELS, "n_articles": expected_articles}
    known = {"article_ids": pl.Series([], dtype=pl.String), "entity_ids": pl.Series([], dtype=pl.String),
             "topic_ids": pl.Series(existing_topic_ids or [], dtype=pl.Int64), "all_article_ids": pl.Series(existing_article_ids, dtype=pl.String)}
    texts = pl.DataFrame(schema={"article_id": pl.String, "_article_text": pl.String})
    for table in ORDER:
        if table not in tables:
            continue
        df = tables[table]
        df = _with_reference_checks(table, df, known)
        if table in ("entity_mentions", "quotes"):
            df = _with_offset_checks(df, texts)
        if df.is_empty():
            out = Outcome(df, _empty_quarantine())
        else:
            v = v or Validator(docs_dir, run_name)
            out = v.check(table, df, params)
        quarantine.append(out.quarantined)
        good[table] = out.good.drop([c for c in out.good.columns if c.startswith("_")])
        if table == "articles":
            known["article_ids"] = good["articles"]["article_id"]
            known["all_article_ids"] = pl.concat([known["all_article_ids"], known["article_ids"]]).unique()
            texts = good["articles"].select("article_id", pl.col("text").alias("_article_text"))
        elif table == "entities":
            known["entity_ids"] = good["entities"]["entity_id"]
        elif table == "topics":
            known["topic_ids"] = good["topics"]["topic_id"].cast(pl.Int64)
    docs = v.build_docs() if v else None
    return good, pl.concat(quarantine), docs
