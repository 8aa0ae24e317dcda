"""
# The FastAPI application

`create_app` turns implemented `Rpc`s into `POST /{name}` routes. Bodies are decoded with the
Rpc's own codec (not FastAPI's body parsing), so the server validates exactly what the client
encoded; the OpenAPI document is assembled from the same codecs.

Each Rpc call passes, in order: authentication (a FastAPI dependency, `Config.auth`), the
per-user `Limiter`, decoding, the handler; its outcome and time then go to the `UsageStore`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, AsyncIterator, Callable, Iterable

from discovery_shared import ErrorType, Rpc, User, WireValidationError, registry
from fastapi import Depends, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from .builtin_routes import install_builtin_routes
from .config import Config
from .errors import ApiError, install_error_handlers
from .limits import Limiter
from .openapi import install_openapi, rpc_openapi_extra
from .usage import SqliteUsageStore, UsageStore

log = logging.getLogger("discovery_server")


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
    usage = SqliteUsageStore(config.usage_db) if config.authenticated and config.usage_db else None
    limiter = Limiter(config.limits)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        executor.shutdown(wait=False, cancel_futures=True)
        if usage is not None:
            usage.close()

    docs = not config.authenticated or config.public_docs
    app = FastAPI(
        title="Discovery",
        description="Typed Rpcs served by Discovery.",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    install_error_handlers(app)
    for rpc in served:
        app.post(
            f"/{rpc.name}",
            name=rpc.name,
            summary=rpc.name,
            description=rpc.docstring,
            response_class=Response,
            openapi_extra=rpc_openapi_extra(rpc),
        )(_endpoint(rpc, authenticate, limiter, usage, executor, config.handler_timeout))
    install_builtin_routes(app, served, authenticate)
    install_openapi(app)
    log.info("serving Rpcs: %s", ", ".join(rpc.name for rpc in served) or "(none)")
    return app


def _endpoint(
    rpc: Rpc[Any, Any],
    authenticate: Callable[..., Any],
    limiter: Limiter,
    usage: UsageStore | None,
    executor: ThreadPoolExecutor,
    timeout: float | None,
) -> Callable[..., Any]:
    async def endpoint(request: Request, user: User = Depends(authenticate)) -> Response:
        with limiter.admit(user.uid):
            started, ok = time.perf_counter(), False
            try:
                inp = rpc.input_codec.decode(await request.body())
                result = await _run_handler(rpc, inp, user, executor, timeout)
                ok = True
            finally:
                if usage is not None:
                    await run_in_threadpool(usage.record_call, user, rpc.name, ok, time.perf_counter() - started)
        return Response(rpc.return_codec.encode(result), media_type="application/json")

    return endpoint


async def _run_handler(
    rpc: Rpc[Any, Any], inp: Any, user: User, executor: ThreadPoolExecutor, timeout: float | None
) -> Any:
    assert rpc.handler is not None
    handler = rpc.handler
    if handler.is_async:
        call = handler.invoke(inp, user)
    else:
        call = asyncio.get_running_loop().run_in_executor(executor, partial(handler.invoke, inp, user))
    try:
        result = await asyncio.wait_for(call, timeout)  # type: ignore[arg-type]
    except asyncio.TimeoutError:
        raise ApiError(
            ErrorType.TIMEOUT, f"Rpc {rpc.name!r} ran past the server's limit of {timeout} s", {"timeout": timeout}
        ) from None
    except Exception as err:
        log.exception("handler of Rpc %r raised", rpc.name)
        raise ApiError(
            ErrorType.HANDLER_ERROR, f"{type(err).__name__}: {err}", {"exception": type(err).__name__}
        ) from None
    try:
        return rpc.return_codec.validate(result)
    except WireValidationError as err:
        raise ApiError(
            ErrorType.HANDLER_ERROR,
            f"handler of Rpc {rpc.name!r} returned an invalid {rpc.return_type.__name__}: {err}",
            {"exception": "InvalidReturnValue"},
        ) from None
