"""Extraction in a child process with memory, CPU-time and wall-clock limits, one child per file.

A hostile file (a PNG declaring 13000² pixels, a parser's pathological case) can then take down only its
own child: the worker sees a ``CorruptFile`` with a readable reason ("needs more than 1.5 GB to read",
"took longer than 5 min") and goes on with the next job. Each worker thread keeps one warm child (a fresh
``python -m drive.pipeline.ingest.sandbox``, not a ``multiprocessing`` child: those re-run the main script,
which under Streamlit is the app); the OCR engine is loaded inside it, only once a file needs it (images,
PDF pages without text). A child that times out, runs out of memory or dies is replaced for the next file.

Every exception raised while reading becomes a permanent failure (retrying a parser on the same bytes
cannot help), and no message names a server path: the spooled copy's path is replaced by the file's name.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, cast

from drive.errors import CorruptFile, DriveError, PermanentError, TransientError
from drive.jobs.context import Cancelled
from drive.records import Extracted, Section

if TYPE_CHECKING:
    from PIL import Image

    from drive.ml.ocr import Ocr

_CODE_ROOT = str(Path(__file__).resolve().parents[3])  # the folder holding the ``drive`` package
_POLL_SECONDS = 0.1
_START_SECONDS = 120
_GRACE_CPU_SECONDS = 5
_FILES_PER_CHILD = 200  # renewed now and then: the heap of a long-lived parser process only grows


@dataclass(frozen=True)
class Limits:
    """Per-file bounds on reading: memory (address space), CPU time, wall-clock time, characters kept."""

    memory_mb: int = 1536  # resident, watched by the parent; address space is capped at twice this
    seconds: float = 300.0
    max_chars: int = 3_000_000


@dataclass(frozen=True)
class Outcome:
    """What the child read, and whether the text was cut at ``Limits.max_chars``."""

    doc: Extracted
    truncated: bool = False


def extract_in_child(path: Path, name: str, *, ocr: bool, limits: Limits,
                     cancelled: Callable[[], bool] = lambda: False) -> Outcome:
    """Read ``path`` (the user calls it ``name``) in this thread's child; ``PermanentError`` on any failure."""
    reader = getattr(_local, "reader", None)
    if reader is None or not reader.usable(limits):
        if reader is not None:
            reader.stop()
        reader = _local.reader = _Reader(limits)
    try:
        message = reader.ask(path, name, ocr, cancelled)
    except BaseException:
        reader.stop()  # timed out or cancelled: the child may be stuck in the file
        raise
    if message is None:
        reader.stop()
        raise _death_reason(reader.exitcode, limits)
    kind, payload = message
    if kind == "ok":
        assert isinstance(payload, Outcome)
        return payload
    if kind == "memory":
        reader.stop()  # a MemoryError may leave the child's heap fragmented: start afresh
        raise _memory_error(limits)
    raise CorruptFile(str(payload))


_local = threading.local()


class _Reader:
    """A warm child kept per worker thread: the readers are imported and the OCR engine, once loaded,
    stays loaded (measured: 1 s per image instead of 8 s for a fresh child). It serves one file at a time;
    any failure other than a clean parser error replaces it, and it is renewed after ``_FILES_PER_CHILD``."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.served = 0
        ours, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_CODE_ROOT, os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "drive.pipeline.ingest.sandbox", str(theirs.fileno()), json.dumps(asdict(limits))],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env)
        theirs.close()
        self.conn = Connection(ours.detach())
        # Its start (imports) is not counted against the first file's time.
        try:
            if not self.conn.poll(_START_SECONDS):
                raise EOFError
            self.conn.recv()
        except (EOFError, OSError):
            self.stop()
            raise TransientError("the file reader could not start") from None

    @property
    def exitcode(self) -> int | None:
        return self.process.returncode

    def usable(self, limits: Limits) -> bool:
        return self.limits == limits and self.process.poll() is None and self.served < _FILES_PER_CHILD

    def ask(self, path: Path, name: str, ocr: bool, cancelled: Callable[[], bool]) -> tuple[str, object] | None:
        """The child's answer for one file, or None when it died without one. Kills it at the deadline."""
        self.served += 1
        try:
            self.conn.send((str(path), name, ocr))
        except OSError:
            return None
        deadline = time.monotonic() + self.limits.seconds
        while not self.conn.poll(_POLL_SECONDS):
            if cancelled():
                raise Cancelled("cancelled while reading")
            if time.monotonic() > deadline:
                raise CorruptFile(f"took longer than {human_seconds(self.limits.seconds)} to read")
            if resident_mb(self.process.pid) > self.limits.memory_mb:
                return ("memory", None)
            if self.process.poll() is not None and not self.conn.poll(0):
                return None
        try:
            message: tuple[str, object] = self.conn.recv()
        except (EOFError, OSError):
            self.process.wait(timeout=5)
            return None
        return message

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self.conn.close()
        if getattr(_local, "reader", None) is self:
            _local.reader = None


def _death_reason(exitcode: int | None, limits: Limits) -> PermanentError:
    if exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
        if exitcode == -signal.SIGXCPU:
            return CorruptFile(f"took longer than {human_seconds(limits.seconds)} of processor time to read")
        return _memory_error(limits)  # killed by the kernel's OOM killer, or by us
    return CorruptFile(f"the reader stopped unexpectedly (exit code {exitcode}) on this file")


def _memory_error(limits: Limits) -> PermanentError:
    return CorruptFile(f"needs more than {human_megabytes(limits.memory_mb)} of memory to read")


def resident_mb(pid: int | None) -> float:
    """A process's resident memory in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def human_seconds(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def human_megabytes(mb: int) -> str:
    return f"{mb / 1024:.3g} GB" if mb >= 1024 else f"{mb} MB"


# ---------------------------------------------------------------- in the child


def _serve(conn: Connection, limits: Limits) -> None:
    """The child's loop: one file per request, until the parent closes the pipe."""
    _die_with_parent()
    # Address space is a backstop for allocations too fast for the parent's watch of the resident size:
    # onnxruntime reserves about as much address space again as it touches (measured: 0.9 GB virtual for
    # 0.2 GB resident after one OCR call), so the hard limit is twice the budget.
    space = 2 * limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (space, space))
    conn.send(("ready", None))
    while True:
        try:
            path, name, ocr = conn.recv()
        except (EOFError, OSError):
            return
        _allow_cpu(limits)
        conn.send(_answer(path, name, ocr, limits))
        _trim_heap()


def _answer(path: str, name: str, ocr: bool, limits: Limits) -> tuple[str, object]:
    try:
        return "ok", _read(Path(path), name, ocr, limits)
    except MemoryError:
        return "memory", None
    except RecursionError:
        return "error", "is nested too deeply to read"
    except DriveError as exc:
        return "error", scrub(str(exc), path, name)
    except Exception as exc:  # noqa: BLE001 - any parser failure is permanent for these bytes
        detail = str(exc).strip() or type(exc).__name__
        return "error", scrub(f"could not be read: {detail}", path, name)


def _read(path: Path, name: str, ocr: bool, limits: Limits) -> Outcome:
    from drive.pipeline.ingest.extract import extract
    from drive.pipeline.ingest.formats import text

    text.READ_LIMIT_CHARS = limits.max_chars + 1  # plain text is cut while reading, not after
    doc = extract(path, name, ocr=cast("Ocr", _LazyOcr()) if ocr else None)
    return truncate(doc, limits.max_chars)


class _LazyOcr:
    """The OCR engine, loaded (about 1 s) only when a file turns out to need it."""

    def read(self, image: Image.Image) -> str:
        from drive.ml.ocr import load_ocr

        return load_ocr().read(image)


def truncate(doc: Extracted, max_chars: int) -> Outcome:
    """The first ``max_chars`` characters of ``doc`` (whole sections while they fit, then a cut one)."""
    kept: list[Section] = []
    room = max_chars
    for section in doc.sections:
        if len(section.text) > room:
            if room > 0:
                kept.append(Section(section.text[:room], section.page, section.heading))
            return Outcome(replace(doc, sections=kept), truncated=True)
        kept.append(section)
        room -= len(section.text) + 2  # the separator between sections
    return Outcome(doc)


def scrub(message: str, path: str, name: str) -> str:
    """The message without the spooled copy's path (or its folder): users see their file's name only."""
    folder = os.path.dirname(path)
    return message.replace(path, name).replace(folder + os.sep, "").replace(folder, "")


def _allow_cpu(limits: Limits) -> None:
    """Give this file its CPU-time budget on top of what the child has used so far.

    Counted across all threads (OCR uses every core): a backstop behind the parent's wall clock, which
    also stops a child whose parent died. SIGXCPU at the soft limit ends the child."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    budget = int(limits.seconds * (os.cpu_count() or 1)) + _GRACE_CPU_SECONDS
    resource.setrlimit(resource.RLIMIT_CPU, (used + budget, resource.RLIM_INFINITY))


def _trim_heap() -> None:
    """Give freed memory back to the system between files (a big image would otherwise stay resident)."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _die_with_parent() -> None:
    """Ask Linux to kill the child when the forkserver (which exits with the worker) goes away."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _child_entry(argv: list[str]) -> None:
    """``python -m drive.pipeline.ingest.sandbox FD LIMITS``: serve files over the inherited socket."""
    # Imports the pipeline's readers before the first file (and before the limits apply).
    import drive.pipeline.ingest.extract  # noqa: F401

    _serve(Connection(int(argv[1])), Limits(**json.loads(argv[2])))


if __name__ == "__main__":
    # Run through the importable module, so what it sends pickles as ``drive.pipeline.ingest.sandbox.*``.
    from drive.pipeline.ingest import sandbox

    sandbox._child_entry(sys.argv)
