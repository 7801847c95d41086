"""Keep glibc's allocator from returning large tensors to the kernel after every step.

A training step allocates and frees the same tensors of a few MB every step (a pack's
batch ``(S, B, d)``, activations, gradients).  glibc serves an allocation above its
mmap threshold (128 KiB at start) with a fresh ``mmap`` and gives it back with
``munmap`` on free, so every step pays page faults that zero the pages again.  On the
packed committee study (issue 21) its worker processes spent as much time in the
kernel as in user code (about 240 mmap/munmap pairs a second).  Raising the mmap
threshold to its maximum and the trim threshold far above it keeps such buffers in
the heap, where a freed block is reused by the next step.  The numbers do not change:
only where the bytes live.

:func:`keep_freed_memory` does this once per process, on Linux with glibc; elsewhere
it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "keep_freed_memory"]

#: Allocations below this many bytes come from the heap (glibc's largest allowed value
#: on 64-bit systems, ``DEFAULT_MMAP_THRESHOLD_MAX``).
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Free memory at the top of the heap is returned to the kernel only above this.
TRIM_THRESHOLD = 1024 * 1024 * 1024
#: ``mallopt`` parameter numbers (glibc's malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3

_done: bool | None = None


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds for this process (once); True where they were set.

    Returns
    -------
    bool
        Whether both ``mallopt`` calls succeeded (False off Linux, without
        glibc, or when glibc refused a value).
    """
    global _done
    if _done is None:
        _done = _mallopt()
    return _done


def _mallopt() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
