"""Forked worker processes for the parts of a build: results as they finish, a worker that dies
an error rather than a wait forever, and nothing left running when the build is interrupted.

Workers are forked, so they inherit what the caller set up (the catalog, the build) instead of
having it pickled: only for a single-threaded caller such as `feeds build` (a server's watcher
thread must not fork)."""
from __future__ import annotations

import gc
import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class WorkerDied(Exception):
    """A worker process ended without finishing its part (killed, out of memory, crashed)."""


# processes for a build, the main one included: each worker holds some 90 MB of its own at 20,000
# items (forked, the rest is shared), and two to four already keep the disk busy
MAX_PROCESSES = 8


def build_processes() -> int:
    """One process per core this process may run on (its affinity, which containers and taskset
    narrow), at most MAX_PROCESSES."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(cores, MAX_PROCESSES)


def _in_worker() -> None:
    # Ctrl-C reaches the whole process group: the main process stops the workers, so they stay
    # quiet instead of each printing a traceback; SIGTERM stops a worker at once (feeds build
    # turns it into an exit in the main process only)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def _pool(processes: int) -> Iterator[ProcessPoolExecutor]:
    executor = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"), initializer=_in_worker)
    finished = False
    try:
        yield executor
        finished = True
    except BrokenProcessPool:
        raise WorkerDied("a worker process died before finishing its part (killed, or out of memory?)") from None
    finally:
        if finished:
            executor.shutdown(wait=True)
        else:  # interrupted or failed: stop the other workers now rather than after their parts
            executor.shutdown(wait=False, cancel_futures=True)
            stop_children()
            executor.shutdown(wait=True)  # its manager thread may have started a replacement meanwhile
            stop_children()


def stop_children() -> None:
    for child in multiprocessing.active_children():
        child.terminate()
    for child in multiprocessing.active_children():
        child.join()


def alongside(work: Callable[[T], R], tasks: Iterable[T], processes: int) -> Iterator[R]:
    """work(task) for every task, results as they finish, by `processes` - 1 forked workers and this
    process, which takes a task whenever every worker is busy. Using this process too saves a
    process for the same cores, and the memory it would hold: each worker ends up with its own
    copy of the pages it touches (100,000 items: 1.27 → 0.96 GB for the build).

    Workers take tasks from the front, this process from the back: callers put the longest first,
    and a worker that finishes waits for this process to finish its own task before it is handed
    the next, so that task had better be short."""
    pending = deque(tasks)
    if processes < 2:
        yield from map(work, pending)
        return
    with _pool(processes - 1) as executor:
        running: set = set()
        while pending or running:
            while pending and len(running) < processes - 1:
                running.add(executor.submit(work, pending.popleft()))
            if pending:  # every worker is busy: this process takes a task too
                yield work(pending.pop())
                done = {future for future in running if future.done()}
            else:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
            running -= done
            for future in done:
                yield future.result()


@contextmanager
def without_cycle_collection():
    """A build makes millions of objects that live until it ends and hold no cycles worth finding;
    Python's cycle collector walking them again and again made a 10,000-item render take twice as
    long (bench/build.py). Reference counting still frees everything as usual."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
