"""
# A circuit's schema fingerprint: what a trained policy takes for granted about its circuit

A policy's weights mean something only for the observations and actions it was trained on: each
metric normalized by its normalizer, each target placed in its spec range, each error signed by its
sense, each parameter's grid position and the reset point it starts from, in the environment's block
order (env.py). Change any of them (a wider range, a finer grid, a metric added) and the same weights
act on different numbers, without any error, only worse. So a shipped policy records the fingerprint
of the circuit it was trained on, and loading it compares that with the circuit's fingerprint now:
one hash of everything above, defined here only. It includes the corner set a PVT circuit's policy
was trained at (its metrics are the worst case over that set: env.py).

`OBSERVATION_BLOCKS` and `OBSERVATION_VERSION` stand for env.py's observation code, which a hash of
the circuit cannot see: a change to how a block is computed bumps the version (the tests check that
the blocks listed here are the environment's, in its order).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from autockt_shared import CircuitOptimization

from .corners import checked_corner_set
from .env import ERROR_STRETCH

OBSERVATION_BLOCKS = ("metrics", "target", "params", "errors", "time")
"""`AutoCktGym.observation_blocks()`'s blocks, in the order the observation concatenates them."""
CORNERS_BLOCK = "corners"
"""The block after those, only for a circuit that skips corners on a target (env.py's skip-on-fail)."""
OBSERVATION_VERSION = 1
"""Bumped whenever env.py changes how an observation block is computed from the circuit's specs."""


def observation_blocks(optimization: CircuitOptimization[Any, Any]) -> list[str]:
    """The blocks of its environment's observation: `OBSERVATION_BLOCKS`, and `CORNERS_BLOCK` for a
    circuit that skips its other corners on a target (what its metrics block holds depends on it)."""
    return list(observation_block_sizes(optimization))


def observation_block_sizes(optimization: CircuitOptimization[Any, Any]) -> dict[str, int]:
    """`observation_blocks` with each one's length: a value per metric (the metrics, the target, their
    errors), per parameter, the time left, and whether the design's other corners were skipped."""
    n_metrics, n_params = len(optimization.metrics), len(optimization.params)
    sizes = dict(zip(OBSERVATION_BLOCKS, (n_metrics, n_metrics, n_params, n_metrics, 1), strict=True))
    return {**sizes, **({CORNERS_BLOCK: 1} if optimization.skips_on_fail else {})}


def circuit_schema(optimization: CircuitOptimization[Any, Any], corner_set: str | None = None) -> dict[str, Any]:
    """Everything about `optimization` a trained policy's observations and actions depend on, as plain JSON data,
    for a policy trained at `corner_set` (`None`: the circuit's default set; checked, corners.py)."""
    return {
        "circuit": optimization.name,
        "corner_set": checked_corner_set(optimization, corner_set),
        "params": [_without_unit(dataclasses.asdict(p)) for p in optimization.params],
        "metrics": [_without_unit({**dataclasses.asdict(m), "sense": m.sense.value}) for m in optimization.metrics],
        "observation": {"blocks": observation_blocks(optimization), "version": OBSERVATION_VERSION, "error_stretch": ERROR_STRETCH},
    }


def schema_fingerprint(optimization: CircuitOptimization[Any, Any], corner_set: str | None = None) -> str:
    """The first 16 hex digits of the SHA-256 of `circuit_schema`, serialized canonically."""
    canonical = json.dumps(circuit_schema(optimization, corner_set), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _without_unit(spec: dict[str, Any]) -> dict[str, Any]:
    """A spec's fields but its unit, a label no observation depends on."""
    return {k: v for k, v in spec.items() if k != "unit"}
