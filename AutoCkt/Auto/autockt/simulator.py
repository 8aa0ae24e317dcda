"""
# Where simulations run

The environment always simulates through the circuit's `Rpc`; `SimulatorConfig` only decides
who answers it: a Discovery server over HTTP (the normal case, and the only one that scales
to many env runners on many machines), or the handler imported into this process (for
development without a server). Everything above `Simulator.metrics` is the same code either way.

`Simulator.metrics_batch` simulates many designs in one batch call (`rpc.batch` in-process,
`Client.call_batch` through a server, which sends at most `SimulatorConfig.max_batch` designs
per request, and at most `max_batch_simulations` simulations: a design at 17 corners costs 17, so a
request carries 30 of them, not 256, and answers inside `timeout_s` on a busy server). A vector environment steps all its sub-environments with it, and validation all
its unfinished targets: one call per step instead of one per design, and the server spreads
the designs over its simulator pool.

`Simulator.evaluate` / `evaluate_batch` take each design's target too: a circuit that skips on
fail is then sent it (`CircuitOptimization.make_input`), and answers an `Evaluation` saying
whether it skipped its other corners and how many simulations it ran. `Simulator.calls` counts
the designs sent, `Simulator.simulations` the simulations their answers say they ran: what
skip-on-fail saves is the difference from every corner of every design. An answer from a
server's result cache repeats the count of the call that ran it (the server's own
`autockt_corner_simulations_total` and usage count only the simulations it actually ran).

A PVT circuit simulates at the corner set its input names: a `Simulator` made with `options`
(`{"corner_set": "tt"}`) sends them with every design. `Simulator.output` answers a design's whole
output (every corner's metrics), and `Simulator.call` any other Rpc of the same server (a sized
design's files, `design_netlist`), its failures `SimulationFailure`s like a simulation's.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import discovery_client as dc
from autockt_shared import CircuitOptimization
from autockt_shared.optimization import Evaluation
from discovery_shared import BatchItem, BatchResult, DiscoveryError, Rpc

IN_PROCESS_HANDLERS = "autockt_ckt.handlers"
"""Importing this module attaches every AutoCkt handler to its Rpc (package cktgym-autockt-ckt)."""


class SimulationFailure(RuntimeError):
    """One simulation gave no result. The environment turns it into a penalty; callers outside
    an episode (the preflight check of `train`) let it propagate with its cause."""


Metrics = dict[str, float]
Outcome = BatchItem[Evaluation]
"""One design's simulation: its `Evaluation`, or (`outcome.error`) the `SimulationFailure` that replaced it."""

SIMULATION_ERRORS = (DiscoveryError, RuntimeError, ValueError)
"""What a simulation may fail with (server gone, handler or simulator error, refused input). Anything
else is a bug in the caller and propagates."""


@dataclasses.dataclass(frozen=True)
class SimulatorConfig:
    """Who answers the simulation Rpc.

    With `in_process=False` (default) a Discovery server does; `server_url` and `auth_token`
    left `None` come from THE_SERVER_URL and DISCOVERY_AUTH_TOKEN (environment, then `.env`),
    exactly as `discovery_client` reads them (`server_url` may list several servers, comma-separated).
    `retry_deadline_s` is how long a simulation keeps trying while no server answers before its
    episode is given up: the default outlasts a server restart, so training rides one out.
    `max_batch` is the most designs one batch request carries (a server refuses more than its
    own `--max-batch`, default 256); `max_batch_simulations` the most simulations, counting each
    design at every corner of its set (its Rpc's `cost`; the client's `Config.max_batch_cost`), so
    that a request of PVT designs takes about as long as one of nominal ones (a single design may exceed it).
    """

    in_process: bool = False
    server_url: str | None = None
    auth_token: str | None = None
    retry_deadline_s: float = 60.0
    timeout_s: float = 120.0
    max_batch: int = 256
    max_batch_simulations: int = 512

    def __post_init__(self) -> None:
        if self.retry_deadline_s < 0:
            raise ValueError(f"SimulatorConfig.retry_deadline_s must be >= 0 seconds (0: try once), got {self.retry_deadline_s}")
        if self.timeout_s <= 0:
            raise ValueError(f"SimulatorConfig.timeout_s must be > 0 seconds, got {self.timeout_s}")
        if self.max_batch < 1:
            raise ValueError(f"SimulatorConfig.max_batch must be at least 1, got {self.max_batch}")
        if self.max_batch_simulations < 1:
            raise ValueError(f"SimulatorConfig.max_batch_simulations must be at least 1, got {self.max_batch_simulations}")

    def describe(self) -> str:
        if self.in_process:
            return "in-process (autockt_ckt handlers)"
        return f"server {', '.join(self.client_config().resolved().base_urls)}"

    def client_config(self) -> dc.Config:
        return dc.Config(
            server_url=self.server_url,
            auth_token=self.auth_token,
            timeout=self.timeout_s,
            retry=dc.RetryPolicy(deadline=self.retry_deadline_s),
            max_batch=self.max_batch,
            max_batch_cost=self.max_batch_simulations,
        )


class Simulator:
    """Simulates designs of one `CircuitOptimization` and returns their metrics, or raises `SimulationFailure`."""

    def __init__(
        self, optimization: CircuitOptimization[Any, Any], config: SimulatorConfig, options: Mapping[str, Any] | None = None
    ) -> None:
        self.optimization = optimization
        self.config = config
        self.options = dict(options or {})
        """Option fields sent with every design (a PVT circuit's `corner_set`), checked by the input type."""
        self.calls = 0
        self.simulations = 0
        self._client: dc.Client | None = None
        self._call: Callable[[Rpc[Any, Any], Any], Any]
        self._call_batch: Callable[[Rpc[Any, Any], Sequence[Any]], BatchResult[Any]]
        if config.in_process:
            _import_in_process_handlers()
            self._call = lambda rpc, inp: rpc(inp)
            self._call_batch = lambda rpc, inputs: rpc.batch(inputs)
        else:
            client = self._client = dc.Client(config.client_config())
            self._call = client.call
            self._call_batch = client.call_batch

    def metrics(self, values: Mapping[str, float], target: Mapping[str, float] | None = None) -> Metrics:
        """The metrics of the design `values` (`evaluate`'s)."""
        return self.evaluate(values, target).metrics

    def evaluate(self, values: Mapping[str, float], target: Mapping[str, float] | None = None) -> Evaluation:
        """The design `values` simulated, skipping on fail against `target` where the circuit can. Every failure
        to get it (server gone, handler error, simulator error, refused input) becomes a `SimulationFailure`
        carrying the cause."""
        self.calls += 1
        try:
            result = self._call(self.optimization.sim, self.optimization.make_input({**values, **self.options}, target))
        except SIMULATION_ERRORS as err:
            raise self._failure(err) from err
        return self._counted(self.optimization.evaluation(result))

    def output(self, values: Mapping[str, float]) -> Any:
        """The simulation Rpc's whole answer for the design `values` (a PVT circuit's holds every corner's metrics)."""
        self.calls += 1
        result = self.call(self.optimization.sim, self.optimization.make_input({**values, **self.options}))
        self._counted(self.optimization.evaluation(result))
        return result

    def call(self, rpc: Rpc[Any, Any], inp: Any) -> Any:
        """Any Rpc (e.g. `design_netlist`) answered where this simulator's are; every failure a `SimulationFailure`."""
        try:
            return self._call(rpc, inp)
        except SIMULATION_ERRORS as err:
            raise self._failure(err) from err

    def metrics_batch(self, designs: Sequence[Mapping[str, float]]) -> BatchResult[Metrics]:
        """The metrics of every design (`evaluate_batch`'s, with no target), each item failing on its own."""
        return BatchResult(self.optimization.sim.name, [_metrics_of(item) for item in self.evaluate_batch(designs)])

    def evaluate_batch(
        self, designs: Sequence[Mapping[str, float]], targets: Sequence[Mapping[str, float] | None] | None = None
    ) -> BatchResult[Evaluation]:
        """Every design, in order, in one batch call, each against its target of `targets` (none: no target).
        Each item fails on its own with a `SimulationFailure`, as `evaluate` would raise it; a call that fails
        as a whole (no server answered within the retry deadline) fails every item."""
        self.calls += len(designs)
        return BatchResult(self.optimization.sim.name, self._outcomes(designs, targets or [None] * len(designs)))

    def _outcomes(self, designs: Sequence[Mapping[str, float]], targets: Sequence[Mapping[str, float] | None]) -> list[Outcome]:
        inputs: list[Any] = []
        refused: dict[int, Outcome] = {}
        for i, (values, target) in enumerate(zip(designs, targets, strict=True)):
            try:
                inputs.append(self.optimization.make_input({**values, **self.options}, target))
            except ValueError as err:
                refused[i] = self._failed(err)
        try:
            answers = iter(self._call_batch(self.optimization.sim, inputs) if inputs else ())
        except SIMULATION_ERRORS as err:
            return [self._failed(err)] * len(designs)
        return [refused[i] if i in refused else self._outcome(next(answers)) for i in range(len(designs))]

    def _outcome(self, item: BatchItem[Any]) -> Outcome:
        if item.error is None:
            return BatchItem.success(self._counted(self.optimization.evaluation(item.value)))
        if not isinstance(item.error, SIMULATION_ERRORS):
            raise item.error
        return self._failed(item.error)

    def _counted(self, evaluation: Evaluation) -> Evaluation:
        self.simulations += evaluation.simulations
        return evaluation

    def _failed(self, cause: Exception) -> Outcome:
        failure = self._failure(cause)
        failure.__cause__ = cause
        return BatchItem.failure(failure)

    def _failure(self, cause: Exception) -> SimulationFailure:
        return SimulationFailure(f"{self.optimization.sim.name} failed on {self.config.describe()}: {type(cause).__name__}: {cause}")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _metrics_of(item: Outcome) -> BatchItem[Metrics]:
    return BatchItem.success(item.value.metrics) if item.error is None else BatchItem.failure(item.error)


def _import_in_process_handlers() -> None:
    try:
        importlib.import_module(IN_PROCESS_HANDLERS)
    except ModuleNotFoundError as err:
        raise RuntimeError(
            "in-process simulation needs the circuit package: pip install -e AutoCkt/Ckt "
            "(or bash scripts/install_dev.sh), or run a server (python AutoCkt/scripts/start_server.py) "
            "and leave SimulatorConfig.in_process False"
        ) from err
