"""
# A sized design as files a designer runs: its subcircuit, and a testbench per corner that prints its metrics

A design leaves the project as SPICE (`autockt_shared.design_netlist`, whose handler renders it
here): the circuit as a standalone subcircuit with every parameter value written into its
devices (`NAME.sp`), and the very testbench the server simulates around it at each corner
(`NAME_tb.sp`, or `NAME_tb_<corner>.sp` for each corner of a PVT circuit; a circuit of several
benches, the first, whose block `source`s and runs the others' files), with the server's own
analysis lines, whose `.control` block runs them (`run`, as the engines do: a control command per
analysis is not the same run, and an oscillating design's transient shows it) and prints each
metric as `name = value`, computed as the server computes it (`export_registry`, `exports/`). Running `ngspice -b` on a testbench next to `NAME.sp`
reproduces the metrics the sizing reported at that corner.

Both come from the served circuit's own `Bench`es, through the netlister the engines use
(`BenchNetlister`), so the exported circuit cannot drift from the simulated one: the bench's
netlist parameters (the design's, and a PVT bench's supply) are replaced in its devices'
expressions by their values, their `.param` lines dropped (a clocked circuit's schedule stays a
`.param`: its probes `alterparam` it, `control_timing`), its temperature written as
`.option temp`, and its device-under-test's definition (and its subcircuits') written to its own file. One corner
differs from another only in its testbench: its model section, supply and temperature.

The models are named, never sent: the shipped card by the `.include` of the file the server
used; a PDK's by a `.lib` of the PDK's own library file and section, for the designer to point
at their copy (the server loads a single-section copy with the PDK's additions, `pdks/wheel.py`,
which the testbench's comment names). A PDK whose models need ngspice's compatibility mode gets
a `.spiceinit` setting it, which `ngspice -b` reads from the directory it runs in.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import posixpath
import re
from collections.abc import Mapping
from typing import IO, Any

import hdl21.sim as hs
import vlsir.circuit_pb2 as vckt
import vlsir.spice_pb2 as vsp_pb

from autockt_shared import circuit_optimization
from autockt_shared.design_netlist import NOMINAL, CornerTestbench, DesignNetlist, NetlistFile

from .engine import BenchNetlister, netlist_value
from .export_registry import CornerBench, ExportRefused, default_corner_set, refuse_unexportable, sourced_file
from .pdks import pdk
from .served import served_circuits
from .settings import Settings

SPICEINIT = ".spiceinit"
"""Where `ngspice -b` reads its compatibility mode from, in the directory it runs in."""


def export_design(circuit: str, values: Mapping[str, float], settings: Settings, corner_set: str | None = None) -> DesignNetlist:
    """`circuit`'s design `values` (the Rpc's parameters by name) as `NAME.sp` and a testbench per corner of
    `corner_set` (module docstring). `UnknownCornerSet` for a set the circuit lacks; pydantic's `ValidationError` for values
    that are not the circuit's input."""
    exportable = refuse_unexportable(circuit)
    optimization = circuit_optimization(circuit)
    checked = optimization.make_input(values)  # validated, as the server receives them
    params = {p.name: functools.reduce(getattr, p.name.split("."), checked) for p in optimization.params}
    netlisted = params if exportable.netlist_values is None else exportable.netlist_values(checked)
    corners = exportable.corner_benches(settings, corner_set)
    single = len(corners) == 1 and corners[0].corner == NOMINAL
    filename = f"{circuit}.sp"
    testbenches: list[NetlistFile] = []
    described: list[CornerTestbench] = []
    subcircuit = name = ""
    spiceinit: str | None = None
    for at in corners:
        rendered = _render(at, netlisted, filename, _library_name(circuit))
        subcircuit, name = rendered.subcircuit, rendered.subcircuit_name
        testbench = f"{circuit}_tb.sp" if single else f"{circuit}_tb_{at.corner}.sp"
        measurements = exportable.measurements(at)
        testbenches.append(NetlistFile(testbench, f"{rendered.testbench}\n\n{measurements}\n.end\n"))
        for bench in at.sourced:
            netlist = _render(dataclasses.replace(at, bench=bench), netlisted, filename, _library_name(circuit)).testbench
            testbenches.append(NetlistFile(sourced_file(bench, at), f"* sourced by {testbench}, which runs it\n{netlist}\n.end\n"))
        described.append(
            CornerTestbench(
                corner=at.corner,
                testbench=testbench,
                model_file=rendered.model_file,
                section=rendered.section,
                vdd=at.vdd,
                temperature_c=at.temperature_c,
            )
        )
        if at.bench.ngbehavior is not None:
            spiceinit = f"set ngbehavior={at.bench.ngbehavior}\n"
    header = f"* {circuit}: subcircuit {name}, sized by autockt; parameter values inlined:\n" + "".join(
        f"*   {param} = {netlist_value(value)}\n" for param, value in params.items()
    )
    extra = [] if spiceinit is None else [NetlistFile(SPICEINIT, spiceinit)]
    served = served_circuits()[circuit]
    return DesignNetlist(
        circuit=circuit,
        pdk=served.pdk or settings.pdk,
        corner_set=NOMINAL if single else (corner_set or default_corner_set(circuit)),
        subcircuit_name=name,
        subcircuit_file=filename,
        corners=described,
        files=[NetlistFile(filename, header + subcircuit), *testbenches, *extra],
        metrics=[m.name for m in optimization.metrics],
    )


def _library_name(circuit: str) -> str | None:
    """The file name of the library of the circuit's PDK, if it comes from a wheel (the server loads a copy of one section)."""
    name = served_circuits()[circuit].pdk
    wheel = None if name is None else pdk(name).wheel
    return None if wheel is None else posixpath.basename(wheel.library)


@dataclasses.dataclass(frozen=True)
class _Rendered:
    subcircuit: str
    subcircuit_name: str
    testbench: str
    """Without its `.control` block and `.end`."""
    model_file: str
    section: str | None


def _render(at: CornerBench, params: Mapping[str, float], subcircuit_file: str, library: str | None) -> _Rendered:
    """One corner's bench with `params` and its conditions inlined, its `.param` lines dropped,
    its device-under-test written apart; its model line naming `library` (and the section) when given."""
    bench = at.bench
    inp = hs.to_proto(bench.sim)
    inlined = {**params, **at.conditions}
    _inline(inp.pkg, inlined)
    kept = [ctrl for ctrl in inp.ctrls if ctrl.WhichOneof("ctrl") != "param" or ctrl.param.name not in inlined]
    del inp.ctrls[:]
    inp.ctrls.extend(kept)
    models = [ctrl for ctrl in inp.ctrls if ctrl.WhichOneof("ctrl") in ("include", "lib")]
    if len(models) != 1:
        raise ExportRefused(f"bench {bench.name!r} loads {len(models)} model files; an export names one")
    (model,) = models
    comment = ""
    if model.WhichOneof("ctrl") == "include":
        model_file, section = model.include.path, None
    else:
        served_copy, section = model.lib.path, model.lib.section
        model_file = library or served_copy
        model.lib.path = model_file
        comment = (
            f"* models: section {section} of the PDK's library {model_file}: point the .lib line below at your copy.\n"
            f"* The server loaded {posixpath.basename(served_copy)}, that section alone with the PDK's additions\n"
            "* (autockt_ckt.pdks: device-name wrappers, statistics off), as `python -m autockt_ckt.pdks.install` writes it.\n"
        )
    if bench.temperature is not None:
        inp.opts.add(name="temp").value.double_value = at.temperature_c
    dut = _dut_module(inp)
    subcircuit, testbench = io.StringIO(), io.StringIO()
    netlister = _DesignNetlister(testbench, dut.name, _used_by(inp.pkg, dut.name), subcircuit)
    netlister.write_sim_input(inp)
    corner = f"* corner {at.corner}: " + (f"supply {at.vdd:g} V, " if at.vdd is not None else "") + f"{at.temperature_c:g} C\n"
    return _Rendered(
        subcircuit=subcircuit.getvalue(),
        subcircuit_name=netlister.dut_netlisted_as,
        testbench=f'{corner}{comment}{testbench.getvalue().rstrip()}\n\n.include "{subcircuit_file}"',
        model_file=model_file,
        section=section,
    )


_IDENTIFIER = re.compile(r"\b[A-Za-z_]\w*\b")


def _inline(pkg: vckt.Package, params: Mapping[str, Any]) -> None:
    """Replace every reference to a netlist parameter in the devices' expressions by its value."""
    for module in pkg.modules:
        for instance in module.instances:
            for param in instance.parameters:
                if param.value.WhichOneof("value") == "literal":
                    param.value.literal = _IDENTIFIER.sub(
                        lambda m: netlist_value(params[m[0]]) if m[0] in params else m[0], param.value.literal
                    )


def _dut_module(inp: vsp_pb.SimInput) -> vckt.Module:
    """The one subcircuit the testbench instantiates (once, or as the PPAAS op-amps' two copies)."""
    modules = {module.name: module for module in inp.pkg.modules}
    duts = {i.module.local for i in modules[inp.top].instances if i.module.local in modules}
    if len(duts) != 1:
        raise ExportRefused(f"testbench {inp.top!r} instantiates {len(duts)} subcircuits; an export writes one")
    return modules[duts.pop()]


def _used_by(pkg: vckt.Package, top: str) -> frozenset[str]:
    """`top` and every module it instantiates, however deep (a flip-flop's latches)."""
    modules = {module.name: module for module in pkg.modules}
    found = {top}
    pending = [top]
    while pending:
        for instance in modules[pending.pop()].instances:
            child = instance.module.local
            if child in modules and child not in found:
                found.add(child)
                pending.append(child)
    return frozenset(found)


class _DesignNetlister(BenchNetlister):
    """The bench's netlister, writing the device-under-test's definition, and those of the
    subcircuits it instantiates, to their own destination."""

    dest: IO[str]

    def __init__(self, dest: IO[str], dut: str, dut_modules: frozenset[str], dut_dest: IO[str]) -> None:
        super().__init__(dest=dest)
        self.dut = dut
        self.dut_modules = dut_modules
        self.dut_dest = dut_dest
        self.dut_netlisted_as = ""
        """The subcircuit's name in the netlist, once written."""

    def write_module_definition(self, module: vckt.Module) -> None:
        if module.name not in self.dut_modules:
            super().write_module_definition(module)
            return
        if module.name == self.dut:
            self.dut_netlisted_as = str(self.get_module_name(module))
        dest, self.dest = self.dest, self.dut_dest
        try:
            super().write_module_definition(module)
        finally:
            self.dest = dest
