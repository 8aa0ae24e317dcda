"""
# The servers a client calls

With several server URLs a client spreads its calls round-robin and stops sending to a server
that stopped answering, until it answers again: a failed server sits out a growing back-off,
then the next call whose turn it is probes it (the others keep going elsewhere). Each server
keeps its own fingerprints, so a server running other versions of the shared packages is
caught like a single one would be.

Hand-written (a list, a lock and a few timestamps): circuit-breaker libraries such as
pybreaker guard one callable, sync only, and know nothing of round-robin or of probing one
server while calls go on to the others.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import httpx

from .retry_policy import RetryPolicy

H = TypeVar("H", httpx.Client, httpx.AsyncClient)


@dataclass(eq=False)
class Server(Generic[H]):
    """One server: its connection pool, its fingerprints once fetched, and its health."""

    url: str
    http: H
    served: dict[str, str] | None = None  # Rpc name -> fingerprint, from GET /rpcs
    failures: int = 0  # in a row; 0 while it answers
    down_until: float = 0.0  # time.monotonic() before which no call is sent to it
    _endpoints: dict[str, httpx.URL] = field(default_factory=dict, repr=False)

    def endpoint(self, path: str) -> httpx.URL:
        """The absolute URL of `path` under this server's URL, as httpx joins a relative one to `base_url`, made
        once per path: httpx parses and merges a relative URL again on every request."""
        url = self._endpoints.get(path)
        if url is None:
            base = self.http.base_url
            url = self._endpoints[path] = base.copy_with(raw_path=base.raw_path + path.lstrip("/").encode("ascii"))
        return url


class ServerPool(Generic[H]):
    """Round-robin over the servers that answer; thread-safe (the sync client is shared by threads)."""

    def __init__(self, servers: list[Server[H]], policy: RetryPolicy) -> None:
        self.servers: list[Server[H]] = servers  # annotated: mypy cannot infer attributes typed by a value-restricted TypeVar
        self.policy = policy
        self._lock = threading.Lock()
        self._cursor = 0

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    def healthy(self) -> int:
        """How many servers are answering now (at least 1, so work is never split zero ways)."""
        return max(1, sum(server.failures == 0 for server in self.servers))

    def pick(self, force: bool = False) -> tuple[Server[H], int] | None:
        """The next server in turn that may be tried, with its failure count (for `failed`), or
        None while all sit out their back-off; `force` picks the one whose back-off ends first."""
        with self._lock:
            now = time.monotonic()
            count = len(self.servers)
            turn = [self.servers[(self._cursor + k) % count] for k in range(count)]
            ready = [server for server in turn if server.down_until <= now]
            if not ready and not force:
                return None
            server = ready[0] if ready else min(turn, key=lambda s: s.down_until)
            self._cursor = (self.servers.index(server) + 1) % count
            if server.failures:  # a probe: the other calls keep away until it has an answer
                server.down_until = now + self.policy.pause(server.failures)
            return server, server.failures

    def next_probe_in(self) -> float:
        """Seconds until some server may be tried again."""
        return max(0.0, min(server.down_until for server in self.servers) - time.monotonic())

    def succeeded(self, server: Server[H]) -> None:
        with self._lock:
            server.failures = 0
            server.down_until = 0.0

    def failed(self, server: Server[H], seen: int, retry_after: float | None) -> None:
        """Mark `server` down. `seen` is its failure count when the failing call picked it: calls
        that were in flight together when it went down count as one failure, not many."""
        with self._lock:
            if server.failures == seen:
                server.failures += 1
                server.down_until = time.monotonic() + self.policy.pause(server.failures)
            if retry_after is not None:
                server.down_until = max(server.down_until, time.monotonic() + retry_after)
