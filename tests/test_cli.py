"""cli: thin over the API; wrong options exit 2, bad input exits 1, one line and no traceback."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from copytrace import Config
from copytrace.cli import main


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def _bad_jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "articles.jsonl"
    path.write_text(
        '{"id": "a", "text": "The first article of the collection, with enough words."}\n'
        '{"id": "b", "text": "unterminated\n'
        '{"id": "c", "text": "The first article of the collection, with enough words!"}\n',
        encoding="utf-8",
    )
    return path


# --- compare ------------------------------------------------------------------------------


def test_compare_the_seed_pair(seed_paths: tuple[Path, Path]) -> None:
    result = _run("compare", *seed_paths)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "verdict:     near_duplicate" in lines
    assert any(line.startswith("Jaccard:     0.856  (5-word shingles") for line in lines)
    assert "containment: 0.899 of A is in B, 0.947 of B is in A" in lines
    assert result.stderr == ""


def test_compare_json(seed_paths: tuple[Path, Path]) -> None:
    result = _run("compare", *seed_paths, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verdict"] == "near_duplicate"
    assert data["jaccard"] == pytest.approx(0.856, abs=0.0005)
    assert (data["a"], data["b"]) == ("000_79bc1770f18cd301.txt", "001_10ba7ebf5372380a.txt")
    assert data["shingles_a"] > data["shared_shingles"] > 0
    assert (data["threshold"], data["ngram_size"]) == (0.8, 5)


def test_compare_options_reach_the_config(seed_paths: tuple[Path, Path]) -> None:
    result = _run("compare", *seed_paths, "--json", "--threshold", "0.9", "--ngram-size", "3")
    data = json.loads(result.stdout)
    assert (data["threshold"], data["ngram_size"]) == (0.9, 3)
    assert data["verdict"] != "near_duplicate"  # 0.86 is below 0.9


def test_compare_a_missing_file(tmp_path: Path, seed_paths: tuple[Path, Path]) -> None:
    result = _run("compare", tmp_path / "nope.txt", seed_paths[0])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"Error: no such file or folder: {tmp_path / 'nope.txt'}"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_scan_of_a_pipe_says_what_it_is(tmp_path: Path) -> None:
    """A pipe (what ``<(zcat ...)`` names) exists but is no file: it is read in pieces by
    offset, which a pipe cannot give."""
    pipe = tmp_path / "articles.jsonl"
    os.mkfifo(pipe)
    result = _run("scan", pipe, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: not a file or folder (a pipe or device): {pipe}; save it to a file"
    ]


# --- scan ---------------------------------------------------------------------------------


def test_scan_writes_files_and_prints_a_summary(seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run("scan", seeds_dir, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "alignments.jsonl",
        "clusters.jsonl",
        "deduplicated.jsonl",
        "pairs.jsonl",
        "summary.json",
    ]
    summary = result.stderr
    assert "copytrace scan" in summary
    for label, value in [
        ("documents read", "2"),
        ("skipped", "1 (unknown_format: 1)"),  # the folder's README.md, of no format read
        ("pairs (Jaccard >= 0.8)", "1 (near_duplicate: 1)"),
        ("clusters", "1 (2 documents)"),
        ("kept after dedup", "1"),
    ]:
        row = next(line for line in summary.splitlines() if f" {label} " in line)
        assert f" {value} " in row, row
    assert "LSH 25 bands x 5 rows" in summary
    assert result.stdout == ""
    stats = json.loads((out / "summary.json").read_text())["stats"]
    assert (stats["documents"], stats["pairs"], stats["clusters"]) == (2, 1, 1)


def test_scan_quiet_prints_nothing(seeds_dir: Path, tmp_path: Path) -> None:
    result = _run("scan", seeds_dir, "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 0
    assert result.output == ""
    assert (tmp_path / "out" / "pairs.jsonl").read_text().count("\n") == 1


def test_scan_reports_a_malformed_line(tmp_path: Path) -> None:
    path = _bad_jsonl(tmp_path)
    out = tmp_path / "out"
    result = _run("scan", path, "--out", out)
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stderr.splitlines() if " skipped " in line)
    assert "1 (bad_json: 1)" in row
    # the summary wraps at the terminal's width, wherever the path's length puts the break
    assert f"skipped{path}:2:bad_json" in "".join(result.stderr.split())
    stats = json.loads((out / "summary.json").read_text())["stats"]
    assert stats["skipped"] == {"bad_json": 1}
    assert stats["skip_examples"][0]["line"] == 2
    assert stats["documents"] == 2
    assert stats["pairs"] == 1  # a and c are duplicates once punctuation is folded


def test_strict_scan_stops_at_the_malformed_line(tmp_path: Path) -> None:
    path = _bad_jsonl(tmp_path)
    result = _run("scan", path, "--out", tmp_path / "out", "--strict")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: {path}:2: bad_json")
    assert "Traceback" not in result.output


def test_scan_a_missing_input(tmp_path: Path) -> None:
    result = _run("scan", tmp_path / "nope.jsonl", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: no such file or folder: {tmp_path / 'nope.jsonl'}"
    ]
    assert not (tmp_path / "out").exists()


def test_scan_into_a_folder_that_cannot_be_made(tmp_path: Path, seeds_dir: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    out = tmp_path / "taken" / "out"
    result = _run("scan", seeds_dir, "--out", out)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: cannot write in the output folder {out}: Not a directory"
    ]


def test_scan_stopped_by_the_system_says_what_and_where(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError while writing (a full disk) is the machine's doing, not copytrace's: one line
    with the reason (and the file, where the system names one), not an internal error;
    nothing is left half written."""
    import errno

    from copytrace import report
    from copytrace.cli import _os_error_line

    def full(handle: object, rows: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as a write says it

    monkeypatch.setattr(report, "_write_lines", full)
    out = tmp_path / "out"
    result = _run("scan", seeds_dir, "--out", out)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["Error: No space left on device"]
    assert not out.exists()  # made for this scan, and empty: removed again
    refused = OSError(errno.EACCES, os.strerror(errno.EACCES), str(tmp_path / "named"))
    assert _os_error_line(refused) == f"Permission denied: {tmp_path / 'named'}"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--threshold", "3"], "threshold must be in (0, 1]"),
        (["--threshold", "0"], "threshold must be in (0, 1]"),
        (["--ngram-size", "0"], "ngram_size must be at least 1"),
        (["--num-perm", "1"], "num_perm must be between 2 and 4096"),
        (["--bands", "4"], "give both bands and rows"),
        (["--rows", "4"], "give both bands and rows"),
        (["--bands", "40", "--rows", "4"], "exceeds num_perm"),
        (["--max-chars", "0"], "max_chars must be positive"),
        (["--id-field", ""], "id_field and text_field must be non-empty"),
        (["--format", "xml"], "Invalid value for '--format'"),
        (["--representative", "newest"], "Invalid value for '--representative'"),
        (["--dedup-format", "csv"], "Invalid value for '--dedup-format'"),
        (["--threshold", "high"], "Invalid value for '--threshold'"),
        (["--no-such-option"], "No such option"),
    ],
)
def test_wrong_options_exit_2(
    seeds_dir: Path, tmp_path: Path, options: list[str], message: str
) -> None:
    result = _run("scan", seeds_dir, "--out", tmp_path / "out", *options)
    assert result.exit_code == 2, result.output
    errors = _error_lines(result)
    assert len(errors) == 1, result.stderr
    assert message in errors[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_wrong_options_of_compare_exit_2(seed_paths: tuple[Path, Path]) -> None:
    result = _run("compare", *seed_paths, "--ngram-size", "0")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["Error: ngram_size must be at least 1, got 0"]


def test_version_and_help() -> None:
    assert _run("--version").stdout.startswith("copytrace, version ")
    for command in ("scan", "compare"):
        result = _run(command, "--help")
        assert result.exit_code == 0
        assert "--threshold" in result.stdout


def test_every_command_and_option_is_documented() -> None:
    assert isinstance(main, click.Group)
    for name, command in main.commands.items():
        assert command.help, f"command {name} has no help"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts} has no help"


def test_option_names_are_config_field_names() -> None:
    # one name per option: --ngram-size is Config.ngram_size
    assert isinstance(main, click.Group)
    fields = {f.name for f in dataclasses.fields(Config)}
    per_command = {"out", "dedup_format", "quiet", "report", "as_json", "brief", "html_path"}
    per_command |= {"fmt", "inputs", "a", "b"}
    for command in main.commands.values():
        for param in command.params:
            assert param.name in fields | per_command, param.name
            if param.name in fields and isinstance(param, click.Option):
                assert f"--{param.name.replace('_', '-')}" in param.opts or param.multiple


# --- a real process -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def executable() -> str:
    found = shutil.which("copytrace")
    if found is None:
        pytest.skip("the copytrace console script is not on PATH (pip install -e .)")
    return found


def test_real_process_compare(executable: str, seed_paths: tuple[Path, Path]) -> None:
    done = subprocess.run(
        [executable, "compare", *map(str, seed_paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "verdict:     near_duplicate" in done.stdout
    assert "Jaccard:     0.856" in done.stdout


def test_real_process_errors(executable: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [executable, "scan", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"Error: no such file or folder: {tmp_path / 'nope.jsonl'}"]
    assert done.stdout == ""


# --- known bugs ---------------------------------------------------------------------------


# Regression (fixed):` is discarded, and
# pipeline.compare_files takes no format): `copytrace compare A B --format txt` ignores
# --format, so two files with an unknown extension cannot be compared, although the error
# it prints says "name the format with --format".
def test_compare_honours_format(tmp_path: Path) -> None:
    for name in ("a.data", "b.data"):
        (tmp_path / name).write_text("one two three four five six seven", encoding="utf-8")
    result = _run("compare", tmp_path / "a.data", tmp_path / "b.data", "--format", "txt")
    assert result.exit_code == 0, result.output
    assert "verdict:     duplicate" in result.stdout


# --- explanations and HTML ----------------------------------------------------------------


def test_compare_explains_the_seed_pair(seed_paths: tuple[Path, Path], tmp_path: Path) -> None:
    page = tmp_path / "pair.html"
    result = _run("compare", *seed_paths, "--brief", "--html", page)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Copied passages (1)" in out
    assert "A[200:2208] = B[130:2138]  324 words" in out
    for label in ("headline", "dateline", "standfirst", "caption"):
        assert label in out
    assert "typography only" in out
    assert "Credits:     A: Bloomberg; B: Bloomberg" in out
    assert "Order:       1. A (dateline in text: '27 Mar, 2024 11:29')" in out
    html = page.read_text(encoding="utf-8")
    assert html.count('class="copied') >= 2 and "label-caption" in html
    data = json.loads(_run("compare", *seed_paths, "--json").stdout)
    assert data["alignment"]["passages"] == [
        {"a_start": 200, "a_end": 2208, "b_start": 130, "b_end": 2138, "words": 324}
    ]


def test_scan_report_writes_an_html_page(seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run("scan", seeds_dir, "--out", out, "--report", "--quiet")
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "000_79bc1770f18cd301.txt" in html and "order unknown" in html
    assert (out / "report.html").stat().st_mode & 0o044  # readable like any new file


@pytest.mark.parametrize(
    ("stop", "status", "said"),
    [(signal.SIGTERM, 143, "Error: terminated"), (signal.SIGINT, 130, "Error: interrupted")],
)
def test_a_stopped_scan_ends_at_once_and_removes_its_temporary_files(
    executable: str,
    data_dir: Path,
    tmp_path: Path,
    stop: signal.Signals,
    status: int,
    said: str,
) -> None:
    """SIGTERM, or Ctrl-C, which a terminal sends to every process of the command (its pool's
    processes too: one stopped in its task once left the scan waiting for it for ever), while
    the pool fingerprints."""
    process, temp = _scan_in_its_pool(executable, data_dir, tmp_path)
    os.killpg(process.pid, stop)
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    assert process.returncode == status
    assert stderr.strip().splitlines()[-1] == said
    assert "Traceback" not in stderr
    assert list(temp.iterdir()) == []
    assert not (tmp_path / "out").exists()
    left = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True)
    assert left.stdout.split() == []


def test_a_scan_whose_worker_is_killed_fails_with_one_line(
    executable: str, data_dir: Path, tmp_path: Path
) -> None:
    process, temp = _scan_in_its_pool(executable, data_dir, tmp_path)
    # a worker killed while it waits for a task is replaced and loses nothing (the scan
    # succeeds); killed in its task, as the out-of-memory killer would, it fails the scan
    worker = _busy_child(process)
    os.kill(worker, signal.SIGKILL)
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    assert process.returncode == 1
    (said,) = stderr.strip().splitlines()
    assert said.startswith("Error: a worker process ended before it finished its task")
    assert list(temp.iterdir()) == []
    assert not (tmp_path / "out").exists()


def _scan_in_its_pool(
    executable: str, data_dir: Path, tmp_path: Path
) -> tuple[subprocess.Popen[str], Path]:
    """A ``copytrace scan`` of BBC News five times over (ids made unique: long enough to be
    stopped mid-scan) into ``tmp_path / "out"``, in a process group of its own (as a
    terminal's job is), with its temporary files in ``tmp_path / "tmp"``, once its pool has
    started: the process, and that folder (skips if the data or the time is missing)."""
    docs = data_dir / "bbc" / "docs.jsonl"
    if not docs.is_file():
        pytest.skip(f"{docs} not found")
    corpus = tmp_path / "corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as out:
        for round_ in range(5):
            for line in docs.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                record["id"] = f"{round_}-{record['id']}"
                out.write(json.dumps(record) + "\n")
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        [executable, "scan", str(corpus), "--out", str(tmp_path / "out"), "-q"],
        env={**os.environ, "TMPDIR": str(temp)},
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while len(_children(process.pid)) < 2 and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    if process.poll() is not None:
        pytest.skip("the scan ended before its pool started")
    return process, temp


def _busy_child(process: subprocess.Popen[str]) -> int:
    """A child of ``process`` that has run for at least 20 ms (one working on a task: a
    waiting worker takes almost no time); skips if the scan ends first."""
    deadline = time.monotonic() + 60
    while process.poll() is None:
        for child in _children(process.pid):
            try:
                fields = Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") >= 0.02:
                return int(child)
        assert time.monotonic() < deadline
        time.sleep(0.002)
    pytest.skip("the scan ended before a worker was seen at work")


def _children(pid: int) -> list[str]:
    """The processes that ``pid`` has started (Linux), none where that cannot be read."""
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
