"""Forked worker processes (the NLP stage's pool) and the cores they may use.

Only the NLP stage forks: its workers share the loaded model copy-on-write. Forking the Python loops
of the other stages (cleaning, topic tokenising) was tried: it saved 0.1-0.3 s at 1x, but each child
of a large parent shows the parent's resident pages, so the process tree's summed RSS (the memory
target of the benchmark) rose from 1.6 to 1.9 GB at 4x.
"""
from __future__ import annotations

import os
import signal


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
