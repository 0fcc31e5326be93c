"""Process pools for the stages that use every core: started the cheapest safe way, each
process's SIGTERM reset, and fed a bounded number of tasks at a time."""

from __future__ import annotations

import collections
import multiprocessing
import multiprocessing.pool
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from copytrace.allocator import reuse_freed_memory

Task = TypeVar("Task")
Result = TypeVar("Result")


def bounded_map(
    submit: Callable[[Task], Callable[[], Result]], tasks: Iterable[Task], ahead: int
) -> Iterator[Result]:
    """The results of ``tasks``, in order, each handed to ``submit`` (which starts it and
    gives what waits for its result) only while fewer than ``ahead`` are in flight: tasks are
    taken from their iterator as the work goes on, not all at once."""
    pending: collections.deque[Callable[[], Result]] = collections.deque()
    for task in tasks:
        pending.append(submit(task))
        if len(pending) >= ahead:
            yield pending.popleft()()
    while pending:
        yield pending.popleft()()


def bounded_imap(
    pool: multiprocessing.pool.Pool,
    function: Callable[[Task], Result],
    tasks: Iterable[Task],
    ahead: int,
) -> Iterator[Result]:
    """``pool.imap`` with at most ``ahead`` tasks in flight (:func:`bounded_map`). The pool's
    own imap reads its task iterator to the end at once, which would put a whole corpus's
    texts in its queue."""
    return bounded_map(lambda task: pool.apply_async(function, (task,)).get, tasks, ahead)


def worker_init() -> None:
    """Run first in every pool process: SIGTERM, which the pool sends its processes when it
    closes, takes its default action (a handler the CLI set for the main process would be
    run only between bytecodes, and a process waiting on the pool's queue would never exit);
    freed arrays are kept for reuse (:func:`copytrace.allocator.reuse_freed_memory`)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    reuse_freed_memory()


def process_pool(workers: int) -> multiprocessing.pool.Pool:
    """A pool of ``workers`` processes, each started with :func:`worker_init`."""
    # fork shares the parent's imports at no cost; elsewhere spawn is the only safe choice
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method).Pool(workers, initializer=worker_init)
