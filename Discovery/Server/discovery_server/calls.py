"""
# Running one call

The one path every call of an Rpc takes, alone or as an item of a batch: decode the input's
JSON with the Rpc's codec, answer from the result cache or run the handler under the time
limit, check what it returned, encode it. The failure of a call comes back in its `Outcome`
rather than raised, so a batch answers each item on its own; a single call raises it. A handler
that finds its input invalid beyond what the type says raises `WireValidationError`, answered as
a 422 naming the fields, like a decoding error.

Every handler runs in one of the server's `max_in_flight` slots (admission.py); a sync handler
then runs on the app's thread pool (it may block). Its time limit starts when it starts running,
not while it waits for a slot or a free thread, so the items of a large batch queued behind each
other are not timed out for waiting. A cache hit needs no slot.

An outcome also carries the call's work for the usage store (`Rpc.usage_field`): one unit per
call by default; for an Rpc that declares a field, the field of the answer it computed, and none
for an answer from the cache or an error, which ran no simulation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from discovery_shared import ErrorType, Handler, Rpc, User, WireValidationError

from .admission import Admission
from .cache import ResultCache
from .errors import ApiError, validation_error
from .metrics import RpcMetrics

log = logging.getLogger("discovery_server")


@dataclass(frozen=True)
class Outcome:
    """What one call answered: the encoded output, or the error; and its time on the server."""

    output: bytes | None
    error: ApiError | None
    seconds: float
    units: int
    """The call's work (`Rpc.usage_field`; one unit per call without it)."""


class RpcRunner:
    """Runs the calls of one served Rpc."""

    def __init__(
        self,
        rpc: Rpc[Any, Any],
        executor: ThreadPoolExecutor,
        timeout: float | None,
        cache: ResultCache | None,
        admission: Admission,
    ) -> None:
        assert rpc.handler is not None, f"Rpc {rpc.name!r} has no handler"
        self.rpc = rpc
        self.metrics = RpcMetrics(rpc.name)
        self._handler: Handler[Any, Any] = rpc.handler
        self._executor = executor
        self._timeout = timeout
        self._admission = admission
        self._cache = cache if rpc.deterministic else None  # a cache is a promise only deterministic Rpcs make

    async def run(self, data: bytes, user: User, index: int | None = None) -> Outcome:
        """One call on the JSON `data` of its input; `index` is its place in a batch, named by a validation error."""
        started = time.perf_counter()
        output, error, worked = None, None, 0
        try:
            output, worked = await self._answer(self.rpc.input_codec.decode(data), user)
        except WireValidationError as err:
            error = validation_error(err, index)
        except ApiError as err:
            error = err
        except asyncio.CancelledError:
            if self._admission.cut_off_after is None:
                raise  # not ours: the request itself was cancelled
            error = self._admission.cut_off_error()  # cut off at the drain's end: answered, not cancelled
        except Exception as err:  # a fault of the server itself: still this call's error only
            log.exception("call of Rpc %r failed on the server", self.rpc.name)
            error = ApiError(ErrorType.HANDLER_ERROR, f"{type(err).__name__}: {err}", {"exception": type(err).__name__})
        seconds = time.perf_counter() - started
        self.metrics.call(seconds, None if error is None else error.body.type)
        return Outcome(output, error, seconds, self._units(worked))

    def refused(self, error: ApiError, seconds: float) -> Outcome:
        """The outcome of a call refused before it was decoded (its body too large, or no batch array)."""
        return Outcome(None, error, seconds, self._units(0))

    def _units(self, worked: int) -> int:
        """A call's work for the usage store: `worked` (what computing its answer did) for an Rpc with a
        `usage_field`, else one unit per call."""
        return worked if self.rpc.usage_field is not None else 1

    async def _answer(self, inp: Any, user: User) -> tuple[bytes, int]:
        """The encoded output and the work computing it did (none from the cache)."""
        if self._cache is None:
            return await self._compute(inp, user)
        key = self._cache.key(self.rpc, inp)
        cached = self._cache.get(key)
        if cached is not None:
            self.metrics.cache_hits.inc()
            return cached, 0
        self.metrics.cache_misses.inc()
        output, worked = await self._compute(inp, user)
        self._cache.put(key, output)
        return output, worked

    async def _compute(self, inp: Any, user: User) -> tuple[bytes, int]:
        result = await self._invoke(inp, user)
        try:
            valid = self.rpc.return_codec.validate(result)
        except WireValidationError as err:
            raise ApiError(
                ErrorType.HANDLER_ERROR,
                f"handler of Rpc {self.rpc.name!r} returned an invalid {self.rpc.return_type.__name__}: {err}",
                {"exception": "InvalidReturnValue"},
            ) from None
        return self.rpc.return_codec.encode(valid), self.rpc.usage_of(valid)

    async def _invoke(self, inp: Any, user: User) -> Any:
        try:
            if self._handler.is_async:
                return await self._run_async(inp, user)
            return await self._run_in_thread(inp, user)
        except (ApiError, WireValidationError):
            raise  # the time limit; an input the handler found invalid (422, naming the fields, as decoding would)
        except Exception as err:
            log.exception("handler of Rpc %r raised", self.rpc.name)
            raise ApiError(ErrorType.HANDLER_ERROR, f"{type(err).__name__}: {err}", {"exception": type(err).__name__}) from None

    async def _run_async(self, inp: Any, user: User) -> Any:
        self.metrics.waiting.inc()
        waiting = True
        try:
            async with self._admission.slot():
                self.metrics.waiting.dec()
                waiting = False
                self.metrics.in_flight.inc()
                try:
                    if self._timeout is None:
                        return await self._handler.invoke(inp, user)
                    task = asyncio.ensure_future(self._handler.invoke(inp, user))
                    return await self._within_limit(task, _Started(time.monotonic()))
                finally:
                    self.metrics.in_flight.dec()
        finally:
            if waiting:  # cancelled before a slot freed up
                self.metrics.waiting.dec()

    async def _run_in_thread(self, inp: Any, user: User) -> Any:
        call = _ThreadCall(self._handler, inp, user, self.metrics)
        self.metrics.waiting.inc()  # until a thread starts it (or it is cancelled before)
        submitted = None
        try:
            async with self._admission.slot():
                submitted = self._executor.submit(call.run)
                future = asyncio.wrap_future(submitted)
                if self._timeout is None:
                    return await future
                return await self._within_limit(future, call)
        finally:
            if submitted is None or submitted.cancel():  # never started: it waits no more
                self.metrics.waiting.dec()

    async def _within_limit(self, future: asyncio.Future[Any], call: _Started) -> Any:
        """The future's result, or a TIMEOUT `ApiError` once it has run `timeout` s since `call.started`."""
        assert self._timeout is not None
        wait = self._timeout
        try:
            while True:
                await asyncio.wait({future}, timeout=wait)
                if future.done():
                    return future.result()
                if call.started is None:  # still waiting for a thread: its time has not begun
                    continue
                wait = call.started + self._timeout - time.monotonic()
                if wait <= 0:
                    raise ApiError(
                        ErrorType.TIMEOUT,
                        f"Rpc {self.rpc.name!r} ran past the server's limit of {self._timeout} s",
                        {"timeout": self._timeout},
                    )
        except BaseException:
            future.cancel()  # an async handler stops; a thread cannot be stopped and finishes unobserved
            raise


class _Started:
    def __init__(self, started: float | None = None) -> None:
        self.started = started  # time.monotonic() when the handler began running, None until then


class _ThreadCall(_Started):
    """A sync handler's call on the thread pool; marks when it leaves the queue for a thread."""

    def __init__(self, handler: Handler[Any, Any], inp: Any, user: User, metrics: RpcMetrics) -> None:
        super().__init__()
        self._handler, self._inp, self._user, self._metrics = handler, inp, user, metrics

    def run(self) -> Any:
        self.started = time.monotonic()
        self._metrics.waiting.dec()
        self._metrics.in_flight.inc()
        try:
            return self._handler.invoke(self._inp, self._user)
        finally:
            self._metrics.in_flight.dec()
