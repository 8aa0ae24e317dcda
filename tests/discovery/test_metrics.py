"""`GET /metrics` over real HTTP: Prometheus text with calls, errors, latencies, calls in flight and waiting.

Metric series are per process and shared by every app a test builds, so each test reads deltas.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from prometheus_client import REGISTRY, Gauge
from prometheus_client.parser import text_string_to_metric_families
from pydantic.dataclasses import dataclass

import discovery_server as ds
from discovery_shared import Rpc, registry


@dataclass
class Step:
    n: int


RELEASE = threading.Event()


def step(s: Step) -> Step:
    if s.n < 0:
        raise ValueError("negative step")
    if s.n == 1000:
        RELEASE.wait(10)
    return Step(n=s.n + 1)


@pytest.fixture(scope="module")
def rpc():
    rpc = Rpc("t_metrics_step", Step, Step)
    rpc.impl(step)
    yield rpc
    registry.remove("t_metrics_step")


def scrape(server: ds.BackgroundServer) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = httpx.get(f"{server.url}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_calls_errors_and_latency_by_rpc(serve, rpc) -> None:
    server = serve(ds.create_app(rpcs=[rpc]))
    before = scrape(server)
    for n in range(3):
        assert httpx.post(f"{server.url}/t_metrics_step", json={"n": n}).status_code == 200
    httpx.post(f"{server.url}/t_metrics_step", json={"n": "x"})
    httpx.post(f"{server.url}/t_metrics_step/batch", json=[{"n": 5}, {"n": -1}, {"n": -2}])
    after = scrape(server)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, rpc=rpc.name, **labels) - value(before, name, rpc=rpc.name, **labels)

    assert delta("discovery_rpc_calls_total") == 7  # each batch item is one call
    assert delta("discovery_rpc_errors_total", type="validation_error") == 1
    assert delta("discovery_rpc_errors_total", type="handler_error") == 2
    assert delta("discovery_rpc_batches_total") == 1
    assert delta("discovery_rpc_seconds_count") == 7
    assert delta("discovery_rpc_seconds_bucket", le="+Inf") == 7 and delta("discovery_rpc_seconds_sum") > 0


def test_calls_in_flight_and_waiting_for_a_thread(serve, rpc) -> None:
    RELEASE.clear()
    server = serve(ds.create_app(ds.Config(max_threads=1), rpcs=[rpc]))
    before = scrape(server)
    callers = [
        threading.Thread(target=httpx.post, args=(f"{server.url}/t_metrics_step",), kwargs={"json": {"n": 1000}, "timeout": 20})
        for _ in range(2)
    ]
    for caller in callers:
        caller.start()
    deadline = time.monotonic() + 10
    while True:  # one call runs (blocked on RELEASE), the other waits for the one thread
        now = scrape(server)
        in_flight = value(now, "discovery_rpc_in_flight", rpc=rpc.name) - value(before, "discovery_rpc_in_flight", rpc=rpc.name)
        waiting = value(now, "discovery_rpc_waiting", rpc=rpc.name) - value(before, "discovery_rpc_waiting", rpc=rpc.name)
        if (in_flight, waiting) == (1, 1) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    RELEASE.set()
    for caller in callers:
        caller.join(20)
    assert (in_flight, waiting) == (1, 1)
    after = scrape(server)
    assert value(after, "discovery_rpc_in_flight", rpc=rpc.name) == value(before, "discovery_rpc_in_flight", rpc=rpc.name)
    assert value(after, "discovery_rpc_waiting", rpc=rpc.name) == value(before, "discovery_rpc_waiting", rpc=rpc.name)


def test_metrics_of_other_server_packages_appear_too(serve, rpc) -> None:
    """A server-side package (e.g. a simulator pool) defines its metrics in the default registry."""
    gauge = Gauge("t_metrics_pool_workers_busy", "Busy workers of a test pool.")
    try:
        gauge.set(3)
        samples = scrape(serve(ds.create_app(rpcs=[rpc])))
        assert value(samples, "t_metrics_pool_workers_busy") == 3
    finally:
        REGISTRY.unregister(gauge)


def test_metrics_is_open_without_auth_and_documented(serve, rpc) -> None:
    server = serve(ds.create_app(rpcs=[rpc]))
    assert "discovery_rpc_calls_total" in httpx.get(f"{server.url}/metrics").text
    assert "/metrics" in httpx.get(f"{server.url}/openapi.json").json()["paths"]
