"""Shipped policies: a checkpoint's policy exported without Ray acts exactly as the RLlib module, validates and sizes
like a checkpoint, is what `size` uses by default, and is refused, naming its rebuild command, once its circuit changes.

Everything runs for real: the session's tiny PPO training (tests/tiny_training.py's `trained`), its server, and the policies
committed in the package, simulated in-process with ngspice.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import autockt_ckt.handlers  # noqa: F401  (the circuits' handlers, for in-process simulation)
from autockt import AutoCktGym, EnvConfig, InputError, Simulator, SimulatorConfig, SizingConfig, size, validate
from autockt.checkpoints import TrainedPolicy, open_agent
from autockt.command_line import validate_from_command_line
from autockt.fingerprint import OBSERVATION_BLOCKS, observation_block_sizes, observation_blocks, schema_fingerprint
from autockt.model_based import ShippedModelBasedPolicy
from autockt.policy_export import export_checkpoint
from autockt.shipped_policy import (
    POLICIES_DIR,
    PolicyCard,
    ShippedPolicy,
    StalePolicy,
    card_path,
    rebuild_command,
    shipped_circuits,
)
from autockt_shared import TWO_STAGE_OPAMP, all_circuits
from autockt_shared.circuits.ppaas_tsa import PPAAS_TSA

from ..tiny_training import Trained

MAX_BYTES = 1_000_000
REACHABLE = {"gain": 250.0, "ugbw": 1e7, "phm": 60.0, "ibias": 1e-3}
IN_PROCESS = SimulatorConfig(in_process=True)


@pytest.fixture(scope="module")
def exported(trained: Trained, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_checkpoint(trained.checkpoint).save(tmp_path_factory.mktemp("policies") / f"{TWO_STAGE_OPAMP.name}.npz")


@pytest.fixture(scope="module")
def stale(exported: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The exported policy with the fingerprint of some other version of its circuit."""
    path = tmp_path_factory.mktemp("stale") / exported.name
    shutil.copy(exported, path)
    card = PolicyCard.read(card_path(exported))
    dataclasses.replace(card, schema_fingerprint="0" * 16).write(card_path(path))
    return path


def test_an_exported_policy_is_the_checkpoints_policy_without_ray(trained: Trained, exported: Path) -> None:
    shipped, module = ShippedPolicy.load(exported), TrainedPolicy.from_checkpoint(trained.checkpoint)
    assert sum(p.stat().st_size for p in (exported, card_path(exported))) < MAX_BYTES
    card = shipped.card
    assert (card.circuit, card.corner_set, card.algorithm) == (TWO_STAGE_OPAMP.name, None, "ppo")
    assert card.schema_fingerprint == schema_fingerprint(TWO_STAGE_OPAMP)
    assert card.observation_space["shape"] == list(module.module.observation_space.shape)  # type: ignore[union-attr]
    assert card.action_space["nvec"] == list(module.module.action_space.nvec)  # type: ignore[union-attr]
    assert card.training["env_steps"] == 240 and card.environment["training_targets"] == 30
    rng = np.random.default_rng(0)
    observations = list(rng.uniform(-1, 1, size=(12, card.observation_space["shape"][0])).astype(np.float32))
    with torch.no_grad():
        for row in observations:
            x = torch.as_tensor(row[None])
            assert torch.equal(shipped.logits(x), module.logits(x))
    assert np.array_equal(shipped.act_batch(observations), module.act_batch(observations))
    sampled = [p.act_batch(observations, [np.random.default_rng([3, i]) for i in range(12)]) for p in (shipped, module)]
    assert np.array_equal(sampled[0], sampled[1])


def test_a_shipped_policy_validates_as_its_checkpoint(trained: Trained, exported: Path, tmp_path: Path) -> None:
    simulator = SimulatorConfig(server_url=trained.server_url)
    runs = [validate(p, n_specs=3, traj_len=3, simulator=simulator, output_dir=tmp_path / p.name) for p in (trained.checkpoint, exported)]
    outcomes = [json.loads(r.results_file.read_text())["targets"] for r in runs]
    assert outcomes[0] == outcomes[1]
    assert runs[1].checkpoint == exported and runs[1].env_steps == 240 and runs[1].learning_curve_file is None


def test_a_stale_policy_is_refused_naming_the_command_that_rebuilds_it(
    stale: Path, exported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rebuild = "python AutoCkt/scripts/build_policies.py --circuit two_stage_opamp"
    with pytest.raises(StalePolicy, match=rebuild):
        ShippedPolicy.load(stale)
    assert rebuild_command("ppaas_comp").endswith("--server-url HOST:PORT (of `start_server.py --pdk gf180mcu`)")
    with pytest.raises(InputError, match=rebuild) as refused:
        size(SizingConfig(TWO_STAGE_OPAMP.name, REACHABLE, agent=stale, simulator=IN_PROCESS))
    assert refused.value.field == "agent"
    with pytest.raises(SystemExit) as exited:
        validate_from_command_line([str(stale), "--in-process"])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.startswith("validate.py: refused: agent") and rebuild in err
    policy = ShippedPolicy.load(exported)
    other_shape = policy.with_card(dataclasses.replace(policy.card, observation_space={**policy.card.observation_space, "shape": [99]}))
    simulator = Simulator(TWO_STAGE_OPAMP, IN_PROCESS)
    try:
        with pytest.raises(StalePolicy, match=rebuild):
            other_shape.make_env(EnvConfig(TWO_STAGE_OPAMP.name, simulator=IN_PROCESS), simulator)
    finally:
        simulator.close()


def test_the_fingerprint_follows_what_the_policy_sees_of_its_circuit() -> None:
    env = AutoCktGym(EnvConfig(TWO_STAGE_OPAMP.name, simulator=IN_PROCESS))
    assert tuple(k for k, block in env.observation_blocks().items() if block.size) == OBSERVATION_BLOCKS
    tsa = AutoCktGym(EnvConfig(PPAAS_TSA.name, simulator=IN_PROCESS))
    assert [k for k, block in tsa.observation_blocks().items() if block.size] == observation_blocks(PPAAS_TSA)
    for circuit, shown in ((TWO_STAGE_OPAMP, env), (PPAAS_TSA, tsa)):  # what an exported policy's card says it takes
        assert {k: block.size for k, block in shown.observation_blocks().items() if block.size} == observation_block_sizes(circuit)
    prints = {name: schema_fingerprint(c) for name, c in all_circuits().items()}
    assert len(set(prints.values())) == len(prints)
    metrics = list(TWO_STAGE_OPAMP.metrics)
    metrics[0] = dataclasses.replace(metrics[0], normalizer=metrics[0].normalizer * 2)
    changed = SimpleNamespace(
        name=TWO_STAGE_OPAMP.name,
        params=TWO_STAGE_OPAMP.params,
        metrics=tuple(metrics),
        input_type=TWO_STAGE_OPAMP.input_type,
        skips_on_fail=False,
    )
    assert schema_fingerprint(changed) != prints[TWO_STAGE_OPAMP.name]  # type: ignore[arg-type]


def test_every_committed_policy_is_small_and_fresh() -> None:
    circuits = shipped_circuits()
    assert TWO_STAGE_OPAMP.name in circuits
    for circuit in circuits:
        weights = POLICIES_DIR / f"{circuit}.npz"
        assert weights.stat().st_size + card_path(weights).stat().st_size < MAX_BYTES
        agent = open_agent(weights)  # refused if its circuit changed: rebuild it (the error says how)
        card, policy = agent.card, agent.policy()
        assert card is not None and isinstance(policy, ShippedPolicy | ShippedModelBasedPolicy) and policy.card == card
        assert card.validation["greedy"]["targets"] == 1000 and card.training["env_steps"] > 0


def test_size_starts_from_the_shipped_policy_unless_told_not_to() -> None:
    shipped = size(SizingConfig(TWO_STAGE_OPAMP.name, REACHABLE, budget=40, simulator=IN_PROCESS))
    agent = shipped.method["agent"]
    assert agent["shipped"] and agent["checkpoint"] == str(POLICIES_DIR / "two_stage_opamp.npz") and agent["episodes"] == 1
    assert (
        shipped.method["optimizer"] == "cma_es"
        and shipped.simulations == 1 + agent["simulations"] + shipped.method["optimizer_simulations"]
    )
    alone = size(SizingConfig(TWO_STAGE_OPAMP.name, REACHABLE, budget=40, simulator=IN_PROCESS, shipped_agent=False))
    assert "agent" not in alone.method


def test_validate_py_takes_the_shipped_policy_of_a_circuit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    validate_from_command_line(
        ["--shipped", "two_stage_opamp", "--n-specs", "2", "--traj-len", "2", "--in-process", "--output-dir", str(tmp_path)]
    )
    assert "unseen targets" in capsys.readouterr().out
    summary = json.loads((tmp_path / "results.json").read_text())["summary"]
    assert summary["checkpoint"] == str(POLICIES_DIR / "two_stage_opamp.npz") and summary["n_targets"] == 2
    with pytest.raises(SystemExit) as exited:
        validate_from_command_line(["--shipped", "no_such_circuit", "--in-process"])
    assert exited.value.code == 2 and capsys.readouterr().err.startswith("validate.py: refused: shipped: no shipped policy")
