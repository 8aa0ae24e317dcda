"""The hostile corpus of issue 14, one test each, over real HTTP, on a server of each PDK.

Each case starts from the legitimate RC low-pass `SimInput` and smuggles one thing in. Every
one must be answered with a 422 naming where it is, write nothing outside its run directory
(the payloads try to create `marker`), show nothing of the server, and leave the server
answering the next legitimate call.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from pathlib import Path

import hdl21.sim as hs
import httpx
import pytest
import vlsir.circuit_pb2 as vckt
import vlsir.spice_pb2 as vsp
import vlsir.utils_pb2 as vutils

import discovery_client as dc
import discovery_server as ds
from autockt_shared.remote_sim import run_on_the_server
from autockt_shared.vlsir_sim import MAX_PROTO_BYTES, SimInputBinary, simulate_on_the_server

from .circuits import rc_sim
from .conftest import MODEL_PATH, PDKS, leaks, post_sim_input

Mutation = Callable[[vsp.SimInput, Path], None]

# The RC low-pass, as Hdl21 exports it: module 0 is the testbench, its instances are
# pulse, ac, r, c (in that order) and its analyses op, ac, tran.
R, C = 2, 3
TB = ("proto_bytes", "pkg", "modules", "0")


def _shell(marker: Path) -> str:
    return f".control\nshell touch {marker}\nwrdata {marker} v(out)\n.endc"


def _literal_control(inp: vsp.SimInput, marker: Path) -> None:
    inp.ctrls.add(literal=_shell(marker))


def _module_literal(inp: vsp.SimInput, marker: Path) -> None:
    inp.pkg.modules[0].literals.append(_shell(marker))


def _string_parameter(inp: vsp.SimInput, marker: Path) -> None:
    inp.pkg.modules[0].instances[R].parameters[0].value.string_value = f'1k"\n{_shell(marker)}\n*'


def _literal_parameter(inp: vsp.SimInput, marker: Path) -> None:
    inp.pkg.modules[0].instances[R].parameters[0].value.literal = f"1k\n{_shell(marker)}"


def _prefixed_string(inp: vsp.SimInput, marker: Path) -> None:
    value = inp.pkg.modules[0].instances[R].parameters[0].value.prefixed
    value.string_value = f"1\n{_shell(marker)}"


def _meas_expression(inp: vsp.SimInput, marker: Path) -> None:
    inp.ctrls.add(meas=vsp.Meas(analysis_type="tran", name="t50", expr=f"when v(out)=0.5\n{_shell(marker)}"))


def _instance_name(inp: vsp.SimInput, marker: Path) -> None:
    inp.pkg.modules[0].instances[R].name = f"1 vin out 1k\n{_shell(marker)}\nr2"


def _signal_name(inp: vsp.SimInput, marker: Path) -> None:
    inp.pkg.modules[0].signals[0].name = f"vin\n{_shell(marker)}"


def _module_name(inp: vsp.SimInput, marker: Path) -> None:
    inp.pkg.modules[0].name = inp.top = f"Rc\n{_shell(marker)}\n.subckt Rc2"


def _sim_param_name(inp: vsp.SimInput, marker: Path) -> None:
    inp.ctrls.add(param=vutils.Param(name=f"x=1\n{_shell(marker)}\n.param y", value=vutils.ParamValue(int64_value=1)))


def _package_domain(inp: vsp.SimInput, marker: Path) -> None:
    inp.pkg.domain = f"x\n{_shell(marker)}"


def _custom_analysis(inp: vsp.SimInput, marker: Path) -> None:
    inp.an.add(custom=vsp.CustomAnalysisInput(analysis_name="c", cmd=f"wrdata {marker} v(out)"))


def _include_passwd(inp: vsp.SimInput, _: Path) -> None:
    inp.ctrls.add(include=vsp.Include(path="/etc/passwd"))


def _lib_of_a_server_path(inp: vsp.SimInput, _: Path) -> None:
    inp.ctrls.add(lib=vsp.LibInclude(path=str(MODEL_PATH), section="tt"))


def _sweep_of_ten_million_points(inp: vsp.SimInput, _: Path) -> None:
    inp.an[1].ac.npts = 10**7 // 9 + 1  # 1 Hz to 1 GHz: 9 decades


def _tran_of_a_billion_steps(inp: vsp.SimInput, _: Path) -> None:
    inp.an[2].tran.tstep = inp.an[2].tran.tstop / 1e9


def _hundred_thousand_instances(inp: vsp.SimInput, _: Path) -> None:
    """10^5 resistors in the flattened circuit from a few hundred bytes: five levels of ten."""
    leaf = inp.pkg.modules[0].instances[R]
    cells = [_two_port_cell("Cell", level, 10, leaf) for level in range(5)]
    inp.pkg.modules[0].instances.add(name="xcells", module=vutils.Reference(local="Cell4")).connections.extend(
        [vckt.Connection(portname=p, target=vckt.ConnectionTarget(sig=s)) for p, s in (("a", "vin"), ("b", "out"))]
    )
    _define_first(inp, cells)


def _deep_hierarchy(inp: vsp.SimInput, _: Path) -> None:
    """A chain of 100 modules, each holding the next: one resistor, 100 levels down."""
    leaf = inp.pkg.modules[0].instances[R]
    chain = [_two_port_cell("Deep", level, 1, leaf) for level in range(100)]
    inp.pkg.modules[0].instances[R].module.local = "Deep99"
    inp.pkg.modules[0].instances[R].ClearField("parameters")
    for conn, port in zip(inp.pkg.modules[0].instances[R].connections, ("a", "b"), strict=True):
        conn.portname = port
    _define_first(inp, chain)


def _two_port_cell(prefix: str, level: int, children: int, leaf: vckt.Instance) -> vckt.Module:
    """Module `<prefix><level>` (ports a, b) holding `children` copies of the level below in parallel:
    of `leaf` (the bench's resistor) at level 0."""
    cell = vckt.Module(name=f"{prefix}{level}", ports=[vckt.Port(signal="a"), vckt.Port(signal="b")])
    cell.signals.add(name="a", width=1)
    cell.signals.add(name="b", width=1)
    for i in range(children):
        child = cell.instances.add(name=f"x{i}" if children > 1 else "x")
        if level == 0:
            child.module.CopyFrom(leaf.module)
            child.parameters.extend(leaf.parameters)
            ports = ("p", "n")
        else:
            child.module.local = f"{prefix}{level - 1}"
            ports = ("a", "b")
        for port, sig in zip(ports, ("a", "b"), strict=True):
            child.connections.add(portname=port, target=vckt.ConnectionTarget(sig=sig))
    return cell


def _define_first(inp: vsp.SimInput, modules: list[vckt.Module]) -> None:
    """Modules are defined before they are used, as Hdl21 exports them."""
    tb = vckt.Module()
    tb.CopyFrom(inp.pkg.modules[0])
    del inp.pkg.modules[:]
    inp.pkg.modules.extend([*modules, tb])


def _nan_parameter(inp: vsp.SimInput, _: Path) -> None:
    inp.pkg.modules[0].instances[R].parameters[0].value.double_value = math.nan


def _infinite_parameter(inp: vsp.SimInput, _: Path) -> None:
    inp.pkg.modules[0].instances[C].parameters[0].value.double_value = math.inf


def _overflowing_parameter(inp: vsp.SimInput, _: Path) -> None:
    inp.pkg.modules[0].instances[C].parameters[0].value.prefixed.string_value = "1e999"


def _top_names_no_module(inp: vsp.SimInput, _: Path) -> None:
    inp.top = "NoSuchModule"


def _device_not_offered(inp: vsp.SimInput, _: Path) -> None:
    secret = inp.pkg.ext_modules.add(name=vutils.QualifiedName(name="secret_ip"), spicetype=vckt.SpiceType.SUBCKT)
    secret.ports.extend([vckt.Port(signal="p"), vckt.Port(signal="n")])
    inp.pkg.modules[0].instances[R].module.external.CopyFrom(secret.name)
    inp.pkg.modules[0].instances[R].ClearField("parameters")


def _option_not_offered(inp: vsp.SimInput, _: Path) -> None:
    inp.opts.add(name="filetype").value.literal = "ascii"


def _more_threads(inp: vsp.SimInput, _: Path) -> None:
    inp.opts.add(name="num_threads").value.int64_value = 8


# (id, mutation, a FieldError.loc the answer must hold)
CORPUS: list[tuple[str, Mutation, tuple[str, ...]]] = [
    ("control_in_a_literal", _literal_control, ("proto_bytes", "ctrls", "0", "literal")),
    ("control_in_a_module_literal", _module_literal, (*TB, "literals")),
    ("control_in_a_string_parameter", _string_parameter, (*TB, "instances", str(R), "parameters", "0", "value", "string_value")),
    ("control_in_a_literal_parameter", _literal_parameter, (*TB, "instances", str(R), "parameters", "0", "value", "literal")),
    ("control_in_a_prefixed_number", _prefixed_string, (*TB, "instances", str(R), "parameters", "0", "value", "prefixed", "string_value")),
    ("control_in_a_meas_expression", _meas_expression, ("proto_bytes", "ctrls", "0", "meas")),
    ("control_in_an_instance_name", _instance_name, (*TB, "instances", str(R), "name")),
    ("control_in_a_signal_name", _signal_name, (*TB, "signals", "0", "name")),
    ("control_in_a_module_name", _module_name, (*TB, "name")),
    ("control_in_a_parameter_name", _sim_param_name, ("proto_bytes", "ctrls", "0", "param", "name")),
    ("control_in_the_package_domain", _package_domain, ("proto_bytes", "pkg", "domain")),
    ("wrdata_in_a_custom_analysis", _custom_analysis, ("proto_bytes", "an", "3", "custom")),
    ("include_etc_passwd", _include_passwd, ("proto_bytes", "ctrls", "0", "include")),
    ("lib_of_a_server_path", _lib_of_a_server_path, ("proto_bytes", "ctrls", "0", "lib")),
    ("sweep_of_10e7_points", _sweep_of_ten_million_points, ("proto_bytes", "an", "1", "ac", "npts")),
    ("tran_of_10e9_steps", _tran_of_a_billion_steps, ("proto_bytes", "an", "2", "tran", "tstep")),
    ("10e5_instances", _hundred_thousand_instances, ("proto_bytes", "top")),
    ("deep_hierarchy", _deep_hierarchy, ("proto_bytes", "top")),
    ("nan_parameter", _nan_parameter, (*TB, "instances", str(R), "parameters", "0", "value", "double_value")),
    ("infinite_parameter", _infinite_parameter, (*TB, "instances", str(C), "parameters", "0", "value", "double_value")),
    ("overflowing_parameter", _overflowing_parameter, (*TB, "instances", str(C), "parameters", "0", "value", "prefixed", "string_value")),
    ("top_names_no_module", _top_names_no_module, ("proto_bytes", "top")),
    ("device_not_offered", _device_not_offered, ("proto_bytes", "pkg", "ext_modules", "0", "name")),
    ("option_not_offered", _option_not_offered, ("proto_bytes", "opts", "0", "name")),
    ("more_simulator_threads", _more_threads, ("proto_bytes", "opts", "0", "value")),
]


def _assert_refused_and_still_serving(response: httpx.Response, loc: tuple[str, ...], marker: Path, run_dir: Path) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"] == "validation_error"
    assert loc in [tuple(field["loc"]) for field in body["details"]["fields"]], body
    assert not marker.exists()
    assert not leaks(response.text, run_dir)
    assert not run_dir.exists() or list(run_dir.iterdir()) == []  # refused before anything ran
    assert run_on_the_server(rc_sim()).an[0].data  # the next legitimate call is answered


@pytest.mark.parametrize("server_pdk", PDKS)
@pytest.mark.parametrize(("mutate", "loc"), [case[1:] for case in CORPUS], ids=[case[0] for case in CORPUS])
def test_hostile_sim_input_is_refused_naming_the_part(
    server_pdk: str, remote: ds.BackgroundServer, run_dir: Path, tmp_path: Path, mutate: Mutation, loc: tuple[str, ...]
) -> None:
    inp = hs.to_proto(rc_sim())
    marker = tmp_path / "pwned"
    mutate(inp, marker)
    response = post_sim_input(remote, inp.SerializeToString())
    _assert_refused_and_still_serving(response, loc, marker, run_dir)


@pytest.mark.parametrize("server_pdk", PDKS)
def test_malformed_protobuf(server_pdk: str, remote: ds.BackgroundServer, run_dir: Path, tmp_path: Path) -> None:
    response = post_sim_input(remote, b"\xff\xff\xff\x07 not a protobuf")
    _assert_refused_and_still_serving(response, ("proto_bytes",), tmp_path / "pwned", run_dir)


@pytest.mark.parametrize("server_pdk", PDKS)
def test_fields_this_vlsir_version_does_not_define(server_pdk: str, remote: ds.BackgroundServer, run_dir: Path, tmp_path: Path) -> None:
    unknown = b"\xa0\x06\x01"  # field 100, varint 1
    response = post_sim_input(remote, hs.to_proto(rc_sim()).SerializeToString() + unknown)
    _assert_refused_and_still_serving(response, ("proto_bytes",), tmp_path / "pwned", run_dir)


@pytest.mark.parametrize("server_pdk", PDKS)
def test_a_package_where_a_sim_input_belongs(server_pdk: str, remote: ds.BackgroundServer, run_dir: Path, tmp_path: Path) -> None:
    response = post_sim_input(remote, hs.to_proto(rc_sim()).pkg.SerializeToString(), kind="ckt_package")
    _assert_refused_and_still_serving(response, ("kind",), tmp_path / "pwned", run_dir)


def test_a_100_mb_body(remote: ds.BackgroundServer, run_dir: Path) -> None:
    payload = b'{"kind":"sim_input","proto_bytes":"' + base64.b64encode(bytes(75 * 1024 * 1024)) + b'"}'
    assert len(payload) >= 100 * 1024 * 1024
    response = httpx.post(
        f"{remote.url}/simulate_on_the_server", content=payload, headers={"content-type": "application/json"}, timeout=120
    )
    assert response.status_code == 413, response.text[:300]  # the server's body limit (16 MiB by default)
    assert response.json()["type"] == "payload_too_large"
    assert not leaks(response.text, run_dir)
    assert run_on_the_server(rc_sim()).an[0].data


def test_a_protobuf_past_the_documented_size(remote: ds.BackgroundServer, run_dir: Path, tmp_path: Path) -> None:
    response = post_sim_input(remote, bytes(MAX_PROTO_BYTES + 1))  # within the body limit, past the protobuf's
    _assert_refused_and_still_serving(response, ("proto_bytes",), tmp_path / "pwned", run_dir)
    assert str(MAX_PROTO_BYTES) in response.text


def test_the_client_raises_a_validation_error_naming_the_field(remote: ds.BackgroundServer) -> None:
    inp = hs.to_proto(rc_sim())
    inp.ctrls.add(include=vsp.Include(path="/etc/passwd"))
    with pytest.raises(dc.ValidationError) as err:
        simulate_on_the_server(SimInputBinary(proto_bytes=inp.SerializeToString()))
    assert [e.loc for e in err.value.errors] == [("proto_bytes", "ctrls", "0", "include")]
    assert "the server adds its own model file" in str(err.value)


def test_the_served_schema_admits_only_what_the_handler_takes(remote: ds.BackgroundServer, run_dir: Path, tmp_path: Path) -> None:
    """schemathesis found `kind: "sim_result"` admitted by the schema and refused by the handler: the
    input type now admits one kind, so the schema says so and decoding refuses the others, naming `kind`."""
    schema = httpx.get(f"{remote.url}/openapi.json", timeout=30).json()
    body = schema["paths"]["/simulate_on_the_server"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    while "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    kind = body["properties"]["kind"]
    assert kind.get("const", kind.get("enum", [None])[0]) == "sim_input" and len(kind.get("enum", ["sim_input"])) == 1, kind
    for other in ("sim_result", "ckt_package"):
        _assert_refused_and_still_serving(post_sim_input(remote, b"", kind=other), ("kind",), tmp_path / "pwned", run_dir)
