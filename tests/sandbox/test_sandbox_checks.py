"""The sandbox's grammar for the free-text fields it lets through, and its second fence."""

from __future__ import annotations

import hdl21.sim as hs
import pytest
import vlsir.spice_pb2 as vsp
import vlsir.utils_pb2 as vutils

from autockt_ckt.sandbox import check_rendered_netlist, check_sim_input
from autockt_ckt.vlsir_handlers import SANDBOX_DEVICES
from discovery_shared import WireValidationError

from .circuits import parametric_sim

R = 1  # ParametricRc's instances: src, r, c, load


def _with_r(expression: str) -> vsp.SimInput:
    inp = hs.to_proto(parametric_sim(1e3))
    inp.pkg.modules[0].instances[R].parameters[0].value.literal = expression
    return inp


@pytest.mark.parametrize("expression", ["rval", "{rval}", "2 * rval + 1k", "max(rval, 1meg) / (3 - vsup)", "-1.5e3*mult", "sqrt(rval)"])
def test_expressions_over_declared_params_pass(expression: str) -> None:
    check_sim_input(_with_r(expression), SANDBOX_DEVICES)


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
        check_sim_input(_with_r(expression), SANDBOX_DEVICES)
    assert {e.loc[-2:] for e in err.value.errors} == {("value", "literal")}


def test_a_param_may_use_only_params_declared_before_it() -> None:
    inp = hs.to_proto(parametric_sim(1e3))
    inp.ctrls[0].param.value.CopyFrom(vutils.ParamValue(literal="vsup * 2"))  # rval, declared before vsup
    with pytest.raises(WireValidationError, match="neither a declared .param"):
        check_sim_input(inp, SANDBOX_DEVICES)


def test_the_rendered_netlist_fence() -> None:
    include = '.include "/srv/models.sp"'
    fine = f"* title\n.SUBCKT Tb\n+ VSS\nrr\n+ a b\n+ 1k\n.ENDS\nxtop 0 Tb\n{include}\n.option num_threads = 1\n.op\n"
    check_rendered_netlist(fine, include)
    for smuggled in (".control", ".endc", ".include '/etc/passwd'", ".lib /srv/x tt", ".meas tran x", "  .CONTROL"):
        with pytest.raises(WireValidationError, match="line 12"):
            check_rendered_netlist(fine + smuggled + "\n", include)
