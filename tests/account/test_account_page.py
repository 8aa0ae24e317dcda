"""The account page as researchers and operators use it, in headless Chromium: sign-up under each
registration policy, sign-in, the `.env` block driving a real `discovery_client`, usage, operator
approval, disabling and re-enabling, password reset, and what must never leak (tokens in URLs or
logs, inline script under the Content-Security-Policy)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from dotenv import dotenv_values
from firebase_admin import auth

from discovery_client import sign_in_with_password
from discovery_shared.client_env import REFRESH_TOKEN, client_env
from tests.firebase_emulator import API_KEY, PASSWORD, PROJECT, Emulator

from .conftest import AccountServer, Page, identity_toolkit, new_email, oob_codes

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = os.environ.get("ACCOUNT_PAGE_SCREENSHOT")  # where to keep the signed-in page's picture (default: the test's tmp dir)


def grant_admin(emulator: Emulator, email: str) -> None:
    """The documented operator command, run as an operator would."""
    env = {**os.environ, "FIREBASE_AUTH_EMULATOR_HOST": emulator.host, "FIREBASE_PROJECT_ID": PROJECT}
    done = subprocess.run(
        [sys.executable, "-m", "discovery_server.admin", "grant-admin", email],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert f"{email} (uid " in done.stdout and "is now an operator" in done.stdout


def operator(emulator: Emulator) -> str:
    email = new_email("ops.example.org")
    auth.create_user(email=email, password=PASSWORD, display_name="Olive Operator", app=emulator.admin)
    grant_admin(emulator, email)
    return email


CLIENT_VARIABLES = ("THE_SERVER_URL", "FIREBASE_API_KEY", "DISCOVERY_REFRESH_TOKEN", "DISCOVERY_AUTH_TOKEN", "FIREBASE_AUTH_EMULATOR_HOST")


class EnvClient:
    """A researcher's process whose client knows only the downloaded file (tests/account/env_client.py)."""

    def __init__(self, env_file: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in CLIENT_VARIABLES}
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("env_client.py")), str(env_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=env_file.parent,
        )

    def call(self) -> str:
        """`ok <gain>` or `<ErrorClass> <message>` of one AutoCkt simulation on the server."""
        assert self._process.stdin and self._process.stdout
        self._process.stdin.write("call\n")
        self._process.stdin.flush()
        return self._process.stdout.readline().strip()

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.wait(timeout=30)


def test_approval_env_block_usage_and_operator_actions(
    account_server: Callable[..., AccountServer],
    browser: Callable[[], Page],
    emulated: Emulator,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level("DEBUG")
    site = account_server("approval")
    ops = operator(emulated)
    page = browser().open(site.server)
    researcher = new_email()

    page.sign_up(researcher)
    assert "Waiting for an operator's approval" in page.wait_signed_in(researcher)

    # the .env block: the refresh token only on an explicit click
    assert "•" in page.text("env") and REFRESH_TOKEN in page.text("env")
    page.element("show-token").click()
    shown = dotenv_values(stream=io.StringIO(page.text("env")))
    token = shown[REFRESH_TOKEN] or ""
    assert len(token) > 20 and "•" not in token
    downloaded = page.download_env()
    assert dotenv_values(downloaded) == client_env(site.url, API_KEY, token, emulated.host)

    client = EnvClient(downloaded)
    request.addfinalizer(client.close)
    assert client.call().startswith("ForbiddenError") and "approval" in client.call()  # the server enforces it, not only the page

    page.sign_out()
    page.sign_in(ops)
    assert "Operator" in page.text("standing")
    page.wait(lambda: page.account_status(researcher) == "Pending approval", "the pending account listed")
    page.act_on(researcher, "approve", then="Approved")
    assert client.call().startswith("ok ")  # approved: the very next call runs

    page.act_on(researcher, "disable", then="Disabled")
    refused = client.call()
    assert refused.startswith("ForbiddenError") and "disabled" in refused
    page.act_on(researcher, "enable", then="Approved")
    assert client.call().startswith("ok ")
    picture = Path(SCREENSHOT) if SCREENSHOT else tmp_path / "account-page.png"
    page.driver.save_screenshot(str(picture.with_name("operator-" + picture.name)))

    page.sign_out()
    page.sign_in(researcher)
    assert "may call this server" in page.text("standing")
    page.wait(lambda: page.driver.find_elements("css selector", '#usage tr[data-rpc="auto_ckt_sim_hdl21"]'), "the usage row")
    row = page.driver.find_element("css selector", '#usage tr[data-rpc="auto_ckt_sim_hdl21"]')
    assert [cell.text for cell in row.find_elements("css selector", "td")][1:3] == ["2", "0"]  # the two admitted calls
    assert "First call" in page.text("usage-span")
    page.driver.save_screenshot(str(picture))

    # nothing leaked: no token in the URL or the server's log, no CSP violation or other error in the console
    assert page.driver.current_url == f"{site.url}/account"
    stored = page.driver.execute_script("return [document.cookie, JSON.stringify(localStorage), JSON.stringify(sessionStorage)]")
    assert stored == ["", "{}", "{}"]  # the SDK keeps its session in its own IndexedDB, and the page keeps nothing
    logged = [f"{r.name}: {r.getMessage()}" for r in caplog.records if not r.name.startswith("selenium")]  # selenium logs what it reads
    assert [line for line in logged if token in line or "eyJ" in line] == []
    assert page.console_errors() == []


def test_open_registration_copy_and_password_reset(
    account_server: Callable[..., AccountServer], browser: Callable[[], Page], emulated: Emulator
) -> None:
    site = account_server("open")
    response = httpx.get(f"{site.url}/account")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and f"connect-src 'self' http://{emulated.host}" in csp
    page = browser().open(site.server)
    assert "Anyone may register" in page.text("policy")
    researcher = new_email()
    page.sign_up(researcher)
    assert page.wait_signed_in(researcher) == "Your account may call this server."

    page.driver.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": site.url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}
    )
    page.element("copy-env").click()
    assert "Copied" in page.notice()
    copied = page.driver.execute_async_script("navigator.clipboard.readText().then(arguments[0])")
    assert copied == page.download_env().read_text()  # the same block, refresh token included
    assert "•" not in copied and "•" in page.text("env")  # still hidden on the page

    page.sign_out()
    page.element("tab-reset").click()
    page.fill("reset-email", researcher)
    page.element("reset").click()
    assert f"If {researcher} has an account" in page.notice()
    (code,) = oob_codes(emulated, researcher, "PASSWORD_RESET")
    identity_toolkit(emulated, "resetPassword", {"oobCode": code, "newPassword": "a new password, long enough"})
    page.sign_in(researcher, "a new password, long enough")
    page.sign_out()
    page.element("tab-sign-in").click()
    page.fill("sign-in-email", researcher)
    page.fill("sign-in-password", PASSWORD)  # the old one
    page.element("sign-in").click()
    assert page.notice() == "Wrong email or password."
    assert [e for e in page.console_errors() if "accounts:signInWithPassword" not in e] == []  # only the refused sign-in


def test_closed_registration_offers_sign_in_only(
    account_server: Callable[..., AccountServer], browser: Callable[[], Page], emulated: Emulator
) -> None:
    site = account_server("closed")
    page = browser().open(site.server)
    assert "made by its administrator" in page.text("policy")
    assert not page.element("tab-sign-up").is_displayed()
    refused = httpx.post(f"{site.url}/account/signup", json={"email": new_email(), "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["details"]["reason"] == "registration_closed"

    made, _ = emulated.new_user("Made By Admin")  # as today: the administrator makes the account
    page.sign_in(made)
    assert page.text("standing") == "Your account may call this server."


def test_domains_registration_needs_the_domain_and_a_verified_address(
    account_server: Callable[..., AccountServer], browser: Callable[[], Page], emulated: Emulator
) -> None:
    site = account_server("domains", ("uni.edu",))
    page = browser().open(site.server)
    assert "uni.edu" in page.text("policy")
    page.sign_up(new_email("elsewhere.org"))
    assert "registers email addresses at uni.edu only" in page.notice()
    assert not page.element("signed-in").is_displayed()

    researcher = new_email("cs.uni.edu")  # a subdomain counts
    page.sign_up(researcher)
    assert "Verify your email address" in page.wait_signed_in(researcher)
    tokens = sign_in_with_password(researcher, PASSWORD, API_KEY, emulated.endpoints)
    before = httpx.post(f"{site.url}/t_auth_whoami", json={"seconds": 0}, headers={"Authorization": f"Bearer {tokens.id_token}"})
    assert before.status_code == 403 and before.json()["details"]["reason"] == "email_unverified"

    (code,) = oob_codes(emulated, researcher, "VERIFY_EMAIL")  # the page sent the link
    identity_toolkit(emulated, "update", {"oobCode": code})  # what following the link does
    page.element("recheck").click()
    page.wait(lambda: page.text("standing") == "Your account may call this server.", "the verified standing")
    assert not page.element("recheck").is_displayed()
    tokens = sign_in_with_password(researcher, PASSWORD, API_KEY, emulated.endpoints)
    after = httpx.post(f"{site.url}/t_auth_whoami", json={"seconds": 0}, headers={"Authorization": f"Bearer {tokens.id_token}"})
    assert after.status_code == 200 and after.json()["email"] == researcher
