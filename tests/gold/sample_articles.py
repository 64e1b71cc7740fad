"""Draw the articles of the own gold's new annotation round at random, reproducibly.

Why a script: which articles get annotated must not be hand-picked (easy articles would flatter the
figures), and anyone must be able to redraw the same list. Articles already used by the project
(earlier gold, `seeds/`, test fixtures) are excluded, so none of the drawn ones has been read while
writing rules. Each drawn article becomes a skeleton gold record (`text` = the headline and whole
body paragraphs up to about 2,000 characters, as the earlier gold's excerpts) with its `split`:
the first `--check` drawn go to `check` (only ever scored), the rest to `tune`.

    python tests/gold/sample_articles.py --corpus ../shared/corpus/news --out skeleton.jsonl
    python tests/gold/sample_articles.py --seed 20261205 --n 40 --check 0 --out round3.jsonl
    python tests/gold/sample_articles.py --seed 20261207 --n 30 --check 12 --out round4.jsonl
    python tests/gold/sample_articles.py --seed 20261208 --n 30 --check 30 --out round5.jsonl
    python tests/gold/sample_articles.py --seed 20261209 --n 40 --check 10 --out round6.jsonl
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SEED = 20261201
SEED_ROUND3 = 20261205
SEED_ROUND4 = 20261207
SEED_ROUND5 = 20261208
SEED_ROUND6 = 20261209
ROOT = Path(__file__).resolve().parents[2]
ATTRIBUTION = "BBC News via ZitRos/news-articles-dataset, MIT; see tests/gold/README.md"


def used_elsewhere() -> set[str]:
    """Corpus file names (category/slug.txt) the project already ships or annotated."""
    used = set()
    for folder in (ROOT / "seeds" / "bbc", ROOT / "tests" / "fixtures" / "corpus" / "news"):
        used |= {f"{p.parent.name}/{p.name}" for p in folder.glob("*/*.txt")}
    for line in (ROOT / "tests" / "gold" / "corpus_gold.jsonl").read_text().splitlines():
        src = json.loads(line)["source"].split()[0]
        used.add("/".join(src.split("/")[-2:]))
    return used


def excerpt(raw: str, min_chars: int = 2000) -> str:
    """The headline and whole paragraphs until at least `min_chars` characters."""
    paras = [p for p in raw.replace("\r\n", "\n").split("\n\n")]
    out: list[str] = []
    for p in paras:
        out.append(p)
        if sum(len(x) + 2 for x in out) >= min_chars and len(out) > 1:
            break
    return "\n\n".join(out).rstrip() + "\n"


def draw(corpus: Path, n: int, n_check: int, seed: int = SEED) -> list[dict]:
    files = sorted(f"{p.parent.name}/{p.name}" for p in corpus.glob("*/*.txt"))
    candidates = [f for f in files if f not in used_elsewhere()]
    picked = random.Random(seed).sample(candidates, n)
    records = []
    for i, rel in enumerate(picked):
        text = excerpt((corpus / rel).read_text(encoding="utf-8"))
        records.append({
            "doc_id": rel.replace("/", "__"),
            "source": f"shared/corpus/news/{rel} ({ATTRIBUTION})",
            "split": "check" if i < n_check else "tune",
            "text": text,
            "title": text.split("\n", 1)[0],
            "boilerplate": [],
            "quotes": [],
            "entities": [],
        })
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "news")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--check", type=int, default=26)
    ap.add_argument("--seed", type=int, default=SEED,
                    help=f"random seed: {SEED} drew round 2, {SEED_ROUND3} round 3 (after round 2 was added), "
                         f"{SEED_ROUND4} round 4 (--n 30 --check 12, after round 3 was added), "
                         f"{SEED_ROUND5} round 5 (--n 30 --check 30, after round 4 was added), "
                         f"{SEED_ROUND6} round 6 (--n 40 --check 10, after round 5 was added)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    with args.out.open("w", encoding="utf-8") as fh:
        for rec in draw(args.corpus, args.n, args.check, args.seed):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
