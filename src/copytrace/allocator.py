"""How the C allocator gives memory back: kept for reuse in a process that copytrace owns.

A batch of fingerprinting or explaining allocates arrays of a few megabytes and frees them;
by default glibc's malloc serves such an array with a fresh ``mmap`` and unmaps it when it is
freed, so the next batch's array is zeroed page by page by the kernel again (on the 100,000
document benchmark, about 0.5 s of system time in the workers, as much as the hashing).
:func:`reuse_freed_memory` makes malloc serve arrays up to :data:`FROM_HEAP_UP_TO` from its
heap and keep up to :data:`KEEP_FREED` of freed heap, so that they are reused as they are.

It changes the whole process, so copytrace calls it only in processes that are its own: the
workers of its pools, and the ``copytrace`` program. Elsewhere (no glibc) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

#: arrays up to this size come from malloc's heap, not from a fresh mapping (glibc's ceiling)
FROM_HEAP_UP_TO = 32 << 20
#: freed memory at the top of the heap kept for reuse, not given back to the system
KEEP_FREED = 1 << 30

# mallopt's parameter numbers (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


@functools.cache
def reuse_freed_memory() -> bool:
    """Set this process's malloc as the module docstring says (once); whether it could."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        return False
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(
        mallopt(_M_MMAP_THRESHOLD, FROM_HEAP_UP_TO) and mallopt(_M_TRIM_THRESHOLD, KEEP_FREED)
    )
