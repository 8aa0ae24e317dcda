"""
# How long a call keeps trying

`RetryPolicy` is read by two modules: `retry.py` (each call's deadline and waits) and
`servers.py` (how long a failed server sits out). It lives on its own, below both, so that the
servers need not import the retry logic that drives them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How long a call keeps trying while no server answers it.

    Retried: connection errors, connections dropped before an answer, and 502/503 answers
    (waiting at least their `Retry-After`), until `deadline` seconds after the call started.
    Waits grow from `backoff`, doubling up to `max_backoff` (with jitter, so many clients
    do not return in lockstep). With several servers a call that fails on one goes to the
    next healthy one at once, and the failed server sits out the same growing back-off
    before one call probes it again.

    Never retried: an answer the server gave (4xx, 500, 504), and, for an Rpc not declared
    `idempotent`, a connection that dropped after the request was sent (its handler may
    have run). `RetryPolicy(deadline=0)` tries once.
    """

    deadline: float = 60.0  # seconds; the default outlasts a server restart
    backoff: float = 0.1  # seconds before the first retry; also how often a waiting call looks again
    max_backoff: float = 2.0

    def __post_init__(self) -> None:
        if self.deadline < 0:
            raise ValueError(f"RetryPolicy.deadline must be >= 0 seconds, not {self.deadline}")
        if not 0 < self.backoff <= self.max_backoff:
            raise ValueError(f"RetryPolicy needs 0 < backoff <= max_backoff, not backoff={self.backoff}, max_backoff={self.max_backoff}")

    def pause(self, failures: int) -> float:
        """Seconds a server sits out after `failures` (>= 1) failures in a row."""
        ceiling = min(self.max_backoff, self.backoff * 2 ** min(failures - 1, 32))
        return random.uniform(ceiling / 2, ceiling)
