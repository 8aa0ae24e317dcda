"""
# Admission: a bounded number of calls in the server, none while it drains

Without a bound, every call a server cannot run yet waits (an async handler's call on the event
loop, a sync handler's call holding its place in the thread pool's queue) and an overloaded
server answers everyone late rather than some at once. Here each call (each item of a batch)
is admitted or refused when it arrives:

- at most `Config.max_in_flight` handlers run at once, server-wide, sync and async alike (a
  sync handler also needs one of the `Config.max_threads` threads);
- calls admitted beyond those wait; with `Config.max_waiting` calls already waiting, a new call
  is refused at once with 503 `unavailable` and `Retry-After`, which clients retry (another
  server, or this one a moment later). A batch is admitted whole or refused whole; an idle
  server admits any batch up to `max_batch`, whatever its size.
- while the server drains (SIGTERM, see drain.py) every new call is refused the same way, with
  `Connection: close`, and the drain waits until the admitted calls are done. Calls still running
  at the drain's end are cut off: each answers 504 `timeout` (never resent by clients: its handler
  may have run), a sync handler's thread left to finish unobserved.

Cache hits take no handler slot: they wait for nothing. Everything here runs on the event
loop, so plain counters need no lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from typing import Any

from discovery_shared import ErrorType

from .errors import ApiError
from .metrics import ADMITTED, REFUSED

RETRY_AFTER_SECONDS = 1
"""What a refused call is told to wait: a busy server frees slots within moments; a draining one is
replaced (restarted, or another server answers) within seconds."""


class Admission:
    """The server-wide count of admitted calls and the slots their handlers run in."""

    def __init__(self, max_in_flight: int, max_waiting: int) -> None:
        if max_in_flight < 1 or max_waiting < 0:
            raise ValueError(f"need max_in_flight >= 1 and max_waiting >= 0, not {max_in_flight} and {max_waiting}")
        self.max_in_flight = max_in_flight
        self.max_waiting = max_waiting
        self.admitted = 0  # calls admitted and not yet answered: running or waiting
        self.draining = False
        self.cut_off_after: float | None = None  # set when the drain's time is up: the calls left are cut off
        self._slots = asyncio.Semaphore(max_in_flight)
        self._running: set[asyncio.Task[Any]] = set()  # the tasks of the calls holding a slot

    def admit(self, rpc: str, calls: int = 1) -> AbstractContextManager[None]:
        """Places for `calls` calls of `rpc`, held until the returned context exits; or a 503 `ApiError` at once."""
        if self.draining:
            REFUSED.labels(rpc, "draining").inc(calls)
            raise ApiError(
                ErrorType.UNAVAILABLE,
                "this server is shutting down and takes no new calls; retry on another server or in a moment",
                {"reason": "draining", "retry_after": RETRY_AFTER_SECONDS},
                headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Connection": "close"},
            )
        capacity = self.max_in_flight + self.max_waiting
        if self.admitted and self.admitted + calls > capacity:
            REFUSED.labels(rpc, "overloaded").inc(calls)
            raise ApiError(
                ErrorType.UNAVAILABLE,
                f"this server is full ({self.admitted} calls running or waiting, at most {capacity}: "
                f"max_in_flight {self.max_in_flight} + max_waiting {self.max_waiting}); retry in {RETRY_AFTER_SECONDS} s",
                {"reason": "overloaded", "calls": calls, "retry_after": RETRY_AFTER_SECONDS},
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        self.admitted += calls
        ADMITTED.inc(calls)
        return _Places(self, calls)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """One of the `max_in_flight` places a handler runs in; waits for one to free up."""
        async with self._slots:
            if self.cut_off_after is not None:
                raise self.cut_off_error()
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                yield
            finally:
                self._running.discard(task)

    def cut_off(self, after: float) -> None:
        """End the drain: cancel every running call; each answers `cut_off_error()` (see RpcRunner.run)."""
        self.cut_off_after = after
        for task in self._running:
            task.cancel()

    def cut_off_error(self) -> ApiError:
        return ApiError(
            ErrorType.TIMEOUT,
            f"the call was cut off: the server shut down, and the call was still running {self.cut_off_after:g} s after "
            "the shutdown began (its drain timeout); it may have run in part",
            {"drain_timeout": self.cut_off_after},
        )


class _Places:
    def __init__(self, admission: Admission, calls: int) -> None:
        self._admission, self._calls = admission, calls

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        self._admission.admitted -= self._calls
        ADMITTED.dec(self._calls)
