"""
# One write per response

uvicorn writes a response's head when the app sends `http.response.start` and its body when the
app sends `http.response.body`: two sends, so two TCP segments for even the smallest answer,
and a client that may wake up twice (once for the head, once for the body). The protocol
classes here are uvicorn's own (httptools' or h11's), given a transport that holds what is
written during one turn of the event loop and sends it as one write at the end of that turn
(`loop.call_soon`): a Starlette `Response` sends its head and body in the same turn, so they
leave together. Closing or aborting the connection flushes or drops what is held first, in order.

uvicorn takes a protocol class for `http` (`uvicorn.Config(http=...)`), which is how these are
passed (serve.py's `loop_and_parser`).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from uvicorn.importer import import_from_string

UVICORN_PROTOCOLS = {
    "httptools": "uvicorn.protocols.http.httptools_impl:HttpToolsProtocol",
    "h11": "uvicorn.protocols.http.h11_impl:H11Protocol",
}


class OneWriteTransport(asyncio.Transport):
    """Delegates to `transport`, holding the writes of one loop turn to send them as one."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def flush(self) -> None:
        """Send what is held, in one write."""
        if self._held:
            data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
            self._held.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held.clear()
        self._transport.abort()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def can_write_eof(self) -> bool:
        return self._transport.can_write_eof()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def is_reading(self) -> bool:
        return self._transport.is_reading()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._transport.get_protocol()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._transport.set_write_buffer_limits(high, low)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(len(data) for data in self._held)

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._transport.get_write_buffer_limits()


class _OneWrite(asyncio.Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn's protocols
        super().connection_made(OneWriteTransport(transport, asyncio.get_running_loop()))


@functools.cache
def one_write_protocol(http: str) -> type[asyncio.Protocol]:
    """uvicorn's protocol class named `http` ("httptools" or "h11"), writing each response in one send."""
    base = import_from_string(UVICORN_PROTOCOLS[http])
    return type(f"OneWrite{base.__name__}", (_OneWrite, base), {})
