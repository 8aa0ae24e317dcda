"""
# The op-amp testbench, shared by every op-amp here (as in the AutoCkt benchmark)

VDD = 1.2 V; each bias input fed 30 uA from VDD; input common mode 0.6 V with a 1 V
differential AC stimulus (+0.5 on inp.p, -0.5 on inp.n); optional load capacitor on `out`.
Analyses: operating point `op`, AC sweep `ac` from 1 Hz to 10 GHz at 10 points per decade.
An op-amp of an open PDK runs the same bench at each corner's supply (a run-time parameter),
its input common mode at half of it, with the corner's models (`corner_serving.section_bench`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import hdl21 as h
import hdl21.sim as hs

from autockt_shared import OpAmpOutput

from .bench_simulation import bench_sim
from .engine import Bench
from .metrics import opamp_metrics
from .settings import Settings

if TYPE_CHECKING:
    from .simulator import Simulator

VDD = 1.2
IBIAS = 30e-6

OUTPUT_NODE = "xtop.out"
"""The op-amp output as ngspice names it (the testbench is instance `xtop`)."""

SUPPLY_SOURCE = "v.xtop.vvdd"
"""The VDD source as ngspice names it: its branch current is the supply current."""


def opamp_bench(
    name: str,
    dut: h.Module,
    bias_ports: Sequence[str],
    load_cap: float | None,
    params: Mapping[str, float],
    settings: Settings,
) -> Bench:
    """A `Bench` around op-amp `dut`, whose ports are VDD, VSS, inp (h.Diff), out and `bias_ports`.

    `params` are the netlist parameters the DUT's sizes refer to, with placeholder values
    (every run sets them all).
    """
    return opamp_analyses(name, opamp_testbench(name, dut, bias_ports, load_cap), params, settings, ac_start=1.0)


def opamp_testbench(name: str, dut: h.Module, bias_ports: Sequence[str], load_cap: float | None, *, supply: float | str = VDD) -> h.Module:
    """The testbench module `{name}_tb` around `dut` (ports as `opamp_bench`'s): the supply
    `supply`, in volts or as a netlist expression (a run-time parameter's name), and the input
    common mode at half of it."""
    tb = h.Module(name=f"{name}_tb")
    tb.VSS = h.Port()
    tb.VDD = h.Signal()
    tb.inp = h.Diff()
    tb.out = h.Signal()
    vdd, vicm = (supply, supply / 2) if isinstance(supply, float) else (h.Literal(supply), h.Literal(f"({supply})/2"))
    tb.vdd = h.Vdc(dc=vdd)(p=tb.VDD, n=tb.VSS)
    tb.vinp = h.Vdc(dc=vicm, ac=0.5)(p=tb.inp.p, n=tb.VSS)
    tb.vinn = h.Vdc(dc=vicm, ac=-0.5)(p=tb.inp.n, n=tb.VSS)
    conns = dict(VDD=tb.VDD, VSS=tb.VSS, inp=tb.inp, out=tb.out)
    for port in bias_ports:
        node = tb.add(h.Signal(name=port))
        tb.add(h.Idc(dc=IBIAS)(p=tb.VDD, n=node), name=f"i{port}")
        conns[port] = node
    if load_cap is not None:
        tb.cl = h.Cap(c=load_cap)(p=tb.out, n=tb.VSS)
    tb.dut = dut(**conns)
    return tb


def opamp_analyses(name: str, tb: h.Module, params: Mapping[str, float], settings: Settings, *, ac_start: float) -> Bench:
    """The op-amps' `Bench` of testbench `tb`: the model card, `params` as netlist parameters and
    the op-amps' analyses (`opamp_sweeps`)."""
    sim = bench_sim(tb, [hs.Include(settings.model_path)], params, opamp_sweeps(ac_start))
    return Bench(name=name, sim=sim, params=tuple(params))


def opamp_sweeps(ac_start: float) -> list[hs.SimAttr]:
    """The op-amps' analyses: an operating point `op` and an AC sweep `ac` from `ac_start` to
    10 GHz at 10 points per decade."""
    return [hs.Op(name="op"), hs.Ac(name="ac", sweep=hs.LogSweep(ac_start, 10e9, 10))]


def evaluate_opamp(sim: Simulator, bench: str, inp: Any) -> OpAmpOutput:
    """An op-amp's `OpAmpOutput`: its bench `bench` run with `inp`'s fields as the parameters."""
    return opamp_metrics(sim.run(bench, dataclasses.asdict(inp)), OUTPUT_NODE, SUPPLY_SOURCE)
