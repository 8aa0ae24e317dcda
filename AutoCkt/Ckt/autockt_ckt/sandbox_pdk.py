"""
# What the server's PDK gives `simulate_on_the_server`: its devices with their ranges, its models per process corner

A client names a device by the name the offer lists (`Reference.external`, no domain) and
gives its parameters; the server adds the one line that loads the models of the process corner
the call names (the PDK's single-section library, or the 45 nm card's include) and sets the
ngspice compatibility mode the PDK needs. So a client sees names, parameters and ranges, never a
model line.

The open PDKs' devices are the registry's (every family of `Pdk.device_names`: Hdl21's own
primitives, their names and ports), offered with the four parameters a designer sizes (W, L,
fingers, multiplier) in the units the device takes (gf180mcu metres, sky130 micrometres) and
within the ranges the models are binned for (gf180mcu's `nmos_3p3` / `pmos_3p3` bins: L 0.28-50
um, W 0.22-100 um; sky130's `nfet_01v8` / `pfet_01v8`: L 0.15-20 um, W 0.42-1000 um, and its
5 V `nfet_g5v0d10v5` / `pfet_g5v0d10v5`: L 0.5-20 um, W 0.42-1000 um, both offered to 100 um;
a default outside them, the primitives' shared L of 0.15 um, is moved to the nearest end): a
value out of range is refused naming the field, where ngspice would answer with a message the
scrubber must cut to nothing useful. The other parameters of the Hdl21 primitives (areas,
perimeters as expressions over `0.18u`) are left to the models' defaults. The 45 nm card's
devices keep their unbounded `w`, `l`, `m` as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import hdl21 as h
import hdl21.sim as hs
import vlsir.circuit_pb2 as vckt
import vlsir.spice_pb2 as vsp
from hdl21.prefix import Prefixed

from autockt_shared.devices import DEVICES
from autockt_shared.vlsir_sim import DeviceParam, OfferedCorner, OfferedCornerSet, OfferedDevice

from .pdks import MosSize, Pdk, corner_set_names, pdk
from .pdks.pdk import corner_set_description

MAX_FINGERS = 100
MAX_MULTIPLIER = 10_000


@dataclass(frozen=True)
class Device:
    """A device the server offers, as the sandbox checks its uses."""

    name: str
    spice_type: int  # vlsir.circuit.SpiceType
    ports: tuple[str, ...]
    params: Mapping[str, DeviceParam]

    @classmethod
    def of(cls, offered: OfferedDevice) -> Device:
        return cls(
            name=offered.name,
            spice_type=vckt.SpiceType.Value(offered.spice_type),
            ports=offered.ports,
            params={param.name: param for param in offered.params},
        )


@dataclass(frozen=True)
class _MosRanges:
    """The sizes an open PDK's models are binned for, and the unit its devices take."""

    unit: str
    scale: float
    """1 um in `unit`."""
    w_um: tuple[float, float]
    l_um: tuple[float, float]


_MOS: Mapping[str, Mapping[str, _MosRanges]] = {
    "gf180mcu": dict.fromkeys(("nmos", "pmos"), _MosRanges("m", 1e-6, w_um=(0.22, 100.0), l_um=(0.28, 50.0))),
    "sky130": {
        **dict.fromkeys(("nmos", "pmos"), _MosRanges("um", 1.0, w_um=(0.42, 100.0), l_um=(0.15, 20.0))),
        **dict.fromkeys(("nmos_5v", "pmos_5v"), _MosRanges("um", 1.0, w_um=(0.42, 100.0), l_um=(0.5, 20.0))),
    },
}
"""By PDK, then by device family (`Pdk.device_names`)."""


def _si(value: Prefixed | int | float) -> float:
    """A parameter default as written (`90*NANO` is 9e-08, not 9.000000000000001e-08)."""
    if isinstance(value, Prefixed):
        return float(value.number.scaleb(value.prefix.value))
    return float(value)


def _scaled(um: float, scale: float) -> float:
    return float(f"{um * scale:.12g}")  # 0.22 um is 2.2e-07 m, not 2.2000000000000002e-07


def _offered(device: h.ExternalModule, params: tuple[DeviceParam, ...]) -> OfferedDevice:
    return OfferedDevice(
        name=device.name,
        spice_type=device.spicetype.name,
        ports=tuple(port.name for port in device.port_list),
        params=params,
        desc=device.desc or "",
    )


def _mos_params(device: h.ExternalModule, ranges: _MosRanges) -> tuple[DeviceParam, ...]:
    low = {"w": _scaled(ranges.w_um[0], ranges.scale), "l": _scaled(ranges.l_um[0], ranges.scale)}
    high = {"w": _scaled(ranges.w_um[1], ranges.scale), "l": _scaled(ranges.l_um[1], ranges.scale)}
    defaults = {name: min(max(_si(device.paramtype.__params__[name].default), low[name]), high[name]) for name in ("w", "l")}
    unit = ranges.unit
    return (
        DeviceParam(
            name="w",
            default=defaults["w"],
            desc="total width (every finger's width is w / nf, within the same range)",
            unit=unit,
            low=low["w"],
            high=high["w"],
        ),
        DeviceParam(
            name="l",
            default=defaults["l"],
            desc="channel length",
            unit=unit,
            low=low["l"],
            high=high["l"],
        ),
        DeviceParam(name="nf", default=1.0, desc="fingers", low=1, high=MAX_FINGERS, integer=True),
        DeviceParam(name="m", default=1.0, desc="multiplier: devices in parallel", low=1, high=MAX_MULTIPLIER, integer=True),
    )


@cache
def offered_devices(pdk_name: str) -> tuple[OfferedDevice, ...]:
    """The devices a client may instantiate on a server started for `pdk_name`."""
    if pdk_name in _MOS:
        kit = pdk(pdk_name)
        ranges = _MOS[pdk_name]
        devices = ((kit.device(name)(MosSize(w=1, l=1)).module, ranges[name]) for name in kit.device_names)  # the registry's primitives
        return tuple(_offered(device, _mos_params(device, family)) for device, family in devices)
    if pdk_name != "ptm45":
        raise KeyError(f"PDK {pdk_name!r} offers no devices to simulate_on_the_server")
    units = {"w": "m", "l": "m", "m": ""}
    return tuple(
        _offered(
            device,
            tuple(
                DeviceParam(name=name, default=_si(param.default), desc=param.desc, unit=units[name])
                for name, param in device.paramtype.__params__.items()
            ),
        )
        for device in DEVICES
    )


def sandbox_devices(pdk_name: str) -> tuple[Device, ...]:
    return tuple(Device.of(device) for device in offered_devices(pdk_name))


def offered_corner_sets(kit: Pdk) -> tuple[OfferedCornerSet, ...]:
    """The PDK's corner sets at its nominal supply, as a client reproduces them (`corner`, `temp`, its own supply)."""
    return tuple(
        OfferedCornerSet(
            name=name,
            description=corner_set_description(kit.name, name),
            corners=tuple(
                OfferedCorner(name=corner.name, process=corner.process.name, vdd=corner.vdd, temp_c=corner.temp_c)
                for corner in kit.corner_set(name)
            ),
        )
        for name in corner_set_names(kit.name)
    )


@dataclass(frozen=True)
class ServedModels:
    """What the server adds to a circuit for one process corner: the control that loads the
    models, the one line the netlister writes for it, and the compatibility mode to parse it in."""

    control: vsp.Control
    line: str
    ngbehavior: str | None


def served_models(pdk_name: str, process: str) -> ServedModels:
    """The models of `process` (a process corner's name); `KeyError` if the PDK has no such corner."""
    kit = pdk(pdk_name)
    (attr,) = kit.models(kit.process(process))
    if isinstance(attr, hs.Lib):
        return ServedModels(
            vsp.Control(lib=vsp.LibInclude(path=str(attr.path), section=attr.section)),
            f'.lib "{attr.path}" {attr.section}',
            kit.ngbehavior,
        )
    if isinstance(attr, hs.Include):
        return ServedModels(vsp.Control(include=vsp.Include(path=str(attr.path))), f'.include "{attr.path}"', kit.ngbehavior)
    raise TypeError(f"PDK {pdk_name!r} loads its models with a {type(attr).__name__}, which the sandbox does not render")
