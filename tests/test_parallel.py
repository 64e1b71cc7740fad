"""etl.parallel.map_chunks: forked workers for per-article Python loops."""
from __future__ import annotations

import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from etl import parallel


def _double_with_pid(items):
    return [(os.getpid(), x * 2) for x in items]


def _die(items):
    os._exit(3)


def test_results_in_order_from_forked_workers():
    out = parallel.map_chunks(_double_with_pid, list(range(1001)), min_items=10)
    assert [v for _, v in out] == [x * 2 for x in range(1001)]
    pids = {p for p, _ in out}
    if parallel.cores() > 1:
        assert os.getpid() not in pids and len(pids) == min(parallel.cores(), 1001 // 5)
    else:
        assert pids == {os.getpid()}


def test_small_inputs_run_in_this_process():
    out = parallel.map_chunks(_double_with_pid, [1, 2, 3], min_items=400)
    assert out == [(os.getpid(), 2), (os.getpid(), 4), (os.getpid(), 6)]


@pytest.mark.skipif(parallel.cores() < 2, reason="needs two cores to fork workers")
def test_a_dead_worker_fails_the_call_instead_of_hanging():
    with pytest.raises(BrokenProcessPool):
        parallel.map_chunks(_die, list(range(100)), min_items=10)
