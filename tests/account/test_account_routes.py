"""The account routes over real HTTP without a browser: off without auth, the page's settings,
sign-up refusals as typed errors, the registration policy enforced on Rpc calls (approval record,
claims, domains), the operator routes and command, and the policy's configuration."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace

import httpx
import pytest
from firebase_admin import auth

import discovery_server as ds
from discovery_client import sign_in_with_password
from discovery_server.account import AccountConfig, RegistrationPolicy
from discovery_server.account.routes import content_security_policy
from discovery_server.admin import main as admin_command
from discovery_shared.client_env import client_env
from tests.firebase_emulator import API_KEY, PASSWORD, PROJECT, Emulator

from .conftest import AccountServer, new_email

WHOAMI = "/t_auth_whoami"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def whoami(site: AccountServer, token: str) -> httpx.Response:
    return httpx.post(f"{site.url}{WHOAMI}", json={"seconds": 0}, headers=bearer(token))


def sign_up(site: AccountServer, **body: object) -> httpx.Response:
    return httpx.post(f"{site.url}/account/signup", json=body)


def token_of(emulator: Emulator, email: str) -> str:
    return sign_in_with_password(email, PASSWORD, API_KEY, emulator.endpoints).id_token


def test_no_account_page_without_auth(serve: Callable[..., ds.BackgroundServer]) -> None:
    server = serve(ds.create_app(ds.Config(), rpcs=[]))
    for path in ("/account", "/account/config", "/account/me", "/account/usage", "/account/static/account.js"):
        answer = httpx.get(f"{server.url}{path}")
        assert answer.status_code == 404 and answer.json()["type"] == "not_found", path
    assert httpx.post(f"{server.url}/account/signup", json={"email": "a@b.c", "password": PASSWORD}).status_code == 404


def test_config_names_the_project_the_policy_and_the_env_lines(account_server: Callable[..., AccountServer], emulated: Emulator) -> None:
    site = account_server("approval")
    answer = httpx.get(f"{site.url}/account/config")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["firebase"] == {"apiKey": API_KEY, "authDomain": f"{PROJECT}.firebaseapp.com", "projectId": PROJECT}
    assert body["emulator"] == emulated.host
    assert body["registration"]["policy"] == "approval" and "approves each new account" in body["registration"]["description"]
    assert body["env"] == client_env(site.url, API_KEY, "", emulated.host)  # the page fills in the refresh token
    assert body["refresh_token_key"] == "DISCOVERY_REFRESH_TOKEN"
    page = httpx.get(f"{site.url}/account")
    assert page.headers["content-type"].startswith("text/html") and page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["content-security-policy"] == content_security_policy(emulated.host)
    assert httpx.get(f"{site.url}/account/static/account.js").headers["content-type"].startswith("text/javascript")
    assert httpx.get(f"{site.url}/account/static/..%2Fconfig.py").status_code == 404


def test_content_security_policy_outside_tests_allows_only_googles_auth_apis() -> None:
    csp = content_security_policy(None)
    assert "connect-src 'self' https://identitytoolkit.googleapis.com https://securetoken.googleapis.com;" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp and "frame-ancestors 'none'" in csp


def test_without_a_web_api_key_the_page_says_what_to_set(emulated: Emulator, serve: Callable[..., ds.BackgroundServer]) -> None:
    server = serve(ds.create_app(ds.Config(auth=ds.FirebaseAuth(PROJECT)), rpcs=[]))
    answer = httpx.get(f"{server.url}/account/config")
    assert answer.status_code == 503 and "FIREBASE_API_KEY" in answer.json()["message"]


def test_sign_up_refusals_are_typed_and_name_the_field(account_server: Callable[..., AccountServer], emulated: Emulator) -> None:
    site = account_server("open")
    email = new_email()
    assert sign_up(site, email=email, password=PASSWORD, name="Ada").status_code == 201
    cases: list[tuple[dict[str, object], str]] = [
        ({"email": email, "password": PASSWORD}, "email"),  # taken
        ({"email": new_email(), "password": "short"}, "password"),  # Firebase wants 6 characters
        ({"email": "not an address", "password": PASSWORD}, "email"),
        ({"email": new_email()}, "password"),
        ({"email": new_email(), "password": 6}, "password"),
    ]
    for body, field in cases:
        answer = sign_up(site, **body)
        assert answer.status_code == 422, (body, answer.text)
        assert [tuple(f["loc"]) for f in answer.json()["details"]["fields"]] == [(field,)], body
    too_big = httpx.post(f"{site.url}/account/signup", content=b"{" + b" " * 10_000 + b"}", headers={"content-type": "application/json"})
    assert too_big.status_code == 413 and too_big.json()["type"] == "payload_too_large"


def test_domains_refuses_other_addresses_at_sign_up_and_on_every_call(
    account_server: Callable[..., AccountServer], emulated: Emulator
) -> None:
    site = account_server("domains", ("uni.edu",))
    refused = sign_up(site, email=new_email("evil-uni.edu"), password=PASSWORD)  # not a subdomain of uni.edu
    assert refused.status_code == 403 and refused.json()["details"]["reason"] == "email_domain"
    outsider = new_email("elsewhere.org")  # an account made around the page, e.g. through Firebase's REST API
    auth.create_user(email=outsider, password=PASSWORD, email_verified=True, app=emulated.admin)
    answer = whoami(site, token_of(emulated, outsider))
    assert answer.status_code == 403 and answer.json()["details"]["reason"] == "email_domain"
    verified = new_email("uni.edu")
    auth.create_user(email=verified, password=PASSWORD, email_verified=True, app=emulated.admin)
    assert whoami(site, token_of(emulated, verified)).status_code == 200
    assert httpx.get(f"{site.url}/rpcs", headers=bearer(token_of(emulated, outsider))).status_code == 403  # builtin routes too


def test_approval_is_enforced_per_call_by_record_and_by_claim(account_server: Callable[..., AccountServer], emulated: Emulator) -> None:
    site = account_server("approval")
    email = new_email()
    uid = sign_up(site, email=email, password=PASSWORD).json()["uid"]
    token = token_of(emulated, email)
    pending = whoami(site, token)
    assert pending.status_code == 403 and pending.json()["details"]["reason"] == "approval_pending"
    me = httpx.get(f"{site.url}/account/me", headers=bearer(token)).json()  # the page still works for a pending account
    assert me["admitted"] is False and me["refusal"]["reason"] == "approval_pending"

    ops = new_email("ops.example.org")
    auth.create_user(email=ops, password=PASSWORD, app=emulated.admin)
    auth.set_custom_user_claims(auth.get_user_by_email(ops, app=emulated.admin).uid, {"admin": True}, app=emulated.admin)
    ops_token = token_of(emulated, ops)
    assert whoami(site, ops_token).status_code == 200  # operators always pass
    approved = httpx.post(f"{site.url}/account/admin/users/{uid}/approve", headers=bearer(ops_token))
    assert approved.status_code == 200 and approved.json()["admitted"] is True
    assert whoami(site, token).status_code == 200  # the same, hour-old token: the server's record admits it
    assert auth.get_user(uid, app=emulated.admin).custom_claims == {"approved": True}

    # another server of the same project (its own database, no record) admits the account by its refreshed token's claim
    other = account_server("approval")
    assert whoami(other, token).status_code == 403
    assert whoami(other, token_of(emulated, email)).status_code == 200


def test_operator_routes_are_for_operators(account_server: Callable[..., AccountServer], emulated: Emulator) -> None:
    site = account_server("open")
    email = new_email()
    uid = sign_up(site, email=email, password=PASSWORD).json()["uid"]
    token = token_of(emulated, email)
    assert httpx.get(f"{site.url}/account/admin/users").status_code == 401
    refused = httpx.get(f"{site.url}/account/admin/users", headers=bearer(token))
    assert refused.status_code == 403 and "grant-admin" in refused.json()["message"]
    assert httpx.post(f"{site.url}/account/admin/users/{uid}/approve", headers=bearer(token)).status_code == 403

    assert whoami(site, token).status_code == 200
    assert run_admin(emulated, "grant-admin", email) == (0, f"{email} (uid {uid}) is now an operator of project {PROJECT}")
    listed = httpx.get(f"{site.url}/account/admin/users", headers=bearer(token))  # at once: the claim is read from Firebase
    assert listed.status_code == 200
    mine = next(a for a in listed.json() if a["uid"] == uid)
    assert mine["admin"] is True and [(r["rpc"], r["calls"], r["errors"]) for r in mine["usage"]["rpcs"]] == [("t_auth_whoami", 1, 0)]
    for action, status in (("rename", 404), ("disable", 403)):  # no such action; not oneself
        assert httpx.post(f"{site.url}/account/admin/users/{uid}/{action}", headers=bearer(token)).status_code == status
    assert httpx.post(f"{site.url}/account/admin/users/no-such-uid/approve", headers=bearer(token)).status_code == 404

    assert run_admin(emulated, "revoke-admin", email)[0] == 0
    assert httpx.get(f"{site.url}/account/admin/users", headers=bearer(token)).status_code == 403
    assert run_admin(emulated, "grant-admin", "nobody@example.com") == (
        1,
        "error: no account with the email address 'nobody@example.com' in this Firebase project",
    )


def run_admin(emulator: Emulator, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = admin_command(["--firebase-project", PROJECT, *argv])
    return code, (out.getvalue() + err.getvalue()).strip()


def test_own_usage_is_only_ones_own(account_server: Callable[..., AccountServer], emulated: Emulator) -> None:
    site = account_server("open")
    me, other = new_email(), new_email()
    for email in (me, other):
        sign_up(site, email=email, password=PASSWORD)
    mine, theirs = token_of(emulated, me), token_of(emulated, other)
    for _ in range(3):
        whoami(site, mine)
    whoami(site, theirs)
    assert httpx.get(f"{site.url}/account/usage").status_code == 401
    usage = httpx.get(f"{site.url}/account/usage", headers=bearer(mine)).json()
    assert [(r["rpc"], r["calls"], r["errors"]) for r in usage["rpcs"]] == [("t_auth_whoami", 3, 0)]
    assert usage["recorded"] is True and usage["first_seen"] <= usage["last_seen"]


@pytest.mark.parametrize(
    ("policy", "domains", "message"),
    [
        ("domains", (), "needs at least one email domain"),
        ("open", ("uni.edu",), "only used by the `domains` policy"),
        ("invite", (), "is not one of: closed, open, domains, approval"),
    ],
)
def test_registration_policy_is_checked_when_configured(policy: str, domains: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RegistrationPolicy(policy, domains)  # type: ignore[arg-type]


def test_registration_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--auth", "firebase", "--firebase-project", PROJECT, "--firebase-api-key", "web-key"]
    config = ds.config_from_command_line("t", [*argv, "--registration", "domains", "--registration-domains", "Uni.edu, @lab.org"])
    assert config.account == AccountConfig("web-key", None, RegistrationPolicy("domains", ("uni.edu", "lab.org")))
    assert ds.config_from_command_line("t", argv).account.registration.policy == "closed"  # as today, unless chosen
    with pytest.raises(SystemExit):
        ds.config_from_command_line("t", [*argv, "--registration", "domains"])
    assert "needs at least one email domain" in capsys.readouterr().err


def test_approval_needs_the_usage_database(emulated: Emulator) -> None:
    config = ds.Config(auth=ds.FirebaseAuth(PROJECT), account=AccountConfig(API_KEY, registration=RegistrationPolicy("approval")))
    with pytest.raises(ds.AuthConfigError, match="usage database"):
        ds.create_app(replace(config, usage_db=None), rpcs=[])
