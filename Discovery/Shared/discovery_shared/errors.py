"""
# Errors

The one JSON error shape every Discovery server answers with, and the exceptions that the
shared layer raises itself. Clients map `ErrorBody.type` back to their own exception classes.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, Field


class ErrorType(str, Enum):
    """What went wrong, as carried in `ErrorBody.type`; the HTTP status follows from it."""

    BAD_REQUEST = "bad_request"  # 400: a request the server cannot read at all
    VALIDATION = "validation_error"  # 422: the input does not fit the Rpc's input type (a batch: no array of at most max_batch)
    NOT_FOUND = "not_found"  # 404: no such Rpc (or route) on this server
    METHOD_NOT_ALLOWED = "method_not_allowed"  # 405: the route takes other methods, listed in `Allow`
    UNAUTHORIZED = "unauthorized"  # 401: missing, malformed, expired or revoked credentials
    FORBIDDEN = "forbidden"  # 403: valid credentials, but this user may not call
    PAYLOAD_TOO_LARGE = "payload_too_large"  # 413: a body past the server's byte or nesting limits, a batch past a user's cap
    RATE_LIMITED = "rate_limited"  # 429: a per-user limit was hit; see Retry-After
    HANDLER_ERROR = "handler_error"  # 500: the Rpc's handler raised
    TIMEOUT = "timeout"  # 504: the handler ran past the server's time limit
    UNAVAILABLE = (
        "unavailable"  # 503: the server is full or draining, or a service it needs (e.g. Firebase) is unreachable; see Retry-After
    )

    @property
    def status_code(self) -> int:
        return _STATUS[self]


_STATUS = {
    ErrorType.BAD_REQUEST: 400,
    ErrorType.VALIDATION: 422,
    ErrorType.NOT_FOUND: 404,
    ErrorType.METHOD_NOT_ALLOWED: 405,
    ErrorType.UNAUTHORIZED: 401,
    ErrorType.FORBIDDEN: 403,
    ErrorType.PAYLOAD_TOO_LARGE: 413,
    ErrorType.RATE_LIMITED: 429,
    ErrorType.HANDLER_ERROR: 500,
    ErrorType.TIMEOUT: 504,
    ErrorType.UNAVAILABLE: 503,
}


class FieldError(BaseModel):
    """One invalid field: `loc` is its path from the top of the input, e.g. ("inner", "num")."""

    loc: tuple[str, ...]
    msg: str
    type: str

    def __str__(self) -> str:
        return f"{'.'.join(self.loc) or '<input>'}: {self.msg}"


class ErrorBody(BaseModel):
    """The JSON body of every error response: `{"type", "message", "details"}`.

    `details` depends on `type`: `{"fields": [FieldError, ...]}` for validation errors,
    `{"exception": "<class name>"}` for handler errors, `{"rpc": "<name>"}` for unknown Rpcs,
    `{"reason": ...}` for refused credentials, `{"retry_after": <seconds>}` for rate limits,
    `{"reason": "overloaded" | "draining", "retry_after": <seconds>}` for a server that takes no
    more calls now, the limit's name (`max_body_bytes`, `max_json_depth`) for 413s, and `max_batch` beside
    the `fields` of a batch longer than it.
    """

    type: ErrorType
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class DiscoveryError(Exception):
    """Base of every exception raised by the Discovery libraries."""


class WireValidationError(DiscoveryError, ValueError):
    """A value does not fit an Rpc's type; `errors` names each bad field."""

    def __init__(self, tp: type, errors: list[FieldError]) -> None:
        self.type = tp
        self.errors = errors
        lines = "\n".join(f"  {e}" for e in errors)
        super().__init__(f"invalid {getattr(tp, '__name__', tp)}:\n{lines}")


class RpcDefinitionError(DiscoveryError, TypeError):
    """An `Rpc` or its handler is defined wrongly (duplicate name, bad signature, second impl)."""


class NoBackendError(DiscoveryError, RuntimeError):
    """An `Rpc` was called with neither a handler attached nor a client started."""
