"""Several servers and server faults, over real HTTP with real server processes killed for real.

Servers that die are `python -m tests.discovery.fault_server` processes (`ServerProcess`); their handlers record
every run with their pid in a directory, so a test sees which process ran what even after
that process died. The calls use `t_fault_echo`, an idempotent Rpc, unless a test is about
the others.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request

import discovery_client as dc
import discovery_server as ds
from discovery_server import free_port
from tests.discovery.fault_rpcs import RUNS_DIR_ENV, Done, Job, echo, once, once_idempotent
from tests.discovery.types import drawing, nested

ROOT = Path(__file__).resolve().parents[2]
RETRY = dc.RetryPolicy(deadline=20, backoff=0.05, max_backoff=0.5)  # bounded, and quick to notice a server is back

StartServer = Callable[..., ds.ServerProcess]


def start_servers(start_server: StartServer, count: int) -> list[ds.ServerProcess]:
    """`count` fault servers, started side by side (each takes about a second to import its stack)."""
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: start_server(), range(count)))


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    path = tmp_path / "runs"
    path.mkdir()
    return path


@pytest.fixture
def start_server(tmp_path: Path, runs: Path) -> Iterator[StartServer]:
    """`start_server(port=None)`: a fault server process on `port` (default: a free one), stopped after the test."""
    started: list[ds.ServerProcess] = []
    env = {**os.environ, RUNS_DIR_ENV: str(runs), "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}

    def start(port: int | None = None) -> ds.ServerProcess:
        port = port or free_port()
        argv = [sys.executable, "-m", "tests.discovery.fault_server", "--port", str(port)]
        server = ds.ServerProcess(argv, port=port, cwd=tmp_path, env=env)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.close()


def kill(server: ds.ServerProcess, sig: signal.Signals = signal.SIGKILL) -> None:
    """Send `sig` and wait until the process has exited (after SIGTERM: uvicorn's graceful shutdown)."""
    os.kill(server.pid, sig)
    deadline = time.monotonic() + 15
    while not _exited(server.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    server.close()  # reaps it


def _exited(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # a zombie has exited; close() reaps it


def ran(runs: Path, rpc_name: str) -> list[tuple[int, int]]:
    """(n, pid) of every run the servers recorded for the Rpc."""
    path = runs / rpc_name
    lines = path.read_text().splitlines() if path.exists() else []
    return [(int(n), int(pid)) for n, pid in (line.split() for line in lines)]


def test_several_urls_are_parsed_in_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THE_SERVER_URL", "sim1:8000, https://sim2:9000/ ,sim3:8000")
    assert dc.Config().resolved().base_urls == ("http://sim1:8000", "https://sim2:9000", "http://sim3:8000")
    assert dc.Config(server_url="a:1,b:2", enable_https=True).resolved().base_urls == ("https://a:1", "https://b:2")
    with pytest.raises(ValueError, match="names no server"):
        _ = dc.Config(server_url=" , ").resolved().base_urls


def test_calls_and_batch_items_are_spread_over_the_servers(serve: Callable[[FastAPI], ds.BackgroundServer]) -> None:
    apps = [ds.create_app(rpcs=[nested]) for _ in range(2)]
    paths: list[list[str]] = [[], []]
    for app, seen in zip(apps, paths, strict=True):
        app.middleware("http")(_recorder(seen))
    a, b = (serve(app) for app in apps)
    with dc.Client(dc.Config(server_url=f"{a.url},{b.url}", retry=RETRY)) as client:
        singles = [client.call(nested, drawing()) for _ in range(10)]
        batch = client.call_batch(nested, [drawing()] * 10).values()
    assert singles == batch == [nested(drawing())] * 10
    for seen in paths:  # round-robin, and one chunk of the batch each
        assert Counter(seen) == {"/rpcs": 1, "/t_nested": 5, "/t_nested/batch": 1}


def _recorder(seen: list[str]) -> Callable[..., Any]:
    async def record(request: Request, call_next: Callable[..., Any]) -> Any:
        seen.append(request.url.path)
        return await call_next(request)

    return record


def test_a_server_killed_mid_run_loses_no_call(start_server: StartServer, runs: Path) -> None:
    """Four threads make single and batch calls across two servers; one server is SIGKILLed
    while a batch chunk and single calls are in flight on it. Every call returns its result."""
    a, b = start_servers(start_server, 2)
    a_pid, b_pid = a.pid, b.pid
    config = dc.Config(server_url=f"{a.url},{b.url}", retry=RETRY)
    results: list[Done] = []
    errors: list[BaseException] = []

    with dc.Client(config) as client:

        def loop(first: int) -> None:
            try:
                for k in range(30):
                    n = first + 100 * k
                    if k % 5 == 4:  # a batch of 6; its items run 0.05 s each on the server
                        inputs = [Job(n=n + 10_000 * j, pause=0.05) for j in range(6)]
                        items = client.call_batch(echo, inputs)
                        results.extend(items.values())
                        assert [d.n for d in items.values()] == [i.n for i in inputs]
                    else:
                        done = client.call(echo, Job(n=n, pause=0.01))
                        assert done.n == n
                        results.append(done)
            except BaseException as err:  # noqa: BLE001 - any failure is the test's finding
                errors.append(err)

        threads = [threading.Thread(target=loop, args=(t,)) for t in range(4)]
        for thread in threads:
            thread.start()
        while len(results) < 40:
            time.sleep(0.005)
        kill(a)
        for thread in threads:
            thread.join(60)

    assert errors == []
    assert len(results) == 4 * (24 + 6 * 6)
    assert {d.pid for d in results} == {a_pid, b_pid}
    # Calls that reached the killed server and died with it were run again on the other one.
    ran_on_a = {n for n, pid in ran(runs, echo.name) if pid == a_pid}
    answered_by_a = {d.n for d in results if d.pid == a_pid}
    lost_with_a = ran_on_a - answered_by_a
    assert lost_with_a, "no call was in flight on the killed server; the test did not test the fault"
    assert all(d.pid == b_pid for d in results if d.n in lost_with_a)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_calls_ride_out_a_server_restart(start_server: StartServer, sig: signal.Signals) -> None:
    """A loop of calls across a kill and a restart on the same port 2 s later (about 3 s down): none raises."""
    server = start_server()
    port = int(server.url.rsplit(":", 1)[1])
    answers: list[Done] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def loop() -> None:
        with dc.Client(dc.Config(server_url=server.url, retry=RETRY)) as client:
            n = 0
            while not stop.is_set():
                try:
                    answers.append(client.call(echo, Job(n=n, pause=0.005)))
                except BaseException as err:  # noqa: BLE001
                    errors.append(err)
                n += 1

    caller = threading.Thread(target=loop)
    caller.start()
    time.sleep(0.5)
    first_pid = server.pid
    kill(server, sig)
    down_at = len(answers)
    time.sleep(2.0)
    restarted = start_server(port)
    time.sleep(0.5)
    stop.set()
    caller.join(30)
    assert errors == []
    assert [d.n for d in answers] == list(range(len(answers)))
    assert down_at > 10 and {d.pid for d in answers} == {first_pid, restarted.pid}


def test_async_client_fails_over_when_a_server_dies(start_server: StartServer) -> None:
    a, b = start_servers(start_server, 2)
    a_pid, b_pid = a.pid, b.pid

    async def run() -> tuple[list[Done], list[Done]]:
        async with dc.AsyncClient(dc.Config(server_url=f"{a.url},{b.url}", retry=RETRY)) as client:
            before = await asyncio.gather(*(client.call(echo, Job(n=i)) for i in range(8)))
            slow = asyncio.ensure_future(client.call_batch(echo, [Job(n=100 + i, pause=0.3) for i in range(4)]))
            await asyncio.sleep(0.15)  # both chunks are running, one on each server
            await asyncio.to_thread(kill, a)
            after = [*(await slow).values(), *await asyncio.gather(*(client.call(echo, Job(n=i)) for i in range(8)))]
            return before, after

    before, after = asyncio.run(run())
    assert {d.pid for d in before} == {a_pid, b_pid}
    assert {d.pid for d in after} == {b_pid}
    assert [d.n for d in after] == [100, 101, 102, 103, *range(8)]


def test_a_dropped_call_is_resent_only_if_its_rpc_is_idempotent(start_server: StartServer, runs: Path) -> None:
    """The first run of each `t_fault_once*` Rpc kills its own server from inside the handler
    (SIGKILL): the connection drops after the request reached the handler. A resend would run
    on another server and answer; for the non-idempotent Rpc there must be none."""
    a, b, c = start_servers(start_server, 3)
    with dc.Client(dc.Config(server_url=f"{a.url},{b.url},{c.url}", retry=RETRY)) as client:
        with pytest.raises(dc.ServerUnavailableError, match="not resent, as Rpc 't_fault_once' is not declared idempotent"):
            client.call(once, Job(n=1))
        assert len(ran(runs, once.name)) == 1  # never resent, though two servers were there to answer

        done = client.call(once_idempotent, Job(n=2))  # its first run kills the next server in turn
    (first, killed_pid), (second, answering_pid) = ran(runs, once_idempotent.name)
    assert (first, second, done.n) == (2, 2, 2)
    assert killed_pid != answering_pid == done.pid


def test_all_servers_down_waits_then_gives_up_at_the_deadline() -> None:
    started = time.monotonic()
    policy = dc.RetryPolicy(deadline=0.6, backoff=0.05, max_backoff=0.2)
    with dc.Client(dc.Config(server_url=f"127.0.0.1:{free_port()},127.0.0.1:{free_port()}", retry=policy)) as client:
        with pytest.raises(dc.ServerUnavailableError, match=r"within the retry deadline of 0.6 s \(last: ConnectError"):
            client.call(echo, Job(n=1))
    assert time.monotonic() - started >= 0.6
