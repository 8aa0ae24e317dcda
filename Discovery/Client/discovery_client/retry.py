"""
# Retries and fail-over

A call is retried while no server has answered it, until a deadline: long enough that a
training run rides out a server restart instead of losing the calls made meanwhile.

Hand-written, not tenacity or backoff: those retry one callable on one wait schedule, while
here each attempt picks its server from the pool (failing over to another healthy one at once),
the wait before the next attempt follows every server's health and `Retry-After`, and whether
an attempt may be repeated depends on where it failed and on the Rpc's `idempotent` promise.
Wrapping a library around that would leave all of it still to write. The decisions live in
`Attempts`, free of I/O, so the sync `Client` and the `AsyncClient` share them and differ
only in how they send and sleep.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any, Generic

import httpx

from discovery_shared import Rpc

from .errors import RemoteTimeoutError, ServerUnavailableError
from .servers import H, Server, ServerPool

RETRY_STATUSES = frozenset({502, 503})
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout)
"""The request never left this machine: any Rpc may be resent."""
MAYBE_SENT = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.WriteTimeout)
"""The connection dropped after the request may have reached the handler: only idempotent Rpcs are resent."""


class Attempts(Generic[H]):
    """One call's way through its retries: which server next, how long to wait, when to give up."""

    def __init__(self, pool: ServerPool[H], rpc: Rpc[Any, Any], timeout: float) -> None:
        self._pool: ServerPool[H] = pool  # annotated: see ServerPool.__init__
        self._rpc = rpc
        self._timeout = timeout
        self._deadline = time.monotonic() + pool.policy.deadline
        self._tried = False
        self._seen = 0  # the server's failure count when this call picked it
        self._last = "no attempt"

    def next_server(self) -> Server[H] | None:
        """The server to try now, or None to wait `pause()` first; raises once the deadline passed."""
        past = time.monotonic() >= self._deadline
        if past and self._tried:
            raise ServerUnavailableError(
                f"{self._rpc.name}: no server answered within the retry deadline of {self._pool.policy.deadline:g} s "
                f"(last: {self._last}); are the servers at {', '.join(self._pool.urls)} running, and is THE_SERVER_URL right?"
            )
        picked = self._pool.pick(force=past)  # every call makes at least one attempt
        if picked is None:
            return None
        self._tried = True
        server, self._seen = picked
        return server

    def pause(self) -> float:
        """Seconds to sleep before asking `next_server` again."""
        left = self._deadline - time.monotonic()
        return max(0.0, min(self._pool.policy.backoff, self._pool.next_probe_in(), left))

    def answered(self, server: Server[H], response: httpx.Response) -> bool:
        """Whether `response` is the call's answer (anything but 502/503, which are retried)."""
        if response.status_code not in RETRY_STATUSES:
            self._pool.succeeded(server)
            return True
        self._pool.failed(server, self._seen, retry_after(response))
        self._last = f"HTTP {response.status_code} from {server.url}"
        return False

    def failed(self, server: Server[H], err: httpx.TransportError, request_sent: bool) -> None:
        """Record a transport error; raises the call's exception if it may not be retried.

        `request_sent`: the Rpc's request (not only the fingerprint lookup) was being sent.
        """
        where = f"{self._rpc.name}: {server.url}"
        if isinstance(err, httpx.ReadTimeout) and request_sent:
            raise RemoteTimeoutError(
                f"{where} gave no answer within the client's timeout of {self._timeout:g} s (Config.timeout); "
                "not resent, as the handler may still be running"
            ) from err
        if not isinstance(err, NEVER_SENT + MAYBE_SENT + (httpx.ReadTimeout,)):  # e.g. a URL httpx cannot use
            raise ServerUnavailableError(f"{where}: {type(err).__name__}: {err}") from err
        self._pool.failed(server, self._seen, None)
        self._last = f"{type(err).__name__} from {server.url}"
        if isinstance(err, MAYBE_SENT) and request_sent and not self._rpc.idempotent:
            raise ServerUnavailableError(
                f"{where}: the connection dropped after the request was sent ({type(err).__name__}: {err}); not resent, "
                f"as Rpc {self._rpc.name!r} is not declared idempotent and its handler may have run. "
                "Declare Rpc(..., idempotent=True) if running an input twice does no harm"
            ) from err


def retry_after(response: httpx.Response) -> float | None:
    """The seconds of a `Retry-After` header (delta-seconds or an HTTP date), if it has a usable one."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
