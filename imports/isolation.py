"""Run a reading step in a child process under memory and CPU-time limits (issue 5).

python-calamine reads the cells here: one value in cell XFD1048576, or an .ods row of a thousand
values repeated 100,000 times, makes it allocate for every cell of the claim, and a failed
allocation in Rust aborts the whole process. The child dies, the server does not: the limits
are IMPORT_MAX_READ_MEMORY and IMPORT_MAX_READ_SECONDS.
"""

from __future__ import annotations

import faulthandler
import marshal
import os
import pickle
import resource
import signal
import struct
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .issues import Issue
from .unreadable import CORRUPT, READ_MEMORY, READ_TIME, UnreadableWorkbook

try:
    import fcntl
except ImportError:  # not POSIX: no fork either (`isolated`)
    fcntl = None

T = TypeVar("T")
PIPE_SIZE = 1 << 20  # what an unprivileged process may ask for by default on Linux
FRAME = struct.Struct(">cQ")  # how the child sends each thing: marshal or pickle, and its length


def isolated(read: Callable[[bytes], Iterable[T]], data: bytes) -> Iterator[T]:
    """What `read(data)` produces, made in a child process under memory and CPU-time limits
    and handed over one item at a time, as the child makes them: the caller works on a sheet
    while the child reads the next (on two cores, the import's checks cost little time on top
    of the reading). Raises the refusal the child raised, or one saying which limit stopped it;
    items already handed over are then to be thrown away.

    A fork, so the child starts with the file and the code, and has only a pipe to answer on.
    It never returns into the caller (os._exit): a request or a test goes on in the parent only.
    """
    if not hasattr(os, "fork"):  # not POSIX: no isolation
        yield from read(data)
        return
    pipe_out, pipe_in = os.pipe()
    _pipe_widen(pipe_in)
    try:
        pid = os.fork()
    except OSError:
        os.close(pipe_out)
        os.close(pipe_in)
        raise
    if pid == 0:
        os.close(pipe_out)
        _child_run(read, data, pipe_in)
    os.close(pipe_in)
    ending: tuple[str, Any] | None = None
    try:
        with os.fdopen(pipe_out, "rb") as pipe:
            while (frame := _frame_read(pipe)) is not None:
                kind, value = frame
                if kind != "item":
                    ending = frame
                    break
                yield value
    finally:
        if ending is None:  # the caller stopped early, or the child died: it is not waited for
            _kill(pid)
        _, status, usage = os.wait4(pid, 0)
    _child_outcome(status, usage.ru_utime + usage.ru_stime, ending)


def _pipe_widen(pipe: int) -> None:
    """Let the pipe hold a whole sheet (a national report's are 180 KB each): through the
    default 64 KiB the child and the parent took turns, a few milliseconds a sheet, 0.2 s of
    the parent's waiting in all. Linux only; elsewhere, and beyond the system's maximum
    (/proc/sys/fs/pipe-max-size, 1 MiB by default), the pipe stays as it is."""
    if fcntl is None or not hasattr(fcntl, "F_SETPIPE_SZ"):
        return
    try:
        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except OSError:
        pass


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _frame_write(pipe, value: object) -> None:
    """marshal where it can (lists of numbers and text: several times faster than pickle both
    ways), pickle for the rest (a date cell, an Issue)."""
    try:
        tag, payload = b"M", marshal.dumps(value)
    except ValueError:
        tag, payload = b"P", pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    pipe.write(FRAME.pack(tag, len(payload)))
    pipe.write(payload)
    pipe.flush()


def _frame_read(pipe) -> Any:
    header = pipe.read(FRAME.size)
    if len(header) < FRAME.size:
        return None
    tag, size = FRAME.unpack(header)
    payload = pipe.read(size)
    if len(payload) < size:
        return None
    return marshal.loads(payload) if tag == b"M" else pickle.loads(payload)  # our own child


def _child_run(read: Callable[[bytes], Iterable[Any]], data: bytes, pipe_in: int) -> NoReturn:
    try:
        _child_limits_set()
        with os.fdopen(pipe_in, "wb") as pipe:
            try:
                for item in read(data):
                    _frame_write(pipe, ("item", item))
                ending = ("done", None)
            except UnreadableWorkbook as refusal:
                ending = ("refused", refusal.issue)
            except MemoryError:  # Python's allocations fail softly, Rust's abort the child
                ending = ("memory", None)
            except Exception:
                ending = ("failed", traceback.format_exc())
            _frame_write(pipe, ending)
    finally:
        os._exit(0)


def _child_limits_set() -> None:
    """The child's limits: memory beyond what it shares with the parent at the fork, CPU time
    (SIGXCPU when it runs out), no core file when it is stopped. Its stderr is silenced: the
    reason goes to the user, not a Rust backtrace to the server's log."""
    memory = settings.IMPORT_MAX_READ_MEMORY
    seconds = settings.IMPORT_MAX_READ_SECONDS
    _limit_set(resource.RLIMIT_CORE, 0, 0)
    _limit_set(resource.RLIMIT_CPU, seconds, seconds + 5)
    address_space = _address_space()
    if address_space:  # Linux; elsewhere the fork still keeps a crash away from the server
        _limit_set(resource.RLIMIT_AS, address_space + memory, address_space + memory)
    silence = os.open(os.devnull, os.O_WRONLY)
    os.dup2(silence, 2)
    faulthandler.disable()  # its dump of an abort may go to a copy of stderr (pytest's does)


def _limit_set(kind: int, soft: int, hard: int) -> None:
    _, ceiling = resource.getrlimit(kind)
    if ceiling != resource.RLIM_INFINITY:
        soft, hard = min(soft, ceiling), min(hard, ceiling)
    resource.setrlimit(kind, (soft, hard))


def _address_space() -> int:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _child_outcome(status: int, cpu_seconds: float, ending: tuple[str, Any] | None) -> None:
    if os.WIFSIGNALED(status) and (ending is None or ending[0] != "done"):
        raise UnreadableWorkbook(_stopped_by(os.WTERMSIG(status), cpu_seconds))
    if ending is None:
        raise RuntimeError("The workbook reader ended without an answer.")
    kind, value = ending
    if kind == "done":
        return
    if kind == "refused":
        raise UnreadableWorkbook(value)
    if kind == "memory":
        raise UnreadableWorkbook(_out_of_memory())
    raise RuntimeError(f"The workbook reader failed in its child process:\n{value}")


def _stopped_by(signal_number: int, cpu_seconds: float) -> Issue:
    seconds = settings.IMPORT_MAX_READ_SECONDS
    if signal_number == signal.SIGXCPU or cpu_seconds >= seconds:  # SIGKILL at the hard limit
        return Issue(READ_TIME, {"seconds": seconds})
    if signal_number in (signal.SIGABRT, signal.SIGKILL):  # Rust's failed allocation; OOM killer
        return _out_of_memory()
    detail = f"the reader stopped on {signal.Signals(signal_number).name}"
    return Issue(CORRUPT, {"detail": detail})


def _out_of_memory() -> Issue:
    memory = settings.IMPORT_MAX_READ_MEMORY
    return Issue(READ_MEMORY, {"limit": filesizeformat(memory)})
