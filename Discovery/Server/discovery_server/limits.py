"""
# Per-user limits

One user's runaway training loop must not starve everyone else of the simulators: optional
caps on calls per minute and on calls in flight, per uid, answered with 429 and `Retry-After`
so a well-behaved client knows how long to back off.

The per-minute cap is counted in the store (store/base.py), so servers that share a PostgreSQL
store hold one cap between them; a server without a store of its own counts in a private
in-memory SQLite. The cap on calls in flight protects one server's workers and is counted in
its memory: a count kept in a shared database would outlive a server that crashed mid-call.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from discovery_shared import ErrorType, User

from .errors import ApiError, store_unavailable
from .store import Store, StoreUnavailable


@dataclass(frozen=True)
class UserLimits:
    """Caps per user; None: no cap."""

    calls_per_minute: int | None = None
    concurrent_calls: int | None = None


class Limiter:
    """Admits or refuses each call of a user; its in-flight counts are touched on the event loop only, so they need no lock."""

    def __init__(self, limits: UserLimits, store: Store | None) -> None:
        """`store` counts the per-minute cap; it may be None only without one."""
        self._concurrent = limits.concurrent_calls
        self._per_minute: _PerMinute | None = None
        if limits.calls_per_minute is not None:
            if store is None:
                raise ValueError("a per-minute cap is counted in a store: pass one")
            self._per_minute = _PerMinute(limits.calls_per_minute, store)
        self._running: defaultdict[str, int] = defaultdict(int)

    @asynccontextmanager
    async def admit(self, user: User, calls: int = 1) -> AsyncIterator[None]:
        """Hold one of the user's slots for the duration of the block, or raise a 429 `ApiError`.

        A batch is one request in flight but `calls` calls per minute: batching must not be a
        way around the per-minute cap. The slot is taken before the store is asked, so a call
        refused for being one too many at once spends none of the user's minute.
        """
        if self._per_minute is not None:
            self._per_minute.check_size(calls)
        if self._concurrent is not None and self._running[user.uid] >= self._concurrent:
            raise _rate_limited(f"more than {self._concurrent} calls at once", 1)
        self._running[user.uid] += 1
        try:
            if self._per_minute is not None:
                await self._per_minute.take(user, calls)
            yield
        finally:
            self._running[user.uid] -= 1


@dataclass(frozen=True)
class _PerMinute:
    cap: int
    store: Store

    def check_size(self, calls: int) -> None:
        if calls > self.cap:
            raise ApiError(
                ErrorType.PAYLOAD_TOO_LARGE,
                f"a batch of {calls} items is more than this user's limit of {self.cap} calls per minute; send smaller batches",
                {"items": calls, "calls_per_minute": self.cap},
            )

    async def take(self, user: User, calls: int) -> None:
        try:
            wait = await run_in_threadpool(self.store.take_calls, user, calls, self.cap)
        except StoreUnavailable as err:
            raise store_unavailable("count this call against its per-user limit") from err
        if wait is not None:
            raise _rate_limited(f"more than {self.cap} calls per minute", wait)


def _rate_limited(what: str, wait: float) -> ApiError:
    seconds = max(1, math.ceil(wait))
    return ApiError(
        ErrorType.RATE_LIMITED,
        f"{what} for this user; retry in {seconds} s (the server's per-user limit)",
        {"retry_after": seconds},
        headers={"Retry-After": str(seconds)},
    )
