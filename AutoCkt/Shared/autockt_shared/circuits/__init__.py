"""
# Every circuit's wire types, Rpc and optimization problem: one module per circuit

A circuit joins by adding a module here that defines its input and output types, its `Rpc`
and its `CircuitOptimization` (constructing one registers it by name). Nothing else lists
circuits: the command line's `--circuit` choices, the server (with its own module in
`autockt_ckt.circuits`) and the benchmarks read `all_circuits()`.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from ..optimization import CircuitOptimization, registered_optimizations


def all_circuits() -> dict[str, CircuitOptimization[Any, Any]]:
    """Every circuit's `CircuitOptimization` by name, after importing each module of this package
    (imports are cached, so a repeat call costs a dictionary copy)."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):  # private helpers of several circuits, or one being written
            importlib.import_module(f"{__name__}.{module.name}")
    return registered_optimizations()
