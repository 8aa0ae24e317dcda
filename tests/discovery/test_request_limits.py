"""Request bodies past `Config.max_body_bytes` answer 413 before they are read whole; app flags join the server's."""

from __future__ import annotations

import argparse

import httpx
import pytest
from prometheus_client import REGISTRY

import discovery_server as ds
from discovery_shared import ErrorBody, ErrorType
from tests.discovery.types import nested


@pytest.fixture
def server(serve):
    return serve(ds.create_app(ds.Config(max_body_bytes=1000), rpcs=[nested]))


@pytest.mark.parametrize("path", ["/t_nested", "/t_nested/batch"])
def test_a_body_past_the_limit_is_413(server, path: str) -> None:
    labels = {"rpc": "t_nested", "type": "payload_too_large"}
    before = REGISTRY.get_sample_value("discovery_rpc_errors_total", labels) or 0.0
    response = httpx.post(f"{server.url}{path}", content=b"[" + b" " * 2000 + b"]")
    assert response.status_code == 413
    assert REGISTRY.get_sample_value("discovery_rpc_errors_total", labels) == before + 1  # counted as one failed call
    body = ErrorBody.model_validate(response.json())
    assert body.type is ErrorType.PAYLOAD_TOO_LARGE and body.details == {"max_body_bytes": 1000}
    assert "2002 bytes" in body.message and "limit of 1000 bytes" in body.message


def test_a_streamed_body_without_length_is_cut_off_at_the_limit(server) -> None:
    def chunks():
        for _ in range(100):
            yield b" " * 100  # 10,000 bytes in all, sent chunked (no Content-Length)

    response = httpx.post(f"{server.url}/t_nested", content=chunks())
    assert response.status_code == 413 and "limit of 1000 bytes" in response.json()["message"]
    assert httpx.post(f"{server.url}/t_nested", content=b" " * 900 + b"{}").status_code == 422  # within: decoded


def test_an_apps_own_flags_are_accepted_and_listed(capsys: pytest.CaptureFixture[str]) -> None:
    own = argparse.ArgumentParser(add_help=False)
    own.add_argument("--sim-workers", type=int, help="simulator processes")
    config = ds.config_from_command_line("test", ["--sim-workers", "3", "--max-body-bytes", "4096"], parents=[own])
    assert config.max_body_bytes == 4096
    with pytest.raises(SystemExit):
        ds.config_from_command_line("test", ["--help"], parents=[own])
    assert "--sim-workers" in capsys.readouterr().out
