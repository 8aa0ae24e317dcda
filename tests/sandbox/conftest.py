"""A server of `simulate_on_the_server` over real HTTP, with its runs in the test's own directory."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import hdl21.sim as hs
import httpx
import numpy as np
import pytest
import vlsir.spice_pb2 as vsp
from fastapi import FastAPI
from vlsirtools.spice import ResultFormat, SimOptions, SupportedSimulators
from vlsirtools.spice import sim_data as sd

import autockt_ckt.vlsir_handlers as vlsir_handlers
import discovery_client as dc
import discovery_server as ds
from autockt_shared.vlsir_sim import simulate_on_the_server, simulation_offer

MODEL_PATH = vlsir_handlers.settings().model_path


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The server's AUTOCKT_RUN_DIR for this test: every run's directory goes in it, and is removed."""
    path = tmp_path / "runs"
    monkeypatch.setattr(vlsir_handlers, "_settings", dataclasses.replace(vlsir_handlers.settings(), run_dir=path))
    return path


@pytest.fixture
def server(serve: Callable[[FastAPI], ds.BackgroundServer], run_dir: Path) -> ds.BackgroundServer:
    return serve(ds.create_app(rpcs=[simulate_on_the_server, simulation_offer]))


@pytest.fixture
def remote(server: ds.BackgroundServer) -> Iterator[ds.BackgroundServer]:
    """Every Rpc call of the test goes to `server`, as from a notebook after `client_start()`."""
    dc.configure(dc.Config(server_url=server.url))
    dc.client_start()
    yield server
    dc.client_stop()
    dc.configure(dc.Config())


def post_sim_input(server: ds.BackgroundServer, proto: bytes, kind: str = "sim_input") -> httpx.Response:
    """What any HTTP client can send, whatever the shared types would let through."""
    body = {"kind": kind, "proto_bytes": base64.b64encode(proto).decode()}
    return httpx.post(f"{server.url}/simulate_on_the_server", json=body, timeout=60)


def run_locally(sim: hs.Sim, rundir: Path) -> sd.SimResult:
    """`sim` run the way the server runs it, in this process: the server's model file and one thread added."""
    served = hs.Sim(tb=sim.tb, attrs=[*sim.attrs, hs.Include(MODEL_PATH), hs.Options(name="num_threads", value=1)])
    return served.run(SimOptions(simulator=SupportedSimulators.NGSPICE, fmt=ResultFormat.SIM_DATA, rundir=rundir))


def assert_same_vectors(remote: sd.SimResult, local: sd.SimResult) -> None:
    """Vector for vector, bit for bit; the server leaves out only device-internal nodes (`#`)."""
    assert [(type(a), a.analysis_name) for a in remote.an] == [(type(a), a.analysis_name) for a in local.an]
    for got, want in zip(remote.an, local.an, strict=True):
        assert list(got.data) == [name for name in want.data if "#" not in name]
        for name, vector in got.data.items():
            np.testing.assert_array_equal(np.asarray(vector), np.asarray(want.data[name]), err_msg=name)
        if isinstance(want, sd.AcResult):
            np.testing.assert_array_equal(got.freq, want.freq)


def leaks(text: str, run_dir: Path) -> list[str]:
    """What of the server's own an answer shows: its paths, or text of its model file."""
    secrets = [str(MODEL_PATH), str(MODEL_PATH.parent), str(run_dir), "level=54", "vth0", ".model"]
    return [secret for secret in secrets if secret in text]


def sim_result(binary_bytes: bytes) -> vsp.SimResult:
    result = vsp.SimResult()
    result.ParseFromString(binary_bytes)
    return result
