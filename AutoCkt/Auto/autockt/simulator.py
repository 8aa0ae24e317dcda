"""
# Where simulations run

The environment always simulates through the circuit's `Rpc`; `SimulatorConfig` only decides
who answers it: a Discovery server over HTTP (the normal case, and the only one that scales
to many env runners on many machines), or the handler imported into this process (for
development without a server). Everything above `Simulator.metrics` is the same code either way.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from typing import Any

import discovery_client as dc
from autockt_shared import CircuitOptimization
from discovery_shared import DiscoveryError, Rpc

IN_PROCESS_HANDLERS = "autockt_ckt.handlers"
"""Importing this module attaches every AutoCkt handler to its Rpc (package cktgym-autockt-ckt)."""


class SimulationFailure(RuntimeError):
    """One simulation gave no result. The environment turns it into a penalty; callers outside
    an episode (the preflight check of `train`) let it propagate with its cause."""


@dataclasses.dataclass(frozen=True)
class SimulatorConfig:
    """Who answers the simulation Rpc.

    With `in_process=False` (default) a Discovery server does; `server_url` and `auth_token`
    left `None` come from THE_SERVER_URL and DISCOVERY_AUTH_TOKEN (environment, then `.env`),
    exactly as `discovery_client` reads them. `retry_attempts` bounds how long a step waits for
    a server that went away before the episode is given up.
    """

    in_process: bool = False
    server_url: str | None = None
    auth_token: str | None = None
    retry_attempts: int = 4
    timeout_s: float = 120.0

    def describe(self) -> str:
        if self.in_process:
            return "in-process (autockt_ckt handlers)"
        return f"server {self.client_config().resolved().base_url}"

    def client_config(self) -> dc.Config:
        return dc.Config(
            server_url=self.server_url,
            auth_token=self.auth_token,
            timeout=self.timeout_s,
            retry=dc.RetryPolicy(attempts=self.retry_attempts),
        )


class Simulator:
    """Simulates designs of one `CircuitOptimization` and returns their metrics, or raises `SimulationFailure`."""

    def __init__(self, optimization: CircuitOptimization[Any, Any], config: SimulatorConfig) -> None:
        self.optimization = optimization
        self.config = config
        self.calls = 0
        self._client: dc.Client | None = None
        self._call: Callable[[Rpc[Any, Any], Any], Any]
        if config.in_process:
            _import_in_process_handlers()
            self._call = lambda rpc, inp: rpc(inp)
        else:
            self._client = dc.Client(config.client_config())
            self._call = self._client.call

    def metrics(self, values: Mapping[str, float]) -> dict[str, float]:
        """The metrics of the design `values`. Every failure to get them (server gone, handler
        error, simulator error, refused input) becomes a `SimulationFailure` carrying the cause."""
        self.calls += 1
        try:
            result = self._call(self.optimization.sim, self.optimization.make_input(values))
        except (DiscoveryError, RuntimeError, ValueError) as err:
            raise SimulationFailure(f"{self.optimization.sim.name} failed on {self.config.describe()}: {type(err).__name__}: {err}") from err
        return self.optimization.metric_values(result)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _import_in_process_handlers() -> None:
    try:
        importlib.import_module(IN_PROCESS_HANDLERS)
    except ModuleNotFoundError as err:
        raise RuntimeError(
            "in-process simulation needs the circuit package: pip install -e AutoCkt/Ckt "
            "(or bash scripts/install_dev.sh), or run a server (python AutoCkt/scripts/start_server.py) "
            "and leave SimulatorConfig.in_process False"
        ) from err
