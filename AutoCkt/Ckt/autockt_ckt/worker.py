"""
# A simulator pool's worker process

`pool.py` starts each worker with its end of a pipe. The worker
1. leads a session of its own, so that the pool can kill it together with any `ngspice -b`
   it started (the subprocess engine), and a terminal's Ctrl-C reaches only the server; it
   names itself `autockt-worker` (`ps -o comm`), so that tools find every worker;
2. creates and warms its `Simulator` in a directory of its own, then says `Ready` (or
   `StartupFailed`, with the reason, and exits);
3. runs one job at a time: receives `(job, args)`, runs `job(simulator, *args)`, sends a `Reply`.

It has no time limit of its own: the pool kills a worker whose job runs too long. A worker
retires (replies, marked `retire`, and exits; the pool starts a fresh one) when a job raised
`SimulatorLost`, as the process can no longer simulate, and when its peak memory has grown
by `RECYCLE_GROWTH_BYTES` since it was warm: ngspice leaks about 1.3 KB each time it loads
a netlist, which a worker does whenever it switches between benches (calls of the two
op-amp Rpcs interleaved: 64 MiB after some 50,000 switches), and a job may leak too. Serving
one bench, a worker's memory is flat (+0.01 MB over 10,000 evaluations). A worker exits when
the pool closes the pipe, including when the server process dies.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import resource
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal, NamedTuple

from .engine import SimulatorLost
from .served import served_simulator, warm
from .settings import Settings
from .simulator import Simulator

PROCESS_NAME = "autockt-worker"
"""What `ps -o comm` and `psutil.Process.name()` show for a worker, e.g. to find them all."""
_PR_SET_NAME = 15
RECYCLE_GROWTH_BYTES = 64 * 2**20

Retirement = Literal["simulator_lost", "recycled"]


@dataclass(frozen=True)
class Ready:
    pid: int
    engine: str
    """`Simulator.engine_description`."""


@dataclass(frozen=True)
class StartupFailed:
    reason: str


class Reply(NamedTuple):  # a tuple: the cheapest to pickle, once per call
    ok: bool
    value: Any
    """The job's return value, or the exception it raised."""
    retire: Retirement | None = None
    """Why the worker exits after this reply, if it does."""


def worker_run_dir(settings: Settings, pid: int) -> Path:
    """The directory a worker simulates in; the pool removes it once the worker has ended."""
    return settings.run_dir / f"worker-{pid}"


def serve(conn: Connection, settings: Settings) -> None:
    """The worker process: start, then run jobs until the pool closes the pipe."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ctypes.CDLL(None).prctl(_PR_SET_NAME, PROCESS_NAME.encode())
    try:
        sim = served_simulator(settings, worker_run_dir(settings, os.getpid()), timeout_s=None)
        warm(sim)
    except Exception as err:  # reported to the operator by the pool, which retries later
        _say(conn, StartupFailed(f"{type(err).__name__}: {err}"))
        raise SystemExit(1) from err
    if not _say(conn, Ready(pid=os.getpid(), engine=sim.engine_description)):
        return
    recycle_at = _peak_rss_bytes() + RECYCLE_GROWTH_BYTES
    while True:
        try:
            job, args = conn.recv()
        except EOFError:  # the pool closed the pipe or the server ended
            return
        reply = run_job(sim, job, args)
        if reply.retire is None and _peak_rss_bytes() > recycle_at:
            reply = reply._replace(retire="recycled")
        conn.send_bytes(_pickled(reply))
        if reply.retire:
            return


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


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
        return Reply(ok=False, value=err, retire="simulator_lost")
    except Exception as err:  # the caller's error, raised where it awaits the job
        return Reply(ok=False, value=err)


def _pickled(reply: Reply) -> bytes:
    """`reply` as bytes for the pipe. What would not survive the trip (a value that cannot be
    pickled, an exception that cannot be rebuilt) travels as a `RuntimeError` saying so."""
    try:
        data = pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
        if not reply.ok:
            pickle.loads(data)
        return data
    except Exception as err:
        what = f"{type(reply.value).__name__}: {reply.value}" if not reply.ok else f"a job's result cannot be pickled: {err}"
        return pickle.dumps(Reply(ok=False, value=RuntimeError(what), retire=reply.retire), pickle.HIGHEST_PROTOCOL)
