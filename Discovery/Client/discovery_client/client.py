"""
# The synchronous client

One `Client` holds a pooled, keep-alive httpx connection to each of its servers. It is what
`client_start()` installs behind every `Rpc`, and what code that wants no global state uses directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

from discovery_shared import BatchResult, Rpc, registry

from . import protocol
from .batches import BatchPlan, Chunk
from .config import Config
from .errors import AuthError
from .exchange import JSON_BODY, Exchange, direct
from .firebase import FirebaseEndpoints, FirebaseTokenAuth
from .retry import Attempts
from .servers import H, Server, ServerPool
from .transport import LeanTransport

Out = TypeVar("Out")

KEEPALIVE_EXPIRY_S = 4.0


def server_pool(config: Config, connect: Callable[[str, dict[str, Any]], H], auth: httpx.Auth | None) -> ServerPool[H]:
    """One `Server` per URL of a resolved `Config`, sharing `auth` (one token refresh serves them all)."""
    options = {
        "auth": auth,
        "timeout": httpx.Timeout(config.timeout, connect=config.connect_timeout),
        # Idle connections are dropped before uvicorn's 5 s keep-alive timeout closes them: a request
        # sent on a connection the server is closing looks like a drop after sending, which is not
        # resent for an Rpc that is not idempotent. The pool sizes are httpx's defaults.
        "limits": httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=KEEPALIVE_EXPIRY_S),
        "headers": {"accept": "application/json"},
    }
    return ServerPool([Server(url, connect(url, options)) for url in config.base_urls], config.retry)


def authentication(config: Config) -> httpx.Auth | None:
    """The `httpx.Auth` a resolved `Config` implies, shared by `Client` and `AsyncClient`."""
    if config.auth is not None:
        return config.auth
    if config.refresh_token:
        if not config.firebase_api_key:
            raise AuthError(
                "DISCOVERY_REFRESH_TOKEN is set but FIREBASE_API_KEY is not: add the Firebase project's Web API key "
                "(console > Project settings > General) to .env so the client can refresh its ID token"
            )
        return FirebaseTokenAuth(
            config.refresh_token,
            config.firebase_api_key,
            id_token=config.auth_token,
            endpoints=config.firebase_endpoints or FirebaseEndpoints(),
        )
    return BearerToken(config.auth_token) if config.auth_token else None


class BearerToken(httpx.Auth):
    """`Authorization: Bearer <token>` on every request."""

    def __init__(self, token: str) -> None:
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers["Authorization"] = self._header
        yield request


class Client:
    """Calls Rpcs on its servers: `client.call(rpc, inp)`, `client.call_batch(rpc, inputs)`, or
    `client.start()` to make `rpc(inp)` and `rpc.batch(inputs)` remote. Safe to share between threads."""

    def __init__(self, config: Config | None = None, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = (config or Config()).resolved()
        self.auth = authentication(self.config)
        """What signs every request (None without credentials)."""

        self._exchanges: dict[str, Exchange] = {}  # by server URL: those whose Rpc POSTs skip httpx.Client.post

        def connect(url: str, options: dict[str, Any]) -> httpx.Client:
            if transport is not None or not direct(url):
                return httpx.Client(base_url=url, transport=transport, **options)
            lean = LeanTransport(options["limits"].max_keepalive_connections, KEEPALIVE_EXPIRY_S)
            http = httpx.Client(base_url=url, transport=lean, **options)
            self._exchanges[url] = Exchange(http, lean, self.auth)
            return http

        self._pool = server_pool(self.config, connect, self.auth)

    def call(self, rpc: Rpc[Any, Out], inp: Any) -> Out:
        """Run `rpc` on a server with input `inp` and return its result, or raise a `ClientError`."""
        body = protocol.request_body(rpc, inp)
        return protocol.result(rpc, self._post(rpc, rpc.name, body))

    def call_batch(self, rpc: Rpc[Any, Out], inputs: Sequence[Any]) -> BatchResult[Out]:
        """Run `rpc` on every input: one `BatchItem` per input, in order, each failing on its own
        with the exception a single call would raise.

        The inputs travel in requests of at most `Config.max_batch` items and `Config.max_batch_cost`
        of work (`Rpc.cost`: costly inputs travel fewer to a request), spread over the
        servers that answer and sent concurrently. A request that fails as a whole (no server
        answered within the retry deadline, credentials refused, fingerprints differ) raises,
        as `call` would.
        """
        plan = BatchPlan(rpc, inputs, self.config.max_batch, self._pool.healthy(), self.config.max_batch_cost)

        def send(lane: list[Chunk]) -> None:
            for chunk in lane:
                response = self._post(rpc, f"{rpc.name}/batch", chunk.body)
                plan.answer(chunk, protocol.batch_items(rpc, response, len(chunk)))

        first, *others = plan.lanes() or [[]]
        with ThreadPoolExecutor(max_workers=max(1, len(others)), thread_name_prefix="discovery-batch") as threads:
            futures = [threads.submit(send, lane) for lane in others]
            try:
                send(first)
            finally:
                errors = [f.exception() for f in futures]  # every lane has finished before this returns or raises
        for error in errors:
            if error is not None:
                raise error
        return plan.result()

    def _post(self, rpc: Rpc[Any, Any], path: str, body: bytes) -> httpx.Response:
        """POST `body` to `path` (under each server's URL) on the next server in turn, retrying and failing
        over as `Config.retry` says."""
        attempts = Attempts(self._pool, rpc, self.config.timeout)
        while True:
            server = attempts.next_server()
            if server is None:
                time.sleep(attempts.pause())
                continue
            posting = False
            try:
                if self.config.check_fingerprints:
                    if server.served is None:
                        response = server.http.get("/rpcs")
                        if not attempts.answered(server, response):
                            continue
                        server.served = protocol.fingerprints(response)
                    protocol.check_fingerprint(rpc, server.served, server.url)
                posting = True
                exchange = self._exchanges.get(server.url)
                if exchange is not None:
                    response = exchange.post(server.endpoint(path), body)
                else:
                    response = server.http.post(server.endpoint(path), content=body, headers=JSON_BODY)
            except httpx.TransportError as err:
                attempts.failed(server, err, posting)
                continue
            if attempts.answered(server, response):
                return response

    def start(self) -> None:
        """Make every `Rpc` in this process call this client's servers when called."""
        registry.remote = self

    def close(self) -> None:
        if registry.remote is self:
            registry.remote = None
        for server in self._pool.servers:
            server.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
