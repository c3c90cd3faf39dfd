"""Work done in worker processes, its results taken in the order it was given (`export --jobs N`).

workers() forks N worker processes, and in_order() hands them the tasks, at most
IN_FLIGHT_PER_JOB × N at a time, and yields every result in the order the tasks came: what
follows from the results (the staged files, the manifest, the report) is the same, byte for
byte, whatever N is, and only a few tasks (archive pages) are held at once. Without workers
(N = 1, or little to render) the tasks are done here, one after the other.

The workers are forked, before the export opens the store or takes OUT's lock: they inherit
neither the store's connection nor the lock. Two forked workers are ready in 0.02 s; from a
forkserver 0.3 s and spawned 0.5 to 0.7 s (measured on a 2-core machine), as each such process
imports what renders afresh and runs the program's __main__ again (which a script calling
export() without an `if __name__ == "__main__":` guard cannot survive). The time they take
together is the same (the rendering). Forking is safe only on Linux and where no other thread
could hold a lock at that moment: elsewhere the export renders in one process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from syndicate.errors import SyndicateError
from syndicate.workers import tie_to_parent

Task = TypeVar("Task")
Result = TypeVar("Result")

IN_FLIGHT_PER_JOB = 2
# An export that will render fewer items than this (each feed's limit, in each format) starts no
# worker: forking them and handing them the feeds costs more than they save (README, "Performance").
PARALLEL_FROM = 500


class WorkerStopped(SyndicateError):
    """A worker process ended before it returned its result (killed, out of memory)."""


@dataclass(frozen=True, slots=True)
class Workers:
    pool: ProcessPoolExecutor
    count: int


def default_jobs() -> int:
    """The number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


@contextmanager
def workers(jobs: int) -> Iterator[Workers | None]:
    """JOBS worker processes, forked now, for the block; None where they cannot be (see above)
    or JOBS is 1. Call it before opening anything a worker must not hold."""
    if jobs < 2 or sys.platform != "linux" or threading.active_count() > 1:
        yield None
        return
    # The heap the workers inherit is frozen: their collector leaves it alone, so they share it.
    thaw = gc.get_freeze_count() == 0  # unless the application froze some of it itself
    gc.freeze()
    pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("fork"), initializer=tie_to_parent, initargs=(os.getpid(),))
    try:
        pool.submit(int).result()  # the first task forks every worker
    except (OSError, BrokenProcessPool):  # they could not be started (a limit on processes or memory)
        pool.shutdown(wait=True)
        pool = None
    finally:
        if thaw:
            gc.unfreeze()
    try:
        yield Workers(pool, jobs) if pool is not None else None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def in_order(task: Callable[[Task], Result], tasks: Iterable[Task], *, workers: Workers | None,
             doing: str, holds: Callable[[Task], bool] = lambda _: True) -> Iterator[Result]:
    """TASK(t) for every t of TASKS, in their order, done by WORKERS (TASK and each t must then
    pickle) or here. Raises WorkerStopped, naming what it was DOING, if a worker ends without
    a result. HOLDS(t): whether t holds much (a page of articles) while it waits; only those
    count towards the tasks in flight, so that the slow tasks among many quick ones (the few
    changed pages of an archive) are done while the next ones are made, not one after the other."""
    if workers is None:
        yield from map(task, tasks)
        return
    pending: deque[tuple[Future[Result], bool]] = deque()
    holding = 0
    try:
        for each in tasks:
            held = holds(each)
            pending.append((workers.pool.submit(task, each), held))
            holding += held
            while holding >= IN_FLIGHT_PER_JOB * workers.count:
                future, held = pending.popleft()
                holding -= held
                yield future.result()
        while pending:
            yield pending.popleft()[0].result()
    except BrokenProcessPool as error:
        raise WorkerStopped(f"a process {doing} stopped before it finished ({error}); nothing was written") from None
    finally:
        for future, _ in pending:
            future.cancel()
