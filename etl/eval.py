"""`news-etl eval --gold FILE.jsonl`: score the NLP stage against hand-annotated gold.

Scoring (shared/gold/README.md):
- quotes: a prediction matches a gold quote of the same document when their word sets (lower-cased,
  punctuation and quotation marks stripped) overlap by at least half of the longer set; one-to-one
  matching (greedy, best overlap first); kinds are ignored for matching. Unmatched predictions that
  match an `ignore` text are neither true nor false positives.
- speaker_accuracy: matched pairs (less `speaker_unscored`) whose predicted speaker - the canonical
  name of speaker_entity_id, else speaker_text - contains the gold speaker's last word
  (case-insensitive); a gold null speaker needs a null prediction.
- entities (documents with gold entities only): a gold alias is found when a mention of the document
  has exactly that text and the gold label. recall = found aliases / gold aliases;
  precision = distinct predicted (text, label) pairs per document that equal a gold alias, over the
  distinct predicted (text, label) pairs whose label is in the document's gold label set (our choice:
  labels the gold does not annotate, e.g. NORP when no NORP entity is listed, are not counted).
  canonical_accuracy = share of gold entities with at least one found alias whose found aliases all
  map to one predicted entity that no other gold entity's aliases map to (an entity with no alias
  found counts as wrong).
The NLP runs over each gold document's raw `text` (no cleaning), and entities are canonicalised over
all documents of the file together (as one nightly batch), starting from an empty alias table.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import polars as pl

_STRIP = re.compile(r"[^\w\s]")
KINDS = ("direct", "mixed", "indirect")
# A gold speaker that is only a pronoun ("He"): the gold names nobody (PolNeAR's converter marks
# "he" speaker_unscored but not a sentence-initial "He"). Reported apart, as a diagnostic.
BARE_PRONOUNS = frozenset("he she i it they we you him her them".split())


def bare_pronoun(speaker: str | None) -> bool:
    return bool(speaker) and str(speaker).strip().lower() in BARE_PRONOUNS


def words(s: str) -> frozenset[str]:
    return frozenset(_STRIP.sub(" ", (s or "").lower().replace("’", "'").replace("'", "")).split())


def overlaps(a: frozenset[str], b: frozenset[str]) -> float:
    """Overlap relative to the longer set; a match needs >= 0.5."""
    if not a or not b:
        return 0.0
    return len(a & b) / max(len(a), len(b))


def match(pred_words: list[frozenset], gold_words: list[frozenset]) -> list[tuple[int, int]]:
    pairs = []
    for i, p in enumerate(pred_words):
        for j, g in enumerate(gold_words):
            o = overlaps(p, g)
            if o >= 0.5:
                pairs.append((o, i, j))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_p, used_g, out = set(), set(), []
    for o, i, j in pairs:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        out.append((i, j))
    return out


def speaker_ok(pred: str | None, gold: str | None) -> bool:
    if gold is None or str(gold).strip() == "":
        return pred is None or str(pred).strip() == ""
    if pred is None:
        return False
    last = str(gold).strip().split()[-1].strip(".,;:").lower()
    return last in str(pred).lower()


def _prf(tp_p: int, n_pred: int, tp_g: int, n_gold: int) -> dict:
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_g / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def load_gold(path: Path, limit: int | None = None) -> list[dict]:
    docs = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                docs.append(json.loads(line))
            if limit and len(docs) >= limit:
                break
    return docs


def predict(docs: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Run annotate + canonicalise + link_speakers; return (mentions_with_ids, entities, quotes)."""
    from etl.nlp import annotate
    from etl.nlp.canonical import ALIAS_SCHEMA, canonicalise, link_speakers

    arts = pl.DataFrame(
        {"article_id": [str(i) for i in range(len(docs))], "text": [d.get("text") or "" for d in docs]},
        schema={"article_id": pl.String, "text": pl.String},
    )
    mentions, quotes = annotate(arts)
    mw, ents, _aliases = canonicalise(mentions, pl.DataFrame(schema=ALIAS_SCHEMA))
    quotes = link_speakers(quotes, mw)
    quotes = quotes.join(
        ents.select("entity_id", pl.col("name").alias("speaker_name")),
        left_on="speaker_entity_id",
        right_on="entity_id",
        how="left",
    )
    return mw, ents, quotes


def score(docs: list[dict], mw: pl.DataFrame, quotes: pl.DataFrame, per_doc: bool = False,
          ids: list[str] | None = None) -> dict:
    """Figures for docs; ids are their article ids in mw/quotes (default: their positions)."""
    ids = ids if ids is not None else [str(i) for i in range(len(docs))]
    q_by_doc = defaultdict(list)
    for row in quotes.sort("article_id", "start_char").iter_rows(named=True):
        q_by_doc[row["article_id"]].append(row)
    m_by_doc = defaultdict(list)
    for row in mw.select("article_id", "text", "label", "entity_id").iter_rows():
        m_by_doc[row[0]].append(row[1:])

    n_pred = n_gold = n_match = 0
    sp_n = sp_ok = 0
    named_n = named_ok = 0  # pairs whose gold speaker is not a bare pronoun
    kind_stats = {k: {"gold": 0, "pred": 0, "tp_gold": 0, "tp_pred": 0, "sp_n": 0, "sp_ok": 0} for k in KINDS}
    ent_gold_aliases = ent_found = 0
    ent_pred = ent_pred_ok = 0
    ent_n = ent_ok = 0
    ent_docs = 0
    errors = []
    for aid, d in zip(ids, docs):
        gq = d.get("quotes") or []
        pq = q_by_doc.get(aid, [])
        gw = [words(q.get("text", "")) for q in gq]
        pw = [words(q["text"]) for q in pq]
        pairs = match(pw, gw)
        matched_p = {i for i, _ in pairs}
        ign = [words(t) for t in (d.get("ignore") or [])]
        fp = [i for i in range(len(pq)) if i not in matched_p and not any(overlaps(pw[i], w) >= 0.5 for w in ign)]
        d_pred = len(matched_p) + len(fp)
        n_pred += d_pred
        n_gold += len(gq)
        n_match += len(pairs)
        for q in gq:
            kind_stats.get(q.get("kind"), kind_stats["indirect"])["gold"] += 1
        for i in list(matched_p) + fp:
            kind_stats.get(pq[i]["kind"], kind_stats["indirect"])["pred"] += 1
        d_sp_n = d_sp_ok = 0
        for i, j in pairs:
            ks = kind_stats.get(gq[j].get("kind"), kind_stats["indirect"])
            ks["tp_gold"] += 1
            kind_stats.get(pq[i]["kind"], kind_stats["indirect"])["tp_pred"] += 1
            if gq[j].get("speaker_unscored"):
                continue
            pred_sp = pq[i].get("speaker_name") or pq[i].get("speaker_text")
            ok = speaker_ok(pred_sp, gq[j].get("speaker"))
            sp_n += 1
            sp_ok += ok
            if not bare_pronoun(gq[j].get("speaker")):
                named_n += 1
                named_ok += ok
            d_sp_n += 1
            d_sp_ok += ok
            ks["sp_n"] += 1
            ks["sp_ok"] += ok
            if not ok:
                errors.append(("speaker", d.get("doc_id"), gq[j].get("kind"), gq[j].get("text", "")[:80],
                               gq[j].get("speaker"), pred_sp))
        gold_matched = {j for _, j in pairs}
        for j, q in enumerate(gq):
            if j not in gold_matched:
                errors.append(("missed", d.get("doc_id"), q.get("kind"), q.get("text", "")[:100], q.get("cue")))
        for i in fp:
            errors.append(("spurious", d.get("doc_id"), pq[i]["kind"], pq[i]["text"][:100], pq[i]["cue"]))
        # entities
        gents = d.get("entities") or []
        if gents:
            ent_docs += 1
            ments = m_by_doc.get(aid, [])
            by_text_label = defaultdict(set)
            for text, label, eid in ments:
                by_text_label[(text, label)].add(eid)
            gold_labels = {e.get("label") for e in gents}
            gold_pairs = {(a, e.get("label")) for e in gents for a in e.get("aliases") or []}
            pred_pairs = {k for k in by_text_label if k[1] in gold_labels}
            ent_pred += len(pred_pairs)
            ent_pred_ok += len(pred_pairs & gold_pairs)
            ent_of_gold = []
            for e in gents:
                al = list(dict.fromkeys(e.get("aliases") or []))
                ent_gold_aliases += len(al)
                found = [(a, e.get("label")) for a in al if (a, e.get("label")) in by_text_label]
                ent_found += len(found)
                eids = set().union(*[by_text_label[f] for f in found]) if found else set()
                ent_of_gold.append(eids)
                if not found:
                    errors.append(("entity-missing", d.get("doc_id"), e.get("name"), e.get("label"), al))
            for gi, eids in enumerate(ent_of_gold):
                ent_n += 1
                ok = len(eids) == 1 and not any(eids & o for gj, o in enumerate(ent_of_gold) if gj != gi)
                ent_ok += ok
                if eids and not ok:
                    errors.append(("entity-split/merged", d.get("doc_id"), gents[gi].get("name"), sorted(eids)))
        if per_doc:
            pr = _prf(len(pairs), d_pred, len(pairs), len(gq))
            print(
                f"doc {d.get('doc_id')}: gold {len(gq)} pred {d_pred} match {len(pairs)} "
                f"P {pr['precision']:.2f} R {pr['recall']:.2f} speaker {d_sp_ok}/{d_sp_n}"
            )
    qres = _prf(n_match, n_pred, n_match, n_gold)
    qres["speaker_accuracy"] = round(sp_ok / sp_n, 4) if sp_n else 0.0
    qres["n_gold"], qres["n_pred"], qres["n_matched"], qres["n_speaker_scored"] = n_gold, n_pred, n_match, sp_n
    qres["speaker_accuracy_named_gold"] = round(named_ok / named_n, 4) if named_n else None
    qres["n_speaker_bare_pronoun_gold"] = sp_n - named_n
    by_kind = {}
    for k, s in kind_stats.items():
        r = _prf(s["tp_pred"], s["pred"], s["tp_gold"], s["gold"])
        r.update(
            n_gold=s["gold"], n_pred=s["pred"], speaker_accuracy=round(s["sp_ok"] / s["sp_n"], 4) if s["sp_n"] else None
        )
        by_kind[k] = r
    qres["by_kind"] = by_kind
    eres = _prf(ent_pred_ok, ent_pred, ent_found, ent_gold_aliases)
    eres["canonical_accuracy"] = round(ent_ok / ent_n, 4) if ent_n else 0.0
    eres["n_gold_entities"], eres["n_gold_aliases"], eres["n_found_aliases"], eres["docs_with_entities"] = (
        ent_n,
        ent_gold_aliases,
        ent_found,
        ent_docs,
    )
    return {"quotes": qres, "entities": eres, "docs": len(docs), "_errors": errors}


def run_eval(gold_path: Path, *, limit: int | None = None, per_doc: bool = False, split: str | None = None) -> dict:
    """Score the whole file and, when its records carry a `split` (tune/check), each split apart."""
    docs = load_gold(Path(gold_path), limit)
    if split is not None:
        docs = [d for d in docs if d.get("split") == split]
    t0 = time.perf_counter()
    mw, _ents, quotes = predict(docs)
    elapsed = time.perf_counter() - t0
    res = score(docs, mw, quotes, per_doc=per_doc)
    splits = sorted({d["split"] for d in docs if d.get("split")})
    if len(splits) > 1:
        res["splits"] = {}
        for name in splits:
            idx = [i for i, d in enumerate(docs) if d.get("split") == name]
            part = score([docs[i] for i in idx], mw, quotes, ids=[str(i) for i in idx])
            part.pop("_errors")
            res["splits"][name] = {**part, "docs": len(idx)}
    n_words = sum(len((d.get("text") or "").split()) for d in docs)
    res["speed"] = {"seconds": round(elapsed, 2), "words": n_words, "words_per_second": round(n_words / elapsed) if elapsed else None}
    return res


def _print_figures(title: str, res: dict) -> None:
    q, e = res["quotes"], res["entities"]
    print(f"== {title}")
    print(
        f"quotes   all      P {q['precision']:.3f} R {q['recall']:.3f} F1 {q['f1']:.3f} "
        f"speaker {q['speaker_accuracy']:.3f} (gold {q['n_gold']}, pred {q['n_pred']}, matched {q['n_matched']})"
    )
    if q["n_speaker_bare_pronoun_gold"]:
        print(f"         speaker {q['speaker_accuracy_named_gold']:.3f} where the gold names the speaker "
              f"({q['n_speaker_bare_pronoun_gold']} of {q['n_speaker_scored']} scored gold speakers are a bare pronoun)")
    for k, s in q["by_kind"].items():
        sa = "-" if s["speaker_accuracy"] is None else f"{s['speaker_accuracy']:.3f}"
        print(
            f"quotes   {k:<8} P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f} "
            f"speaker {sa} (gold {s['n_gold']}, pred {s['n_pred']})"
        )
    if e["n_gold_entities"]:
        print(
            f"entities          P {e['precision']:.3f} R {e['recall']:.3f} F1 {e['f1']:.3f} "
            f"canonical {e['canonical_accuracy']:.3f} (gold entities {e['n_gold_entities']})"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="news-etl eval", description="Score quotes and entities against gold JSONL.")
    ap.add_argument("--gold", required=True, type=Path, help="gold JSONL file (shared/gold/README.md format)")
    ap.add_argument("--per-doc", action="store_true", help="print per-document figures")
    ap.add_argument("--limit", type=int, default=None, help="only the first N documents")
    ap.add_argument("--errors", action="store_true",
                    help="list errors per document: missed, spurious, wrong speaker (predicted vs gold), entities;"
                         " never for the `check` split unless --split check is given")
    ap.add_argument("--split", default=None, help="only the documents of this split (tune, check)")
    args = ap.parse_args(argv)
    if not args.gold.exists():
        print(f"gold file not found: {args.gold}", file=sys.stderr)
        return 2
    res = run_eval(args.gold, limit=args.limit, per_doc=args.per_doc, split=args.split)
    errors = res.pop("_errors")
    if args.errors:
        check = {d.get("doc_id") for d in load_gold(args.gold, args.limit) if d.get("split") == "check"}
        if check and args.split != "check":
            print(f"(errors of the {len(check)} `check` documents are not listed: that split is only scored)")
        last_doc = None
        for e in errors:
            if e[1] in check and args.split != "check":
                continue
            if e[1] != last_doc:
                print(f"== {e[1]}")
                last_doc = e[1]
            print("ERR", e[0], *e[2:], sep=" | ")
    _print_figures("all", res)
    for name, part in (res.get("splits") or {}).items():
        _print_figures(f"{name} ({part['docs']} docs)", part)
    print(f"speed    {res['speed']['words_per_second']} words/s ({res['speed']['words']} words, {res['speed']['seconds']} s)")
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
