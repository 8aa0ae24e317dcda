"""A bounded number of calls in the server: past `max_in_flight` running and `max_waiting` waiting,
503 `unavailable` with `Retry-After` at once; each batch item counts; clients retry it."""

from __future__ import annotations

import concurrent.futures
import time

import httpx
import pytest
from prometheus_client import REGISTRY

import discovery_client as dc
import discovery_server as ds
from discovery_shared import ErrorBody, ErrorType
from tests.reliability.rpcs import RUNNING, Pause, slow_async, slow_sync


@pytest.fixture
def server(serve):
    config = ds.Config(max_in_flight=2, max_waiting=3, max_threads=8)
    return serve(ds.create_app(config, rpcs=[slow_async, slow_sync]))


def _waiting(rpc: str) -> float | None:
    return REGISTRY.get_sample_value("discovery_rpc_waiting", {"rpc": rpc})


def _post(url: str, body: object) -> httpx.Response:
    return httpx.post(url, json=body, timeout=30)


@pytest.mark.parametrize("rpc", [slow_async, slow_sync], ids=["async", "sync"])
def test_calls_past_running_and_waiting_are_refused_at_once(server, rpc) -> None:
    RUNNING.most = 0
    url = f"{server.url}/{rpc.name}"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        admitted = [pool.submit(_post, url, {"seconds": 2.0, "n": i}) for i in range(5)]  # 2 run, 3 wait
        deadline = time.monotonic() + 10
        while (REGISTRY.get_sample_value("discovery_calls_admitted"), _waiting(rpc.name)) != (5, 3):
            assert time.monotonic() < deadline, "the five calls never got in: 2 running, 3 waiting"
            time.sleep(0.01)
        started = time.monotonic()
        refused = _post(url, {"seconds": 0.0})
        refused_after = time.monotonic() - started
        batch = _post(f"{url}/batch", [{"seconds": 0.0}] * 2)  # two more items do not fit either
        answers = [future.result() for future in admitted]
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert refused_after < 1.5  # at once, not after the calls ahead of it (2 s each)
    body = ErrorBody.model_validate_json(refused.content)
    assert body.type is ErrorType.UNAVAILABLE and body.details["reason"] == "overloaded"
    assert "max_in_flight 2 + max_waiting 3" in body.message
    assert batch.status_code == 503
    assert [a.status_code for a in answers] == [200] * 5
    assert RUNNING.most == 2  # never more handlers at once than max_in_flight, sync (8 threads) or async


def test_an_idle_server_takes_a_batch_larger_than_its_places_and_runs_it_in_slots(server) -> None:
    RUNNING.most = 0
    answer = _post(f"{server.url}/{slow_async.name}/batch", [{"seconds": 0.05, "n": i} for i in range(12)])
    assert answer.status_code == 200 and [item["result"]["n"] for item in answer.json()] == list(range(12))
    assert RUNNING.most == 2


def test_a_client_retries_a_refused_call_until_a_place_frees_up(server) -> None:
    url = f"{server.url}/{slow_async.name}"
    config = dc.Config(server_url=server.url, retry=dc.RetryPolicy(deadline=20, backoff=0.05))
    with concurrent.futures.ThreadPoolExecutor(5) as pool, dc.Client(config) as client:
        busy = [pool.submit(_post, url, {"seconds": 1.0}) for _ in range(5)]
        while REGISTRY.get_sample_value("discovery_calls_admitted") != 5:
            time.sleep(0.01)
        assert client.call(slow_async, Pause(seconds=0.0, n=7)) == Pause(seconds=0.0, n=7)
        assert all(f.result().status_code == 200 for f in busy)
