"""
# Every circuit's wire types, Rpc and optimization problem: one module per circuit

A circuit joins by adding a module here that defines its input and output types, its `Rpc`
and its `CircuitOptimization` (constructing one registers it by name). Nothing else lists
circuits: the command line's `--circuit` choices, the server (with its own module in
`autockt_ckt.circuits`) and the benchmarks read `all_circuits()`, and `circuit_optimization(name)`
finds one by name.

A `CircuitOptimization` pickles as its name and unpickles through `circuit_optimization`, which
imports the circuit's module if the unpickling process has not yet (an RLlib env runner).
The reduction is registered here with `copyreg` rather than in the class's `__reduce__`, so that
`optimization.py` stays below the circuits that import it.
"""

from __future__ import annotations

import copyreg
import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from ..optimization import CircuitOptimization, registered_optimizations


def all_circuits() -> dict[str, CircuitOptimization[Any, Any]]:
    """Every circuit's `CircuitOptimization` by name, after importing each module of this package
    (imports are cached, so a repeat call costs a dictionary copy)."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):  # private helpers of several circuits, or one being written
            importlib.import_module(f"{__name__}.{module.name}")
    return registered_optimizations()


def circuit_optimization(name: str) -> CircuitOptimization[Any, Any]:
    """The `CircuitOptimization` called `name`, its module imported if it was not yet."""
    known = registered_optimizations()
    if name not in known:
        known = all_circuits()
    if name not in known:
        raise KeyError(f"no CircuitOptimization named {name!r}; known: {sorted(known)}")
    return known[name]


def _by_name(optimization: CircuitOptimization[Any, Any]) -> tuple[Callable[[str], CircuitOptimization[Any, Any]], tuple[str]]:
    return circuit_optimization, (optimization.name,)


copyreg.pickle(CircuitOptimization, _by_name)
