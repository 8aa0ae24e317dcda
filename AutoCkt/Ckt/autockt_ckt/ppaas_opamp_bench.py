"""
# PPAAS's op-amp testbench and its six metrics, shared by its op-amps (TSA, CMA)

PPAAS (ICCAD 2025) runs both of its gf180mcu op-amps through one testbench and one set of
metric definitions; only the amplifier, the side its 30 uA reference flows from and the
follower's step levels differ. So one `PpaasOpamp` per circuit holds those, and the bench and
the metrics are here, once: a definition fixed for one op-amp is fixed for both. Each is served
as a `corner_serving.CornerCircuit` (`PpaasOpamp.corner_circuit`): a pool job per process
section's run of corners, skip-on-fail, the worst case.

The bench, one per process section (its models; the supply and the temperature are run-time
values, so that moving between the corners of one section needs no reload): an open-loop copy
(inputs VDD/2 +- vin/2 through VCVSs, 10 pF load, AC 1 on vin) and a unity-gain follower
(500 pF load) on a supply of its own, stepped from `mid*VDD - step` to `mid*VDD + step` at
1 us (1 ps edges), held 200 us, and back. Analyses: operating point, AC 1 Hz-10 GHz (10 per
decade), DC sweep of vin -1..+1 mV in 10 uV steps, transient to 401 us (steps at most 1 us).

An op-amp may be `centred`: a third copy, a unity-gain follower at VDD/2 (500 pF load, a supply
of its own), finds the amplifier's systematic offset e at the operating point (its output sits
at VDD/2 + e), and the open-loop copy's differential input becomes vin - e, so that vin = 0 puts
its output near VDD/2, where a designer measures gain. The AC analysis then runs at that centred
operating point and the +-1 mV sweep straddles the high-gain region however large the offset. No
AC reaches the third copy (its inputs are VDD/2 and its own output), so the open-loop response
is unchanged. Not PPAAS's (it applies vin around zero), so only the op-amps whose gain and offset
put the high-gain region outside the sweep for most designs use it (the CMA).

The metrics, and where they deliberately differ from PPAAS's:
* gain: the largest |dVout/dVin| between adjacent points of the DC sweep (PPAAS's).
* vswing: the range of the output over the sweep intervals whose slope is at least gain/sqrt(2),
  both ends of each interval (PPAAS takes the left end only). Like PPAAS's, it is measured
  within the +-1 mV sweep: an offset beyond 1 mV leaves the high-gain region outside it.
* ugbw, phm: the project's definitions (`metrics.unity_gain_crossing`): the first unity-gain
  crossing, interpolated in log |H| over log f, and 180 + the unwrapped phase there; no
  crossing gives 0, 0 (PPAAS: Brent's method on a spline, which may return a later crossing,
  and 1 Hz / -180).
* ibias: the open-loop amplifier's supply current at the operating point, its 30 uA reference
  included: each copy has its own supply source (PPAAS's ibias counts both copies and both
  references).
* t_settle: for each edge, the time from the edge until the output stays within 1 % of the
  step (2 x `step`) of its own value at the end of the window, interpolated; the larger of the
  two (PPAAS's band is 1 % of the absolute level around the input's level, so that an offset
  above 1 % never settles, and its time resolution is the 1 us sample). An edge that does not
  settle within its window gives the window (200 us).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import hdl21 as h
import hdl21.sim as hs
import numpy as np

from autockt_shared.design_waveforms import FrequencyResponse, Transient
from autockt_shared.optimization import CircuitOptimization

from .corner_serving import CornerCircuit, section_bench
from .engine import Bench, SimResult
from .metrics import unity_gain_crossing
from .pdks import Corner, Pdk, ProcessCorner
from .traces import bode, transient
from .waveforms import settling_time

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

IBIAS = 30e-6
LOAD_CAP = 10e-12
FOLLOWER_CAP = 500e-12
EDGE_S, HOLD_S, TSTOP_S, TSTEP_S = 1e-6, 200e-6, 401e-6, 1e-6
SWEEP_V, SWEEP_STEP_V = 1e-3, 10e-6
SETTLE_FRACTION = 0.01
SETTLING_WINDOWS = ((EDGE_S, EDGE_S + HOLD_S), (EDGE_S + HOLD_S, TSTOP_S))
"""The follower's rising and falling steps: each from its edge to the end of its hold."""

OUT_OL, OUT_FB = "xtop.out_ol", "xtop.out_fb"
SUPPLY_OL = "v.xtop.vvdd_ol"
VIN = "v.xtop.vvin"

M = TypeVar("M", bound="DataclassInstance")
"""An op-amp's metrics type (its wire type's dataclass of the six metrics)."""

_OPAMPS: dict[str, PpaasOpamp[Any]] = {}


@dataclasses.dataclass(frozen=True, eq=False)
class PpaasOpamp(Generic[M]):
    """One of PPAAS's op-amps on the shared bench; constructing one registers it by its
    optimization's name (`ppaas_opamp`).

    `amplifier(pdk)` is the Hdl21 module, its sizes netlist parameters named as the
    optimization's params, its ports VDD, VSS, inp, inn, out and `bias`, the node its 30 uA
    reference current flows into (from VDD: `bias_sinks` False) or out of (to VSS: True).
    The follower's input steps between `step_mid * VDD - step` and `step_mid * VDD + step`.
    `centred` removes the amplifier's systematic offset from the open-loop copy's input (module docstring).
    """

    optimization: CircuitOptimization[Any, Any]
    metrics_type: Callable[..., M]
    amplifier: Callable[[Pdk], h.Module]
    bias_sinks: bool
    step_mid: float
    step: float
    pdk: str = "gf180mcu"
    centred: bool = False

    def __post_init__(self) -> None:
        if self.name in _OPAMPS:
            raise ValueError(f"a PPAAS op-amp named {self.name!r} already exists")
        _OPAMPS[self.name] = self

    @property
    def name(self) -> str:
        return self.optimization.name

    def bench(self, kit: Pdk, process: ProcessCorner) -> Bench:
        """The open-loop copy and the follower with `process`'s models (module docstring); the
        supply (`supply`) and the temperature (`temp_c`) are run-time values, so that every corner
        of a process section is the same netlist (no reload)."""
        return _bench(self, kit, process)

    def metrics(self, result: SimResult, corner: Corner | None = None) -> M:
        """The `metrics_type` of a bench's results at any corner, as the module docstring defines them."""
        dc = result.dc("dc")
        vout = dc.values[f"v({OUT_OL})"]
        slopes = np.abs(np.diff(vout) / np.diff(dc.sweep))
        gain = float(slopes.max())
        steep = np.flatnonzero(slopes >= gain / math.sqrt(2))
        ends = np.concatenate([vout[steep], vout[steep + 1]])
        ac = result.ac("ac")
        h_out = ac.values[f"v({OUT_OL})"]
        mag = np.maximum(np.abs(h_out), np.finfo(float).tiny)
        ugbw, phm = unity_gain_crossing(ac.freq, mag, np.degrees(np.unwrap(np.angle(h_out))))
        tran = result.tran("tran")
        follower = tran.values[f"v({OUT_FB})"]
        return self.metrics_type(
            gain=gain,
            vswing=float(ends.max() - ends.min()),
            ugbw=ugbw,
            phm=phm,
            ibias=-result.op("op")[f"i({SUPPLY_OL})"],
            t_settle=max(self._settling(tran.time, follower, edge, end) for edge, end in SETTLING_WINDOWS),
        )

    def _settling(self, time: np.ndarray, values: np.ndarray, edge: float, end: float) -> float:
        """Time from `edge` until the output stays within 1 % of the step of its value at `end`;
        the window's length if it does not."""
        inside = time <= end
        t, v = time[inside], values[inside]
        settled = settling_time(t, v, edge, float(v[-1]), SETTLE_FRACTION * 2 * self.step)
        return end - edge if settled is None else settled

    @staticmethod
    def traces(result: SimResult) -> tuple[list[FrequencyResponse], list[Transient]]:
        """What `design_waveforms` shows of a corner: the open-loop output's Bode plot and the follower's steps."""
        ac = result.ac("ac")
        follower = transient("unity-gain follower steps", result.tran("tran"), {"input": "v(xtop.step)", "output": f"v({OUT_FB})"})
        return [bode("v(out), open loop", ac.freq, ac.values[f"v({OUT_OL})"])], [follower]

    def corner_circuit(self) -> CornerCircuit[M]:
        """The op-amp served at its PDK's corner sets (constructing it registers it)."""
        return CornerCircuit(
            optimization=self.optimization,
            metrics_type=self.metrics_type,
            bench=self.bench,
            metrics=self.metrics,
            pdk=self.pdk,
            traces=self.traces,
        )


def ppaas_opamp(name: str) -> PpaasOpamp[Any]:
    """The `PpaasOpamp` called `name`, its circuit's module (`autockt_ckt.circuits.<name>`) imported if it was not yet."""
    if name not in _OPAMPS:
        importlib.import_module(f"{__package__}.circuits.{name}")
    return _OPAMPS[name]


@functools.cache
def _bench(opamp: PpaasOpamp[Any], kit: Pdk, process: ProcessCorner) -> Bench:
    """One per op-amp and section for the process's life (Hdl21 keeps every module it generates)."""
    amp = opamp.amplifier(kit)
    tb = h.Module(name=f"{opamp.name}_tb_{process.section}")
    tb.VSS = h.Port()
    tb.VDD_OL, tb.VDD_FB, tb.vd, tb.vcm, tb.inp, tb.inn, tb.out_ol, tb.bias_ol = h.Signals(8)
    tb.step, tb.out_fb, tb.bias_fb = h.Signals(3)
    tb.vdd_ol = h.Vdc(dc=h.Literal("supply"))(p=tb.VDD_OL, n=tb.VSS)  # netlisted vvdd_ol
    tb.vdd_fb = h.Vdc(dc=h.Literal("supply"))(p=tb.VDD_FB, n=tb.VSS)
    # open loop: vin (AC 1, swept in DC) split around VDD/2
    tb.vin = h.Vdc(dc=0, ac=1)(p=tb.vd, n=tb.VSS)
    tb.vcm_src = h.Vdc(dc=h.Literal("supply/2"))(p=tb.vcm, n=tb.VSS)
    applied = tb.vd
    if opamp.centred:
        tb.VDD_OS, tb.out_os, tb.bias_os, tb.vdc = h.Signals(4)
        tb.vdd_os = h.Vdc(dc=h.Literal("supply"))(p=tb.VDD_OS, n=tb.VSS)
        tb.iref_os = _reference(opamp, tb.VDD_OS, tb.bias_os, tb.VSS)
        tb.os = amp(VDD=tb.VDD_OS, VSS=tb.VSS, inp=tb.vcm, inn=tb.out_os, out=tb.out_os, bias=tb.bias_os)
        tb.cl_os = h.Cap(c=FOLLOWER_CAP)(p=tb.out_os, n=tb.VSS)
        tb.ecentre = h.Vcvs(gain=-1)(p=tb.vdc, n=tb.vd, cp=tb.out_os, cn=tb.vcm)  # vdc = vin - (out_os - VDD/2)
        applied = tb.vdc
    tb.einp = h.Vcvs(gain=0.5)(p=tb.inp, n=tb.vcm, cp=applied, cn=tb.VSS)
    tb.einn = h.Vcvs(gain=-0.5)(p=tb.inn, n=tb.vcm, cp=applied, cn=tb.VSS)
    tb.iref_ol = _reference(opamp, tb.VDD_OL, tb.bias_ol, tb.VSS)
    tb.ol = amp(VDD=tb.VDD_OL, VSS=tb.VSS, inp=tb.inp, inn=tb.inn, out=tb.out_ol, bias=tb.bias_ol)
    tb.cl_ol = h.Cap(c=LOAD_CAP)(p=tb.out_ol, n=tb.VSS)
    # unity-gain follower, stepped up at EDGE_S and down HOLD_S later
    tb.vstep_src = h.Vpulse(
        v1=h.Literal(f"supply*{opamp.step_mid!r}-{opamp.step!r}"),
        v2=h.Literal(f"supply*{opamp.step_mid!r}+{opamp.step!r}"),
        delay=EDGE_S,
        rise=1e-12,
        fall=1e-12,
        width=HOLD_S,
        period=2 * TSTOP_S,
    )(p=tb.step, n=tb.VSS)
    tb.iref_fb = _reference(opamp, tb.VDD_FB, tb.bias_fb, tb.VSS)
    tb.fb = amp(VDD=tb.VDD_FB, VSS=tb.VSS, inp=tb.step, inn=tb.out_fb, out=tb.out_fb, bias=tb.bias_fb)
    tb.cl_fb = h.Cap(c=FOLLOWER_CAP)(p=tb.out_fb, n=tb.VSS)
    analyses: list[hs.SimAttr] = [
        hs.Op(name="op"),
        hs.Ac(name="ac", sweep=hs.LogSweep(1.0, 10e9, 10)),
        hs.Dc(name="dc", var=VIN, sweep=hs.LinearSweep(-SWEEP_V, SWEEP_V, SWEEP_STEP_V)),
        hs.Tran(name="tran", tstop=TSTOP_S, tstep=TSTEP_S),
    ]
    return section_bench(tb.name, tb, kit, process, opamp.optimization.initial_values(), kit.nominal_vdd, analyses)


def _reference(opamp: PpaasOpamp[Any], vdd: h.Signal, bias: h.Signal, vss: h.Signal) -> h.Instance:
    """The 30 uA reference: into `bias` from VDD, or out of it to VSS."""
    source = h.Idc(dc=IBIAS)
    return source(p=bias, n=vss) if opamp.bias_sinks else source(p=vdd, n=bias)
