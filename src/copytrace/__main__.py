"""The ``copytrace`` program (the console script and ``python -m copytrace``): what its own
process sets before anything else loads, then the command line (:mod:`copytrace.cli`), then a
quick exit.

- numpy's BLAS (OpenBLAS in numpy's wheels) starts a thread per core as numpy loads, which
  spins waiting for work: about 0.1 s of a core, taken from the process that loads numba at
  the same moment on a two-core machine. copytrace calls no BLAS, and its stages that use
  every core do so in processes of their own, so the program asks for one BLAS thread, unless
  the environment already says how many it wants (:data:`PROGRAM_ENVIRONMENT`).
- When the command is done, the program flushes its output, runs its exit handlers (which
  remove temporary folders) and ends the process (:func:`os._exit`) without taking the
  interpreter down object by object: that would free numba's compiler and every object of a
  scan one at a time after the work is done (about 0.03 s after a scan of 100,000
  documents), for memory the operating system takes back at once anyway. A command run by
  another program (``cli.main([...])``) ends as that program does.
"""

from __future__ import annotations

import atexit
import os
import sys

#: the environment the program sets, where it is not set already, before numpy loads
PROGRAM_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1"}

#: the exit status of a command stopped by Ctrl-C (128 + SIGINT, as a shell reports it)
INTERRUPTED = 130
#: the exit status when the output cannot be flushed at exit (as Python's own)
_FLUSH_FAILED = 120


def run() -> None:
    """Run the command line as a program, its arguments from ``sys.argv``, and end the
    process with its exit status."""
    for name, value in PROGRAM_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    try:
        from copytrace.cli import main

        main()
        status = 0
    except SystemExit as done:
        status = exit_status(done.code)
    except KeyboardInterrupt:  # Ctrl-C before the command could take it (see copytrace.cli)
        print("Error: interrupted", file=sys.stderr)
        status = INTERRUPTED
    _end(status)


def exit_status(code: object) -> int:
    """The exit status Python gives ``sys.exit(code)``: 0 for ``None``, an integer as it is,
    anything else printed to stderr and 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _end(status: int) -> None:
    """Flush the output, run the exit handlers, and end the process with ``status``."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (``| head``), a closed stream
            status = status or _FLUSH_FAILED
    atexit._run_exitfuncs()
    os._exit(status)


if __name__ == "__main__":
    run()
