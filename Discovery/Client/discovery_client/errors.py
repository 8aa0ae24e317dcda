"""
# Client exceptions

One class per way a call can fail, so callers catch what they can handle: a training loop
treats `RemoteError` (the simulation failed) differently from `ServerUnavailableError`.
"""

from __future__ import annotations

from discovery_shared import DiscoveryError, ErrorBody, FieldError


class ClientError(DiscoveryError):
    """A call did not return a result. `body` is the server's error, when it sent one."""

    def __init__(self, message: str, body: ErrorBody | None = None, status_code: int | None = None) -> None:
        super().__init__(message)
        self.body = body
        self.status_code = status_code


class ValidationError(ClientError, ValueError):
    """The server refused the input; `errors` names each bad field. From `call_batch`, for the whole request:
    a batch longer than the server's limit (`loc` `()`, type `too_long`): lower `Config.max_batch` to it."""

    @property
    def errors(self) -> list[FieldError]:
        fields = self.body.details.get("fields", []) if self.body else []
        return [FieldError.model_validate(f) for f in fields]


class NotFoundError(ClientError):
    """The server does not serve this Rpc (or route)."""


class AuthError(ClientError):
    """401: credentials missing, malformed, expired or revoked. Sign in again (`discovery-login`)."""


class ForbiddenError(AuthError):
    """403: the credentials are valid but this user may not call (e.g. a disabled account)."""


class PayloadTooLargeError(ClientError):
    """413: a body past the server's limits on its bytes or nesting depth, or a batch of more items than the
    caller's calls per minute."""


class RateLimitedError(ClientError):
    """429: a per-user limit was hit; `retry_after` says how many seconds to wait."""

    retry_after: float | None = None


class RemoteError(ClientError):
    """The Rpc's handler raised on the server; `remote_type` is its exception class name."""

    @property
    def remote_type(self) -> str:
        return str(self.body.details.get("exception", "")) if self.body else ""


class RemoteTimeoutError(RemoteError):
    """The handler ran past the server's time limit."""


class ServerUnavailableError(ClientError):
    """No server answered: connection refused or dropped, or 502/503, until the retry deadline passed
    (or at once, for a dropped call that may have run and is not idempotent)."""


class SchemaMismatchError(ClientError):
    """The server's Rpc has another schema fingerprint than this client's: the two run different versions."""
