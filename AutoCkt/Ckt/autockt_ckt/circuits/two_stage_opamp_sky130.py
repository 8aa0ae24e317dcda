"""
# The AutoCkt two-stage op-amp on sky130, served at a corner set

The benchmark's topology (`two_stage_opamp.two_stage_amplifier`), testbench (`opamp_testbench`:
30 uA into the bias diode, 10 pF load, input common mode at half the supply, 1 V differential
AC stimulus) and metrics (`metrics.opamp_metrics`: gain, ugbw, phm, ibias), with sky130's
1.8 V devices sized in µm (`autockt_shared.circuits.two_stage_opamp_sky130`), at sky130's
`ppaas` corners at 1.8 V (`pdks/corner_sets/sky130_ppaas.py`). Served only by a server of
sky130 (404 `not_found` elsewhere, naming the flag).

A call is a pool job per corner (`at_corner`), all of a design's corners awaited together so
that they spread over the workers; with a target, skip-on-fail (`corner_evaluation`). One bench
per process section (its models); the supply (`supply`) and the temperature (`temp_c`) are
run-time values, so moving between the corners of one section needs no reload.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping

import hdl21 as h

from autockt_shared import OpAmpOutput
from autockt_shared.circuits.two_stage_opamp_sky130 import TWO_STAGE_OPAMP_SKY130, OpAmpCornersOutput, OpAmpSky130Input

from ..corner_evaluation import CORNER_SIMULATIONS, evaluate_corners
from ..engine import Bench, Engine
from ..metrics import opamp_metrics
from ..opamp_testbench import OUTPUT_NODE, SUPPLY_SOURCE, opamp_sim, opamp_testbench
from ..pdks import Corner, MosSize, Pdk, ProcessCorner, pdk
from ..served import JobRunner, ServedCircuit
from ..settings import Settings
from ..simulator import Simulator
from .two_stage_opamp import LOAD_CAP, two_stage_amplifier

PDK = "sky130"
SUPPLY = 1.8
"""The supply every corner runs at: sky130's 1.8 V devices at their nominal supply."""

PARAMS = tuple(param.name for param in TWO_STAGE_OPAMP_SKY130.params)
INITIAL: Mapping[str, float] = TWO_STAGE_OPAMP_SKY130.initial_values()
SENSES = {spec.name: spec.sense for spec in TWO_STAGE_OPAMP_SKY130.metrics}

_LENGTH_OF = {"mp1": "lload", "mp3": "lload", "mn1": "lpair", "mn3": "lbias", "mn4": "lbias", "mn5": "lbias"}
"""Each device's length parameter; its width parameter is its key with a `w` for the `m` (mp1: wp1)."""


def corners(name: str) -> tuple[Corner, ...]:
    """The corners of sky130's set `name` at `SUPPLY`."""
    return pdk(PDK).corner_set(name, SUPPLY)


@functools.cache
def _amplifier(kit: Pdk) -> h.Module:
    """The op-amp with `kit`'s devices, sizes and cc (pF) as netlist parameters."""

    def device(key: str) -> h.Instantiable:
        size = MosSize(w="w" + key[1:], l=_LENGTH_OF[key])
        return kit.pmos(size) if key.startswith("mp") else kit.nmos(size)

    return two_stage_amplifier(f"two_stage_opamp_{kit.name}", device, "{cc*1e-12}")


@functools.cache
def sky130_bench(kit: Pdk, process: ProcessCorner) -> Bench:
    """The benchmark's testbench with `process`'s models; the supply and the temperature are run-time values."""
    name = f"{TWO_STAGE_OPAMP_SKY130.name}_{process.section}"
    tb = opamp_testbench(name, _amplifier(kit), ["ibias"], LOAD_CAP, supply="supply")
    params = {**INITIAL, "supply": SUPPLY, "temp_c": 27.0}
    sim = opamp_sim(tb, kit.models(process), params, ac_start=1.0)
    return Bench(name=name, sim=sim, params=tuple(params), ngbehavior=kit.ngbehavior, temperature="temp_c")


def evaluate_at(engine: Engine, corner: Corner, values: Mapping[str, float]) -> OpAmpOutput:
    """The op-amp's metrics at `corner` for the design `values` (µm, pF)."""
    run = {**values, "supply": corner.vdd, "temp_c": corner.temp_c}
    return opamp_metrics(engine.run(sky130_bench(pdk(PDK), corner.process), run), OUTPUT_NODE, SUPPLY_SOURCE)


def at_corner(sim: Simulator, values: Mapping[str, float], corner: Corner) -> dict[str, float]:
    """A pool job: the design at one corner (plain floats: the cheapest reply to pickle)."""
    return dataclasses.asdict(evaluate_at(sim.engine, corner, values))


async def serve(run: JobRunner, inp: OpAmpSky130Input) -> OpAmpCornersOutput:
    """A call: each corner its own job, so that a design's corners spread over the pool's workers."""
    values = {name: getattr(inp, name) for name in PARAMS}
    target = None if inp.target is None else dataclasses.asdict(inp.target)

    async def one(corner: Corner) -> dict[str, float]:
        return await run(at_corner, values, corner)

    result = await evaluate_corners(one, corners(inp.corner_set), SENSES, target)
    CORNER_SIMULATIONS.labels(TWO_STAGE_OPAMP_SKY130.name).inc(result.simulations)
    return OpAmpCornersOutput(
        corners={name: OpAmpOutput(**metrics) for name, metrics in result.per_corner.items()},
        worst=OpAmpOutput(**result.worst),
        skipped=result.skipped,
        simulations=result.simulations,
    )


def benches(settings: Settings) -> list[Bench]:
    """One bench per process section: each corner's job finds its section's loaded."""
    kit = pdk(PDK)
    return [sky130_bench(kit, process) for process in kit.processes]


SERVED = ServedCircuit(optimization=TWO_STAGE_OPAMP_SKY130, benches=benches, serve=serve, pdk=PDK)
