"""
# The handler of `design_netlist`: a design's SPICE files, rendered where its benches are

The files are rendered in the serving process from the circuit's own benches (`design_export`),
with the settings of the pool that simulates (its model card), or this process's in-process. A
request is checked before anything is rendered, each refusal a 422 naming its field: `circuit`
(unknown, or not exportable), `corner_set` (unknown for the circuit, or given for a nominal one),
`design.<param>` (not a parameter, missing, out of range). A circuit of another PDK than the
pool's answers 404 `not_found`, as its simulation does: this server never simulated it.

Rendering a PVT design's 17 testbenches takes a few tenths of a second of Hdl21 and netlisting,
so it runs on a thread, not on the server's event loop, one rendering at a time (Hdl21 elaborates
a bench once per process, which two threads must not race through).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pydantic

from autockt_shared import all_circuits
from autockt_shared.design_netlist import DesignNetlist, DesignNetlistQuery, design_netlist
from discovery_server import ApiError
from discovery_shared import ErrorType, FieldError, WireValidationError

from .design_export import export_design
from .export_registry import ExportRefused, UnknownCornerSet, refuse_unexportable
from .served import served_circuits
from .serving_pool import current_pool
from .settings import Settings


def _refuse(loc: tuple[str, ...], msg: str, kind: str) -> WireValidationError:
    return WireValidationError(DesignNetlistQuery, [FieldError(loc=loc, msg=msg, type=f"design_netlist.{kind}")])


def render(query: DesignNetlistQuery, settings: Settings) -> DesignNetlist:
    """`query`'s files with `settings` (the module docstring's checks, as `WireValidationError`s)."""
    circuits = all_circuits()
    if query.circuit not in circuits:
        raise _refuse(("circuit",), f"no circuit named {query.circuit!r}; known: {', '.join(sorted(circuits))}", "unknown_circuit")
    try:
        refuse_unexportable(query.circuit)
    except ExportRefused as err:
        raise _refuse(("circuit",), str(err), "not_exportable") from None
    optimization = circuits[query.circuit]
    params = {p.name for p in optimization.params}
    for name in query.design:
        if name not in params:
            raise _refuse(
                ("design", name), f"not a parameter of {query.circuit}; its parameters: {', '.join(sorted(params))}", "unknown_param"
            )
    try:
        optimization.make_input(query.design)
    except pydantic.ValidationError as err:
        raise WireValidationError(
            DesignNetlistQuery,
            [FieldError(loc=("design", *(str(part) for part in e["loc"])), msg=e["msg"], type=e["type"]) for e in err.errors()],
        ) from None
    try:
        return export_design(query.circuit, query.design, settings, query.corner_set)
    except UnknownCornerSet as err:
        raise _refuse(("corner_set",), str(err), "unknown_corner_set") from None


_rendering = threading.Lock()


def _render_alone(query: DesignNetlistQuery, settings: Settings) -> DesignNetlist:
    with _rendering:
        return render(query, settings)


@design_netlist.impl
async def design_netlist_impl(query: DesignNetlistQuery) -> DesignNetlist:
    """A design's files, rendered with the pool's settings (this process's without one)."""
    pool = current_pool()
    if pool is None:
        return await asyncio.to_thread(_render_alone, query, Settings.from_env())
    circuit: Any = served_circuits().get(query.circuit)
    if circuit is not None and not circuit.simulates_on(pool.settings.pdk):
        raise ApiError(
            ErrorType.NOT_FOUND,
            f"{query.circuit} is simulated on {circuit.pdk}, and this server runs {pool.settings.pdk}: ask a server of {circuit.pdk}",
            {"pdk": pool.settings.pdk, "circuit_pdk": circuit.pdk},
        )
    return await asyncio.to_thread(_render_alone, query, pool.settings)
