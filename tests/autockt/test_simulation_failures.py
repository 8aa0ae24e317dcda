"""A simulation that fails mid-episode costs a penalty and ends the episode; the environment lives on.

Both failures are real: ngspice killed by the server's own time limit, and a server that goes away.
A server that comes back within the retry deadline costs nothing; one that keeps failing stops
the training instead of spending its budget on penalties.
"""

from __future__ import annotations

import importlib
import threading
from pathlib import Path

import numpy as np
import pytest

import autockt_ckt.handlers as handlers
from autockt import AutoCktGym, AutoCktVectorEnv, EnvConfig, SimulatorConfig, TrainConfig, TrainingStopped, train
from autockt_ckt.engine import NgspiceSubprocessEngine
from discovery_server import BackgroundServer, ServerProcess

from ..tiny_training import tiny_training

STAY = np.ones(7, dtype=np.int64)  # the "0" move for every parameter
HORIZON = 30
N_METRICS = 4


def _env(server: BackgroundServer) -> AutoCktGym:
    return AutoCktGym(EnvConfig(simulator=SimulatorConfig(server_url=server.url, retry_deadline_s=0), horizon=HORIZON))


def test_ngspice_failing_on_the_server_mid_episode_ends_it_with_a_penalty(
    circuit_server: BackgroundServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = _env(circuit_server)
    env.reset(seed=0)
    _, _, terminated, _, info = env.step(STAY)
    assert not terminated and not info["sim_failed"]

    # The served handler's engine, swapped for one whose time limit kills every ngspice run.
    monkeypatch.setattr(handlers.local_simulator(), "engine", NgspiceSubprocessEngine(run_dir=tmp_path, timeout_s=1e-4))
    obs, reward, terminated, truncated, info = env.step(STAY)
    assert (terminated, truncated, info["sim_failed"], info["reached"]) == (True, False, True, False)
    assert "SimulationTimeout" in info["failure"]
    assert reward == -N_METRICS * (HORIZON - 1)  # the worst reward of every step left, this one included
    assert env.observation_space.contains(obs)

    monkeypatch.undo()  # the server's simulator works again: so does the next episode
    env.reset(seed=1)
    _, _, _, _, info = env.step(STAY)
    assert not info["sim_failed"]


def test_server_going_away_mid_episode_ends_it_and_later_episodes_end_at_once(circuit_server: BackgroundServer) -> None:
    env = _env(circuit_server)
    env.reset(seed=0)
    for _ in range(2):
        assert not env.step(STAY)[4]["sim_failed"]
    circuit_server.close()

    obs, reward, terminated, _, info = env.step(STAY)
    assert terminated and info["sim_failed"]
    assert "ServerUnavailableError" in info["failure"]
    assert reward == -N_METRICS * (HORIZON - 2)
    assert env.observation_space.contains(obs)

    obs, info = env.reset(seed=1)  # no exception: the reset's own failure is reported ...
    assert info["sim_failed"] and env.observation_space.contains(obs)
    _, reward, terminated, _, info = env.step(STAY)  # ... and the first step ends the episode
    assert terminated and info["sim_failed"] and reward == -N_METRICS * HORIZON


def test_with_the_default_retry_deadline_a_server_restart_costs_no_episode(served_circuits: ServerProcess) -> None:
    """The server process goes down between two steps and comes back on its port a moment
    later: the vector environment's next batch waits for it and every episode goes on."""
    env = AutoCktVectorEnv(EnvConfig(simulator=SimulatorConfig(server_url=served_circuits.url), horizon=HORIZON), num_envs=2)
    assert SimulatorConfig().retry_deadline_s >= 30  # the default, used here, outlasts a restart
    env.reset(seed=0)
    served_circuits.close()
    restart = threading.Timer(1.0, served_circuits.start)
    restart.start()
    *_, infos = env.step(np.stack([STAY, STAY]))
    restart.join()
    env.close()
    assert not infos["sim_failed"].any()


def test_a_training_whose_server_keeps_failing_stops_and_names_a_checkpoint(
    circuit_server: BackgroundServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The server passes the training's start-up check, then every ngspice run it starts is killed
    by its time limit (as when a server's workers cannot simulate): the training stops after its
    first iteration, not at its 50,000-step budget."""
    training = importlib.import_module("autockt.train")  # the module: `autockt.train` is also the function
    check = training._check_simulator

    def check_then_break(config: TrainConfig) -> None:
        check(config)
        monkeypatch.setattr(handlers.local_simulator(), "engine", NgspiceSubprocessEngine(run_dir=tmp_path, timeout_s=1e-4))

    monkeypatch.setattr(training, "_check_simulator", check_then_break)
    simulator = SimulatorConfig(server_url=circuit_server.url, retry_deadline_s=0)
    config = tiny_training(
        circuit_server.url, tmp_path, simulator=simulator, train_batch_size=240, max_env_steps=50_000, checkpoint_every=1
    )
    with pytest.raises(TrainingStopped, match=r"training stopped after 240 env steps: 100% of the last 200 episodes") as stopped:
        train(config)
    checkpoint = Path(str(stopped.value).rsplit("--resume ", 1)[1])
    assert (checkpoint / "rllib_checkpoint.json").exists()
