"""The AutoCkt Rpcs over real HTTP: what a remote caller gets equals what a local call returns."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import autockt_ckt.handlers as handlers
import discovery_client as dc
import discovery_server as ds
import httpx
import pytest
from autockt_ckt.engine import NgspiceSubprocessEngine
from autockt_shared import FOLDED_CASCODE, TWO_STAGE_OPAMP, auto_ckt_sim_hdl21, folded_cascode_sim
from fastapi import FastAPI

from .test_two_stage_opamp import NO_CROSSING

RESET = TWO_STAGE_OPAMP.initial_values()


@pytest.fixture
def server(serve: Callable[[FastAPI], ds.BackgroundServer]) -> ds.BackgroundServer:
    return serve(ds.create_app(rpcs=[auto_ckt_sim_hdl21, folded_cascode_sim]))


@pytest.fixture
def client(server: ds.BackgroundServer) -> Iterator[dc.Client]:
    with dc.Client(dc.Config(server_url=server.url)) as client:
        yield client


def test_remote_call_returns_exactly_the_local_result(client: dc.Client) -> None:
    rng = random.Random(7)
    points = [
        TWO_STAGE_OPAMP.initial_input(),
        NO_CROSSING,
        *(TWO_STAGE_OPAMP.make_input(TWO_STAGE_OPAMP.sample_values(rng)) for _ in range(3)),
    ]
    for inp in points:
        assert client.call(auto_ckt_sim_hdl21, inp) == auto_ckt_sim_hdl21(inp)
    fcasc = FOLDED_CASCODE.initial_input()
    assert client.call(folded_cascode_sim, fcasc) == folded_cascode_sim(fcasc)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**RESET, "mp1": 0}, "mp1"),
        ({**RESET, "mn5": 101}, "mn5"),
        ({**RESET, "cc": 20e-12}, "cc"),
        ({k: v for k, v in RESET.items() if k != "mn3"}, "mn3"),
        ({**RESET, "mn6": 3}, "mn6"),
    ],
)
def test_bad_fields_are_refused_with_422_naming_the_field(server: ds.BackgroundServer, body: dict[str, float], field: str) -> None:
    response = httpx.post(f"{server.url}/auto_ckt_sim_hdl21", json=body)
    assert response.status_code == 422
    assert [tuple(f["loc"]) for f in response.json()["details"]["fields"]] == [(field,)]


def test_a_simulator_timeout_reaches_the_client_as_a_typed_remote_error(
    client: dc.Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(handlers, "engine", NgspiceSubprocessEngine(run_dir=tmp_path, timeout_s=1e-4))
    with pytest.raises(dc.RemoteError) as err:
        client.call(auto_ckt_sim_hdl21, TWO_STAGE_OPAMP.initial_input())
    assert err.value.remote_type == "SimulationTimeout"
    assert "ngspice exceeded" in str(err.value)
