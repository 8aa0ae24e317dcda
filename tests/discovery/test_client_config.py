"""Client configuration from `.env`, the environment and explicit arguments."""

from __future__ import annotations

import pytest
from fastapi import Request

import discovery_client as dc
import discovery_server as ds
from discovery_shared import User
from tests.discovery.types import drawing, nested


@pytest.fixture
def dotenv(tmp_path, monkeypatch):
    for name in ("THE_SERVER_URL", "THE_SERVER_HTTPS", "DISCOVERY_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / ".env"

    def write(**values: str) -> None:
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))

    return write


def test_reads_dotenv(dotenv) -> None:
    dotenv(THE_SERVER_URL="sim.example.org:9000", THE_SERVER_HTTPS="true", DISCOVERY_AUTH_TOKEN="tok")
    config = dc.Config().resolved()
    assert config.base_urls == ("https://sim.example.org:9000",)
    assert config.auth_token == "tok"


def test_explicit_arguments_win_then_environment(dotenv, monkeypatch) -> None:
    dotenv(THE_SERVER_URL="from-file:1", DISCOVERY_AUTH_TOKEN="file-token")
    monkeypatch.setenv("THE_SERVER_URL", "from-env:2")
    assert dc.Config().resolved().base_urls == ("http://from-env:2",)
    explicit = dc.Config(server_url="http://explicit:3", auth_token="mine").resolved()
    assert (explicit.base_urls, explicit.auth_token) == (("http://explicit:3",), "mine")


def test_defaults_without_dotenv(dotenv) -> None:
    config = dc.Config().resolved()
    assert config.base_urls == ("http://127.0.0.1:8000",) and config.auth_token is None


class RecordingAuth:
    """A test authenticator (through the server's auth seam) that records what callers present."""

    def __init__(self) -> None:
        self.headers: list[str | None] = []

    def authenticator(self):
        async def record(request: Request) -> User:
            self.headers.append(request.headers.get("authorization"))
            return User(uid="u")

        return record


def test_dotenv_configures_a_real_call(dotenv, serve) -> None:
    auth = RecordingAuth()
    server = serve(ds.create_app(ds.Config(auth=auth), rpcs=[nested]))
    dotenv(THE_SERVER_URL=server.url.removeprefix("http://"), DISCOVERY_AUTH_TOKEN="abc.def.ghi")
    dc.configure(dc.Config())
    dc.client_start()
    try:
        assert nested(drawing()).name == "d"
    finally:
        dc.client_stop()
    assert auth.headers == ["Bearer abc.def.ghi"] * 2  # GET /rpcs (fingerprints) and the call
