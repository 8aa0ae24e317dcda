"""
# A crash-isolated pool of warm simulator worker processes

`SimulatorPool(settings)` runs `settings.sim_workers` worker processes (`worker.py`), each
with its own ngspice and every bench loaded. `await pool.run(job, *args)` runs
`job(simulator, *args)` in a free worker (calls wait for one when all are busy) and returns
what the job returns, or raises what it raised. A worker that dies (segfault, killed by the
OS), runs past `settings.sim_timeout_s` (it is killed, with any `ngspice -b` it started), or
reports ngspice's fatal state (`SimulatorLost`) is replaced by a fresh one; only its own
call fails, with `SimulationFailed` or `SimulationTimeout`, and the pool is back to full
strength once the new worker is warm (about a second). A worker whose memory has grown too
much retires after its reply and is replaced the same way (`worker.py`), failing no call.

When every worker is busy, a busy worker takes a second job into its pipe (`PIPELINE_DEPTH`):
it starts that job the moment it has written its reply, instead of idling while the calling
loop wakes up, reads the reply and sends the next job (on this 2-core VM a process woken
after sleeping through a 2 ms simulation takes 0.03-1.3 ms to run again). With 64 calls at
once, the median gap between two jobs on a worker fell from 2.1-2.7 ms to 0.16-0.18 ms and
the workers went from 79 % to 91-95 % busy (a loaded machine, one sitting). Only small jobs
(up to 16 KiB pickled, so that the write never blocks) of the loop that already reads the
worker queue behind a running job. A job queued behind one whose worker ends never ran: it
goes to another worker; its time limit starts when it starts.

A job may name its affinity (`run(..., affinity=)`): what it leaves loaded in its worker, a
PVT circuit's bench of one process section. Such jobs go to a worker whose last job had their
affinity when one is free, and a freed worker takes a waiting job of its affinity before the
longest-waiting one, within bounds (`AFFINITY_WINDOW`, `MAX_PASSED`): a worker that switches
sections reloads the models, which costs time (9 ms on gf180mcu, 130 ms on sky130) and leaks a
little memory in ngspice at every switch. No worker ever idles to keep an affinity.

`start()` returns once every worker is warm, so a server that starts its pool before it
listens never sends a call to a cold simulator; it raises `WorkerStartError` with the
worker's reason if one cannot start (a bad model card, a missing libngspice that
`AUTOCKT_ENGINE=libngspice` asks for). Metrics, in prometheus_client's default registry, for
every pool of the process: `autockt_sim_workers` (warm workers), `autockt_sim_workers_busy`,
`autockt_sim_workers_replaced_total{reason}` (`crashed`, `timed_out`, `simulator_lost`,
`recycled`); `pids()` gives the workers' process ids, e.g. to read their memory.

## Why hand-written

Measured on this 2-core machine, the overhead of one call (round trip minus the job's own
1.5 ms) from an asyncio loop to a warm worker, median (p90):

| pool | overhead per call |
| --- | --- |
| pebble 5.2 `ProcessPool.schedule(..., timeout=)` + `asyncio.wrap_future` | 270-350 us (365-470) |
| loky 3.7 reusable executor + `wrap_future` | 450 us (600) |
| `concurrent.futures.ProcessPoolExecutor` (forkserver) + `wrap_future` | 390 us (490) |
| a pipe per worker, read by the event loop itself (a bare prototype of this module) | 67 us (110) |

This module, all included (time limit, metrics, crash checks): an empty job's round trip
takes 70 us from asyncio's loop and 63 us from uvloop's (47 us for the bare prototype in
the same run).

The served path's target is 0.5 ms over the in-process floor *including HTTP*, so the
libraries' 0.3-0.45 ms would spend it all on the hand-off (each hops through two or three
threads of the API process). They also do not isolate crashes the way a server needs:
pebble declares the whole pool broken when an idle worker is killed (`RuntimeError:
Unexpected error within the Pool` for every later call; it finds no task to blame), loky
and `concurrent.futures` fail every pending call and restart or break the whole pool when
one worker dies, and neither has a per-call time limit. Here the calling event loop writes
the job to the worker's pipe and is woken by the pipe when the reply arrives (no thread
hop), one supervisor thread starts workers, notices the ones that end while idle and reads
the replies of callers that gave up (their loop may be gone), and a worker's death fails
exactly the one call it was running.

Workers are forked from a fork server, never from the server process with its threads. The
fork server imports, once when the pool starts, everything a worker runs: the program's main
module (as multiprocessing does by default), the worker and every circuit module. So a
replacement does not pay for importing Hdl21 again, and it runs the code the server started
with: a long-running server whose files change under it (an editable install being edited, a
deploy in progress) never gets workers that import the new files beside the old ones (seen:
an `ImportError` in every replacement, every call failing, while a training ran against it).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import select
import shutil
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Literal, TypeVar

from prometheus_client import Counter, Gauge

from .engine import SimulationFailed, SimulationTimeout
from .served import circuit_modules
from .settings import Settings
from .worker import Ready, Reply, StartupFailed, serve, worker_run_dir

log = logging.getLogger(__name__)

T = TypeVar("T")

WORKERS = Gauge("autockt_sim_workers", "Simulator worker processes warm and serving")
BUSY = Gauge("autockt_sim_workers_busy", "Simulator worker processes running a job")
REPLACED = Counter(
    "autockt_sim_workers_replaced",
    "Simulator worker processes that ended while serving and were replaced, by reason",
    ["reason"],
)

Reason = Literal["crashed", "timed_out", "simulator_lost", "recycled"]

_START_TIMEOUT_S = 120.0
_RETRY_FIRST_S, _RETRY_MAX_S = 1.0, 30.0
"""Delay before starting again after a worker failed to start, doubling up to the maximum."""
PIPELINE_DEPTH = 2
"""Jobs a busy worker holds at once: the one it runs and the next, already in its pipe."""
_PIPELINED_MAX_BYTES = 16 * 2**10
"""Larger jobs wait for an idle worker: writing one to a busy worker's pipe could block the loop."""
AFFINITY_WINDOW = 16
"""How far down the queue of waiting calls a freed worker looks for one that shares its last job's affinity."""
MAX_PASSED = 16
"""How many times a waiting call may be passed over for later ones of a freed worker's affinity."""


class _Unstarted(Exception):
    """A job queued behind one whose worker ended: it never ran, and is sent again."""


class WorkerStartError(RuntimeError):
    """A worker could not start its simulator; the message says why (from the worker)."""


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    state: Literal["starting", "idle", "busy", "ended"] = "starting"
    engine: str = ""
    jobs: deque[asyncio.Future[Reply]] = field(default_factory=deque)
    """The replies awaited for the jobs in its pipe, in order: the first one runs."""
    reserved: int = 0
    """Places in its pipe handed to callers that have not sent their job yet."""
    affinity: Hashable | None = None
    """The affinity of the last job placed in its pipe: what it will have loaded (`SimulatorPool.run`)."""
    loop: asyncio.AbstractEventLoop | None = None
    """The loop of the callers it serves while busy (pipelined jobs come from that loop only)."""
    reading: bool = False
    """That loop reads its pipe (`add_reader`)."""
    timer: asyncio.TimerHandle | None = None
    started_at: float = 0.0
    """When its running job started (`time.monotonic()`)."""
    supervised: bool = False
    """A caller gave up while it ran: the supervisor reads its replies instead, as the loop may close."""
    timed_out: bool = False
    reaped: bool = False
    probe: select.poll = field(init=False, repr=False)
    """Whether the pipe is readable: `conn.poll` costs a selector object per call."""

    def __post_init__(self) -> None:
        self.probe = select.poll()
        self.probe.register(self.conn.fileno(), select.POLLIN)

    @property
    def occupancy(self) -> int:
        return len(self.jobs) + self.reserved

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid


@dataclass(eq=False)
class _Waiter:
    future: asyncio.Future[_Worker]
    pipelined: bool
    """Its job is small enough to queue behind a running one."""
    affinity: Hashable | None
    passed: int = 0
    """Times a later call of a freed worker's affinity went first (at most `MAX_PASSED`)."""


@dataclass(eq=False)
class SimulatorPool:
    """Worker processes that each own a warm `Simulator`; see the module docstring."""

    settings: Settings
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _changed: threading.Condition = field(init=False, repr=False)
    _workers: list[_Worker] = field(default_factory=list, init=False, repr=False)
    """Every worker process not yet reaped: starting, serving, or ended and about to be reaped."""
    _idle: deque[_Worker] = field(default_factory=deque, init=False, repr=False)
    _waiters: deque[_Waiter] = field(default_factory=deque, init=False, repr=False)
    _start_failure: str | None = field(default=None, init=False, repr=False)
    _state: Literal["new", "running", "closed"] = field(default="new", init=False, repr=False)
    _supervisor: threading.Thread | None = field(default=None, init=False, repr=False)
    _wake: tuple[int, int] = field(default=(-1, -1), init=False, repr=False)

    def __post_init__(self) -> None:
        self._changed = threading.Condition(self._lock)

    # --- life cycle -----------------------------------------------------------------------

    def start(self, timeout_s: float = _START_TIMEOUT_S) -> SimulatorPool:
        """Start every worker and return once all are warm; raises `WorkerStartError` if one
        cannot start (the pool is then closed)."""
        with self._lock:
            if self._state != "new":
                raise RuntimeError(f"this SimulatorPool is {self._state}; a pool starts once")
            self._state = "running"
        self._wake = os.pipe()
        self._supervisor = threading.Thread(target=self._supervise, name="simulator-pool", daemon=True)
        self._supervisor.start()
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while self._start_failure is None and self.size < self.settings.sim_workers:
                if not self._changed.wait(max(0.0, deadline - time.monotonic())):
                    break
            failure, warm = self._start_failure, self.size
        if warm < self.settings.sim_workers:
            self.close()
            raise WorkerStartError(
                f"a simulator worker could not start: {failure}" if failure else f"simulator workers not warm after {timeout_s} s"
            )
        engines = sorted({worker.engine for worker in self._workers})
        log.warning("simulator pool: %d workers (pids %s), engine %s", warm, self.pids(), ", ".join(engines))
        return self

    def close(self) -> None:
        """Stop every worker; calls still waiting or running fail with `SimulationFailed`."""
        with self._lock:
            if self._state == "closed":
                return
            self._state = "closed"
            _fail(self._waiters, SimulationFailed("the simulator pool was closed"))
        if self._supervisor is not None:
            os.write(self._wake[1], b"x")
            self._supervisor.join()
            os.close(self._wake[0])
            os.close(self._wake[1])
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            if worker.state == "busy":
                self._kill(worker)  # its caller sees the pipe close and fails
            else:
                worker.conn.close()  # an idle worker exits when its pipe closes
        for worker in workers:
            worker.process.join(5)
            if worker.process.exitcode is None:
                self._kill(worker)
                worker.process.join()
            shutil.rmtree(worker_run_dir(self.settings, worker.pid), ignore_errors=True)
        with self._lock:
            for worker in workers:
                if worker.supervised:  # nobody reads its pipe any more
                    for job in worker.jobs:
                        _settle_threadsafe(job, error=SimulationFailed("the simulator pool was closed during the simulation"))
                    worker.jobs.clear()
                worker.reaped = True
                self._end(worker, None)
            self._workers.clear()

    def __enter__(self) -> SimulatorPool:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- what callers see -----------------------------------------------------------------

    @property
    def size(self) -> int:
        """Warm workers (idle or busy); `settings.sim_workers` unless one is being replaced."""
        return sum(worker.state in ("idle", "busy") for worker in self._workers)

    @property
    def busy(self) -> int:
        return sum(worker.state == "busy" for worker in self._workers)

    def pids(self) -> list[int]:
        """Process ids of the warm workers."""
        return [worker.pid for worker in self._workers if worker.state in ("idle", "busy")]

    async def run(self, job: Callable[..., T], *args: Any, affinity: Hashable | None = None) -> T:
        """`job(simulator, *args)` in a free worker. `job` must be picklable (a module-level
        function) and so must `args` and what it returns. If the caller is cancelled, the job
        still runs to its end (or its time limit) and the worker then serves the next call.

        `affinity` names what the job leaves loaded in its worker (a circuit's bench of one
        process section): a job goes to an idle worker whose last job had its affinity when there
        is one, and a freed worker takes a waiting job of its affinity among the next
        `AFFINITY_WINDOW` before the longest-waiting one (which is passed over at most
        `MAX_PASSED` times). A worker that switches PDK sections reloads the models: 9 ms per
        switch on gf180mcu, 130 ms on sky130, and a little memory that is never returned."""
        loop = asyncio.get_running_loop()
        try:
            message = pickle.dumps((job, args), pickle.HIGHEST_PROTOCOL)
        except Exception as err:
            raise TypeError(f"cannot send job {job!r} to a simulator worker (it must be picklable): {err}") from err
        while True:
            worker = await self._acquire(loop, len(message) <= _PIPELINED_MAX_BYTES, affinity)
            try:
                outcome = await self._send(loop, worker, message)
            except _Unstarted:
                continue
            if not outcome.ok:
                raise outcome.value
            return outcome.value

    # --- the calling loop's side ----------------------------------------------------------

    async def _acquire(self, loop: asyncio.AbstractEventLoop, pipelined: bool, affinity: Hashable | None) -> _Worker:
        """A place in a worker's pipe: an idle worker's (one of the job's affinity first), else (for a
        small job) the one behind the running job of a worker serving this loop, else the first
        place to free up."""
        with self._lock:
            if self._state == "closed":
                raise SimulationFailed("the simulator pool was closed")
            if self._state != "running":
                raise RuntimeError(f"the simulator pool is {self._state}: start() it before running jobs")
            while self._idle:
                worker = self._idle_worker(affinity)
                if worker.probe.poll(0):  # an idle worker has nothing to say unless it ended
                    self._end(worker, "crashed")
                    continue
                self._reserve(worker, loop, affinity)
                return worker
            if pipelined:
                serving = [w for w in self._workers if self._pipelinable(w, loop)]
                if serving:  # of its affinity first, then the one likely to finish first
                    worker = min(serving, key=lambda w: (affinity is not None and w.affinity != affinity, w.started_at))
                    self._reserve(worker, loop, affinity)
                    return worker
            if self._start_failure is not None and self.size == 0:
                raise SimulationFailed(f"no simulator worker is running: {self._start_failure}")
            waiter: asyncio.Future[_Worker] = loop.create_future()
            self._waiters.append(_Waiter(waiter, pipelined, affinity))
        try:
            return await waiter
        except asyncio.CancelledError:
            with self._lock:
                self._waiters = deque(w for w in self._waiters if w.future is not waiter)
            if waiter.done() and not waiter.cancelled():  # handed a place just before the caller gave up
                self._unreserve(waiter.result())
            raise

    async def _send(self, loop: asyncio.AbstractEventLoop, worker: _Worker, message: bytes) -> Reply:
        """Send the job to the place `_acquire` reserved and await its reply; `_Unstarted` if it must go elsewhere."""
        reply: asyncio.Future[Reply] = loop.create_future()
        with self._lock:
            worker.reserved -= 1
            if worker.state != "busy":  # it ended since the place was reserved
                raise _Unstarted
            first = not worker.jobs
            worker.jobs.append(reply)
            if first:
                worker.started_at = time.monotonic()
            supervised = worker.supervised
        try:
            worker.conn.send_bytes(message)
        except OSError:  # it ended, just now
            with self._lock:
                worker.jobs.remove(reply)
                alone = not worker.jobs and not worker.reading and not worker.supervised
            if alone:  # nobody reads its pipe to see it end
                self._drop(worker, "crashed")
            raise _Unstarted from None
        if supervised:
            if self._state == "running":
                os.write(self._wake[1], b"x")  # it watches this worker's pipe
        elif first:
            if not worker.reading:
                worker.reading = True
                loop.add_reader(worker.conn.fileno(), self._on_reply, worker)
                os.set_blocking(worker.conn.fileno(), True)  # uvloop's add_reader made it non-blocking: a reply over
                # 16 KB comes in two writes, and recv must wait for the second
            self._arm(loop, worker)
        try:
            return await reply
        except asyncio.CancelledError:
            self._abandon(worker, reply)
            raise

    def _arm(self, loop: asyncio.AbstractEventLoop, worker: _Worker) -> None:
        """The time limit of the job that runs now (since `worker.started_at`). One timer serves the jobs
        that follow each other in the pipe: when it fires for a job that has ended, it waits for the next."""
        if worker.timer is None and self.settings.sim_timeout_s is not None:
            worker.timer = loop.call_later(self.settings.sim_timeout_s, self._check_limit, loop, worker)

    def _check_limit(self, loop: asyncio.AbstractEventLoop, worker: _Worker) -> None:
        assert self.settings.sim_timeout_s is not None
        worker.timer = None
        left = worker.started_at + self.settings.sim_timeout_s - time.monotonic()
        if left > 0:
            worker.timer = loop.call_later(left, self._check_limit, loop, worker)
        else:
            self._time_out(worker)

    def _stop_reading(self, worker: _Worker) -> None:
        if worker.reading and worker.loop is not None:
            worker.loop.remove_reader(worker.conn.fileno())
        worker.reading = False
        if worker.timer is not None:
            worker.timer.cancel()
            worker.timer = None

    def _abandon(self, worker: _Worker, reply: asyncio.Future[Reply]) -> None:
        """The caller gave up while its job is in the pipe: the supervisor reads the worker's replies (or
        kills it at the time limit) from now on, since the caller's loop may close before the job ends."""
        with self._lock:
            if reply not in worker.jobs or worker.supervised:  # read already, or the supervisor reads it
                return
            self._stop_reading(worker)
            worker.supervised = True
            if self._state == "running":
                os.write(self._wake[1], b"x")

    def _on_reply(self, worker: _Worker) -> None:
        """The calling loop reads a reply of the worker's running job; the next job in the pipe starts."""
        try:
            outcome: Reply = worker.conn.recv()
        except (EOFError, OSError):
            with self._lock:
                self._stop_reading(worker)
            self._ended(worker, settle=_settle)
            return
        except Exception as err:  # the reply arrived whole but could not be unpickled
            outcome = Reply(ok=False, value=SimulationFailed(f"the simulator worker's reply could not be read: {err}"))
        with self._lock:
            head = worker.jobs.popleft()
            if outcome.retire or worker.timed_out:  # retiring, or killed just after it replied
                self._stop_reading(worker)
                self._retire(worker, outcome.retire or "timed_out", _settle)
            elif worker.jobs:
                worker.started_at = time.monotonic()
                self._free_place(worker, here=worker.loop)
            else:
                self._stop_reading(worker)
                self._free_place(worker, here=worker.loop)
        _settle(head, value=outcome)

    def _ended(self, worker: _Worker, settle: Callable[..., None]) -> None:
        """Its pipe closed: the running job fails, the ones behind it go elsewhere."""
        if worker.timed_out:
            limit = self.settings.sim_timeout_s
            error: Exception = SimulationTimeout(f"the simulation ran past the limit of {limit} s; its worker was killed")
        elif self._state == "closed":
            error = SimulationFailed("the simulator pool was closed during the simulation")
        else:
            error = SimulationFailed(f"the simulator worker (pid {worker.pid}) died during the simulation; it is being replaced")
        with self._lock:
            jobs = list(worker.jobs)
            worker.jobs.clear()
            self._end(worker, "timed_out" if worker.timed_out else "crashed")
            if worker.reaped:
                worker.conn.close()
        if jobs:
            settle(jobs[0], error=error)
        for job in jobs[1:]:
            settle(job, error=_Unstarted())

    def _retire(self, worker: _Worker, reason: Reason, settle: Callable[..., None]) -> None:
        """With the lock held: the worker exits after the reply just read; the jobs behind it go elsewhere."""
        rest = list(worker.jobs)
        worker.jobs.clear()
        self._end(worker, reason)
        if worker.reaped:
            worker.conn.close()
        for job in rest:
            settle(job, error=_Unstarted())

    def _time_out(self, worker: _Worker) -> None:
        worker.timed_out = True
        self._kill(worker)

    def _kill(self, worker: _Worker) -> None:
        """SIGKILL the worker's session: the worker and any `ngspice -b` it runs."""
        with self._lock:
            if worker.reaped:
                return  # its pid may belong to another process by now
            try:
                os.killpg(worker.pid, signal.SIGKILL)
            except ProcessLookupError:  # not its own session leader yet: it is still starting
                try:
                    os.kill(worker.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    # --- shared by the loops and the supervisor (each takes the lock) ---------------------

    def _pipelinable(self, worker: _Worker, loop: asyncio.AbstractEventLoop | None) -> bool:
        """With the lock held: whether a job of `loop` may queue behind the worker's running one."""
        return (
            worker.state == "busy"
            and worker.loop is loop
            and not worker.supervised
            and not worker.timed_out
            and worker.occupancy < PIPELINE_DEPTH
        )

    def _idle_worker(self, affinity: Hashable | None) -> _Worker:
        """With the lock held: take the idle worker a job of `affinity` goes to: the most recently
        used one of that affinity, else the most recently used (warm in the caches)."""
        if affinity is not None:
            for index in range(len(self._idle) - 1, -1, -1):
                if self._idle[index].affinity == affinity:
                    worker = self._idle[index]
                    del self._idle[index]
                    return worker
        return self._idle.pop()

    def _reserve(self, worker: _Worker, loop: asyncio.AbstractEventLoop, affinity: Hashable | None) -> None:
        """With the lock held: a place in the worker's pipe for a caller on `loop` with a job of `affinity`."""
        if worker.state != "busy":
            worker.state = "busy"
            worker.loop = loop
            BUSY.inc()
        worker.reserved += 1
        worker.affinity = affinity

    def _unreserve(self, worker: _Worker) -> None:
        """A caller handed a place gave up before sending its job."""
        with self._lock:
            worker.reserved -= 1
            if worker.state == "busy":
                self._free_place(worker, here=worker.loop)

    def _free_place(self, worker: _Worker, here: asyncio.AbstractEventLoop | None) -> None:
        """With the lock held: a place in a busy worker's pipe freed up. Idle if it holds nothing,
        then its places go to the longest-waiting callers (pipelined ones: of its loop only). `here`: the
        loop of the calling thread (None: the supervisor's)."""
        if worker.occupancy == 0 and not worker.reading:
            worker.state = "idle"
            worker.loop = None
            worker.supervised = False
            BUSY.dec()
        self._give(worker, here)

    def _give(self, worker: _Worker, here: asyncio.AbstractEventLoop | None) -> None:
        """With the lock held: hand places in the worker's pipe to the longest-waiting callers (behind a
        running job: only small jobs of its loop), else keep it idle. `here`: the calling thread's loop."""
        if self._state == "closed":
            if worker.state == "idle":
                worker.conn.close()
            return
        while worker.state == "idle" or self._pipelinable(worker, worker.loop):
            waiter = self._next_waiter(worker)
            if waiter is None:
                break
            loop = waiter.future.get_loop()
            self._reserve(worker, loop, waiter.affinity)
            if loop is here:  # the caller's own thread: no wake-up needed
                waiter.future.set_result(worker)
                continue
            try:
                loop.call_soon_threadsafe(self._hand_over, waiter.future, worker)
            except RuntimeError:  # that caller's loop is closed
                worker.reserved -= 1
                if worker.occupancy == 0 and not worker.reading:
                    worker.state, worker.loop = "idle", None
                    BUSY.dec()
        if worker.state == "idle":
            self._idle.append(worker)

    def _next_waiter(self, worker: _Worker) -> _Waiter | None:
        """With the lock held: take the waiting call the freed place in `worker`'s pipe goes to (behind a
        running job: only small jobs of its loop): the longest-waiting one, unless one of the worker's
        affinity waits among the next `AFFINITY_WINDOW` and the longest-waiting one was passed over
        fewer than `MAX_PASSED` times. None if no call can take the place."""
        while self._waiters and self._waiters[0].future.done():
            self._waiters.popleft()
        first: int | None = None
        chosen: int | None = None
        for index, waiter in enumerate(self._waiters):
            if first is not None and index - first > AFFINITY_WINDOW:
                break
            if waiter.future.done():
                continue
            if worker.state == "busy" and not (waiter.pipelined and waiter.future.get_loop() is worker.loop):
                continue
            if first is None:
                first = index
                if worker.affinity is None or waiter.affinity == worker.affinity or waiter.passed >= MAX_PASSED:
                    chosen = index
                    break
            elif waiter.affinity == worker.affinity:
                chosen = index
                break
        if first is None:
            return None
        if chosen is None:
            chosen = first
        for index in range(first, chosen):
            self._waiters[index].passed += 1
        waiter = self._waiters[chosen]
        del self._waiters[chosen]
        return waiter

    def _hand_over(self, waiter: asyncio.Future[_Worker], worker: _Worker) -> None:
        if waiter.done():  # cancelled since
            self._unreserve(worker)
        else:
            waiter.set_result(worker)

    def _end(self, worker: _Worker, reason: Reason | None) -> None:
        """With the lock held: the worker no longer serves (the supervisor reaps and replaces it)."""
        if worker.state in ("idle", "busy"):
            if worker.state == "busy":
                BUSY.dec()
            WORKERS.dec()
            if reason is not None:
                REPLACED.labels(reason).inc()
                level = logging.INFO if reason == "recycled" else logging.WARNING
                log.log(level, "simulator worker pid %d %s; replacing it", worker.pid, reason.replace("_", " "))
        if worker in self._idle:
            self._idle.remove(worker)
        worker.state = "ended"

    def _drop(self, worker: _Worker, reason: Reason) -> None:
        """A serving worker ended (seen by a caller's loop, which no longer reads its pipe)."""
        with self._lock:
            self._end(worker, reason)
            if worker.reaped:
                worker.conn.close()

    # --- the supervisor thread ------------------------------------------------------------

    def _supervise(self) -> None:
        """Start workers up to strength, take their first message, reap the ones that ended."""
        retry_at, retry_delay = 0.0, _RETRY_FIRST_S
        while True:
            with self._lock:
                if self._state == "closed":
                    return
                missing = self.settings.sim_workers - len(self._workers)
            if missing > 0 and time.monotonic() >= retry_at:
                try:
                    for _ in range(missing):
                        self._spawn()
                    missing = 0
                except OSError as err:  # e.g. fork refused (no memory, process limit): try again later
                    log.error("cannot start a simulator worker (retrying): %s", err)
                    retry_at, retry_delay = time.monotonic() + retry_delay, min(2 * retry_delay, _RETRY_MAX_S)
            with self._lock:
                workers = list(self._workers)
            watched: list[Any] = [self._wake[0], *(w.process.sentinel for w in workers)]  # fds and Connections
            supervised = [w for w in workers if w.supervised and w.state == "busy"]
            watched += [w.conn for w in workers if w.state == "starting"] + [w.conn for w in supervised]
            limit = self.settings.sim_timeout_s
            deadlines = [w.started_at + limit for w in supervised if w.jobs] if limit is not None else []
            deadlines += [retry_at] if missing > 0 else []
            ready = set(wait(watched, max(0.0, min(deadlines) - time.monotonic()) if deadlines else None))
            if self._wake[0] in ready:
                os.read(self._wake[0], 64)
            for worker in supervised:
                if worker.conn in ready:
                    self._drain(worker)
                elif limit is not None and worker.jobs and time.monotonic() >= worker.started_at + limit:
                    worker.timed_out = True
                    self._kill(worker)
            for worker in workers:
                if worker.state == "starting" and ready & {worker.conn, worker.process.sentinel}:
                    if self._started(worker):
                        retry_delay = _RETRY_FIRST_S
                    else:
                        retry_at, retry_delay = time.monotonic() + retry_delay, min(2 * retry_delay, _RETRY_MAX_S)
                if worker.process.sentinel in ready:
                    self._reap(worker)

    def _drain(self, worker: _Worker) -> None:
        """Read a reply of a worker whose caller gave up: dropped if nobody awaits it, else handed to
        its caller's loop; the worker then serves on."""
        try:
            os.set_blocking(worker.conn.fileno(), True)
            outcome: Reply = worker.conn.recv()
        except (EOFError, OSError):  # it ended (killed at the time limit, or crashed)
            self._ended(worker, settle=_settle_threadsafe)
            return
        except Exception as err:  # a reply that cannot be read
            outcome = Reply(ok=False, value=SimulationFailed(f"the simulator worker's reply could not be read: {err}"))
        with self._lock:
            head = worker.jobs.popleft()  # listed before it was sent
            if outcome.retire or worker.timed_out:
                self._retire(worker, outcome.retire or "timed_out", _settle_threadsafe)
            elif worker.jobs:
                worker.started_at = time.monotonic()
            else:
                worker.supervised = False
                self._free_place(worker, here=None)
        _settle_threadsafe(head, value=outcome)

    def _spawn(self) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([serve.__module__, *circuit_modules(), *_server_code()])
        ours, theirs = context.Pipe()
        process = context.Process(target=serve, args=(theirs, self.settings), name="autockt-sim-worker", daemon=True)
        process.start()
        theirs.close()
        with self._lock:
            self._workers.append(_Worker(process=process, conn=ours))

    def _started(self, worker: _Worker) -> bool:
        """Read a starting worker's first message; False if it could not start."""
        try:
            message = worker.conn.recv()
        except (EOFError, OSError):
            message = StartupFailed(f"the worker process (pid {worker.pid}) ended while starting")
        with self._changed:
            if isinstance(message, Ready):
                worker.engine = message.engine
                worker.state = "idle"
                WORKERS.inc()
                self._start_failure = None
                self._give(worker, here=None)
                self._changed.notify_all()
                return True
            assert isinstance(message, StartupFailed)
            worker.state = "ended"
            self._start_failure = message.reason
            log.error("a simulator worker could not start (retrying): %s", message.reason)
            if self.size == 0:  # nobody can serve the waiting calls
                _fail(self._waiters, SimulationFailed(f"no simulator worker could start: {message.reason}"))
            self._changed.notify_all()
            return False

    def _reap(self, worker: _Worker) -> None:
        worker.process.join()
        with self._lock:
            worker.reaped = True
            ours = worker.state != "busy" or worker.supervised  # else a caller's loop sees the end, on the pipe it reads
            ended = worker.state == "ended"
        if ours and not ended:
            self._ended(worker, settle=_settle_threadsafe)
        elif ours:
            worker.conn.close()
        with self._lock:
            self._workers.remove(worker)
        code = worker.process.exitcode
        if code:
            log.info(
                "simulator worker pid %d ended: %s", worker.pid, f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
            )
        shutil.rmtree(worker_run_dir(self.settings, worker.pid), ignore_errors=True)


def _settle(future: asyncio.Future[Any], value: Any = None, error: BaseException | None = None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


SERVER_PACKAGES = ("autockt_ckt", "autockt_shared", "discovery_server", "discovery_shared")


def _server_code() -> list[str]:
    """The imported modules of `SERVER_PACKAGES` and of the main script's directory (module docstring)."""
    program = Path(sys.argv[0]).resolve().parent if sys.argv and sys.argv[0] else None
    names = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        ours = name.partition(".")[0] in SERVER_PACKAGES or (
            file is not None and program is not None and Path(file).resolve().parent == program
        )
        if ours and name not in ("__main__", "__mp_main__"):
            names.append(name)
    return names


def _settle_threadsafe(future: asyncio.Future[Any], value: Any = None, error: BaseException | None = None) -> None:
    """`_settle` from another thread than the future's loop (the supervisor's)."""
    try:
        future.get_loop().call_soon_threadsafe(_settle, future, value, error)
    except RuntimeError:  # that caller's loop is closed: nobody awaits it
        pass


def _fail(waiters: deque[_Waiter], error: Exception) -> None:
    """With the pool's lock held: fail every waiting call, each on its own loop."""
    for waiter in waiters:
        _settle_threadsafe(waiter.future, error=error)
    waiters.clear()
