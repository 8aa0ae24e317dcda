"""A server for the fault tests: `python -m tests.discovery.fault_server --port P` (from the repository root).

Its handlers record each run in the directory named by DISCOVERY_FAULT_RUNS, so a test sees
which server ran what, and how often, even after that server was killed.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import discovery_server as ds
from tests.discovery.fault_rpcs import RUNS_DIR_ENV, Done, Job, echo, once, once_idempotent


def _record(rpc_name: str, job: Job) -> int:
    """Append this run to the Rpc's file; returns how many runs the file holds now."""
    path = Path(os.environ[RUNS_DIR_ENV]) / rpc_name
    with path.open("a") as runs:
        runs.write(f"{job.n} {os.getpid()}\n")
    return len(path.read_text().splitlines())


@echo.impl
def echo_after_pause(job: Job) -> Done:
    _record(echo.name, job)
    time.sleep(job.pause)
    return Done(n=job.n, pid=os.getpid())


def _die_on_first_run(rpc_name: str, job: Job) -> Done:
    """The connection of the first run drops after its request reached this handler: the
    process kills itself (SIGKILL, no answer, no clean close) while the call is in flight."""
    if _record(rpc_name, job) == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return Done(n=job.n, pid=os.getpid())


@once.impl
def once_then_die(job: Job) -> Done:
    return _die_on_first_run(once.name, job)


@once_idempotent.impl
def once_idempotent_then_die(job: Job) -> Done:
    return _die_on_first_run(once_idempotent.name, job)


if __name__ == "__main__":
    ds.serve_from_command_line("Serve the fault tests' Rpcs.")
