"""
# Training: SAC with hindsight experience replay on Stable-Baselines3 (`--algo sac_her`)

PPAAS's agent beside RLlib's PPO (train.py): SAC on `AutoCktGoalEnv`s (continuous actions, the
target as a goal) with SB3's `HerReplayBuffer`, which relabels missed episodes with the metrics
they did reach. Its hyper-parameters (`SacHerConfig`) are PPAAS's: actor 4 x 256, critics
256-256-128, learning rate 3e-3, tau 0.005, batch 256, 120 steps before learning, HER
`future` with one relabelled goal per transition; gamma, the horizon (30), the targets and a PVT
circuit's corner set are the run's (`TrainConfig`), as for PPO. `AutoCktGoalVecEnv` steps `num_envs` episodes together,
one batch call per step.

A run is laid out as PPO's, so that validation, `--resume` and the learning curve treat both
alike: the run's record and targets in `<storage>/<experiment>/` (default
`~/ray_results/autockt_sac_her_<circuit>/`), and a trial directory `sac_her_<time>/` holding
what Tune would: `result.json` (one result per report, shaped as Tune's, which progress.py
and experiment.py read), TensorBoard events under the tags PPO's Tune results get where they
mean the same (`ray/tune/env_runners/reached_rate`, `.../episode_return_mean`,
`.../simulations` (run: skip-on-fail's saving shows), `.../designs`, `ray/tune/num_env_steps_sampled_lifetime`; besides SB3's own `train/...`),
and the checkpoints: SB3's model zip with its replay buffer beside it, so that a resumed run
keeps learning from the transitions it had.

A report is due every `report_every` env steps (an "iteration", as PPO's train batch is):
the progress line, a TensorBoard point and the stopping rules of PPO's runs (budget, reach
rate, failing simulations); a checkpoint every `TrainConfig.checkpoint_every` reports and at
the end.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from stable_baselines3 import SAC, HerReplayBuffer
from stable_baselines3.common.buffers import DictReplayBuffer
from stable_baselines3.common.callbacks import BaseCallback, CheckpointCallback
from stable_baselines3.common.vec_env import VecMonitor

from .env import EnvConfig
from .goal_env import AutoCktGoalEnv
from .goal_vec_env import AutoCktGoalVecEnv
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
from .simulator import Simulator
from .train import TrainConfig, TrainResult, prepare_run, run_result, should_stop
from .trial_log import TrialLog

ALGORITHM = "sac_her"
CHECKPOINT_PREFIX = ALGORITHM
"""SB3's `CheckpointCallback` names its files `<prefix>_<env steps>_steps.zip` and `<prefix>_replay_buffer_<env steps>_steps.pkl`."""


@dataclasses.dataclass(frozen=True)
class SacHerConfig:
    """SAC + HER's own settings (PPAAS's); the run's (circuit, targets, gamma, budget, ...) are `TrainConfig`'s."""

    actor: tuple[int, ...] = (256, 256, 256, 256)
    critic: tuple[int, ...] = (256, 256, 128)
    lr: float = 3e-3
    tau: float = 0.005
    batch_size: int = 256
    learning_starts: int = 120
    n_sampled_goal: int = 1
    buffer_size: int = 1_000_000
    num_envs: int = 8
    report_every: int = 600  # env steps, PPO's train batch: both algorithms' curves get points alike

    def __post_init__(self) -> None:
        if self.num_envs < 1 or self.report_every < 1:
            raise ValueError(f"SacHerConfig.num_envs and report_every must be at least 1, got {self.num_envs}, {self.report_every}")


def train_sac_her(config: TrainConfig, sac: SacHerConfig = SacHerConfig(), *, progress: bool = False, verbose: bool = False) -> TrainResult:
    """Train SAC + HER for `config.circuit` (module docstring); returns where its last checkpoint (a model zip) is.

    `config.experiment` `None` is `autockt_sac_her_<circuit>`, apart from PPO's runs. `config.resume_from`
    (a model zip) continues its weights, replay buffer and env-step counter, as PPO's `--resume` does.
    `progress` shows the progress line (progress.py); `verbose` lets SB3 print its own notices.
    """
    started = time.monotonic()
    config = dataclasses.replace(config, experiment=config.experiment or f"autockt_{ALGORITHM}_{config.circuit}")
    torch.set_num_threads(1)  # torch's thread pool would fight the simulator for the cores, as in PPO's runners
    env_config = prepare_run(config)
    trial = config.experiment_dir.path / f"{ALGORITHM}_{time.strftime('%Y-%m-%d_%H-%M-%S')}"
    trial.mkdir(parents=True)
    vec_env = AutoCktGoalVecEnv(sac.num_envs, env_config)
    env = VecMonitor(vec_env, info_keywords=("reached", "sim_failed"))  # SB3's episode statistics, with the outcome of each
    try:
        model = _model(config, sac, env)
        model.verbose = int(verbose)
        log = TrialLog(trial)
        model.set_logger(log.logger)
        reports = _Reports(config, sac, log, vec_env)
        checkpoints = CheckpointCallback(
            save_freq=max(1, sac.report_every * config.checkpoint_every // sac.num_envs),
            save_path=str(trial),
            name_prefix=CHECKPOINT_PREFIX,
            save_replay_buffer=True,
        )
        shown = TrainingProgress(config.max_env_steps) if progress else None
        with shown or contextlib.nullcontext():
            reports.shown = shown
            remaining = max(0, config.max_env_steps - model.num_timesteps)
            model.learn(remaining, callback=[reports, checkpoints], reset_num_timesteps=False, log_interval=None)  # type: ignore[arg-type]  # None: no log of its own
            reports.report(final=True)
        checkpoint = trial / f"{CHECKPOINT_PREFIX}_{model.num_timesteps}_steps.zip"
        model.save(checkpoint)
        model.save_replay_buffer(replay_buffer_file(checkpoint))
    finally:
        env.close()
    return run_result(config, checkpoint, model.num_timesteps, reports.last, started)


def replay_buffer_file(checkpoint: Path) -> Path:
    """The replay buffer saved with a model zip, named as SB3's `CheckpointCallback` names it."""
    steps = checkpoint.stem.removeprefix(f"{CHECKPOINT_PREFIX}_")
    return checkpoint.with_name(f"{CHECKPOINT_PREFIX}_replay_buffer_{steps}.pkl")


def _model(config: TrainConfig, sac: SacHerConfig, env: VecMonitor) -> SAC:
    if config.resume_from is not None:
        checkpoint = Path(config.resume_from).expanduser().resolve()
        model = SAC.load(checkpoint, env=env, device="cpu")
        if replay_buffer_file(checkpoint).is_file():
            with warnings.catch_warnings():
                # Right here, not a problem: the resumed run starts new episodes, so the unfinished ones must end
                warnings.filterwarnings("ignore", message="The last trajectory in the replay buffer will be truncated")
                model.load_replay_buffer(replay_buffer_file(checkpoint))
        return model
    return SAC(
        "MultiInputPolicy",
        env,
        learning_rate=sac.lr,
        buffer_size=sac.buffer_size,
        # HER samples only finished episodes: wait for a whole horizon of every environment (8 x 30 > PPAAS's 120, one environment's)
        learning_starts=max(sac.learning_starts, config.horizon * sac.num_envs),
        batch_size=sac.batch_size,
        tau=sac.tau,
        gamma=config.gamma,
        gradient_steps=-1,  # one gradient step per env step collected, as SAC with one environment
        replay_buffer_class=HerReplayBuffer,
        # copy_info_dict: a relabelled failed simulation keeps its penalty, a skipped design never reaches (goal_env.py)
        replay_buffer_kwargs={"n_sampled_goal": sac.n_sampled_goal, "goal_selection_strategy": "future", "copy_info_dict": True},
        policy_kwargs={"net_arch": {"pi": list(sac.actor), "qf": list(sac.critic)}},
        stats_window_size=EPISODE_WINDOW,  # the reach rate and mean return over the last 200 episodes, as PPO's
        seed=config.seed,
        device="cpu",
    )


class _Reports(BaseCallback):
    """Every `report_every` env steps: a Tune-shaped result to `result.json`, TensorBoard and the progress line; stops as PPO's runs stop."""

    def __init__(self, config: TrainConfig, sac: SacHerConfig, log: TrialLog, vec_env: AutoCktGoalVecEnv) -> None:
        super().__init__()
        self.config, self.sac, self.log, self.vec_env = config, sac, log, vec_env
        self.shown: TrainingProgress | None = None
        self.last: dict[str, Any] | None = None
        self._started = time.monotonic()
        self._since: tuple[float, int, int, int] = (self._started, 0, 0, 0)  # time, env steps, designs and simulations at the last report
        self._episodes = 0

    def _on_training_start(self) -> None:
        simulator = self.vec_env.simulator
        self._since = (time.monotonic(), self.num_timesteps, simulator.calls, simulator.simulations)

    def _on_step(self) -> bool:
        self._episodes += int(np.sum(self.locals["dones"]))
        if self.num_timesteps - self._since[1] < self.sac.report_every:
            return True
        result = self.report()
        return not should_stop(self.config, self.log.trial.name, result)

    def report(self, final: bool = False) -> dict[str, Any]:
        """This report's result (module docstring); `final` reports the steps since the last one, if any."""
        now, steps, designs, sims = time.monotonic(), self.num_timesteps, self.vec_env.simulator.calls, self.vec_env.simulator.simulations
        if final and self.last is not None and steps == self.last[ENV_STEPS]:
            return self.last
        episodes = list(self.model.ep_info_buffer or [])
        window = episodes[-EPISODE_WINDOW:]
        runners: dict[str, Any] = {
            ENV_STEPS_THIS_ITERATION: steps - self._since[1],
            DESIGNS_METRIC: designs - self._since[2],
            SIMULATIONS_METRIC: sims - self._since[3],
            "num_episodes_lifetime": self._episodes,
        }
        if window:
            runners[REACHED_METRIC] = float(np.mean([e["reached"] for e in window]))
            runners[FAILED_METRIC] = float(np.mean([e["sim_failed"] for e in window]))
            runners["episode_return_mean"] = float(np.mean([e["r"] for e in window]))
        result = {
            "training_iteration": steps // self.sac.report_every + (steps % self.sac.report_every > 0),
            ENV_STEPS: steps,
            "time_total_s": now - self._started,
            "time_this_iter_s": now - self._since[0],
            "env_runners": runners,
        }
        self.log.write(result)
        if self.shown is not None:
            self.shown.update(result)
        self.last, self._since = result, (now, steps, designs, sims)
        return result


class SacHerPolicy:
    """A SAC + HER checkpoint's actor, for validation (policy.py).

    Greedy is the squashed mean action (SB3's `deterministic=True`); sampling draws the actor's
    Gaussian noise from each target's own generator, not torch's global one, so that a sampled
    report is reproducible and each target's rollout independent of the others (as PPO's).
    Each observation gets a forward pass of its own, for the same reason as `TrainedPolicy`'s.
    """

    def __init__(self, model: SAC) -> None:
        self.model = model

    @classmethod
    def from_checkpoint(cls, checkpoint: Path) -> SacHerPolicy:
        # Acting needs no replay buffer: a one-transition plain one instead of HER's, which would need the environment
        unused_buffer = {"replay_buffer_class": DictReplayBuffer, "replay_buffer_kwargs": {}, "buffer_size": 1}
        return cls(SAC.load(checkpoint, device="cpu", custom_objects=unused_buffer))

    def make_env(self, config: EnvConfig, simulator: Simulator) -> AutoCktGoalEnv:
        return AutoCktGoalEnv(config, simulator=simulator, continuous_actions=True)

    def act_batch(self, observations: Sequence[Any], rngs: Sequence[np.random.Generator] | None = None) -> np.ndarray:
        actions = []
        with torch.no_grad():
            for i, observation in enumerate(observations):
                obs, _ = self.model.policy.obs_to_tensor(observation)
                mean, log_std, _ = self.model.actor.get_action_dist_params(obs)
                pre_squash = mean[0].double().numpy()
                if rngs is not None:
                    pre_squash = pre_squash + np.exp(log_std[0].double().numpy()) * rngs[i].standard_normal(pre_squash.shape)
                actions.append(self.model.policy.unscale_action(np.tanh(pre_squash)))
        return np.array(actions, dtype=np.float32)
