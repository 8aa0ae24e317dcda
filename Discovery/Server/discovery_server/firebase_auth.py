"""
# Firebase authentication

`FirebaseAuth` makes every Rpc route (and `/rpcs`, `/version`) require
`Authorization: Bearer <token>`, where the token is a Firebase ID token (what `discovery-login`
and the client's refresh produce) or a Firebase session cookie (what a web front end may hold
instead), both verified by firebase-admin against one Firebase project.

Refusals: 401 with `WWW-Authenticate: Bearer` for missing, malformed, expired, revoked,
other-project tokens and deleted users; 403 for a disabled user. Disabled and revoked are only
detectable with `check_revoked=True` (one user lookup at Firebase per request), which is the
default because a leaked token should stop working when an administrator revokes it.

Tokens never reach a log or an error message: firebase-admin's messages sometimes quote the
token they refuse, so every message is scrubbed before it leaves this module.

`FIREBASE_AUTH_EMULATOR_HOST` (firebase-admin's own variable) sends verification to the
Firebase Auth emulator, which accepts unsigned tokens: for tests only, and loudly logged.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import firebase_admin
import google.auth.exceptions
import google.auth.jwt
from fastapi import Request
from firebase_admin import auth, credentials, exceptions
from starlette.concurrency import run_in_threadpool

from discovery_shared import ErrorType, User

from .auth import AuthConfigError, Authenticator
from .errors import ApiError

log = logging.getLogger("discovery_server.auth")

EMULATOR_HOST_ENV = "FIREBASE_AUTH_EMULATOR_HOST"
SESSION_COOKIE_ISSUER = "https://session.firebase.google.com/"
_LOGIN_HINT = (
    "run `discovery-login` to sign in again, or set DISCOVERY_REFRESH_TOKEN and FIREBASE_API_KEY so the client refreshes its token itself"
)


@dataclass(frozen=True)
class FirebaseAuth:
    """Verify Firebase ID tokens and session cookies of one Firebase project.

    `credentials_path` is a service-account JSON file; None uses Google's application default
    credentials (`GOOGLE_APPLICATION_CREDENTIALS`, or the metadata server on Google Cloud).
    firebase-admin needs credentials even though signatures are checked with Google's public
    keys: `check_revoked` looks the user up, and the SDK refuses to start without them.
    """

    project_id: str
    credentials_path: str | None = None
    check_revoked: bool = True

    def authenticator(self) -> Authenticator:
        return FirebaseAuthenticator(self)


class FirebaseAuthenticator:
    """The per-app verifier: one firebase-admin App, so several servers in one process stay independent."""

    def __init__(self, config: FirebaseAuth) -> None:
        if not config.project_id:
            raise AuthConfigError("FirebaseAuth needs the Firebase project id (FIREBASE_PROJECT_ID in .env, or --firebase-project)")
        self._check_revoked = config.check_revoked
        credential = _credential(config.credentials_path)
        self._app = firebase_admin.initialize_app(credential, {"projectId": config.project_id}, name=f"discovery-{uuid.uuid4().hex}")
        emulator = os.environ.get(EMULATOR_HOST_ENV)
        if emulator:
            log.warning(
                "%s=%s: tokens are checked by the Firebase Auth emulator, WITHOUT signatures; never set it in production",
                EMULATOR_HOST_ENV,
                emulator,
            )
        else:
            _load_credentials(credential)
        log.info("Firebase auth for project %r (check_revoked=%s)", config.project_id, config.check_revoked)

    @property
    def app(self) -> firebase_admin.App:
        """The firebase-admin App tokens are verified with, for what an operator does to accounts (account/)."""
        return self._app

    async def __call__(self, request: Request) -> User:
        return user_of(await self.claims(request))

    async def claims(self, request: Request) -> dict[str, Any]:
        """The verified claims of the request's token (custom claims such as `admin` included), or an `ApiError`."""
        return await run_in_threadpool(self._verify, bearer_token(request))

    def _verify(self, token: str) -> dict[str, Any]:
        """Verify an ID token or, by its issuer, a session cookie; map every refusal to an `ApiError`."""
        verify: Callable[..., dict[str, Any]] = (
            auth.verify_session_cookie if _issuer(token).startswith(SESSION_COOKIE_ISSUER) else auth.verify_id_token
        )
        try:
            return verify(token, check_revoked=self._check_revoked, app=self._app)
        except auth.UserDisabledError:
            raise ApiError(ErrorType.FORBIDDEN, "this user account is disabled; ask the server's administrator to enable it") from None
        except (auth.RevokedIdTokenError, auth.RevokedSessionCookieError):
            raise _unauthorized("token revoked", _LOGIN_HINT) from None
        except (auth.ExpiredIdTokenError, auth.ExpiredSessionCookieError):
            raise _unauthorized("token expired", _LOGIN_HINT) from None
        except auth.UserNotFoundError:
            raise _unauthorized("the token's user no longer exists", "ask the server's administrator for an account") from None
        except (auth.InvalidIdTokenError, auth.InvalidSessionCookieError, ValueError) as err:
            reason = _scrub(str(err), token)
            log.info("refused a token: %s", reason)
            raise _unauthorized(f"invalid token ({reason})", "run `discovery-login` to get one") from None
        except exceptions.FirebaseError as err:
            # Google's keys or user records are unreachable: the server's problem, not the caller's.
            log.error("could not verify a token: %s: %s", type(err).__name__, _scrub(str(err), token))
            raise ApiError(
                ErrorType.UNAVAILABLE,
                "the server could not verify the token (Firebase unreachable); try again later",
                {"exception": type(err).__name__},
            ) from None


def user_of(claims: dict[str, Any]) -> User:
    """The caller a handler sees, from verified claims."""
    return User(uid=claims["uid"], email=claims.get("email"), name=claims.get("name"))


def bearer_token(request: Request) -> str:
    """The token of `Authorization: Bearer <token>`, or a 401 that says how to get one."""
    header = request.headers.get("authorization")
    if not header:
        raise _unauthorized("no credentials", "send `Authorization: Bearer <Firebase ID token>`; run `discovery-login` to get one")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized(
            "malformed Authorization header", "expected `Authorization: Bearer <Firebase ID token>`; run `discovery-login` to get one"
        )
    return token.strip()


def _unauthorized(what: str, todo: str) -> ApiError:
    return ApiError(ErrorType.UNAUTHORIZED, f"{what}: {todo}", {"reason": what}, headers={"WWW-Authenticate": "Bearer"})


def _issuer(token: str) -> str:
    try:
        return str(google.auth.jwt.decode(token, verify=False).get("iss", ""))  # type: ignore[no-untyped-call]
    except (ValueError, google.auth.exceptions.GoogleAuthError):
        return ""  # not a JWT: the ID-token verifier refuses it with its own reason


def _scrub(message: str, token: str) -> str:
    return message.replace(token, "<token>")


def _credential(path: str | None) -> credentials.Base:
    if path is None:
        return credentials.ApplicationDefault()
    try:
        return credentials.Certificate(path)
    except (OSError, ValueError) as err:
        raise AuthConfigError(
            f"cannot use {path!r} as Firebase credentials ({err}): it must be a service-account key (JSON) "
            "downloaded from the Firebase console > Project settings > Service accounts"
        ) from None


def _load_credentials(credential: credentials.Base) -> None:
    """Fail at start-up, not on the first request, when no credentials can be found."""
    try:
        credential.get_credential()
    except google.auth.exceptions.DefaultCredentialsError as err:
        raise AuthConfigError(
            "Firebase auth found no Google credentials: download a service-account key of the Firebase project "
            "(console > Project settings > Service accounts) and set GOOGLE_APPLICATION_CREDENTIALS=<path> in .env "
            f"or pass --firebase-credentials <path> ({err})"
        ) from None
