"""The simulator pool with real worker processes and real ngspice: results, crashes, time limits.

The jobs below run inside the workers (the pool pickles them by name), so they are
module-level functions.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import hdl21.sim as hs
import psutil
import pytest
from prometheus_client import REGISTRY

from autockt_ckt import libngspice_engine
from autockt_ckt.circuits import folded_cascode, two_stage_opamp
from autockt_ckt.engine import Bench, SimulationFailed, SimulationTimeout, SimulatorLost
from autockt_ckt.handlers import local_simulator
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.pool import MAX_PASSED, PIPELINE_DEPTH, SimulatorPool, WorkerStartError
from autockt_ckt.settings import Settings
from autockt_ckt.simulator import Simulator
from autockt_ckt.worker import RECYCLE_GROWTH_BYTES
from autockt_shared import FOLDED_CASCODE, TWO_STAGE_OPAMP

from .conftest import wait_until_whole


def slow_simulation(sim: Simulator, pid_file: Path) -> None:
    """Announce this worker's pid, then simulate for seconds: an AC sweep of 2 million points."""
    pid_file.write_text(str(os.getpid()))
    bench = sim.benches[TWO_STAGE_OPAMP.name]
    dense = [hs.Ac(name="ac", sweep=hs.LogSweep(1, 10e9, 200_000)) if isinstance(a, hs.Ac) else a for a in bench.sim.attrs]
    slow = Bench(name="slow", sim=hs.Sim(tb=bench.sim.tb, attrs=dense), params=bench.params)
    sim.engine.run(slow, TWO_STAGE_OPAMP.initial_values())


def unrecoverable_simulation(sim: Simulator) -> None:
    """What `check_values` keeps out of every engine: a non-finite value, which ngspice cannot recover from."""
    assert isinstance(sim.engine, LibngspiceEngine)
    netlist = sim.engine._netlist(sim.benches[TWO_STAGE_OPAMP.name])
    libngspice_engine._owner().submit(libngspice_engine._SIMULATOR.run, netlist, [("cc", "nan")], sim.run_dir, None).result()


def worker_pid(sim: Simulator) -> int:
    return os.getpid()


_hoard: list[bytes] = []


def hoard_memory(sim: Simulator, nbytes: int) -> int:
    """Keep `nbytes` of memory (written, so resident) for the rest of the worker's life: a leak."""
    _hoard.append(b"x" * nbytes)
    return os.getpid()


def nap(sim: Simulator, seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def announce_and_nap(sim: Simulator, pid_file: Path, seconds: float) -> int:
    pid_file.write_text(str(os.getpid()))
    time.sleep(seconds)
    return os.getpid()


def stamped_nap(sim: Simulator, seconds: float) -> tuple[int, float]:
    """This worker's pid and when the job started here."""
    started = time.monotonic()
    time.sleep(seconds)
    return os.getpid(), started


def refuse(sim: Simulator, message: str) -> None:
    raise ValueError(message)


def replaced(reason: str) -> float:
    return REGISTRY.get_sample_value("autockt_sim_workers_replaced_total", {"reason": reason}) or 0.0


async def wait_for_pid(pid_file: Path) -> int:
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the slow job never started"
        await asyncio.sleep(0.01)
    return int(pid_file.read_text())


def test_results_through_the_pool_equal_in_process_results_bit_for_bit(sim_pool: SimulatorPool) -> None:
    rng = random.Random(3)
    jobs = [(two_stage_opamp.evaluate, TWO_STAGE_OPAMP.make_input(TWO_STAGE_OPAMP.sample_values(rng))) for _ in range(12)]
    jobs += [(folded_cascode.evaluate, FOLDED_CASCODE.make_input(FOLDED_CASCODE.sample_values(rng))) for _ in range(12)]
    rng.shuffle(jobs)

    async def through_the_pool() -> list[object]:
        return await asyncio.gather(*(sim_pool.run(evaluate, inp) for evaluate, inp in jobs))

    pooled = asyncio.run(through_the_pool())
    assert pooled == [evaluate(local_simulator(), inp) for evaluate, inp in jobs]


def test_concurrent_calls_go_to_every_worker(sim_pool: SimulatorPool) -> None:
    async def calls() -> list[int]:
        return await asyncio.gather(*(sim_pool.run(worker_pid) for _ in range(8)))

    assert set(asyncio.run(calls())) == set(sim_pool.pids())


def test_jobs_of_one_affinity_stay_on_one_worker(sim_pool: SimulatorPool) -> None:
    """Jobs of two affinities (two PDK sections' benches) arriving interleaved: each worker keeps to one
    affinity instead of alternating, which would make it reload its models at almost every job."""
    affinities = ["ss", "ff"] * 20

    async def calls() -> list[tuple[int, float]]:
        return await asyncio.gather(*(sim_pool.run(stamped_nap, 0.01, affinity=a) for a in affinities))

    runs = sorted((started, pid, affinity) for (pid, started), affinity in zip(asyncio.run(calls()), affinities, strict=True))
    last: dict[int, str] = {}
    switches = 0
    for _, pid, affinity in runs:
        switches += pid in last and last[pid] != affinity
        last[pid] = affinity
    assert switches <= 2, f"{switches} switches of affinity among 40 jobs on {len(last)} workers"


def test_a_job_of_another_affinity_waits_at_most_max_passed_jobs(tmp_path: Path) -> None:
    settings = dataclasses.replace(Settings.from_env(), run_dir=tmp_path / "runs", sim_workers=1)
    with SimulatorPool(settings) as pool:

        async def calls() -> list[tuple[int, float]]:
            await pool.run(worker_pid)  # the worker imports this module first
            first = asyncio.ensure_future(pool.run(stamped_nap, 0.05, affinity="tt"))
            await asyncio.sleep(0.01)  # running, so the next job is pipelined behind it
            rest = [pool.run(stamped_nap, 0.005, affinity="tt") for _ in range(2)]
            other = pool.run(stamped_nap, 0.005, affinity="ss")
            more = [pool.run(stamped_nap, 0.005, affinity="tt") for _ in range(3 * MAX_PASSED)]
            return await asyncio.gather(first, *rest, other, *more)

        answers = asyncio.run(calls())
        order = sorted(range(len(answers)), key=lambda i: answers[i][1])
        position = order.index(3)  # the "ss" job
        assert 3 < position <= 3 + MAX_PASSED + PIPELINE_DEPTH, f"the other affinity's job ran {position}th"


def test_a_job_error_reaches_the_caller_and_the_worker_serves_on(sim_pool: SimulatorPool) -> None:
    async def calls() -> None:
        with pytest.raises(ValueError, match="no such design"):
            await sim_pool.run(refuse, "no such design")
        with pytest.raises(TypeError, match="picklable"):
            await sim_pool.run(lambda sim: None)
        await sim_pool.run(two_stage_opamp.evaluate, TWO_STAGE_OPAMP.initial_input())

    pids = set(sim_pool.pids())
    asyncio.run(calls())
    assert set(sim_pool.pids()) == pids


def test_cancelled_callers_lose_no_worker(sim_pool: SimulatorPool) -> None:
    """A caller that gives up (a client gone, a server time limit) while its job runs or while
    it waits for a worker: the job runs to its end and the worker serves the next call."""
    pids = set(sim_pool.pids())

    async def calls() -> set[int]:
        running = [asyncio.create_task(sim_pool.run(nap, 0.3)) for _ in range(sim_pool.settings.sim_workers)]
        waiting = asyncio.create_task(sim_pool.run(nap, 0.0))
        await asyncio.sleep(0.05)
        for task in [*running, waiting]:
            task.cancel()
        await asyncio.gather(*running, waiting, return_exceptions=True)
        return set(await asyncio.gather(*(sim_pool.run(worker_pid) for _ in range(8))))

    assert asyncio.run(calls()) <= pids
    deadline = time.monotonic() + 10
    while sim_pool.busy:  # the naps end by themselves, then their workers are free again
        assert time.monotonic() < deadline, f"{sim_pool.busy} workers still busy"
        time.sleep(0.01)
    assert set(sim_pool.pids()) == pids and sim_pool.size == sim_pool.settings.sim_workers


def test_a_worker_killed_mid_call_fails_only_its_call(sim_pool: SimulatorPool, tmp_path: Path) -> None:
    before, crashed = set(sim_pool.pids()), replaced("crashed")
    values = [TWO_STAGE_OPAMP.sample_values(random.Random(i)) for i in range(20)]

    async def calls() -> tuple[BaseException | None, list[object]]:
        victim = asyncio.create_task(sim_pool.run(slow_simulation, tmp_path / "pid"))
        os.kill(await wait_for_pid(tmp_path / "pid"), signal.SIGKILL)
        others = await asyncio.gather(*(sim_pool.run(two_stage_opamp.evaluate, TWO_STAGE_OPAMP.make_input(v)) for v in values))
        try:
            await victim
        except SimulationFailed as err:
            return err, others
        return None, others

    error, others = asyncio.run(calls())
    assert isinstance(error, SimulationFailed) and "died during the simulation" in str(error)
    assert others == [two_stage_opamp.evaluate(local_simulator(), TWO_STAGE_OPAMP.make_input(v)) for v in values]
    wait_until_whole(sim_pool)
    assert len(set(sim_pool.pids()) - before) == 1  # one new worker in place of the killed one
    assert replaced("crashed") == crashed + 1


def test_jobs_queued_behind_a_killed_workers_call_run_elsewhere(sim_pool: SimulatorPool, tmp_path: Path) -> None:
    """With every worker busy, the next calls wait in the workers' pipes behind the running jobs;
    a call queued behind a job whose worker dies never ran, so it runs on another worker."""
    before, crashed = set(sim_pool.pids()), replaced("crashed")
    pid_files = [tmp_path / f"pid{i}" for i in range(sim_pool.settings.sim_workers)]

    async def calls() -> tuple[list[object], list[int]]:
        running = [asyncio.create_task(sim_pool.run(announce_and_nap, pid_file, 1.0)) for pid_file in pid_files]
        pids = [await wait_for_pid(pid_file) for pid_file in pid_files]
        queued = [asyncio.create_task(sim_pool.run(worker_pid)) for _ in pid_files]
        await asyncio.sleep(0.05)
        assert sum(len(worker.jobs) for worker in sim_pool._workers) == 2 * len(pid_files)  # one behind each
        os.kill(pids[0], signal.SIGKILL)
        return await asyncio.gather(*running, return_exceptions=True), await asyncio.gather(*queued)

    naps, queued = asyncio.run(calls())
    victim = int(pid_files[0].read_text())
    assert isinstance(naps[0], SimulationFailed) and "died during the simulation" in str(naps[0])
    assert naps[1:] == [int(pid_file.read_text()) for pid_file in pid_files[1:]]
    assert victim not in queued
    wait_until_whole(sim_pool)
    assert set(sim_pool.pids()) - before and victim not in sim_pool.pids()
    assert replaced("crashed") == crashed + 1


def test_a_queued_jobs_time_limit_starts_when_it_starts(tmp_path: Path) -> None:
    """Two jobs in one worker's pipe, each within the limit, together past it: both succeed."""
    settings = dataclasses.replace(Settings.from_env(), run_dir=tmp_path / "runs", sim_workers=1, sim_timeout_s=2.0)
    with SimulatorPool(settings) as pool:

        async def calls() -> list[int]:
            await pool.run(worker_pid)  # the worker imports this module first, which is no part of the naps
            return await asyncio.gather(pool.run(nap, 1.2), pool.run(nap, 1.2))

        first, second = asyncio.run(calls())
        assert first == second == pool.pids()[0]


def test_a_worker_killed_while_idle_is_replaced_and_no_call_fails(sim_pool: SimulatorPool) -> None:
    before = sim_pool.pids()
    os.kill(before[0], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while before[0] in sim_pool.pids():  # the pool notices at once, without a call to fail
        assert time.monotonic() < deadline
        time.sleep(0.01)

    async def calls() -> list[object]:
        return await asyncio.gather(*(sim_pool.run(two_stage_opamp.evaluate, TWO_STAGE_OPAMP.initial_input()) for _ in range(6)))

    first, *rest = asyncio.run(calls())
    assert rest == [first] * 5
    wait_until_whole(sim_pool)
    assert before[0] not in sim_pool.pids()


def test_a_worker_whose_ngspice_cannot_recover_exits_and_is_replaced(sim_pool: SimulatorPool) -> None:
    before, lost = set(sim_pool.pids()), replaced("simulator_lost")
    with pytest.raises(SimulatorLost, match="cannot recover"):
        asyncio.run(sim_pool.run(unrecoverable_simulation))
    wait_until_whole(sim_pool)
    assert len(set(sim_pool.pids()) - before) == 1
    assert replaced("simulator_lost") == lost + 1
    assert asyncio.run(sim_pool.run(two_stage_opamp.evaluate, TWO_STAGE_OPAMP.initial_input())).gain > 300


def test_a_worker_whose_memory_grew_too_much_is_recycled_after_its_call(sim_pool: SimulatorPool) -> None:
    recycled = replaced("recycled")
    pid = asyncio.run(sim_pool.run(hoard_memory, RECYCLE_GROWTH_BYTES + 2**20))  # the call itself succeeds
    wait_until_whole(sim_pool)
    assert pid not in sim_pool.pids()
    assert replaced("recycled") == recycled + 1


def test_a_worker_past_the_time_limit_is_killed_and_replaced(tmp_path: Path) -> None:
    # 2 s: the worker's first job imports this module, which took more than 0.5 s on a loaded machine
    settings = dataclasses.replace(Settings.from_env(), run_dir=tmp_path / "runs", sim_workers=1, sim_timeout_s=2.0)
    with SimulatorPool(settings) as pool:
        asyncio.run(pool.run(worker_pid))  # that import, which is no part of the limit
        timed_out = replaced("timed_out")
        started = time.monotonic()
        with pytest.raises(SimulationTimeout, match="2.0 s"):
            asyncio.run(pool.run(slow_simulation, tmp_path / "pid"))
        assert time.monotonic() - started < 8  # the sweep alone takes 13 s of CPU
        killed = int((tmp_path / "pid").read_text())
        deadline = time.monotonic() + 10
        while psutil.pid_exists(killed):  # until the pool has reaped it
            assert time.monotonic() < deadline, f"worker {killed} still there"
            time.sleep(0.01)
        assert asyncio.run(pool.run(two_stage_opamp.evaluate, TWO_STAGE_OPAMP.initial_input())).gain > 300
        assert pool.size == 1 and replaced("timed_out") == timed_out + 1

        async def give_up() -> None:  # the caller leaves (and its loop closes) long before the limit
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(pool.run(slow_simulation, tmp_path / "pid2"), 0.1)

        asyncio.run(give_up())
        deadline = time.monotonic() + 10
        while replaced("timed_out") < timed_out + 2:  # killed at the limit all the same
            assert time.monotonic() < deadline, "the abandoned job's worker was never killed"
            time.sleep(0.01)
        wait_until_whole(pool)
        assert int((tmp_path / "pid2").read_text()) not in pool.pids()
    assert not list((tmp_path / "runs").iterdir())  # every worker's directory removed with it


def test_a_worker_that_cannot_start_stops_the_pool_from_starting(tmp_path: Path) -> None:
    empty_card = tmp_path / "empty.sp"
    empty_card.write_text("* no models here\n")
    settings = dataclasses.replace(Settings.from_env(), model_path=empty_card, run_dir=tmp_path, sim_workers=1)
    with pytest.raises(WorkerStartError, match="SimulationFailed"):
        SimulatorPool(settings).start()


IMPORT_SCRIPT = """
import threading
import autockt_ckt.handlers as handlers
import psutil
from autockt_ckt.serving_pool import current_pool

assert handlers._local is None and current_pool() is None
assert "libngspice" not in open("/proc/self/maps").read(), "libngspice loaded"
assert not psutil.Process().children(), "a process started"
assert threading.active_count() == 1, threading.enumerate()
print("no work")
"""


def test_importing_the_handlers_does_no_work() -> None:
    """Not even reading the settings: a model card that does not exist is no error until a simulation needs it."""
    env = {**os.environ, "AUTOCKT_MODEL_PATH": "/nonexistent/card.sp"}
    done = subprocess.run([sys.executable, "-c", IMPORT_SCRIPT], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "no work\n"


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def test_a_worker_waiting_for_its_next_job_burns_no_cpu(sim_pool: SimulatorPool) -> None:
    """Between jobs a worker blocks on its pipe (no polling): an idle server leaves its cores to other work,
    and a job sent after the wait still runs."""

    async def calls() -> tuple[float, list[int]]:
        for _ in range(3):  # back to back, as a served client sends them
            await asyncio.gather(*(sim_pool.run(worker_pid) for _ in range(sim_pool.settings.sim_workers)))
        pids = sim_pool.pids()
        before = sum(cpu_seconds(pid) for pid in pids)
        await asyncio.sleep(1.0)
        idle = sum(cpu_seconds(pid) for pid in pids) - before
        return idle, sorted(await asyncio.gather(*(sim_pool.run(nap, 0.2) for _ in pids)))

    idle, served_by = asyncio.run(calls())
    assert idle < 0.05 and served_by == sorted(sim_pool.pids())


SERVER_PROGRAM = """
import asyncio, dataclasses, os, signal, sys, time

import deployed  # a module of this program, as start_server.py imports the server's

from autockt_ckt.pool import SimulatorPool
from autockt_ckt.settings import Settings


def version(sim):
    return sys.modules["deployed"].VERSION, os.getpid()


async def main():
    with SimulatorPool(dataclasses.replace(Settings.from_env(), sim_workers=1)) as pool:
        first, pid = await pool.run(version)
        with open("deployed.py", "w") as new:
            new.write("VERSION = 2\\n")  # the files change under the running server
        os.kill(pid, signal.SIGKILL)
        while True:  # the replacement's first job
            try:
                again, new_pid = await pool.run(version)
                break
            except Exception:
                time.sleep(0.1)
    print(first, again, new_pid != pid)


if __name__ == "__main__":
    asyncio.run(main())
"""


def test_a_replacement_worker_runs_the_code_the_server_started_with(tmp_path: Path) -> None:
    """Workers fork from a fork server that imported the program once, at the pool's start:
    a worker replaced after the program's files changed still runs what the server runs."""
    (tmp_path / "deployed.py").write_text("VERSION = 1\n")
    (tmp_path / "server.py").write_text(SERVER_PROGRAM)
    done = subprocess.run([sys.executable, "server.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1", "True"]
