"""
# How a batch call travels

Inputs that fail validation here become failed items without leaving the process. The rest
split into chunks of at most `Config.max_batch` items and at most `Config.max_batch_cost` of
work (each input's `Rpc.cost`: a design at 17 PVT corners costs 17, so that a request of them
ends inside `Config.timeout` as one of nominal designs does; an input costing more goes alone),
and into at least one chunk per server that answers, so the servers share the work. The chunks run in lanes, one per answering
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

    def __init__(self, rpc: Rpc[Any, Out], inputs: Sequence[Any], max_batch: int, ways: int, max_cost: int) -> None:
        self.rpc = rpc
        self._items: list[BatchItem[Out] | None] = [None] * len(inputs)
        encoded: list[tuple[int, bytes, int]] = []
        for index, inp in enumerate(inputs):
            try:
                value = protocol.input_value(rpc, inp)
            except WireValidationError as err:  # what a single call would raise, before sending
                self._items[index] = BatchItem.failure(err)
                continue
            encoded.append((index, rpc.input_codec.encode(value), rpc.cost_of(value)))
        self.ways = max(1, min(ways, len(encoded)))
        total = sum(cost for _, _, cost in encoded)
        count = max(-(-len(encoded) // max_batch), -(-total // max_cost), self.ways)
        count = min(len(encoded), -(-count // self.ways) * self.ways)  # whole rounds: every lane sends as many
        self.chunks: list[Chunk] = []
        start = 0
        for k in range(count):
            size = len(encoded) // count + int(k < len(encoded) % count)
            for part in _within_cost(encoded[start : start + size], max_cost):
                self.chunks.append(Chunk(tuple(i for i, _, _ in part), protocol.batch_body([b for _, b, _ in part])))
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


def _within_cost(part: list[tuple[int, bytes, int]], max_cost: int) -> list[list[tuple[int, bytes, int]]]:
    """`part` (an even share of the items) cut where its inputs' costs, in order, would pass `max_cost`:
    one piece when the costs are even, as they are in a batch of one corner set."""
    pieces: list[list[tuple[int, bytes, int]]] = [[]]
    cost = 0
    for item in part:
        if pieces[-1] and cost + item[2] > max_cost:
            pieces.append([])
            cost = 0
        pieces[-1].append(item)
        cost += item[2]
    return pieces
