"""Circuits a client writes for an open PDK's server from its `simulation_offer` alone: devices
built with `offered_device`, sized in micrometres and converted to the unit each parameter takes."""

from __future__ import annotations

import hdl21 as h
import hdl21.sim as hs

from autockt_shared.devices import offered_device
from autockt_shared.vlsir_sim import OfferedDevice, SimulationOffer

SUPPLY = {"gf180mcu": 3.3, "sky130": 1.8}
"""Each PDK's nominal supply, volts."""


def _device(offer: SimulationOffer, polarity: str) -> OfferedDevice:
    """The offer's NMOS or PMOS (its name holds `nfet` or `pfet`)."""
    return next(device for device in offer.devices if f"{polarity}fet" in device.name)


def mos(offer: SimulationOffer, polarity: str, w_um: float, l_um: float, nf: int = 1, m: int = 1) -> h.ExternalModuleCall:
    """A device of the offer sized in micrometres, whatever unit it takes (the offer says which)."""
    device = _device(offer, polarity)
    scale = {"m": 1e-6, "um": 1.0}[next(p.unit for p in device.params if p.name == "w")]
    return offered_device(device)(w=float(f"{w_um * scale:.12g}"), l=float(f"{l_um * scale:.12g}"), nf=nf, m=m)


def inverter_sim(offer: SimulationOffer) -> hs.Sim:
    """A CMOS inverter at half supply: its operating point and small-signal gain (op, ac)."""
    vdd = SUPPLY[offer.pdk]
    tb = h.Module(name="InverterTb")
    tb.VSS = h.Port()
    tb.vdd, tb.inp, tb.out = h.Signal(), h.Signal(), h.Signal()
    tb.vsupply = h.Vdc(dc=vdd)(p=tb.vdd, n=tb.VSS)
    tb.vin = h.Vdc(dc=vdd / 2, ac=1)(p=tb.inp, n=tb.VSS)
    tb.mp = mos(offer, "p", 4, 0.5)(d=tb.out, g=tb.inp, s=tb.vdd, b=tb.vdd)
    tb.mn = mos(offer, "n", 2, 0.5)(d=tb.out, g=tb.inp, s=tb.VSS, b=tb.VSS)
    return hs.Sim(tb=tb, attrs=[hs.Op(name="op"), hs.Ac(name="ac", sweep=hs.LogSweep(1e3, 1e9, 5))])


def fingers_sim(offer: SimulationOffer, finger_um: float) -> hs.Sim:
    """One NMOS of 2 fingers of `finger_um` beside 2 NMOS of one finger each, each on its own
    drain supply: in ngspice's `hsa` mode their currents are equal (each bin is picked by the
    width of a finger), in its default mode not (picked by the total width)."""
    vdd = SUPPLY[offer.pdk]
    tb = h.Module(name="FingersTb")
    tb.VSS = h.Port()
    tb.g, tb.d_fingers, tb.d_devices = h.Signal(), h.Signal(), h.Signal()
    tb.vg = h.Vdc(dc=vdd)(p=tb.g, n=tb.VSS)
    tb.vfingers = h.Vdc(dc=vdd)(p=tb.d_fingers, n=tb.VSS)
    tb.vdevices = h.Vdc(dc=vdd)(p=tb.d_devices, n=tb.VSS)
    tb.fingers = mos(offer, "n", 2 * finger_um, 1, nf=2)(d=tb.d_fingers, g=tb.g, s=tb.VSS, b=tb.VSS)
    tb.devices = mos(offer, "n", finger_um, 1, m=2)(d=tb.d_devices, g=tb.g, s=tb.VSS, b=tb.VSS)
    return hs.Sim(tb=tb, attrs=[hs.Op(name="op")])


def range_corners_sim(offer: SimulationOffer) -> hs.Sim:
    """Every offered MOS at its smallest and at its largest W and L, biased on."""
    vdd = SUPPLY[offer.pdk]
    tb = h.Module(name="RangeCornersTb")
    tb.VSS = h.Port()
    tb.vdd = h.Signal()
    tb.vsupply = h.Vdc(dc=vdd)(p=tb.vdd, n=tb.VSS)
    for device in offer.devices:
        width, length = (next(p for p in device.params if p.name == name) for name in ("w", "l"))
        for end, (w_value, l_value) in (("min", (width.low, length.low)), ("max", (width.high, length.high))):
            call = offered_device(device)(w=w_value, l=l_value)
            gate, source = (tb.vdd, tb.VSS) if "nfet" in device.name else (tb.VSS, tb.vdd)
            tb.add(call(d=tb.VSS if "pfet" in device.name else tb.vdd, g=gate, s=source, b=source), name=f"{device.name}_{end}")
    return hs.Sim(tb=tb, attrs=[hs.Op(name="op")])
