"""
# Metrics

What an operator watches on `GET /metrics` (Prometheus text format, prometheus-client's default
`REGISTRY`, so metrics other server-side packages define, such as a simulator pool's gauges,
appear beside these).

The metric objects are module-level definitions: Prometheus names are unique per registry and
one process may build many apps (tests, notebooks), so every app of a process adds to the same
series, labelled by Rpc. Each batch item counts as one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import Counter, Gauge, Histogram

from discovery_shared import ErrorType

CALLS = Counter("discovery_rpc_calls", "Rpc calls answered; each item of a batch counts as one.", ["rpc"])
ERRORS = Counter("discovery_rpc_errors", "Rpc calls that failed, by error type.", ["rpc", "type"])
LATENCY = Histogram(
    "discovery_rpc_seconds",
    "Time per call on the server: decoding, waiting for a thread, the handler (or a cache hit), encoding.",
    ["rpc"],
    buckets=(0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64),
)
IN_FLIGHT = Gauge("discovery_rpc_in_flight", "Handlers running now.", ["rpc"])
WAITING = Gauge("discovery_rpc_waiting", "Calls admitted whose handler has not started: waiting for a slot or a thread.", ["rpc"])
ADMITTED = Gauge("discovery_calls_admitted", "Calls in the server now, running or waiting (at most max_in_flight + max_waiting).")
REFUSED = Counter("discovery_rpc_refused", "Calls refused at once with 503: the server was full or draining.", ["rpc", "reason"])
BATCHES = Counter("discovery_rpc_batches", "Batch requests answered (their items count in discovery_rpc_calls).", ["rpc"])
CACHE_HITS = Counter("discovery_result_cache_hits", "Calls answered from the result cache.", ["rpc"])
CACHE_MISSES = Counter("discovery_result_cache_misses", "Calls of cached Rpcs that ran their handler.", ["rpc"])


@dataclass
class RpcMetrics:
    """One Rpc's series, looked up once per app rather than by label on every call."""

    rpc: str
    calls: Counter = field(init=False)
    latency: Histogram = field(init=False)
    in_flight: Gauge = field(init=False)
    waiting: Gauge = field(init=False)
    batches: Counter = field(init=False)
    cache_hits: Counter = field(init=False)
    cache_misses: Counter = field(init=False)

    def __post_init__(self) -> None:
        self.calls = CALLS.labels(self.rpc)
        self.latency = LATENCY.labels(self.rpc)
        self.in_flight = IN_FLIGHT.labels(self.rpc)
        self.waiting = WAITING.labels(self.rpc)
        self.batches = BATCHES.labels(self.rpc)
        self.cache_hits = CACHE_HITS.labels(self.rpc)
        self.cache_misses = CACHE_MISSES.labels(self.rpc)

    def call(self, seconds: float, error: ErrorType | None) -> None:
        self.calls.inc()
        self.latency.observe(seconds)
        if error is not None:
            ERRORS.labels(self.rpc, error.value).inc()
