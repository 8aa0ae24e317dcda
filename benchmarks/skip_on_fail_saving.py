"""Simulations run by training episodes of PPAAS's TSA with and without skip-on-fail.

    python benchmarks/skip_on_fail_saving.py [--episodes 4] [--steps 10] [--in-process | --server-url URL]

Random-policy episodes (seeded actions, so both runs simulate the same designs) from the reset
point towards targets of the training set, as an untrained agent's first episodes are: each
design is sent its episode's target (skip-on-fail, env.py) or not, and the environments count
the designs, the designs skipped and the simulations their answers say they ran. A server of
gf180mcu answers (`python AutoCkt/scripts/start_server.py --pdk gf180mcu`), or this process
(`--in-process`). A trained agent passes the typical corner more often, so it saves less.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from dataclasses import dataclass

from autockt import AutoCktGym, EnvConfig, SimulatorConfig
from autockt_shared.circuits.ppaas_tsa import PPAAS_TSA


@dataclass(frozen=True)
class Cost:
    designs: int
    skipped: int
    simulations: int
    seconds: float


def run(skip_on_fail: bool, episodes: int, steps: int, simulator: SimulatorConfig) -> Cost:
    """`episodes` random episodes of `steps` steps each (and their resets), their designs' cost."""
    env = AutoCktGym(EnvConfig(circuit=PPAAS_TSA.name, horizon=steps, skip_on_fail=skip_on_fail, simulator=simulator))
    skipped = 0
    started = time.perf_counter()
    try:
        env.action_space.seed(0)
        for episode in range(episodes):
            _, info = env.reset(seed=episode)
            skipped += info["skipped"]
            for _ in range(steps):
                _, _, terminated, truncated, info = env.step(env.action_space.sample())
                skipped += info["skipped"]
                if terminated or truncated:
                    break
        return Cost(env.simulator.calls, skipped, env.simulator.simulations, time.perf_counter() - started)
    finally:
        env.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--episodes", type=int, default=4, help="random episodes (default 4)")
    parser.add_argument("--steps", type=int, default=10, help="steps per episode (default 10)")
    parser.add_argument("--in-process", action="store_true", help="simulate in this process (autockt_ckt's handlers)")
    parser.add_argument("--server-url", help="a gf180mcu server (default: THE_SERVER_URL from .env, else 127.0.0.1:8000)")
    args = parser.parse_args(argv)
    simulator = SimulatorConfig(in_process=args.in_process, server_url=args.server_url)
    print(f"ppaas_tsa, {args.episodes} random episodes of {args.steps} steps, {simulator.describe()}:")
    for skip in (True, False):
        cost = run(skip, args.episodes, args.steps, simulator)
        print(
            f"  skip-on-fail {'on ' if skip else 'off'}: {cost.designs} designs, {cost.skipped} skipped, "
            f"{cost.simulations} simulations ({cost.simulations / cost.designs:.2f} per design), {cost.seconds:.1f} s"
        )


if __name__ == "__main__":
    main()
