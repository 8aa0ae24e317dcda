"""A simulator pool of real worker processes, shared by the tests of this package.

Tests that kill a worker wait until the pool is back to full strength, so every test finds
it whole.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest

from autockt_ckt.pool import SimulatorPool
from autockt_ckt.settings import Settings

POOL_WORKERS = 2


@pytest.fixture(scope="session")
def sim_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorPool]:
    settings = dataclasses.replace(Settings.from_env(), run_dir=tmp_path_factory.mktemp("pool-runs"), sim_workers=POOL_WORKERS)
    with SimulatorPool(settings) as pool:
        yield pool


def wait_until_whole(pool: SimulatorPool, timeout_s: float = 60.0) -> None:
    """Block until every worker of `pool` is warm (a replacement takes about a second)."""
    deadline = time.monotonic() + timeout_s
    while pool.size < pool.settings.sim_workers:
        assert time.monotonic() < deadline, f"pool still at {pool.size} of {pool.settings.sim_workers} workers"
        time.sleep(0.05)
