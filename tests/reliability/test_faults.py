"""Faults of a real AutoCkt server process: a client loop across a SIGKILL-and-restart and a
SIGTERM-and-restart (outages of 2 s and more), a batch in flight during SIGTERM, and a short PPO
training across a restart. Zero calls raise to the caller; zero failed episodes."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from pathlib import Path

import httpx

import discovery_client as dc
from autockt import SimulatorConfig, train
from autockt.train import FAILED_METRIC
from autockt_shared import TWO_STAGE_OPAMP, OpAmpOutput, auto_ckt_sim_hdl21
from discovery_server import ServerProcess, free_port
from tests.reliability.conftest import AUTOCKT_SCRIPT, StartServer

from ..tiny_training import tiny_training

OUTAGE = 2.0
"""Seconds between the server's end and its restart's start (the restart then takes its warm-up too)."""


def _points(n: int, seed: int) -> list[object]:
    rng = random.Random(seed)
    return [TWO_STAGE_OPAMP.make_input(TWO_STAGE_OPAMP.sample_values(rng)) for _ in range(n)]


def _stop(server: ServerProcess, sig: signal.Signals) -> None:
    """Send `sig` and wait for the process to end (a drain on SIGTERM finishes the calls in flight first)."""
    os.kill(server.pid, sig)
    assert server._proc is not None
    server._proc.wait(60)


def test_a_client_loop_rides_out_a_sigkill_and_a_sigterm_restart(start_server: StartServer) -> None:
    """One loop across both faults: a SIGKILL and its restart, then a SIGTERM (a drain) and its restart."""
    port = free_port()
    server = start_server(AUTOCKT_SCRIPT, "--sim-workers", "1", port=port)
    stop, answers, errors = threading.Event(), [], []

    def loop() -> None:
        config = dc.Config(server_url=server.url, retry=dc.RetryPolicy(deadline=60))
        with dc.Client(config) as client:
            seed = 0
            while not stop.is_set():
                seed += 1
                try:
                    if seed % 4 == 0:
                        answers.extend(client.call_batch(auto_ckt_sim_hdl21, _points(8, seed)).values())
                    else:
                        answers.append(client.call(auto_ckt_sim_hdl21, _points(1, seed)[0]))
                except BaseException as err:  # noqa: BLE001 - any raise is the finding
                    errors.append(err)

    caller = threading.Thread(target=loop)
    caller.start()
    answered: list[int] = []  # before each fault, and at the end
    try:
        for sig in (signal.SIGKILL, signal.SIGTERM, None):
            answered.append(_more_answers(answers, than=answered[-1] if answered else 0))
            if sig is not None:
                _stop(server, sig)
                time.sleep(OUTAGE)
                server = start_server(AUTOCKT_SCRIPT, "--sim-workers", "1", port=port)
    finally:
        stop.set()
        caller.join(120)
    assert errors == []
    assert 0 < answered[0] < answered[1] < answered[2]  # calls were answered before the faults and after each restart
    assert all(isinstance(a, OpAmpOutput) for a in answers)


def _more_answers(answers: list[object], than: int, within_s: float = 60.0) -> int:
    """How many calls are answered once more than `than` are (the client's retries wait out its backoff first)."""
    deadline = time.monotonic() + within_s
    while len(answers) <= than and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(answers)


def test_a_batch_in_flight_during_sigterm_completes(start_server: StartServer) -> None:
    server = start_server(AUTOCKT_SCRIPT, "--sim-workers", "1", "--result-cache-size", "0")
    points = _points(48, seed=99)
    result: list[object] = []
    with dc.Client(dc.Config(server_url=server.url, retry=dc.RetryPolicy(deadline=0))) as client:  # never resent
        caller = threading.Thread(target=lambda: result.append(client.call_batch(auto_ckt_sim_hdl21, points)))
        caller.start()
        deadline = time.monotonic() + 30
        while not _calls_answered(server.url) and time.monotonic() < deadline:  # the batch's items are running
            time.sleep(0.02)
        os.kill(server.pid, signal.SIGTERM)
        caller.join(120)
    (batch,) = result
    assert len(batch.values()) == len(points)  # every item answered by the draining server, none failed  # type: ignore[attr-defined]
    assert server._proc is not None and server._proc.wait(30) == 0


def _calls_answered(url: str) -> bool:
    text = httpx.get(f"{url}/metrics", timeout=5).text
    return any(line.startswith('discovery_rpc_calls_total{rpc="auto_ckt_sim_hdl21"}') for line in text.splitlines())


def test_ppo_training_across_a_server_restart_fails_no_episode(start_server: StartServer, tmp_path: Path) -> None:
    port = free_port()
    server = start_server(AUTOCKT_SCRIPT, "--sim-workers", "1", port=port)
    restarted: list[float] = []

    def restart_mid_run() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and _answered(server.url) < 120:
            time.sleep(0.1)
        _stop(server, signal.SIGTERM)
        time.sleep(OUTAGE)
        start_server(AUTOCKT_SCRIPT, "--sim-workers", "1", port=port)
        restarted.append(time.monotonic())

    restarter = threading.Thread(target=restart_mid_run)
    restarter.start()
    config = tiny_training(
        server.url,
        tmp_path,
        experiment="across_restart",
        simulator=SimulatorConfig(server_url=server.url, retry_deadline_s=60),
        n_training_targets=20,
        train_batch_size=240,
        minibatch_size=120,
        max_env_steps=480,
    )
    result = train(config)
    restarter.join(120)
    assert restarted, "the server was never restarted during the training"
    assert result.env_steps >= 480
    rates = [
        json.loads(line)["env_runners"][FAILED_METRIC]
        for path in (tmp_path / "across_restart").rglob("result.json")
        for line in path.read_text().splitlines()
        if FAILED_METRIC in json.loads(line).get("env_runners", {})
    ]
    assert rates and max(rates) == 0.0  # no episode lost a simulation to the restart


def _answered(url: str) -> float:
    try:
        text = httpx.get(f"{url}/metrics", timeout=5).text
    except httpx.TransportError:
        return 0.0
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("discovery_rpc_calls_total{"))
