"""The model-based agent (`--algo model_based`, autockt.model_based): its metric model learns the circuit, its
planner scores moves as the reward does, and its runs train through a real server, resume and validate as the
other algorithms' do (the same run layout, progress line, TensorBoard tags and validation path)."""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from autockt import EnvConfig, SimulatorConfig
from autockt.checkpoints import load_policy, open_agent
from autockt.command_line import train_from_command_line
from autockt.env import AutoCktGym
from autockt.experiment import ExperimentDir, checkpoint_env_steps
from autockt.metric_model import MetricModel, MetricModelConfig, to_learnt
from autockt.model_based import ModelBasedConfig, ModelBasedPolicy, ShippedModelBasedPolicy, load_checkpoint, train_model_based
from autockt.move_planner import KnownDesigns, MovePlanner, PlanState, predicted_scores, walk, worst_case
from autockt.params import TUNED_MOVES
from autockt.policy_export import export_checkpoint
from autockt.shipped_policy import PolicyCard, card_path
from autockt.sizing import SizingConfig, size
from autockt.validate import roll_out, validate
from autockt_shared import TWO_STAGE_OPAMP
from autockt_shared.optimization import Sense
from discovery_server import BackgroundServer

from ..tiny_training import tiny_training

REPORT = 120
SMALL_MODEL = MetricModelConfig(members=2, hidden=(32, 32), min_updates=100, max_updates=200)
SMALL = ModelBasedConfig(model=SMALL_MODEL, candidates=100, num_envs=4, report_every=REPORT, warmup_steps=60, min_refit=60)


def test_the_metric_model_predicts_designs_it_never_saw() -> None:
    """Fitted on 600 random designs of the two-stage op-amp, it explains most of the variance of 200 others' metrics
    in its learnt space (where the planner compares them), and so beats the data's mean by far."""
    env = AutoCktGym(EnvConfig(simulator=SimulatorConfig(in_process=True), moves=TUNED_MOVES))
    rng = np.random.default_rng(0)
    top = np.array([p.grid_size - 1 for p in env.grid.params])
    indices = rng.integers(0, top + 1, size=(800, len(top)))
    batch = env.simulator.metrics_batch([env.grid.values(i) for i in indices])
    env.close()
    ok = [i for i, item in enumerate(batch) if item.error is None]
    metrics = np.array([[batch[i].value[m.name] for m in TWO_STAGE_OPAMP.metrics] for i in ok])
    features = env.grid.normalized(indices[ok])
    model = MetricModel(features.shape[1], TWO_STAGE_OPAMP.metrics, MetricModelConfig(members=2, min_updates=1500))
    model.fit(features[:600], metrics[:600])
    truth = to_learnt(metrics[600:], model.normalizers)
    explained = 1 - ((model.predict(features[600:])[:, 0] - truth) ** 2).mean(axis=0) / truth.var(axis=0)
    assert np.all(explained > 0.6), explained  # 0.69-0.91 (phm the hardest); the mean alone explains 0


def test_at_corners_the_model_learns_every_corner_from_the_designs_simulated_there() -> None:
    """Skip-on-fail's data: every design seen at the typical corner (0), a fifth also at the others. Each corner's
    metric is the typical one's shifted and scaled (as a slow or fast corner's is): the model predicts all three
    for unseen designs, and their worst case is the planner's."""
    specs = TWO_STAGE_OPAMP.metrics[:2]  # gain (at least), ugbw (at least)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(1500, 3))
    typical = np.column_stack([200 * np.exp(x[:, 0] + 0.5 * x[:, 1] * x[:, 2]), 1e7 * np.exp(x[:, 1] - 0.5 * x[:, 0])])
    corners = np.stack([typical, typical * [0.7, 0.5], typical * [1.2, 1.4]], axis=1)  # designs x corners x metrics
    seen = corners.copy()
    seen[rng.random(1500) > 0.2, 1:] = np.nan
    model = MetricModel(3, specs, MetricModelConfig(members=2, min_updates=1500), n_corners=3)
    model.fit(x[:1000], seen[:1000])
    predicted = model.predict(x[1000:])
    truth = to_learnt(corners[1000:], model.normalizers)
    explained = 1 - ((predicted - truth) ** 2).mean(axis=0) / truth.var(axis=0)
    assert predicted.shape == (500, 3, 2) and np.all(explained > 0.95), explained
    worst = worst_case(specs, predicted)
    np.testing.assert_array_equal(worst, predicted[:, 1])  # both specs at least: the slow corner is the worst
    at_most = (specs[0], replace(specs[1], sense=Sense.AT_MOST))
    np.testing.assert_array_equal(worst_case(at_most, predicted)[:, 1], predicted[:, 2, 1])


def test_predicted_scores_are_the_circuit_s_reward_with_the_margin() -> None:
    """For the AutoCkt reward, vectorized over designs: each row's score is `optimization.score` with every target
    tightened by the margin, plus a tie-break under 1e-3 that prefers the larger smallest margin."""
    rng = np.random.default_rng(1)
    target = {"gain": 300.0, "ugbw": 1e7, "phm": 60.0, "ibias": 1e-3}
    metrics = np.column_stack([rng.uniform(100, 500, 50), rng.uniform(1e6, 3e7, 50), rng.uniform(30, 90, 50), rng.uniform(1e-4, 5e-3, 50)])
    names = list(target)
    scores = predicted_scores(TWO_STAGE_OPAMP, metrics, target, margin=0.0)
    expected = [TWO_STAGE_OPAMP.score(dict(zip(names, row, strict=True)), target) for row in metrics]
    np.testing.assert_allclose(scores, expected, atol=1e-3 + 1e-12)  # the tie-break: 1e-3 x the smallest error, at most 0.2
    met = np.array(expected) == 0
    assert met.any() and np.all(scores[met] >= 0) and np.all(scores[~met] < 0)
    with_margin = predicted_scores(TWO_STAGE_OPAMP, metrics, target, margin=0.05)
    assert np.all(with_margin <= scores + 1e-12) and np.any(with_margin < scores - 1e-3)


def test_the_planner_offers_every_single_move_and_is_greedy_per_state() -> None:
    env = AutoCktGym(EnvConfig(simulator=SimulatorConfig(in_process=True), moves=TUNED_MOVES))
    model = MetricModel(len(env.grid.params), TWO_STAGE_OPAMP.metrics, SMALL_MODEL)
    model.fit(
        env.grid.normalized(np.random.default_rng(0).integers(0, 100, size=(50, 7))),
        np.abs(np.random.default_rng(1).normal(1, 0.1, (50, 4))),
    )
    planner = MovePlanner(env, model, candidates=64, margin=0.01)
    state = PlanState(
        env.grid.initial(), np.array([[250.0, 5e6, 70.0, 2e-3]]), {"gain": 300.0, "ugbw": 1e7, "phm": 60.0, "ibias": 1e-3}, 30
    )
    env.close()
    moves = planner._candidate_moves(np.random.default_rng(0))
    assert len(moves) == 64 + 7 * 5 and {tuple(m) for m in moves[:35]} >= {
        tuple(np.where(np.arange(7) == p, k, 2)) for p in range(7) for k in range(5)
    }
    greedy = planner.act(state)
    np.testing.assert_array_equal(greedy, planner.act(state))  # the same state, the same choice
    assert greedy.shape == (7,) and np.all((greedy >= 0) & (greedy < 5))
    # nothing simulated yet (a failed reset): stay
    np.testing.assert_array_equal(planner.act(replace(state, metrics=None)), np.full(7, 2))


def test_the_planner_walks_to_a_known_design_that_meets_the_target_and_never_repeats_one() -> None:
    env = AutoCktGym(EnvConfig(simulator=SimulatorConfig(in_process=True), moves=TUNED_MOVES))
    env.close()
    grid = env.grid
    here = grid.initial()
    there = here + np.array([7, -4, 2, 0, -1, 66, -9])
    # the walk: the moves nearest the remaining distance (+7: 3, 3, 1; -4: -3, -1; +2: 1, 1), landing exactly
    path = [here]
    while not np.array_equal(path[-1], there):
        path.append(grid.apply(path[-1], walk(grid, path[-1], there)))
        assert len(path) <= 23
    assert len(path) - 1 == 22  # 66 grid steps at 3 a step
    # known designs: the one meeting the target fewest steps away, whatever the model says
    target = {"gain": 300.0, "ugbw": 1e7, "phm": 60.0, "ibias": 1e-3}
    metrics = np.array([[310.0, 1.1e7, 61.0, 9e-4], [305.0, 1.2e7, 65.0, 5e-4], [100.0, 1e7, 60.0, 1e-3]])
    indices = np.array([here + 30, here + 3, here + 1])
    known = KnownDesigns.from_data(grid, TWO_STAGE_OPAMP.metrics, grid.normalized(indices), metrics[:, None])
    np.testing.assert_array_equal(known.indices, indices)
    np.testing.assert_array_equal(known.closest_meeting(TWO_STAGE_OPAMP, grid, here, target), here + 3)
    assert known.closest_meeting(TWO_STAGE_OPAMP, grid, here, {**target, "gain": 400.0}) is None
    model = MetricModel(len(grid.params), TWO_STAGE_OPAMP.metrics, SMALL_MODEL)
    model.fit(grid.normalized(indices), metrics)
    planner = MovePlanner(env, model, candidates=64, margin=0.0)
    planner.known = known
    state = PlanState(here, np.array([[250.0, 5e6, 70.0, 2e-3]]), target, 30, frozenset({tuple(here)}))
    np.testing.assert_array_equal(grid.apply(here, planner.act(state)), here + 3)
    # with no known design meeting it, the model plans, and never picks a design the episode simulated
    planner.known = None
    first = grid.apply(here, planner.act(state))
    again = grid.apply(here, planner.act(replace(state, visited=frozenset({tuple(here), tuple(first)}))))
    assert not np.array_equal(first, again) and not np.array_equal(again, here)


def test_model_based_trains_resumes_and_validates_greedy_and_sampled(circuit_server: BackgroundServer, tmp_path: Path) -> None:
    server = SimulatorConfig(server_url=circuit_server.url)
    config = tiny_training(circuit_server.url, tmp_path, experiment="mb", max_env_steps=2 * REPORT, checkpoint_every=1, moves=TUNED_MOVES)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = train_model_based(config, SMALL, progress=True)

    assert re.search(
        r"^iteration 1: .*\n^iteration 2: 24\d/240 env steps \(10\d%\) \| reach [\d.]+ \| return -?[\d.]+ \| \d+ sims/s",
        out.getvalue(),
        re.M,
    )
    assert 2 * REPORT <= result.env_steps < 2 * REPORT + SMALL.num_envs and result.iterations == 2
    trial = result.checkpoint.parent
    assert (
        result.checkpoint.name == f"model_based_{result.env_steps}_steps.pt" and checkpoint_env_steps(result.checkpoint) == result.env_steps
    )
    assert len(list(trial.glob("model_based_*_steps.pt"))) == 2  # every report here, and the last
    (events,) = trial.glob("events.out.tfevents.*")
    scalars = EventAccumulator(str(events))
    scalars.Reload()
    assert {"ray/tune/env_runners/reached_rate", "ray/tune/env_runners/episode_return_mean", "ray/tune/env_runners/simulations"} <= set(
        scalars.Tags()["scalars"]
    )
    # Every step simulates once, and so does every reset; each simulated design is one example for the model
    last = json.loads((trial / "result.json").read_text().splitlines()[-1])
    sims = [s.value for s in scalars.Scalars("ray/tune/env_runners/simulations")]
    episodes = last["env_runners"]["num_episodes_lifetime"]
    saved = load_checkpoint(result.checkpoint)
    assert (
        result.env_steps + SMALL.num_envs <= sum(sims) <= result.env_steps + SMALL.num_envs + episodes
    )  # resets: the first, then one per episode ended
    assert len(saved["features"]) == len(saved["metrics"]) == sum(sims) and saved["model"]["nets"]
    (progress,) = ExperimentDir(result.experiment_dir).trials()
    assert progress.iterations == (1, 2)

    resumed = train_model_based(replace(config, resume_from=result.checkpoint, max_env_steps=3 * REPORT), SMALL)
    assert 3 * REPORT <= resumed.env_steps < 3 * REPORT + SMALL.num_envs and resumed.checkpoint.parent != trial
    assert len(load_checkpoint(resumed.checkpoint)["features"]) > len(saved["features"])  # it kept the data it had

    # validate.py takes the experiment (its latest checkpoint: the resumed one), greedy and sampled
    greedy = validate(result.experiment_dir, n_specs=5, traj_len=4, simulator=server)
    assert greedy.checkpoint == resumed.checkpoint and greedy.env_steps == resumed.env_steps and greedy.n_targets == 5
    outcomes = json.loads(greedy.results_file.read_text())["targets"]
    assert all(1 <= o["steps"] <= 4 and not o["sim_failed"] and o["final_metrics"] for o in outcomes)
    policy = load_policy(resumed.checkpoint)
    assert isinstance(policy, ModelBasedPolicy)
    experiment = ExperimentDir(result.experiment_dir)
    env_config = experiment.record().env_config(experiment.training_targets(), server, horizon=4)
    targets = experiment.validation_targets().targets[:3]
    assert roll_out(policy, env_config, targets) == roll_out(policy, env_config, targets)  # greedy is deterministic
    sampled = roll_out(policy, env_config, targets, sample_seed=5)
    assert sampled == roll_out(policy, env_config, targets, sample_seed=5)
    assert roll_out(policy, env_config, targets[:1], sample_seed=5)[0]["final_metrics"] == sampled[0]["final_metrics"]

    # shipped (build_policies.py --from-checkpoint): the model and the known designs alone, acting as the checkpoint
    shipped = export_checkpoint(resumed.checkpoint).save(tmp_path / "shipped" / "two_stage_opamp.npz")
    assert shipped.stat().st_size + card_path(shipped).stat().st_size < 1_000_000
    card = PolicyCard.read(card_path(shipped))
    assert card.algorithm == "model_based" and card.training["env_steps"] == resumed.env_steps
    agent = open_agent(shipped)
    loaded = agent.policy()
    assert isinstance(loaded, ShippedModelBasedPolicy) and len(loaded.trained.known.indices) == len(policy.trained.known.indices)
    assert roll_out(loaded, env_config, targets) == roll_out(policy, env_config, targets)
    assert roll_out(loaded, env_config, targets, sample_seed=5) == sampled


def test_the_model_based_agent_reaches_unseen_targets_after_1500_steps(tmp_path: Path) -> None:
    """In-process, the agent's own settings: after 1,500 env steps it reaches 40 % or more of 40 unseen targets
    of the two-stage op-amp greedily (22 when measured), where
    episodes of random moves reach none (the first report of a run, its first 480 steps at random); then sizes one."""
    config = replace(
        tiny_training("", tmp_path, experiment="learns", max_env_steps=1500, moves=TUNED_MOVES, n_validation_targets=40),
        simulator=SimulatorConfig(in_process=True),
        n_training_targets=350,
    )
    result = train_model_based(config)
    report = validate(result.experiment_dir, n_specs=40, simulator=SimulatorConfig(in_process=True))
    assert report.n_reached >= 16, report.summary()
    # and it sizes a designer's target as the other agents do (size.py --agent), reaching it before any optimizer
    outcome = next(o for o in json.loads(report.results_file.read_text())["targets"] if o["reached"])
    sized = size(
        SizingConfig(
            circuit="two_stage_opamp", target=outcome["target"], agent=result.checkpoint, simulator=SimulatorConfig(in_process=True)
        )
    )
    agent = sized.method["agent"]
    assert sized.reached and agent["reached"] and agent["episodes"] == 1 and sized.method["optimizer_simulations"] == 0
    assert agent["simulations"] == outcome["simulations"]  # its greedy episode, as validation played it


def test_train_general_s_algo_model_based_trains_and_validates(circuit_server: BackgroundServer, tmp_path: Path) -> None:
    out = io.StringIO()
    argv = [
        "--algo",
        "model_based",
        "--max-env-steps",
        "100",
        "--targets",
        "10",
        "--storage",
        str(tmp_path),
        "--moves",
        "-3",
        "-1",
        "0",
        "1",
        "3",
    ]
    with contextlib.redirect_stdout(out):
        train_from_command_line([*argv, "--validate", "3", "--validate-actions", "both", "--server-url", circuit_server.url])
    assert re.search(r"^trained 1\d\d env steps .*\n^unseen targets reached: \d/3 greedy .*, \d/3 sampled ", out.getvalue(), re.M)
    (checkpoint,) = (tmp_path / "autockt_model_based_two_stage_opamp").glob("model_based_*/model_based_*_steps.pt")
    assert f"checkpoint:  {checkpoint}" in out.getvalue()


def test_a_model_based_checkpoint_is_refused_when_it_is_something_else(tmp_path: Path) -> None:
    path = tmp_path / "model_based_10_steps.pt"
    torch.save({"algorithm": "other"}, path)
    with pytest.raises(ValueError, match="not a model-based agent's checkpoint"):
        load_checkpoint(path)
