"""Freed memory kept for reuse in copytrace's own processes, and only there."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

glibc = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="malloc's tunables are glibc's"
)

#: allocates and frees arrays as batches do (a few alive at once, 256 KB to 6 MB each), then
#: prints the page faults that cost (each a page the kernel zeroed); {setup} runs first
_BATCHES = """
import resource, numpy as np
{setup}
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
sizes = np.random.default_rng(0).integers(1, 200, size=(30, 6))
for batch in sizes.tolist():
    held = [np.ones(size << 15) for size in batch]
    del held
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(setup: str) -> int:
    code = _BATCHES.format(setup=setup)
    return int(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
    )


@glibc
def test_arrays_freed_are_reused_without_new_page_faults() -> None:
    default = _faults("")
    reused = _faults("from copytrace.allocator import reuse_freed_memory\nreuse_freed_memory()")
    # by default most arrays are mapped afresh (about 80,000 faults here); kept, the heap
    # faults as it first grows (about 15,000)
    assert reused * 3 < default


@glibc
def test_pool_workers_keep_freed_memory_and_the_caller_is_left_alone() -> None:
    code = (
        "from copytrace.allocator import reuse_freed_memory\n"
        "from copytrace.pool import process_pool\n"
        "import copytrace.allocator as a\n"
        "with process_pool(2) as pool:\n"
        "    print(pool.apply(reuse_freed_memory), reuse_freed_memory.cache_info().currsize)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # the worker had set it (cached True); the calling process never called it
    assert done.stdout.split() == ["True", "0"]
