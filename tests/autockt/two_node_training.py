"""A short `train(...)` on a two-node Ray cluster started on this machine with Ray's own harness.

    python -m tests.autockt.two_node_training <server_url> <storage_dir>

Run by `test_ray_cluster.py` in a process of its own, so that the RAY_AUTH_MODE and
RAY_AUTH_TOKEN_PATH it is given hold for every Ray process from the start. Each node has 2
CPUs; the trial (1 CPU) and its 3 env runners (1 CPU each when joining a cluster) fill both,
so env runners must run on both nodes. Prints the `TrainResult` as one JSON line.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from ray.cluster_utils import Cluster

from autockt import SimulatorConfig, TrainConfig, train

CPUS_PER_NODE = 2
ENV_RUNNERS = 3
TRAIN_BATCH = 240
ENV_STEPS = TRAIN_BATCH  # one iteration: the env runners are placed, and report, once it has run


def main(server_url: str, storage: Path) -> None:
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": CPUS_PER_NODE, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=CPUS_PER_NODE)
        cluster.wait_for_nodes()
        result = train(
            TrainConfig(
                experiment="two_nodes",
                storage=storage,
                simulator=SimulatorConfig(server_url=server_url),
                n_training_targets=30,
                n_validation_targets=10,
                train_batch_size=TRAIN_BATCH,
                minibatch_size=120,
                num_epochs=1,
                num_env_runners=ENV_RUNNERS,
                num_envs_per_env_runner=2,
                ray_address=cluster.address,
                max_env_steps=ENV_STEPS,
            )
        )
    finally:
        cluster.shutdown()
    print(json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(result).items()}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
