"""
# Graceful drain on SIGTERM

uvicorn's own SIGTERM handling closes the listener at once: a client connecting during the
shutdown is refused, and one whose request arrives on a kept-alive connection as it is closed
cannot tell whether its call ran. `DrainingServer` drains first instead: on the first SIGTERM
(or Ctrl+C) the app's `Admission` stops taking calls, answering each new one 503 `unavailable`
with `Retry-After` and `Connection: close` (clients retry another server or this one after its
restart), `GET /readyz` turns 503 so a load balancer stops sending, and the calls already
admitted run to their end. When none is left uvicorn's ordinary shutdown follows (listener closed,
connections closed, lifespan shutdown). After `Config.drain_timeout` seconds the calls still
running are cut off, each answering 504 `timeout` (admission.py), and the shutdown follows at
once. A second signal skips what is left of the drain; a third, as in uvicorn, stops without
waiting for anything.

Subclassing `uvicorn.Server` is uvicorn's documented way to run a server programmatically;
`handle_exit` and `on_tick` are the hooks its own loop calls on a signal and ten times a second.
"""

from __future__ import annotations

import logging
import time
from types import FrameType

import uvicorn

from .admission import Admission

log = logging.getLogger("discovery_server")

GRACE_AFTER_DRAIN = 1
"""Seconds the calls cut off get to answer, and uvicorn gives the connections still open after the drain."""


class DrainingServer(uvicorn.Server):
    """A `uvicorn.Server` that drains `admission` for up to `drain_timeout` s before shutting down."""

    def __init__(self, config: uvicorn.Config, admission: Admission, drain_timeout: float) -> None:
        config.timeout_graceful_shutdown = GRACE_AFTER_DRAIN
        super().__init__(config)
        self.admission = admission
        self.drain_timeout = drain_timeout
        self._drain_ends: float | None = None

    def drain(self) -> None:
        """Stop taking calls now and shut down once the admitted ones are done (or at the drain's end)."""
        if self._drain_ends is None:
            self._drain_ends = time.monotonic() + self.drain_timeout
            self.admission.draining = True
            log.warning(
                "draining: %d calls in flight, taking no new ones; shutting down when they are done (at most %g s)",
                self.admission.admitted,
                self.drain_timeout,
            )

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._drain_ends is None and self.drain_timeout > 0:
            self.drain()
        else:
            super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if self._drain_ends is not None and not self.should_exit:
            if self.admission.admitted == 0:
                self.should_exit = True
            elif self.admission.cut_off_after is None and time.monotonic() >= self._drain_ends:
                log.error("drain timeout: cutting off %d calls still in flight after %g s", self.admission.admitted, self.drain_timeout)
                self.admission.cut_off(self.drain_timeout)
            elif time.monotonic() >= self._drain_ends + GRACE_AFTER_DRAIN:  # calls that did not end when cut off
                self.should_exit = True
        return await super().on_tick(counter)
