"""
# A sized design as files a designer runs: its subcircuit, and a testbench that prints its metrics

A design leaves the project as SPICE: the circuit as a standalone subcircuit with every
parameter value written into its devices (`NAME.sp`), and the very testbench the server
simulates around it (`NAME_tb.sp`), whose `.control` block reruns the server's analyses and
prints each metric as `name = value`, computed as the server computes it. Running
`ngspice -b NAME_tb.sp` next to `NAME.sp` reproduces the metrics the sizing reported.

Both files come from the served circuit's own `Bench`, through the netlister the engines use
(`BenchNetlister`), so the exported circuit cannot drift from the simulated one: the bench's
netlist parameters are replaced in its devices' expressions by the design's values, its
`.param` lines and analyses dropped, and its device-under-test's definition written to its own
file. The model file is named by the bench's one `.include` line, the file the server
simulated with; no model text is written.

Only circuits whose metrics a `.control` block computes exactly as the server does can be
exported (`EXPORTABLE`); any other is refused rather than exported with a testbench that
would print something else.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Mapping
from typing import IO, Any

import hdl21.sim as hs
import vlsir.circuit_pb2 as vckt
import vlsir.spice_pb2 as vsp_pb

from autockt_shared import circuit_optimization

from .engine import Bench, BenchNetlister, netlist_value
from .opamp_testbench import OUTPUT_NODE, SUPPLY_SOURCE
from .served import served_circuits
from .settings import Settings

DUT_INSTANCE = "dut"
"""The testbench instance of the circuit being exported (every op-amp bench names it so)."""


class ExportRefused(ValueError):
    """The design cannot be exported faithfully; the message says why."""


def opamp_measurements(bench: Bench) -> str:
    """The `.control` block of an op-amp bench: `metrics.opamp_metrics` in ngspice's own language.

    gain at the sweep's first point; ugbw where |v(out)| first falls through 1, interpolated
    linearly in log|v| over log f, and the phase margin at the same fraction of the step; the
    stand-ins when it never falls through 1, and 0 for a margin above 180 degrees. It ends with `quit`:
    without it `ngspice -b` exits 1, finding no analysis line outside the block ("no simulations run").
    """
    ac = next(an for an in bench.run_order if isinstance(an, hs.Ac))
    sweep = ac.sweep
    if not isinstance(sweep, hs.LogSweep):
        raise ExportRefused(f"bench {bench.name!r}: its AC sweep is a {type(sweep).__name__}, not a logarithmic one")
    out = f"v({OUTPUT_NODE})"
    return f"""\
.control
set numdgt = 12
op
let ibias = -i({SUPPLY_SOURCE})
print ibias
ac dec {int(sweep.npts)} {float(sweep.start)!r} {float(sweep.stop)!r}
let mag = mag({out})
let phase = cph({out}) * 180 / pi
let logf = log10(real(frequency))
let n = length(mag)
let gain = mag[0]
let ugbw = 0
let phm = 0
if mag[n - 1] >= 1
  let ugbw = real(frequency[n - 1])
  let phm = 180 + phase[n - 1]
end
let k = 0
while k < n - 1
  if (mag[k] >= 1) and (mag[k + 1] < 1)
    let t = log10(mag[k]) / (log10(mag[k]) - log10(mag[k + 1]))
    let ugbw = 10 ^ (logf[k] + t * (logf[k + 1] - logf[k]))
    let phm = 180 + phase[k] + t * (phase[k + 1] - phase[k])
    break
  end
  let k = k + 1
end
if phm > 180
  let phm = 0
end
print gain
print ugbw
print phm
quit
.endc
"""


EXPORTABLE: dict[str, Callable[[Bench], str]] = {
    "two_stage_opamp": opamp_measurements,
    "folded_cascode": opamp_measurements,
}
"""The circuits whose metrics a testbench can print as the server computes them, and how."""


@dataclasses.dataclass(frozen=True)
class ExportedDesign:
    """The two files' text; `subcircuit_file` is the name the testbench includes the subcircuit by."""

    circuit: str
    subcircuit_name: str
    subcircuit_file: str
    testbench_file: str
    subcircuit: str
    testbench: str
    model_file: str
    metrics: tuple[str, ...]


def refuse_unexportable(circuit: str) -> None:
    """Raise `ExportRefused` for a circuit whose testbench cannot print its metrics yet: callers check before sizing."""
    if circuit not in EXPORTABLE:
        raise ExportRefused(
            f"circuit {circuit!r} cannot be exported yet: no SPICE testbench of it computes its metrics as the server does "
            f"(exportable: {', '.join(EXPORTABLE)})"
        )


def export_design(circuit: str, values: Mapping[str, float], settings: Settings) -> ExportedDesign:
    """`circuit`'s design `values` (the Rpc's parameters by name) as `NAME.sp` and `NAME_tb.sp` (module docstring)."""
    refuse_unexportable(circuit)
    optimization = circuit_optimization(circuit)
    params = dataclasses.asdict(optimization.make_input(values))  # validated, as the server receives them
    (bench,) = served_circuits()[circuit].benches(settings)
    inp = hs.to_proto(bench.sim)
    _inline(inp.pkg, params)
    del inp.an[:]
    kept = [ctrl for ctrl in inp.ctrls if ctrl.WhichOneof("ctrl") != "param"]
    del inp.ctrls[:]
    inp.ctrls.extend(kept)
    includes = [ctrl.include.path for ctrl in kept if ctrl.WhichOneof("ctrl") == "include"]
    if len(includes) != 1:
        raise ExportRefused(f"bench {bench.name!r} includes {len(includes)} files; an export names one model file")
    dut = _dut_module(inp)
    subcircuit, testbench = io.StringIO(), io.StringIO()
    netlister = _DesignNetlister(testbench, dut.name, subcircuit)
    netlister.write_sim_input(inp)
    name = netlister.dut_netlisted_as
    filename = f"{circuit}.sp"
    header = f"* {circuit}: subcircuit {name}, sized by autockt; parameter values inlined:\n" + "".join(
        f"*   {param} = {netlist_value(value)}\n" for param, value in params.items()
    )
    measurements = EXPORTABLE[circuit](bench)
    return ExportedDesign(
        circuit=circuit,
        subcircuit_name=name,
        subcircuit_file=filename,
        testbench_file=f"{circuit}_tb.sp",
        subcircuit=header + subcircuit.getvalue(),
        testbench=f'{testbench.getvalue().rstrip()}\n\n.include "{filename}"\n\n{measurements}\n.end\n',
        model_file=includes[0],
        metrics=tuple(m.name for m in optimization.metrics),
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
    modules = {module.name: module for module in inp.pkg.modules}
    top = modules[inp.top]
    duts = [i.module.local for i in top.instances if i.name == DUT_INSTANCE]
    if len(duts) != 1 or duts[0] not in modules:
        raise ExportRefused(f"testbench {inp.top!r} has no subcircuit instance named {DUT_INSTANCE!r}")
    return modules[duts[0]]


class _DesignNetlister(BenchNetlister):
    """The bench's netlister, writing the device-under-test's definition to its own destination."""

    dest: IO[str]

    def __init__(self, dest: IO[str], dut: str, dut_dest: IO[str]) -> None:
        super().__init__(dest=dest)
        self.dut = dut
        self.dut_dest = dut_dest
        self.dut_netlisted_as = ""
        """The subcircuit's name in the netlist, once written."""

    def write_module_definition(self, module: vckt.Module) -> None:
        if module.name != self.dut:
            super().write_module_definition(module)
            return
        self.dut_netlisted_as = str(self.get_module_name(module))
        dest, self.dest = self.dest, self.dut_dest
        try:
            super().write_module_definition(module)
        finally:
            self.dest = dest
