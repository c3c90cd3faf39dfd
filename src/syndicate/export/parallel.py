"""Work done in worker processes, its results taken in the order it was given (`export --jobs N`).

in_order() does each task here until the work done reaches PARALLEL_AFTER, then hands the rest
to N worker processes, at most IN_FLIGHT_PER_JOB × N tasks at a time, and yields every result in
the order the tasks came: what follows from the results (the staged files, the manifest, the
report) is the same, byte for byte, whatever N is, and only a few tasks (archive pages) are held
at once. With N = 1 no process is started.

The workers are started by the forkserver method: each is forked from a server process that was
started afresh (not forked from this one) with only the rendering modules imported. An export
renders while the store's records stream from an open connection, so a worker forked from this
process would hold a copy of that connection (a SQLite file, a PostgreSQL socket) and of whatever
lock another thread held at the fork; the server holds neither. It costs its start, once per
process (about 0.3 s on a 2-core machine), where a plain fork costs next to nothing; PARALLEL_AFTER
is chosen so that an export with little to render never pays it (README, "Performance").
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from syndicate.errors import SyndicateError

Task = TypeVar("Task")
Result = TypeVar("Result")

# The work (as COST measures it: items rendered) done here before worker processes are started.
PARALLEL_AFTER = 2000
IN_FLIGHT_PER_JOB = 2
# forkserver where there is one (see above), else spawn (neither copies this process).
START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
# What the server process imports before it forks each worker (and nothing else: not the
# command's own __main__).
_PRELOAD = ["syndicate.export.render"]


class WorkerStopped(SyndicateError):
    """A worker process ended before it returned its result (killed, out of memory)."""


def default_jobs() -> int:
    """The number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def _start_worker() -> None:
    """A worker ends with the server it was forked from, which ends with the exporting process
    (even one killed by SIGKILL); Ctrl-C is the exporting process's to handle."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _pool(jobs: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver":
        context.set_forkserver_preload(_PRELOAD)
    return ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker)


def in_order(task: Callable[[Task], Result], tasks: Iterable[Task], *, jobs: int, cost: Callable[[Result], int],
             doing: str) -> Iterator[Result]:
    """TASK(t) for every t of TASKS, in their order; once the COST of the results done here
    reaches PARALLEL_AFTER, in JOBS worker processes (TASK and each t must then pickle). Raises
    WorkerStopped, naming what it was DOING, if a worker ends without a result."""
    pool: ProcessPoolExecutor | None = None
    pending: deque[Future[Result]] = deque()
    done = 0

    def result(future: Future[Result]) -> Result:
        try:
            return future.result()
        except BrokenProcessPool as error:
            raise _stopped(doing, error) from None

    try:
        for each in tasks:
            if pool is None and jobs > 1 and done >= PARALLEL_AFTER:
                pool = _pool(jobs)
            if pool is not None:
                try:
                    pending.append(pool.submit(task, each))
                except BrokenProcessPool as error:
                    raise _stopped(doing, error) from None
                except OSError:  # no more processes could be started (a limit on processes or memory)
                    while pending:  # what the workers started goes first; the rest is done here
                        yield result(pending.popleft())
                    pool.shutdown(wait=True)
                    pool, jobs = None, 1
                else:
                    while len(pending) >= IN_FLIGHT_PER_JOB * jobs:
                        yield result(pending.popleft())
                    continue
            outcome = task(each)
            done += cost(outcome)
            yield outcome
        while pending:
            yield result(pending.popleft())
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _stopped(doing: str, error: BrokenProcessPool) -> WorkerStopped:
    return WorkerStopped(f"a process {doing} stopped before it finished ({error}); nothing was written")
