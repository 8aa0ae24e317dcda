"""
# Authentication

The seam between requests and callers: every Rpc route (and `/rpcs`, `/version`) depends on the
app's `Authenticator`, which turns a request into the `User` calling it or raises `ApiError`
(401/403). `NoAuth` is for development on loopback; `FirebaseAuth` (firebase_auth.py) for
everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fastapi import Request

from discovery_shared import User

ANONYMOUS = User(uid="anonymous", name="unauthenticated caller")
"""The caller every request is attributed to when the server runs with `auth=NoAuth()`."""


class AuthConfigError(ValueError):
    """The server's auth settings cannot work (no credentials, no project, an unsafe bind); the message says what to fix."""


class Authenticator(Protocol):
    """Resolves the caller of a request; raises `ApiError` to refuse it."""

    async def __call__(self, request: Request) -> User: ...


class AuthConfig(Protocol):
    """An auth setting of `Config.auth`; it builds the app's `Authenticator`."""

    def authenticator(self) -> Authenticator: ...


@dataclass(frozen=True)
class NoAuth:
    """No authentication: every request runs as `ANONYMOUS`. For development on loopback only."""

    def authenticator(self) -> Authenticator:
        return _allow_anonymous


async def _allow_anonymous(request: Request) -> User:
    return ANONYMOUS
