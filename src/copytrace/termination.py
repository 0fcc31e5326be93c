"""How a command stops cleanly when it is told to: SIGTERM raises :class:`Terminated`, and
SIGINT (Ctrl-C) :class:`KeyboardInterrupt`, in the main thread, so that the command unwinds,
its temporary files are removed and its pools are closed, and the outputs it had not finished
do not appear. The processes of its pools do not take SIGINT (a terminal sends it to every
process of the command): they finish the few tasks already given them, and the pool is
closed (see :func:`copytrace.pool.process_pool`).

A signal's handler runs in whatever Python code the main thread is running, and an exception
raised there can do harm in three places:

- a callback run by C code, or a finalizer, drops it (printing it): numba's compiler runs one
  of llvmlite's callbacks for every kernel it loads, and the scan would go on to its end and
  exit 0 after it was told to stop;
- inside numba's compiler it would leave half-made objects whose finalizers fail later;
- while a process pool is being started (:func:`uninterrupted`), it would leave the processes
  already forked waiting for work from a parent that has gone, for ever.

So the handler does not raise inside numba's compiler or an :func:`uninterrupted` block, and a
stop dropped anywhere else is not printed: either way it is raised again a moment later
(``SIGALRM``), where it can stop the command. C code that the exception reaches can also turn
it into another error (numba's dispatcher, calling a kernel: ``SystemError``): the command
says it was stopped all the same (:func:`stop_requested`).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: how soon a stop that could not be raised where it arrived is tried again
RETRY_SECONDS = 0.01

#: how many :func:`uninterrupted` blocks the main thread is in
_uninterrupted = 0
#: the stop signal that reached the last :func:`terminate_cleanly` block, if one did
_requested: signal.Signals | None = None


class Terminated(BaseException):
    """SIGTERM reached the command: raised so that temporary files are removed on the way.
    Not an :class:`Exception`, as :class:`KeyboardInterrupt` is not: code that catches every
    error to go on (a record that cannot be read is skipped; a cached kernel that cannot be
    loaded is compiled again) must not take a termination for one of them."""


#: the signals that stop a command, and what each raises
STOPS: dict[signal.Signals, type[BaseException]] = {
    signal.SIGTERM: Terminated,
    signal.SIGINT: KeyboardInterrupt,
}


@contextmanager
def terminate_cleanly() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Terminated` and SIGINT
    :class:`KeyboardInterrupt` in the main thread, where they can (see the module docstring);
    the previous handlers are put back after. Outside the main thread this does nothing: only
    the main thread may set signal handlers."""
    global _requested
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _requested = None

    def handler(signum: int, frame: Any) -> None:
        global _requested
        if signum in STOPS:
            _requested = signal.Signals(signum)
        if _requested is None:  # an alarm set by someone else
            return
        if _uninterrupted or _numba_compiling():
            _try_again()
            return
        raise STOPS[_requested]

    def unraisable(info: Any) -> None:
        if _requested is not None and isinstance(info.exc_value, STOPS[_requested]):
            _try_again()
        else:
            previous_hook(info)

    previous = {stop: signal.signal(stop, handler) for stop in STOPS}
    previous_alarm = signal.signal(signal.SIGALRM, handler)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = unraisable
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_alarm)
        for stop, before in previous.items():
            signal.signal(stop, before)
        sys.unraisablehook = previous_hook


def stop_requested() -> signal.Signals | None:
    """The stop signal (SIGTERM, SIGINT) that reached the last :func:`terminate_cleanly`
    block, if one did. An error that ends a command after that is the stop's doing: C code
    that a handler's exception reaches can turn it into another error (numba's dispatcher:
    ``SystemError``; a module that fails to load: ``ImportError``)."""
    return _requested


@contextmanager
def uninterrupted() -> Iterator[None]:
    """A block that a stop waits for (in the main thread; elsewhere it has no
    effect): one that must not be left half done, such as starting a process pool."""
    global _uninterrupted
    if threading.current_thread() is not threading.main_thread():
        yield  # the handler runs in the main thread only
        return
    _uninterrupted += 1
    try:
        yield
    finally:
        _uninterrupted -= 1


def _try_again() -> None:
    signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)


def _numba_compiling() -> bool:
    """Whether this thread is inside numba's compiler (which also loads cached kernels)."""
    lock = sys.modules.get("numba.core.compiler_lock")
    return lock is not None and bool(lock.global_compiler_lock.is_locked())
