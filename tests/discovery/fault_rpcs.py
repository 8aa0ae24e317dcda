"""Rpcs of the fault tests, shared by the test process (the client) and `fault_server` (their handlers).

Both import this one module, so both hold the same Rpcs with the same fingerprints.
"""

from __future__ import annotations

from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

RUNS_DIR_ENV = "DISCOVERY_FAULT_RUNS"
"""Directory where the servers' handlers record every run, one file per Rpc, one line per run."""


@dataclass
class Job:
    n: int
    pause: float = 0.0  # seconds the handler sleeps, so that a call is in flight when its server dies


@dataclass
class Done:
    n: int
    pid: int  # the server process that ran it


echo = Rpc("t_fault_echo", Job, Done, docstring="Return `n` and this server's pid after `pause` s.", idempotent=True)
once = Rpc("t_fault_once", Job, Done, docstring="Record the run; the first run ever kills its own server.")
once_idempotent = Rpc("t_fault_once_idempotent", Job, Done, docstring="`t_fault_once`, declared idempotent.", idempotent=True)
