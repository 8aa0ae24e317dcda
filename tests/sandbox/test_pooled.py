"""`simulate_on_the_server` served as `start_server.py` serves it: each run a job of a pool worker."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

import autockt_ckt.handlers as handlers
import discovery_client as dc
import discovery_server as ds
from autockt_ckt.pool import SimulatorPool
from autockt_ckt.settings import Settings
from autockt_shared.remote_sim import run_on_the_server
from autockt_shared.vlsir_sim import simulate_on_the_server, simulation_offer

from .circuits import many_devices_sim, rc_sim
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
        run_on_the_server(many_devices_sim(3000))  # about 7 s of operating point
    assert [e.type for e in err.value.errors] == ["sandbox.wall_clock"]
    assert not leaks(str(err.value), pooled.settings.run_dir)
    assert pooled.pids() == workers  # no worker runs ngspice: none had to be replaced
    assert _worker_dirs_empty(pooled)
    assert run_on_the_server(rc_sim()).an[0].data
