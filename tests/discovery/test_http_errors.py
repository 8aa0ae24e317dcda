"""Every error type end to end: the server's JSON error shape and the client's typed exceptions."""

from __future__ import annotations

import time

import httpx
import pytest
from pydantic import BaseModel
from pydantic.dataclasses import dataclass
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import discovery_client as dc
import discovery_server as ds
from discovery_shared import ErrorBody, ErrorType, Rpc, registry
from tests.discovery.types import drawing, nested


class Order(BaseModel):
    qty: int
    item: str


@dataclass
class Msg:
    text: str


@pytest.fixture(scope="module")
def rpcs():
    order = Rpc("t_order", Order, Order, docstring="Fails on qty 13, sleeps on qty 99.")
    broken = Rpc("t_broken", Msg, Msg)

    @order.impl
    def place(o: Order) -> Order:
        if o.qty == 13:
            raise ArithmeticError("unlucky quantity")
        if o.qty == 99:
            time.sleep(2)
        return o

    @broken.impl
    def wrong_type(m: Msg) -> Msg:
        return {"not": "a Msg"}  # type: ignore[return-value]

    yield order, broken
    registry.remove("t_order")
    registry.remove("t_broken")


@pytest.fixture
def server(serve, rpcs):
    return serve(ds.create_app(ds.Config(handler_timeout=0.5), rpcs=[*rpcs, nested]))


@pytest.fixture
def client(server):
    with dc.Client(dc.Config(server_url=server.url, retry=dc.RetryPolicy(deadline=0))) as c:
        yield c


def _error(response: httpx.Response) -> ErrorBody:
    return ErrorBody.model_validate_json(response.content)


def test_invalid_input_is_422_naming_each_field(server, client, rpcs) -> None:
    order, _ = rpcs
    raw = httpx.post(f"{server.url}/t_order", json={"qty": "lots"})
    assert raw.status_code == 422
    body = _error(raw)
    assert body.type is ErrorType.VALIDATION
    assert {tuple(f["loc"]) for f in body.details["fields"]} == {("qty",), ("item",)}
    # Through the client: a value built without validation reaches the server, which refuses it.
    with pytest.raises(dc.ValidationError) as info, pytest.warns(UserWarning, match="serializer"):
        client.call(order, Order.model_construct(qty="lots", item="x"))
    assert [e.loc for e in info.value.errors] == [("qty",)]
    assert httpx.post(f"{server.url}/t_order", content=b"{not json").status_code == 422


def test_unknown_rpc_is_404(server, client) -> None:
    raw = httpx.post(f"{server.url}/t_nope", json={})
    assert raw.status_code == 404 and _error(raw).type is ErrorType.NOT_FOUND
    unknown = Rpc("t_nope", Msg, Msg)
    try:
        with pytest.raises(dc.NotFoundError, match="does not serve"):
            client.call(unknown, Msg(text="x"))
        with dc.Client(dc.Config(server_url=server.url, check_fingerprints=False)) as unchecked:
            with pytest.raises(dc.NotFoundError, match="GET /rpcs"):
                unchecked.call(unknown, Msg(text="x"))
    finally:
        registry.remove("t_nope")
    assert httpx.get(f"{server.url}/t_order").status_code == 405


def test_handler_exception_is_500_without_traceback(server, client, rpcs) -> None:
    order, broken = rpcs
    raw = httpx.post(f"{server.url}/t_order", json={"qty": 13, "item": "x"})
    assert raw.status_code == 500 and "Traceback" not in raw.text
    with pytest.raises(dc.RemoteError, match="unlucky quantity") as info:
        client.call(order, Order(qty=13, item="x"))
    assert info.value.remote_type == "ArithmeticError"
    with pytest.raises(dc.RemoteError, match="invalid Msg"):
        client.call(broken, Msg(text="x"))
    assert client.call(order, Order(qty=1, item="x")) == Order(qty=1, item="x")  # still serving


def test_handler_timeout_is_504(client, rpcs) -> None:
    order, _ = rpcs
    with pytest.raises(dc.RemoteTimeoutError, match="limit of 0.5 s"):
        client.call(order, Order(qty=99, item="x"))
    assert client.call(order, Order(qty=2, item="y")).qty == 2


def test_fingerprint_mismatch_is_refused(server) -> None:
    registry.remove("t_nested")

    @dataclass
    class Changed:
        name: str

    stale = Rpc("t_nested", Changed, Changed)
    try:
        with dc.Client(dc.Config(server_url=server.url)) as client:
            with pytest.raises(dc.SchemaMismatchError, match="different versions"):
                client.call(stale, Changed(name="x"))
    finally:
        registry.remove("t_nested")
        registry.add(nested)


def test_server_unavailable_after_retries() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connections are refused
        config = dc.Config(server_url=f"127.0.0.1:{port}", retry=dc.RetryPolicy(deadline=0.2, backoff=0.01, max_backoff=0.05))
        with dc.Client(config) as client:
            with pytest.raises(dc.ServerUnavailableError, match="no server answered within the retry deadline of 0.2 s"):
                client.call(nested, drawing())


def test_503_is_retried_and_4xx_is_not(serve) -> None:
    """A stand-in proxy (a real HTTP server) that fails with 503 twice before answering."""
    hits: list[str] = []

    async def rpcs(request):
        return JSONResponse([{"name": "t_nested", "fingerprint": nested.fingerprint}])

    async def call(request):
        hits.append("call")
        if len(hits) <= 2:
            return Response("busy", status_code=503)
        return Response(await request.body(), media_type="application/json")

    async def bad(request):
        hits.append("bad")
        return JSONResponse(ErrorBody(type=ErrorType.VALIDATION, message="no").model_dump(mode="json"), 422)

    proxy = serve(Starlette(routes=[Route("/rpcs", rpcs), Route("/t_nested", call, methods=["POST"])]))
    config = dc.Config(server_url=proxy.url, retry=dc.RetryPolicy(deadline=5, backoff=0.01))
    with dc.Client(config) as client:
        assert client.call(nested, drawing()) == drawing()
    assert hits == ["call"] * 3

    hits.clear()
    proxy = serve(Starlette(routes=[Route("/rpcs", rpcs), Route("/t_nested", bad, methods=["POST"])]))
    with dc.Client(dc.Config(server_url=proxy.url)) as client:
        with pytest.raises(dc.ValidationError):
            client.call(nested, drawing())
    assert hits == ["bad"]
