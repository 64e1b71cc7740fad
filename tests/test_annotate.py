"""etl.nlp.annotate's worker processes: kept across calls until released; a worker that dies or is
signalled fails the call (the task then fails and Airflow retries it), never leaving it waiting."""

from __future__ import annotations

import os
import signal
from concurrent.futures.process import BrokenProcessPool

import polars as pl
import pytest

import etl.nlp as nlp_mod

ARTICLES = pl.DataFrame({"article_id": [f"a{i}" for i in range(8)],
                         "text": [f"Tony Blair said on day {i} that the plan would work." for i in range(8)]})


def _die(*_args):
    os._exit(3)


def _terminated(*_args):
    os.kill(os.getpid(), signal.SIGTERM)


def test_parts_are_shared_out_and_output_keeps_article_order():
    m, q = nlp_mod.annotate(ARTICLES, n_process=2)
    assert q["article_id"].to_list() == ARTICLES["article_id"].to_list()
    assert m.filter(pl.col("text") == "Tony Blair").height == 8


@pytest.mark.parametrize("worker", [_die, _terminated])
def test_a_lost_worker_fails_the_call(monkeypatch, worker):
    # a SIGTERM handler like the one a task runner installs must not keep a worker alive
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    monkeypatch.setattr(nlp_mod, "_annotate_rows", worker)
    try:
        with pytest.raises(BrokenProcessPool):
            nlp_mod.annotate(ARTICLES, n_process=2)
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_workers_are_kept_between_calls_until_released():
    """The shards of one run in one process reuse the forked workers; the next stage ends them."""
    nlp_mod.annotate(ARTICLES, n_process=2)
    pool = nlp_mod._POOL[1]
    pids = set(pool._processes)
    assert len(pids) == 2
    nlp_mod.annotate(ARTICLES.reverse(), n_process=2)
    assert nlp_mod._POOL[1] is pool and set(pool._processes) == pids
    nlp_mod.release_workers()
    assert nlp_mod._POOL is None
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_parts_cover_every_text_once_and_shrink_towards_the_end():
    texts = ["x" * (500 + (i * 37) % 4000) for i in range(334)]
    parts = nlp_mod._shrinking_parts(texts, 2)
    assert parts[0][0] == 0 and parts[-1][1] == len(texts)
    assert all(a < b and b == c for (a, b), (c, _) in zip(parts, parts[1:] + [(len(texts), None)]))
    sizes = [sum(map(len, texts[a:b])) for a, b in parts]
    assert sizes[0] > 0.2 * sum(sizes) and max(sizes[-3:]) < 0.03 * sum(sizes)  # big first, small last
    assert nlp_mod._shrinking_parts(texts, 1) == [(0, len(texts))]
    assert nlp_mod._shrinking_parts(["one"], 2) == [(0, 1)]
    assert nlp_mod._shrinking_parts(["", ""], 2) == [(0, 2)]
