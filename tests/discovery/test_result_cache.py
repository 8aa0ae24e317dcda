"""The result cache over real HTTP: hits answer the miss's exact bytes, only deterministic Rpcs are cached."""

from __future__ import annotations

import math
from collections import Counter

import httpx
import pytest
from prometheus_client import REGISTRY
from pydantic.dataclasses import dataclass

import discovery_server as ds
from discovery_shared import Rpc, registry


@dataclass
class Design:
    width: float
    fingers: int


@dataclass
class Figures:
    gain: float
    noise: float
    runs: int  # how often the handler has run for this input: a hit answers the count of the run it stored


RUNS: Counter[tuple[float, int]] = Counter()


def simulate(d: Design) -> Figures:
    if d.fingers < 0:
        raise ValueError("negative fingers")
    RUNS[(d.width, d.fingers)] += 1
    return Figures(gain=math.sqrt(d.width) / 3 + 0.1 + 0.2, noise=1e-300 * d.fingers, runs=RUNS[(d.width, d.fingers)])


@pytest.fixture(scope="module")
def rpcs():
    cached = Rpc("t_cache_deterministic", Design, Figures, deterministic=True)
    uncached = Rpc("t_cache_plain", Design, Figures)
    cached.impl(simulate)
    uncached.impl(simulate)
    yield cached, uncached
    registry.remove("t_cache_deterministic")
    registry.remove("t_cache_plain")


@pytest.fixture(autouse=True)
def fresh_runs():
    RUNS.clear()


def post(server: ds.BackgroundServer, rpc: Rpc, body: bytes, batch: bool = False) -> httpx.Response:
    return httpx.post(f"{server.url}/{rpc.name}{'/batch' if batch else ''}", content=body)


def counter(name: str, rpc: Rpc) -> float:
    return REGISTRY.get_sample_value(name, {"rpc": rpc.name}) or 0.0


def test_a_hit_answers_the_exact_bytes_of_the_miss(serve, rpcs) -> None:
    cached, _ = rpcs
    server = serve(ds.create_app(ds.Config(result_cache_size=16), rpcs=rpcs))
    hits, misses = counter("discovery_result_cache_hits_total", cached), counter("discovery_result_cache_misses_total", cached)
    miss = post(server, cached, b'{"width": 2.5, "fingers": 4}')
    # The same input spelled otherwise (key order, spacing, 2.50 for 2.5) has the same canonical bytes.
    hit = post(server, cached, b'{ "fingers":4,"width":2.50 }')
    assert miss.status_code == hit.status_code == 200
    assert hit.content == miss.content and miss.json()["runs"] == 1
    assert RUNS[(2.5, 4)] == 1  # the handler ran once
    assert counter("discovery_result_cache_hits_total", cached) - hits == 1
    assert counter("discovery_result_cache_misses_total", cached) - misses == 1


def test_only_deterministic_rpcs_are_cached(serve, rpcs) -> None:
    _, plain = rpcs
    server = serve(ds.create_app(ds.Config(result_cache_size=16), rpcs=rpcs))
    answers = [post(server, plain, b'{"width": 1.0, "fingers": 1}').json()["runs"] for _ in range(3)]
    assert answers == [1, 2, 3]
    assert REGISTRY.get_sample_value("discovery_result_cache_misses_total", {"rpc": plain.name}) in (None, 0.0)


def test_no_cache_by_default(serve, rpcs) -> None:
    cached, _ = rpcs
    server = serve(ds.create_app(rpcs=rpcs))
    assert [post(server, cached, b'{"width": 1.0, "fingers": 2}').json()["runs"] for _ in range(2)] == [1, 2]


def test_batch_items_share_the_cache_with_single_calls(serve, rpcs) -> None:
    cached, _ = rpcs
    server = serve(ds.create_app(ds.Config(result_cache_size=16), rpcs=rpcs))
    single = post(server, cached, b'{"width": 3.0, "fingers": 1}')
    items = post(server, cached, b'[{"width": 3.0, "fingers": 1}, {"width": 4.0, "fingers": 1}]', batch=True)
    assert items.content.startswith(b'[{"result":' + single.content + b"},")
    again = post(server, cached, b'[{"width": 4.0, "fingers": 1}, {"width": 3, "fingers": 1}]', batch=True).json()
    assert [item["result"]["runs"] for item in again] == [1, 1]
    assert RUNS == {(3.0, 1): 1, (4.0, 1): 1}


def test_failures_are_not_cached_and_the_oldest_entry_goes_first(serve, rpcs) -> None:
    cached, _ = rpcs
    server = serve(ds.create_app(ds.Config(result_cache_size=2), rpcs=rpcs))
    for _ in range(2):
        assert post(server, cached, b'{"width": 1.0, "fingers": -1}').status_code == 500
    body = lambda fingers: b'{"width": 1.0, "fingers": %d}' % fingers  # noqa: E731
    for fingers in (1, 2, 1, 3):  # 1 is used again before 3 arrives, so 2 is the least recent
        post(server, cached, body(fingers))
    assert post(server, cached, body(1)).json()["runs"] == 1  # still cached
    assert post(server, cached, body(2)).json()["runs"] == 2  # was evicted: ran again


def test_the_namespace_and_the_fingerprint_are_part_of_the_key(rpcs) -> None:
    cached, plain = rpcs
    design = Design(width=1.0, fingers=1)
    one, other = ds.ResultCache(4, "models-v1"), ds.ResultCache(4, "models-v2")
    assert one.key(cached, design) != other.key(cached, design)
    assert one.key(cached, design) != one.key(plain, design)
    assert one.key(cached, design) == ds.ResultCache(4, "models-v1").key(cached, design)
    with pytest.raises(ValueError, match="at least 1"):
        ds.ResultCache(0)


def test_command_line_flags_and_a_script_base(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DISCOVERY_RESULT_CACHE_SIZE", "DISCOVERY_MAX_BATCH"):
        monkeypatch.delenv(name, raising=False)
    base = ds.Config(result_cache_size=1000, result_cache_namespace="abc123")
    config = ds.config_from_command_line("test", [], base)
    assert (config.result_cache_size, config.result_cache_namespace, config.max_batch) == (1000, "abc123", 256)
    assert ds.config_from_command_line("test", ["--result-cache-size", "0"], base).result_cache_size == 0
    monkeypatch.setenv("DISCOVERY_RESULT_CACHE_SIZE", "50")
    monkeypatch.setenv("DISCOVERY_MAX_BATCH", "64")
    config = ds.config_from_command_line("test", [], base)
    assert (config.result_cache_size, config.max_batch) == (50, 64)
    assert ds.config_from_command_line("test", ["--max-batch", "8"]).max_batch == 8
    with pytest.raises(SystemExit):
        ds.config_from_command_line("test", ["--max-batch", "0"])
