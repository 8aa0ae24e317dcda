"""PPAAS's two-stage op-amp served over real HTTP by a gf180mcu server, its corners spread over
the pool's workers: what a caller gets per corner equals the in-process evaluation at that
corner, the worst case is each spec's worst, skip-on-fail runs the typical corner alone on a
failing target, and the environment steps on the worst case."""

from __future__ import annotations

import dataclasses
import random
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import psutil
import pytest
from fastapi import FastAPI

import autockt_ckt.handlers as handlers
import discovery_client as dc
import discovery_server as ds
from autockt import AutoCktGym, AutoCktVectorEnv, EnvConfig, SimulatorConfig
from autockt_ckt.circuits.ppaas_tsa import evaluate_at
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.pdks import pdk
from autockt_ckt.pool import SimulatorPool
from autockt_ckt.settings import Settings
from autockt_shared import TWO_STAGE_OPAMP
from autockt_shared.circuits.ppaas_tsa import PPAAS_TSA, TsaInput, TsaMetrics, TsaOutput, ppaas_tsa_sim
from autockt_shared.optimization import Sense
from discovery_shared import BatchItem

ROOT = Path(__file__).resolve().parents[2]
KIT = pdk("gf180mcu")
CORNERS = KIT.corner_set("ppaas")
DESIGN = PPAAS_TSA.sample_values(random.Random(27))


def _pool(tmp_path: Path, name: str, workers: int) -> SimulatorPool:
    return SimulatorPool(dataclasses.replace(Settings.from_env(), run_dir=tmp_path, sim_workers=workers, pdk=name))


@pytest.fixture(scope="module")
def gf180_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorPool]:
    with _pool(tmp_path_factory.mktemp("gf180-pool"), "gf180mcu", 2) as pool:
        yield pool


@pytest.fixture
def serve_pool(serve: Callable[[FastAPI], ds.BackgroundServer]) -> Iterator[Callable[[SimulatorPool], ds.BackgroundServer]]:
    def start(pool: SimulatorPool) -> ds.BackgroundServer:
        handlers.use_pool(pool)
        return serve(ds.create_app(rpcs=[ppaas_tsa_sim]))

    yield start
    handlers.use_pool(None)


@pytest.fixture
def server(serve_pool: Callable[[SimulatorPool], ds.BackgroundServer], gf180_pool: SimulatorPool) -> ds.BackgroundServer:
    return serve_pool(gf180_pool)


@pytest.fixture
def client(server: ds.BackgroundServer) -> Iterator[dc.Client]:
    with dc.Client(dc.Config(server_url=server.url)) as client:
        yield client


def _call(client: dc.Client, values: dict[str, float], **options: object) -> TsaOutput:
    return client.call(ppaas_tsa_sim, TsaInput(**values, **options))  # type: ignore[arg-type]


def _metric(url: str, sample: str) -> float:
    """A sample of the server's `/metrics` (0 if it has none yet)."""
    found = re.search(rf"^{re.escape(sample)} (\S+)$", httpx.get(f"{url}/metrics").text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def _simulations_counted(server: ds.BackgroundServer) -> float:
    return _metric(server.url, 'autockt_corner_simulations_total{circuit="ppaas_tsa"}')


def _cpu_s(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def test_each_corner_served_equals_the_in_process_evaluation_and_the_worst_is_each_spec_s_worst(
    client: dc.Client, server: ds.BackgroundServer, libngspice: LibngspiceEngine, gf180_pool: SimulatorPool
) -> None:
    counted = _simulations_counted(server)
    cpu_before = {pid: _cpu_s(pid) for pid in gf180_pool.pids()}
    served = _call(client, DESIGN)
    assert all(_cpu_s(pid) - cpu > 0.15 for pid, cpu in cpu_before.items())  # one design's corners ran on every worker (~60 ms each)
    assert list(served.corners) == [corner.name for corner in CORNERS]
    assert not served.skipped and served.simulations == 17
    assert _simulations_counted(server) == counted + 17
    for corner in CORNERS:
        assert served.corners[corner.name] == evaluate_at(libngspice, KIT, corner, DESIGN), corner.name
    for spec in PPAAS_TSA.metrics:
        values = [getattr(metrics, spec.name) for metrics in served.corners.values()]
        assert getattr(served.worst, spec.name) == (min(values) if spec.sense is Sense.AT_LEAST else max(values))
    worst_at = {spec: {metrics_at[spec] for metrics_at in map(dataclasses.asdict, served.corners.values())} for spec in ("gain", "ibias")}
    assert all(len(values) > 1 for values in worst_at.values())  # the corners differ: the worst case is no single corner's copy
    assert PPAAS_TSA.metric_values(served) == dataclasses.asdict(served.worst)


def test_skip_on_fail_runs_the_typical_corner_alone_when_it_misses_the_target(client: dc.Client, server: ds.BackgroundServer) -> None:
    typical = _call(client, DESIGN, corner_set="tt")
    assert list(typical.corners) == [CORNERS[0].name] and typical.simulations == 1 and not typical.skipped
    assert typical.worst == typical.corners[CORNERS[0].name]
    tt = dataclasses.asdict(typical.worst)
    senses = {spec.name: spec.sense for spec in PPAAS_TSA.metrics}
    met = {name: value - 0.01 * abs(value) if senses[name] is Sense.AT_LEAST else value + 0.01 * abs(value) for name, value in tt.items()}

    counted = _simulations_counted(server)
    missed = _call(client, DESIGN, target=TsaMetrics(**{**met, "gain": tt["gain"] * 1.01}))
    assert missed.skipped and missed.simulations == 1 and missed.corners == typical.corners
    assert _simulations_counted(server) == counted + 1

    passed = _call(client, DESIGN, target=TsaMetrics(**met))
    assert not passed.skipped and passed.simulations == 17 and passed == _call(client, DESIGN)
    assert _simulations_counted(server) == counted + 1 + 17 + 17


@pytest.mark.parametrize(
    ("change", "field"),
    [({"corner_set": "fast"}, "corner_set"), ({"wn1": 0.4}, "wn1"), ({"target": {"gain": 250.0}}, "target")],
)
def test_a_bad_field_is_a_422_naming_it(server: ds.BackgroundServer, change: dict[str, object], field: str) -> None:
    response = httpx.post(f"{server.url}/ppaas_tsa_sim", json={**DESIGN, **change})
    assert response.status_code == 422
    assert field in {error["loc"][0] for error in response.json()["details"]["fields"]}


def test_a_server_of_another_pdk_answers_a_typed_error_naming_the_flag(
    serve_pool: Callable[[SimulatorPool], ds.BackgroundServer], tmp_path: Path
) -> None:
    with _pool(tmp_path, "ptm45", 1) as ptm45:
        server = serve_pool(ptm45)
        response = httpx.post(f"{server.url}/ppaas_tsa_sim", json=DESIGN)
    assert response.status_code == 404
    body = response.json()
    assert body["type"] == "not_found" and body["details"] == {"pdk": "ptm45", "circuit_pdk": "gf180mcu"}
    assert "--pdk gf180mcu" in body["message"]


def test_the_environment_steps_on_the_worst_case(client: dc.Client, server: ds.BackgroundServer) -> None:
    config = EnvConfig(circuit=PPAAS_TSA.name, horizon=1, skip_on_fail=False, simulator=SimulatorConfig(server_url=server.url))
    env = AutoCktGym(config)  # every design at every corner (tests/pdks/test_skip_on_fail.py: with skip-on-fail)
    try:
        env.action_space.seed(5)
        env.reset(seed=5)
        assert env.metrics == PPAAS_TSA.metric_values(_call(client, PPAAS_TSA.initial_values()))
        design = env.begin_step(env.action_space.sample())  # the halves of step, to see the design the move chose
        assert design is not None and design != PPAAS_TSA.initial_values()
        obs, _, _, truncated, info = env.end_step(BatchItem.success(env.simulator.evaluate(design)))
        assert env.observation_space.contains(obs) and info["sim_failed"] is False and truncated != info["reached"]
        assert info["metrics"] == dataclasses.asdict(_call(client, design).worst)
    finally:
        env.close()


def test_start_server_for_gf180mcu_serves_it_and_caches_each_corner_set_s_answer(tmp_path: Path) -> None:
    port = ds.free_port()
    argv = [sys.executable, str(ROOT / "AutoCkt/scripts/start_server.py"), "--port", str(port), "--sim-workers", "2", "--pdk", "gf180mcu"]
    url = f"http://127.0.0.1:{port}"
    with ds.ServerProcess(argv, port=port, cwd=tmp_path):
        answers = [httpx.post(f"{url}/ppaas_tsa_sim", json={**DESIGN, "corner_set": corner_set}) for corner_set in ("tt", "tt", "ppaas")]
        assert [answer.json()["simulations"] for answer in answers] == [1, 1, 17]
        tt, again, full = (answer.json() for answer in answers)
        assert tt == again and tt["corners"] == {CORNERS[0].name: full["corners"][CORNERS[0].name]}
        assert _metric(url, 'discovery_result_cache_hits_total{rpc="ppaas_tsa_sim"}') == 1  # the second tt: from the cache
        assert _metric(url, 'autockt_corner_simulations_total{circuit="ppaas_tsa"}') == 1 + 17  # ... which ran none
        assert httpx.post(f"{url}/auto_ckt_sim_hdl21", json=TWO_STAGE_OPAMP.initial_values()).status_code == 200  # the 45 nm circuits too


def test_the_vector_environment_steps_as_lone_environments_do(server: ds.BackgroundServer) -> None:
    config = EnvConfig(circuit=PPAAS_TSA.name, horizon=1, simulator=SimulatorConfig(server_url=server.url))
    vector, lone = AutoCktVectorEnv(config, num_envs=2), AutoCktGym(config)
    try:
        vector.action_space.seed(9)
        actions = vector.action_space.sample()
        observations, _ = vector.reset(seed=3)
        assert np.array_equal(observations[1], lone.reset(seed=4)[0])
        observations, rewards, _, _, _ = vector.step(actions)  # the two designs' 34 corners in one batch
        observation, reward, *_ = lone.step(actions[1])
        assert np.array_equal(observations[1], observation) and rewards[1] == reward
        assert vector.envs[1].metrics == lone.metrics
    finally:
        vector.close()
        lone.close()
