"""termination and pool: SIGTERM and SIGINT stop a command wherever they land, and a pool
left early neither hangs nor outlives its parent."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from copytrace import termination
from copytrace.cli import handle_errors
from copytrace.termination import Terminated, terminate_cleanly, uninterrupted

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _wait_for_termination(seconds: float = 2.0) -> None:
    """Run Python code (where a pending handler runs) until ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.001)


def test_a_termination_raised_in_a_c_callback_is_raised_again_after(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """ctypes drops (and prints) an exception raised in a callback, as llvmlite's callbacks
    in numba's compiler do: the termination must still stop the block, without a word."""
    libc = ctypes.CDLL(None)
    compare = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
    sent = []

    def signalled(a: int, b: int) -> int:
        if not sent:
            sent.append(signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)
            _wait_for_termination(0.05)  # the handler runs here, inside the callback
        return 0

    items = (ctypes.c_int * 8)(*range(8))
    before = signal.getsignal(signal.SIGTERM), sys.unraisablehook
    with pytest.raises(Terminated), terminate_cleanly():
        libc.qsort(items, 8, ctypes.sizeof(ctypes.c_int), compare(signalled))
        returned = True  # the callback's exception did not stop qsort
        _wait_for_termination()
    assert returned and sent
    assert capfd.readouterr().err == ""
    assert (signal.getsignal(signal.SIGTERM), sys.unraisablehook) == before


@pytest.mark.parametrize("block", ["uninterrupted", "numba compiling"])
def test_a_termination_waits_for_the_end_of_a_block_it_must_not_break(block: str) -> None:
    if block == "uninterrupted":
        section = uninterrupted()
    else:
        from numba.core.compiler_lock import global_compiler_lock

        section = global_compiler_lock
    reached_the_end = False
    with pytest.raises(Terminated), terminate_cleanly():
        with section:
            os.kill(os.getpid(), signal.SIGTERM)
            _wait_for_termination(0.1)
            reached_the_end = True
        _wait_for_termination()
    assert reached_the_end


@pytest.mark.parametrize(
    ("stop", "raised"), [(signal.SIGTERM, Terminated), (signal.SIGINT, KeyboardInterrupt)]
)
def test_a_stop_outside_any_such_block_is_raised_at_once(
    stop: signal.Signals, raised: type[BaseException]
) -> None:
    before = signal.getsignal(stop)
    with pytest.raises(raised), terminate_cleanly():
        os.kill(os.getpid(), stop)
        _wait_for_termination()
    assert termination.stop_requested() == stop
    assert signal.getsignal(stop) == before
    with terminate_cleanly():
        assert termination.stop_requested() is None


def test_an_interruption_waits_for_the_end_of_a_block_it_must_not_break() -> None:
    reached_the_end = False
    with pytest.raises(KeyboardInterrupt), terminate_cleanly():
        with uninterrupted():
            os.kill(os.getpid(), signal.SIGINT)
            _wait_for_termination(0.1)
            reached_the_end = True
        _wait_for_termination()
    assert reached_the_end


def test_an_error_made_by_a_termination_is_reported_as_the_termination(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """numba's dispatcher turns a handler's exception into a SystemError: the command was
    still terminated, and says so, not "internal error"."""

    @handle_errors
    def command() -> None:
        with uninterrupted():
            os.kill(os.getpid(), signal.SIGTERM)
            raise SystemError("a kernel returned a result with an exception set")

    with pytest.raises(SystemExit) as stopped:
        command()
    assert stopped.value.code == 143
    assert capsys.readouterr().err == "Error: terminated\n"


_POOL_LEFT_EARLY = """
from copytrace.pool import bounded_imap, process_pool

def big(n):
    return bytes(4_000_000)  # far more than a pipe holds

for attempt in range(20):
    try:
        with process_pool(2) as pool:
            for number, result in enumerate(bounded_imap(pool, big, range(400), 8)):
                if number == 2:
                    raise RuntimeError("stopped early")
    except RuntimeError:
        print("left", flush=True)
"""


def test_a_pool_left_early_while_its_processes_send_big_results_does_not_hang() -> None:
    """Pool.terminate alone waits for ever, now and then (about one time in six here), on a
    process blocked writing a result that nothing reads any more."""
    done = subprocess.run(
        [sys.executable, "-c", _POOL_LEFT_EARLY], capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout.split()) == (0, ["left"] * 20), done.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe capacity is Linux's")
def test_a_pools_pipes_hold_a_whole_result_of_a_megabyte() -> None:
    """Results (a batch's fingerprints, a chunk's explanations) travel through the pool's
    pipes: at Linux's default 64 KiB, a process sending one waits on its parent's reading
    thread some fifty times."""
    import fcntl

    from copytrace.pool import PIPE_BYTES, bounded_imap, process_pool

    get_pipe_size = 1032  # F_GETPIPE_SZ
    with process_pool(2) as pool:
        queues = (pool._inqueue, pool._outqueue)  # type: ignore[attr-defined]
        sizes = {fcntl.fcntl(q._reader.fileno(), get_pipe_size) for q in queues}
        assert list(bounded_imap(pool, len, [b"x" * PIPE_BYTES] * 3, 2)) == [PIPE_BYTES] * 3
    assert sizes == {PIPE_BYTES}


def test_tapered_tasks_start_short_grow_and_end_short_again() -> None:
    from copytrace.pool import tapered

    chunks = list(tapered(range(4625), 256, 16))
    sizes = [len(chunk) for chunk in chunks]
    assert [item for chunk in chunks for item in chunk] == list(range(4625))
    assert sizes[:5] == [16, 32, 64, 128, 256] and max(sizes) == 256
    assert sizes[-6:] == [145, 72, 36, 18, 16, 2]  # the 545 left once the end was seen
    assert [len(c) for c in tapered(range(20), 256, 16)] == [16, 4]
    assert [len(c) for c in tapered(iter(range(3)), 8, 1)] == [1, 1, 1]
    assert list(tapered([], 256, 16)) == []
    with pytest.raises(ValueError, match="smallest"):
        list(tapered(range(3), 4, 8))


def test_a_shared_pool_is_made_once_when_first_asked_for_and_closed_with_its_block() -> None:
    from copytrace.pool import SharedPool, bounded_imap

    with SharedPool(2) as shared:
        assert not shared.started
        pool = shared.get()
        first = set(bounded_imap(pool, _pid_after, [0.05] * 6, 4))
        assert shared.started and shared.get() is pool
        second = set(bounded_imap(shared.get(), _pid_after, [0.05] * 6, 4))
        processes = list(pool._pool)  # type: ignore[attr-defined]
        shared.close()  # no more tasks: the processes end while this one goes on
        with pytest.raises(ValueError, match="not running"):
            pool.apply_async(_pid_after, (0,))
    assert first == second == {process.pid for process in processes}
    assert all(process.exitcode == 0 for process in processes)  # ended, not killed


def test_a_shared_pool_warms_its_processes_only_once_started_and_without_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from copytrace.pool import SharedPool

    monkeypatch.setenv("COPYTRACE_TEST_WARMED", str(tmp_path))
    with SharedPool(2) as shared:
        shared.warm(_warmed)  # not started: nothing to warm
        shared.get()
        started = time.monotonic()
        shared.warm(_warmed)
        assert time.monotonic() - started < 0.2  # the processes sleep 0.3 s: not waited for
    assert len(list(tmp_path.iterdir())) == 2  # twice, once in each process or both in one


def _warmed() -> None:
    time.sleep(0.3)
    folder = Path(os.environ["COPYTRACE_TEST_WARMED"])
    (folder / f"{os.getpid()}-{time.monotonic_ns()}").touch()


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_a_task_runs_with_the_garbage_collector_paused_and_restarted_after() -> None:
    import gc

    from copytrace.pool import collection_paused

    @collection_paused
    def task(fail: bool) -> bool:
        if fail:
            raise ValueError("the task failed")
        return gc.isenabled()

    assert gc.isenabled()
    assert task(False) is False and gc.isenabled()
    with pytest.raises(ValueError, match="failed"):
        task(True)
    assert gc.isenabled()
    gc.disable()
    try:  # paused already (by its caller): left paused
        assert task(False) is False and not gc.isenabled()
    finally:
        gc.enable()


_POOL_SIGNALLED = """
import os, signal, time
from copytrace.pool import bounded_imap, process_pool

got = []
for stop in (signal.SIGTERM, signal.SIGINT):
    signal.signal(stop, lambda number, frame: got.append(number))

def slow(n):
    time.sleep(0.2)
    return n

with process_pool(2) as pool:
    results = bounded_imap(pool, slow, range(6), 4)
    first = next(results)  # the next tasks are in the processes' hands
    os.killpg(0, signal.SIGTERM)
    os.killpg(0, signal.SIGINT)
    print(first, *results, flush=True)
print(*sorted(got), flush=True)
"""


def test_pool_processes_take_no_stop_signal_sent_to_the_whole_command() -> None:
    """A terminal's Ctrl-C, or a SIGTERM sent to the process group, reaches the pool's
    processes too: one that died of it would leave the pool waiting for its task for ever.
    The parent decides what a stop does."""
    done = subprocess.run(
        [sys.executable, "-c", _POOL_SIGNALLED],
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["0 1 2 3 4 5", f"{signal.SIGINT:d} {signal.SIGTERM:d}"]


_POOL_PROCESS_KILLED = """
import multiprocessing, os, signal, time
from copytrace.errors import WorkerError
from copytrace.pool import bounded_imap, process_pool

def task(n):
    if n == 5:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    time.sleep(0.02)
    return bytes(3_000_000)

try:
    with process_pool(2) as pool:
        for result in bounded_imap(pool, task, range(50), 4):
            pass
except WorkerError as error:
    print(error, flush=True)
print(len(multiprocessing.active_children()), flush=True)
"""


def test_a_pool_process_killed_in_its_task_is_an_error_not_a_hang() -> None:
    """multiprocessing's pool waits for ever for the task of a process that died in it."""
    done = subprocess.run(
        [sys.executable, "-c", _POOL_PROCESS_KILLED], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    said, children = done.stdout.splitlines()
    assert said.startswith("a worker process ended before it finished its task (killed by")
    assert "SIGKILL: out of memory?" in said
    assert children == "0"


_POOL_ORPHANED = """
import os, signal, time
from copytrace.pool import process_pool

with process_pool(2) as pool:
    busy = [pool.apply_async(time.sleep, (60,)) for _ in range(2)]
    time.sleep(0.5)  # both processes are in their task
    print(" ".join(str(process.pid) for process in pool._pool), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_pool_processes_end_with_a_killed_parent() -> None:
    """A pool whose parent is killed (SIGKILL, the out-of-memory killer) must not go on with
    its work, or wait for more, for ever."""
    done = subprocess.run(
        [sys.executable, "-c", _POOL_ORPHANED], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == -signal.SIGKILL
    pids = [int(pid) for pid in done.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids):
        assert time.monotonic() < deadline, f"pool processes {pids} outlived their parent"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" not in status.read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
