"""Process pools for the stages that use every core: started the cheapest safe way (a
termination waits until the pool has started: see :mod:`copytrace.termination`), each
process's SIGTERM reset and tied to its parent's life, and fed a bounded number of tasks at a
time."""

from __future__ import annotations

import collections
import contextlib
import ctypes
import multiprocessing
import multiprocessing.pool
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from copytrace.allocator import reuse_freed_memory
from copytrace.termination import uninterrupted

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
    _end_with_parent()
    reuse_freed_memory()


#: ``prctl``'s option that asks for a signal when the process's parent ends (Linux)
_PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """On Linux, ask for SIGTERM when the parent process ends: a pool process waits for work
    on pipes that it holds open itself, so it would otherwise wait for ever if its parent were
    killed (SIGKILL, the kernel's out-of-memory killer) before it could close the pool."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # no C library: the pool still works
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it ended before it was asked
        os.kill(os.getpid(), signal.SIGTERM)


@contextlib.contextmanager
def process_pool(workers: int) -> Iterator[multiprocessing.pool.Pool]:
    """A pool of ``workers`` processes, each started with :func:`worker_init`, terminated as
    the block is left.

    A block left early (an error, a termination) first lets the tasks already given finish
    (there are few: see :func:`bounded_map`), their results read and dropped. Terminating at
    once can hang: :meth:`~multiprocessing.pool.Pool.terminate` stops reading results before
    it puts its own message on their queue, and a process that then writes a result larger
    than the pipe's buffer (a batch's fingerprints) waits for a reader for ever, holding the
    queue's lock, which ``terminate`` waits for. A second termination while they finish
    stops the command at once (the processes end with it: :func:`_end_with_parent`)."""
    # fork shares the parent's imports at no cost; elsewhere spawn is the only safe choice
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with uninterrupted():  # a pool left half started would never be closed
        pool = multiprocessing.get_context(method).Pool(workers, initializer=worker_init)
    try:
        yield pool
    except BaseException:
        pool.close()
        pool.join()
        raise
    finally:
        pool.terminate()
