"""Generic simulations get a bounded share of the server: callers of the fixed circuits are never
starved by them, and the surplus is answered at once, typed."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hdl21.sim as hs
import httpx
import pytest
from fastapi import FastAPI

import autockt_ckt.handlers as handlers
import discovery_client as dc
import discovery_server as ds
from autockt_ckt.pool import SimulatorPool
from autockt_ckt.sandbox_share import SandboxShare
from autockt_ckt.settings import Settings
from autockt_shared.circuits.two_stage_opamp import TWO_STAGE_OPAMP, auto_ckt_sim_hdl21
from autockt_shared.vlsir_sim import simulate_on_the_server, simulation_offer
from discovery_shared import ErrorType, User
from tests.firebase_emulator import PROJECT, Emulator

from .circuits import parallel_cells_sim, rc_sim
from .conftest import post_sim_input


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorPool]:
    settings = dataclasses.replace(Settings.from_env(), run_dir=tmp_path_factory.mktemp("pool-runs"), sim_workers=2, sim_timeout_s=60)
    with SimulatorPool(settings) as pool:
        yield pool


@pytest.fixture
def server(serve: Callable[[FastAPI], ds.BackgroundServer], two_workers: SimulatorPool) -> Iterator[ds.BackgroundServer]:
    handlers.use_pool(two_workers)
    yield serve(ds.create_app(rpcs=[simulate_on_the_server, simulation_offer, auto_ckt_sim_hdl21]))
    handlers.use_pool(None)


def test_long_generic_simulations_leave_the_fixed_circuits_served(server: ds.BackgroundServer) -> None:
    """Issue 28: two 30-second circuits held both workers of a 2-worker pool; every other caller waited."""
    long = hs.to_proto(parallel_cells_sim(100, 30)).SerializeToString()  # about 5 s of operating point, checked at once
    with ThreadPoolExecutor(4) as threads, dc.Client(dc.Config(server_url=server.url)) as client:
        client.call(auto_ckt_sim_hdl21, TWO_STAGE_OPAMP.initial_input())  # the connection is open
        generic = [threads.submit(post_sim_input, server, long) for _ in range(4)]
        time.sleep(1.5)  # every generic call has been checked: some run, the rest wait or were refused
        waits = []
        for _ in range(5):
            started = time.monotonic()
            client.call(auto_ckt_sim_hdl21, TWO_STAGE_OPAMP.initial_input())
            waits.append(time.monotonic() - started)
        going = not all(call.done() for call in generic)
        answers = [call.result() for call in generic]
    assert max(waits) < 1.5, waits
    assert going  # the generic runs were still going while the fixed circuit was served
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses[0] == 200
    refused = [answer for answer in answers if answer.status_code != 200]
    assert refused, statuses  # a share of one run, two waiting: the fourth is refused
    for answer in refused:
        assert answer.status_code == 503
        assert answer.json()["type"] == "unavailable"
        assert answer.json()["details"]["reason"] == "sandbox_full"
        assert int(answer.headers["retry-after"]) >= 1


def test_with_auth_one_user_cannot_hold_the_share_of_others(
    emulated: Emulator, serve: Callable[[FastAPI], ds.BackgroundServer], two_workers: SimulatorPool, tmp_path: Path
) -> None:
    """Real Firebase tokens (the Auth emulator): Ada's second generic call while her first runs is a 429;
    Bob's waits for its turn and is answered."""
    handlers.use_pool(two_workers)
    config = ds.Config(auth=ds.FirebaseAuth(PROJECT), usage_db=str(tmp_path / "usage.sqlite3"))
    server = serve(ds.create_app(config, rpcs=[simulate_on_the_server, simulation_offer]))
    _, ada = emulated.new_user("Ada Lovelace")
    _, bob = emulated.new_user("Bob Widlar")

    def post(token: str, sim: hs.Sim) -> httpx.Response:
        body = {"kind": "sim_input", "proto_bytes": base64.b64encode(hs.to_proto(sim).SerializeToString()).decode()}
        return httpx.post(f"{server.url}/simulate_on_the_server", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60)

    try:
        with ThreadPoolExecutor(2) as threads:
            first = threads.submit(post, ada.id_token, parallel_cells_sim(100, 30))
            _wait_for_a_run(two_workers)
            second = post(ada.id_token, rc_sim())
            other = threads.submit(post, bob.id_token, rc_sim())
            assert not first.done()
            assert second.status_code == 429, second.text
            assert second.json()["type"] == "rate_limited"
            assert second.json()["details"]["retry_after"] >= 1
            assert other.result().status_code == 200  # after Ada's run: one runs at once on two workers
            assert first.result().status_code == 200
    finally:
        handlers.use_pool(None)


def test_the_share_is_per_user_when_callers_are_known() -> None:
    async def scenario() -> None:
        share = SandboxShare(running=2, waiting=2, per_user=1)
        ada, bob = User(uid="ada"), User(uid="bob")
        async with share.turn(ada):
            with pytest.raises(ds.ApiError) as err:
                async with share.turn(ada):
                    pass
            assert err.value.body.type == ErrorType.RATE_LIMITED
            assert err.value.body.details["retry_after"] >= 1
            async with share.turn(bob):  # another user is not held up
                pass
        async with share.turn(ada):  # the first run ended: her turn again
            pass

    asyncio.run(scenario())


def test_anonymous_callers_share_the_server_wide_limit_only() -> None:
    async def scenario() -> None:
        share = SandboxShare(running=1, waiting=1, per_user=1)
        first = asyncio.Event()
        release = asyncio.Event()

        async def hold() -> None:
            async with share.turn(ds.ANONYMOUS):
                first.set()
                await release.wait()

        holder = asyncio.ensure_future(hold())
        await first.wait()
        waiting = asyncio.ensure_future(_enter(share, ds.ANONYMOUS))  # waits for the running one, not refused as the same user
        await asyncio.sleep(0.05)
        assert not waiting.done()
        with pytest.raises(ds.ApiError) as err:
            await _enter(share, ds.ANONYMOUS)
        assert err.value.body.type == ErrorType.UNAVAILABLE
        release.set()
        await asyncio.wait_for(waiting, 5)
        await holder

    asyncio.run(scenario())


def _wait_for_a_run(pool: SimulatorPool, timeout_s: float = 30.0) -> None:
    """Block until a generic simulation has its turn: its run directory exists."""
    deadline = time.monotonic() + timeout_s
    while not list(pool.settings.run_dir.glob("**/sim-*")):
        assert time.monotonic() < deadline, "no generic simulation started"
        time.sleep(0.05)


async def _enter(share: SandboxShare, user: User) -> None:
    async with share.turn(user):
        pass
