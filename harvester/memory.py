"""Process memory: how the harvest keeps its peak at what the pages need (glibc)."""

from __future__ import annotations

import contextlib
import ctypes


def return_large_buffers_to_the_system() -> None:
    """Make glibc give every buffer of 1 MB or more its own mapping, unmapped when freed.

    By default glibc raises that threshold to the largest block freed so far (up to
    32 MB), after which 20 MB page bodies come from the heap, where freed space is kept
    and fragments: peak memory then depended on how a server's bytes happened to arrive.
    A fixed threshold keeps it at what the pages need. No-op off glibc.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, 1024 * 1024)


_M_MMAP_THRESHOLD = -3  # glibc malloc.h


__all__ = ["return_large_buffers_to_the_system"]
