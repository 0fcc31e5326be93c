"""The exceptions copytrace raises.

One root, so that a caller can catch everything copytrace means to raise::

    CopytraceError
    ├── ConfigError        an option or setting is wrong (the CLI exits with code 2)
    ├── InputError         a record could not be read and ``strict`` is on (names file and line)
    ├── OutputError        the output folder cannot be written (names it, and why)
    ├── WorkerError        a worker process died in its task (killed: out of memory?)
    └── DependencyError    an optional dependency is missing (names the extra to install)

Messages say what was expected and what to do about it.
"""

from __future__ import annotations


class CopytraceError(Exception):
    """Root of every error copytrace raises on purpose."""


class ConfigError(CopytraceError, ValueError):
    """An option or configuration value is invalid."""


class InputError(CopytraceError):
    """A record of the input could not be read (raised only in strict mode or for a missing file).

    ``source`` is the file, ``line`` the 1-based line or record number where known.
    """

    def __init__(self, message: str, source: str | None = None, line: int | None = None):
        self.source = source
        self.line = line
        where = source or ""
        if source is not None and line is not None:
            where = f"{source}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class OutputError(CopytraceError):
    """The folder a scan writes to cannot be made or written in."""


class WorkerError(CopytraceError):
    """A process of a pool ended before it finished its task (killed, by the system's
    out-of-memory killer or by hand, or crashed): the work cannot go on without its result."""


class DependencyError(CopytraceError, ImportError):
    """An optional dependency is needed for this input or feature and is not installed."""

    def __init__(self, package: str, extra: str, purpose: str):
        super().__init__(
            f"{purpose} needs the {package!r} package: install it with "
            f"pip install 'copytrace[{extra}]'"
        )
