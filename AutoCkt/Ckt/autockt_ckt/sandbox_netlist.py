"""
# The rendered netlist of an accepted circuit: rendering it, the second fence, names back to fields

`render_netlist` writes the netlist of a `SimInput` the sandbox accepted (`sandbox.py`, with the
server's model include and options added) with vlsirtools' ngspice netlister, then checks it
line by line against the protobuf it came from (`check_rendered_netlist`): the netlist may hold
only printable ASCII and newlines, and exactly the lines the structure produces, counted by
kind: one `.subckt` and `.ends` per module, one element line per instance by its SPICE letter
(plus `xtop`), as many continuation (`+`) lines as the netlister writes for each, one `.param`
per parameter, one `.option` per option, the server's one model line (its PDK's `.lib` of a
single-section file, or the 45 nm card's `.include`) and nothing else, one line per analysis. A newline smuggled into any value adds a line of some kind, so the counts differ and
the netlist is refused, whatever the first fence missed.

Rendering runs where OS limits apply: in a pool worker, under an address-space limit
(`address_space_headroom`), never in the API process. What the netlist will hold was counted
before (`SandboxLimits.max_netlist_bytes`), so the limit is a last resort.

`element_loc` maps the name ngspice gives a flattened element in its messages
(`m.xtop.xamp.mmn1`) back to the instance of the protobuf that made it, so that a run ngspice
refuses is answered naming the part.
"""

from __future__ import annotations

import io
import resource
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import vlsir.circuit_pb2 as vckt
import vlsir.spice_pb2 as vsp
from vlsirtools import primitives
from vlsirtools.netlist.spice import NgspiceNetlister
from vlsirtools.spicetype import SpiceType

from discovery_shared import FieldError

Loc = tuple[str, ...]

RENDER_HEADROOM_BYTES = 512 * 1024**2
"""Address space a render may add to its process: many times the largest netlist the count admits."""

_UNQUOTED = {"resistor": "r", "capacitor": "c", "inductor": "l", "isource": "dc", "vcvs": "gain", "vccs": "gain"}
"""The positional value of each primitive, which the netlister writes as it is: an expression there needs braces."""

_CONTINUATIONS = {"vdc": 3, "vpulse": 2, "vsin": 2}
"""Continuation lines of a voltage source: its connections, then `dc` and `ac`, or its waveform."""


class NetlistRefused(ValueError):
    """The rendered netlist is not what the accepted structure produces; `errors` say where."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    def __reduce__(self) -> tuple[type[NetlistRefused], tuple[list[FieldError]]]:
        """Rebuilt from its errors when it travels back from a pool worker (by default pickle calls it with its message)."""
        return NetlistRefused, (self.errors,)


@contextmanager
def address_space_headroom(headroom: int) -> Iterator[None]:
    """Within the block, the process may map at most `headroom` more bytes (MemoryError past it).
    Only for a process that runs one thing at a time (a pool worker): the limit holds for every thread."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    limit = mapped + headroom if hard == resource.RLIM_INFINITY else min(mapped + headroom, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def render_netlist(served: vsp.SimInput, model_line: str) -> str:
    """The netlist of `served` (accepted by the sandbox, the server's additions made), checked
    line by line; `NetlistRefused` if vlsirtools cannot write it or writes a line it should not."""
    out = io.StringIO()
    try:
        NgspiceNetlister(dest=out).write_sim_input(braced(served))
    except MemoryError:
        raise NetlistRefused([_error("the netlist grows past the server's memory for rendering", "too_large")]) from None
    except Exception as err:  # what the sandbox let through but vlsirtools still refuses
        message = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise NetlistRefused([_error(f"cannot be netlisted: {message}", "netlist")]) from None
    netlist = out.getvalue()
    check_rendered_netlist(netlist, expected_lines(served), model_line)
    return netlist


def braced(inp: vsp.SimInput) -> vsp.SimInput:
    """`inp` with every expression the netlister writes unquoted (`.param` values, primitives'
    positional values) in braces: ngspice then reads `{rval * 2}` as one value, where `rval * 2`
    would be three tokens of the line."""
    out = vsp.SimInput()
    out.CopyFrom(inp)
    values = [ctrl.param.value for ctrl in out.ctrls if ctrl.WhichOneof("ctrl") == "param"]
    for module in out.pkg.modules:
        for inst in module.instances:
            positional = _UNQUOTED.get(inst.module.external.name) if inst.module.external.domain == "vlsir.primitives" else None
            values += [param.value for param in inst.parameters if param.name == positional]
    for value in values:
        if value.WhichOneof("value") == "literal" and not value.literal.strip(" ").startswith("{"):
            value.literal = f"{{{value.literal}}}"
    return out


def check_rendered_netlist(netlist: str, expected: Counter[str], model_line: str) -> None:
    """The second fence: `netlist` holds printable ASCII and newlines only, its one `.include` or
    `.lib` is `model_line`, and its lines by kind (`line_kind`) are exactly `expected`."""
    bad = next((i for i, ch in enumerate(netlist) if not (" " <= ch <= "~" or ch == "\n")), None)
    if bad is not None:
        number = netlist.count("\n", 0, bad) + 1
        raise NetlistRefused([_error(f"the rendered netlist's line {number} holds a character other than printable ASCII", "rendered")])
    found: Counter[str] = Counter()
    for number, line in enumerate(netlist.split("\n"), start=1):
        kind = line_kind(line)
        if kind is None:
            raise NetlistRefused([_error(f"the rendered netlist's line {number} is not a line the netlister writes", "rendered")])
        if kind in (".include", ".lib") and line != model_line:
            raise NetlistRefused([_error(f"the rendered netlist's line {number} is not allowed", "rendered")])
        if kind not in ("", "*"):
            found[kind] += 1
    if found != expected:
        extra = sorted(kind for kind in found | expected if found[kind] != expected[kind])
        raise NetlistRefused(
            [_error(f"the rendered netlist holds lines the circuit's structure does not produce (kinds {extra})", "rendered")]
        )


def line_kind(line: str) -> str | None:
    """ "" (blank), "*" (comment), "+" (continuation), a dot-command (".subckt") or an element's
    letter ("m"); None for a line the netlister never writes (leading space, other characters)."""
    if not line:
        return ""
    first = line[0]
    if first in "*+":
        return first
    if first == ".":
        return line.split(" ", 1)[0].lower()
    if first.isascii() and first.isalpha():
        return first.lower()
    return None


def expected_lines(inp: vsp.SimInput) -> Counter[str]:
    """The lines by kind (blank lines and comments aside) that the netlister writes for `inp`."""
    lines: Counter[str] = Counter()
    devices = _device_letters(inp)
    for module in inp.pkg.modules:
        lines[".subckt"] += 1
        lines[".ends"] += 1
        lines["+"] += 1 if module.ports else 0
        for inst in module.instances:
            letter, continuations = _element(inst, devices)
            lines[letter] += 1
            lines["+"] += continuations
    lines["x"] += 1  # xtop
    lines[".option"] += len(inp.opts)
    for ctrl in inp.ctrls:
        lines[".param" if ctrl.WhichOneof("ctrl") == "param" else f".{ctrl.WhichOneof('ctrl')}"] += 1
    for an in inp.an:
        lines[f".{an.WhichOneof('an')}"] += 1
    return lines


def _device_letters(inp: vsp.SimInput) -> dict[str, str]:
    """The element letter of each external module (a device) by name."""
    return {ext.name.name: SpiceType[vckt.SpiceType.Name(ext.spicetype)].value for ext in inp.pkg.ext_modules}


def _element(inst: vckt.Instance, devices: dict[str, str]) -> tuple[str, int]:
    """An instance's element letter and number of continuation lines, as the netlister writes them."""
    ref = inst.module
    if ref.WhichOneof("to") == "local":
        return SpiceType.SUBCKT.value, 2  # connections, module name
    if ref.external.domain == "vlsir.primitives":
        prim = primitives.dct[ref.external.name]
        letter = SpiceType[vckt.SpiceType.Name(prim.spicetype)].value
        if ref.external.name in _CONTINUATIONS:
            return letter, _CONTINUATIONS[ref.external.name]
        return letter, 2  # connections, the positional value (every other primitive has one parameter)
    return devices[ref.external.name], 2 + (1 if inst.parameters else 0)  # connections, model name, parameters


def element_loc(name: str, inp: vsp.SimInput) -> Loc | None:
    """The protobuf location of the instance ngspice calls `name` (`m.xtop.xamp.mmn1`, any case),
    or None if `name` is not one of the circuit's elements."""
    parts = name.lower().split(".")
    if len(parts) < 3 or parts[1] != "xtop" or len(parts[0]) != 1:
        return None
    modules = {module.name: i for i, module in enumerate(inp.pkg.modules)}
    devices = _device_letters(inp)
    module_index = modules.get(inp.top)
    loc: Loc = ()
    for depth, part in enumerate(parts[2:]):
        if module_index is None:
            return None
        module = inp.pkg.modules[module_index]
        found = next((i for i, inst in enumerate(module.instances) if part == f"{_element(inst, devices)[0]}{inst.name.lower()}"), None)
        if found is None:
            return None
        loc = ("proto_bytes", "pkg", "modules", str(module_index), "instances", str(found))
        inst = module.instances[found]
        last = depth == len(parts) - 3
        if not last:
            module_index = modules.get(inst.module.local) if inst.module.WhichOneof("to") == "local" else None
    return loc


def _error(msg: str, kind: str) -> FieldError:
    return FieldError(loc=("proto_bytes",), msg=msg, type=f"sandbox.{kind}")
