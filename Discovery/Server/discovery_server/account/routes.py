"""
# The account page's routes

`GET /account` (the page), `GET /account/static/*` (its script and style, built at development
time: see Discovery/Server/account_page), and the JSON routes the page calls, which code can call
too with the same bearer token as the Rpcs:

- `GET /account/config`: the Firebase web config, the registration policy and the `.env` lines;
  public, as the page needs it before anyone signs in.
- `POST /account/signup`: `{"email", "password", "name"?}`, under the registration policy.
- `GET /account/me`: the caller's account and whether the policy admits it yet.
- `GET /account/usage`: the caller's own usage (calls, errors, handler seconds and work per Rpc,
  the work in the Rpc's unit: `simulations` for a PVT circuit, `calls` by default; first and last seen).
- operators (claim `admin`): `GET /account/admin/users` (every account with its usage) and
  `POST /account/admin/users/{uid}/{approve,disable,enable}`.

Tokens travel only in the Authorization header, never in a URL, a log line or a cookie; the
page is served with a Content-Security-Policy that admits only its own script and style and
connections to this server and to Firebase's two auth APIs (or the emulator in tests).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from discovery_shared import Codec, ErrorType, WireValidationError, registry
from discovery_shared.client_env import REFRESH_TOKEN, client_env

from ..auth import AuthConfigError, Authenticator
from ..errors import ApiError, validation_error
from ..firebase_auth import EMULATOR_HOST_ENV, FirebaseAuth, FirebaseAuthenticator
from ..store import Store
from .accounts import Account, Accounts, SignUp
from .standing import PolicyGate

if TYPE_CHECKING:  # config.py imports this package for AccountConfig
    from ..config import Config

log = logging.getLogger("discovery_server.account")

STATIC = Path(__file__).parent / "static"
ASSETS = {"account.js": "text/javascript", "account.css": "text/css"}
MAX_SIGNUP_BYTES = 8192
GOOGLE_AUTH_APIS = ("https://identitytoolkit.googleapis.com", "https://securetoken.googleapis.com")


def install_account(app: FastAPI, config: Config, authenticate: Authenticator, store: Store | None) -> Authenticator:
    """Serve the account page when auth is Firebase; the authenticator the Rpc routes should use.

    With `NoAuth` nothing is installed (every /account route answers 404) and `authenticate` is
    returned as it is; under the `domains` and `approval` policies it comes back wrapped in `PolicyGate`.
    """
    if not isinstance(authenticate, FirebaseAuthenticator) or not isinstance(config.auth, FirebaseAuth):
        return authenticate
    account = config.account
    policy = account.registration
    if policy.policy == "approval" and store is None:
        raise AuthConfigError(
            "the `approval` registration policy keeps its approval records in the usage database: set usage_db (DISCOVERY_USAGE_DB)"
        )
    if not account.web_api_key:
        log.warning(
            "the account page (GET /account) cannot sign anyone in: set FIREBASE_API_KEY (the project's Web API key) or --firebase-api-key"
        )
    emulator = os.environ.get(EMULATOR_HOST_ENV) or None
    page = _AccountRoutes(
        authenticate,
        Accounts(authenticate.app, policy, store),
        store,
        web_config={
            "apiKey": account.web_api_key,
            "authDomain": account.auth_domain or f"{config.auth.project_id}.firebaseapp.com",
            "projectId": config.auth.project_id,
        },
        emulator=emulator,
    )
    app.include_router(page.router())
    log.info("account page at /account, registration policy %r", policy.policy)
    if policy.policy in ("domains", "approval"):
        return PolicyGate(authenticate, policy, store)
    return authenticate


def content_security_policy(emulator: str | None) -> str:
    """Only the page's own script and style; connections to this server and Firebase's auth APIs (or the emulator)."""
    firebase = f"http://{emulator}" if emulator else " ".join(GOOGLE_AUTH_APIS)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {firebase}",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )


class _AccountRoutes:
    def __init__(
        self,
        firebase: FirebaseAuthenticator,
        accounts: Accounts,
        usage: Store | None,
        web_config: dict[str, str | None],
        emulator: str | None,
    ) -> None:
        self._firebase = firebase
        self._accounts = accounts
        self._usage = usage
        self._web_config = web_config
        self._emulator = emulator
        self._signup = Codec(SignUp)
        self._headers = {
            "Content-Security-Policy": content_security_policy(emulator),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        }

    def router(self) -> APIRouter:
        router = APIRouter(prefix="/account")
        router.add_api_route("", self.page, methods=["GET"], include_in_schema=False)
        router.add_api_route("/static/{name}", self.asset, methods=["GET"], include_in_schema=False)
        router.add_api_route("/config", self.config, methods=["GET"], summary="The account page's public settings")
        router.add_api_route(
            "/signup", self.sign_up, methods=["POST"], status_code=201, summary="Make an account under the registration policy"
        )
        router.add_api_route("/me", self.me, methods=["GET"], summary="The caller's account and standing")
        router.add_api_route("/usage", self.own_usage, methods=["GET"], summary="The caller's own usage")
        router.add_api_route("/admin/users", self.all_users, methods=["GET"], summary="Every account with its usage (operators)")
        router.add_api_route(
            "/admin/users/{uid}/{action}", self.act, methods=["POST"], summary="approve, disable or enable an account (operators)"
        )
        return router

    async def page(self) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html", headers=self._headers)

    async def asset(self, name: str) -> Response:
        if name not in ASSETS:
            raise ApiError(ErrorType.NOT_FOUND, f"no asset {name!r} on the account page", {"asset": name})
        return FileResponse(
            STATIC / name, media_type=ASSETS[name], headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
        )

    async def config(self, request: Request) -> Response:
        if not self._web_config["apiKey"]:
            raise ApiError(
                ErrorType.UNAVAILABLE,
                "this server's operator has not set the Firebase Web API key (FIREBASE_API_KEY), so the page cannot sign anyone in",
            )
        policy = self._accounts.policy
        server_url = str(request.base_url).rstrip("/")
        return self._json(
            {
                "firebase": self._web_config,
                "emulator": self._emulator,
                "registration": {"policy": policy.policy, "domains": list(policy.domains), "description": policy.describe()},
                "env": client_env(server_url, str(self._web_config["apiKey"]), "", self._emulator),
                "refresh_token_key": REFRESH_TOKEN,
            }
        )

    async def sign_up(self, request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > MAX_SIGNUP_BYTES:
            raise ApiError(
                ErrorType.PAYLOAD_TOO_LARGE, f"a sign-up is a JSON object of at most {MAX_SIGNUP_BYTES} bytes, with Content-Length"
            )
        try:
            form = self._signup.decode(await request.body())
        except WireValidationError as err:
            raise validation_error(err) from None
        uid = await run_in_threadpool(self._accounts.sign_up, form)
        account = await run_in_threadpool(self._accounts.get, uid)
        return self._json(_account_json(account), status_code=201)

    async def me(self, request: Request) -> Response:
        claims = await self._firebase.claims(request)
        return self._json(_account_json(await run_in_threadpool(self._accounts.get, claims["uid"])))

    async def own_usage(self, request: Request) -> Response:
        claims = await self._firebase.claims(request)
        rows = await run_in_threadpool(self._usage_of, {claims["uid"]})
        return self._json(rows.get(claims["uid"], _no_usage()) | {"uid": claims["uid"], "recorded": self._usage is not None})

    async def all_users(self, request: Request) -> Response:
        await self._operator(request)
        accounts = await run_in_threadpool(self._accounts.all)
        usage = await run_in_threadpool(self._usage_of, {a.uid for a in accounts})
        return self._json([_account_json(a) | {"usage": usage.get(a.uid, _no_usage())} for a in accounts])

    async def act(self, request: Request, uid: str, action: str) -> Response:
        operator = await self._operator(request)
        actions: dict[str, Callable[[], Account]] = {
            "approve": lambda: self._accounts.approve(uid, by=operator),
            "disable": lambda: self._accounts.set_disabled(uid, True, by=operator),
            "enable": lambda: self._accounts.set_disabled(uid, False, by=operator),
        }
        if action not in actions:
            raise ApiError(ErrorType.NOT_FOUND, f"no account action {action!r}: approve, disable or enable", {"action": action})
        return self._json(_account_json(await run_in_threadpool(actions[action])))

    async def _operator(self, request: Request) -> str:
        """The uid of the calling operator: the claim is read from Firebase now, so a revoked operator stops at once."""
        claims = await self._firebase.claims(request)
        account = await run_in_threadpool(self._accounts.get, claims["uid"])
        if not account.standing.admin:
            raise ApiError(
                ErrorType.FORBIDDEN,
                "operators only: `python -m discovery_server.admin grant-admin EMAIL` makes an account an operator",
                {"reason": "not_an_operator"},
            )
        return account.uid

    def _usage_of(self, uids: set[str]) -> dict[str, dict[str, Any]]:
        """Usage per uid from the usage store (the store lists everything; an account page reads it rarely)."""
        if self._usage is None:
            return {}
        found: dict[str, dict[str, Any]] = {}
        for user in self._usage.users():
            if user.uid in uids:
                found[user.uid] = _no_usage() | {"first_seen": user.first_seen.isoformat(), "last_seen": user.last_seen.isoformat()}
        for row in self._usage.usage():
            if row.uid in found:
                found[row.uid]["rpcs"].append(
                    {
                        "rpc": row.rpc,
                        "calls": row.calls,
                        "errors": row.errors,
                        "seconds": row.seconds,
                        "work": row.units,
                        "unit": _unit(row.rpc),
                    }
                )
        return found

    def _json(self, body: object, status_code: int = 200) -> JSONResponse:
        return JSONResponse(body, status_code=status_code, headers=self._headers)


def _unit(rpc: str) -> str:
    """What an Rpc's work counts (`Rpc.usage_unit`); `calls` for one this process does not define."""
    defined = registry.get(rpc)
    return defined.usage_unit if defined is not None else "calls"


def _no_usage() -> dict[str, Any]:
    return {"first_seen": None, "last_seen": None, "rpcs": []}


def _account_json(account: Account) -> dict[str, Any]:
    refused = account.refusal
    return {
        "uid": account.uid,
        "email": account.email,
        "name": account.name,
        "disabled": account.disabled,
        "email_verified": account.standing.email_verified,
        "admin": account.standing.admin,
        "approved": account.standing.approved,
        "admitted": refused is None and not account.disabled,
        "refusal": asdict(refused) if refused else None,
        "created_ms": account.created_ms,
    }
