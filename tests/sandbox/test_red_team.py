"""The classes of issue 28's red team, one test (or a few cases) each, over real HTTP.

Each case is a hand-built `SimInput` of the kind that got through: it must be answered with a
4xx naming the part the client sent, show nothing of the server or its models, and leave the
server answering the next legitimate call.
"""

from __future__ import annotations

import math
import re
import resource
import subprocess
from pathlib import Path

import hdl21.sim as hs
import httpx
import pytest
import vlsir.circuit_pb2 as vckt
import vlsir.spice_pb2 as vsp
import vlsir.utils_pb2 as vutils

import discovery_server as ds
from autockt_ckt.sandboxed_run import scrub
from autockt_shared.remote_sim import run_on_the_server

from .circuits import long_tran_sim, parametric_sim, rc_sim
from .conftest import MODEL_PATH, PDKS, leaks, post_sim_input

R, C = 2, 3  # the RC low-pass's instances: pulse, ac, r, c
TB = ("proto_bytes", "pkg", "modules", "0")
R_VALUE = (*TB, "instances", str(R), "parameters", "0", "value", "literal")


def _refused(response: httpx.Response, loc: tuple[str, ...], run_dir: Path) -> dict[str, object]:
    assert response.status_code == 422, response.text[:500]
    body = response.json()
    assert body["type"] == "validation_error"
    assert loc in [tuple(field["loc"]) for field in body["details"]["fields"]], body
    assert not leaks(response.text, run_dir)
    assert run_on_the_server(rc_sim()).an[0].data  # the next legitimate call is answered
    return body


# --- 1. newlines in expressions


@pytest.mark.parametrize("server_pdk", PDKS)
@pytest.mark.parametrize("separator", ["\n", "\r", "\u2028", "\u2029", "\v", "\f", "\xa0", "\x85", "\t"])
def test_only_plain_spaces_separate_the_tokens_of_an_expression(
    server_pdk: str, remote: ds.BackgroundServer, run_dir: Path, separator: str
) -> None:
    """700 counted resistors became 11,900 through values like this one (a positional value, written unquoted)."""
    inp = hs.to_proto(rc_sim())
    for name in ("vin", "out", *(f"r{i}" for i in range(8))):  # every word of the smuggled lines a declared .param
        inp.ctrls.add(param=vutils.Param(name=name, value=vutils.ParamValue(int64_value=1)))
    resistors = " ".join(f"{separator}r{i} vin out 1k" for i in range(8))
    inp.pkg.modules[0].instances[R].parameters[0].value.literal = f"1000{resistors}"
    _refused(post_sim_input(remote, inp.SerializeToString()), R_VALUE, run_dir)


@pytest.mark.parametrize("server_pdk", PDKS)
def test_a_param_value_cannot_start_a_line(server_pdk: str, remote: ds.BackgroundServer, run_dir: Path) -> None:
    inp = hs.to_proto(parametric_sim(1e3))  # .params rval, vsup, mult, in that order
    inp.ctrls[2].param.value.literal = "3\u2028rval vsup rval 1k"  # .param values are written unquoted too: a resistor line
    _refused(post_sim_input(remote, inp.SerializeToString()), ("proto_bytes", "ctrls", "2", "param", "value", "literal"), run_dir)


@pytest.mark.parametrize("server_pdk", PDKS)
@pytest.mark.parametrize("digits", ["\u0661\u0660", "1\u0660k"])  # Arabic-Indic digits are \d to Python, not to ngspice
def test_digits_are_ascii_digits(server_pdk: str, remote: ds.BackgroundServer, run_dir: Path, digits: str) -> None:
    inp = hs.to_proto(rc_sim())
    inp.pkg.modules[0].instances[R].parameters[0].value.literal = digits
    _refused(post_sim_input(remote, inp.SerializeToString()), R_VALUE, run_dir)


@pytest.mark.parametrize("server_pdk", PDKS)
@pytest.mark.parametrize("expression", ["1k 2k", "1k rval", "1k (2)", "(1k) 2", "1k ,2"])
def test_an_expression_is_one_expression(server_pdk: str, remote: ds.BackgroundServer, run_dir: Path, expression: str) -> None:
    """Two operands side by side would be two tokens of the element line (a positional value is unquoted)."""
    inp = hs.to_proto(rc_sim())
    inp.ctrls.add(param=vutils.Param(name="rval", value=vutils.ParamValue(double_value=1e3)))
    inp.pkg.modules[0].instances[R].parameters[0].value.literal = expression
    _refused(post_sim_input(remote, inp.SerializeToString()), R_VALUE, run_dir)


# --- 2. names as functions


@pytest.mark.parametrize("server_pdk", PDKS)
@pytest.mark.parametrize("builtin", ["agauss", "gauss", "unif", "aunif", "limit", "rand", "vol", "i", "v"])
def test_a_declared_param_is_not_a_function(server_pdk: str, remote: ds.BackgroundServer, run_dir: Path, builtin: str) -> None:
    inp = hs.to_proto(rc_sim())
    inp.ctrls.add(param=vutils.Param(name=builtin, value=vutils.ParamValue(int64_value=1)))
    inp.pkg.modules[0].instances[R].parameters[0].value.literal = f"1k * {builtin}(1, 0.5, 3)"
    _refused(post_sim_input(remote, inp.SerializeToString()), R_VALUE, run_dir)


def test_allowed_functions_still_work(remote: ds.BackgroundServer) -> None:
    inp = hs.to_proto(rc_sim())
    inp.ctrls.add(param=vutils.Param(name="rval", value=vutils.ParamValue(double_value=4e3)))
    inp.pkg.modules[0].instances[R].parameters[0].value.literal = "max(sqrt(rval) * 10, 1k) + -pow(2, 3) * 0"
    assert post_sim_input(remote, inp.SerializeToString()).status_code == 200


# --- 3. amplification: what the netlist will hold is counted before it is rendered


def _wide_modules(inp: vsp.SimInput, levels: int, copies: int, width: int) -> None:
    """`levels` modules outside the top's hierarchy, each holding `copies` of the one below on a
    `width`-bit port: a few bytes of protobuf per instance, `width` names of netlist each."""
    modules = []
    for level in range(levels):
        module = vckt.Module(name=f"Wide{level}", ports=[vckt.Port(signal="a")])
        module.signals.add(name="a", width=width)
        for i in range(copies if level else 0):
            child = module.instances.add(name=f"x{i}", module=vutils.Reference(local=f"Wide{level - 1}"))
            child.connections.add(portname="a", target=vckt.ConnectionTarget(sig="a"))
        modules.append(module)
    tb = vckt.Module()
    tb.CopyFrom(inp.pkg.modules[0])
    del inp.pkg.modules[:]
    inp.pkg.modules.extend([*modules, tb])


@pytest.mark.parametrize("server_pdk", PDKS)
def test_a_small_request_cannot_render_a_huge_netlist(server_pdk: str, remote: ds.BackgroundServer, run_dir: Path) -> None:
    """Issue 28: a 16 KB request rendered a 97 MB netlist in the API process (this one: about 88 MB)."""
    inp = hs.to_proto(rc_sim())
    _wide_modules(inp, levels=50, copies=20, width=10_000)
    proto = inp.SerializeToString()
    assert len(proto) < 32 * 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    body = _refused(post_sim_input(remote, proto), ("proto_bytes", "pkg"), run_dir)
    assert "netlist" in str(body["message"])
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 64 * 1024  # kilobytes: nothing of that size was built


@pytest.mark.parametrize("server_pdk", PDKS)
def test_port_bits_of_the_top_hierarchy_count(server_pdk: str, remote: ds.BackgroundServer, run_dir: Path) -> None:
    """A 5,000-bit port passed down 15 levels, two copies each: no net or instance is new, but ngspice
    expands 65,534 subcircuit calls of 5,000 connections each."""
    inp = hs.to_proto(rc_sim())
    _wide_modules(inp, levels=16, copies=2, width=5_000)
    tb = inp.pkg.modules[-1]
    tb.signals.add(name="bus", width=5_000)
    use = tb.instances.add(name="xwide", module=vutils.Reference(local="Wide15"))
    use.connections.add(portname="a", target=vckt.ConnectionTarget(sig="bus"))
    _refused(post_sim_input(remote, inp.SerializeToString()), ("proto_bytes", "top"), run_dir)


# --- 4. model parameters in error text


@pytest.mark.parametrize("server_pdk", PDKS)
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("temp", 1000.0),
        ("temp", -100.0),
        ("tnom", 500.0),
        ("reltol", -1.0),
        ("reltol", 2.0),
        ("gmin", 1.0),
        ("itl1", 10**9),
        ("abstol", 0.0),
    ],
)
def test_options_are_bounded_to_their_documented_ranges(
    server_pdk: str, remote: ds.BackgroundServer, run_dir: Path, name: str, value: float
) -> None:
    inp = hs.to_proto(rc_sim())
    option = inp.opts.add(name=name)
    if isinstance(value, int):
        option.value.int64_value = value
    else:
        option.value.double_value = value
    body = _refused(post_sim_input(remote, inp.SerializeToString()), ("proto_bytes", "opts", "0", "value"), run_dir)
    assert name in str(body["message"])


def test_options_within_their_ranges_run(remote: ds.BackgroundServer) -> None:
    inp = hs.to_proto(rc_sim())
    for name, value in (("temp", 150.0), ("tnom", -55.0), ("reltol", 1e-4), ("gmin", 1e-13)):
        inp.opts.add(name=name).value.double_value = value
    assert post_sim_input(remote, inp.SerializeToString()).status_code == 200


def test_no_number_of_ngspice_error_text_reaches_a_client(tmp_path: Path) -> None:
    """ngspice at 1,000 degrees C prints the card's vsat at that temperature: the scrubber keeps no number."""
    netlist = tmp_path / "hot.sp"
    netlist.write_text(
        f'* hot\nvd d 0 dc 1.2\nvg g 0 dc 1.2\nmn d g 0 0 nmos w=0.5u l=90n\n.include "{MODEL_PATH}"\n.option temp = 1000\n.op\n.end\n'
    )
    log = subprocess.run(["ngspice", "-b", str(netlist)], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    output = log.stdout + log.stderr
    assert re.search(r"Vsat at current temperature = -?\d", output)  # what leaked before
    scrubbed = scrub(output, (MODEL_PATH,))
    assert "Vsat" in scrubbed or "fatal" in scrubbed.lower()  # the message is still useful
    assert not re.search(r"(?<![A-Za-z0-9_])[0-9]", scrubbed), scrubbed  # digits of names stay (BSIM4v5, m.xtop.mn1)


# --- 5. point counts that overflow


@pytest.mark.parametrize("server_pdk", PDKS)
@pytest.mark.parametrize(
    ("npts", "fstart", "fstop"),
    [(2**31, 1.0, math.nextafter(1.0, 2.0)), (10**18, 1e3, 1e3 * (1 + 1e-15)), (100_001, 1.0, 10.0), (10, 1e3, 1e3), (10, 1e6, 1e3)],
)
def test_ac_points_are_bounded_directly(
    server_pdk: str, remote: ds.BackgroundServer, run_dir: Path, npts: int, fstart: float, fstop: float
) -> None:
    inp = hs.to_proto(rc_sim())
    inp.an[1].ac.npts, inp.an[1].ac.fstart, inp.an[1].ac.fstop = npts, fstart, fstop
    response = post_sim_input(remote, inp.SerializeToString())
    assert response.status_code == 422, response.text[:300]
    assert {tuple(f["loc"])[:4] for f in response.json()["details"]["fields"]} == {("proto_bytes", "an", "1", "ac")}
    assert run_on_the_server(rc_sim()).an[0].data


# --- 6. errors the client caused answer 4xx, naming the part


def test_a_channel_length_ngspice_rejects_is_a_422_naming_the_instance(remote: ds.BackgroundServer, run_dir: Path) -> None:
    inp = hs.to_proto(parametric_sim(1e3))
    load = inp.pkg.modules[0].instances[3]  # ParametricRc's nmos
    assert load.name == "load"
    for param in load.parameters:
        if param.name == "l":
            param.value.Clear()
            param.value.double_value = 1e-9
    body = _refused(post_sim_input(remote, inp.SerializeToString()), ("proto_bytes", "pkg", "modules", "0", "instances", "3"), run_dir)
    assert "channel length" in str(body["message"]).lower()
    assert not re.search(r"\d\.\d", str(body["message"]))


def test_results_too_large_to_return_are_a_422(remote: ds.BackgroundServer, run_dir: Path) -> None:
    """250,000 points of the RC low-pass: about 12 MB of results, more than a `VlsirProtoBufBinary` carries
    (`MAX_PROTO_BYTES`); the server could not return them, and must say so as the circuit's limit, not a 500."""
    response = post_sim_input(remote, hs.to_proto(long_tran_sim(250_000)).SerializeToString())
    body = _refused(response, ("proto_bytes",), run_dir)
    assert [field["type"] for field in body["details"]["fields"]] == ["sandbox.run_limit"]  # type: ignore[index]


@pytest.mark.parametrize("server_pdk", PDKS)
def test_a_package_declaring_more_instances_than_the_limit_is_refused_before_it_is_checked(
    server_pdk: str, remote: ds.BackgroundServer, run_dir: Path
) -> None:
    """Declared instances bound the flattened ones only if every module is used: count them first."""
    inp = hs.to_proto(rc_sim())
    unused = inp.pkg.modules.add(name="Unused")
    unused.signals.add(name="a", width=1)
    for i in range(10_001):
        child = unused.instances.add(name=f"r{i}", module=vutils.Reference(external=inp.pkg.modules[0].instances[R].module.external))
        child.parameters.add(name="r").value.double_value = 1.0
    inp.pkg.modules.reverse()  # defined before the testbench
    body = _refused(post_sim_input(remote, inp.SerializeToString()), ("proto_bytes", "pkg", "modules"), run_dir)
    assert len(body["details"]["fields"]) == 1  # type: ignore[arg-type]
