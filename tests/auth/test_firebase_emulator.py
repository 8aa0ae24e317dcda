"""Firebase auth end to end against the real Auth emulator: firebase-admin verifies, uvicorn serves, httpx calls.

The emulator issues unsigned tokens and does not check expiry; signatures and expiry are
tested in test_signed_tokens.py.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import sqlite3
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Protocol

import httpx
import pytest
from dotenv import dotenv_values
from firebase_admin import auth

import discovery_client as dc
import discovery_server as ds
import example_server  # noqa: F401  (attaches the example handler)
from discovery_client import sign_in_with_password
from discovery_client.login import main as discovery_login
from discovery_shared import ErrorBody, ErrorType
from discovery_shared.client_env import client_env
from example_shared import Example, example

from .conftest import API_KEY, PASSWORD, PROJECT, Emulator, ServeApp
from .rpcs import Caller, Nap, nap, whoami


class Serve(Protocol):
    def __call__(self, config: ds.Config | None = None) -> ds.BackgroundServer: ...


@pytest.fixture
def serve_firebase(emulated: Emulator, serve: ServeApp, tmp_path: Path) -> Serve:
    """`serve_firebase(config)`: a real server verifying tokens with the emulator; usage in tmp_path."""

    def start(config: ds.Config | None = None) -> ds.BackgroundServer:
        config = config or ds.Config(auth=ds.FirebaseAuth(PROJECT))
        config = replace(config, usage_db=config.usage_db or str(tmp_path / "usage.sqlite3"))
        return serve(ds.create_app(config, rpcs=[whoami, nap, example]))

    return start


@pytest.fixture
def no_dotenv(tmp_path: Path) -> str:
    """An empty .env, so a developer's own .env cannot leak into a test's client."""
    path = tmp_path / "empty.env"
    path.write_text("")
    return str(path)


def post(server: ds.BackgroundServer, token: str | None, path: str = "/t_auth_whoami", **headers: str) -> httpx.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{server.url}{path}", json={"seconds": 0}, headers=headers)


def refused(response: httpx.Response, status: int = 401) -> ErrorBody:
    """The documented error shape, with the bearer challenge on every 401."""
    assert response.status_code == status, response.text
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
    return ErrorBody.model_validate(response.json())


def unsigned_jwt(**claims: object) -> str:
    """An unsigned token of the emulator's kind, with chosen claims (e.g. an expiry in the past)."""
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_valid_id_token_reaches_the_handler_as_its_user(serve_firebase: Serve, emulated: Emulator) -> None:
    email, tokens = emulated.new_user("Ada Lovelace")
    response = post(serve_firebase(), tokens.id_token)
    assert response.status_code == 200, response.text
    assert response.json() == {"uid": tokens.uid, "email": email, "name": "Ada Lovelace"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwdw=="},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer garbage"},
        {"Authorization": "Bearer a.b.c"},
    ],
    ids=["missing", "basic", "no-token", "garbage", "three-parts"],
)
def test_missing_or_malformed_credentials_are_401(serve_firebase: Serve, headers: dict[str, str]) -> None:
    body = refused(post(serve_firebase(), None, **headers))
    assert body.type is ErrorType.UNAUTHORIZED
    assert "discovery-login" in body.message


def test_token_of_another_project_is_401(serve_firebase: Serve, emulated: Emulator) -> None:
    _, tokens = emulated.new_user()
    body = refused(post(serve_firebase(ds.Config(auth=ds.FirebaseAuth("demo-other-project"))), tokens.id_token))
    assert "audience" in body.message and "demo-other-project" in body.message


def test_revoked_token_is_401_when_checked(serve_firebase: Serve, emulated: Emulator) -> None:
    _, tokens = emulated.new_user()
    time.sleep(1.1)  # Firebase compares whole seconds: revocation must come after the token's second
    auth.revoke_refresh_tokens(tokens.uid, app=emulated.admin)
    body = refused(post(serve_firebase(), tokens.id_token))
    assert body.details == {"reason": "token revoked"}
    unchecked = serve_firebase(ds.Config(auth=ds.FirebaseAuth(PROJECT, check_revoked=False)))
    assert post(unchecked, tokens.id_token).status_code == 200


def test_disabled_user_is_403_for_id_tokens_and_session_cookies(serve_firebase: Serve, emulated: Emulator) -> None:
    _, tokens = emulated.new_user()
    cookie = auth.create_session_cookie(tokens.id_token, timedelta(minutes=10), app=emulated.admin)
    auth.update_user(tokens.uid, disabled=True, app=emulated.admin)
    server = serve_firebase()
    for token in (tokens.id_token, cookie):
        body = refused(post(server, token), 403)
        assert body.type is ErrorType.FORBIDDEN and "disabled" in body.message


def test_deleted_user_is_401(serve_firebase: Serve, emulated: Emulator) -> None:
    _, tokens = emulated.new_user()
    auth.delete_user(tokens.uid, app=emulated.admin)
    assert "no longer exists" in refused(post(serve_firebase(), tokens.id_token)).message


def test_session_cookie_is_accepted_as_a_bearer_token(serve_firebase: Serve, emulated: Emulator) -> None:
    email, tokens = emulated.new_user()
    cookie = auth.create_session_cookie(tokens.id_token, timedelta(minutes=10), app=emulated.admin)
    assert cookie != tokens.id_token
    response = post(serve_firebase(), cookie)
    assert response.status_code == 200, response.text
    assert response.json()["uid"] == tokens.uid and response.json()["email"] == email


def test_only_the_alive_route_is_open_and_docs_are_opt_in(serve_firebase: Serve, emulated: Emulator) -> None:
    _, tokens = emulated.new_user()
    server = serve_firebase()
    assert httpx.get(f"{server.url}/").status_code == 200
    for path in ("/rpcs", "/version"):
        refused(httpx.get(f"{server.url}{path}"))
        assert httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {tokens.id_token}"}).status_code == 200
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert httpx.get(f"{server.url}{path}").status_code == 404
    public = serve_firebase(ds.Config(auth=ds.FirebaseAuth(PROJECT), public_docs=True))
    assert httpx.get(f"{public.url}/docs").status_code == 200
    assert "/t_auth_whoami" in httpx.get(f"{public.url}/openapi.json").json()["paths"]


def statuses_seen(auth_: httpx.Auth, server: ds.BackgroundServer) -> list[int]:
    """Every response of one request, including the 401 an auth flow answers by retrying."""
    seen: list[int] = []
    with httpx.Client(auth=auth_, event_hooks={"response": [lambda r: seen.append(r.status_code)]}) as http:
        http.post(f"{server.url}/t_auth_whoami", json={"seconds": 0})
    return seen


def test_client_refreshes_an_expiring_token_before_sending(serve_firebase: Serve, emulated: Emulator) -> None:
    _, tokens = emulated.new_user()
    expiring = unsigned_jwt(exp=time.time() + 60, aud=PROJECT, sub=tokens.uid)  # inside the refresh margin
    token_auth = dc.FirebaseTokenAuth(tokens.refresh_token, API_KEY, id_token=expiring, endpoints=emulated.endpoints)
    assert statuses_seen(token_auth, serve_firebase()) == [200]  # refreshed first: the server never saw the stale one


def test_a_401_triggers_one_refresh_and_one_retry(serve_firebase: Serve, emulated: Emulator) -> None:
    _, tokens = emulated.new_user()
    rejected = unsigned_jwt(exp=time.time() + 3000, aud="someone-else", sub=tokens.uid)  # looks fresh, server refuses
    server = serve_firebase()
    token_auth = dc.FirebaseTokenAuth(tokens.refresh_token, API_KEY, id_token=rejected, endpoints=emulated.endpoints)
    assert statuses_seen(token_auth, server) == [401, 200]
    hopeless = dc.FirebaseTokenAuth("not-a-refresh-token", API_KEY, id_token=rejected, endpoints=emulated.endpoints)
    with pytest.raises(dc.AuthError, match="discovery-login"):
        statuses_seen(hopeless, server)


def test_an_early_refresh_that_fails_keeps_the_still_valid_token(
    serve_firebase: Serve, emulated: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    _, tokens = emulated.new_user()
    server = serve_firebase()
    nowhere = dc.FirebaseEndpoints.emulator(f"127.0.0.1:{ds.free_port()}")  # Firebase unreachable: nothing listens
    now = int(time.time())
    # The emulator checks claims but not signatures, so this stands for a real token with a minute left.
    expiring = unsigned_jwt(iss=f"https://securetoken.google.com/{PROJECT}", aud=PROJECT, sub=tokens.uid, iat=now, exp=now + 60)
    token_auth = dc.FirebaseTokenAuth(tokens.refresh_token, API_KEY, id_token=expiring, endpoints=nowhere)
    assert statuses_seen(token_auth, server) == [200]
    assert "could not refresh the Firebase ID token (ConnectError)" in caplog.text
    expired = unsigned_jwt(iss=f"https://securetoken.google.com/{PROJECT}", aud=PROJECT, sub=tokens.uid, iat=now - 3600, exp=now - 1)
    with pytest.raises(httpx.ConnectError):  # nothing left to fall back on (the Client retries these, then gives up)
        statuses_seen(dc.FirebaseTokenAuth(tokens.refresh_token, API_KEY, id_token=expired, endpoints=nowhere), server)


def test_concurrent_calls_share_one_refresh(
    serve_firebase: Serve, emulated: Emulator, no_dotenv: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, tokens = emulated.new_user()
    server = serve_firebase()
    stale = unsigned_jwt(exp=time.time() - 1, aud=PROJECT, sub=tokens.uid)
    config = dc.Config(
        server_url=server.url,
        auth_token=stale,
        refresh_token=tokens.refresh_token,
        firebase_api_key=API_KEY,
        firebase_endpoints=emulated.endpoints,
        dotenv_path=no_dotenv,
    )
    refreshes: list[str] = []
    store = dc.FirebaseTokenAuth._store

    def counted_store(self: dc.FirebaseTokenAuth, tokens: dc.Tokens) -> str:  # a spy: the refresh itself is real
        refreshes.append(tokens.uid)
        return store(self, tokens)

    monkeypatch.setattr(dc.FirebaseTokenAuth, "_store", counted_store)

    with dc.Client(config) as client:
        client.call(whoami, Nap(0))  # the first request refreshes; the threads below find a fresh token
        refreshes.clear()
        client.auth._expires_at = 0  # type: ignore[union-attr]  # expire it again, then race
        with ThreadPoolExecutor(8) as pool:
            callers: list[Caller] = list(pool.map(lambda _: client.call(whoami, Nap(0)), range(8)))
    assert {caller.uid for caller in callers} == {tokens.uid}
    assert refreshes == [tokens.uid]

    refreshes.clear()

    async def many() -> list[object]:
        async with dc.AsyncClient(replace(config, check_fingerprints=False)) as client:
            return await asyncio.gather(*(client.call(whoami, Nap(0)) for _ in range(8)))

    assert all(caller.uid == tokens.uid for caller in asyncio.run(many()))  # type: ignore[attr-defined]
    assert refreshes == [tokens.uid]


def test_login_then_example_over_http_records_user_and_usage(
    serve_firebase: Serve, emulated: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    email = "grace@example.com"
    auth.create_user(email=email, password=PASSWORD, display_name="Grace Hopper", app=emulated.admin)
    server = serve_firebase()
    env = tmp_path / ".env"
    env.write_text(f"THE_SERVER_URL={server.url}\nDISCOVERY_AUTH_TOKEN=stale-token-of-an-earlier-account\n")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert discovery_login(["--email", email, "--env-file", str(env), "--api-key", API_KEY, "--password-stdin"]) == 0
    written = dotenv_values(env)
    # the same lines the account page offers (tests/account), the stale ID token gone
    assert written == client_env(server.url, API_KEY, written["DISCOVERY_REFRESH_TOKEN"] or "", emulated.host)
    printed = capsys.readouterr().out
    assert "signed in as grace@example.com" in printed and "eyJ" not in printed  # no token on the terminal

    with dc.Client(dc.Config(dotenv_path=str(env))) as client:
        assert isinstance(client.auth, dc.FirebaseTokenAuth)
        for n in (1, 2, 3):
            assert client.call(example, Example(txt="ab", num=n)).txt == "ab" * n
    token = sign_in_with_password(email, PASSWORD, API_KEY, emulated.endpoints).id_token
    invalid = httpx.post(f"{server.url}/example", json={"txt": "ab", "num": "many"}, headers={"Authorization": f"Bearer {token}"})
    assert invalid.status_code == 422

    with sqlite3.connect(tmp_path / "usage.sqlite3") as db:
        (user,) = db.execute("SELECT uid, email, name, first_seen, last_seen FROM users").fetchall()
        (usage,) = db.execute("SELECT rpc, calls, errors, seconds FROM usage").fetchall()
    uid = auth.get_user_by_email(email, app=emulated.admin).uid
    assert user[:3] == (uid, email, "Grace Hopper") and user[3] <= user[4]
    assert usage[:3] == ("example", 4, 1) and usage[3] > 0


def test_per_user_limits_answer_429_with_retry_after(serve_firebase: Serve, emulated: Emulator, no_dotenv: str) -> None:
    _, tokens = emulated.new_user()
    _, other = emulated.new_user()
    server = serve_firebase(ds.Config(auth=ds.FirebaseAuth(PROJECT), limits=ds.UserLimits(calls_per_minute=2)))
    assert [post(server, tokens.id_token).status_code for _ in range(2)] == [200, 200]
    limited = post(server, tokens.id_token)
    assert refused(limited, 429).type is ErrorType.RATE_LIMITED
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert post(server, other.id_token).status_code == 200  # per user, not per server

    server = serve_firebase(ds.Config(auth=ds.FirebaseAuth(PROJECT), limits=ds.UserLimits(concurrent_calls=1)))
    config = dc.Config(server_url=server.url, auth_token=tokens.id_token, check_fingerprints=False, dotenv_path=no_dotenv)
    with dc.Client(config) as client, ThreadPoolExecutor(1) as pool:
        slow: Future[Nap] = pool.submit(client.call, nap, Nap(1.0))
        time.sleep(0.3)
        with pytest.raises(dc.RateLimitedError) as err:
            client.call(nap, Nap(0))
        assert slow.result() == Nap(1.0)
        assert err.value.retry_after == 1
        assert client.call(nap, Nap(0)) == Nap(0)  # the slot is free again


def test_tokens_never_reach_the_logs(serve_firebase: Serve, emulated: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    _, good = emulated.new_user()
    _, disabled = emulated.new_user()
    auth.update_user(disabled.uid, disabled=True, app=emulated.admin)
    server = serve_firebase()
    secret_garbage = "not-a-jwt-but-a-secret-0123456789"
    responses = [post(server, token) for token in (good.id_token, disabled.id_token, secret_garbage)]
    token_auth = dc.FirebaseTokenAuth(good.refresh_token, API_KEY, endpoints=emulated.endpoints)
    statuses_seen(token_auth, server)
    assert [r.status_code for r in responses] == [200, 403, 401]
    assert secret_garbage not in responses[2].text  # firebase-admin quotes it; the server scrubs it
    assert "refused a token" in caplog.text  # the server did log the refusals...
    for secret in (good.id_token, good.refresh_token, disabled.id_token, token_auth._id_token, secret_garbage):
        assert secret and secret not in caplog.text  # ...but never a token
