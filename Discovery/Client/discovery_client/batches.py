"""
# How a batch call travels

Inputs that fail validation here become failed items without leaving the process. The rest
split into chunks of at most `Config.max_batch` items (fewer where the caller says its items are
costly: `call_batch(..., max_items=)`, so that a request's time stays inside `Config.timeout`),
and into at least one chunk per server
that answers, so the servers share the work. The chunks run in lanes, one per answering
server, concurrently; a lane sends its chunks one after another, so a long batch does not
land on one server all at once. The answers go back into input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from discovery_shared import BatchItem, BatchResult, Rpc, WireValidationError

from . import protocol

Out = TypeVar("Out")


@dataclass(frozen=True)
class Chunk:
    """One batch request: the positions of its items among the caller's inputs, and its body."""

    indices: tuple[int, ...]
    body: bytes

    def __len__(self) -> int:
        return len(self.indices)


class BatchPlan(Generic[Out]):
    """The chunks of one `call_batch`, and the items as their answers come back."""

    def __init__(self, rpc: Rpc[Any, Out], inputs: Sequence[Any], max_batch: int, ways: int, max_items: int | None = None) -> None:
        if max_items is not None:
            if max_items < 1:
                raise ValueError(f"call_batch's max_items must be at least 1, not {max_items}")
            max_batch = min(max_batch, max_items)
        self.rpc = rpc
        self._items: list[BatchItem[Out] | None] = [None] * len(inputs)
        encoded: list[tuple[int, bytes]] = []
        for index, inp in enumerate(inputs):
            try:
                encoded.append((index, protocol.request_body(rpc, inp)))
            except WireValidationError as err:  # what a single call would raise, before sending
                self._items[index] = BatchItem.failure(err)
        self.ways = max(1, min(ways, len(encoded)))
        count = max(-(-len(encoded) // max_batch), self.ways)
        count = min(len(encoded), -(-count // self.ways) * self.ways)  # whole rounds: every lane sends as many
        self.chunks: list[Chunk] = []
        start = 0
        for k in range(count):
            size = len(encoded) // count + int(k < len(encoded) % count)
            part = encoded[start : start + size]
            self.chunks.append(Chunk(tuple(i for i, _ in part), protocol.batch_body([b for _, b in part])))
            start += size

    def lanes(self) -> list[list[Chunk]]:
        """The chunks each concurrent sender sends, in turn."""
        return [self.chunks[lane :: self.ways] for lane in range(min(self.ways, len(self.chunks)))]

    def answer(self, chunk: Chunk, items: list[BatchItem[Out]]) -> None:
        for index, item in zip(chunk.indices, items, strict=True):
            self._items[index] = item

    def result(self) -> BatchResult[Out]:
        assert all(item is not None for item in self._items), "every chunk is answered before the result"
        return BatchResult(self.rpc.name, self._items)  # type: ignore[arg-type]
