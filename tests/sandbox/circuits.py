"""Circuits a client writes in plain Hdl21 against the server's device module."""

from __future__ import annotations

import hdl21 as h
import hdl21.sim as hs
from hdl21.prefix import K, n, p, µ

from autockt_shared.devices import MosParams, nmos, pmos

SUPPLY = 1.2


@h.module
class RcLowPass:
    """1 kOhm, 1 nF: a 159 kHz pole, driven by a 10 us pulse (transient) in series with a 1 V AC source."""

    VSS = h.Port()
    vin, mid, out = h.Signals(3)
    pulse = h.Vpulse(v1=0, v2=1, delay=0, rise=1 * n, fall=1 * n, width=5 * µ, period=10 * µ)(p=mid, n=VSS)
    ac = h.Vdc(dc=0, ac=1)(p=vin, n=mid)
    r = h.Res(r=1 * K)(p=vin, n=out)
    c = h.Cap(c=1 * n)(p=out, n=VSS)


def rc_sim() -> hs.Sim:
    return hs.Sim(
        tb=RcLowPass,
        attrs=[
            hs.Op(name="op"),
            hs.Ac(name="ac", sweep=hs.LogSweep(1, 1e9, 10)),
            hs.Tran(name="tran", tstop=20 * µ, tstep=10 * n),
        ],
    )


def _mos(device: h.ExternalModule, m: int) -> h.ExternalModuleCall:
    return device(MosParams(m=m))


@h.module
class TwoStageOpAmp:
    """The AutoCkt two-stage Miller op-amp at the benchmark's reset point, sized with numbers."""

    VDD, VSS = h.Inputs(2)
    inp = h.Diff(port=True, role=h.Diff.Roles.SINK)
    out = h.Output()
    ibias = h.Input()
    net3, net4, net5 = h.Signals(3)
    mp1 = _mos(pmos, 34)(d=net4, g=net4, s=VDD, b=VDD)
    mp2 = _mos(pmos, 34)(d=net5, g=net4, s=VDD, b=VDD)
    mn1 = _mos(nmos, 34)(d=net4, g=inp.n, s=net3, b=net3)
    mn2 = _mos(nmos, 34)(d=net5, g=inp.p, s=net3, b=net3)
    mn3 = _mos(nmos, 34)(d=net3, g=ibias, s=VSS, b=VSS)
    mn4 = _mos(nmos, 34)(d=ibias, g=ibias, s=VSS, b=VSS)
    mp3 = _mos(pmos, 34)(d=out, g=net5, s=VDD, b=VDD)
    mn5 = _mos(nmos, 15)(d=out, g=ibias, s=VSS, b=VSS)
    cc = h.Cap(c=2.1 * p)(p=net5, n=out)


@h.module
class OpAmpTb:
    """VDD 1.2 V, 30 uA bias, 0.6 V common mode, +-0.5 V differential AC, 10 pF load."""

    VSS = h.Port()
    VDD, ibias, out = h.Signals(3)
    inp = h.Diff()
    vdd = h.Vdc(dc=SUPPLY)(p=VDD, n=VSS)
    vinp = h.Vdc(dc=0.6, ac=0.5)(p=inp.p, n=VSS)
    vinn = h.Vdc(dc=0.6, ac=-0.5)(p=inp.n, n=VSS)
    iibias = h.Idc(dc=30 * µ)(p=VDD, n=ibias)
    cl = h.Cap(c=10 * p)(p=out, n=VSS)
    dut = TwoStageOpAmp(VDD=VDD, VSS=VSS, inp=inp, out=out, ibias=ibias)


def opamp_sim() -> hs.Sim:
    return hs.Sim(tb=OpAmpTb, attrs=[hs.Op(name="op"), hs.Ac(name="ac", sweep=hs.LogSweep(1, 10e9, 10))])


def many_devices_sim(count: int) -> hs.Sim:
    """`count` NMOS devices in parallel, biased on: memory grows with the count."""
    tb = h.Module(name=f"ManyDevices{count}")
    tb.VSS = h.Port()
    tb.vdd, tb.g = h.Signal(), h.Signal()
    tb.vsupply = h.Vdc(dc=SUPPLY)(p=tb.vdd, n=tb.VSS)
    tb.vgate = h.Vdc(dc=0.6)(p=tb.g, n=tb.VSS)
    for i in range(count):
        tb.add(nmos(MosParams())(d=tb.vdd, g=tb.g, s=tb.VSS, b=tb.VSS), name=f"m{i}")
    return hs.Sim(tb=tb, attrs=[hs.Op(name="op")])


def parallel_cells_sim(per_cell: int, cells: int) -> hs.Sim:
    """`cells` copies of a cell of `per_cell` NMOS devices, all in parallel: as slow to simulate as
    `many_devices_sim(per_cell * cells)`, but a small protobuf and netlist, quick to check and render."""
    cell = h.Module(name=f"Cell{per_cell}")
    cell.d, cell.g, cell.s = h.Port(), h.Port(), h.Port()
    for i in range(per_cell):
        cell.add(nmos(MosParams())(d=cell.d, g=cell.g, s=cell.s, b=cell.s), name=f"m{i}")
    tb = h.Module(name=f"Cells{per_cell}x{cells}")
    tb.VSS = h.Port()
    tb.vdd, tb.g = h.Signal(), h.Signal()
    tb.vsupply = h.Vdc(dc=SUPPLY)(p=tb.vdd, n=tb.VSS)
    tb.vgate = h.Vdc(dc=0.6)(p=tb.g, n=tb.VSS)
    for i in range(cells):
        tb.add(cell(d=tb.vdd, g=tb.g, s=tb.VSS), name=f"x{i}")
    return hs.Sim(tb=tb, attrs=[hs.Op(name="op")])


def long_tran_sim(points: int) -> hs.Sim:
    """The RC low-pass over `points` output steps of 1 ns."""
    return hs.Sim(tb=RcLowPass, attrs=[hs.Tran(name="tran", tstop=points * n, tstep=1 * n)])


@h.module
class ParametricRc:
    """Values as expressions over simulation parameters (`hs.Param`), as `h.Literal`s."""

    VSS = h.Port()
    vin, out = h.Signals(2)
    src = h.Vdc(dc=h.Literal("vsup / 2"), ac=1)(p=vin, n=VSS)
    r = h.Res(r=h.Literal("{rval}"))(p=vin, n=out)
    c = h.Cap(c=1 * n)(p=out, n=VSS)
    load = nmos(MosParams(m=h.Literal("2 * mult")))(d=out, g=vin, s=VSS, b=VSS)


def parametric_sim(rval: float) -> hs.Sim:
    return hs.Sim(
        tb=ParametricRc,
        attrs=[
            hs.Param(name="rval", val=rval),
            hs.Param(name="vsup", val=SUPPLY),
            hs.Param(name="mult", val=3),
            hs.Op(name="op"),
            hs.Ac(name="ac", sweep=hs.LogSweep(1e3, 1e9, 10)),
        ],
    )


@h.module
class VoltageLoop:
    """1 V and 2 V sources in parallel: no operating point exists."""

    VSS = h.Port()
    a = h.Signal()
    one = h.Vdc(dc=1)(p=a, n=VSS)
    two = h.Vdc(dc=2)(p=a, n=VSS)


def unsolvable_sim() -> hs.Sim:
    return hs.Sim(tb=VoltageLoop, attrs=[hs.Op(name="op")])
