"""Run one function call in a child process under a memory cap, a CPU limit and a wall-clock budget.

A parser can hang, exhaust memory or crash the interpreter (pypdf 6.13.2 fixed a segfault); none of that can
be caught in-process, so the call runs in a `multiprocessing.Process` that reports through a `Pipe` (Lambda
has no `/dev/shm`, so no `Pool` or `Queue`). The child sets RLIMIT_AS to its current address space plus the
cap and RLIMIT_CORE to 0; with a CPU budget, a profiling timer (`ITIMER_PROF`) ends it after that much
processor time (SIGPROF) and RLIMIT_CPU backs the timer up. The parent waits at most the wall-clock budget,
then kills. The CPU budget is what decides on a shared machine: processor time does not stretch with the
load, so a file's verdict does not flip between runs; the wall-clock budget is the outer bound.

The child also drops every credential from its environment before it runs the call (`scrub_environment`):
the `AWS_` variables (keys, session token, container-credentials and runtime-API endpoints) and anything
named like a secret, token, password or credential, both from `os.environ` and from the initial environment
block that `/proc/self/environ` shows, which a forked child inherits.

The start method (`default_start_method`): fork where the platform has it and the calling process has one
thread (a Lambda handler, the CLI): the child inherits the already-imported modules, so a call costs a few
milliseconds instead of an interpreter start. Fork copies only the calling thread, and a lock another thread
held stays locked in the child (Python 3.12 warns: "This process is multi-threaded, use of fork() may lead to
deadlocks"), so a threaded process (`permitclock serve`'s pollers, a pytest-xdist worker) uses forkserver: one
single-threaded server process, started once with `FORKSERVER_PRELOAD` imported, forks each child. Spawn is
the fallback where neither exists.

Each call also reports what the child used (`Usage`: processor seconds and peak memory, from the child's own
`getrusage`, or from `/proc` when the parent stops it), so a caller or a test can compare a file's cost with the
CPU budget whatever the machine's load, and a wall-clock stop can say whether the child was starved.
"""

from __future__ import annotations

import ctypes
import faulthandler
import math
import multiprocessing
import os
import re
import resource
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHILD_FAILED_EXIT = 70
"""Exit status of a child whose call raised (for example MemoryError while sending the result)."""
FORKSERVER_PRELOAD = ["permitclock.attachments.validate"]
"""Modules the forkserver imports once, so each forked child starts with the checker loaded."""


@dataclass(frozen=True)
class Usage:
    """What one child used: processor seconds (user + system, its own children included) and peak resident
    memory; None where it could not be read (a child that died before reporting)."""

    cpu_seconds: float | None = None
    peak_rss_bytes: int | None = None
    wall_clock_stop: bool = False
    """The parent stopped the child at the wall-clock budget."""

    def starved(self, cpu_budget_seconds: float) -> bool:
        """Stopped by the wall clock before the CPU budget was used: the machine was busy, the file not costly."""
        return self.wall_clock_stop and (self.cpu_seconds is None or self.cpu_seconds < cpu_budget_seconds)


@dataclass(frozen=True)
class Stopped:
    """No result: the child ran out of time (`timed_out`) or died (`exitcode`, negative = signal)."""

    timed_out: bool
    exitcode: int | None

    @property
    def out_of_cpu(self) -> bool:
        """The child used up its CPU budget (the profiling timer's SIGPROF, or RLIMIT_CPU's SIGXCPU/SIGKILL)."""
        return self.exitcode in (-signal.SIGPROF, -signal.SIGXCPU)

    def describe(self) -> str:
        """A short, content-free reason, e.g. `signal SIGSEGV` or `exit status 70`."""
        if self.timed_out:
            return "time budget exceeded"
        if self.exitcode is not None and self.exitcode < 0:
            try:
                return f"signal {signal.Signals(-self.exitcode).name}"
            except ValueError:
                return f"signal {-self.exitcode}"
        return f"exit status {self.exitcode}"


@dataclass(frozen=True)
class Isolated(Generic[T, R]):
    """A function to call in a child process with the given bounds."""

    target: Callable[[T], R]
    time_budget_seconds: float
    memory_cap_bytes: int
    start_method: str | None = None
    """`fork`, `spawn` or `forkserver`; None picks fork where available, else spawn."""
    cpu_budget_seconds: float | None = None
    """Processor time the child may use (user + system); None: only the wall-clock budget."""

    def __call__(self, arg: T) -> R | Stopped:
        return self.measured(arg)[0]

    def measured(self, arg: T) -> tuple[R | Stopped, Usage]:
        """The call's result (or why there is none) and what the child used."""
        method = self.start_method or default_start_method()
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            context.set_forkserver_preload(FORKSERVER_PRELOAD)
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(  # type: ignore[attr-defined]  # typeshed's BaseContext lacks it
            target=_child_main,
            args=(sender, self.target, arg, self.memory_cap_bytes, self.cpu_budget_seconds or self.time_budget_seconds),
            daemon=True,
        )
        process.start()
        sender.close()  # the parent keeps only the reading end, so a dead child reads as EOF
        try:
            if receiver.poll(self.time_budget_seconds):
                try:
                    result, usage = receiver.recv()
                    return result, usage
                except (EOFError, OSError):
                    process.join(self.time_budget_seconds)
                    return Stopped(timed_out=False, exitcode=process.exitcode), Usage()
            return Stopped(timed_out=True, exitcode=None), Usage(_cpu_seconds_of(process.pid), wall_clock_stop=True)
        finally:
            receiver.close()
            process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join()
            process.close()


def default_start_method() -> str:
    """fork for a single-threaded caller, else forkserver, else spawn (see the module docstring)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and _thread_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _thread_count() -> int:
    """The process's threads as the OS counts them (native ones included, as fork's warning does)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _cpu_seconds_of(pid: int | None) -> float | None:
    """Processor time a running child has used so far (Linux `/proc/{pid}/stat` utime + stime)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # fields 14 and 15 of proc(5)
    except (OSError, IndexError, ValueError):
        return None


def _usage() -> Usage:
    """This process's own use (and its reaped children's, e.g. a qpdf run), as the child reports it."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    return Usage(cpu_seconds=cpu, peak_rss_bytes=max(own.ru_maxrss, children.ru_maxrss) * 1024)  # KiB on Linux


def _child_main(
    sender: Connection, target: Callable[[T], R], arg: T, memory_cap_bytes: int, cpu_budget_seconds: float
) -> None:
    try:
        faulthandler.disable()  # a crash must not dump a traceback (an inherited setting, e.g. pytest's)
        scrub_environment()
        _limit_self(memory_cap_bytes, cpu_budget_seconds)
        result = target(arg)
        sender.send((result, _usage()))
    except BaseException:  # reported as a dead child: never print a traceback that may quote the document
        os._exit(CHILD_FAILED_EXIT)


SECRET_NAME = re.compile(r"^_?AWS_|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE_KEY|ACCESS_KEY", re.IGNORECASE)
"""Environment variables the child must not see: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE),
AWS_WEB_IDENTITY_TOKEN_FILE, AWS_LAMBDA_RUNTIME_API and every other AWS_ or secret-looking name."""


def scrub_environment() -> None:
    """Remove the secret-looking variables from `os.environ` and zero them in the initial environment block."""
    for name in [name for name in os.environ if SECRET_NAME.search(name)]:
        del os.environ[name]
    block = _initial_environment()
    if block is None:
        return
    address, content = block
    offset = 0
    for entry in content.split(b"\0"):
        name = entry.split(b"=", 1)[0].decode("latin-1")
        if entry and SECRET_NAME.search(name):
            ctypes.memset(address + offset, 0, len(entry))
        offset += len(entry) + 1


def _initial_environment() -> tuple[int, bytes] | None:
    """(address, bytes) of the environment block the process started with (Linux); None where unknown."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        with open("/proc/self/environ", "rb") as environ:
            content = environ.read()
        return int(fields[47]), content  # field 50 of proc(5), env_start; fields here start at field 3
    except (OSError, IndexError, ValueError):
        return None


def _limit_self(memory_cap_bytes: int, cpu_budget_seconds: float) -> None:
    _set_soft_limit(resource.RLIMIT_CORE, 0)
    _set_soft_limit(resource.RLIMIT_AS, _address_space_in_use() + memory_cap_bytes)
    _set_soft_limit(resource.RLIMIT_CPU, math.ceil(cpu_budget_seconds) + 1)
    signal.signal(signal.SIGPROF, signal.SIG_DFL)  # the default action ends the process, native code included
    signal.setitimer(signal.ITIMER_PROF, cpu_budget_seconds)


def _set_soft_limit(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard))


def _address_space_in_use() -> int:
    """Virtual memory size of this process (Linux `/proc`); 0 where unavailable."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0
