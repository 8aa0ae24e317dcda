"""The AutoCkt Rpcs over real HTTP, simulated in a pool of worker processes as `start_server.py`
serves them: what a remote caller gets equals what an in-process simulation returns."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

import autockt_ckt.handlers as handlers
import discovery_client as dc
import discovery_server as ds
from autockt_ckt.pool import SimulatorPool
from autockt_ckt.served import served_circuits
from autockt_ckt.settings import Settings
from autockt_shared import FOLDED_CASCODE, TWO_STAGE_OPAMP, OpAmpOutput, auto_ckt_sim_hdl21, folded_cascode_sim

from .test_two_stage_opamp import NO_CROSSING

RESET = TWO_STAGE_OPAMP.initial_values()


@pytest.fixture
def serve_pool(serve: Callable[[FastAPI], ds.BackgroundServer]) -> Iterator[Callable[[SimulatorPool], ds.BackgroundServer]]:
    """`server = serve_pool(pool)`: the AutoCkt Rpcs over HTTP, simulated in `pool`."""

    def start(pool: SimulatorPool) -> ds.BackgroundServer:
        handlers.use_pool(pool)
        return serve(ds.create_app(rpcs=[auto_ckt_sim_hdl21, folded_cascode_sim]))

    yield start
    handlers.use_pool(None)


@pytest.fixture
def server(serve_pool: Callable[[SimulatorPool], ds.BackgroundServer], sim_pool: SimulatorPool) -> ds.BackgroundServer:
    return serve_pool(sim_pool)


@pytest.fixture
def client(server: ds.BackgroundServer) -> Iterator[dc.Client]:
    with dc.Client(dc.Config(server_url=server.url)) as client:
        yield client


def in_process(circuit: str, inp: object) -> OpAmpOutput:
    return served_circuits()[circuit].evaluate(handlers.local_simulator(), inp)  # type: ignore[no-any-return]


def test_remote_call_returns_exactly_the_in_process_result(client: dc.Client) -> None:
    rng = random.Random(7)
    points = [
        TWO_STAGE_OPAMP.initial_input(),
        NO_CROSSING,
        *(TWO_STAGE_OPAMP.make_input(TWO_STAGE_OPAMP.sample_values(rng)) for _ in range(3)),
    ]
    for inp in points:
        assert client.call(auto_ckt_sim_hdl21, inp) == in_process(TWO_STAGE_OPAMP.name, inp)
    fcasc = FOLDED_CASCODE.initial_input()
    assert client.call(folded_cascode_sim, fcasc) == in_process(FOLDED_CASCODE.name, fcasc)


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
    serve_pool: Callable[[SimulatorPool], ds.BackgroundServer], tmp_path: Path
) -> None:
    """A limit no simulation can meet: the pool kills the worker of every call."""
    settings = dataclasses.replace(Settings.from_env(), run_dir=tmp_path, sim_workers=1, sim_timeout_s=1e-4)
    with SimulatorPool(settings) as pool, dc.Client(dc.Config(server_url=serve_pool(pool).url)) as client:
        with pytest.raises(dc.RemoteError) as err:
            client.call(auto_ckt_sim_hdl21, TWO_STAGE_OPAMP.initial_input())
        assert err.value.remote_type == "SimulationTimeout"
        assert "ran past the limit of 0.0001 s" in str(err.value)
