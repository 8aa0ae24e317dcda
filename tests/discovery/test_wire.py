"""What travels over the wire: a request and a response each in one write (one segment), the client's
lean transport keeping, replacing and reopening its connections, cookies, and when it steps aside."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

import discovery_client as dc
import discovery_server as ds
from discovery_client.exchange import direct
from tests.discovery.types import drawing, nested

ANSWER = nested.return_codec.encode(nested(drawing()))


def _response(body: bytes, *headers: bytes) -> bytes:
    head = [b"HTTP/1.1 200 OK", b"content-type: application/json", b"content-length: %d" % len(body), *headers]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def _complete(data: bytes) -> bool:
    """Whether `data` holds a whole HTTP message: its head and as many body bytes as its Content-Length says."""
    head, blank, body = data.partition(b"\r\n\r\n")
    if not blank:
        return False
    lengths = [line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
    return len(body) == (int(lengths[0]) if lengths else 0)


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket, list[bytes]], None]], tuple[str, list[bytes]]]]:
    """`url, first_reads = raw_server(answer)`: a loopback socket server in a thread; `answer(connection, first_reads)`
    runs for each connection accepted (at most a few), with what the first recv of each request is appended to."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    threads: list[threading.Thread] = []

    def start(answer: Callable[[socket.socket, list[bytes]], None]) -> tuple[str, list[bytes]]:
        first_reads: list[bytes] = []

        def accept() -> None:
            for _ in range(3):
                try:
                    connection, _ = listener.accept()
                except OSError:  # closed, or no more connections within the timeout
                    return
                with connection:
                    connection.settimeout(10)
                    answer(connection, first_reads)

        threads.append(threading.Thread(target=accept, daemon=True))
        threads[-1].start()
        return f"127.0.0.1:{listener.getsockname()[1]}", first_reads

    yield start
    listener.shutdown(socket.SHUT_RDWR)  # wakes an accept() still waiting for a connection that will not come (close alone does not)
    listener.close()
    for thread in threads:
        thread.join(10)


def _serve_requests(count: int, *headers: bytes) -> Callable[[socket.socket, list[bytes]], None]:
    """Answers `count` requests on a connection with `ANSWER`, then closes it; records each request's first recv."""

    def answer(connection: socket.socket, first_reads: list[bytes]) -> None:
        for _ in range(count):
            data = connection.recv(65536)  # blocked here before the request was sent: it returns on its first segment
            if not data:
                return
            first_reads.append(data)
            while not _complete(data):
                data += connection.recv(65536)
            connection.sendall(_response(ANSWER, *headers))

    return answer


def test_a_request_arrives_in_one_segment(raw_server) -> None:
    url, first_reads = raw_server(_serve_requests(5))
    with dc.Client(dc.Config(server_url=url, check_fingerprints=False)) as client:
        for _ in range(5):
            assert client.call(nested, drawing()) == nested(drawing())
    assert len(first_reads) == 5
    assert all(_complete(data) and data.startswith(b"POST /%s HTTP/1.1\r\n" % nested.name.encode()) for data in first_reads), first_reads


def test_a_response_arrives_in_one_segment(serve) -> None:
    server = serve(ds.create_app(rpcs=[nested]))
    port = int(server.url.rsplit(":", 1)[1])
    body = nested.input_codec.encode(drawing())
    request = b"POST /%s HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
        nested.name.encode(),
        len(body),
        body,
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for _ in range(5):
            sock.sendall(request)
            first = sock.recv(65536)  # blocked before the answer was written: returns on its first segment
            assert _complete(first), first
            assert first.startswith(b"HTTP/1.1 200 OK\r\n") and first.endswith(ANSWER)


def test_a_connection_the_server_closed_is_replaced(raw_server) -> None:
    """The server answers one request per connection and closes it: every next call finds the idle connection
    closed before sending on it, and opens another (no call fails, even of an Rpc that is not idempotent)."""
    closed = threading.Event()

    def one_then_close(connection: socket.socket, first_reads: list[bytes]) -> None:
        _serve_requests(1)(connection, first_reads)
        connection.close()
        closed.set()

    url, first_reads = raw_server(one_then_close)
    assert not nested.idempotent
    with dc.Client(dc.Config(server_url=url, check_fingerprints=False)) as client:
        for _ in range(3):
            closed.clear()
            assert client.call(nested, drawing()) == nested(drawing())
            assert closed.wait(10)
    assert len(first_reads) == 3


def test_connection_close_in_an_answer_is_honoured(raw_server) -> None:
    url, first_reads = raw_server(_serve_requests(1, b"connection: close"))
    with dc.Client(dc.Config(server_url=url, check_fingerprints=False)) as client:
        for _ in range(3):
            assert client.call(nested, drawing()) == nested(drawing())
    assert len(first_reads) == 3  # each on a connection of its own


def test_cookies_a_server_sets_are_sent_back(serve) -> None:
    app = ds.create_app(rpcs=[nested])
    seen: list[str | None] = []

    @app.middleware("http")
    async def sticky(request, call_next):
        seen.append(request.cookies.get("route"))
        response = await call_next(request)
        response.set_cookie("route", "a")
        return response

    server = serve(app)
    with dc.Client(dc.Config(server_url=server.url)) as client:
        for _ in range(3):
            client.call(nested, drawing())
    assert seen == [None, "a", "a", "a"]  # GET /rpcs, then three calls


def test_a_bearer_token_signs_every_call(serve) -> None:
    app = ds.create_app(rpcs=[nested])
    seen: list[str | None] = []

    @app.middleware("http")
    async def record(request, call_next):
        seen.append(request.headers.get("authorization"))
        return await call_next(request)

    server = serve(app)
    with dc.Client(dc.Config(server_url=server.url, auth_token="t0ken")) as client:
        client.call(nested, drawing())
        client.call_batch(nested, [drawing(), drawing()]).values()
    assert seen == ["Bearer t0ken"] * 3


def test_proxied_and_https_servers_keep_httpx_transport(monkeypatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert direct("http://10.1.2.3:8000")
    assert not direct("https://10.1.2.3:8000")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    assert not direct("http://10.1.2.3:8000")
    monkeypatch.setenv("NO_PROXY", "10.1.2.3")
    assert direct("http://10.1.2.3:8000")
