"""A server of `simulate_on_the_server` over real HTTP, one for the session, serving each test with its runs
in the test's own directory and with the PDK `server_pdk` names (the 45 nm card unless a test parametrizes
it over `PDKS`)."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import hdl21.sim as hs
import httpx
import numpy as np
import pytest
import vlsir.spice_pb2 as vsp
from vlsirtools.spice import ResultFormat, SimOptions, SupportedSimulators
from vlsirtools.spice import sim_data as sd

import autockt_ckt.vlsir_handlers as vlsir_handlers
import discovery_client as dc
import discovery_server as ds
from autockt_ckt.pdks import pdk
from autockt_shared.vlsir_sim import simulate_on_the_server, simulation_offer

MODEL_PATH = vlsir_handlers.settings().model_path
PDKS = ("ptm45", "gf180mcu", "sky130")
OPEN_PDKS = ("gf180mcu", "sky130")


@pytest.fixture
def server_pdk() -> str:
    """The PDK the test's server is started for; a test parametrizes `server_pdk` to change it."""
    return "ptm45"


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server_pdk: str) -> Path:
    """The server's AUTOCKT_RUN_DIR for this test: every run's directory goes in it, and is removed."""
    path = tmp_path / "runs"
    monkeypatch.setattr(vlsir_handlers, "_settings", dataclasses.replace(vlsir_handlers.settings(), run_dir=path, pdk=server_pdk))
    return path


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[ds.BackgroundServer]:
    """One server of the sandbox Rpcs for the session: starting and stopping one per test cost more than the
    tests (uvicorn's shutdown alone waits 0.1-0.2 s)."""
    with ds.BackgroundServer(ds.create_app(rpcs=[simulate_on_the_server, simulation_offer])) as server:
        yield server


@pytest.fixture
def server(sandbox_server: ds.BackgroundServer, run_dir: Path) -> ds.BackgroundServer:
    """The session's sandbox server, serving this test's `run_dir` and `server_pdk`: without a pool its handlers
    read the settings on every call, and `run_dir` has patched them for the test."""
    return sandbox_server


@pytest.fixture
def remote(server: ds.BackgroundServer) -> Iterator[ds.BackgroundServer]:
    """Every Rpc call of the test goes to `server`, as from a notebook after `client_start()`."""
    dc.configure(dc.Config(server_url=server.url))
    dc.client_start()
    yield server
    dc.client_stop()
    dc.configure(dc.Config())


def post_sim_input(server: ds.BackgroundServer, proto: bytes, kind: str = "sim_input", corner: str | None = None) -> httpx.Response:
    """What any HTTP client can send, whatever the shared types would let through."""
    body = {"kind": kind, "proto_bytes": base64.b64encode(proto).decode()}
    if corner is not None:
        body["corner"] = corner
    return httpx.post(f"{server.url}/simulate_on_the_server", json=body, timeout=60)


def run_locally(sim: hs.Sim, rundir: Path, pdk_name: str = "ptm45", corner: str = "tt") -> sd.SimResult:
    """`sim` run by `ngspice -b` in this process, with the same files the server uses: the PDK's
    models of `corner` (written here from the registry, not from the server's code) and one thread,
    in the PDK's compatibility mode."""
    kit = pdk(pdk_name)
    models = kit.models(kit.process(corner))
    served = hs.Sim(tb=sim.tb, attrs=[*sim.attrs, *models, hs.Options(name="num_threads", value=1)])
    rundir.mkdir(parents=True, exist_ok=True)
    if kit.ngbehavior is not None:
        (rundir / ".spiceinit").write_text(f"set ngbehavior={kit.ngbehavior}\n")
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
    """What of the server's own an answer shows: its paths, or text of its PDK's model files."""
    files = pdk(vlsir_handlers.settings().pdk).model_files()
    paths = {str(path) for path in files} | {str(path.parent) for path in files} | {str(MODEL_PATH), str(MODEL_PATH.parent)}
    secrets = [*sorted(paths), str(run_dir), "level=54", "vth0", ".model", "nmos_3p3", "__model", "sw_stat"]
    return [secret for secret in secrets if secret in text]


def sim_result(binary_bytes: bytes) -> vsp.SimResult:
    result = vsp.SimResult()
    result.ParseFromString(binary_bytes)
    return result
