"""
# The share of the server that generic simulations may take

A generic simulation (`simulate_on_the_server`) may run for the whole time limit (30 s by
default) on a core, where a fixed circuit's call takes milliseconds. Unbounded, a few of them
take every core and every fixed-circuit caller waits behind them (two 30-second circuits once
held both workers of a 2-worker pool: every other call waited 29.5 s). So they get a share:

- server-wide, at most `running` runs at once (half the pool's workers, at least one: the
  other half of the cores stays for the fixed circuits; a run holds no worker while ngspice
  runs, see `sandboxed_run.py`), and at most `waiting` more calls wait for a turn, in order;
  past that a call is refused at once with 503 `unavailable` (`details.reason` `sandbox_full`,
  `Retry-After`), which clients retry with backoff, on another server if they have one;
- per user, when callers are known (auth on): at most `per_user` runs running or waiting; past
  that 429 `rate_limited` with `retry_after`, so one user cannot fill the queue of everyone.
  Without auth every caller is the same anonymous user, and only the server-wide share holds.

Refused calls cost nothing: the share is taken after the sandbox's checks and before anything
is rendered. The share object serves any number of event loops (each waiter is woken on its own).
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from discovery_server import ANONYMOUS, ApiError
from discovery_shared import LOCAL_USER, ErrorType, User

RETRY_AFTER_S = 2
"""What a refused caller is told to wait: about the time a small generic simulation takes."""


class SandboxShare:
    """Turns for generic simulations: `async with share.turn(user): ...`."""

    def __init__(self, running: int, waiting: int, per_user: int) -> None:
        if running < 1 or waiting < 0 or per_user < 1:
            raise ValueError(f"need running >= 1, waiting >= 0 and per_user >= 1, not {running}, {waiting}, {per_user}")
        self.running, self.waiting, self.per_user = running, waiting, per_user
        self._lock = threading.Lock()
        self._active = 0
        self._queue: deque[asyncio.Future[None]] = deque()
        self._by_user: dict[str, int] = {}

    @classmethod
    def for_workers(cls, workers: int) -> SandboxShare:
        """Half of `workers` (at least one) running, twice that waiting, one per user."""
        running = max(1, workers // 2)
        return cls(running=running, waiting=2 * running, per_user=1)

    @asynccontextmanager
    async def turn(self, user: User) -> AsyncIterator[None]:
        """Hold one of the running places for the block; waits for one, or raises a 429/503 `ApiError`."""
        uid = None if user.uid in (ANONYMOUS.uid, LOCAL_USER.uid) else user.uid
        waiter = self._enter(uid)
        try:
            if waiter is not None:
                await waiter
            yield
        finally:
            self._leave(uid, waiter)

    def _enter(self, uid: str | None) -> asyncio.Future[None] | None:
        """Count the call in; None if it runs now, else the future that resolves when its turn comes."""
        with self._lock:
            if uid is not None and self._by_user.get(uid, 0) >= self.per_user:
                raise ApiError(
                    ErrorType.RATE_LIMITED,
                    f"you have {self.per_user} generic simulation(s) running or waiting on this server, the most one user may; "
                    "retry when one has ended",
                    {"retry_after": RETRY_AFTER_S, "limit": "sandbox_per_user"},
                    headers={"Retry-After": str(RETRY_AFTER_S)},
                )
            waiter = None
            if self._active < self.running:
                self._active += 1
            elif len(self._queue) < self.waiting:
                waiter = asyncio.get_running_loop().create_future()
                self._queue.append(waiter)
            else:
                raise ApiError(
                    ErrorType.UNAVAILABLE,
                    f"this server runs {self.running} generic simulation(s) at once and {len(self._queue)} wait, the most it "
                    f"takes; retry in {RETRY_AFTER_S} s",
                    {"reason": "sandbox_full", "retry_after": RETRY_AFTER_S},
                    headers={"Retry-After": str(RETRY_AFTER_S)},
                )
            if uid is not None:
                self._by_user[uid] = self._by_user.get(uid, 0) + 1
            return waiter

    def _leave(self, uid: str | None, waiter: asyncio.Future[None] | None) -> None:
        """The call ended, or gave up while waiting: its place (if it got one) goes to the next waiter."""
        with self._lock:
            if uid is not None:
                left = self._by_user[uid] - 1
                if left:
                    self._by_user[uid] = left
                else:
                    del self._by_user[uid]
            if waiter is not None and waiter in self._queue:  # gave up before its turn came
                self._queue.remove(waiter)
                return
            while self._queue:
                nxt = self._queue.popleft()
                try:
                    nxt.get_loop().call_soon_threadsafe(_wake, nxt)
                except RuntimeError:  # its loop is closed: nobody waits there
                    continue
                return  # the place passes to it, even if it gives up before it wakes (it then passes it on)
            self._active -= 1


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
