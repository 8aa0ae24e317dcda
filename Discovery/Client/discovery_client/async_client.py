"""
# The asynchronous client

`AsyncClient` is `Client` for asyncio code: many calls in flight over its connection pools,
e.g. `await asyncio.gather(*(client.call(rpc, x) for x in inputs))`. It shares the sync
client's decisions (`protocol`, `retry`, `servers`, `batches`); only sending and sleeping differ.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, TypeVar

import httpx

from discovery_shared import BatchResult, Rpc

from . import protocol
from .batches import BatchPlan, Chunk
from .client import authentication, server_pool
from .config import Config
from .exchange import JSON_BODY
from .retry import Attempts

Out = TypeVar("Out")


class AsyncClient:
    """Calls Rpcs on its servers from asyncio code: `await client.call(rpc, inp)`,
    `await client.call_batch(rpc, inputs)`."""

    def __init__(self, config: Config | None = None, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = (config or Config()).resolved()
        self.auth = authentication(self.config)
        """What signs every request (None without credentials)."""
        self._pool = server_pool(
            self.config, lambda url, options: httpx.AsyncClient(base_url=url, transport=transport, **options), self.auth
        )

    async def call(self, rpc: Rpc[Any, Out], inp: Any) -> Out:
        """Run `rpc` on a server with input `inp` and return its result, or raise a `ClientError`."""
        body = protocol.request_body(rpc, inp)
        return protocol.result(rpc, await self._post(rpc, rpc.name, body))

    async def call_batch(self, rpc: Rpc[Any, Out], inputs: Sequence[Any]) -> BatchResult[Out]:
        """`Client.call_batch` for asyncio: the requests to several servers are gathered."""
        plan = BatchPlan(rpc, inputs, self.config.max_batch, self._pool.healthy(), self.config.max_batch_cost)

        async def send(lane: list[Chunk]) -> None:
            for chunk in lane:
                response = await self._post(rpc, f"{rpc.name}/batch", chunk.body)
                plan.answer(chunk, protocol.batch_items(rpc, response, len(chunk)))

        outcomes = await asyncio.gather(*(send(lane) for lane in plan.lanes()), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return plan.result()

    async def _post(self, rpc: Rpc[Any, Any], path: str, body: bytes) -> httpx.Response:
        """`Client._post`, awaiting instead of blocking."""
        attempts = Attempts(self._pool, rpc, self.config.timeout)
        while True:
            server = attempts.next_server()
            if server is None:
                await asyncio.sleep(attempts.pause())
                continue
            posting = False
            try:
                if self.config.check_fingerprints:
                    if server.served is None:
                        response = await server.http.get("/rpcs")
                        if not attempts.answered(server, response):
                            continue
                        server.served = protocol.fingerprints(response)
                    protocol.check_fingerprint(rpc, server.served, server.url)
                posting = True
                response = await server.http.post(server.endpoint(path), content=body, headers=JSON_BODY)
            except httpx.TransportError as err:
                attempts.failed(server, err, posting)
                continue
            if attempts.answered(server, response):
                return response

    async def aclose(self) -> None:
        for server in self._pool.servers:
            await server.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
