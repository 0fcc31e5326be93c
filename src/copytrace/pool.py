"""Process pools for the stages that use every core: started the cheapest safe way (a stop
waits until the pool has started: see :mod:`copytrace.termination`), their processes deaf to
the stop signals, tied to their parent's life and watched for a death, fed a bounded number
of tasks at a time (tapered at both ends, so that the processes start and finish together),
through pipes wide enough for a result, and always closed, never terminated. One pool serves
the stages of a run (:class:`SharedPool`); its tasks run with the garbage collector paused."""

from __future__ import annotations

import collections
import contextlib
import ctypes
import functools
import gc
import itertools
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import multiprocessing.pool
import multiprocessing.process
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from copytrace.allocator import reuse_freed_memory
from copytrace.errors import WorkerError
from copytrace.termination import STOPS, uninterrupted

Task = TypeVar("Task")
Result = TypeVar("Result")


def collection_paused(function: Callable[[Task], Result]) -> Callable[[Task], Result]:
    """``function`` (a pool's task) run with Python's cyclic garbage collector paused: a task
    makes many objects (a batch's records, a chunk's explanations) and no cycles, and the
    collections that their number sets off would scan them for nothing (a tenth of the time
    that parsing JSON Lines takes). Garbage a task leaves is collected after it."""

    @functools.wraps(function)
    def paused(task: Task) -> Result:
        if not gc.isenabled():
            return function(task)
        gc.disable()
        try:
            return function(task)
        finally:
            gc.enable()

    return paused


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


def tapered(items: Iterable[Task], largest: int, smallest: int = 1) -> Iterator[list[Task]]:
    """``items`` in lists, in order, to be a pool's tasks: the first ``smallest`` long, each
    next one twice as long up to ``largest``, and the last ones halving again down to
    ``smallest``, so that the pool's processes all start at once (the first items may come
    slowly, as another stage makes them) and finish together (the last task is short). As
    many items as the next list holds are taken ahead, so that the end is seen coming."""
    if smallest < 1 or largest < smallest:
        raise ValueError(f"need 1 <= smallest <= largest, got {smallest} and {largest}")
    stream = iter(items)
    held: collections.deque[Task] = collections.deque()
    size = smallest
    while True:
        held.extend(itertools.islice(stream, 2 * size - len(held)))
        if len(held) < 2 * size:
            break
        yield [held.popleft() for _ in range(size)]
        size = min(2 * size, largest)
    while held:  # fewer than two lists' worth left: halve them
        size = min(len(held), max(smallest, (len(held) + 1) // 2))
        yield [held.popleft() for _ in range(size)]


def bounded_imap(
    pool: multiprocessing.pool.Pool,
    function: Callable[[Task], Result],
    tasks: Iterable[Task],
    ahead: int,
) -> Iterator[Result]:
    """``pool.imap`` with at most ``ahead`` tasks in flight (:func:`bounded_map`). The pool's
    own imap reads its task iterator to the end at once, which would put a whole corpus's
    texts in its queue. A result waited for while a process of the pool has died raises
    :class:`~copytrace.errors.WorkerError` (the pool would wait for that process's task for
    ever)."""
    started = pool.started if isinstance(pool, WatchedPool) else []

    def submit(task: Task) -> Callable[[], Result]:
        result = pool.apply_async(function, (task,))

        def wait() -> Result:
            while not result.ready():
                result.wait(_ALIVE_CHECK_SECONDS)
                if not result.ready():
                    _check_alive(started)
            return result.get()

        return wait

    return bounded_map(submit, tasks, ahead)


#: how often a wait for a task's result makes sure that the pool's processes are alive
_ALIVE_CHECK_SECONDS = 0.2
#: how long a pool one of whose processes died is given to end, before the others are killed
_ABANDON_SECONDS = 1.0


class WatchedPool(multiprocessing.pool.Pool):
    """A pool that keeps every process it starts (``started``): those it starts at first and
    those it starts in place of one that ended, so that a death is seen however soon the pool
    has replaced the process. A pool process ends only when the pool is closed: one that ends
    before has died, in a task or waiting for one (holding the lock of the pool's queue,
    which the other processes then wait for, for ever)."""

    def __init__(self, workers: int, context: multiprocessing.context.BaseContext) -> None:
        self.started: list[multiprocessing.process.BaseProcess] = []
        super().__init__(workers, initializer=worker_init, context=context)

    def _setup_queues(self) -> None:
        """The pool's queues, their pipes widened (:func:`_widen`). (Pool's own queues and
        the method that makes them are CPython's, unchanged since Python 3.4.)"""
        super()._setup_queues()  # type: ignore[misc]
        for queue in (self._inqueue, self._outqueue):  # type: ignore[attr-defined]
            _widen(queue._reader.fileno())

    def Process(self, ctx: Any, *args: Any, **kwds: Any) -> Any:  # type: ignore[override]
        process = super().Process(ctx, *args, **kwds)
        self.started.append(process)
        return process


#: fcntl's command that sets the capacity of a pipe (Linux)
_F_SETPIPE_SZ = 1031
#: the capacity asked for a pool's pipes: the most an unprivileged process may set on Linux
#: by default (/proc/sys/fs/pipe-max-size)
PIPE_BYTES = 1 << 20


def _widen(pipe: int) -> None:
    """Give the pipe ``pipe`` :data:`PIPE_BYTES` of buffer where the system allows (Linux),
    not 64 KiB. A pool process sending a result (a batch's fingerprints: about 3 MB) waits
    on a full pipe until the parent reads, and the parent's thread that reads needs the GIL
    for every read, waiting up to a switch interval (5 ms) each time the parent's main thread
    is busy: some fifty waits a result through a 64 KiB pipe, three through 1 MiB."""
    with contextlib.suppress(OSError, AttributeError, ImportError):
        import fcntl

        fcntl.fcntl(pipe, _F_SETPIPE_SZ, PIPE_BYTES)


def _died(process: multiprocessing.process.BaseProcess) -> bool:
    return process.exitcode not in (None, 0)


def _check_alive(processes: Iterable[multiprocessing.process.BaseProcess]) -> None:
    """Raise :class:`~copytrace.errors.WorkerError` if one of ``processes`` has died."""
    for process in processes:
        if _died(process):
            code = process.exitcode or 0
            how = (
                f"killed by {signal.Signals(-code).name}"
                if code < 0 and -code in signal.valid_signals()
                else f"exit status {code}"
            )
            hint = ": out of memory?" if code == -signal.SIGKILL else ""
            raise WorkerError(
                f"a worker process ended before it finished its task ({how}{hint}); "
                "the run cannot go on without its result"
            )


def worker_init() -> None:
    """Run first in every pool process: the stop signals (SIGTERM, SIGINT), held back from
    the moment the process was forked until now, are ignored from here on; the process ends
    with its parent (:func:`_end_with_parent`); freed arrays are kept for reuse
    (:func:`copytrace.allocator.reuse_freed_memory`).

    A terminal's Ctrl-C goes to every process of the command, and so does a SIGTERM sent to
    its process group (``kill -- -PGID``, a service manager stopping it): a pool process
    stopped in its task, or holding its queue's lock, would leave its parent waiting for ever.
    The parent stops the work (:func:`process_pool`)."""
    for stop in STOPS:
        signal.signal(stop, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # POSIX
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)
    _end_with_parent()
    reuse_freed_memory()


@contextlib.contextmanager
def _held_back(signals: Iterable[signal.Signals]) -> Iterator[None]:
    """Block ``signals`` in this thread (and the threads and processes it starts) for the
    block: one that arrives meanwhile is delivered as the block ends. (Not on Windows, which
    has no signal masks.)"""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


#: ``prctl``'s option that asks for a signal when the process's parent ends (Linux)
_PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """On Linux, ask to be killed when the parent process ends: a pool process waits for work
    on pipes that it holds open itself, so it would otherwise wait for ever if its parent were
    killed (SIGKILL, the kernel's out-of-memory killer) before it could close the pool. (It
    ignores SIGTERM: see :func:`worker_init`.)"""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):  # no C library: the pool still works
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it ended before it was asked
        os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def process_pool(workers: int) -> Iterator[multiprocessing.pool.Pool]:
    """A pool of ``workers`` processes, each started with :func:`worker_init`, closed as the
    block is left: the tasks already given finish (a block left early, by an error or a
    stop, has given few: see :func:`bounded_map`), their results read and dropped, and the
    processes end. A stop waits for that (:func:`~copytrace.termination.uninterrupted`).

    The pool is never terminated (:meth:`~multiprocessing.pool.Pool.terminate`): its
    processes ignore SIGTERM, and terminating can hang anyway. ``terminate`` stops reading
    results before it puts its own message on their queue, and a process that then writes a
    result larger than the pipe's buffer (a batch's fingerprints) waits for a reader for ever,
    holding the queue's lock, which ``terminate`` waits for. A process stuck in its task keeps
    the command waiting: killing the command (SIGKILL) ends its processes with it
    (:func:`_end_with_parent`)."""
    # fork shares the parent's imports at no cost; elsewhere spawn is the only safe choice
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    # a pool left half started would never be closed; its processes (and the threads that
    # fork more of them, should one end) start with the stop signals held back, so that
    # none arrives before worker_init has said what they do there
    with uninterrupted(), _held_back(STOPS):
        pool = WatchedPool(workers, multiprocessing.get_context(method))
    try:
        yield pool
    finally:
        with uninterrupted():
            pool.close()
            if _ended(pool.started):
                pool.join()
            else:
                _abandon(pool)


class SharedPool:
    """One pool of ``workers`` processes for the stages of a run that use every core, made
    when a stage first asks for it (:meth:`get`), after that stage has loaded into this
    process what it wants its processes to inherit (:attr:`started` says whether it is too
    late for that), and closed as the block is left (:func:`process_pool`). The stages after
    the first use its processes as they are: forking a process holding a run's data again
    costs time (the copying of its page tables, and of each page either process writes to
    afterwards), and the processes would wait for it."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._stack = contextlib.ExitStack()
        self._pool: multiprocessing.pool.Pool | None = None

    def __enter__(self) -> SharedPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def started(self) -> bool:
        return self._pool is not None

    def get(self) -> multiprocessing.pool.Pool:
        if self._pool is None:
            self._pool = self._stack.enter_context(process_pool(self.workers))
        return self._pool

    def warm(self, function: Callable[[], object]) -> None:
        """If the pool has started, have its processes run ``function`` (loading what a later
        stage uses) while this one goes on, not waiting for them: once a process, or twice
        one process and none the other (which then loads it as it goes)."""
        if self._pool is not None:
            for _ in range(self.workers):
                self._pool.apply_async(function)

    def close(self) -> None:
        """No more tasks: the processes end (once done with those given) while this one goes
        on; they are waited for as the block is left."""
        if self._pool is not None:
            self._pool.close()


def _ended(started: list[multiprocessing.process.BaseProcess]) -> bool:
    """Wait until the processes ``started`` by a closed pool have all ended: whether they all
    did as they should (the tasks they had finished), not one of them dying first."""
    if any(_died(process) for process in started):
        return False
    running = list(started)
    while running:
        multiprocessing.connection.wait([process.sentinel for process in running])
        if any(_died(process) for process in running):
            return False
        running = [process for process in running if process.exitcode is None]
    return True


def _abandon(pool: WatchedPool) -> None:
    """End a pool one of whose processes died: its tasks will never all finish, and the
    pool's own threads may wait for ever on a lock the dead process held. The pool is
    terminated apart (in a thread of its own, left behind should it hang), and the processes
    still running after a moment (those ignore SIGTERM) are killed, and waited for."""
    stopping = threading.Thread(target=pool.terminate, name="copytrace-pool-end", daemon=True)
    stopping.start()
    stopping.join(_ABANDON_SECONDS)
    running = [process for process in list(pool.started) if process.exitcode is None]
    for process in running:
        process.kill()
    for process in running:
        process.join(_ABANDON_SECONDS)
