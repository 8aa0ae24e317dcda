"""What the client retries, for how long, and where it goes instead, against real servers on loopback.

The stand-in "proxies" are real HTTP servers (Starlette under uvicorn) that answer 502/503 the
way a reverse proxy or a draining server does.
"""

from __future__ import annotations

import time

import pytest
from pydantic.dataclasses import dataclass
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import discovery_client as dc
import discovery_server as ds
from discovery_shared import Rpc, registry
from tests.discovery.types import drawing, nested


@dataclass
class Tick:
    n: int


def stand_in(hits: list[float], answers: list[int], retry_after: str | None = None) -> Starlette:
    """A server serving `t_nested` whose k-th call answers status `answers[k]` (200: the echo), then 200."""

    async def rpcs(request: Request) -> Response:
        return JSONResponse([{"name": nested.name, "fingerprint": nested.fingerprint}])

    async def call(request: Request) -> Response:
        hits.append(time.monotonic())
        status = answers[len(hits) - 1] if len(hits) <= len(answers) else 200
        if status == 200:
            return Response(await request.body(), media_type="application/json")
        headers = {"Retry-After": retry_after} if retry_after else {}
        return Response("unavailable", status_code=status, headers=headers)

    return Starlette(routes=[Route("/rpcs", rpcs), Route(f"/{nested.name}", call, methods=["POST"])])


def test_503_retry_after_is_honoured(serve) -> None:
    hits: list[float] = []
    proxy = serve(stand_in(hits, [503], retry_after="1"))
    with dc.Client(dc.Config(server_url=proxy.url, retry=dc.RetryPolicy(deadline=10, backoff=0.01))) as client:
        assert client.call(nested, drawing()) == drawing()
    assert len(hits) == 2 and hits[1] - hits[0] >= 1.0


def test_deadline_zero_tries_once(serve) -> None:
    hits: list[float] = []
    proxy = serve(stand_in(hits, [503, 503]))
    with dc.Client(dc.Config(server_url=proxy.url, retry=dc.RetryPolicy(deadline=0))) as client:
        with pytest.raises(dc.ServerUnavailableError, match="last: HTTP 503 from"):
            client.call(nested, drawing())
    assert len(hits) == 1


def test_a_failing_server_is_failed_over_at_once_then_skipped(serve) -> None:
    """A 502 from one server sends the call to the other; the failed one sits out its back-off."""
    bad_hits: list[float] = []
    bad = serve(stand_in(bad_hits, [502] * 100))
    good = serve(ds.create_app(rpcs=[nested]))
    policy = dc.RetryPolicy(deadline=10, backoff=5, max_backoff=5)  # the 502 server sits out 2.5-5 s
    with dc.Client(dc.Config(server_url=f"{bad.url},{good.url}", retry=policy)) as client:
        for _ in range(6):
            assert client.call(nested, drawing()) == nested(drawing())  # the real server mirrors; the stand-in echoes
    assert len(bad_hits) == 1


def test_handler_errors_are_not_retried(serve) -> None:
    runs: list[int] = []
    tick = Rpc("t_retry_tick", Tick, Tick, idempotent=True)
    try:

        @tick.impl
        def fail(t: Tick) -> Tick:
            runs.append(t.n)
            raise RuntimeError("no")

        server = serve(ds.create_app(rpcs=[tick]))
        with dc.Client(dc.Config(server_url=server.url)) as client:  # the default 60 s deadline
            with pytest.raises(dc.RemoteError, match="RuntimeError: no"):
                client.call(tick, Tick(n=1))
    finally:
        registry.remove(tick.name)
    assert runs == [1]


def test_no_answer_within_the_client_timeout_is_not_resent(serve) -> None:
    runs: list[int] = []
    slow = Rpc("t_retry_slow", Tick, Tick, idempotent=True)
    try:

        @slow.impl
        def nap(t: Tick) -> Tick:
            runs.append(t.n)
            time.sleep(1.0)
            return t

        server = serve(ds.create_app(rpcs=[slow]))
        with dc.Client(dc.Config(server_url=server.url, timeout=0.3)) as client:
            with pytest.raises(dc.RemoteTimeoutError, match="no answer within the client's timeout of 0.3 s"):
                client.call(slow, Tick(n=1))
    finally:
        registry.remove(slow.name)
    assert runs == [1]


def test_policy_values_are_checked() -> None:
    with pytest.raises(ValueError, match="deadline must be >= 0"):
        dc.RetryPolicy(deadline=-1)
    with pytest.raises(ValueError, match="backoff <= max_backoff"):
        dc.RetryPolicy(backoff=3, max_backoff=1)
    with pytest.raises(ValueError, match="max_batch must be at least 1"):
        dc.Config(max_batch=0)
