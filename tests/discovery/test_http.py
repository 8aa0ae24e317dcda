"""Client and server over real HTTP on loopback: round trips, built-in routes, OpenAPI, connections."""

from __future__ import annotations

import asyncio
import threading

import pytest
from pydantic.dataclasses import dataclass

import discovery_client as dc
import discovery_server as ds
from discovery_shared import Rpc, registry
from tests.discovery.types import Drawing, drawing, nested


@pytest.fixture
def server(serve):
    return serve(ds.create_app(rpcs=[nested]))


def test_nested_round_trip_with_a_client(server) -> None:
    with dc.Client(dc.Config(server_url=server.url)) as client:
        out = client.call(nested, drawing())
    assert out == nested(drawing())  # remote equals in-process
    assert out.corners[0].x == -(0.1 + 0.2) and out.blobs[0].data == bytes(range(256))


def test_module_level_client_makes_rpcs_remote(server) -> None:
    dc.configure(dc.Config(server_url=server.url))
    client = dc.client_start()
    try:
        assert registry.remote is client
        assert nested(drawing()) == client.call(nested, drawing())
    finally:
        dc.client_stop()
    assert registry.remote is None


def test_async_client_runs_calls_concurrently(server) -> None:
    async def many() -> list[Drawing]:
        async with dc.AsyncClient(dc.Config(server_url=server.url)) as client:
            return await asyncio.gather(*(client.call(nested, drawing()) for _ in range(20)))

    assert asyncio.run(many()) == [nested(drawing())] * 20


def test_one_tcp_connection_serves_many_calls(serve) -> None:
    app = ds.create_app(rpcs=[nested])
    peers: set[tuple[str, int]] = set()

    @app.middleware("http")
    async def record_peer(request, call_next):
        peers.add((request.client.host, request.client.port))
        return await call_next(request)

    server = serve(app)
    with dc.Client(dc.Config(server_url=server.url)) as client:
        for _ in range(50):
            client.call(nested, drawing())
    assert len(peers) == 1


def test_builtin_routes(server) -> None:
    import httpx

    assert httpx.get(f"{server.url}/").json() == {"status": "ok"}
    versions = httpx.get(f"{server.url}/version").json()
    assert "cktgym-discovery-server" in versions and "python" in versions
    (info,) = httpx.get(f"{server.url}/rpcs").json()
    assert info["name"] == "t_nested" and info["fingerprint"] == nested.fingerprint
    assert info["docstring"] == nested.docstring


def test_openapi_shows_real_schemas_and_docstrings(server) -> None:
    import httpx

    doc = httpx.get(f"{server.url}/openapi.json").json()
    op = doc["paths"]["/t_nested"]["post"]
    assert op["description"] == nested.docstring
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == {"name", "shape", "corners", "span", "blobs", "count"}
    schemas = doc["components"]["schemas"]
    assert {"Point", "Blob", "Shape", "ErrorBody"} <= set(schemas)
    assert schemas["Blob"]["properties"]["data"]["contentEncoding"] == "base64"
    assert httpx.get(f"{server.url}/docs").status_code == 200


@dataclass
class Gate:
    label: str


def test_sync_handlers_do_not_block_the_event_loop(serve) -> None:
    entered, release = threading.Event(), threading.Event()
    gate = Rpc("t_gate", Gate, Gate)
    try:

        @gate.impl
        def wait(g: Gate) -> Gate:
            entered.set()
            release.wait(10)
            return g

        server = serve(ds.create_app(rpcs=[gate]))
        with dc.Client(dc.Config(server_url=server.url)) as client:
            result: list[Gate] = []
            caller = threading.Thread(target=lambda: result.append(client.call(gate, Gate(label="x"))))
            caller.start()
            assert entered.wait(10)
            import httpx

            assert httpx.get(f"{server.url}/", timeout=5).status_code == 200  # answered while the handler blocks
            release.set()
            caller.join(10)
        assert result == [Gate(label="x")]
    finally:
        registry.remove("t_gate")


def test_unimplemented_rpcs_are_skipped_with_a_warning(caplog) -> None:
    bare = Rpc("t_bare", Gate, Gate)
    try:
        with caplog.at_level("WARNING", logger="discovery_server"):
            app = ds.create_app(rpcs=[bare, nested])
        assert "t_bare" in caplog.text
        assert {r.path for r in app.routes} >= {"/t_nested"} and "/t_bare" not in {r.path for r in app.routes}
    finally:
        registry.remove("t_bare")
