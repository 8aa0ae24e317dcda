"""`POST /{rpc}/batch` over real HTTP: per-item results and errors, concurrency, limits, OpenAPI."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from pydantic import BaseModel

import discovery_client as dc
import discovery_server as ds
from discovery_shared import ErrorBody, ErrorType, FieldError, Rpc, WireValidationError, registry


class Order(BaseModel):
    qty: int
    item: str


class Rendezvous:
    """Lets `parties` handlers through only once all of them are running at the same time."""

    def __init__(self, parties: int) -> None:
        self.parties = parties
        self.barrier = threading.Barrier(parties, timeout=10)
        self.entered = 0
        self.all_in = asyncio.Event()


RENDEZVOUS = Rendezvous(1)


def place(o: Order) -> Order:
    if o.qty == 13:
        raise ArithmeticError("unlucky quantity")
    if o.item == "unobtainium":  # invalid beyond what the type says: the handler refuses it, naming the field
        raise WireValidationError(Order, [FieldError(loc=("item",), msg="no such item in stock", type="value_error")])
    if o.qty == 99:
        time.sleep(2)
    if o.qty == 7:
        RENDEZVOUS.barrier.wait()  # raises BrokenBarrierError unless all parties run at once
    if o.qty == 3:
        time.sleep(0.3)
    return Order(qty=o.qty, item=o.item.upper())


async def place_async(o: Order) -> Order:
    if o.qty == 13:
        raise ArithmeticError("unlucky quantity")
    if o.qty == 7:
        RENDEZVOUS.entered += 1
        if RENDEZVOUS.entered == RENDEZVOUS.parties:
            RENDEZVOUS.all_in.set()
        await asyncio.wait_for(RENDEZVOUS.all_in.wait(), 10)
    return Order(qty=o.qty, item=o.item.upper())


@pytest.fixture(scope="module")
def rpcs():
    sync = Rpc("t_batch_sync", Order, Order, docstring="Upper-case the item; qty 13 raises, 99 sleeps 2 s, 3 sleeps 0.3 s.")
    asynchronous = Rpc("t_batch_async", Order, Order, docstring="Upper-case the item, async; qty 13 raises.")
    sync.impl(place)
    asynchronous.impl(place_async)
    yield {"sync": sync, "async": asynchronous}
    registry.remove("t_batch_sync")
    registry.remove("t_batch_async")


@pytest.fixture
def server(serve, rpcs):
    return serve(ds.create_app(ds.Config(handler_timeout=1.0, max_batch=8), rpcs=rpcs.values()))


def batch(server: ds.BackgroundServer, rpc: Rpc, body: object) -> httpx.Response:
    return httpx.post(f"{server.url}/{rpc.name}/batch", json=body, timeout=30)


def order(qty: int, item: str = "bolt") -> dict[str, object]:
    return {"qty": qty, "item": item}


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_mixed_items_each_answer_on_their_own(server, rpcs, kind: str) -> None:
    rpc = rpcs[kind]
    response = batch(server, rpc, [order(1), {"qty": "lots", "item": "nut"}, order(13), order(2, "nut")])
    assert response.status_code == 200
    good, invalid, raised, other = response.json()
    assert good == {"result": {"qty": 1, "item": "BOLT"}} and other == {"result": {"qty": 2, "item": "NUT"}}

    invalid = ErrorBody.model_validate(invalid["error"])
    assert invalid.type is ErrorType.VALIDATION and invalid.details["index"] == 1
    assert [tuple(f["loc"]) for f in invalid.details["fields"]] == [("qty",)]
    assert invalid.message.startswith("item 1: invalid Order") and "qty" in invalid.message

    raised = ErrorBody.model_validate(raised["error"])
    assert raised.type is ErrorType.HANDLER_ERROR and "unlucky quantity" in raised.message
    assert raised.details == {"exception": "ArithmeticError"} and "Traceback" not in response.text


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_items_answer_exactly_what_single_calls_answer(server, rpcs, kind: str) -> None:
    rpc = rpcs[kind]
    inputs = [order(4, "washer"), {"qty": 5, "item": "é ü"}, {"item": "missing qty"}]
    items = batch(server, rpc, inputs).json()
    for inp, item in zip(inputs, items, strict=True):
        single = httpx.post(f"{server.url}/{rpc.name}", json=inp)
        if single.status_code == 200:
            assert item == {"result": single.json()}
        else:
            assert {k: v for k, v in item["error"]["details"].items() if k != "index"} == single.json()["details"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_items_run_concurrently(server, rpcs, kind: str) -> None:
    global RENDEZVOUS
    RENDEZVOUS = Rendezvous(4)  # each item waits until all four run at once: sequential items would fail
    items = batch(server, rpcs[kind], [order(7, str(i)) for i in range(4)]).json()
    assert items == [{"result": order(7, str(i))} for i in range(4)]


def test_the_time_limit_applies_to_each_item(server, rpcs) -> None:
    items = batch(server, rpcs["sync"], [order(99), order(1)]).json()
    timeout = ErrorBody.model_validate(items[0]["error"])
    assert timeout.type is ErrorType.TIMEOUT and "limit of 1.0 s" in timeout.message
    assert items[1] == {"result": order(1, "BOLT")}


def test_items_waiting_for_a_thread_are_not_timed_out_for_waiting(serve, rpcs) -> None:
    """One thread, three items of 0.3 s each, a limit of 0.5 s per item: 0.9 s in all, and no item past its limit."""
    server = serve(ds.create_app(ds.Config(handler_timeout=0.5, max_threads=1), rpcs=[rpcs["sync"]]))
    items = batch(server, rpcs["sync"], [order(3, str(i)) for i in range(3)]).json()
    assert items == [{"result": order(3, str(i))} for i in range(3)]


def test_an_input_the_handler_refuses_as_invalid_is_422_naming_the_field(server, rpcs) -> None:
    single = httpx.post(f"{server.url}/t_batch_sync", json=order(1, "unobtainium"))
    assert single.status_code == 422
    body = ErrorBody.model_validate(single.json())
    assert body.type is ErrorType.VALIDATION and "no such item in stock" in body.message
    assert body.details["fields"] == [{"loc": ["item"], "msg": "no such item in stock", "type": "value_error"}]
    items = batch(server, rpcs["sync"], [order(1), order(1, "unobtainium")]).json()
    assert items[1]["error"]["details"] == {"index": 1, **body.details} and items[0] == {"result": order(1, "BOLT")}


def test_more_items_than_max_batch_is_422_naming_the_body(server, rpcs) -> None:
    """The schema's `maxItems` violated: a validation answer, as for any request the schema rules out."""
    response = batch(server, rpcs["sync"], [order(1)] * 9)
    assert response.status_code == 422
    body = ErrorBody.model_validate(response.json())
    assert body.type is ErrorType.VALIDATION and body.details["max_batch"] == 8
    assert [(f["loc"], f["type"]) for f in body.details["fields"]] == [([], "too_long")]
    assert "at most 8" in body.message and "not 9" in body.message and "Config.max_batch" in body.message
    assert len(batch(server, rpcs["sync"], [order(1)] * 8).json()) == 8


@pytest.mark.parametrize(
    "body, reason",
    [(b'{"qty": 1, "item": "x"}', "valid array"), (b"[1, 2", "Invalid JSON"), (b"", "Invalid JSON")],
    ids=["object", "truncated", "empty"],
)
def test_a_body_that_is_no_json_array_is_422(server, rpcs, body: bytes, reason: str) -> None:
    response = httpx.post(f"{server.url}/t_batch_sync/batch", content=body)
    assert response.status_code == 422
    error = ErrorBody.model_validate(response.json())
    assert error.type is ErrorType.VALIDATION and "must be a JSON array of Order inputs" in error.message
    assert reason in error.message and error.details["fields"][0]["loc"] == []


def test_items_that_are_no_object_fail_alone_and_an_empty_batch_is_empty(server, rpcs) -> None:
    items = batch(server, rpcs["sync"], [3, order(1)]).json()
    assert items[0]["error"]["details"]["index"] == 0 and items[1] == {"result": order(1, "BOLT")}
    assert batch(server, rpcs["sync"], []).json() == []


def test_per_minute_limit_counts_each_item(serve, rpcs) -> None:
    config = ds.Config(limits=ds.UserLimits(calls_per_minute=5))  # limits apply to NoAuth's anonymous caller too
    server = serve(ds.create_app(config, rpcs=[rpcs["sync"]]))
    assert batch(server, rpcs["sync"], [order(1)] * 3).status_code == 200
    refused = batch(server, rpcs["sync"], [order(1)] * 3)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    too_big = batch(server, rpcs["sync"], [order(1)] * 6)
    assert too_big.status_code == 413 and "limit of 5 calls per minute" in too_big.json()["message"]
    assert batch(server, rpcs["sync"], [order(1)] * 2).status_code == 200  # 5 of 5


def test_client_call_batch(server, rpcs) -> None:
    with dc.Client(dc.Config(server_url=server.url)) as client:
        result = client.call_batch(rpcs["async"], [Order(qty=1, item="a"), Order(qty=13, item="b")])
    assert result[0].value == Order(qty=1, item="A")
    assert not result[1].ok and "unlucky quantity" in str(result[1].error)


def test_openapi_documents_the_batch_route(server, rpcs) -> None:
    doc = httpx.get(f"{server.url}/openapi.json").json()
    op = doc["paths"]["/t_batch_sync/batch"]["post"]
    request = op["requestBody"]["content"]["application/json"]["schema"]
    assert request["type"] == "array" and request["maxItems"] == 8
    inp, other = request["items"]["anyOf"]  # an item that is no input is answered as its own error, not refused
    assert set(inp["properties"]) == {"qty", "item"} and other.keys() == {"description"}
    answer = op["responses"]["200"]["content"]["application/json"]["schema"]
    result, error = answer["items"]["oneOf"]
    assert set(result["properties"]["result"]["properties"]) == {"qty", "item"}
    assert error["properties"]["error"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert {"413", "422"} <= set(op["responses"]) and op["x-discovery-fingerprint"] == rpcs["sync"].fingerprint
    assert doc["paths"]["/t_batch_sync"]["post"]["description"] == rpcs["sync"].docstring
