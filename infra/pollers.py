"""Lambda's SQS pollers for the local server: one background thread per event-source mapping of the template,
polling as Lambda does (`LocalRunner.poll`) until stopped, and a way to run every queue to rest (`rest`).

`paused()` holds every poller between two polls, so a schedule fired through the control surface, and the
drain after it, run alone (`LocalRunner.drain` then sees rest only when nothing is left anywhere). What the
pollers did is counted per function and handed out (and reset) by `take()`.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from infra.runner import LocalRunner, PollResult

IDLE_SECONDS = 0.2
"""How long a poller waits after an empty receive (Lambda long-polls; this keeps an idle server cheap)."""


class Pollers:
    """Every mapping's poller, in daemon threads; `after_work` runs after each poll that received messages."""

    def __init__(self, runner: LocalRunner, after_work: Callable[[], None] | None = None) -> None:
        self._runner = runner
        self._after_work = after_work
        self._turn = threading.RLock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._done: dict[str, PollResult] = {}
        self._counts = threading.Lock()

    def start(self) -> None:
        for mapping in self._runner.stack.mappings:
            thread = threading.Thread(
                target=self._loop, args=(mapping,), name=f"poller-{mapping.function}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float) -> None:
        """Ask every poller to stop and wait up to `timeout` seconds in all (a batch in flight finishes)."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(deadline - time.monotonic(), 0))

    def _loop(self, mapping: Any) -> None:
        while not self._stop.is_set():
            try:
                with self._turn:
                    result = self._runner.poll(mapping)
                    if result.received:
                        self._count(mapping.function, result)
            except Exception as err:  # a poll that failed outside the handler (the queue, moto): say so, go on
                print(f"permitclock serve: poller {mapping.function}: {err!r}", file=sys.stderr, flush=True)
                result = PollResult()
            if not result.received:
                self._stop.wait(IDLE_SECONDS)

    def _count(self, function: str, result: PollResult) -> None:
        with self._counts:
            done = self._done.setdefault(function, PollResult())
            done.received += result.received
            done.succeeded += result.succeeded
            done.failed += result.failed
        if self._after_work is not None:
            self._after_work()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No background poll runs while this lasts (one in flight finishes first)."""
        with self._turn:
            yield

    def drain(self, progress: Callable[[str, PollResult], None] | None = None) -> PollResult:
        """Every queue to rest, the pollers paused (`LocalRunner.drain`), counting what it did."""

        def counted(function: str, result: PollResult) -> None:
            self._count(function, result)
            if progress is not None:
                progress(function, result)

        with self.paused():
            return self._runner.drain(progress=counted)

    def take(self) -> dict[str, dict[str, int]]:
        """What each function's poller did (received, succeeded, failed) since the last `take`, then reset."""
        with self._counts:
            done, self._done = self._done, {}
        return {m.function: asdict(done.get(m.function, PollResult())) for m in self._runner.stack.mappings}
