"""
# Batch results

`rpc.batch(inputs)` (and `Client.call_batch`) runs many inputs of one Rpc in one call and
answers one item per input, in order. Items fail independently: one bad design must not
cost the other 63 their results. A plain list of values would let a caller forget the
failures; a list of values-or-exceptions would let an exception object flow on as if it were
a result. So every item is a `BatchItem` whose `value` raises the item's error, and
`BatchResult.values()` raises `BatchError` naming every failed index: a failure is handled
explicitly (`item.ok`, `result.failures`) or it raises.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, overload

from .errors import DiscoveryError

Out = TypeVar("Out")


@dataclass(frozen=True)
class BatchItem(Generic[Out]):
    """One input's outcome: its result, or the exception a single call would have raised."""

    _value: Out | None = None
    error: Exception | None = None

    @classmethod
    def success(cls, value: Out) -> BatchItem[Out]:
        return cls(_value=value)

    @classmethod
    def failure(cls, error: Exception) -> BatchItem[Out]:
        return cls(error=error)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def value(self) -> Out:
        """The result; raises the item's error if it failed."""
        if self.error is not None:
            raise self.error
        return self._value  # type: ignore[return-value]


class BatchError(DiscoveryError):
    """Some items of a batch failed; `failures` maps each failed index to its exception."""

    def __init__(self, rpc_name: str, failures: dict[int, Exception], total: int) -> None:
        self.failures = failures
        first = next(iter(failures.items()))
        super().__init__(
            f"{len(failures)} of {total} items of the {rpc_name!r} batch failed (first: item {first[0]}: "
            f"{type(first[1]).__name__}: {first[1]}); read BatchResult.failures, or check item.ok before item.value"
        )


class BatchResult(Sequence[BatchItem[Out]]):
    """The items of one batch call, in input order."""

    def __init__(self, rpc_name: str, items: Sequence[BatchItem[Out]]) -> None:
        self.rpc_name = rpc_name
        self._items = tuple(items)

    @overload
    def __getitem__(self, index: int) -> BatchItem[Out]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[BatchItem[Out]]: ...
    def __getitem__(self, index: int | slice) -> BatchItem[Out] | Sequence[BatchItem[Out]]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[BatchItem[Out]]:
        return iter(self._items)

    def __repr__(self) -> str:
        return f"BatchResult({self.rpc_name!r}, {len(self)} items, {len(self.failures)} failed)"

    @property
    def failures(self) -> dict[int, Exception]:
        """Index -> exception of every failed item (empty when all succeeded)."""
        return {i: item.error for i, item in enumerate(self._items) if item.error is not None}

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self._items)

    def values(self) -> list[Out]:
        """Every result, in order; raises `BatchError` if any item failed."""
        failures = self.failures
        if failures:
            raise BatchError(self.rpc_name, failures, len(self))
        return [item.value for item in self._items]
