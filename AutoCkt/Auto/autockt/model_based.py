"""
# Training: the model-based agent (`--algo model_based`)

Beside PPO (train.py) and SAC + HER (sac_her.py): an agent that learns the circuit instead of a
policy. Every design its episodes simulate trains an ensemble that predicts the metrics from the
design (metric_model.py); each step takes the move whose predicted design scores best against
the episode's target (move_planner.py). A target is data for no other episode in PPO; a simulated
design is data for every target here, which is where the sample efficiency comes from.

The run: `num_envs` episodes step together, one batch call per step, as `AutoCktVectorEnv`'s;
the first `warmup_steps` env steps move at random (the model has nothing to learn from yet);
after that each move is the planner's, on a candidate set drawn afresh each step, or, with
probability `explore`, a random one, so the data keeps covering the designs beside the planner's
path. The model is refitted from scratch whenever the data has grown by `refit_growth` (and at
least `min_refit` designs) since its last fit: often early, when each fit changes most. In
training the planner has no memory of known designs (move_planner.py): walking to a design
already simulated teaches the model nothing, and the episodes are there to gather data. The
trained agent (`ModelBasedPolicy`: validation, sizing) walks to them.

A run is laid out as the others: the record and targets in `<storage>/<experiment>/` (default
`~/ray_results/autockt_model_based_<circuit>/`), a trial directory `model_based_<time>/` with
`result.json` and TensorBoard events under the same tags (trial_log.py), a report every
`report_every` env steps with the progress line and PPO's stopping rules, and checkpoints
`model_based_<env steps>_steps.pt` every `TrainConfig.checkpoint_every` reports and at the end:
the fitted model, the planner's settings and every simulated design with its metrics (the
agent's replay buffer), so that `--resume` continues with all the data it had.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from autockt_shared import circuit_optimization

from .env import Design, EnvConfig, open_simulator
from .metric_model import MetricModel, MetricModelConfig
from .move_planner import KnownDesigns, MovePlanner, PlanningEnv, PlanState
from .params import ParamGrid
from .progress import TrainingProgress
from .run_metrics import (
    DESIGNS_METRIC,
    ENV_STEPS,
    ENV_STEPS_THIS_ITERATION,
    EPISODE_WINDOW,
    FAILED_METRIC,
    REACHED_METRIC,
    SIMULATIONS_METRIC,
)
from .shipped_policy import PolicyCard, card_path, weights_path
from .simulator import Simulator
from .train import TrainConfig, TrainResult, prepare_run, run_result, should_stop
from .trial_log import TrialLog
from .vector_env import simulate_designs, simulation_targets

ALGORITHM = "model_based"
CHECKPOINT_PREFIX = ALGORITHM
CHECKPOINT_SUFFIX = ".pt"


@dataclasses.dataclass(frozen=True)
class ModelBasedConfig:
    """The model-based agent's own settings (module docstring); the run's (circuit, moves, targets, budget) are `TrainConfig`'s."""

    model: MetricModelConfig = MetricModelConfig()
    candidates: int = 1500
    margin: float = 0.0  # two-stage op-amp, one 30k-step run's agent on its 1,000 unseen targets: 0.01 reached 925, 0 930
    explore: float = 0.1
    warmup_steps: int = 480
    refit_growth: float = 0.25
    min_refit: int = 1000
    num_envs: int = 16
    report_every: int = 600  # env steps, PPO's train batch: every algorithm's curve gets points alike

    def __post_init__(self) -> None:
        if self.num_envs < 1 or self.report_every < 1 or self.candidates < 1 or not 0 <= self.explore <= 1:
            raise ValueError(f"ModelBasedConfig needs num_envs, report_every, candidates >= 1 and explore in [0, 1], got {self}")


def train_model_based(
    config: TrainConfig, agent: ModelBasedConfig = ModelBasedConfig(), *, progress: bool = False, verbose: bool = False
) -> TrainResult:
    """Train the model-based agent for `config.circuit` (module docstring); returns where its last checkpoint is.

    `config.experiment` `None` is `autockt_model_based_<circuit>`. `config.resume_from` (a `model_based_<steps>_steps.pt`)
    continues with its data, model and env-step counter. `verbose` is accepted for the other trainers' signature:
    this one prints nothing but the progress line.
    """
    started = time.monotonic()
    config = dataclasses.replace(config, experiment=config.experiment or f"autockt_{ALGORITHM}_{config.circuit}")
    torch.set_num_threads(1)  # torch's thread pool would fight the simulator for the cores
    env_config = prepare_run(config)
    trial = config.experiment_dir.path / f"{ALGORITHM}_{time.strftime('%Y-%m-%d_%H-%M-%S')}"
    trial.mkdir(parents=True)
    simulator = open_simulator(env_config)
    log = TrialLog(trial)
    try:
        run = _Run(config, agent, env_config, simulator, log)
        if config.resume_from is not None:
            run.resume(Path(config.resume_from))
        shown = TrainingProgress(config.max_env_steps) if progress else None
        with shown or contextlib.nullcontext():
            run.shown = shown
            run.train()
        checkpoint = run.save()
    finally:
        log.close()
        simulator.close()
    return run_result(config, checkpoint, run.env_steps, run.last, started)


def is_checkpoint(path: Path) -> bool:
    return path.is_file() and path.name.startswith(CHECKPOINT_PREFIX) and path.suffix == CHECKPOINT_SUFFIX


class _Run:
    """One training run's state: its environments, data, model and counters (module docstring)."""

    def __init__(self, config: TrainConfig, agent: ModelBasedConfig, env_config: EnvConfig, simulator: Simulator, log: TrialLog) -> None:
        self.config, self.agent, self.simulator, self.log = config, agent, simulator, log
        self.envs = [PlanningEnv(env_config, simulator) for _ in range(agent.num_envs)]
        first = self.envs[0].env
        self.model = MetricModel(len(first.grid.params), first.optimization.metrics, agent.model, self.envs[0].n_corners)
        self.planner = MovePlanner(first, self.model, agent.candidates, agent.margin)
        self.rng = np.random.default_rng(config.seed)
        self.features: list[np.ndarray] = []
        self.metrics: list[np.ndarray] = []
        self.fitted_on = 0
        self.env_steps = 0
        self.shown: TrainingProgress | None = None
        self.last: dict[str, Any] | None = None
        self._episodes: collections.deque[tuple[bool, bool, float]] = collections.deque(maxlen=EPISODE_WINDOW)  # reached, failed, return
        self._n_episodes = 0
        self._started = time.monotonic()
        self._since = (self._started, 0, 0, 0)  # time, env steps, designs and simulations at the last report
        self._reports = 0

    def resume(self, checkpoint: Path) -> None:
        saved = load_checkpoint(checkpoint)
        self.features, self.metrics = list(saved["features"].numpy()), list(saved["metrics"].numpy())
        self.model.load_state(saved["model"])
        self.fitted_on, self.env_steps = len(self.features), int(saved["env_steps"])
        self._since = (self._started, self.env_steps, 0, 0)
        self._reports = self.env_steps // self.agent.report_every

    def train(self) -> None:
        states: list[PlanState | None] = [None] * len(self.envs)  # None: the episode is to be reset
        returns = [0.0] * len(self.envs)
        first_reset = True  # seeds each environment's target draws, as the other trainers seed theirs
        while True:
            designs: list[Design | None] = []
            for i, env in enumerate(self.envs):
                state = states[i]
                if state is None:
                    designs.append(env.begin_reset(seed=self.config.seed * 10_000 + i if first_reset else None))
                else:
                    designs.append(env.begin_step(self._act(state)))
            first_reset = False
            outcomes = simulate_designs(self.simulator, designs, simulation_targets(self.envs))
            for i, (env, outcome) in enumerate(zip(self.envs, outcomes, strict=True)):
                if states[i] is None:
                    states[i], info = env.end_reset(outcome)  # type: ignore[arg-type]  # a reset always has a design
                    self._record(states[i], info)
                    continue
                states[i], reward, terminated, truncated, info = env.end_step(outcome)
                self.env_steps += 1
                returns[i] += reward
                self._record(states[i], info)
                if terminated or truncated:
                    self._episodes.append((bool(info["reached"]), bool(info["sim_failed"]), returns[i]))
                    self._n_episodes += 1
                    states[i], returns[i] = None, 0.0
            self._refit_if_due()
            if self.env_steps >= self.config.max_env_steps:  # the budget, to within one step of every environment
                self.report()
                return
            if self.env_steps - self._since[1] >= self.agent.report_every and should_stop(self.config, self.log.trial.name, self.report()):
                return

    def _act(self, state: PlanState) -> np.ndarray:
        n_params, n_moves = len(self.planner.grid.params), len(self.planner.grid.moves)
        if not self.model.fitted or self.rng.random() < self.agent.explore:
            return self.rng.integers(n_moves, size=n_params)
        return self.planner.act(state, self.rng)

    def _record(self, state: PlanState | None, info: dict[str, Any]) -> None:
        if state is None or state.metrics is None or info.get("sim_failed"):
            return
        self.features.append(self.planner.grid.normalized(state.indices))
        self.metrics.append(state.metrics)

    def _refit_if_due(self) -> None:
        n, a = len(self.features), self.agent
        due = n >= a.warmup_steps if not self.model.fitted else n - self.fitted_on >= max(a.min_refit, a.refit_growth * self.fitted_on)
        if due:
            self._fit()

    def _fit(self) -> None:
        self.model.fit(np.array(self.features), np.array(self.metrics), seed=self.config.seed)
        self.fitted_on = len(self.features)

    def report(self) -> dict[str, Any]:
        """This report's result, shaped as Tune's (trial_log.py)."""
        now, designs, sims = time.monotonic(), self.simulator.calls, self.simulator.simulations
        runners: dict[str, Any] = {
            ENV_STEPS_THIS_ITERATION: self.env_steps - self._since[1],
            DESIGNS_METRIC: designs - self._since[2],
            SIMULATIONS_METRIC: sims - self._since[3],
            "num_episodes_lifetime": self._n_episodes,
        }
        if self._episodes:
            reached, failed, returns = zip(*self._episodes, strict=True)
            runners[REACHED_METRIC] = float(np.mean(reached))
            runners[FAILED_METRIC] = float(np.mean(failed))
            runners["episode_return_mean"] = float(np.mean(returns))
        self._reports += 1
        result = {
            "training_iteration": self._reports,
            ENV_STEPS: self.env_steps,
            "time_total_s": now - self._started,
            "time_this_iter_s": now - self._since[0],
            "model_designs": len(self.features),
            "env_runners": runners,
        }
        self.log.write(result)
        if self.shown is not None:
            self.shown.update(result)
        self.last, self._since = result, (now, self.env_steps, designs, sims)
        if self._reports % self.config.checkpoint_every == 0:
            self.save()
        return result

    def save(self) -> Path:
        """A checkpoint of the run as it stands (module docstring); the model is fitted on all the data first."""
        if len(self.features) > self.fitted_on or not self.model.fitted:
            self._fit()
        path = self.log.trial / f"{CHECKPOINT_PREFIX}_{self.env_steps}_steps{CHECKPOINT_SUFFIX}"
        torch.save(
            {
                "algorithm": ALGORITHM,
                "circuit": self.config.circuit,
                "env_steps": self.env_steps,
                "model": self.model.state(),
                "model_config": dataclasses.asdict(self.agent.model),
                "candidates": self.agent.candidates,
                "margin": self.agent.margin,
                "features": torch.tensor(np.array(self.features)),
                "metrics": torch.tensor(np.array(self.metrics)),
            },
            path,
        )
        return path


def load_checkpoint(path: Path) -> dict[str, Any]:
    saved: dict[str, Any] = torch.load(Path(path).expanduser(), weights_only=True)
    if saved.get("algorithm") != ALGORITHM:
        raise ValueError(f"{path} is not a model-based agent's checkpoint (model_based_<steps>_steps.pt)")
    return saved


@dataclasses.dataclass(frozen=True)
class TrainedModel:
    """A trained model-based agent, from a checkpoint or a shipped policy: the fitted model (`MetricModel.state`), its
    shape, the planner's settings and the designs it knows (`KnownDesigns`: simulated at every corner in training)."""

    model: dict[str, Any]
    model_config: MetricModelConfig
    candidates: int
    margin: float
    known: KnownDesigns

    @classmethod
    def from_checkpoint(cls, saved: dict[str, Any]) -> TrainedModel:
        optimization = circuit_optimization(str(saved["circuit"]))
        features, metrics = saved["features"].numpy(), saved["metrics"].numpy()
        return cls(
            saved["model"],
            MetricModelConfig(**_tuples(saved["model_config"])),
            int(saved["candidates"]),
            float(saved["margin"]),
            KnownDesigns.from_data(ParamGrid(optimization.params), optimization.metrics, features, metrics),
        )


class ModelBasedPolicy:
    """A trained model-based agent's planner, for validation (policy.py): greedy plans on candidates drawn from the
    state, sampled on candidates drawn from each target's own generator (move_planner.py)."""

    def __init__(self, trained: TrainedModel) -> None:
        self.trained = trained
        self.planner: MovePlanner | None = None

    @classmethod
    def from_checkpoint(cls, checkpoint: Path) -> ModelBasedPolicy:
        return cls(TrainedModel.from_checkpoint(load_checkpoint(checkpoint)))

    def make_env(self, config: EnvConfig, simulator: Simulator) -> PlanningEnv:
        env = PlanningEnv(config, simulator)
        if self.planner is None:
            inner, trained = env.env, self.trained
            model = MetricModel(len(inner.grid.params), inner.optimization.metrics, trained.model_config, env.n_corners)
            model.load_state(trained.model)
            self.planner = MovePlanner(inner, model, trained.candidates, trained.margin)
            self.planner.known = trained.known
        return env

    def act_batch(self, observations: Sequence[Any], rngs: Sequence[np.random.Generator] | None = None) -> np.ndarray:
        if self.planner is None:
            raise RuntimeError("ModelBasedPolicy.act_batch before make_env: the planner needs the environment's grid")
        return np.array([self.planner.act(state, None if rngs is None else rngs[i]) for i, state in enumerate(observations)])


class ShippedModelBasedPolicy(ModelBasedPolicy):
    """A model-based agent as a shipped policy (shipped_policy.py): the card, and in the weights file each member's
    layers, the model's output scaling and the known designs (grid indices and worst-case metrics), never the
    training data itself."""

    def __init__(self, card: PolicyCard, trained: TrainedModel) -> None:
        super().__init__(trained)
        self.card = card

    @classmethod
    def load(cls, path: Path) -> ShippedModelBasedPolicy:
        card = PolicyCard.read(card_path(path))
        card.check_fresh(path)
        network = card.network
        with np.load(weights_path(path)) as arrays:
            members = [
                {key.split("/", 1)[1]: torch.from_numpy(arrays[key]) for key in arrays.files if key.startswith(f"member{k}/")}
                for k in range(int(network["model_config"]["members"]))
            ]
            model = {"nets": members, "mean": torch.from_numpy(arrays["mean"]), "std": torch.from_numpy(arrays["std"])}
            known = KnownDesigns(arrays["known_indices"].astype(np.int64), arrays["known_metrics"].astype(np.float64))
        config = MetricModelConfig(**_tuples(network["model_config"]))
        return cls(card, TrainedModel(model, config, int(network["candidates"]), float(network["margin"]), known))

    def save(self, path: Path) -> Path:
        """Write the weights to `path` (suffix `.npz`) and the card beside it; returns the weights file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        model = self.trained.model
        arrays = {f"member{k}/{key}": value.numpy() for k, net in enumerate(model["nets"]) for key, value in net.items()}
        arrays |= {"mean": model["mean"].numpy(), "std": model["std"].numpy()}
        arrays |= {"known_indices": self.trained.known.indices.astype(np.int32), "known_metrics": self.trained.known.metrics}
        with weights_path(path).open("wb") as f:
            np.savez_compressed(f, **arrays)
        self.card.write(card_path(path))
        return weights_path(path)

    def with_card(self, card: PolicyCard) -> ShippedModelBasedPolicy:
        return ShippedModelBasedPolicy(card, self.trained)


def _tuples(config: dict[str, Any]) -> dict[str, Any]:
    """A saved `MetricModelConfig`'s fields as it takes them (its lists were tuples)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in config.items()}
