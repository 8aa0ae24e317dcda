"""
# Per-user limits

One user's runaway training loop must not starve everyone else of the simulators: optional
caps on calls per minute and on calls in flight, per uid, answered with 429 and `Retry-After`
so a well-behaved client knows how long to back off. Counts live in this process's memory
(one server process per machine is the deployment this project targets).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from discovery_shared import ErrorType

from .errors import ApiError

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class UserLimits:
    """Caps per user; None: no cap."""

    calls_per_minute: int | None = None
    concurrent_calls: int | None = None


class Limiter:
    """Admits or refuses each call of a user. Used from the event loop only, so it needs no lock."""

    def __init__(self, limits: UserLimits) -> None:
        self._limits = limits
        self._recent: defaultdict[str, deque[float]] = defaultdict(deque)  # start times in the last window
        self._running: defaultdict[str, int] = defaultdict(int)

    @contextmanager
    def admit(self, uid: str, calls: int = 1) -> Iterator[None]:
        """Hold one of the user's slots for the duration of the block, or raise a 429 `ApiError`.

        A batch is one request in flight but `calls` calls per minute: batching must not be a
        way around the per-minute cap.
        """
        now = time.monotonic()
        recent = self._recent[uid]
        while recent and recent[0] <= now - WINDOW_SECONDS:
            recent.popleft()
        per_minute, concurrent = self._limits.calls_per_minute, self._limits.concurrent_calls
        if per_minute is not None:
            if calls > per_minute:
                raise ApiError(
                    ErrorType.PAYLOAD_TOO_LARGE,
                    f"a batch of {calls} items is more than this user's limit of {per_minute} calls per minute; send smaller batches",
                    {"items": calls, "calls_per_minute": per_minute},
                )
            if len(recent) + calls > per_minute:
                wait = recent[len(recent) + calls - per_minute - 1] + WINDOW_SECONDS - now
                raise _rate_limited(f"more than {per_minute} calls per minute", wait)
        if concurrent is not None and self._running[uid] >= concurrent:
            raise _rate_limited(f"more than {concurrent} calls at once", 1.0)
        if per_minute is not None:
            recent.extend([now] * calls)
        self._running[uid] += 1
        try:
            yield
        finally:
            self._running[uid] -= 1


def _rate_limited(what: str, wait: float) -> ApiError:
    seconds = max(1, math.ceil(wait))
    return ApiError(
        ErrorType.RATE_LIMITED,
        f"{what} for this user; retry in {seconds} s (the server's per-user limit)",
        {"retry_after": seconds},
        headers={"Retry-After": str(seconds)},
    )
