"""Rpcs of the reliability tests that run in the test process: a slow async and a slow sync handler
that count how many of their calls run at once."""

from __future__ import annotations

import asyncio
import threading
import time

from pydantic.dataclasses import dataclass

from discovery_shared import Rpc


@dataclass
class Pause:
    seconds: float
    n: int = 0


class Concurrency:
    """How many calls run now, and the most that ever ran at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self.now -= 1


RUNNING = Concurrency()

slow_async = Rpc("t_rel_slow_async", Pause, Pause, docstring="Sleep `seconds` on the event loop.", idempotent=True)
slow_sync = Rpc("t_rel_slow_sync", Pause, Pause, docstring="Sleep `seconds` in a worker thread.", idempotent=True)


@slow_async.impl
async def sleep_async(p: Pause) -> Pause:
    with RUNNING:
        await asyncio.sleep(p.seconds)
    return p


@slow_sync.impl
def sleep_sync(p: Pause) -> Pause:
    with RUNNING:
        time.sleep(p.seconds)
    return p
