"""
# A simulator pool's worker process

`pool.py` starts each worker with its end of a pipe. The worker
1. leads a session of its own, so that the pool can kill it together with any `ngspice -b`
   it started (the subprocess engine), and a terminal's Ctrl-C reaches only the server; it
   names itself `autockt-worker` (`ps -o comm`), so that tools find every worker;
2. creates and warms its `Simulator` in a directory of its own, then says `Ready` (or
   `StartupFailed`, with the reason, and exits);
3. runs one job at a time: receives `(job, args)`, runs `job(simulator, *args)`, sends a `Reply`.

It has no time limit of its own: the pool kills a worker whose job runs too long. A job that
raises `SimulatorLost` leaves the process unable to simulate: the worker replies, marked
`retire`, and exits, and the pool starts a fresh one. A worker exits when the pool closes
the pipe, including when the server process dies.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any

from .engine import SimulatorLost
from .settings import Settings
from .simulator import Simulator


PROCESS_NAME = "autockt-worker"
"""What `ps -o comm` and `psutil.Process.name()` show for a worker, e.g. to find them all."""
_PR_SET_NAME = 15


@dataclass(frozen=True)
class Ready:
    pid: int
    engine: str
    """`Simulator.engine_description`."""


@dataclass(frozen=True)
class StartupFailed:
    reason: str


@dataclass(frozen=True)
class Reply:
    ok: bool
    value: Any
    """The job's return value, or the exception it raised."""
    retire: bool = False
    """The worker cannot simulate any more and exits after this reply."""


def worker_run_dir(settings: Settings, pid: int) -> Path:
    """The directory a worker simulates in; the pool removes it once the worker has ended."""
    return settings.run_dir / f"worker-{pid}"


def serve(conn: Connection, settings: Settings) -> None:
    """The worker process: start, then run jobs until the pool closes the pipe."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ctypes.CDLL(None).prctl(_PR_SET_NAME, PROCESS_NAME.encode())
    try:
        sim = Simulator.create(settings, worker_run_dir(settings, os.getpid()), timeout_s=None)
        sim.warm()
    except Exception as err:  # reported to the operator by the pool, which retries later
        _say(conn, StartupFailed(f"{type(err).__name__}: {err}"))
        raise SystemExit(1) from err
    if not _say(conn, Ready(pid=os.getpid(), engine=sim.engine_description)):
        return
    while True:
        try:
            job, args = conn.recv()
        except EOFError:  # the pool closed the pipe or the server ended
            return
        reply = run_job(sim, job, args)
        conn.send_bytes(_pickled(reply))
        if reply.retire:
            return


def _say(conn: Connection, message: Ready | StartupFailed) -> bool:
    """Send the pool a start-up message; False if the pool closed while this worker was starting."""
    try:
        conn.send(message)
    except OSError:
        return False
    return True


def run_job(sim: Simulator, job: Any, args: tuple[Any, ...]) -> Reply:
    try:
        return Reply(ok=True, value=job(sim, *args))
    except SimulatorLost as err:
        return Reply(ok=False, value=err, retire=True)
    except Exception as err:  # the caller's error, raised where it awaits the job
        return Reply(ok=False, value=err)


def _pickled(reply: Reply) -> memoryview:
    """`reply` as bytes for the pipe. What would not survive the trip (a value that cannot be
    pickled, an exception that cannot be rebuilt) travels as a `RuntimeError` saying so."""
    try:
        data = ForkingPickler.dumps(reply)
        if not reply.ok:
            pickle.loads(data)
        return data
    except Exception as err:
        what = f"{type(reply.value).__name__}: {reply.value}" if not reply.ok else f"a job's result cannot be pickled: {err}"
        return ForkingPickler.dumps(Reply(ok=False, value=RuntimeError(what), retire=reply.retire))
