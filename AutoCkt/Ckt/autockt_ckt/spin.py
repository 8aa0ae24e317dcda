"""
# Spinning briefly instead of sleeping, while a core is idle

On this VM (KVM with PVM; `cpuidle-haltpoll` runs with `guest_halt_poll_ns=0`, so an idle
vCPU halts at once and waking it goes through the hypervisor) a process that slept through
a 2 ms simulation takes 0.1-1.3 ms to run again. A served call has such sleeps on its
critical path: the API process sleeps while the worker simulates, and the worker sleeps
between its reply and the next job. The kernel's haltpoll governor exists to spin briefly
before halting; as it is off here, the simulator pool spins in user space, and only where a
core is idle: spinning when the cores are busy takes them from the simulations (measured
much worse under load), so every spin is bounded and gated.

`SpinPolicy` (`Settings.spin`; `AUTOCKT_SIM_SPIN=off` turns it off) governs two spins:
- the calling event loop: while fewer of the pool's workers run a job than there are cores
  and one of them runs a job of this loop, the loop keeps itself awake (a callback that
  reschedules itself, so the loop still serves every other socket, with a poll timeout of
  0) until the reply arrives, for at most `loop_max_s` per job;
- a worker, after writing a reply: if the pool said a core was idle when it sent the job,
  and the worker's last wait for a job was at most `worker_max_s`, it polls its pipe for
  the next job for at most `worker_max_s` before it blocks. A worker of an idle server thus
  blocks at once after one long wait.
Neither spins while the machine's CPU pressure (from `/proc/pressure/cpu`: the share of the
last quarter second or so in which some task waited for a CPU) is above `max_pressure` %
(its own `avg10` lags too much: a server's start-up would keep it high through the first
10-20 s of serving), and either stops
spinning for `backoff_s` when the spinning thread waited for a CPU for more than
`max_run_delay` of the spin's time (its run delay, from `/proc/thread-self/schedstat`):
another process needed that core.

Hand-written: no library spins an asyncio loop or a pipe this way; both spins are a few lines.
"""

from __future__ import annotations

import asyncio
import os
import select
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

_CHECK_EVERY = 16
_PRESSURE_EVERY_S = 0.25
"""Spin steps between two looks at the clock (a system call on this VM: no vDSO)."""


def _cores() -> int:
    return len(os.sched_getaffinity(0))


@dataclass(frozen=True)
class SpinPolicy:
    """When the simulator pool spins instead of sleeping; see the module docstring."""

    enabled: bool = True
    loop_max_s: float = 0.01
    """Longest the calling loop stays awake for one job (a simulation takes about 2 ms)."""
    worker_max_s: float = 0.002
    """Longest a worker polls for its next job (one served call's HTTP round trip is about 0.5 ms)."""
    max_run_delay: float = 0.1
    """Share of a spin's time its thread may wait for a CPU before spinning backs off."""
    backoff_s: float = 1.0
    max_pressure: float = 20.0
    """CPU pressure (some avg10, %) above which nothing spins: other processes wait for the cores."""
    cores: int = field(default_factory=_cores)
    """Jobs may run on this many cores at once; a spin needs one of them free."""

    @classmethod
    def parse(cls, value: str) -> SpinPolicy:
        """`AUTOCKT_SIM_SPIN`: `on` (the default) or `off`."""
        if value.lower() not in ("on", "off"):
            raise ValueError(f"AUTOCKT_SIM_SPIN={value!r}: give on or off")
        return cls(enabled=value.lower() == "on")


def _kept_open(owner: object, path: str) -> int | None:
    """`path` opened for reading for as long as `owner` lives, or None where Linux does not provide it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    weakref.finalize(owner, os.close, fd)
    return fd


class RunDelay:
    """The time the thread that created it spent waiting for a CPU, in seconds (0 where Linux does not
    report it). Its file stays open for its life (one `pread` per reading, 2-3 us)."""

    def __init__(self) -> None:
        self._fd = _kept_open(self, "/proc/thread-self/schedstat")

    def seconds(self) -> float:
        if self._fd is None:
            return 0.0
        return int(os.pread(self._fd, 96, 0).split()[1]) / 1e9


class CpuPressure:
    """The machine's recent CPU pressure in %: the growth of `some total` (microseconds in which some task
    waited for a CPU) of `/proc/pressure/cpu` between two readings at least `_PRESSURE_EVERY_S` apart
    (the first reading: `some avg10`); 0 where Linux does not report it."""

    def __init__(self) -> None:
        self._fd = _kept_open(self, "/proc/pressure/cpu")
        self._read_at = -float("inf")
        self._total_us = 0
        self._value = 0.0

    def percent(self, now: float) -> float:
        if self._fd is not None and now - self._read_at >= _PRESSURE_EVERY_S:
            some = os.pread(self._fd, 128, 0).split(b"\n", 1)[0].split()  # some avg10=.. avg60=.. avg300=.. total=..
            total_us = int(some[4].split(b"=")[1])
            if self._read_at == -float("inf"):
                self._value = float(some[1].split(b"=")[1])
            else:
                self._value = 100 * (total_us - self._total_us) / 1e6 / (now - self._read_at)
            self._read_at, self._total_us = now, total_us
        return self._value


class _Backoff:
    """Whether other processes need the cores (CPU pressure, or the last spin waited for its CPU), and until
    when not to spin."""

    def __init__(self, policy: SpinPolicy) -> None:
        self.policy = policy
        self.delay = RunDelay()
        self.pressure = CpuPressure()
        self.until = 0.0

    def allows(self, now: float) -> bool:
        return now >= self.until and self.pressure.percent(now) <= self.policy.max_pressure

    def judge(self, started: float, delay_then: float, now: float) -> None:
        if self.delay.seconds() - delay_then > self.policy.max_run_delay * max(now - started, 1e-6):
            self.until = now + self.policy.backoff_s


class LoopSpin:
    """Keeps one event loop awake while `keep_going()` holds, for at most `policy.loop_max_s`.
    Created and used on the loop's own thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, policy: SpinPolicy) -> None:
        self.loop = loop
        self.policy = policy
        self.active = False
        self._backoff = _Backoff(policy)
        self._keep_going: Callable[[], bool] = bool
        self._started = self._until = self._delay_then = 0.0
        self._steps = 0

    def start(self, keep_going: Callable[[], bool]) -> None:
        if self.active:
            self._keep_going = keep_going
            return
        now = time.monotonic()
        if not self._backoff.allows(now):
            return
        self.active, self._keep_going, self._steps = True, keep_going, 0
        self._started, self._until, self._delay_then = now, now + self.policy.loop_max_s, self._backoff.delay.seconds()
        self.loop.call_soon(self._step)

    def _step(self) -> None:
        self._steps += 1
        if self._keep_going() and (self._steps % _CHECK_EVERY or time.monotonic() < self._until):
            self.loop.call_soon(self._step)
            return
        self.active = False
        self._backoff.judge(self._started, self._delay_then, time.monotonic())


class WorkerSpin:
    """A worker's wait for its next job: poll the pipe briefly where that is allowed, then block."""

    def __init__(self, fd: int, policy: SpinPolicy) -> None:
        self.policy = policy
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)
        self._backoff = _Backoff(policy)
        self._replied_at = 0.0
        self._last_wait = float("inf")
        self._allowed = False

    def replied(self, core_idle: bool) -> None:
        """The reply is written; the pool said whether a core was idle when it sent the job."""
        self._allowed = core_idle
        self._replied_at = time.monotonic()

    def spin(self) -> None:
        """Poll the pipe until a job (or the pool's close) is readable, or give up: the caller then blocks."""
        now = self._replied_at
        if not (self._allowed and self._last_wait <= self.policy.worker_max_s and self._backoff.allows(now)):
            return
        until, delay_then, steps = now + self.policy.worker_max_s, self._backoff.delay.seconds(), 0
        while not self._poll.poll(0):
            steps += 1
            if steps % _CHECK_EVERY == 0 and time.monotonic() >= until:
                break
        self._backoff.judge(now, delay_then, time.monotonic())

    def received(self) -> None:
        """A job arrived: how long the worker waited for it decides whether it spins next time."""
        self._last_wait = time.monotonic() - self._replied_at if self._replied_at else float("inf")
