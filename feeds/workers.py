"""Forked worker processes for the parts of a build: results as they finish, a worker that dies
an error rather than a wait forever, and nothing left running when the build is interrupted.

Workers are forked, so they inherit what the caller set up (the catalog, the build) instead of
having it pickled: only for a single-threaded caller such as `feeds build` (a server's watcher
thread must not fork)."""
from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class WorkerDied(Exception):
    """A worker process ended without finishing its part (killed, out of memory, crashed)."""


def cores() -> int:
    """The cores this process may run on (its affinity, which containers and taskset narrow)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _in_worker() -> None:
    # Ctrl-C reaches the whole process group: the main process stops the workers, so they stay
    # quiet instead of each printing a traceback; SIGTERM stops a worker at once (feeds build
    # turns it into an exit in the main process only)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def forked(work: Callable[[T], R], tasks: Iterable[T], processes: int, ordered: bool = True) -> Iterator[Iterator[R]]:
    """work(task) for every task in forked processes, started at once; the block gets the results,
    in task order or as they finish, while the workers run alongside it."""
    executor = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"), initializer=_in_worker)
    finished = False
    try:
        futures = [executor.submit(work, task) for task in tasks]
        yield (future.result() for future in (futures if ordered else as_completed(futures)))
        finished = True
    except BrokenProcessPool:
        raise WorkerDied("a worker process died before finishing its part (killed, or out of memory?)") from None
    finally:
        if finished:
            executor.shutdown(wait=True)
        else:  # interrupted or failed: stop the other workers now rather than after their parts
            executor.shutdown(wait=False, cancel_futures=True)
            for child in multiprocessing.active_children():
                child.terminate()
            for child in multiprocessing.active_children():
                child.join()
