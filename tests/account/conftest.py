"""The account page in a real headless Chromium, against a real server and the real Firebase Auth emulator.

The browser is Debian's `chromium`, driven through Debian's `chromium-driver` by Selenium from
Python (both installed by scripts/install_dev.sh): the driver is built from the same Chromium
release as the browser, so the two always match, nothing is downloaded at test time, and the
tests drive the page from pytest next to the server, emulator and client fixtures they check
against. One browser per test, with a fresh profile, so no session leaks between tests.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

import autockt_ckt.handlers  # noqa: F401  (attaches the simulation handlers)
import discovery_server as ds
from autockt_shared import auto_ckt_sim_hdl21
from discovery_server.account import AccountConfig, RegistrationPolicy
from tests.auth.rpcs import whoami
from tests.firebase_emulator import API_KEY, PASSWORD, PROJECT, Emulator
from tests.postgres import Postgres

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_S = 15.0
# What this machine's closed network needs (see the install notes): no background connections, a fresh profile.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1200,1000",
)

ServeApp = Callable[[FastAPI], ds.BackgroundServer]


def new_email(domain: str = "example.com") -> str:
    return f"r-{uuid.uuid4().hex[:10]}@{domain}"


class Page:
    """The account page in one browser, as a person uses it: by the labels and buttons they see."""

    def __init__(self, driver: webdriver.Chrome, downloads: Path) -> None:
        self.driver = driver
        self.downloads = downloads

    def open(self, server: ds.BackgroundServer) -> Page:
        self.driver.get(f"{server.url}/account")
        self.wait(lambda: self.element("signed-out").is_displayed() or self.element("signed-in").is_displayed(), "the page ready")
        return self

    def element(self, id: str) -> WebElement:
        return self.driver.find_element(By.ID, id)

    def text(self, id: str) -> str:
        return str(self.element(id).text)

    def wait(self, condition: Callable[[], object], what: str = "the page") -> None:
        try:
            # the page re-renders its tables as answers arrive: an element found a moment ago may be gone, so look again
            WebDriverWait(self.driver, WAIT_S, ignored_exceptions=(StaleElementReferenceException,)).until(lambda _: condition())
        except TimeoutException:
            raise AssertionError(f"waited {WAIT_S} s for {what}; notice: {self.text('notice')!r}") from None

    def fill(self, id: str, value: str) -> None:
        field = self.element(id)
        field.clear()
        field.send_keys(value)

    def sign_up(self, email: str, password: str = PASSWORD, name: str = "Ada Lovelace") -> None:
        self.element("tab-sign-up").click()
        self.fill("sign-up-name", name)
        self.fill("sign-up-email", email)
        self.fill("sign-up-password", password)
        self.element("sign-up").click()

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        self.element("tab-sign-in").click()
        self.fill("sign-in-email", email)
        self.fill("sign-in-password", password)
        self.element("sign-in").click()
        self.wait_signed_in(email)

    def wait_signed_in(self, email: str) -> str:
        """The standing line once the page shows `email` signed in."""
        self.wait(
            lambda: self.element("signed-in").is_displayed() and self.text("who") == email and self.text("standing"), f"{email} signed in"
        )
        return self.text("standing")

    def sign_out(self) -> None:
        self.element("sign-out").click()
        self.wait(lambda: self.element("signed-out").is_displayed(), "signed out")

    def notice(self) -> str:
        self.wait(lambda: self.element("notice").is_displayed() and self.text("notice"), "a notice")
        return self.text("notice")

    def download_env(self) -> Path:
        before = set(self.downloads.iterdir())
        self.element("download-env").click()
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            # Chromium names the file at once and fills it while a .crdownload beside it is written
            new = set(self.downloads.iterdir()) - before
            done = [p for p in new if not p.name.endswith(".crdownload") and p.stat().st_size > 0]
            if done and not any(p.name.endswith(".crdownload") for p in new):
                return done[0]
            time.sleep(0.05)
        raise AssertionError("the .env download did not arrive")

    def account_row(self, email: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, f'#accounts tr[data-email="{email}"]')

    def account_status(self, email: str) -> str:
        return str(self.account_row(email).find_element(By.CSS_SELECTOR, "td[data-status]").get_attribute("data-status"))

    def act_on(self, email: str, action: str, then: str) -> None:
        """Press an operator button in `email`'s row; wait until the row's status reads `then`."""
        self.account_row(email).find_element(By.CSS_SELECTOR, f'button[data-action="{action}"]').click()
        self.wait(lambda: self.account_status(email) == then, f"{email} {then}")

    def console_errors(self) -> list[str]:
        return [entry["message"] for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Callable[[], Page]]:
    """`page = browser()`: a new headless Chromium with an empty profile; closed after the test."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("Chromium is not installed: run scripts/install_dev.sh (Debian packages chromium and chromium-driver)")
    drivers: list[webdriver.Chrome] = []

    def start() -> Page:
        downloads = tmp_path / f"downloads-{len(drivers)}"
        downloads.mkdir()
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / f'profile-{len(drivers)}'}"):
            options.add_argument(flag)
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        drivers.append(driver)
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        return Page(driver, downloads)

    yield start
    for driver in drivers:
        driver.quit()


@dataclass
class AccountServer:
    server: ds.BackgroundServer
    usage_db: str  # a SQLite file or a PostgreSQL URL

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(params=["sqlite", "postgresql"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """`new_store()`: where a new, empty store lives; the account tests run on each backend."""
    if request.param == "sqlite":
        return lambda: str(tmp_path / f"usage-{uuid.uuid4().hex[:6]}.sqlite3")
    server: Postgres = request.getfixturevalue("postgres")
    return server.new_database


@pytest.fixture
def account_server(emulated: Emulator, serve: ServeApp, new_store: Callable[[], str]) -> Callable[..., AccountServer]:
    """`account_server(policy, domains=())`: a Firebase-auth server (on the emulator) serving the page and the AutoCkt
    op-amp Rpc, each with a store of its own."""

    def start(policy: str = "open", domains: tuple[str, ...] = ()) -> AccountServer:
        usage_db = new_store()
        config = ds.Config(
            auth=ds.FirebaseAuth(PROJECT),
            usage_db=usage_db,
            account=AccountConfig(web_api_key=API_KEY, registration=RegistrationPolicy(policy, domains)),  # type: ignore[arg-type]
        )
        return AccountServer(serve(ds.create_app(config, rpcs=[auto_ckt_sim_hdl21, whoami])), usage_db)

    return start


def oob_codes(emulator: Emulator, email: str, kind: str) -> list[str]:
    """The emulator's out-of-band codes (what the emails would carry) of `kind` for `email`: VERIFY_EMAIL, PASSWORD_RESET."""
    answer = httpx.get(f"http://{emulator.host}/emulator/v1/projects/{PROJECT}/oobCodes", timeout=10).json()
    return [code["oobCode"] for code in answer.get("oobCodes", []) if code["email"] == email and code["requestType"] == kind]


def identity_toolkit(emulator: Emulator, method: str, body: dict[str, object]) -> dict[str, object]:
    """A call to the emulator's Identity Toolkit REST API, as the link in an email would make it."""
    response = httpx.post(
        f"{emulator.endpoints.identity_toolkit}/v1/accounts:{method}", headers={"X-Goog-Api-Key": API_KEY}, json=body, timeout=10
    )
    assert response.is_success, response.text
    answer: dict[str, object] = json.loads(response.text)
    return answer
