"""
# Firebase tokens on the client

A Firebase ID token lives one hour; a training run lives for days. `FirebaseTokenAuth` holds
the long-lived refresh token instead and mints a fresh ID token through Google's Secure Token
API shortly before the current one expires, and once more when the server answers 401 (a
revoked or early-expired token), then retries that request once. If an early refresh fails
for a transient reason (network, Firebase 5xx), it keeps the still-valid token and tries again
on the next request, so a blip at the wrong moment does not end a run. It is an `httpx.Auth`, so the
sync `Client` and the `AsyncClient` both use it; refreshes are serialised, so many threads or
tasks that find the token stale cause one refresh, not a stampede.

`FirebaseEndpoints` says where Google's two auth APIs are, so tests and local development can
point them at the Firebase Auth emulator (`FIREBASE_AUTH_EMULATOR_HOST`, the variable every
Firebase SDK honours).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import threading
import time
from collections.abc import AsyncGenerator, Generator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .errors import AuthError, ServerUnavailableError

log = logging.getLogger("discovery_client.auth")

EMULATOR_HOST_ENV = "FIREBASE_AUTH_EMULATOR_HOST"
REFRESH_MARGIN_SECONDS = 300.0  # refresh this long before expiry: clocks drift, calls take time, Google may blip
_TRANSIENT = (httpx.TransportError, ServerUnavailableError)


@dataclass(frozen=True)
class FirebaseEndpoints:
    """Base URLs of the Identity Toolkit (sign-in) and Secure Token (refresh) REST APIs."""

    identity_toolkit: str = "https://identitytoolkit.googleapis.com"
    secure_token: str = "https://securetoken.googleapis.com"

    @classmethod
    def emulator(cls, host: str) -> FirebaseEndpoints:
        """The Firebase Auth emulator at `host` (`host:port`), which serves both APIs under path prefixes."""
        return cls(f"http://{host}/identitytoolkit.googleapis.com", f"http://{host}/securetoken.googleapis.com")

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> FirebaseEndpoints:
        host = env.get(EMULATOR_HOST_ENV)
        return cls.emulator(host) if host else cls()


@dataclass(frozen=True)
class Tokens:
    """What a sign-in or a refresh returns. `repr` hides the tokens so they cannot leak into logs."""

    id_token: str
    refresh_token: str
    expires_at: float  # epoch seconds
    uid: str

    def __repr__(self) -> str:
        return f"Tokens(uid={self.uid!r}, expires_at={self.expires_at:.0f})"


def sign_in_with_password(
    email: str, password: str, api_key: str, endpoints: FirebaseEndpoints = FirebaseEndpoints(), *, timeout: float = 30.0
) -> Tokens:
    """Email and password sign-in through the Identity Toolkit API (what `discovery-login` runs)."""
    response = httpx.post(
        f"{endpoints.identity_toolkit}/v1/accounts:signInWithPassword",
        headers={"X-Goog-Api-Key": api_key},
        json={"email": email, "password": password, "returnSecureToken": True},
        timeout=timeout,
    )
    body = _firebase_body(response, "signing in")
    return Tokens(body["idToken"], body["refreshToken"], time.time() + float(body["expiresIn"]), body["localId"])


class FirebaseTokenAuth(httpx.Auth):
    """`Authorization: Bearer <ID token>`, kept fresh from a refresh token; on a 401, refresh once and retry.

    `id_token` (e.g. DISCOVERY_AUTH_TOKEN from `.env`) is used until it is about to expire;
    without it the first request refreshes.
    """

    def __init__(
        self,
        refresh_token: str,
        api_key: str,
        *,
        id_token: str | None = None,
        endpoints: FirebaseEndpoints = FirebaseEndpoints(),
        timeout: float = 30.0,
    ) -> None:
        self._refresh_token = refresh_token
        self._api_key = api_key
        self._endpoints = endpoints
        self._timeout = timeout
        self._id_token = id_token
        self._expires_at = _expiry(id_token) if id_token else 0.0
        self._sync_lock = threading.Lock()
        self._async_lock = asyncio.Lock()  # binds to the loop of first use (Python >= 3.10)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._current()
        if token is None:
            with self._sync_lock:
                token = self._current() or self._sync_refresh(stale=None)
        response = yield _with_token(request, token)
        if response.status_code == 401:
            with self._sync_lock:
                token = self._sync_refresh(stale=token)
            yield _with_token(request, token)

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = self._current()
        if token is None:
            async with self._async_lock:
                token = self._current() or await self._async_refresh(stale=None)
        response = yield _with_token(request, token)
        if response.status_code == 401:
            async with self._async_lock:
                token = await self._async_refresh(stale=token)
            yield _with_token(request, token)

    def _current(self) -> str | None:
        """The ID token if it is good for at least the refresh margin, else None."""
        token = self._id_token
        return token if token and time.time() < self._expires_at - REFRESH_MARGIN_SECONDS else None

    def _sync_refresh(self, stale: str | None) -> str:
        if stale is not None and self._id_token != stale:
            return self._id_token  # type: ignore[return-value]  # another thread refreshed meanwhile
        try:
            response = httpx.post(**_refresh_request(self._refresh_token, self._api_key, self._endpoints), timeout=self._timeout)
            return self._store(_refreshed(response))
        except _TRANSIENT as err:
            return self._still_valid(stale, err)

    async def _async_refresh(self, stale: str | None) -> str:
        if stale is not None and self._id_token != stale:
            return self._id_token  # type: ignore[return-value]  # another task refreshed meanwhile
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                response = await http.post(**_refresh_request(self._refresh_token, self._api_key, self._endpoints))
            return self._store(_refreshed(response))
        except _TRANSIENT as err:
            return self._still_valid(stale, err)

    def _still_valid(self, stale: str | None, err: Exception) -> str:
        """After a network error or a Firebase outage: an early refresh keeps the unexpired token and tries again next request."""
        token, left = self._id_token, self._expires_at - time.time()
        if stale is None and token and left > 0:
            log.warning("could not refresh the Firebase ID token (%s); the current one is good for %.0f s more", type(err).__name__, left)
            return token
        raise err

    def _store(self, tokens: Tokens) -> str:
        self._id_token, self._expires_at, self._refresh_token = tokens.id_token, tokens.expires_at, tokens.refresh_token
        return tokens.id_token


def _with_token(request: httpx.Request, token: str) -> httpx.Request:
    request.headers["Authorization"] = f"Bearer {token}"
    return request


def _refresh_request(refresh_token: str, api_key: str, endpoints: FirebaseEndpoints) -> dict[str, Any]:
    return {
        "url": f"{endpoints.secure_token}/v1/token",
        "headers": {"X-Goog-Api-Key": api_key},  # a header, not `?key=`: URLs end up in logs
        "data": {"grant_type": "refresh_token", "refresh_token": refresh_token},
    }


def _refreshed(response: httpx.Response) -> Tokens:
    body = _firebase_body(response, "refreshing the ID token")
    return Tokens(body["id_token"], body["refresh_token"], time.time() + float(body["expires_in"]), body["user_id"])


def _firebase_body(response: httpx.Response, doing: str) -> dict[str, Any]:
    """The JSON of a successful Firebase REST answer, or an `AuthError` naming Firebase's reason."""
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {}
    if response.is_success and body:
        return body
    if response.status_code >= 500:
        raise ServerUnavailableError(f"{doing} failed: Firebase answered HTTP {response.status_code}; try again later")
    reason = str(body.get("error", {}).get("message", f"HTTP {response.status_code}"))
    raise AuthError(
        f"{doing} failed at Firebase ({reason}): run `discovery-login` to sign in again; check FIREBASE_API_KEY "
        "is the Web API key of the server's Firebase project",
        status_code=response.status_code,
    )


def _expiry(id_token: str) -> float:
    """The `exp` claim of a JWT, unverified (the server verifies; the client only schedules refreshes); 0 if unreadable."""
    try:
        payload = id_token.split(".")[1]
        return float(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        return 0.0
