"""
# The client side of the wire protocol

What the sync `Client` and the `AsyncClient` share: request bodies, response decoding (of
single calls and of batches), the one mapping from error bodies to exceptions, used for a
call and for each item of a batch alike, and the fingerprint check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import from_json, to_json

from discovery_shared import BatchItem, ErrorBody, ErrorType, Rpc, WireValidationError

from .errors import (
    AuthError,
    ClientError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    RemoteError,
    RemoteTimeoutError,
    SchemaMismatchError,
    ServerUnavailableError,
    ValidationError,
)
from .retry import retry_after

In = TypeVar("In")
Out = TypeVar("Out")

_EXCEPTIONS: dict[ErrorType, type[ClientError]] = {
    ErrorType.BAD_REQUEST: ClientError,
    ErrorType.VALIDATION: ValidationError,
    ErrorType.NOT_FOUND: NotFoundError,
    ErrorType.METHOD_NOT_ALLOWED: NotFoundError,
    ErrorType.UNAUTHORIZED: AuthError,
    ErrorType.FORBIDDEN: ForbiddenError,
    ErrorType.PAYLOAD_TOO_LARGE: PayloadTooLargeError,
    ErrorType.RATE_LIMITED: RateLimitedError,
    ErrorType.HANDLER_ERROR: RemoteError,
    ErrorType.TIMEOUT: RemoteTimeoutError,
    ErrorType.UNAVAILABLE: ServerUnavailableError,
}

_server_rpcs = TypeAdapter(list[dict[str, Any]])


def input_value(rpc: Rpc[In, Any], inp: Any) -> In:
    """`inp` as the Rpc's input type: a dict or another compatible value is validated into it."""
    return inp if isinstance(inp, rpc.input_type) else rpc.input_codec.validate(inp)


def request_body(rpc: Rpc[Any, Any], inp: Any) -> bytes:
    """JSON of `inp` (`input_value`'s)."""
    return rpc.input_codec.encode(input_value(rpc, inp))


def result(rpc: Rpc[Any, Out], response: httpx.Response) -> Out:
    """The Rpc's return value from a response, or the matching `ClientError`."""
    raise_for_error(response, rpc.name)
    return rpc.return_codec.decode(response.content)


def batch_body(bodies: Sequence[bytes]) -> bytes:
    """The body of `POST /{rpc}/batch`: a JSON array of request bodies."""
    return b"[" + b",".join(bodies) + b"]"


def batch_items(rpc: Rpc[Any, Out], response: httpx.Response, count: int) -> list[BatchItem[Out]]:
    """The items of a batch answer, each its value or the exception a single call would raise.

    A failure of the whole request (401, 413, ...) raises, as it would for a single call.
    """
    raise_for_error(response, rpc.name)
    try:
        answers = from_json(response.content)
    except ValueError:
        answers = None
    if not isinstance(answers, list) or len(answers) != count:
        raise ClientError(
            f"{rpc.name}: the batch answer from {response.url} is not a JSON array of {count} items "
            f"(is the server a Discovery server with batch calls?): {response.text[:200]}",
            status_code=response.status_code,
        )
    return [_item(rpc, answer, response) for answer in answers]


def _item(rpc: Rpc[Any, Out], answer: Any, response: httpx.Response) -> BatchItem[Out]:
    if isinstance(answer, dict) and answer.keys() == {"result"}:
        try:  # the codec validates JSON, so the result travels back to JSON: bytes, tuples and enums as for a call
            return BatchItem.success(rpc.return_codec.decode(to_json(answer["result"])))
        except WireValidationError as err:
            return BatchItem.failure(err)
    if isinstance(answer, dict) and answer.keys() == {"error"}:
        try:
            body = ErrorBody.model_validate(answer["error"])
        except PydanticValidationError:
            pass
        else:
            return BatchItem.failure(error_from_body(body, rpc.name, body.type.status_code, body.details.get("retry_after")))
    raise ClientError(
        f'{rpc.name}: an item of the batch answer from {response.url} is neither {{"result": ...}} nor '
        f'{{"error": {{"type", "message", "details"}}}}: {str(answer)[:200]}',
        status_code=response.status_code,
    )


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
    raise error_from_body(body, what, response.status_code, retry_after(response))


def error_from_body(body: ErrorBody, what: str, status_code: int, retry_after_s: object = None) -> ClientError:
    """The exception for a Discovery error body: the same for a single call and for a batch item."""
    exc = _EXCEPTIONS.get(body.type, ClientError)(f"{what}: {body.message}", body, status_code)
    if isinstance(exc, RateLimitedError) and isinstance(retry_after_s, (int, float)):
        exc.retry_after = float(retry_after_s)
    return exc


def fingerprints(response: httpx.Response) -> dict[str, str]:
    """Rpc name -> fingerprint, from a `GET /rpcs` response."""
    raise_for_error(response, "GET /rpcs")
    return {info["name"]: info["fingerprint"] for info in _server_rpcs.validate_json(response.content)}


def check_fingerprint(rpc: Rpc[Any, Any], served: dict[str, str], url: str) -> None:
    if rpc.name not in served:
        raise NotFoundError(f"server at {url} does not serve Rpc {rpc.name!r} (it serves: {', '.join(sorted(served)) or 'nothing'})")
    if served[rpc.name] != rpc.fingerprint:
        raise SchemaMismatchError(
            f"Rpc {rpc.name!r} differs between this client (fingerprint {rpc.fingerprint}) and the server at "
            f"{url} ({served[rpc.name]}): their shared packages are different versions; install the same "
            "version of the shared package on both sides"
        )
