"""Running one function over many items in forked worker processes, when that is worth it.

A forked worker shares the parent's memory for free (the templates, the plans), so only each item's index goes
down the pipe and only results come back. Forking a process that runs other threads can deadlock the child, so a
caller with threads (an embedding application, a test browser) gets one process; so does a small job, where
starting workers costs more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Parallelism:
    """How much of a build may run in worker processes."""

    jobs: int | None = None
    """Worker processes at most; None: one per core."""
    min_parse_bytes: int = 256 * 1024
    """Below this much Markdown to parse, one process is faster than several."""
    min_write_notes: int = 3000
    """Below this many notes to write, one process is faster than several."""

    @property
    def workers(self) -> int:
        return self.jobs if self.jobs is not None else (os.cpu_count() or 1)


SERIAL_WHEN_SMALL = Parallelism()
"""The default: a worker per core, for jobs big enough to gain from them."""


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


_TASK: dict[str, Any] = {}
"""The function and items of the running `map_in_workers`, inherited by the forked workers."""


def map_in_workers(function: Callable[[T], R], items: Sequence[T], workers: int) -> tuple[list[R], int]:
    """`[function(item) for item in items]`, in up to `workers` forked processes when there is more than one item
    and this process may fork. Returns the results in order and the number of processes that ran them."""
    workers = min(workers, len(items))
    if workers < 2 or not can_fork():
        return [function(item) for item in items], 1
    _TASK.update(function=function, items=items)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            chunk = max(1, len(items) // (workers * 4))
            return list(pool.map(_run_one, range(len(items)), chunksize=chunk)), workers
    finally:
        _TASK.clear()


def _run_one(index: int) -> Any:
    return _TASK["function"](_TASK["items"][index])
