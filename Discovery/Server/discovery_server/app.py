"""
# The FastAPI application

`create_app` turns implemented `Rpc`s into `POST /{name}` and `POST /{name}/batch` routes.
Bodies are decoded with the Rpc's own codec (not FastAPI's body parsing), so the server
validates exactly what the client encoded; the OpenAPI document is assembled from the same
codecs.

Each call passes, in order: authentication (`Config.auth`), the per-user `Limiter`, the
server-wide `Admission` (a bounded number of calls running and waiting, none while draining), the
body's limits (size, nesting depth), then the one call path of calls.py (decoding, the result cache, the handler, encoding), which a batch
runs for each of its items at once; the outcome and time then go to the `Store` (store/) and
the metrics. The Rpc routes are plain Starlette routes: FastAPI's per-request parameter
machinery would only re-do what the codecs do, and costs time on every call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from discovery_shared import ErrorType, Rpc, User, registry

from .account import install_account
from .admission import Admission
from .auth import Authenticator
from .batch import BatchBody, encode_answers
from .builtin_routes import install_builtin_routes
from .cache import ResultCache
from .calls import Outcome, RpcRunner
from .config import Config
from .errors import ApiError, install_error_handlers
from .limits import Limiter
from .nesting import nests_deeper_than
from .openapi import install_openapi
from .store import SqliteStore, Store, open_store

log = logging.getLogger("discovery_server")

T = TypeVar("T")


def create_app(config: Config | None = None, rpcs: Iterable[Rpc[Any, Any]] | None = None) -> FastAPI:
    """Build the server application.

    `rpcs` defaults to every registered Rpc. Rpcs without a handler are skipped with a
    warning rather than refused: shared packages often define more Rpcs than one server runs.
    """
    config = config or Config()
    candidates = registry.all() if rpcs is None else list(rpcs)
    served = [rpc for rpc in candidates if rpc.handler is not None]
    missing = [rpc.name for rpc in candidates if rpc.handler is None]
    if missing:
        log.warning("not serving Rpcs without a handler (no @rpc.impl imported): %s", ", ".join(missing))

    executor = ThreadPoolExecutor(max_workers=config.max_threads, thread_name_prefix="rpc")
    authenticate = config.auth.authenticator()
    store = open_store(config.usage_db) if config.authenticated and config.usage_db else None
    # without a store of its own, a per-minute cap is counted in a private in-memory SQLite
    private = SqliteStore(":memory:") if store is None and config.limits.calls_per_minute is not None else None
    limiter = Limiter(config.limits, store or private)
    cache = ResultCache(config.result_cache_size, config.result_cache_namespace) if config.result_cache_size > 0 else None
    admission = Admission(config.max_in_flight, config.max_waiting)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        executor.shutdown(wait=False, cancel_futures=True)
        for opened in (store, private):
            if opened is not None:
                opened.close()

    docs = not config.authenticated or config.public_docs
    app = FastAPI(
        title="Discovery",
        description="Typed Rpcs served by Discovery.",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.admission = admission  # what DrainingServer drains
    install_error_handlers(app)
    authenticate = install_account(app, config, authenticate, store)  # /account with Firebase; admission by policy
    for rpc in served:
        runner = RpcRunner(rpc, executor, config.handler_timeout, cache, admission)
        limits = _BodyLimits(config.max_body_bytes, config.max_json_depth)
        routes = _RpcRoutes(runner, BatchBody(rpc, config.max_batch), limits, authenticate, limiter, admission, store)
        app.router.routes.append(Route(f"/{rpc.name}", routes.single, methods=["POST"], name=rpc.name))
        app.router.routes.append(Route(f"/{rpc.name}/batch", routes.batch, methods=["POST"], name=f"{rpc.name}_batch"))
    install_builtin_routes(app, served, authenticate, admission, config.readiness)
    install_openapi(app, served, config.max_batch)
    log.info("serving Rpcs: %s", ", ".join(rpc.name for rpc in served) or "(none)")
    if cache is not None:
        cached = [rpc.name for rpc in served if rpc.deterministic]
        log.info("result cache: %d entries for %s", config.result_cache_size, ", ".join(cached) or "(no deterministic Rpc)")
    return app


@dataclass(frozen=True)
class _BodyLimits:
    max_bytes: int
    max_depth: int

    async def read(self, request: Request, depth: int = 0) -> bytes:
        """The body, or a 413 `ApiError` if it is larger than `max_bytes` or nests deeper than `max_depth + depth`."""
        body = await read_body(request, self.max_bytes)
        limit = self.max_depth + depth
        if nests_deeper_than(body, limit):
            raise ApiError(
                ErrorType.PAYLOAD_TOO_LARGE,
                f"the body nests arrays and objects more than {limit} levels deep, this server's limit; send flatter inputs",
                {"max_json_depth": limit},
            )
        return body


class _RpcRoutes:
    """The endpoints of one Rpc: a single call, and a batch of them."""

    def __init__(
        self,
        runner: RpcRunner,
        batch_body: BatchBody,
        limits: _BodyLimits,
        authenticate: Authenticator,
        limiter: Limiter,
        admission: Admission,
        store: Store | None,
    ) -> None:
        self._runner = runner
        self._batch_body = batch_body
        self._limits = limits
        self._authenticate = authenticate
        self._limiter = limiter
        self._admission = admission
        self._store = store

    async def single(self, request: Request) -> Response:
        user = await self._authenticate(request)
        async with self._admitted(user, 1):
            outcome = await self._runner.run(await self._body(request, user, self._limits.read), user)
            await self._record(user, [outcome])
        if outcome.error is not None:
            raise outcome.error
        return Response(outcome.output, media_type="application/json")

    async def batch(self, request: Request) -> Response:
        user = await self._authenticate(request)
        items = await self._body(request, user, self._batch_items)
        async with self._admitted(user, len(items)):
            outcomes = await asyncio.gather(*(self._runner.run(item, user, i) for i, item in enumerate(items)))
            await self._record(user, outcomes)
        self._runner.metrics.batches.inc()
        return Response(encode_answers(outcomes), media_type="application/json")

    @asynccontextmanager
    async def _admitted(self, user: User, calls: int) -> AsyncIterator[None]:
        """The user's limits first: a call refused for them never takes one of the server's places."""
        async with self._limiter.admit(user, calls):
            with self._admit(calls):
                yield

    def _admit(self, calls: int) -> AbstractContextManager[None]:
        """Places for `calls` calls in the server; a refusal (503: full or draining) counts as one failed call
        in the metrics, not in the usage store: it did no work."""
        try:
            return self._admission.admit(self._runner.rpc.name, calls)
        except ApiError as err:
            self._runner.metrics.call(0.0, err.body.type)
            raise

    async def _batch_items(self, request: Request) -> list[bytes]:
        return self._batch_body.split(await self._limits.read(request, depth=1))

    async def _body(self, request: Request, user: User, read: Callable[[Request], Awaitable[T]]) -> T:
        """What `read` makes of the body; a body refused whole (too large or deep, no array) counts as one failed call."""
        started = time.perf_counter()
        try:
            return await read(request)
        except ApiError as err:
            refused = self._runner.refused(err, time.perf_counter() - started)
            self._runner.metrics.call(refused.seconds, err.body.type)
            await self._record(user, [refused])
            raise

    async def _record(self, user: User, outcomes: Sequence[Outcome]) -> None:
        if self._store is None or not outcomes:
            return
        errors = sum(outcome.error is not None for outcome in outcomes)
        seconds = sum(outcome.seconds for outcome in outcomes)
        units = sum(outcome.units for outcome in outcomes)
        await run_in_threadpool(self._store.record_calls, user, self._runner.rpc.name, len(outcomes), errors, seconds, units)


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, or a 413 `ApiError` as soon as it is known to exceed `limit` bytes: from its
    Content-Length before reading, else while reading, so an oversized body is never held in memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _body_too_large(int(declared), limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _body_too_large(None, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _body_too_large(size: int | None, limit: int) -> ApiError:
    what = f"a body of {size} bytes" if size is not None else "a body"
    return ApiError(
        ErrorType.PAYLOAD_TOO_LARGE,
        f"{what} is more than this server's limit of {limit} bytes per request; send less per call (or smaller batches)",
        {"max_body_bytes": limit},
    )
