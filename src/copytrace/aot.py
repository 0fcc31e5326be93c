"""The kernels compiled ahead of time: one extension module, built for this machine from the
kernels' own source by numba's ahead-of-time compiler (``numba.pycc``), so that a process
runs them without loading numba. Loading numba cost every command about 0.3 s before it
could start (numba's import, its compiler's start, each kernel's load from numba's cache):
a tenth of a scan of 100,000 short articles, half of a ``compare``.

- **Declaring.** A kernel that Python calls declares its arguments and result in the type
  language below (:func:`copytrace.kernels.kernel`); a helper that only kernels call is
  :func:`copytrace.kernels.compiled` and is compiled into the kernels that call it.
- **Where.** One file per build key (:func:`build_key`: the kernels' source, Python's
  version, numpy's, this machine's processor), under :func:`cache_folder`.
- **When.** The ``copytrace`` program builds it, once, the first time one of its commands
  needs kernels (:func:`build`: about 20 s on two cores, in a process of its own, one line
  on stderr); so does ``copytrace.aot.build()`` called from Python, and the test suite. A
  process uses it when it exists as the process loads :mod:`copytrace.kernels`; else, or
  when ``COPYTRACE_KERNELS=jit`` is set, or where it cannot be built (no C compiler: the
  reason is kept beside, and the build is not tried again for that key for a day), the kernels are
  compiled by numba's JIT and cached by it as before. Both run the same code.
- **Checked calls.** numba's ahead-of-time wrappers check nothing: an array of another dtype
  or layout would be read as the declared one, and a list where an array is declared
  crashes the process. So each call is checked here (dtype, dimensions, C order, writable
  where written); a call that does not match runs the kernel compiled by numba's JIT
  instead (loading numba, once), and is counted in :data:`FALLBACKS`; with
  ``COPYTRACE_KERNELS=aot`` (the tests, the benchmarks) it is an error. Compiled ahead of
  time, kernels hold the GIL while they run.

The type language: a scalar is ``u1 b1 i4 u4 i8 u8``; ``u8[]`` is a one-dimensional
C-ordered array of them, ``u4[,]`` a two-dimensional one; ``(i8, i8)`` a tuple; ``none``
nothing. A signature is ``ARG, ARG, ... -> RESULT``; an argument that the kernel writes
into is marked ``!`` (``!i8[]``). No list: numba's ahead-of-time wrappers convert one by
loading numba.

    COPYTRACE_KERNELS=jit python -m copytrace.aot PATH   # what build() runs
"""

from __future__ import annotations

import collections
import contextlib
import functools
import hashlib
import importlib
import importlib.machinery
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

#: the modules that hold kernels or their helpers (a test checks that none is missing)
KERNEL_MODULES = ("kernels", "align", "anchors", "candidates", "provenance", "runs", "verify")
#: the environment variable that chooses numba's JIT for every kernel (``jit``), or kernels
#: compiled ahead of time only, anything else an error (``aot``: see :func:`_mode`)
MODE_VARIABLE = "COPYTRACE_KERNELS"
#: the environment variable that names the folder of built modules (else the user's cache)
CACHE_VARIABLE = "COPYTRACE_CACHE"
#: calls that did not match their kernel's declaration and ran JIT-compiled, by kernel
FALLBACKS: collections.Counter[str] = collections.Counter()

_DTYPES = {
    "u1": np.dtype(np.uint8),
    "b1": np.dtype(np.bool_),
    "i4": np.dtype(np.int32),
    "u4": np.dtype(np.uint32),
    "i8": np.dtype(np.int64),
    "u8": np.dtype(np.uint64),
}
_NUMBA_NAMES = {
    "u1": "uint8",
    "b1": "boolean",
    "i4": "int32",
    "u4": "uint32",
    "i8": "int64",
    "u8": "uint64",
}
_PACKAGE = Path(__file__).resolve().parent

# --- the type language ----------------------------------------------------------------------

#: a parsed type: ("scalar", code) | ("array", code, dimensions) | ("tuple", items) |
#: ("none",)
Spec = tuple[Any, ...]


class SignatureError(ValueError):
    """A declaration that the type language does not read."""


_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:\[,*\])?|[(),]")


def _tokens(text: str) -> list[str]:
    found = _TOKEN.findall(text)
    if "".join(found) != "".join(text.split()):
        raise SignatureError(f"cannot read {text.strip()!r}")
    return found


def _parse_type(tokens: list[str], at: int) -> tuple[Spec, int]:
    if at >= len(tokens):
        raise SignatureError("a type is missing")
    token = tokens[at]
    if token == "(":
        items: list[Spec] = []
        at += 1
        while tokens[at] != ")":
            item, at = _parse_type(tokens, at)
            items.append(item)
            if tokens[at] == ",":
                at += 1
        return ("tuple", tuple(items)), at + 1
    if token == "none":
        return ("none",), at + 1
    code, _, shape = token.partition("[")
    if code not in _DTYPES:
        raise SignatureError(f"unknown type {token!r}")
    if not shape:
        return ("scalar", code), at + 1
    if not shape.endswith("]") or set(shape[:-1]) - {","}:
        raise SignatureError(f"unknown array type {token!r}")
    return ("array", code, len(shape)), at + 1


def parse_signature(signature: str) -> tuple[tuple[Spec, ...], tuple[bool, ...], Spec]:
    """(argument types, whether each is written into, result type) of ``signature``."""
    arguments, arrow, result = signature.partition("->")
    if not arrow:
        raise SignatureError(f"no '->' in {signature!r}")
    specs: list[Spec] = []
    written: list[bool] = []
    for part in _split_top(arguments):
        writes = part.startswith("!")
        spec, end = _parse_type(_tokens(part.lstrip("!")), 0)
        if end != len(_tokens(part.lstrip("!"))):
            raise SignatureError(f"cannot read {part!r}")
        specs.append(spec)
        written.append(writes)
    tokens = _tokens(result)
    spec, end = _parse_type(tokens, 0)
    if end != len(tokens):
        raise SignatureError(f"cannot read {result.strip()!r}")
    return tuple(specs), tuple(written), spec


def _split_top(text: str) -> list[str]:
    """``text`` cut at its commas outside brackets, each part stripped; none if blank."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char in "([") - (char in ")]")
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def _condition(spec: Spec, name: str, writes: bool, constants: dict[str, Any]) -> str:
    """A Python expression: whether the value ``name`` may be given, as it is, where
    ``spec`` is declared (``constants`` gets the names it uses)."""
    kind = spec[0]
    if kind == "array":
        dtype = f"_dtype_{spec[1]}"
        constants[dtype] = _DTYPES[spec[1]]
        parts = [
            f"isinstance({name}, _ndarray)",
            f"({name}.dtype is {dtype} or {name}.dtype == {dtype})",
            f"{name}.ndim == {spec[2]}",
            f"{name}.flags.c_contiguous",
        ]
        if writes:
            parts.append(f"{name}.flags.writeable")
        return " and ".join(parts)
    if kind == "scalar":
        constants["_integers"] = (int, np.integer)
        constants["_bools"] = (bool, np.bool_)
        return f"isinstance({name}, {'_bools' if spec[1] == 'b1' else '_integers'})"
    if kind == "tuple":
        items = [
            _condition(item, f"{name}[{i}]", False, constants) for i, item in enumerate(spec[1])
        ]
        return " and ".join([f"isinstance({name}, tuple)", f"len({name}) == {len(items)}", *items])
    raise SignatureError(f"{kind} is no argument type")


def numba_type(spec: Spec) -> Any:
    """The numba type of ``spec`` (imports numba)."""
    nt: Any = importlib.import_module("numba.types")
    kind = spec[0]
    if kind == "scalar":
        return getattr(nt, _NUMBA_NAMES[spec[1]])
    if kind == "array":
        return nt.Array(getattr(nt, _NUMBA_NAMES[spec[1]]), spec[2], "C")
    if kind == "tuple":
        return nt.Tuple(tuple(numba_type(item) for item in spec[1]))
    return nt.none


# --- what the modules declare ---------------------------------------------------------------


class _Declared:
    """A function compiled by numba: where it is (its module's globals, its name) and, for a
    kernel that Python calls, its signature."""

    __slots__ = ("function", "name", "namespace", "signature")

    def __init__(self, function: Callable[..., Any], signature: str | None) -> None:
        self.function = function
        self.signature = signature
        self.namespace: dict[str, Any] = function.__globals__
        self.name = function.__name__

    @property
    def export_name(self) -> str:
        return f"{self.function.__module__.rpartition('.')[2]}__{self.name}"


#: every kernel and helper declared so far in this process, in order
DECLARED: list[_Declared] = []


def checked_call(
    declared: _Declared, compiled: Callable[..., Any], fallback: Callable[..., Any]
) -> Callable[..., Any]:
    """A function that calls ``compiled`` with arguments that match ``declared``'s signature,
    and ``fallback`` with any others. Its test is generated as one expression (a call costs
    about 0.5 microseconds more than the kernel, against 2 for a loop over the arguments'
    checks: some kernels are called once per pair, tens of thousands of times)."""
    specs, written, _ = parse_signature(declared.signature or "")
    names = [f"a{i}" for i in range(len(specs))]
    constants: dict[str, Any] = {
        "_ndarray": np.ndarray,
        "_compiled": compiled,
        "_fallback": fallback,
    }
    test = " and ".join(
        f"({_condition(spec, name, writes, constants)})"
        for spec, name, writes in zip(specs, names, written, strict=True)
    )
    arguments = ", ".join(names)
    source = (
        f"def {declared.name}({arguments}):\n"
        f"    if {test or 'True'}:\n"
        f"        return _compiled({arguments})\n"
        f"    return _fallback({arguments})\n"
    )
    exec(compile(source, f"<copytrace.aot: {declared.export_name}>", "exec"), constants)
    return functools.wraps(declared.function)(constants[declared.name])


def _fallback(declared: _Declared) -> Callable[..., Any]:
    """Run ``declared`` compiled by numba's JIT, counting the call in :data:`FALLBACKS`."""

    def call(*args: Any) -> Any:
        FALLBACKS[declared.export_name] += 1
        if _mode() == "aot":
            kinds = ", ".join(_described(arg) for arg in args)
            what = (
                f"kernel {declared.export_name} declared as {declared.signature!r}"
                if declared.signature is not None
                else f"helper {declared.export_name} (compiled into kernels only)"
            )
            raise TypeError(
                f"{what} was called with ({kinds}) ({MODE_VARIABLE}=aot: no JIT-compiled fallback)"
            )
        return jit_dispatcher(declared)(*args)

    return call


def declare(function: Callable[..., Any], signature: str | None) -> Any:
    """What a module holds for ``function``: numba's JIT dispatcher when kernels are
    JIT-compiled in this process; else, for a kernel, its :func:`checked_call`; for a
    helper, a function that calls its JIT-compiled version."""
    declared = _Declared(function, signature)
    if signature is not None:
        parse_signature(signature)  # a declaration that cannot be read fails as it is made
    DECLARED.append(declared)
    library_module = library()
    compiled = getattr(library_module, declared.export_name, None)
    if library_module is None or _JIT or (signature is not None and compiled is None):
        # JIT-compiled: in this process, or since the process went over to it, or declared
        # where the module does not look (a kernel module loaded under another name)
        return jit_dispatcher(declared)
    if signature is None:
        # compiled into the kernels that call it: Python only calls a helper in tests, and
        # gets the JIT-compiled one (as Python code it would compute with Python's
        # integers, not 64-bit ones)
        return functools.wraps(function)(_fallback(declared))
    return checked_call(declared, cast(Callable[..., Any], compiled), _fallback(declared))


# --- numba's JIT, as before, and as the fallback --------------------------------------------

_JIT: dict[int, Any] = {}


def jit_dispatcher(declared: _Declared) -> Any:
    """``declared``'s function compiled by numba's JIT (no GIL held, cached on disk where
    numba finds a writable folder). The first one made in a process where the others are
    compiled ahead of time first puts a JIT dispatcher in place of every helper and kernel
    in its module, so that numba compiles calls between them."""
    if id(declared) not in _JIT:
        ahead_of_time = library() is not None
        for other in DECLARED if ahead_of_time and not _JIT else [declared]:
            _JIT[id(other)] = _njit(other.function)
            if ahead_of_time:
                other.namespace[other.name] = _JIT[id(other)]
    return _JIT[id(declared)]


def _njit(function: Callable[..., Any]) -> Any:
    from copytrace.termination import uninterrupted

    # numba's C extensions turn an exception raised while they load (a termination) into an
    # ImportError, or drop it: a SIGTERM waits until numba has loaded
    with uninterrupted():
        import numba
    try:
        return numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:  # no writable cache directory at all: compile in each process
        return numba.njit(nogil=True)(function)


# --- where the module is kept, and loading it ----------------------------------------------


def cache_folder() -> Path:
    """Where built modules are kept: ``$COPYTRACE_CACHE``, else ``$XDG_CACHE_HOME/copytrace``,
    else ``~/.cache/copytrace``; a ``kernels`` folder in it."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen:
        return Path(chosen) / "kernels"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "copytrace" / "kernels"


def _processor() -> str:
    """What this machine's processor is and can do: code built for it runs on it."""
    with contextlib.suppress(OSError):
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            wanted = [
                line.strip()
                for line in info
                if line.startswith(("vendor_id", "model name", "flags", "Features"))
            ]
        if wanted:
            return "\n".join(dict.fromkeys(wanted))
    return f"{platform.machine()} {platform.processor()}"


@functools.cache
def build_key() -> str:
    """What a built module depends on: the source of every module that holds kernels and of
    this one, Python's and numpy's versions, and the processor (16 hex digits)."""
    digest = hashlib.sha256()
    for name in (*KERNEL_MODULES, "aot"):
        digest.update((_PACKAGE / f"{name}.py").read_bytes())
    digest.update(sys.version.encode())
    digest.update(np.__version__.encode())
    digest.update(_processor().encode())
    return digest.hexdigest()[:16]


def module_name() -> str:
    return f"copytrace_kernels_{build_key()}"


def module_path() -> Path:
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    return cache_folder() / f"{module_name()}{suffix}"


def _mode() -> str:
    """``jit`` (numba's JIT only), ``aot`` (compiled ahead of time only: a missing module,
    or a call that does not match its declaration, is an error; for tests and benchmarks)
    or ``""`` (the default: ahead of time where built, else JIT)."""
    return os.environ.get(MODE_VARIABLE, "").strip().lower()


def _jit_chosen() -> bool:
    return _mode() == "jit"


def _described(value: Any) -> str:
    if isinstance(value, np.ndarray):
        order = "C-ordered" if value.flags.c_contiguous else "not C-ordered"
        access = "" if value.flags.writeable else ", read-only"
        return f"{value.dtype}{list(value.shape)} {order}{access}"
    return type(value).__name__


@functools.cache
def library() -> types.ModuleType | None:
    """The built module for this process, or ``None`` where kernels are JIT-compiled (see
    the module docstring). Decided once, as the first kernel is declared."""
    if _jit_chosen():
        return None
    path = module_path()
    if not path.is_file():
        if _mode() == "aot":
            raise RuntimeError(
                f"{MODE_VARIABLE}=aot but no kernels are built for this source at {path}"
            )
        return None
    spec = importlib.util.spec_from_file_location(module_name(), path)
    if spec is None or spec.loader is None:
        return None
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except ImportError:
        # damaged (not a module this system loads): removed, so that the next build()
        # makes it again; this process compiles its kernels with numba's JIT
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return module


# --- building it ----------------------------------------------------------------------------


def _failure_path() -> Path:
    return cache_folder() / f"{module_name()}.failed"


#: a failed build is tried again after this many seconds (a full disk passes; a missing C
#: compiler is said again once a day)
RETRY_AFTER = 24 * 3600


def build(announce: Callable[[str], None] | None = None) -> bool:
    """Build the module for this machine and source if it is not built (see the module
    docstring); whether it is there now. ``announce`` is told, in a line, that a build
    starts, and why one failed. A build that failed is not tried again for the same key for
    a day (:data:`RETRY_AFTER`): remove the ``.failed`` file beside it (its reason is in it)
    to try again sooner. A build stopped by a signal (Ctrl-C) is no failure."""
    if _jit_chosen():
        return False
    path = module_path()
    if path.is_file():
        if library() is not None:
            return True
        library.cache_clear()  # it could not be loaded, and is removed: built again
    if _failed_lately():
        return False
    try:
        folder = cache_folder()
        folder.mkdir(parents=True, exist_ok=True)
        with _locked(folder / ".lock"):
            if path.is_file() or _failed_lately():
                return path.is_file()
            if announce is not None:
                announce(
                    "compiling copytrace's kernels for this machine "
                    f"(once, about 20 s; kept in {folder})"
                )
            reason, lasting = _build_in_process_of_its_own(path)
            _remove_other_builds(path)
    except OSError as exc:  # no folder to keep it in: numba's JIT, as before
        reason = f"cannot write {exc.filename or cache_folder()}: {exc.strerror or exc}"
        lasting = False
    if reason is None:
        library.cache_clear()  # the process loads it, unless its kernels are loaded already
        return True
    if lasting:
        with contextlib.suppress(OSError):
            _failure_path().write_text(reason + "\n", encoding="utf-8")
    if announce is not None:
        last = reason.strip().splitlines()[-1] if reason.strip() else "unknown reason"
        announce(f"kernels not compiled ahead of time ({last}); numba compiles them")
    return False


def _failed_lately() -> bool:
    """Whether a build for this key failed less than :data:`RETRY_AFTER` seconds ago."""
    try:
        return time.time() - _failure_path().stat().st_mtime < RETRY_AFTER
    except OSError:
        return False


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Within, this process alone of those that take it holds the lock file ``path``."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: two builds at once each build, one wins
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_in_process_of_its_own(path: Path) -> tuple[str | None, bool]:
    """Run ``python -m copytrace.aot path``: ``None`` when it built, else why not, and
    whether that reason lasts (not a build stopped by a signal)."""
    environment = dict(os.environ, **{MODE_VARIABLE: "jit"})
    try:
        done = subprocess.run(
            [sys.executable, "-m", "copytrace.aot", str(path)],
            env=environment,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
    except OSError as exc:
        return f"cannot run {sys.executable}: {exc.strerror or exc}", True
    if done.returncode == 0 and path.is_file():
        return None, False
    if done.returncode < 0:
        return f"the build was stopped by signal {-done.returncode}", False
    return (done.stderr or done.stdout or f"exit status {done.returncode}").strip(), True


def _remove_other_builds(kept: Path) -> None:
    """Remove the modules and failure notes of other keys (their source is gone), and what
    builds stopped midway left (the caller holds the build lock: none is running)."""
    for other in kept.parent.glob("copytrace_kernels_*"):
        if other != kept:
            with contextlib.suppress(OSError):
                other.unlink()
    for left in kept.parent.glob(".build-*"):
        shutil.rmtree(left, ignore_errors=True)


def compile_into(path: Path, declared: Sequence[_Declared]) -> None:
    """Compile ``declared``'s kernels into the extension module ``path`` (built in a
    temporary folder beside it, then moved there)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba.pycc's pending deprecation
        pycc: Any = importlib.import_module("numba.pycc")
        name = path.name.partition(".")[0]
        compiler = pycc.CC(name)
        compiler.target_cpu = "host"
        compiler.verbose = False
        for entry in declared:
            if entry.signature is None:
                continue
            specs, _, result = parse_signature(entry.signature)
            numba_signature = numba_type(result)(*(numba_type(spec) for spec in specs))
            python_function = getattr(entry.function, "py_func", entry.function)
            compiler.export(entry.export_name, numba_signature)(python_function)
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".build-") as work:
            compiler.output_dir = work
            compiler.output_file = path.name
            compiler.compile()
            os.replace(Path(work) / path.name, path)


def _main(arguments: Sequence[str]) -> int:
    if len(arguments) != 1:
        print("usage: python -m copytrace.aot PATH", file=sys.stderr)
        return 2
    if not _jit_chosen():
        print(f"set {MODE_VARIABLE}=jit to build", file=sys.stderr)
        return 2
    # run as a program, this module is __main__: the kernels declare themselves to the
    # module that they import, copytrace.aot
    from copytrace import aot

    for name in aot.KERNEL_MODULES:
        importlib.import_module(f"copytrace.{name}")
    aot.compile_into(Path(arguments[0]), aot.DECLARED)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
