"""
# The answer of `design_waveforms`: a circuit's own waveform jobs, after its own input checks

Each circuit says which waveforms it has, from its own module (`ServedCircuit.waveforms`), so
that a new circuit brings its waveforms with it and nothing here lists circuits. The design is
checked as the circuit's metrics Rpc checks it, by building the circuit's input type from it:
every refusal is a 422 naming `design.<parameter>` (or `corner_set`), before anything is
simulated; so is a circuit the server does not know or that has no waveforms (naming `circuit`),
as `design_netlist` refuses one: the caller's field, not a missing route. A circuit of another
PDK answers 404 `not_found`, as its metrics Rpc does there. The jobs run where the metrics' do (`handlers.job_runner`: the server's pool, or
this process), so a waveform call costs what one metrics call of the design costs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pydantic

from autockt_shared import CircuitOptimization
from autockt_shared.corner_sets import CORNER_SET_FIELD
from autockt_shared.design_waveforms import DesignWaveforms, WaveformsInput
from discovery_shared import FieldError, WireValidationError

from .served import JobRunner, ServedCircuit, served_circuits


async def answer_waveforms(inp: WaveformsInput, job_runner: Callable[[ServedCircuit[Any, Any]], JobRunner]) -> DesignWaveforms:
    """The waveforms of `inp`'s design at each corner, its jobs run by `job_runner(circuit)`."""
    circuits = served_circuits()
    circuit = circuits.get(inp.circuit)
    if circuit is None or circuit.waveforms is None:
        having = sorted(name for name, served in circuits.items() if served.waveforms is not None)
        known = "has no waveforms" if circuit is not None else "is no circuit of this server"
        message = f"circuit {inp.circuit!r} {known}; the circuits with waveforms: {', '.join(having)}"
        raise WireValidationError(WaveformsInput, [FieldError(loc=("circuit",), msg=message, type="design_waveforms.unknown_circuit")])
    design = circuit_input(circuit.optimization, inp)
    corners = await circuit.waveforms(job_runner(circuit), design)
    return DesignWaveforms(circuit=inp.circuit, corners=corners)


def circuit_input(optimization: CircuitOptimization[Any, Any], inp: WaveformsInput) -> Any:
    """The circuit's own input for `inp`'s design and corner set, or a `WireValidationError` (422)
    naming each bad field: `design.<parameter>` or `corner_set`."""
    params = [param.name for param in optimization.params]
    errors = [
        FieldError(
            loc=("design", name), msg=f"not a parameter of {optimization.name}; its parameters: {', '.join(params)}", type="extra_forbidden"
        )
        for name in inp.design
        if name not in params
    ]
    values: dict[str, Any] = {name: value for name, value in inp.design.items() if name in params}
    if inp.corner_set is not None:
        if CORNER_SET_FIELD in optimization.input_type.__pydantic_fields__:
            values[CORNER_SET_FIELD] = inp.corner_set
        else:
            errors.append(
                FieldError(
                    loc=(CORNER_SET_FIELD,),
                    msg=f"{optimization.name} simulates at one condition: it takes no corner set",
                    type="extra_forbidden",
                )
            )
    try:
        design = optimization.make_input(values)
    except pydantic.ValidationError as err:
        errors += [_located(error) for error in err.errors()]
    if errors:
        raise WireValidationError(WaveformsInput, errors)
    return design


def _located(error: Any) -> FieldError:
    """A pydantic error of the circuit's input, located in `WaveformsInput`."""
    loc = tuple(str(part) for part in error["loc"])
    return FieldError(loc=loc if loc[:1] == (CORNER_SET_FIELD,) else ("design", *loc), msg=error["msg"], type=error["type"])
