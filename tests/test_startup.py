"""What a process pays before and after its work: importing the package and the command line
loads no numba, a command runs its kernels without numba (compiled ahead of time) or starts
numba without the optional packages it probes for (JIT-compiled), and the ``copytrace``
program sets its environment first and ends quickly, its output and clean-up done."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import copytrace
from copytrace import aot
from copytrace.__main__ import exit_status


def _python(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    """The output of ``code`` run by a fresh interpreter (``args`` are its ``sys.argv[1:]``)."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env
    )
    return done.stdout


def test_the_package_and_the_command_line_load_no_pipeline() -> None:
    code = (
        "import sys, copytrace, copytrace.cli\n"
        "print(sorted(m for m in ('numba', 'rich', 'copytrace.pipeline') if m in sys.modules))"
    )
    assert _python(code).strip() == "[]"


def test_public_names_come_from_their_modules() -> None:
    assert set(copytrace._HOMES) == set(copytrace.__all__) - {"__version__"}
    for name, home in copytrace._HOMES.items():
        assert getattr(copytrace, name) is getattr(importlib.import_module(home), name)
    assert set(copytrace.__all__) <= set(dir(copytrace))


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        copytrace.nothing_of_that_name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as error:
        assert "nothing_of_that_name" in str(error)
    else:
        raise AssertionError("no AttributeError")


#: runs ``copytrace compare A B --json`` as {how}, then prints which of numba and the
#: packages it probes for are imported, which are left unimportable, and whether objects
#: were frozen out of garbage collection and the collector set to run less often
_COMPARE = """
import gc, sys
from copytrace import cli
try:
    {how}
except SystemExit as done:
    assert not done.code, done.code
names = ("numba", *cli.NUMBA_PROBES, "scipy.linalg")
print([name for name in names if sys.modules.get(name) is not None])
print([name for name in names if name in sys.modules and sys.modules[name] is None])
print(gc.get_freeze_count() > 0, gc.get_threshold()[0] == cli.COLLECT_AFTER)
"""


def _compare(tmp_path: Path, how: str, jit: bool = False) -> tuple[str, str, str]:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("one two three four five six seven", encoding="utf-8")
    args = ("compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--json")
    env = dict(os.environ, **{aot.MODE_VARIABLE: "jit"}) if jit else None
    output = _python(_COMPARE.format(how=how), *args, env=env)
    compared, imported, blocked, frozen = output.splitlines()
    assert json.loads(compared)["verdict"] == "duplicate"
    return imported, blocked, frozen


def test_the_program_runs_its_kernels_without_numba(tmp_path: Path) -> None:
    # as the console script runs it, with the kernels compiled ahead of time (conftest
    # builds them as the program does): numba is never imported, what was loaded is frozen
    assert _compare(tmp_path, "cli.main()") == ("[]", "[]", "True True")


def test_the_program_starts_numba_without_its_optional_probes(tmp_path: Path) -> None:
    # kernels compiled by numba's JIT: none of the probed packages was imported, none is
    # left unimportable (no None in sys.modules), and what was loaded is frozen
    assert _compare(tmp_path, "cli.main()", jit=True) == ("['numba']", "[]", "True True")


def test_a_command_run_by_another_program_leaves_the_process_alone(tmp_path: Path) -> None:
    assert _compare(tmp_path, "cli.main(sys.argv[1:])") == ("[]", "[]", "False False")
    imported, blocked, frozen = _compare(tmp_path, "cli.main(sys.argv[1:])", jit=True)
    assert "numba" in imported and (blocked, frozen) == ("[]", "False False")


def test_a_command_line_scan_equals_the_api_scan(tmp_path: Path) -> None:
    texts = [
        "The council approved the new bridge over the river after a long debate on Monday.",
        "The council approved the new bridge over the river after a long debate on Monday!",
        "A different story about the winter festival in the village and its orchestra.",
    ]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts)),
        encoding="utf-8",
    )
    _program("scan", str(corpus), "--out", str(tmp_path / "cli"), "-q")
    copytrace.scan([corpus], out=tmp_path / "api")
    for name in ("pairs.jsonl", "clusters.jsonl", "alignments.jsonl", "deduplicated.jsonl"):
        produced = (tmp_path / "cli" / name).read_bytes()
        assert produced == (tmp_path / "api" / name).read_bytes(), name
    assert (tmp_path / "cli" / "pairs.jsonl").read_text().count("\n") == 1


def _program(
    *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """``python -m copytrace ARGS`` (what the console script runs) in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "copytrace", *args],
        capture_output=True,
        text=True,
        check=check,
        env=env,
    )


def test_the_program_writes_all_its_output_and_exits_with_the_command_status(
    tmp_path: Path,
) -> None:
    text = "one two three four five six seven " * 200
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = _program("compare", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--json")
    assert done.returncode == 0
    assert json.loads(done.stdout)["verdict"] == "duplicate"  # the whole JSON, flushed
    missing = _program(
        "compare", str(tmp_path / "nothing.txt"), str(tmp_path / "a.txt"), check=False
    )
    assert missing.returncode == 1
    assert missing.stderr.count("\n") == 1 and "nothing.txt" in missing.stderr
    assert _program("scan", "--threshold", "2", str(tmp_path), check=False).returncode == 2


def test_the_program_removes_its_temporary_folders_as_it_ends(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": str(i), "text": f"story number {i} about the bridge and the river"})
            + "\n"
            for i in range(20)
        ),
        encoding="utf-8",
    )
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    _program("scan", str(corpus), "--out", str(tmp_path / "out"), "-q", env=env)
    assert (tmp_path / "out" / "deduplicated.jsonl").read_text().count("\n") == 20
    assert list(temporary.iterdir()) == []


#: prints the BLAS thread setting that the program's command ran with
_BLAS = """
import os, sys
from copytrace import cli, __main__
show = lambda: print(os.environ.get("OPENBLAS_NUM_THREADS"))
cli.main.add_command(cli.click.Command("blas", callback=show))
sys.argv = ["copytrace", "blas"]
__main__.run()
"""


def test_the_program_asks_for_one_blas_thread_unless_told_otherwise() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert _python(_BLAS, env=env).strip() == "1"
    assert _python(_BLAS, env={**env, "OPENBLAS_NUM_THREADS": "3"}).strip() == "3"


def test_exit_statuses_are_those_of_sys_exit(capsys: pytest.CaptureFixture[str]) -> None:
    assert [exit_status(code) for code in (None, 0, 2, 130)] == [0, 0, 2, 130]
    assert exit_status("stopped: no input") == 1
    assert capsys.readouterr().err == "stopped: no input\n"


_CTRL_C_AS_IT_LOADS = """
import sys
from copytrace import __main__

class Loading:  # the command line's module, as Ctrl-C lands while it loads
    def __getattr__(self, name):
        raise KeyboardInterrupt

sys.modules["copytrace.cli"] = Loading()
__main__.run()
"""


def test_ctrl_c_before_the_command_takes_it_is_one_line_and_status_130() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CTRL_C_AS_IT_LOADS], capture_output=True, text=True
    )
    assert (done.returncode, done.stderr) == (130, "Error: interrupted\n")
