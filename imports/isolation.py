"""Run a reading step in a child process under memory and CPU-time limits (issue 5).

python-calamine reads the cells here: one value in cell XFD1048576, or an .ods row of a thousand
values repeated 100,000 times, makes it allocate for every cell of the claim, and a failed
allocation in Rust aborts the whole process. The child dies, the server does not: the limits
are IMPORT_MAX_READ_MEMORY and IMPORT_MAX_READ_SECONDS.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import resource
import signal
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .issues import Issue
from .unreadable import CORRUPT, READ_MEMORY, READ_TIME, UnreadableWorkbook

T = TypeVar("T")


def isolated(read: Callable[[bytes], T], data: bytes) -> T:
    """`read(data)` in a child process under memory and CPU-time limits: its result, or the
    refusal it raised, or a refusal saying which limit stopped it.

    A fork, so the child starts with the file and the code, and has only a pipe to answer on.
    It never returns into the caller (os._exit): a request or a test goes on in the parent only.
    """
    if not hasattr(os, "fork"):  # not POSIX: no isolation
        return read(data)
    pipe_out, pipe_in = os.pipe()
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
    with os.fdopen(pipe_out, "rb") as pipe:
        payload = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    return _child_outcome(status, usage.ru_utime + usage.ru_stime, payload)


def _child_run(read: Callable[[bytes], Any], data: bytes, pipe_in: int) -> NoReturn:
    try:
        _child_limits_set()
        try:
            payload = pickle.dumps(("read", read(data)), pickle.HIGHEST_PROTOCOL)
        except UnreadableWorkbook as refusal:
            payload = pickle.dumps(("refused", refusal.issue))
        except MemoryError:  # Python's allocations fail softly, Rust's abort the child
            payload = pickle.dumps(("memory", None))
        except Exception:
            payload = pickle.dumps(("failed", traceback.format_exc()))
        with os.fdopen(pipe_in, "wb") as pipe:
            pipe.write(payload)
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


def _child_outcome(status: int, cpu_seconds: float, payload: bytes) -> Any:
    if os.WIFSIGNALED(status):
        raise UnreadableWorkbook(_stopped_by(os.WTERMSIG(status), cpu_seconds))
    if not payload:
        raise RuntimeError("The workbook reader ended without an answer.")
    kind, value = pickle.loads(payload)  # from our own child
    if kind == "read":
        return value
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
