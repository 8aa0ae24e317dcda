"""
# The sandbox: what a client's VLSIR `SimInput` may hold before the server simulates it

A netlist that a client wrote can run shell commands (`.control` / `shell`), read any file of
the server (`.include`) or write one (`wrdata`). So the server never simulates a netlist a
client sent: it checks the decoded protobuf field by field against what vlsirtools' ngspice
netlister writes as text, then renders the netlist itself. Every field that reaches the
netlist as text is either refused or held to a grammar that cannot carry a command:

| protobuf field | netlisted as | rule |
| --- | --- | --- |
| `Control.literal`, `Module.literals`, `CustomAnalysisInput.cmd`, `Meas` | raw lines | refused |
| `Control.include` / `.lib` | `.include "<path>"` | refused: the server adds its own model file |
| `Control.save`, analysis `ctrls`, `TranInput.ic` | (unsupported by the netlister) | refused |
| `ParamValue.string_value`, `.bool_value`, unset | `"text"` / error | refused |
| `ParamValue.literal` | an expression, often unquoted | one arithmetic expression: ASCII numbers, declared `.param` names, `+ - * / ( ) ,`, the allowed functions (called only as functions), plain spaces (`sandbox_expression.py`) |
| `ParamValue.double_value`, `Prefixed` | numbers | finite; a `Prefixed` string must be a decimal number |
| module, instance, signal, parameter, analysis names; `top`, `Package.domain` | names, header comments | plain identifiers (module names and the domain: dotted) |
| `Reference.external` | a model or primitive name | the devices of the server's PDK (`sandbox_pdk.py`) and a list of `vlsir.primitives` only |
| a device's parameter | `name=value` on its line | one it declares; where the offer bounds it (the open PDKs' W, L, fingers, multiplier), a plain number within the bounds |
| `SimOptions` | `.option name = value` | names from `SIM_OPTIONS`, once each, plain numbers within their documented ranges (temperature -55 to 150 degC) |
| analyses | `.op`, `.ac`, `.tran` | one of each at most; AC: 0 < fstart < fstop, points per decade and in all within `SANDBOX_LIMITS`; transient: tstop / tstep within them; DC, noise, sweeps, Monte Carlo and custom analyses are refused (vlsirtools cannot write them for ngspice) |
| anything this VLSIR version does not define | | refused (unknown fields) |

What the netlist will hold is counted from the package's structure before anything is
rendered, so a request whose netlist explodes is refused without being netlisted: the netlist's
size over every module of the package (each bit of a bus is a name on its line: a 16 KB request
once rendered 97 MB), and the flattened circuit's instances, nets, terminals (each bit of each
port of each instance, subcircuit calls included) and hierarchy depth, without flattening it.
A regex over the rendered netlist alone could not tell a name from a command; the rendered
netlist is still checked line by line afterwards (`sandbox_netlist.py`), as a second fence
should the netlister ever write something this table misses.

Refusals are `WireValidationError`s (422) whose `FieldError.loc` walks into the protobuf from
`proto_bytes`, e.g. `("proto_bytes", "pkg", "modules", "1", "instances", "4", "parameters", "0", "value")`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NoReturn

import vlsir.circuit_pb2 as vckt
import vlsir.spice_pb2 as vsp
import vlsir.utils_pb2 as vutils
from google.protobuf.message import DecodeError, Message
from google.protobuf.unknown_fields import UnknownFieldSet
from hdl21.prefix import Prefix
from vlsirtools import primitives

from autockt_shared.vlsir_sim import SANDBOX_LIMITS, SIM_OPTIONS, DeviceParam, SandboxLimits, SimInputBinary, SimOption
from discovery_shared import FieldError, WireValidationError

from .sandbox_expression import ExpressionError, check_expression
from .sandbox_pdk import Device

Loc = tuple[str, ...]

PRIMITIVES: Mapping[str, vckt.ExternalModule] = {
    name: primitives.dct[name] for name in ("resistor", "capacitor", "inductor", "vcvs", "vccs", "isource", "vdc", "vpulse", "vsin")
}
"""The `vlsir.primitives` a circuit may use. Left out: `cccs` / `ccvs`, which vlsirtools netlists
with controlling nodes where ngspice wants a voltage-source name."""

ANALYSES = ("op", "ac", "tran")
"""Analyses the server runs: those vlsirtools can both write for ngspice and read back."""

OPTIONS: Mapping[str, SimOption] = {option.name: option for option in SIM_OPTIONS}
"""Simulator options a client may set, by name: plain numbers within their ranges."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BIT_BYTES = 8
"""Netlist bytes per connected or declared bit beyond its signal's name: a bus suffix (`_9999`) and a space."""
_LINE_BYTES = 64
"""Netlist bytes of an instance's or module's fixed text: prefixes, comments, line ends."""


def decode_sim_input(binary: SimInputBinary) -> vsp.SimInput:
    """The `SimInput` that `binary` carries; 422 if it does not decode as one."""
    inp = vsp.SimInput()
    try:
        inp.ParseFromString(binary.proto_bytes)
    except DecodeError:
        refuse([FieldError(loc=("proto_bytes",), msg="not a VLSIR SimInput protobuf (it does not decode)", type="sandbox.malformed")])
    return inp


def check_sim_input(inp: vsp.SimInput, devices: Iterable[Device], limits: SandboxLimits = SANDBOX_LIMITS) -> None:
    """Refuse (`WireValidationError`, 422) anything in `inp` that the sandbox does not allow."""
    checker = _Checker({d.name: d for d in devices}, limits)
    checker.check(inp)
    if checker.errors:
        refuse(checker.errors)


def refuse(errors: list[FieldError]) -> NoReturn:
    """Answer the call with a 422 listing `errors`."""
    raise WireValidationError(SimInputBinary, errors)


@dataclass
class _Checker:
    devices: Mapping[str, Device]
    limits: SandboxLimits
    errors: list[FieldError] = field(default_factory=list)
    _omitted: int = 0

    def refuse(self, loc: Loc, msg: str, kind: str) -> None:
        if len(self.errors) < self.limits.max_errors_reported:
            self.errors.append(FieldError(loc=("proto_bytes", *loc), msg=msg, type=f"sandbox.{kind}"))
        else:
            self._omitted += 1

    netlist_bytes: int = 0
    """What the rendered netlist will take, counted as the modules are checked."""

    def check(self, inp: vsp.SimInput) -> None:
        for loc in _unknown_fields(inp, ()):
            self.refuse(loc, "a field this server's VLSIR version does not define", "unknown_field")
        declared = sum(len(module.instances) for module in inp.pkg.modules)
        if declared > self.limits.max_instances:  # counted first: each instance costs a little to check, and no
            # circuit needs more instances declared than its flattened whole may hold
            self.refuse(
                ("pkg", "modules"),
                f"the package declares {declared} instances, more than the flattened circuit may hold ({self.limits.max_instances})",
                "too_large",
            )
        if not self.errors:  # else the rest would be read with a meaning the client did not give it
            params = self.check_sim_params(inp.ctrls)
            modules = self.check_package(inp.pkg, params)
            self.check_top(inp.top, modules)
            self.check_options(inp.opts)
            self.check_analyses(inp.an)
        if self._omitted:
            self.errors.append(FieldError(loc=("proto_bytes",), msg=f"and {self._omitted} more refusals", type="sandbox.more"))

    # --- names and values

    def name(self, loc: Loc, name: str, what: str, dotted: bool = False) -> bool:
        pattern = _DOTTED if dotted else _IDENTIFIER
        if len(name) > self.limits.max_name_length:
            self.refuse(loc, f"{what} is longer than {self.limits.max_name_length} characters", "name")
        elif not pattern.fullmatch(name):
            self.refuse(loc, f"{what} {_shown(name)} is not a plain identifier{' (dots between parts allowed)' if dotted else ''}", "name")
        else:
            return True
        return False

    def value(self, loc: Loc, value: vutils.ParamValue, params: frozenset[str]) -> None:
        kind = value.WhichOneof("value")
        self.netlist_bytes += len(value.literal) if kind == "literal" else 32
        if kind == "int64_value":
            return
        if kind == "double_value":
            if not math.isfinite(value.double_value):
                self.refuse(loc + ("double_value",), f"{value.double_value} is not a finite number", "not_finite")
        elif kind == "prefixed":
            self.prefixed(loc + ("prefixed",), value.prefixed)
        elif kind == "literal":
            self.expression(loc + ("literal",), value.literal, params)
        elif kind == "string_value":
            self.refuse(loc + ("string_value",), "string values are netlisted as free text: give a number", "string_value")
        elif kind is None:
            self.refuse(loc, "has no value", "missing_value")
        else:
            self.refuse(loc + (kind,), f"{kind} values are not accepted: give a number", "value_kind")

    def bounded(self, loc: Loc, value: vutils.ParamValue, param: DeviceParam) -> None:
        """A device parameter the offer bounds: a plain number within its bounds, a whole one if it counts."""
        unit = f" {param.unit}" if param.unit else ""
        within = f"give a {'whole ' if param.integer else ''}number from {param.low:g} to {param.high:g}{unit} (simulation_offer)"
        if value.WhichOneof("value") == "literal":
            self.refuse(loc + ("literal",), f"{param.name} takes no expression: {within}", "device_parameter")
            return
        self.value(loc, value, frozenset())  # refuses what is not a finite number
        number = _exact(value)
        if number is not None and (not Decimal(repr(param.low)) <= number <= Decimal(repr(param.high)) or (param.integer and number % 1)):
            self.refuse(loc, f"{param.name} is out of the device's range: {within}", "device_parameter")

    def prefixed(self, loc: Loc, value: vutils.Prefixed) -> None:
        if value.prefix not in vutils.SIPrefix.values():
            self.refuse(loc + ("prefix",), f"unknown SI prefix {value.prefix}", "prefix")
        kind = value.WhichOneof("number")
        if kind == "string_value":
            text = value.string_value
            if not _DECIMAL.fullmatch(text):
                self.refuse(loc + ("string_value",), f"{_shown(text)} is not a decimal number", "not_a_number")
            elif not math.isfinite(float(text)):
                self.refuse(loc + ("string_value",), f"{_shown(text)} is not a finite number", "not_finite")
        elif kind != "int64_value":
            self.refuse(loc, "a prefixed value needs an integer or a decimal string (vlsirtools refuses doubles)", "value_kind")

    def expression(self, loc: Loc, text: str, params: frozenset[str]) -> None:
        """One arithmetic expression over numbers and declared `.param`s: nothing else reaches the netlist."""
        if len(text) > self.limits.max_expression_length:
            self.refuse(loc, f"expression longer than {self.limits.max_expression_length} characters", "expression")
            return
        try:
            check_expression(text, params)
        except ExpressionError as err:
            self.refuse(loc, f"expression {_shown(text)}: {err}", "expression")

    # --- simulation-level controls and options

    def check_sim_params(self, ctrls: Sequence[vsp.Control]) -> frozenset[str]:
        declared: set[str] = set()
        for i, ctrl in enumerate(ctrls):
            loc = ("ctrls", str(i))
            kind = ctrl.WhichOneof("ctrl")
            if kind == "param":
                param = ctrl.param
                self.value(loc + ("param", "value"), param.value, frozenset(declared))
                if self.name(loc + ("param", "name"), param.name, "parameter name"):
                    if param.name in declared:
                        self.refuse(loc + ("param", "name"), f"parameter {param.name!r} is declared twice", "duplicate")
                    declared.add(param.name)
            elif kind in ("include", "lib"):
                self.refuse(
                    loc + (kind,), "includes and libraries are refused: the server adds its own model file (see simulation_offer)", kind
                )
            elif kind == "literal":
                self.refuse(loc + (kind,), "netlist literals are refused: the server simulates no client-written netlist text", kind)
            elif kind == "meas":
                self.refuse(
                    loc + (kind,),
                    "measurements are refused: their expressions are netlist text (and ngspice -b reports them only on its console); compute them from the returned vectors",
                    kind,
                )
            elif kind == "save":
                self.refuse(
                    loc + (kind,),
                    "save controls are not supported (vlsirtools cannot netlist them for ngspice); every node and source current is returned",
                    kind,
                )
            else:
                self.refuse(loc, "an empty control", "empty")
        return frozenset(declared)

    def check_options(self, opts: Sequence[vsp.SimOptions]) -> None:
        seen: set[str] = set()
        for i, opt in enumerate(opts):
            loc = ("opts", str(i))
            option = OPTIONS.get(opt.name.lower())
            if option is None:
                self.refuse(loc + ("name",), f"option {_shown(opt.name)} is not one of {sorted(OPTIONS)}", "option")
                continue
            if option.name in seen:
                self.refuse(loc + ("name",), f"option {option.name!r} is set twice", "duplicate")
            seen.add(option.name)
            number = _number(opt.value)
            if number is None or not option.low <= number <= option.high:
                shown = "not a plain number" if number is None else f"{number:g}"
                unit = f" {option.unit}" if option.unit else ""
                self.refuse(
                    loc + ("value",),
                    f"option {option.name} ({option.desc}) is {shown}: give a number from {option.low:g} to {option.high:g}{unit}",
                    "option_range",
                )

    # --- the circuit

    def check_package(self, pkg: vckt.Package, params: frozenset[str]) -> dict[str, _ModuleSize]:
        if pkg.domain:
            self.name(("pkg", "domain"), pkg.domain, "package domain", dotted=True)
        externals = self.check_ext_modules(pkg.ext_modules)
        sizes: dict[str, _ModuleSize] = {}
        netlisted: dict[str, str] = {}
        for i, module in enumerate(pkg.modules):
            loc = ("pkg", "modules", str(i))
            if self.name(loc + ("name",), module.name, "module name", dotted=True):
                short = module.name.split(".")[-1].lower()  # what the netlister writes; ngspice ignores case
                if module.name in sizes or short in netlisted:
                    self.refuse(
                        loc + ("name",),
                        f"module {module.name!r} clashes with module {netlisted.get(short, module.name)!r} (the netlist keeps only the last part of a name, in any case)",
                        "duplicate",
                    )
                netlisted[short] = module.name
            sizes[module.name] = self.check_module(loc, module, sizes, externals, params)
        if self.netlist_bytes > self.limits.max_netlist_bytes:
            self.refuse(
                ("pkg",),
                f"the netlist of these modules would take about {self.netlist_bytes:,} bytes, more than the server's limit of "
                f"{self.limits.max_netlist_bytes:,} (max_netlist_bytes: every module is netlisted, every bit of a bus a name of its own)",
                "too_large",
            )
        return sizes

    def check_ext_modules(self, ext_modules: Sequence[vckt.ExternalModule]) -> set[str]:
        names: set[str] = set()
        for i, ext in enumerate(ext_modules):
            loc = ("pkg", "ext_modules", str(i))
            device = self.devices.get(ext.name.name) if not ext.name.domain else None
            if device is None:
                self.refuse(
                    loc + ("name",),
                    f"external module {_shown(_qualified(ext.name))} is not a device this server offers: use {sorted(self.devices)} (simulation_offer; autockt_shared.devices.offered_device)",
                    "device",
                )
            elif ext.spicetype != device.spice_type or tuple(p.signal for p in ext.ports) != device.ports or ext.parameters:
                self.refuse(
                    loc,
                    f"external module {device.name!r} differs from the server's {device.name!r} (ports {list(device.ports)}, no declared parameters): build it with autockt_shared.devices.offered_device",
                    "device",
                )
            else:
                names.add(device.name)
        return names

    def check_module(
        self, loc: Loc, module: vckt.Module, sizes: Mapping[str, _ModuleSize], externals: set[str], params: frozenset[str]
    ) -> _ModuleSize:
        if module.literals:
            self.refuse(loc + ("literals",), "netlist literals are refused: the server simulates no client-written netlist text", "literal")
        if module.parameters:
            self.refuse(
                loc + ("parameters",),
                "module parameters are not supported: use simulation-level .params (hs.Param) in expressions",
                "module_parameter",
            )
        widths: dict[str, int] = {}
        for i, signal in enumerate(module.signals):
            sloc = loc + ("signals", str(i))
            if self.name(sloc + ("name",), signal.name, "signal name"):
                if signal.name in widths:
                    self.refuse(sloc + ("name",), f"signal {signal.name!r} is declared twice", "duplicate")
                widths[signal.name] = signal.width
            if not 1 <= signal.width <= self.limits.max_signals:
                self.refuse(sloc + ("width",), f"width {signal.width} is not between 1 and {self.limits.max_signals}", "width")
        ports: dict[str, int] = {}
        self.netlist_bytes += _LINE_BYTES + len(module.name)
        for i, port in enumerate(module.ports):
            if port.signal not in widths or port.signal in ports:
                self.refuse(
                    loc + ("ports", str(i), "signal"),
                    f"port {_shown(port.signal)} is not a signal of the module, or is listed twice",
                    "port",
                )
            ports[port.signal] = widths.get(port.signal, 1)
            self.netlist_bytes += ports[port.signal] * (len(port.signal) + _BIT_BYTES)
        size = _ModuleSize(
            ports=ports, instances=0, signals=sum(w for name, w in widths.items() if name not in ports), terminals=0, depth=0
        )
        seen: set[str] = set()
        for i, inst in enumerate(module.instances):
            iloc = loc + ("instances", str(i))
            if self.name(iloc + ("name",), inst.name, "instance name"):
                if inst.name.lower() in seen:
                    self.refuse(iloc + ("name",), f"instance {inst.name!r} is declared twice", "duplicate")
                seen.add(inst.name.lower())
            self.netlist_bytes += _LINE_BYTES + len(inst.name) + len(inst.module.local or inst.module.external.name)
            child = self.check_instance(iloc, inst, widths, sizes, externals, params)
            if child is not None:
                size.instances += child.instances
                size.signals += child.signals
                size.terminals += child.terminals + sum(child.ports.values())
                size.depth = max(size.depth, child.depth + 1)
        return size.capped(self.limits)

    def check_instance(
        self,
        loc: Loc,
        inst: vckt.Instance,
        widths: Mapping[str, int],
        sizes: Mapping[str, _ModuleSize],
        externals: set[str],
        params: frozenset[str],
    ) -> _ModuleSize | None:
        """The size of what `inst` instantiates (a leaf counts one instance), once its reference,
        parameters and connections are checked; None when its reference is refused."""
        ref, target = inst.module, None
        allowed: frozenset[str] = frozenset()  # parameter names it takes, and those it needs
        required: frozenset[str] = frozenset()
        bounded: Mapping[str, DeviceParam] = {}
        kind = ref.WhichOneof("to")
        if kind == "local":
            if ref.local in sizes:
                target = sizes[ref.local]  # a module of the package: no parameters
            else:
                self.refuse(loc + ("module", "local"), f"module {_shown(ref.local)} is not defined before this instance", "reference")
        elif kind == "external" and ref.external.domain == "vlsir.primitives" and ref.external.name in PRIMITIVES:
            prim = PRIMITIVES[ref.external.name]
            target = _ModuleSize.leaf(tuple(p.signal for p in prim.ports))
            allowed = frozenset(p.name for p in prim.parameters)
            required = frozenset(p.name for p in prim.parameters if p.value.WhichOneof("value") is None)
        elif kind == "external" and not ref.external.domain and ref.external.name in externals:
            device = self.devices[ref.external.name]
            target = _ModuleSize.leaf(device.ports)
            allowed, required, bounded = frozenset(device.params), frozenset(), device.params
        elif kind == "external":
            hint = (
                " (build the server's devices from simulation_offer: autockt_shared.devices.offered_device)" if ref.external.domain else ""
            )
            self.refuse(
                loc + ("module", "external"),
                f"{_shown(_qualified(ref.external))} is neither a device of this server nor an allowed primitive {sorted(PRIMITIVES)}{hint}",
                "reference",
            )
        else:
            self.refuse(loc + ("module",), "the instance references no module", "reference")
        if target is None:
            return None
        given: set[str] = set()
        for i, param in enumerate(inst.parameters):
            ploc = loc + ("parameters", str(i))
            if param.name not in allowed or param.name in given:
                self.refuse(
                    ploc + ("name",), f"parameter {_shown(param.name)} is not one of {sorted(allowed)}, or is given twice", "parameter"
                )
            given.add(param.name)
            if param.name in bounded and bounded[param.name].low is not None:
                self.bounded(ploc + ("value",), param.value, bounded[param.name])
            else:
                self.value(ploc + ("value",), param.value, params)
        if required - given:
            self.refuse(loc + ("parameters",), f"missing required parameters {sorted(required - given)}", "missing_parameter")
        connected: set[str] = set()
        for i, conn in enumerate(inst.connections):
            cloc = loc + ("connections", str(i))
            if conn.portname not in target.ports or conn.portname in connected:
                self.refuse(
                    cloc + ("portname",),
                    f"port {_shown(conn.portname)} is not a port of the instantiated module, or is connected twice",
                    "connection",
                )
                continue
            connected.add(conn.portname)
            width = self.target_width(cloc + ("target",), conn.target, widths)
            if width is not None and width[0] != target.ports[conn.portname]:
                self.refuse(
                    cloc + ("target",), f"connects {width[0]} bits to port {conn.portname!r} of {target.ports[conn.portname]}", "connection"
                )
            elif width is not None:
                self.netlist_bytes += width[1]
        if set(target.ports) - connected:
            self.refuse(loc + ("connections",), f"unconnected ports {sorted(set(target.ports) - connected)}", "connection")
        return target

    def target_width(self, loc: Loc, target: vckt.ConnectionTarget, widths: Mapping[str, int]) -> tuple[int, int] | None:
        """The bits `target` connects and the netlist bytes they take; None if it is refused."""
        kind = target.WhichOneof("stype")
        if kind == "sig":
            if target.sig in widths:
                return widths[target.sig], widths[target.sig] * (len(target.sig) + _BIT_BYTES)
            self.refuse(loc + ("sig",), f"{_shown(target.sig)} is not a signal of this module", "connection")
        elif kind == "slice":
            s = target.slice
            if s.signal in widths and 0 <= s.bot <= s.top < widths[s.signal]:
                return s.top - s.bot + 1, (s.top - s.bot + 1) * (len(s.signal) + _BIT_BYTES)
            self.refuse(
                loc + ("slice",), f"slice [{s.top}:{s.bot}] of {_shown(s.signal)} is not within a signal of this module", "connection"
            )
        elif kind == "concat":
            parts = [self.target_width(loc + ("concat", "parts", str(i)), p, widths) for i, p in enumerate(target.concat.parts)]
            known = [part for part in parts if part is not None]
            if len(known) == len(parts):
                return sum(bits for bits, _ in known), sum(size for _, size in known)
        else:
            self.refuse(loc, "connects to nothing", "connection")
        return None

    def check_top(self, top: str, sizes: Mapping[str, _ModuleSize]) -> None:
        if top not in sizes:
            self.refuse(("top",), f"top {_shown(top)} names no module of the package", "top")
            return
        size = sizes[top]
        if len(size.ports) != 1:
            self.refuse(("top",), f"the top module must have exactly one port (ground), it has {len(size.ports)}", "top")
        limits = self.limits
        for what, value, limit in (
            ("instances", size.instances, limits.max_instances),
            ("signals", size.signals, limits.max_signals),
            ("terminals (connected bits, port bits of subcircuit calls included)", size.terminals, limits.max_terminals),
            ("hierarchy levels", size.depth, limits.max_hierarchy_depth),
        ):
            if value > limit:
                self.refuse(("top",), f"the flattened circuit has more than {limit} {what} (the server's limit)", "too_large")

    # --- analyses

    def check_analyses(self, analyses: Sequence[vsp.Analysis]) -> None:
        if not analyses:
            self.refuse(("an",), f"no analysis to run: add one of {list(ANALYSES)}", "no_analysis")
        if len(analyses) > self.limits.max_analyses:
            self.refuse(("an",), f"{len(analyses)} analyses: at most {self.limits.max_analyses}, one of each kind", "too_many_analyses")
        kinds: set[str] = set()
        names: set[str] = set()
        for i, an in enumerate(analyses):
            kind = an.WhichOneof("an")
            loc = ("an", str(i), kind or "")
            if kind not in ANALYSES:
                self.refuse(loc, f"{kind or 'an empty'} analysis is not supported: this server runs {list(ANALYSES)}", "analysis")
                continue
            if kind in kinds:
                self.refuse(loc, f"a second {kind} analysis: one of each kind (vlsirtools reads ngspice's results by kind)", "analysis")
            kinds.add(kind)
            inner = getattr(an, kind)
            if self.name(loc + ("analysis_name",), inner.analysis_name, "analysis name"):
                if inner.analysis_name in names:
                    self.refuse(loc + ("analysis_name",), f"analysis name {inner.analysis_name!r} is used twice", "duplicate")
                names.add(inner.analysis_name)
            if inner.ctrls:
                self.refuse(loc + ("ctrls",), "per-analysis controls are not supported", "analysis")
            if kind == "ac":
                self.check_ac(loc, inner)
            elif kind == "tran":
                self.check_tran(loc, inner)

    def check_ac(self, loc: Loc, ac: vsp.AcInput) -> None:
        most = self.limits.max_sweep_points
        if not 1 <= ac.npts <= most:
            self.refuse(loc + ("npts",), f"{ac.npts} points per decade: from 1 to {most}", "sweep_points")
        if not (math.isfinite(ac.fstart) and math.isfinite(ac.fstop) and 0 < ac.fstart < ac.fstop):
            self.refuse(loc + ("fstop",), f"fstart {ac.fstart} and fstop {ac.fstop} must be finite, with 0 < fstart < fstop", "sweep")
        elif 1 <= ac.npts <= most and ac.npts * math.log10(ac.fstop / ac.fstart) + 1 > most:
            self.refuse(
                loc + ("npts",),
                f"{ac.npts} points per decade from {ac.fstart} to {ac.fstop} Hz: at most {most} points in all",
                "sweep_points",
            )

    def check_tran(self, loc: Loc, tran: vsp.TranInput) -> None:
        if tran.ic:
            self.refuse(loc + ("ic",), "initial conditions are not supported (vlsirtools cannot netlist them)", "analysis")
        if not (math.isfinite(tran.tstop) and math.isfinite(tran.tstep) and 0 < tran.tstep <= tran.tstop):
            self.refuse(loc, f"tstep {tran.tstep} and tstop {tran.tstop} must be finite, with 0 < tstep <= tstop", "tran")
        elif tran.tstop / tran.tstep > self.limits.max_tran_points:
            self.refuse(
                loc + ("tstep",), f"tstop / tstep = {tran.tstop / tran.tstep:.3g}: at most {self.limits.max_tran_points}", "tran_points"
            )


@dataclass
class _ModuleSize:
    """A module as its instances see it: ports with their widths, and what it flattens to."""

    ports: dict[str, int]
    instances: int
    signals: int
    terminals: int
    """Connected bits inside it, flattened: its own ports' are counted by the instance that connects them."""
    depth: int

    @classmethod
    def leaf(cls, ports: Iterable[str]) -> _ModuleSize:
        return cls(ports={p: 1 for p in ports}, instances=1, signals=0, terminals=0, depth=0)

    def capped(self, limits: SandboxLimits) -> _ModuleSize:
        """Counts past a limit only need to stay past it: capping keeps them small numbers."""
        self.instances = min(self.instances, limits.max_instances + 1)
        self.signals = min(self.signals, limits.max_signals + 1)
        self.terminals = min(self.terminals, limits.max_terminals + 1)
        return self


def _unknown_fields(msg: Message, loc: Loc) -> Iterator[Loc]:
    if len(UnknownFieldSet(msg)):
        yield loc
    for fd, value in msg.ListFields():
        if fd.message_type is None or fd.message_type.GetOptions().map_entry:
            continue
        if fd.label == fd.LABEL_REPEATED:
            for i, item in enumerate(value):
                yield from _unknown_fields(item, loc + (fd.name, str(i)))
        else:
            yield from _unknown_fields(value, loc + (fd.name,))


def _number(value: vutils.ParamValue) -> float | None:
    """An option's value: a plain finite number (a prefixed one only with the unit prefix), else None."""
    if value.WhichOneof("value") == "prefixed" and value.prefixed.prefix != vutils.SIPrefix.UNIT:
        return None
    exact = _exact(value)
    return None if exact is None else float(exact)


def _exact(value: vutils.ParamValue) -> Decimal | None:
    """A number as written, prefix applied, exactly (`0.22` micro is 2.2e-7, not 2.2000000000000002e-07)."""
    kind = value.WhichOneof("value")
    if kind == "int64_value":
        return Decimal(value.int64_value)
    if kind == "double_value" and math.isfinite(value.double_value):
        return Decimal(repr(value.double_value))
    if kind == "prefixed":
        number = value.prefixed
        exponent = Prefix[vutils.SIPrefix.Name(number.prefix)].value if number.prefix in vutils.SIPrefix.values() else None
        text = number.string_value if number.WhichOneof("number") == "string_value" else str(number.int64_value)
        if exponent is not None and _DECIMAL.fullmatch(text) and math.isfinite(float(text)):
            return Decimal(text).scaleb(exponent)
    return None


def _qualified(name: vutils.QualifiedName) -> str:
    return f"{name.domain}.{name.name}" if name.domain else name.name


def _shown(text: str, limit: int = 40) -> str:
    """`text` quoted for an error message, cut short and with control characters escaped."""
    return repr(text if len(text) <= limit else text[:limit] + "...")
