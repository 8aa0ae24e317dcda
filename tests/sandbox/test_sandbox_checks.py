"""The sandbox's grammar for the free-text fields it lets through, and its second fence."""

from __future__ import annotations

import hdl21.sim as hs
import pytest
import vlsir.spice_pb2 as vsp
import vlsir.utils_pb2 as vutils

from autockt_ckt.sandbox import check_sim_input
from autockt_ckt.sandbox_netlist import NetlistRefused, check_rendered_netlist, expected_lines, render_netlist
from autockt_ckt.sandbox_pdk import sandbox_devices, served_models
from autockt_ckt.vlsir_handlers import CheckedCall, check_call
from autockt_shared.remote_sim import sim_input_binary
from discovery_shared import WireValidationError

from .circuits import parametric_sim

R = 1  # ParametricRc's instances: src, r, c, load


def _with_r(expression: str) -> vsp.SimInput:
    inp = hs.to_proto(parametric_sim(1e3))
    inp.pkg.modules[0].instances[R].parameters[0].value.literal = expression
    return inp


@pytest.mark.parametrize("expression", ["rval", "{rval}", "2 * rval + 1k", "max(rval, 1meg) / (3 - vsup)", "-1.5e3*mult", "sqrt(rval)"])
def test_expressions_over_declared_params_pass(expression: str) -> None:
    check_sim_input(_with_r(expression), sandbox_devices("ptm45"))


@pytest.mark.parametrize(
    "expression",
    [
        "rval'\n.control",  # a quote would end vlsirtools' '...' around instance values
        "{rval}} .control",
        "undeclared * 2",
        "v(out)",  # node values are not parameters
        "shell(rval)",  # not an allowed function
        "(rval",
        "rval)",
        "",
        "1k2",
        "rval ; .endc",
        "x" * 300,
    ],
)
def test_other_expressions_are_refused(expression: str) -> None:
    with pytest.raises(WireValidationError) as err:
        check_sim_input(_with_r(expression), sandbox_devices("ptm45"))
    assert {e.loc[-2:] for e in err.value.errors} == {("value", "literal")}


def test_a_param_may_use_only_params_declared_before_it() -> None:
    inp = hs.to_proto(parametric_sim(1e3))
    inp.ctrls[0].param.value.CopyFrom(vutils.ParamValue(literal="vsup * 2"))  # rval, declared before vsup
    with pytest.raises(WireValidationError, match="not a .param declared before it"):
        check_sim_input(inp, sandbox_devices("ptm45"))


def _served(call: CheckedCall) -> vsp.SimInput:
    served = vsp.SimInput()
    served.ParseFromString(call.served)
    return served


def test_the_rendered_netlist_fence_counts_every_line_by_kind() -> None:
    served = _served(check_call(sim_input_binary(parametric_sim(1e3))))
    include = served_models("ptm45", "tt").line
    netlist = render_netlist(served, include)
    check_rendered_netlist(netlist, expected_lines(served), include)
    for smuggled in (
        ".control",
        ".endc",
        ".include '/etc/passwd'",
        ".lib /srv/x tt",
        ".meas tran x",
        "b1 out 0 v=1",
        "r9 a b 1k",
        "+ tc1=1",
    ):
        with pytest.raises(NetlistRefused, match="structure does not produce|not allowed"):
            check_rendered_netlist(netlist + smuggled + "\n", expected_lines(served), include)
    for odd in ("  .control", "\tr9 a b 1k", "r9 a\u2028b 1k", "r9 a\rb"):
        with pytest.raises(NetlistRefused, match="line"):
            check_rendered_netlist(netlist + odd + "\n", expected_lines(served), include)


@pytest.mark.parametrize("separator", ["\n", "\r", "\u2028", "\x85", "\v"])
def test_the_fence_refuses_a_line_the_first_fence_missed(separator: str) -> None:
    """Should an expression with a line break ever pass the structural checks, the rendered netlist is refused."""
    served = _served(check_call(sim_input_binary(parametric_sim(1e3))))
    served.pkg.modules[0].instances[R].parameters[0].value.literal = f"rval{separator}r9 vin out 1k"  # not checked: straight to rendering
    with pytest.raises(NetlistRefused):
        render_netlist(served, served_models("ptm45", "tt").line)


@pytest.mark.parametrize("pdk_name", ["gf180mcu", "sky130"])
def test_the_fence_admits_only_the_pdks_own_model_line(pdk_name: str) -> None:
    """On an open PDK the one model line is a `.lib` of its single-section file: any other `.lib` or
    `.include`, even of the same file at another section, is refused."""
    served = _served(check_call(sim_input_binary(parametric_sim(1e3))))
    typical, fast = served_models(pdk_name, "tt"), served_models(pdk_name, "ff")
    served.ctrls[0].CopyFrom(typical.control)
    netlist = render_netlist(served, typical.line)
    assert typical.line in netlist.splitlines()
    with pytest.raises(NetlistRefused, match="not allowed"):
        check_rendered_netlist(netlist, expected_lines(served), fast.line)
    for other in (fast.line, typical.line.replace(".lib", ".include", 1)):
        with pytest.raises(NetlistRefused):
            check_rendered_netlist(netlist.replace(typical.line, other), expected_lines(served), typical.line)
