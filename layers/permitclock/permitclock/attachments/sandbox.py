"""Run one function call in a child process under a memory cap, a CPU limit and a wall-clock budget.

A parser can hang, exhaust memory or crash the interpreter (pypdf 6.13.2 fixed a segfault); none of that can
be caught in-process, so the call runs in a `multiprocessing.Process` that reports through a `Pipe` (Lambda
has no `/dev/shm`, so no `Pool` or `Queue`). The child sets RLIMIT_AS to its current address space plus the
cap, RLIMIT_CPU just above the budget and RLIMIT_CORE to 0. The parent waits at most the budget, then kills.

The fork start method is used where the platform has it: the child inherits the parent's already-imported
modules, so a call costs a few milliseconds instead of an interpreter start (spawn). Fork copies only the
calling thread, so call this from a process whose other threads hold no lock the target needs.
"""

from __future__ import annotations

import faulthandler
import math
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CHILD_FAILED_EXIT = 70
"""Exit status of a child whose call raised (for example MemoryError while sending the result)."""


@dataclass(frozen=True)
class Stopped:
    """No result: the child ran out of time (`timed_out`) or died (`exitcode`, negative = signal)."""

    timed_out: bool
    exitcode: int | None

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

    def __call__(self, arg: T) -> R | Stopped:
        context = multiprocessing.get_context(self.start_method or default_start_method())
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(  # type: ignore[attr-defined]  # typeshed's BaseContext lacks it
            target=_child_main,
            args=(sender, self.target, arg, self.memory_cap_bytes, self.time_budget_seconds),
            daemon=True,
        )
        process.start()
        sender.close()  # the parent keeps only the reading end, so a dead child reads as EOF
        try:
            if receiver.poll(self.time_budget_seconds):
                try:
                    result: R = receiver.recv()
                    return result
                except (EOFError, OSError):
                    process.join(self.time_budget_seconds)
                    return Stopped(timed_out=False, exitcode=process.exitcode)
            return Stopped(timed_out=True, exitcode=None)
        finally:
            receiver.close()
            process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join()
            process.close()


def default_start_method() -> str:
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def _child_main(
    sender: Connection, target: Callable[[T], R], arg: T, memory_cap_bytes: int, time_budget_seconds: float
) -> None:
    try:
        faulthandler.disable()  # a crash must not dump a traceback (an inherited setting, e.g. pytest's)
        _limit_self(memory_cap_bytes, time_budget_seconds)
        sender.send(target(arg))
    except BaseException:  # reported as a dead child: never print a traceback that may quote the document
        os._exit(CHILD_FAILED_EXIT)


def _limit_self(memory_cap_bytes: int, time_budget_seconds: float) -> None:
    _set_soft_limit(resource.RLIMIT_CORE, 0)
    _set_soft_limit(resource.RLIMIT_AS, _address_space_in_use() + memory_cap_bytes)
    _set_soft_limit(resource.RLIMIT_CPU, math.ceil(time_budget_seconds) + 1)


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
