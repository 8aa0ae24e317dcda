"""Graceful drain: on a real SIGTERM the server stops taking calls (503, Retry-After), finishes the
calls in flight, then exits; `/healthz` and `/readyz` tell a load balancer which is which."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

import discovery_client as dc
import discovery_server as ds
from discovery_shared import ErrorBody, ErrorType
from tests.discovery.fault_rpcs import RUNS_DIR_ENV, Done, Job, echo
from tests.reliability.conftest import ROOT
from tests.reliability.rpcs import slow_async


def _fault_server(runs: Path, *flags: str) -> ds.ServerProcess:
    port = ds.free_port()
    argv = [sys.executable, "-m", "tests.discovery.fault_server", "--host", "127.0.0.1", "--port", str(port), *flags]
    env = {**os.environ, RUNS_DIR_ENV: str(runs), "PYTHONPATH": str(ROOT)}
    return ds.ServerProcess(argv, port=port, cwd=ROOT, env=env)


def _wait_for_run(runs: Path, rpc: str) -> None:
    deadline = time.monotonic() + 20
    while not (runs / rpc).exists():
        assert time.monotonic() < deadline, "the call never reached its handler"
        time.sleep(0.01)


def _exit_code(server: ds.ServerProcess, timeout: float) -> int:
    proc = server._proc
    assert proc is not None
    return proc.wait(timeout)


def test_sigterm_finishes_the_call_in_flight_and_refuses_new_ones(tmp_path: Path) -> None:
    server = _fault_server(tmp_path, "--drain-timeout", "20").start()
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            in_flight = pool.submit(httpx.post, f"{server.url}/{echo.name}", json={"n": 1, "pause": 2.0}, timeout=30)
            _wait_for_run(tmp_path, echo.name)
            os.kill(server.pid, signal.SIGTERM)  # a real signal to a real server process
            time.sleep(0.3)  # the signal is handled at once; the call has more than a second to go
            refused = httpx.post(f"{server.url}/{echo.name}", json={"n": 2}, timeout=10)
            ready = httpx.get(f"{server.url}/readyz", timeout=10)
            alive = httpx.get(f"{server.url}/healthz", timeout=10)
            answer = in_flight.result()
        assert answer.status_code == 200 and Done.__pydantic_validator__.validate_json(answer.content).n == 1
        assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
        assert refused.headers["connection"] == "close"
        body = ErrorBody.model_validate_json(refused.content)
        assert body.type is ErrorType.UNAVAILABLE and body.details["reason"] == "draining"
        assert ready.status_code == 503 and ready.json()["details"]["reason"] == "draining"
        assert alive.status_code == 200
        assert _exit_code(server, timeout=10) == 0  # it exits by itself once the call is done
        assert (tmp_path / echo.name).read_text().count("\n") == 1  # the refused call never ran
    finally:
        server.close()


def test_a_client_rides_out_a_drain_on_the_other_server(tmp_path: Path) -> None:
    a, b = _fault_server(tmp_path, "--drain-timeout", "20").start(), _fault_server(tmp_path).start()
    try:
        config = dc.Config(server_url=f"{a.url},{b.url}", retry=dc.RetryPolicy(deadline=30, backoff=0.05))
        with dc.Client(config) as client, concurrent.futures.ThreadPoolExecutor(1) as pool:
            slow = pool.submit(client.call, echo, Job(n=100, pause=2.0))
            _wait_for_run(tmp_path, echo.name)
            os.kill(a.pid, signal.SIGTERM)
            answers = [client.call(echo, Job(n=n)) for n in range(20)]  # during the drain, and after a is gone
            assert slow.result().n == 100
        assert [d.n for d in answers] == list(range(20))
        assert _exit_code(a, timeout=10) == 0
        assert {d.pid for d in answers[5:]} == {b.pid}
    finally:
        a.close()
        b.close()


def test_the_drain_is_bounded_by_drain_timeout(serve) -> None:
    app = ds.create_app(ds.Config(drain_timeout=0.5), rpcs=[slow_async])
    server = ds.BackgroundServer(app, drain_timeout=0.5).start()
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            stuck = pool.submit(httpx.post, f"{server.url}/{slow_async.name}", json={"seconds": 60}, timeout=30)
            time.sleep(0.3)
            started = time.monotonic()
            server.drain()
            while server.running:
                assert time.monotonic() - started < 10, "the server outlived its drain timeout"
                time.sleep(0.05)
            cut_off = stuck.result()
        assert cut_off.status_code == 504
        body = ErrorBody.model_validate_json(cut_off.content)
        assert body.type is ErrorType.TIMEOUT and body.details == {"drain_timeout": 0.5} and "cut off" in body.message
    finally:
        server.close()


def test_readyz_asks_the_apps_readiness_check(serve) -> None:
    verdicts: list[object] = ["2 of 4 simulator workers warm"]

    def readiness() -> bool | str:
        verdict = verdicts[-1]
        if isinstance(verdict, Exception):
            raise verdict
        return verdict  # type: ignore[return-value]

    server = serve(ds.create_app(ds.Config(readiness=readiness), rpcs=[slow_async]))
    not_ready = httpx.get(f"{server.url}/readyz")
    assert not_ready.status_code == 503 and not_ready.headers["retry-after"] == "1"
    assert not_ready.json()["message"] == "not ready: 2 of 4 simulator workers warm"
    verdicts.append(RuntimeError("pool closed"))
    assert "RuntimeError: pool closed" in httpx.get(f"{server.url}/readyz").json()["details"]["reason"]
    verdicts.append(False)
    assert httpx.get(f"{server.url}/readyz").status_code == 503
    verdicts.append(True)
    assert httpx.get(f"{server.url}/readyz").json() == {"status": "ready"}
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    assert httpx.post(f"{server.url}/{slow_async.name}", json={"seconds": 0}).json() == {"seconds": 0.0, "n": 0}
    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a call in flight keeps the draining server up
        busy = pool.submit(httpx.post, f"{server.url}/{slow_async.name}", json={"seconds": 1.0}, timeout=30)
        time.sleep(0.3)
        server.drain()
        assert httpx.get(f"{server.url}/readyz").json()["details"]["reason"] == "draining"
        assert busy.result().status_code == 200


def test_a_server_that_cannot_bind_exits_with_an_error() -> None:
    with ds.BackgroundServer(ds.create_app(rpcs=[slow_async])) as taken:
        argv = [sys.executable, str(ROOT / "Example/scripts/start_server.py"), "--host", "127.0.0.1", "--port", str(taken.port)]
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, timeout=60)
    assert done.returncode != 0
