"""The real Firebase Auth emulator, started once per test session on free ports, and its users
(fixtures `emulator` and `emulated`, registered by tests/conftest.py for tests/auth and tests/account).

The emulator is npm `firebase-tools`, pinned in Discovery/Server/firebase_emulator and installed
by `npm ci` in scripts/install_dev.sh. It runs offline (CI=true, no UI, auth only, no Java).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import firebase_admin
import httpx
import pytest
from firebase_admin import auth

from discovery_client import FirebaseEndpoints, Tokens, sign_in_with_password
from discovery_server import free_port

EMULATOR_DIR = Path(__file__).resolve().parents[1] / "Discovery" / "Server" / "firebase_emulator"
PROJECT = "demo-discovery"  # a `demo-` project never reaches Google
API_KEY = "emulator-accepts-any-key"
PASSWORD = "correct horse battery staple"


@dataclass
class Emulator:
    host: str  # host:port, as FIREBASE_AUTH_EMULATOR_HOST wants it
    admin: firebase_admin.App  # firebase-admin pointed at the emulator, for what an administrator does

    @property
    def endpoints(self) -> FirebaseEndpoints:
        return FirebaseEndpoints.emulator(self.host)

    def new_user(self, name: str = "Ada Lovelace") -> tuple[str, Tokens]:
        """A fresh account, signed in through the client's own REST sign-in: (email, tokens)."""
        email = f"{uuid.uuid4().hex[:12]}@example.com"
        auth.create_user(email=email, password=PASSWORD, display_name=name, app=self.admin)
        return email, sign_in_with_password(email, PASSWORD, API_KEY, self.endpoints)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    firebase = EMULATOR_DIR / "node_modules" / ".bin" / "firebase"
    if not firebase.exists():
        pytest.fail(f"the Firebase emulator is not installed: run scripts/install_dev.sh (npm ci in {EMULATOR_DIR})")
    workdir = tmp_path_factory.mktemp("firebase_emulator")
    port = free_port()
    config = {
        "emulators": {
            "auth": {"host": "127.0.0.1", "port": port},
            "hub": {"host": "127.0.0.1", "port": free_port()},
            "logging": {"host": "127.0.0.1", "port": free_port()},
            "ui": {"enabled": False},
            "singleProjectMode": True,
        }
    }
    (workdir / "firebase.json").write_text(json.dumps(config))
    log = workdir / "emulator.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(firebase), "emulators:start", "--only", "auth", "--project", PROJECT, "--config", "firebase.json"],
            cwd=workdir,
            env={**os.environ, "CI": "true", "FIREBASE_CLI_DISABLE_UPDATE_CHECK": "true"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: node children stop with it
        )
    try:
        host = f"127.0.0.1:{port}"
        _wait_until_ready(host, process, log)
        admin = firebase_admin.initialize_app(options={"projectId": PROJECT}, name="tests-emulator-admin")
        with pytest.MonkeyPatch.context() as patch:
            # firebase-admin reads the variable when an app's auth client is first built: build it now,
            # so the admin app keeps talking to the emulator while other tests run without the variable.
            patch.setenv("FIREBASE_AUTH_EMULATOR_HOST", host)
            auth.list_users(max_results=1, app=admin)
        yield Emulator(host, admin)
        firebase_admin.delete_app(admin)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def emulated(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The emulator, with firebase-admin (the server's verifier included) pointed at it for this test."""
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", emulator.host)
    return emulator


def _wait_until_ready(host: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the Firebase emulator exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://{host}/", timeout=1).json().get("authEmulator", {}).get("ready"):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    pytest.fail(f"the Firebase emulator was not ready within {timeout} s:\n{log.read_text()[-3000:]}")
