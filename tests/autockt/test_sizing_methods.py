"""benchmarks/sizing_methods.py end to end, simulating in-process; and an agent deployed like an optimizer.

The benchmark's `main` runs in this process: a process of its own would spend its seconds importing what
the suite has imported already."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest
import torch

from autockt import SimulatorConfig, TargetSet, TrainedPolicy
from autockt.checkpoints import open_agent
from autockt.deployment import deploy, training_simulations
from autockt.optimizers import OPTIMIZERS
from autockt.shipped_policy import POLICIES_DIR
from autockt_shared import TWO_STAGE_OPAMP

from ..tiny_training import Trained

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks/sizing_methods.py"


def run_benchmark(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What `python benchmarks/sizing_methods.py ARGV` prints; the torch threads it sets are given back."""
    threads = torch.get_num_threads()
    try:
        runpy.run_path(str(SCRIPT))["main"](argv)
    finally:
        torch.set_num_threads(threads)
    return capsys.readouterr().out


def test_the_benchmark_runs_every_optimizer_and_a_shipped_policy_on_two_targets_and_reports_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = POLICIES_DIR / "two_stage_opamp.npz"
    argv = [
        "--agent",
        str(policy),
        "--targets",
        "2",
        "--budget",
        "100",
        "--gp-budget",
        "24",
        "--in-process",
        "--output",
        str(tmp_path),
    ]
    printed = run_benchmark(argv, capsys)
    summary = json.loads((tmp_path / "results.json").read_text())
    assert summary["targets"] == list(TargetSet.validation(TargetSet.training(TWO_STAGE_OPAMP, 350, 0), 2, 0).targets)  # held out, seeded
    shipped = open_agent(policy)  # trained on those 350: its held-out targets are the same
    assert shipped.card is not None and summary["methods"]["agent"]["training"] == shipped.card.training["simulations"]
    assert summary["targets"] == list(TargetSet.validation(shipped.training, 2, shipped.record.seed).targets)
    assert list(summary["methods"]) == ["agent", *OPTIMIZERS]
    for method, run in list(summary["methods"].items())[1:]:
        for result, spent in zip(run["results"], run["simulations"], strict=True):
            assert result["simulations"] == spent
            # a search stops at the budget, or at the end of the batch that reached its target
            budget = 24 if method == "gaussian_process" else 100  # the GP sampler stops at its own cap
            assert spent == budget if result["reached_at"] is None else result["reached_at"] <= spent <= budget, method
        row = next(line for line in printed.splitlines() if line.startswith(f"| {method} |"))
        cells = row.split(" | ")
        assert cells[1] == f"{100 * sum(r is not None for r in run['reached_at']) / 2:.1f} %"  # within 100
        assert cells[2:5] == ["-", "-", "-"]  # within 300, 1,000 and 3,000: past the budget, not measured
    assert (tmp_path / "reached.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_pvt_circuit_is_benchmarked_at_its_corner_set_counting_corner_simulations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--circuit", "ppaas_comp", "--targets", "1", "--budget", "40", "--methods", "random"]
    with pytest.raises(SystemExit) as refused:
        run_benchmark([*argv, "--corners", "sf_only", "--in-process"], capsys)
    assert refused.value.code == 2 and "--corners: " in capsys.readouterr().err
    printed = run_benchmark([*argv, "--corners", "ppaas", "--in-process", "--output", str(tmp_path)], capsys)
    summary = json.loads((tmp_path / "results.json").read_text())
    assert summary["corner_set"] == "ppaas" and "ppaas_comp at corner set ppaas: 1 held-out targets" in printed
    (result,) = summary["methods"]["random"]["results"]
    # 16 designs a batch, each one simulation (missed at TT) or 17: the third batch is cut to what the budget leaves
    assert result["simulations"] >= 40 or result["reached_at"] is not None


def test_an_agent_is_deployed_greedy_then_sampled_within_the_budget(trained: Trained) -> None:
    trained_for = training_simulations(trained.checkpoint)
    assert trained_for is not None and trained_for >= 240  # 240 env steps, each one simulation, and the resets besides
    targets = trained.experiment.validation_targets().targets[:3]
    config = trained.experiment.record().env_config(
        trained.experiment.training_targets(), SimulatorConfig(server_url=trained.server_url), horizon=5
    )
    deployments = deploy(TrainedPolicy.from_checkpoint(trained.checkpoint), config, targets, budget=14, seed=0)
    for d in deployments:
        assert 1 <= d.episodes <= 3  # episodes of at most 6 simulations (the reset and 5 steps) until 14 are spent
        if d.reached_at is None:
            assert 14 <= d.simulations <= 14 + 5
        else:
            assert d.reached_at == d.simulations <= 14 + 5
    # the same targets again: greedy first, then seeded samples, so the deployment is reproducible
    again = deploy(TrainedPolicy.from_checkpoint(trained.checkpoint), config, targets, budget=14, seed=0)
    assert again == deployments


def test_the_benchmark_deploys_an_agent_and_says_when_its_training_pays_off(
    trained: Trained, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trained_for = training_simulations(trained.checkpoint)
    argv = ["--agent", str(trained.checkpoint), "--targets", "2", "--budget", "100", "--methods", "random"]
    printed = run_benchmark([*argv, "--server-url", trained.server_url, "--output", str(tmp_path)], capsys)
    header = next(line for line in printed.splitlines() if line.startswith("| method |"))
    assert f"the agent ({trained_for:,} training sims) to beat it" in header
    agent = json.loads((tmp_path / "results.json").read_text())["methods"]["agent"]
    assert agent["training"] == trained_for
    assert agent["results"][0]["target"] == trained.experiment.validation_targets().targets[0]  # the run's own held-out targets
    assert any(line.startswith("| agent |") for line in printed.splitlines())
    assert next(line for line in printed.splitlines() if line.startswith("| random |")).split(" | ")[-1] != ""


def test_the_agent_runs_alone_when_no_optimizer_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as refused:
        run_benchmark(["--methods", "--in-process"], capsys)
    assert refused.value.code == 2 and "no --agent" in capsys.readouterr().err
    policy = POLICIES_DIR / "two_stage_opamp.npz"
    argv = ["--agent", str(policy), "--targets", "2", "--budget", "30", "--methods", "--in-process", "--output", str(tmp_path)]
    printed = run_benchmark(argv, capsys)
    assert list(json.loads((tmp_path / "results.json").read_text())["methods"]) == ["agent"]
    assert [line.split(" | ")[0] for line in printed.splitlines() if line.startswith("| ") and "---" not in line][1:] == ["| agent"]
