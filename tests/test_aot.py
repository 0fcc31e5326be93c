"""The kernels compiled ahead of time: declared in a type language that is read strictly, called
only with arguments that match (any other call runs the JIT-compiled kernel), built once per
source into the cache folder (a failure said once, and not tried again), and giving exactly
the results of numba's JIT on real data, without numba in the process."""

from __future__ import annotations

import ast
import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import BUILT_AHEAD_OF_TIME

from copytrace import aot
from copytrace.aot import SignatureError, parse_signature

_SOURCE = Path(__file__).resolve().parents[1] / "src" / "copytrace"


def test_signatures_are_read_as_declared() -> None:
    specs, written, result = parse_signature("u1[], !i8[], u4[,], u8, (i8, i8, i8) -> (i8[,], b1)")
    assert specs == (
        ("array", "u1", 1),
        ("array", "i8", 1),
        ("array", "u4", 2),
        ("scalar", "u8"),
        ("tuple", (("scalar", "i8"),) * 3),
    )
    assert written == (False, True, False, False, False)
    assert result == ("tuple", (("array", "i8", 2), ("scalar", "b1")))
    assert parse_signature("u8[] -> none") == ((("array", "u8", 1),), (False,), ("none",))
    for wrong in ("u8[] u8[] -> none", "f8 -> none", "u8[]", "u8[x] -> none", "[u8[]] -> none"):
        with pytest.raises(SignatureError):
            parse_signature(wrong)


def _declared(signature: str) -> Any:
    def kernel(*args: Any) -> None:
        """A kernel's docstring."""

    return aot._Declared(kernel, signature)


def test_only_arguments_that_match_the_declaration_reach_the_compiled_kernel() -> None:
    calls: list[str] = []
    call = aot.checked_call(
        _declared("u8[], !i8[], i8, (i8, i8) -> none"),
        lambda *args: calls.append("compiled"),
        lambda *args: calls.append("fallback"),
    )
    assert call.__doc__ == "A kernel's docstring."
    values, out = np.arange(6, dtype=np.uint64), np.zeros(3, dtype=np.int64)
    readonly = np.frombuffer(out.tobytes(), dtype=np.int64)
    call(values, out, 5, (1, 2))
    call(values, out, np.int64(5), (np.int32(1), 2))
    assert calls == ["compiled", "compiled"]
    for wrong in (
        (values.astype(np.int64), out, 5, (1, 2)),  # another dtype: would be misread
        (values[::2], out, 5, (1, 2)),  # not contiguous: would be misread
        (values.reshape(2, 3), out, 5, (1, 2)),  # two dimensions
        (list(values), out, 5, (1, 2)),  # a list: would crash the process
        (values, readonly, 5, (1, 2)),  # a read-only array where the kernel writes
        (values, out, 5.0, (1, 2)),
        (values, out, 5, (1, 2, 3)),
    ):
        calls.clear()
        call(*wrong)
        assert calls == ["fallback"], wrong


def test_where_only_compiled_kernels_may_run_another_call_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from copytrace import kernels

    assert BUILT_AHEAD_OF_TIME, "the kernels could not be compiled ahead of time here"
    monkeypatch.setenv(aot.MODE_VARIABLE, "aot")
    monkeypatch.setattr(aot, "FALLBACKS", collections.Counter())
    with pytest.raises(TypeError) as raised:
        kernels.fmix64(np.arange(6, dtype=np.uint64)[::2])
    assert str(raised.value) == (
        "kernel kernels__fmix64 declared as 'u8[] -> u8[]' was called with (uint64[3] not "
        "C-ordered) (COPYTRACE_KERNELS=aot: no JIT-compiled fallback)"
    )
    assert aot.FALLBACKS == {"kernels__fmix64": 1}


def _modules_with_kernels() -> set[str]:
    found = set()
    for path in _SOURCE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    name = target.attr if isinstance(target, ast.Attribute) else None
                    name = target.id if isinstance(target, ast.Name) else name
                    if name in ("compiled", "kernel"):
                        found.add(path.stem)
    return found


def test_every_module_with_kernels_is_built_and_keys_the_build() -> None:
    assert _modules_with_kernels() == set(aot.KERNEL_MODULES)


#: scans a corpus with the API into sys.argv[2], then prints whether numba was imported and
#: which kernels were called with arguments they do not declare
_SCAN = """
import sys
from copytrace import aot, scan
scan([sys.argv[1]], out=sys.argv[2])
print("numba" in sys.modules, dict(aot.FALLBACKS), aot.library() is not None)
"""


def test_kernels_compiled_ahead_of_time_give_the_jit_results_without_numba(
    tmp_path: Path, data_dir: Path
) -> None:
    assert BUILT_AHEAD_OF_TIME, "the kernels could not be compiled ahead of time here"
    corpus = data_dir / "bbc" / "docs.jsonl"
    if not corpus.is_file():
        pytest.skip(f"{corpus} not found")
    said = {}
    for mode in ("aot", "jit"):
        env = dict(os.environ)
        env.pop(aot.MODE_VARIABLE, None)
        if mode == "jit":
            env[aot.MODE_VARIABLE] = "jit"
        done = subprocess.run(
            [sys.executable, "-c", _SCAN, str(corpus), str(tmp_path / mode)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        said[mode] = done.stdout.strip()
    assert said == {"aot": "False {} True", "jit": "True {} False"}
    for name in ("pairs.jsonl", "clusters.jsonl", "alignments.jsonl", "deduplicated.jsonl"):
        assert (tmp_path / "aot" / name).read_bytes() == (tmp_path / "jit" / name).read_bytes()
    pairs = (tmp_path / "aot" / "pairs.jsonl").read_text(encoding="utf-8").splitlines()
    assert sum(json.loads(line)["verdict"] == "duplicate" for line in pairs) >= 137


def _builds_ending(
    outcome: tuple[str, bool], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[Path]:
    """Builds into ``tmp_path`` that end as ``outcome`` (why, and whether that lasts)
    without compiling anything: the paths each was asked to build, as they are asked."""
    monkeypatch.setenv(aot.CACHE_VARIABLE, str(tmp_path))
    monkeypatch.delenv(aot.MODE_VARIABLE, raising=False)
    tries: list[Path] = []
    monkeypatch.setattr(
        aot, "_build_in_process_of_its_own", lambda path: tries.append(path) or outcome
    )
    return tries


def test_a_build_that_fails_is_said_and_not_tried_again_for_a_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = ("error: command 'gcc' failed: No such file or directory", True)
    tries = _builds_ending(outcome, tmp_path, monkeypatch)
    said: list[str] = []
    assert not aot.build(said.append)
    assert not aot.build(said.append)
    assert len(tries) == 1 and not aot.module_path().exists()
    assert said[-1] == (
        "kernels not compiled ahead of time (error: command 'gcc' failed: No such file or "
        "directory); numba compiles them"
    )
    failed = tmp_path / "kernels" / f"{aot.module_name()}.failed"
    assert "gcc" in failed.read_text()
    a_day_ago = time.time() - aot.RETRY_AFTER - 1
    os.utime(failed, (a_day_ago, a_day_ago))
    assert not aot.build(said.append)
    assert len(tries) == 2


def test_a_build_stopped_by_a_signal_is_tried_again_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries = _builds_ending(("the build was stopped by signal 2", False), tmp_path, monkeypatch)
    said: list[str] = []
    assert not aot.build(said.append) and not aot.build(said.append)
    assert len(tries) == 2 and not list((tmp_path / "kernels").glob("*.failed"))
    assert said[-1] == (
        "kernels not compiled ahead of time (the build was stopped by signal 2); numba "
        "compiles them"
    )


def _program(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, **{aot.CACHE_VARIABLE: str(cache)})
    env.pop(aot.MODE_VARIABLE, None)
    return subprocess.run(
        [sys.executable, "-m", "copytrace", *args], capture_output=True, text=True, env=env
    )


def test_the_program_builds_the_kernels_on_its_first_command_and_says_so(
    tmp_path: Path, seed_paths: tuple[Path, Path]
) -> None:
    compare = ("compare", *map(str, seed_paths), "--json")
    first = _program(*compare, cache=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stderr.startswith("copytrace: compiling copytrace's kernels for this machine")
    assert first.stderr.count("\n") == 1
    assert [path.name for path in (tmp_path / "kernels").glob("copytrace_kernels_*")] == [
        aot.module_path().name
    ]
    again = _program(*compare, cache=tmp_path)
    assert (again.returncode, again.stderr, again.stdout) == (0, "", first.stdout)
    assert json.loads(first.stdout)["verdict"] == "near_duplicate"


def test_where_nothing_can_be_kept_the_program_says_so_and_numba_compiles(
    tmp_path: Path, seed_paths: tuple[Path, Path]
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder", encoding="utf-8")
    done = _program("compare", *map(str, seed_paths), "--json", cache=blocked)
    assert done.returncode == 0
    assert json.loads(done.stdout)["verdict"] == "near_duplicate"
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("copytrace: kernels not compiled ahead of time (cannot write")


def test_a_missing_input_is_said_before_any_build(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.jsonl"
    done = _program("scan", str(missing), "--out", str(tmp_path / "out"), cache=tmp_path)
    assert (done.returncode, done.stderr) == (1, f"Error: no such file or folder: {missing}\n")
    assert not (tmp_path / "kernels").exists() and not (tmp_path / "out").exists()


def test_a_damaged_module_is_not_used_and_is_built_again(
    tmp_path: Path, seed_paths: tuple[Path, Path]
) -> None:
    (tmp_path / "kernels").mkdir()
    damaged = tmp_path / "kernels" / aot.module_path().name
    damaged.write_bytes(b"\x7fELF truncated by a full disk")
    compare = ("compare", *map(str, seed_paths), "--json")
    first = _program(*compare, cache=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stderr.startswith("copytrace: compiling copytrace's kernels")
    again = _program(*compare, cache=tmp_path)
    assert (again.returncode, again.stderr, again.stdout) == (0, "", first.stdout)
