"""The speed and scale benchmarks run end to end at smoke size (their full runs are by hand)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"

pytestmark = pytest.mark.skipif(
    not (DATA / "reuters21578" / "docs.jsonl").exists(),
    reason=f"the benchmarks build their corpora from {DATA}, which is absent",
)


def _json_lines(*args: str) -> list[dict[str, object]]:
    # never make text-dedup's virtual environment here (a minute and 1.4 GB of downloads)
    env = {**os.environ, "COPYTRACE_BENCH_NO_VENV": "1"}
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        env=env,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_speed_smoke_runs_copytrace_both_ways(tmp_path: Path) -> None:
    lines = _json_lines(
        "benchmarks/speed.py", "--smoke", "--only-copytrace", "--workdir", str(tmp_path)
    )
    systems = {line["system"]: line for line in lines if "system" in line}
    assert set(systems) == {"copytrace", "copytrace (dedup only)"}
    for line in systems.values():
        assert line["docs"] == 2000
        assert float(line["docs_per_second"]) > 0  # type: ignore[arg-type]
        assert int(line["pairs"]) > 0  # type: ignore[call-overload]


def test_scale_smoke_is_exact_on_its_sample(tmp_path: Path) -> None:
    (line,) = _json_lines(
        "benchmarks/scale.py", "2000", "--workdir", str(tmp_path), "--sample", "200"
    )
    assert line["docs"] == 2000
    assert line["precision"] == line["recall"] == 1.0
    assert int(line["truth_pairs"]) > 0  # type: ignore[call-overload]


def test_fingerprint_speed_smoke_measures_every_system() -> None:
    (line,) = _json_lines("benchmarks/fingerprint_speed.py", "--docs", "300", "--repeat", "1")
    assert line["docs"] == 300
    assert float(line["copytrace_us_per_doc"]) > 0  # type: ignore[arg-type]
    for peer in ("datasketch", "rensa"):
        if f"{peer}_us_per_doc" in line:
            assert float(line[f"copytrace/{peer}"]) > 0  # type: ignore[arg-type]
