"""
# The client side of the wire protocol

What the sync `Client` and the `AsyncClient` share: request bodies, response decoding, the
mapping from error bodies to exceptions, and the fingerprint check.
"""

from __future__ import annotations

from typing import Any

import httpx
from discovery_shared import ErrorBody, ErrorType, Rpc
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from .errors import (
    AuthError,
    ClientError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    RemoteError,
    RemoteTimeoutError,
    SchemaMismatchError,
    ServerUnavailableError,
    ValidationError,
)

RETRY_STATUSES = frozenset({502, 503})
RETRY_EXCEPTIONS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError)

_EXCEPTIONS: dict[ErrorType, type[ClientError]] = {
    ErrorType.BAD_REQUEST: ClientError,
    ErrorType.VALIDATION: ValidationError,
    ErrorType.NOT_FOUND: NotFoundError,
    ErrorType.METHOD_NOT_ALLOWED: NotFoundError,
    ErrorType.UNAUTHORIZED: AuthError,
    ErrorType.FORBIDDEN: ForbiddenError,
    ErrorType.RATE_LIMITED: RateLimitedError,
    ErrorType.HANDLER_ERROR: RemoteError,
    ErrorType.TIMEOUT: RemoteTimeoutError,
    ErrorType.UNAVAILABLE: ServerUnavailableError,
}

_server_rpcs = TypeAdapter(list[dict[str, Any]])


def request_body(rpc: Rpc[Any, Any], inp: Any) -> bytes:
    """JSON of `inp`; a dict or another compatible value is validated into the input type first."""
    if not isinstance(inp, rpc.input_type):
        inp = rpc.input_codec.validate(inp)
    return rpc.input_codec.encode(inp)


def result(rpc: Rpc[Any, Any], response: httpx.Response) -> Any:
    """The Rpc's return value from a response, or the matching `ClientError`."""
    raise_for_error(response, rpc.name)
    return rpc.return_codec.decode(response.content)


def raise_for_error(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    try:
        body = ErrorBody.model_validate_json(response.content)
    except PydanticValidationError:
        raise ClientError(
            f"{what}: HTTP {response.status_code} from {response.url} without a Discovery error body "
            f"(is THE_SERVER_URL a Discovery server?): {response.text[:200]}",
            status_code=response.status_code,
        ) from None
    exc = _EXCEPTIONS.get(body.type, ClientError)(f"{what}: {body.message}", body, response.status_code)
    if isinstance(exc, RateLimitedError) and "retry-after" in response.headers:
        exc.retry_after = float(response.headers["retry-after"])
    raise exc


def unavailable(url: str, failure: BaseException | httpx.Response | None) -> ServerUnavailableError:
    why = f"HTTP {failure.status_code}" if isinstance(failure, httpx.Response) else repr(failure)
    return ServerUnavailableError(
        f"server at {url} unavailable after retries ({why}); is it running, and is THE_SERVER_URL right?"
    )


def fingerprints(response: httpx.Response) -> dict[str, str]:
    """Rpc name -> fingerprint, from a `GET /rpcs` response."""
    raise_for_error(response, "GET /rpcs")
    return {info["name"]: info["fingerprint"] for info in _server_rpcs.validate_json(response.content)}


def check_fingerprint(rpc: Rpc[Any, Any], served: dict[str, str], url: str) -> None:
    if rpc.name not in served:
        raise NotFoundError(
            f"server at {url} does not serve Rpc {rpc.name!r} (it serves: {', '.join(sorted(served)) or 'nothing'})"
        )
    if served[rpc.name] != rpc.fingerprint:
        raise SchemaMismatchError(
            f"Rpc {rpc.name!r} differs between this client (fingerprint {rpc.fingerprint}) and the server at "
            f"{url} ({served[rpc.name]}): their shared packages are different versions; install the same "
            "version of the shared package on both sides"
        )
