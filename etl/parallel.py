"""Forked worker processes for the CPU-bound Python loops of a stage.

The stages around the NLP run one Python loop per article (cleaning in plan, tokenising for the
topics); one core sits idle meanwhile. map_chunks splits such a loop into contiguous chunks run by
forked workers, which inherit everything already imported and loaded.
"""
from __future__ import annotations

import os
import signal
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def worker_init() -> None:
    """A forked worker must die on SIGTERM. It inherits the task runner's Python handler, under
    which workers of a terminated pool did not exit and the task hung (seen in a benchmark run)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def fork_executor(n: int):
    """A ProcessPoolExecutor of n forked workers: a worker that dies fails the call with
    BrokenProcessPool instead of leaving it waiting for ever."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"), initializer=worker_init)


def map_chunks(fn: Callable[[Sequence[T]], list[R]], items: Sequence[T], *, min_items: int = 400) -> list[R]:
    """fn(items) computed as fn over contiguous chunks in forked workers, results concatenated in order.

    fn maps a sequence to a list of the same length. Below min_items, or on one core, it runs here:
    forking and pickling the results back cost more than they save on small inputs."""
    n = min(cores(), len(items) // max(min_items // 2, 1))
    if n <= 1:
        return fn(items)
    step = -(-len(items) // n)
    chunks = [items[i : i + step] for i in range(0, len(items), step)]
    with fork_executor(len(chunks)) as ex:
        return [r for part in ex.map(fn, chunks) for r in part]
