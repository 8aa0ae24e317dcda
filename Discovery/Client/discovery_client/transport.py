"""
# The HTTP/1.1 transport of plain-HTTP servers

Hand-written, and why: httpx's default transport (httpcore driving the pure-Python h11) cost
about 300 us of client CPU per request on the 2-core machine this project trains on, where a raw
socket exchange of the same bytes cost 34 us (measured with a cache-hit server, so no
simulation). On that machine the client's CPU competes with the simulators, so it comes out of
every training run's throughput. It also writes a request's head and body in two sends, so each
call can wake the server twice. `LeanTransport` keeps httpx's `Client` (auth flows, headers,
`Response`, the exceptions `retry.py` sorts) and replaces only what lies below it, for what a
Discovery client sends: requests with their whole body in memory, over plain TCP with
keep-alive, each written in one send; responses read whole and parsed by httptools (the C
parser uvicorn serves with). https servers, and any transport a caller passes, go through
httpx's own transports.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from dataclasses import dataclass, field

import httptools
import httpx

RECV_BYTES = 65536


@dataclass(eq=False)
class _Connection:
    sock: socket.socket
    timeout: float | None = None  # what the socket is set to now: settimeout costs a syscall
    idle_since: float = 0.0


@dataclass(eq=False)
class _Answer:
    """What the parser has read of one response (httptools calls these methods)."""

    parser: httptools.HttpResponseParser | None = None
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: list[bytes] = field(default_factory=list)
    complete: bool = False
    keep_alive: bool = False  # read when the message completes: httptools answers False after that

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        assert self.parser is not None
        self.complete = True
        self.keep_alive = self.parser.should_keep_alive()


class LeanTransport(httpx.BaseTransport):
    """HTTP/1.1 over plain TCP for `httpx.Client`, keeping up to `max_keepalive` idle connections per
    server for `keepalive_expiry` seconds. Thread-safe: each request has a connection of its own."""

    def __init__(self, max_keepalive: int, keepalive_expiry: float) -> None:
        self._max_keepalive = max_keepalive
        self._expiry = keepalive_expiry
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"LeanTransport speaks plain http only, not {url.scheme!r} ({url})")
        timeouts = request.extensions.get("timeout", {})
        message = _message(request)
        origin = (url.host, url.port or 80)
        connection = self._idle_connection(origin) or _connect(origin, timeouts.get("connect"))
        try:
            _set_timeout(connection, timeouts.get("write"))
            try:
                connection.sock.sendall(message)
            except TimeoutError as err:
                raise httpx.WriteTimeout(f"writing the request timed out: {err}") from err
            except OSError as err:
                raise httpx.WriteError(f"{type(err).__name__}: {err}") from err
            _set_timeout(connection, timeouts.get("read"))
            status, answer, keep_alive = _receive(connection.sock)
        except BaseException:
            connection.sock.close()
            raise
        self._release(origin, connection, keep_alive)
        return httpx.Response(
            status, headers=answer.headers, stream=httpx.ByteStream(b"".join(answer.body)), extensions={"http_version": b"HTTP/1.1"}
        )

    def _idle_connection(self, origin: tuple[str, int]) -> _Connection | None:
        """An idle connection that is fresh and that the server has not closed (nothing to read on it), if any."""
        with self._lock:
            idle = self._idle.get(origin)
            while idle:
                connection = idle.pop()
                if time.monotonic() - connection.idle_since < self._expiry and not _readable(connection.sock):
                    return connection
                connection.sock.close()
        return None

    def _release(self, origin: tuple[str, int], connection: _Connection, keep_alive: bool) -> None:
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if keep_alive and not self._closed and len(idle) < self._max_keepalive:
                connection.idle_since = time.monotonic()
                idle.append(connection)
                return
        connection.sock.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for connection in connections:
            connection.sock.close()


def _message(request: httpx.Request) -> bytes:
    """The request's head and body as one bytes, so that it is written in one send."""
    body = request.read()
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), request.url.raw_path)]
    sized = False
    for name, value in request.headers.raw:
        if b"\r" in value or b"\n" in value or b"\r" in name or b"\n" in name:
            raise httpx.LocalProtocolError(f"header {name!r} holds a line break")
        sized = sized or name.lower() == b"content-length"
        lines.append(name + b": " + value)
    if body and not sized:
        lines.append(b"Content-Length: %d" % len(body))
    lines.append(b"")
    lines.append(body)
    return b"\r\n".join(lines)


def _connect(origin: tuple[str, int], timeout: float | None) -> _Connection:
    try:
        sock = socket.create_connection(origin, timeout=timeout)
    except TimeoutError as err:
        raise httpx.ConnectTimeout(f"connecting to {origin[0]}:{origin[1]} timed out") from err
    except OSError as err:
        raise httpx.ConnectError(f"{type(err).__name__}: {err}") from err
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return _Connection(sock, timeout)


def _set_timeout(connection: _Connection, timeout: float | None) -> None:
    if timeout != connection.timeout:
        connection.sock.settimeout(timeout)
        connection.timeout = timeout


def _receive(sock: socket.socket) -> tuple[int, _Answer, bool]:
    """The status, headers and body of the next response on `sock`, and whether the connection stays open."""
    answer = _Answer()
    parser = answer.parser = httptools.HttpResponseParser(answer)
    received = False
    while not answer.complete:
        try:
            data = sock.recv(RECV_BYTES)
        except TimeoutError as err:
            raise httpx.ReadTimeout(f"no answer within the read timeout: {err}") from err
        except OSError as err:
            raise httpx.ReadError(f"{type(err).__name__}: {err}") from err
        if not data:
            what = "without sending a complete response" if received else "without sending a response"
            raise httpx.RemoteProtocolError(f"Server disconnected {what}.")
        received = True
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as err:
            raise httpx.RemoteProtocolError(f"the server's response is not valid HTTP/1.1: {err}") from err
    return parser.get_status_code(), answer, answer.keep_alive


def _readable(sock: socket.socket) -> bool:
    """Whether an idle connection has something to read: the server closed it (or sent what no request asked for).
    poll where there is one (select cannot watch a descriptor past FD_SETSIZE, which a busy process may hold)."""
    if not hasattr(select, "poll"):
        return bool(select.select([sock], [], [], 0)[0])
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))
