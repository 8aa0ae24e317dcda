"""What the benchmarks share: an AutoCkt server process as an operator starts it, fresh design points, timing."""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from autockt_shared import TWO_STAGE_OPAMP, OpAmpInput
from discovery_server import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[1]


def autockt_server(*flags: str, env: dict[str, str] | None = None, startup_timeout: float = 120.0) -> ServerProcess:
    """`AutoCkt/scripts/start_server.py` on a free loopback port, no auth, with `flags` added (not started).
    `startup_timeout`: seconds until it answers, its workers warm (an open PDK's circuits take longer)."""
    port = free_port()
    argv = [
        sys.executable,
        str(ROOT / "AutoCkt/scripts/start_server.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--auth",
        "none",
        *flags,
    ]
    return ServerProcess(argv, port=port, env={**os.environ, **(env or {})}, startup_timeout=startup_timeout)


def random_points(n: int, rng: random.Random) -> list[OpAmpInput]:
    """Fresh two-stage design points on the benchmark grid: new parameter sets, as a training run makes."""
    return [TWO_STAGE_OPAMP.make_input(TWO_STAGE_OPAMP.sample_values(rng)) for _ in range(n)]


def per_call_seconds(call: Callable[[OpAmpInput], object], points: Sequence[OpAmpInput]) -> list[float]:
    """Wall-clock seconds of each call, one at a time."""
    times = []
    for inp in points:
        start = time.perf_counter()
        call(inp)
        times.append(time.perf_counter() - start)
    return times
