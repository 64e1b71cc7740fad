"""The benchmark (bench/run.py, `make bench`): its helpers, and a --quick smoke run whose JSON must
carry every figure. No wall-clock assertion anywhere: the figures depend on the machine."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

BENCH = ROOT / "bench" / "run.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_run", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_parse_sizes(bench):
    assert bench.parse_sizes("16,1, 4") == [1, 4, 16]
    with pytest.raises(Exception):
        bench.parse_sizes("0,2")


def test_limit_takes_articles_from_every_folder(bench):
    files = bench.source_files(SEEDS / "bbc", limit=5)
    assert len(files) == 5
    assert len({f.parent for f in files}) == 5  # one per category


def test_copies_have_distinct_bytes_but_the_same_cleaned_text(bench, tmp_path):
    from etl.extract import extract

    files = bench.source_files(SEEDS / "bbc", limit=2)
    assert bench.replicate(SEEDS / "bbc", tmp_path, 3, files) == 6
    ex = extract(tmp_path)
    assert not ex.rejected  # no copy is rejected as a duplicate of another
    assert len(ex.articles) == 6 and len({a.article_id for a in ex.articles}) == 6
    from etl.clean import clean_text

    assert len({clean_text(a.text) for a in ex.articles}) == 2


def test_parse_airflow_log(bench):
    log = "\n".join([
        "2026-01-01T00:00:00.000000Z [info ] [DAG TEST] starting task_id=plan map_index=-1 [x] loc=dag.py:1",
        "2026-01-01T00:00:05.000000Z [info ] ::endgroup::   [task] loc=task_runner.py:2232",
        "2026-01-01T00:00:06.900000Z [info ] plan: 10 new, 0 changed, 0 deleted, 0 unchanged, 0 rejected, 1 shard(s); "
        "extract 1.20 s, clean 0.50 s, diff 0.30 s [etl.stages] loc=stages.py:136",
        "2026-01-01T00:00:07.000000Z [info ] Done. Returned value was: {} [x]",
        "2026-01-01T00:00:07.500000Z [info ] [DAG TEST] end task task_id=plan map_index=-1 [x]",
        "2026-01-01T00:00:08.000000Z [info ] [DAG TEST] starting task_id=nlp map_index=0 [x]",
        "2026-01-01T00:00:08.100000Z [info ] ::endgroup::   [task]",
        "2026-01-01T00:00:18.000000Z [info ] nlp shard_0000.parquet: 10 articles, 5000 words in 9.8 s "
        "(510 words/s, 2 process(es)); 3 mentions, 1 quotes [etl.stages]",
        "2026-01-01T00:00:18.100000Z [info ] Done. Returned value was: {} [x]",
        "2026-01-01T00:00:18.200000Z [info ] [DAG TEST] end task task_id=nlp map_index=0 [x]",
    ])
    p = bench.parse_airflow_log(log)
    assert p["tasks"]["plan"] == {"slot_s": 7.5, "code_s": 2.0, "count": 1}
    assert p["tasks"]["nlp"]["code_s"] == pytest.approx(10.0)
    assert p["nlp_shards"] == [{"shard": "shard_0000", "articles": 10, "words": 5000, "seconds": 9.8, "processes": 2}]
    assert p["plan_split"] == {"extract": 1.2, "clean": 0.5, "diff": 0.3}
    split = bench.stage_split(p["tasks"], 20.0, plan_split=p["plan_split"])
    assert (split["extract"], split["clean"], split["plan: diff and staging"]) == (1.2, 0.5, 0.3)
    assert split["outside stages (airflow + cli)"] == pytest.approx(8.0)


def test_targets(bench):
    t = bench.check_targets({"overhead_ratio": 0.9, "parallel_scaling": 1.2, "no_change_ratio": None})
    assert t["overhead_ratio"]["met"] is True
    assert t["parallel_scaling"]["met"] is False
    assert t["no_change_ratio"]["met"] is None
    assert set(t) == set(bench.TARGETS)


def test_overhead_is_the_median_of_back_to_back_pairs(bench):
    full = {"dag_run_s": 50.0, "wall_s": 55.0, "foreign_load_cores": 0.1}
    base = {"nlp_s": 40.0, "words_per_s": 1000.0, "foreign_load_cores": 0.0}
    pair = bench.overhead_pair(40_000, full, base)
    assert pair["ratio"] == 0.8 and pair["dag_run_s"] == 50.0  # 800 words/s over 1000
    assert bench.median([0.9, 0.7, 0.8]) == 0.8 and bench.median([0.8, 0.9]) == 0.85


@pytest.mark.slow
def test_quick_run_writes_every_figure(tmp_path, bench):
    """`bench/run.py --quick` on a few seed articles (stages in-process, no Airflow: the Airflow
    path is what test_e2e_airflow.py runs); the JSON has every key `make bench` reports."""
    corpus = tmp_path / "corpus"
    for cat in ("business", "politics"):
        (corpus / cat).mkdir(parents=True)
        for f in sorted((SEEDS / "bbc" / cat).glob("*.txt"))[:2]:
            shutil.copy(f, corpus / cat / f.name)
    results = tmp_path / "results"
    proc = subprocess.run([sys.executable, str(BENCH), "--corpus", str(corpus), "--quick", "--runner", "local",
                           "--sizes", "1", "--overhead-repeats", "2", "--results-dir", str(results), "--workdir", str(tmp_path / "work")],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]  # 1 = a target missed
    assert "ratios:" in proc.stdout
    data = json.loads((results / "latest.json").read_text())
    stamped = [p for p in results.glob("*.json") if p.name != "latest.json"]
    assert len(stamped) == 1 and json.loads(stamped[0].read_text()) == data
    assert data["complete"] is True and data["errors"] == []
    for key in ("cpu_model", "cores_logical", "cores_usable", "ram_gb", "python", "packages"):
        assert data["machine"][key], key
    assert data["machine"]["packages"]["spacy"] and data["machine"]["packages"]["apache-airflow"]
    size = data["sizes"]["1"]
    assert size["articles"] == 4 and size["words"] > 0
    for run in ("full", "no_change", "one_edit"):
        for key in ("wall_s", "cpu_s", "peak_rss_mb", "peak_pss_mb", "max_child_rss_mb", "stages"):
            assert key in size[run], (run, key)
        assert size[run]["peak_rss_mb"] > 0
    for key in ("baseline_pipe", "overhead_ratio", "no_change_ratio", "one_edit_ratio", "one_edit_marginal_s"):
        assert key in size, key
    assert set(size["full"]["stages"]) >= {"extract", "clean", "plan: diff and staging", "nlp", "canonicalise",
                                          "topics", "validate", "load"}
    sc = data["nlp_scaling"]
    for key in ("pipe_n1", "pipe_n2", "annotate_n1", "annotate_n2", "scaling_pipe", "scaling_annotate"):
        assert key in sc, key
    assert set(data["targets"]) == {"overhead_ratio", "parallel_scaling", "no_change_ratio", "one_edit_growth",
                                    "time_growth_per_x", "peak_rss_gb"}
    for key in ("overhead_ratio", "parallel_scaling", "no_change_ratio", "peak_rss_gb", "time_growth_per_x",
                "one_edit_growth"):
        assert key in data["ratios"], key
    assert data["ratios"]["overhead_ratio"] > 0 and data["ratios"]["parallel_scaling"] > 0
    pairs = data["ratios"]["overhead_ratio_pairs"]
    assert len(pairs) == 2 and len(size["overhead_pairs"]) == 2
    assert data["ratios"]["overhead_ratio"] == bench.median(pairs)
    assert set(data["missed"]) == {n for n, t in data["targets"].items() if t["met"] is False}
