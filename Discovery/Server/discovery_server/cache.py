"""
# Result cache

Answers repeated inputs of `deterministic` Rpcs without running their handler: training
revisits designs (every episode restarts at its reset point), and a simulation costs
milliseconds where a lookup costs microseconds.

An entry maps (the Rpc's fingerprint, the cache's namespace, the input's canonical bytes) to the
encoded output bytes, so a hit answers exactly what the handler's run answered. The canonical
bytes are the decoded input encoded again by the Rpc's codec: two bodies that differ only in
spacing, key order or number spelling share an entry. The namespace is for what the key cannot
see, e.g. the hash of the model files a server simulates with: change the models, change the
namespace, and no stale entry is ever answered.

Bounded by entry count, least recently used first out (cachetools' LRUCache). It is read and
written on the event loop only (lookups before a handler starts, stores after it returns), so it
needs no lock.
"""

from __future__ import annotations

from typing import Any

from cachetools import LRUCache

from discovery_shared import Rpc

CacheKey = tuple[str, str, bytes]


class ResultCache:
    """Encoded outputs of deterministic Rpcs, by canonical input; at most `size` entries."""

    def __init__(self, size: int, namespace: str = "") -> None:
        if size <= 0:
            raise ValueError(f"a result cache needs a size of at least 1 entry, not {size}; use no cache for 0")
        self.namespace = namespace
        self._entries: LRUCache[CacheKey, bytes] = LRUCache(maxsize=size)

    def key(self, rpc: Rpc[Any, Any], inp: Any) -> CacheKey:
        return (rpc.fingerprint, self.namespace, rpc.input_codec.encode(inp))

    def get(self, key: CacheKey) -> bytes | None:
        return self._entries.get(key)

    def put(self, key: CacheKey, output: bytes) -> None:
        self._entries[key] = output

    def __len__(self) -> int:
        return len(self._entries)
