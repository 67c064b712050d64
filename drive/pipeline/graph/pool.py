"""spaCy in worker processes, so the graph phase uses every core.

One pipeline runs one text at a time (``drive.ml.nlp`` keeps it under a lock), so in-process the graph
jobs of all worker threads share a single core. With ``THEDRIVE_NLP_PROCESSES`` > 0 each graph job sends
its texts to a pool of that many processes (started once per process with ``spawn``: no forked database
connections or threads), each holding its own pipeline (≈ 150 MB). A spawned child normally re-runs its
parent's ``__main__`` script first; under Streamlit that is the app page, so the children are started with
no main script at all (``_ScriptlessProcess``). On by default with two or more cores, in the app,
``drive worker`` and ``add --wait`` alike; a pool process runs below ingestion's CPU priority and ends on its
own when its parent is gone. Job claiming, heartbeats and takeover stay in the worker that claimed the job;
a cancelled job stops waiting for its result.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import types
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import SpawnContext, SpawnProcess

from drive.pipeline.graph import recognize as recognize_module
from drive.pipeline.graph.recognize import ChunkAnalysis

PARENT_CHECK_SECONDS = 1.0
NICE = 10  # added to a pool process's niceness (lower CPU priority)

log = logging.getLogger(__name__)
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_size = 0
_broken = False  # a pool that cannot start here (see below) is not tried again in this process


_main_lock = threading.Lock()


class _ScriptlessProcess(SpawnProcess):
    """A spawned process that does not re-run the parent's main script (the child needs only this module,
    which it imports by name)."""

    def start(self) -> None:
        with _main_lock:
            main = sys.modules.get("__main__")
            sys.modules["__main__"] = types.ModuleType("__main__")  # what the child is told to prepare
            try:
                super().start()
            finally:
                if main is not None:
                    sys.modules["__main__"] = main


class _ScriptlessContext(SpawnContext):
    Process = _ScriptlessProcess


def recognize(texts: list[str]) -> list[ChunkAnalysis]:
    """What a pool process runs: ``recognize.recognize``, looked up when called (so a wrapped one, a benchmark's
    timer say, is what the fallback runs in this process, and the pickled task is always this plain function)."""
    return recognize_module.recognize(texts)


def _start_child(parent: int) -> None:
    """A pool process: at a lower CPU priority, watching its parent, with the pipeline loaded."""
    from drive.ml.nlp import load_nlp

    # Graph jobs yield to ingestion in the queue (claim priority); this makes them yield the cores too, so a
    # graph job running beside uploads takes only the CPU time that making files searchable leaves idle.
    if hasattr(os, "nice"):  # POSIX only
        os.nice(NICE)
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()
    load_nlp()


def _exit_with(parent: int) -> None:
    """End this process once ``parent`` is gone. A pool's processes wait for work on a queue, and nothing
    tells them when their parent was killed (SIGKILL, out of memory): without this each would stay, ~150 MB,
    until the machine restarts. An orphan is handed to another parent, so its parent id changes."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _executor(processes: int) -> ProcessPoolExecutor:
    global _pool, _size
    with _lock:
        if _pool is None or _size != processes:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            _pool = ProcessPoolExecutor(processes, mp_context=_ScriptlessContext(),
                                        initializer=_start_child, initargs=(os.getpid(),))
            _size = processes
        return _pool


def _forget(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is broken:
            _pool = None


def recognize_in_pool(texts: list[str], processes: int, cancelled: threading.Event) -> list[ChunkAnalysis] | None:
    """``recognize(texts)`` run in the pool; None when ``cancelled`` was set while it ran. If the pool's
    processes die (out of memory, or they cannot start: a spawned child re-imports the parent's
    ``__main__`` script, which a Streamlit page cannot survive), the texts are recognized in this process
    and the pool is not used again here."""
    global _broken
    if _broken:
        return recognize(texts)
    pool = _executor(processes)
    try:
        future: Future[list[ChunkAnalysis]] = pool.submit(recognize, texts)
        while True:
            try:
                return future.result(timeout=0.5)
            except FutureTimeout:
                if cancelled.is_set():
                    future.cancel()
                    return None
    except BrokenProcessPool:
        log.warning("the NLP processes died; recognizing entities in this process from now on")
        _broken = True
        _forget(pool)
        return recognize(texts)


def shutdown() -> None:
    """Stop the pool's processes (at exit they stop on their own)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None
