"""`simulate_on_the_server` served as `start_server.py` serves it: each run a job of a pool worker."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import hdl21.sim as hs
import pytest
import vlsir.spice_pb2 as vsp
from fastapi import FastAPI

import autockt_ckt.handlers as handlers
import autockt_ckt.vlsir_handlers as vlsir_handlers
import discovery_client as dc
import discovery_server as ds
from autockt_ckt.pool import SimulatorPool
from autockt_ckt.sandbox_netlist import NetlistRefused
from autockt_ckt.sandbox_pdk import served_models
from autockt_ckt.settings import Settings
from autockt_ckt.vlsir_handlers import check_call, pooled_write_netlist
from autockt_shared.remote_sim import run_on_the_server, sim_input_binary
from autockt_shared.vlsir_sim import SimInputBinary, simulate_on_the_server, simulation_offer

from .circuits import long_tran_sim, parallel_cells_sim, parametric_sim, rc_sim
from .conftest import assert_same_vectors, leaks, run_locally

POOL_TIMEOUT_S = 2.0


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorPool]:
    settings = dataclasses.replace(
        Settings.from_env(), run_dir=tmp_path_factory.mktemp("pool-runs"), sim_workers=1, sim_timeout_s=POOL_TIMEOUT_S
    )
    with SimulatorPool(settings) as pool:
        yield pool


@pytest.fixture
def pooled(serve: Callable[[FastAPI], ds.BackgroundServer], pool: SimulatorPool) -> Iterator[SimulatorPool]:
    handlers.use_pool(pool)
    server = serve(ds.create_app(rpcs=[simulate_on_the_server, simulation_offer]))
    dc.configure(dc.Config(server_url=server.url))
    dc.client_start()
    yield pool
    dc.client_stop()
    dc.configure(dc.Config())
    handlers.use_pool(None)


def _worker_dirs_empty(pool: SimulatorPool) -> bool:
    """No run's directory (`sim-*`, in its worker's directory) is left behind."""
    return not list(pool.settings.run_dir.glob("**/sim-*"))


def test_a_pooled_run_equals_the_local_run(pooled: SimulatorPool, tmp_path: Path) -> None:
    workers = pooled.pids()
    assert_same_vectors(run_on_the_server(rc_sim()), run_locally(rc_sim(), tmp_path / "local"))
    assert pooled.pids() == workers
    assert _worker_dirs_empty(pooled)  # each run's directory under its worker's is removed


def test_a_pooled_run_past_the_limit_is_killed_and_its_worker_kept(pooled: SimulatorPool) -> None:
    workers = pooled.pids()
    with pytest.raises(dc.ValidationError) as err:
        run_on_the_server(parallel_cells_sim(100, 80))  # 8,000 devices: 3,000 (once 7 s) finished within the 2 s limit on a faster day
    assert [e.type for e in err.value.errors] == ["sandbox.wall_clock"]
    assert not leaks(str(err.value), pooled.settings.run_dir)
    assert pooled.pids() == workers  # no worker runs ngspice: none had to be replaced
    assert _worker_dirs_empty(pooled)
    assert run_on_the_server(rc_sim()).an[0].data


def test_the_fence_refuses_in_the_worker_a_line_the_first_fence_missed(pooled: SimulatorPool, tmp_path: Path) -> None:
    """Rendering runs in a pool worker; its refusal comes back whole, naming the field, for a 422."""
    call = check_call(sim_input_binary(parametric_sim(1e3)))
    served = vsp.SimInput()
    served.ParseFromString(call.served)
    served.pkg.modules[0].instances[1].parameters[0].value.literal = "rval\nr9 vin out 1k"  # straight to rendering
    rundir = pooled.settings.run_dir / "fence"
    rundir.mkdir()
    with pytest.raises(NetlistRefused) as err:
        asyncio.run(pooled.run(pooled_write_netlist, rundir, served.SerializeToString(), served_models("ptm45", "tt").line, None))
    assert [e.type for e in err.value.errors] == ["sandbox.rendered"]
    assert not (rundir / "netlist.sp").exists()


def test_failures_of_the_circuit_are_422s_through_the_pool(pooled: SimulatorPool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The channel length ngspice rejects (the run, awaited by the API process) and results too large to
    return (read in a worker): each a 422 naming the part, over HTTP."""
    inp = hs.to_proto(parametric_sim(1e3))
    for param in inp.pkg.modules[0].instances[3].parameters:
        if param.name == "l":
            param.value.Clear()
            param.value.double_value = 1e-9
    with pytest.raises(dc.ValidationError) as err:
        simulate_on_the_server(SimInputBinary(proto_bytes=inp.SerializeToString()))
    assert [e.loc for e in err.value.errors] == [("proto_bytes", "pkg", "modules", "0", "instances", "3")]
    monkeypatch.setattr(vlsir_handlers, "SANDBOX_LIMITS", dataclasses.replace(vlsir_handlers.SANDBOX_LIMITS, max_result_bytes=100_000))
    with pytest.raises(dc.ValidationError) as err:
        run_on_the_server(long_tran_sim(20_000))  # about 1 MB of results
    assert [e.type for e in err.value.errors] == ["sandbox.run_limit"]
    assert _worker_dirs_empty(pooled)
