"""
# The synchronous client

One `Client` holds one pooled, keep-alive httpx connection to one server. It is what
`client_start()` installs behind every `Rpc`, and what code that wants no global state uses directly.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

import httpx
from discovery_shared import Rpc, registry

from . import protocol
from .config import Config
from .errors import AuthError
from .firebase import FirebaseEndpoints, FirebaseTokenAuth

Out = TypeVar("Out")


def http_options(config: Config) -> dict[str, Any]:
    """The httpx client options a resolved `Config` implies, shared by `Client` and `AsyncClient`."""
    return {
        "base_url": config.base_url,
        "auth": _auth(config),
        "timeout": httpx.Timeout(config.timeout, connect=config.connect_timeout),
        "headers": {"accept": "application/json"},
    }


def _auth(config: Config) -> httpx.Auth | None:
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
    """Calls Rpcs on one server: `client.call(rpc, inp)`, or `client.start()` to make `rpc(inp)` remote."""

    def __init__(self, config: Config | None = None, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = (config or Config()).resolved()
        self._http = httpx.Client(transport=transport, **http_options(self.config))
        self._served: dict[str, str] | None = None

    def call(self, rpc: Rpc[Any, Out], inp: Any) -> Out:
        """Run `rpc` on the server with input `inp` and return its result, or raise a `ClientError`."""
        body = protocol.request_body(rpc, inp)
        if self.config.check_fingerprints:
            protocol.check_fingerprint(rpc, self.served_fingerprints(), self.config.base_url)
        return protocol.result(rpc, self._send("POST", f"/{rpc.name}", body))

    def served_fingerprints(self) -> dict[str, str]:
        """The server's Rpcs and their fingerprints, fetched once per client."""
        if self._served is None:
            self._served = protocol.fingerprints(self._send("GET", "/rpcs"))
        return self._served

    def _send(self, method: str, path: str, body: bytes | None = None) -> httpx.Response:
        failure: BaseException | httpx.Response | None = None
        for wait in self.config.retry.waits():
            time.sleep(wait)
            try:
                response = self._http.request(method, path, content=body, headers=_json_header(body))
            except protocol.RETRY_EXCEPTIONS as err:
                failure = err
                continue
            if response.status_code not in protocol.RETRY_STATUSES:
                return response
            failure = response
        raise protocol.unavailable(self.config.base_url, failure)

    def start(self) -> None:
        """Make every `Rpc` in this process call this client's server when called."""
        registry.remote = self

    def close(self) -> None:
        if registry.remote is self:
            registry.remote = None
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _json_header(body: bytes | None) -> dict[str, str]:
    return {"content-type": "application/json"} if body is not None else {}
