"""Batch calls from the client over real HTTP: mixed good and bad items, chunking, several servers."""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Callable

import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

import discovery_client as dc
import discovery_server as ds
from discovery_shared import BatchError, BatchResult, Rpc, RpcDefinitionError, WireValidationError, registry
from tests.discovery.types import drawing, nested


class Order(BaseModel):
    qty: int
    item: str


@pytest.fixture(scope="module")
def order():
    order = Rpc("t_batch_order", Order, Order, docstring="Fails on qty 13.")

    @order.impl
    def place(o: Order) -> Order:
        if o.qty == 13:
            raise ArithmeticError("unlucky quantity")
        return Order(qty=o.qty * 2, item=o.item)

    yield order
    registry.remove(order.name)


def counted(app: FastAPI) -> list[tuple[str, int]]:
    """Record (path, number of items) of every batch request the app receives."""
    seen: list[tuple[str, int]] = []

    @app.middleware("http")
    async def record(request: Request, call_next):
        if request.url.path.endswith("/batch"):
            seen.append((request.url.path, len(json.loads(await request.body()))))
        return await call_next(request)

    return seen


def mixed_inputs() -> list[object]:
    """Good items, a handler error, an input only the server refuses, one the client refuses."""
    return [
        Order(qty=1, item="a"),
        Order(qty=13, item="b"),  # the handler raises
        Order.model_construct(qty="lots", item="c"),  # unvalidated: the server refuses it (422)
        {"qty": "many"},  # refused here, never sent
        {"qty": 4, "item": "d"},  # a dict validated into an Order
    ]


def single_outcome(client: dc.Client, rpc: Rpc, inp: object) -> tuple[type, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydantic warns about serializing the unvalidated input
        try:
            return type(client.call(rpc, inp)), ""
        except Exception as err:  # noqa: BLE001 - the exception a single call raises is what we compare
            return type(err), str(err)


def check_mixed(result: BatchResult[Order]) -> None:
    assert len(result) == 5 and not result.ok
    assert [item.ok for item in result] == [True, False, False, False, True]
    assert result[0].value == Order(qty=2, item="a") and result[4].value == Order(qty=8, item="d")
    assert set(result.failures) == {1, 2, 3}
    assert isinstance(result.failures[1], dc.RemoteError) and result.failures[1].remote_type == "ArithmeticError"
    invalid = result.failures[2]
    assert isinstance(invalid, dc.ValidationError) and invalid.status_code == 422
    assert [e.loc for e in invalid.errors] == [("qty",)] and invalid.body.details["index"] == 2
    assert isinstance(result.failures[3], WireValidationError)
    with pytest.raises(dc.RemoteError, match="unlucky quantity"):
        _ = result[1].value
    with pytest.raises(BatchError, match=r"3 of 5 items .* failed \(first: item 1: RemoteError"):
        result.values()


def test_mixed_items_fail_each_as_a_single_call_would(serve, order) -> None:
    server = serve(ds.create_app(rpcs=[order]))
    inputs = mixed_inputs()
    with dc.Client(dc.Config(server_url=server.url)) as client:
        with pytest.warns(UserWarning, match="serializer"):  # pydantic warns about the unvalidated input
            result = client.call_batch(order, inputs)
        check_mixed(result)
        singles = [single_outcome(client, order, inp) for inp in inputs]
    for item, (kind, message) in zip(result, singles, strict=True):
        if item.ok:
            assert kind is Order
        else:
            assert type(item.error) is kind
            assert str(item.error).split(":")[0] == message.split(":")[0]  # both name the Rpc
    assert str(result.failures[1]) == singles[1][1]  # the same words as the single call


def test_async_client_batch(serve, order) -> None:
    server = serve(ds.create_app(rpcs=[order]))

    async def run() -> tuple[BatchResult[Order], BatchResult[Order]]:
        async with dc.AsyncClient(dc.Config(server_url=server.url)) as client:
            with pytest.warns(UserWarning, match="serializer"):
                return await asyncio.gather(client.call_batch(order, mixed_inputs()), client.call_batch(order, []))

    mixed, empty = asyncio.run(run())
    check_mixed(mixed)
    assert len(empty) == 0 and empty.values() == []


def test_rpc_batch_after_client_start(serve, order) -> None:
    app = ds.create_app(rpcs=[order, nested])
    seen = counted(app)
    server = serve(app)
    inputs = [Order(qty=n, item="x") for n in (1, 2, 13, 3)]
    local = order.batch(inputs)  # no client: in-process, through the handler
    dc.configure(dc.Config(server_url=server.url))
    dc.client_start()
    try:
        remote = order.batch(inputs)
        drawings = nested.batch([drawing(), drawing()]).values()
    finally:
        dc.client_stop()
    assert seen == [("/t_batch_order/batch", 4), ("/t_nested/batch", 2)]
    assert [i.value for i in remote if i.ok] == [i.value for i in local if i.ok]
    assert set(remote.failures) == set(local.failures) == {2}
    assert drawings == [nested(drawing())] * 2  # floats, bytes, enums and tuples survive the batch answer


def test_costly_inputs_travel_fewer_to_a_request_within_max_batch_cost(serve) -> None:
    """A design at 17 corners costs 17 simulations (`Rpc.cost`): a request carries at most
    `Config.max_batch_cost` of them, an input costing more travels alone."""
    costly = Rpc("t_batch_costly", Order, Order, cost=lambda o: o.qty)

    @costly.impl
    def place(o: Order) -> Order:
        return o

    try:
        app = ds.create_app(ds.Config(max_batch=8), rpcs=[costly])
        seen = counted(app)
        server = serve(app)
        with dc.Client(dc.Config(server_url=server.url, max_batch=8, max_batch_cost=6)) as client:
            even = [Order(qty=3, item=str(n)) for n in range(10)]
            assert [o.item for o in client.call_batch(costly, even).values()] == [str(n) for n in range(10)]
            assert [n for _, n in seen] == [2] * 5  # 30 of work: 5 requests of 6, not 2 of 8 items
            seen.clear()
            uneven = [Order(qty=q, item=str(q)) for q in (1, 1, 9, 1, 2, 2, 2)]
            assert [o.qty for o in client.call_batch(costly, uneven).values()] == [1, 1, 9, 1, 2, 2, 2]
            assert sorted(n for _, n in seen) == [1, 2, 2, 2]  # 18 of work: 9 alone, the rest within 6 each
        with pytest.raises(ValueError, match="max_batch_cost must be at least 1"):
            dc.Config(max_batch_cost=0)
        broken = Rpc("t_batch_costless", Order, Order, cost=lambda o: 0)
        with pytest.raises(RpcDefinitionError, match="cost must be an int of at least 1"):
            broken.cost_of(Order(qty=1, item="x"))
    finally:
        registry.remove("t_batch_costly")
        registry.remove("t_batch_costless")


def test_long_batches_travel_in_chunks_of_max_batch(serve, order) -> None:
    app = ds.create_app(ds.Config(max_batch=4), rpcs=[order])
    seen = counted(app)
    server = serve(app)
    inputs = [Order(qty=n, item=str(n)) for n in range(10)]
    with dc.Client(dc.Config(server_url=server.url, max_batch=4)) as client:
        result = client.call_batch(order, inputs)
        assert [o.qty for o in result.values()] == [2 * n for n in range(10)]
        assert sorted(n for _, n in seen) == [3, 3, 4]  # ceil(10 / 4) = 3 requests, evenly filled

        seen.clear()
        with dc.Client(dc.Config(server_url=server.url, max_batch=5)) as too_big:  # more than the server takes
            with pytest.raises(dc.ValidationError, match="at most 4 .*Config.max_batch"):
                too_big.call_batch(order, inputs[:5])
    assert seen == [("/t_batch_order/batch", 5)]  # a request-level error raises and is not retried


def test_a_request_level_failure_raises_as_a_single_call_would(serve, order) -> None:
    server = serve(ds.create_app(rpcs=[nested]))  # serves no t_batch_order
    with dc.Client(dc.Config(server_url=server.url)) as client:
        with pytest.raises(dc.NotFoundError, match="does not serve Rpc 't_batch_order'"):
            client.call_batch(order, [Order(qty=1, item="a")])


def test_batch_items_are_split_across_servers(serve: Callable[[FastAPI], ds.BackgroundServer], order) -> None:
    apps = [ds.create_app(rpcs=[order]) for _ in range(2)]
    seen = [counted(app) for app in apps]
    servers = [serve(app) for app in apps]
    urls = ",".join(s.url for s in servers)
    inputs = [Order(qty=n, item="x") for n in range(9)]
    with dc.Client(dc.Config(server_url=urls)) as client:
        assert [o.qty for o in client.call_batch(order, inputs).values()] == [2 * n for n in range(9)]
    assert sorted(n for s in seen for _, n in s) == [4, 5] and all(len(s) == 1 for s in seen)

    async def run() -> list[Order]:
        async with dc.AsyncClient(dc.Config(server_url=urls, max_batch=2)) as client:
            return (await client.call_batch(order, inputs)).values()

    for s in seen:
        s.clear()
    assert [o.qty for o in asyncio.run(run())] == [2 * n for n in range(9)]
    # ceil(9 / 2) = 5 chunks, made 6 so that the two lanes send as many, taking turns on the servers
    assert sorted(n for s in seen for _, n in s) == [1, 1, 1, 2, 2, 2] and [len(s) for s in seen] == [3, 3]
