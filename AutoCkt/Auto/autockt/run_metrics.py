"""
# What AutoCkt adds to every training result, and so to TensorBoard

RLlib reports what it knows (env steps, episode returns, timers); these callbacks add what
tells whether an AutoCkt agent learns and what its simulations cost. Tune writes every
number of a result to the trial's `progress.csv`, `result.json` and TensorBoard events,
under `ray/tune/<key>` (nested keys joined by `/`):

| result key | TensorBoard tag | what |
| --- | --- | --- |
| `env_runners/reached_rate` | `ray/tune/env_runners/reached_rate` | fraction of the last 200 training episodes that met their target (exploring policy) |
| `env_runners/sim_failure_rate` | `ray/tune/env_runners/sim_failure_rate` | fraction of them a failed simulation ended |
| `env_runners/designs` | `ray/tune/env_runners/designs` | designs simulated this iteration, all env runners together |
| `env_runners/simulations` | `ray/tune/env_runners/simulations` | simulations those designs ran: one each, or one per PVT corner (17 for `ppaas_tsa`), only the typical one for a design skip-on-fail stopped there (env.py) |
| `sims_per_env_step` | `ray/tune/sims_per_env_step` | simulations per env step this iteration (resets simulate too: a little over 1 for a circuit of one simulation per design) |
| `server_cache_hit_rate` | `ray/tune/server_cache_hit_rate` | the servers' result-cache hits over lookups (hits and misses) this iteration, read from their `/metrics`; only when they cache |
| `env_runner_nodes` | `ray/tune/env_runner_nodes` | Ray nodes the env runners run on |

The hit rate counts every client of the servers, not only this run's env runners.
"""

from __future__ import annotations

import dataclasses
import logging
import weakref
from typing import Any

import httpx
import ray
from prometheus_client.parser import text_string_to_metric_families

from discovery_client.client import authentication

from .simulator import Simulator, SimulatorConfig

log = logging.getLogger(__name__)

ENV_STEPS = "num_env_steps_sampled_lifetime"
ENV_STEPS_THIS_ITERATION = "num_env_steps_sampled"
REACHED_METRIC = "reached_rate"
"""Fraction of recent training episodes that met their target (exploring policy), in `result["env_runners"]`."""
FAILED_METRIC = "sim_failure_rate"
DESIGNS_METRIC = "designs"
"""Designs simulated this iteration, in `result["env_runners"]`."""
SIMULATIONS_METRIC = "simulations"
"""Simulations those designs ran this iteration (skip-on-fail's saving included), in `result["env_runners"]`."""
SIMS_PER_STEP_METRIC = "sims_per_env_step"
CACHE_HIT_RATE_METRIC = "server_cache_hit_rate"
NODES_METRIC = "env_runner_nodes"
"""How many Ray nodes the env runners run on (1 on one machine), in every result."""
EPISODE_WINDOW = 200
CACHE_COUNTERS = ("discovery_result_cache_hits", "discovery_result_cache_misses")
METRICS_TIMEOUT_S = 5.0


def log_episode(*, episode: Any, metrics_logger: Any, **_: Any) -> None:
    info = episode.get_infos(-1)
    metrics_logger.log_value(REACHED_METRIC, float(info.get("reached", False)), window=EPISODE_WINDOW)
    metrics_logger.log_value(FAILED_METRIC, float(info.get("sim_failed", False)), window=EPISODE_WINDOW)


_reported: weakref.WeakKeyDictionary[Simulator, tuple[int, int]] = weakref.WeakKeyDictionary()
"""Per env runner process: how many of its simulator's designs and simulations were already logged."""


def log_simulations(*, env_runner: Any, metrics_logger: Any, **_: Any) -> None:
    """After each sample: the designs this runner simulated since the last one, and the simulations they ran
    (RLlib sums them over runners)."""
    simulator = getattr(getattr(getattr(env_runner, "env", None), "unwrapped", None), "simulator", None)  # a runner may have no env
    if not isinstance(simulator, Simulator):
        return
    designs, simulations = _reported.get(simulator, (0, 0))
    _reported[simulator] = (simulator.calls, simulator.simulations)
    metrics_logger.log_value(DESIGNS_METRIC, simulator.calls - designs, reduce="sum")
    metrics_logger.log_value(SIMULATIONS_METRIC, simulator.simulations - simulations, reduce="sum")


@dataclasses.dataclass
class ResultMetrics:
    """`on_train_result`: the per-iteration metrics computed from the others, and the servers' cache hit rate.

    Holds the servers' cache counts of the previous iteration; `watching` reads them before
    the first (in the driver: RLlib copies the callbacks to the algorithm's process).
    """

    simulator: SimulatorConfig
    _cache_counts: tuple[float, float] | None = dataclasses.field(default=None, repr=False)

    @classmethod
    def watching(cls, simulator: SimulatorConfig) -> ResultMetrics:
        """Ready to report the cache hit rate from the first iteration on."""
        return cls(simulator, None if simulator.in_process else server_cache_counts(simulator))

    def __call__(self, *, algorithm: Any, result: dict[str, Any], **_: Any) -> None:
        runners = result.get("env_runners", {})
        steps, sims = runners.get(ENV_STEPS_THIS_ITERATION), runners.get(SIMULATIONS_METRIC)
        if steps and sims is not None:
            result[SIMS_PER_STEP_METRIC] = float(sims) / float(steps)
        nodes = algorithm.env_runner_group.foreach_env_runner(lambda _: ray.get_runtime_context().get_node_id(), local_env_runner=False)
        result[NODES_METRIC] = len(set(nodes)) or 1  # no remote runners: the algorithm's own process samples
        rate = self._cache_hit_rate()
        if rate is not None:
            result[CACHE_HIT_RATE_METRIC] = rate

    def _cache_hit_rate(self) -> float | None:
        """Hits over lookups since the previous iteration; `None` in-process, when no server caches, or without counts to compare."""
        if self.simulator.in_process:
            return None
        counts = server_cache_counts(self.simulator)
        previous, self._cache_counts = self._cache_counts, counts
        if counts is None or previous is None:
            return None
        hits, lookups = counts[0] - previous[0], (counts[0] + counts[1]) - (previous[0] + previous[1])
        return hits / lookups if lookups > 0 else None


def server_cache_counts(simulator: SimulatorConfig) -> tuple[float, float] | None:
    """(hits, misses) of the result caches of every server `simulator` names, from their `GET /metrics`;
    `None` if a server does not answer it (a metric must never stop a training run)."""
    config = simulator.client_config().resolved()
    auth = authentication(config)
    totals = dict.fromkeys(CACHE_COUNTERS, 0.0)
    try:
        for url in config.base_urls:
            response = httpx.get(f"{url.rstrip('/')}/metrics", auth=auth, timeout=METRICS_TIMEOUT_S)
            response.raise_for_status()
            for family in text_string_to_metric_families(response.text):
                if family.name in totals:
                    totals[family.name] += sum(s.value for s in family.samples if s.name.endswith("_total"))
    except (httpx.HTTPError, ValueError) as err:
        log.debug("no cache counts from %s: %s", config.base_urls, err)
        return None
    return totals[CACHE_COUNTERS[0]], totals[CACHE_COUNTERS[1]]
