"""
# The asynchronous client

`AsyncClient` is `Client` for asyncio code: many calls in flight over one connection pool,
e.g. `await asyncio.gather(*(client.call(rpc, x) for x in inputs))`.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

import httpx
from discovery_shared import Rpc

from . import protocol
from .client import _json_header, http_options
from .config import Config

Out = TypeVar("Out")


class AsyncClient:
    """Calls Rpcs on one server from asyncio code: `await client.call(rpc, inp)`."""

    def __init__(self, config: Config | None = None, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = (config or Config()).resolved()
        self._http = httpx.AsyncClient(transport=transport, **http_options(self.config))
        self._served: dict[str, str] | None = None
        self._served_lock = asyncio.Lock()

    async def call(self, rpc: Rpc[Any, Out], inp: Any) -> Out:
        """Run `rpc` on the server with input `inp` and return its result, or raise a `ClientError`."""
        body = protocol.request_body(rpc, inp)
        if self.config.check_fingerprints:
            protocol.check_fingerprint(rpc, await self.served_fingerprints(), self.config.base_url)
        return protocol.result(rpc, await self._send("POST", f"/{rpc.name}", body))

    async def served_fingerprints(self) -> dict[str, str]:
        """The server's Rpcs and their fingerprints, fetched once per client."""
        async with self._served_lock:
            if self._served is None:
                self._served = protocol.fingerprints(await self._send("GET", "/rpcs"))
        return self._served

    async def _send(self, method: str, path: str, body: bytes | None = None) -> httpx.Response:
        failure: BaseException | httpx.Response | None = None
        for wait in self.config.retry.waits():
            await asyncio.sleep(wait)
            try:
                response = await self._http.request(method, path, content=body, headers=_json_header(body))
            except protocol.RETRY_EXCEPTIONS as err:
                failure = err
                continue
            if response.status_code not in protocol.RETRY_STATUSES:
                return response
            failure = response
        raise protocol.unavailable(self.config.base_url, failure)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
