"""A check of our own for the schemathesis command line of `test_schemathesis.py` (`SCHEMATHESIS_HOOKS`).

`simulate_on_the_server` takes a VLSIR protobuf inside `proto_bytes`: no JSON schema can say which
bytes are a circuit the sandbox accepts, so random schema-valid bytes are refused with a 422 naming
the parts of the protobuf (`("proto_bytes", ...)`), as the Rpc documents. The test lets
`positive_data_acceptance` take that 422 for this one operation, and this check then holds it to
exactly that: a schema-valid request may be refused only for what is inside the bytes. A refusal
naming any other field (`kind`, say) is the schema admitting what the handler refuses, and fails.

`design_netlist` and `design_waveforms` likewise take any circuit's design: the circuit is a name in
the server's registry, the design a mapping of that circuit's own parameters, the corner set one of
its PDK's. A schema-valid request may be refused only for those (`circuit`, `corner_set`, `design.*`).
"""

from __future__ import annotations

from typing import Any

import schemathesis

REGISTRY_CHECKED = {
    "POST /simulate_on_the_server": {"proto_bytes"},
    "POST /design_netlist": {"circuit", "corner_set", "design"},
    "POST /design_waveforms": {"circuit", "corner_set", "design"},
}
"""Per operation, the top-level fields whose content the server checks beyond what its JSON schema says."""


@schemathesis.check
def schema_valid_input_refused_only_for_what_the_server_checks_beyond_its_schema(ctx: Any, response: Any, case: schemathesis.Case) -> None:
    checked = REGISTRY_CHECKED.get(case.operation.label)
    if checked is None or case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if response.status_code != 422:
        return  # any other status is positive_data_acceptance's to judge
    fields = response.json().get("details", {}).get("fields", [])
    outside = [field for field in fields if not field.get("loc") or field["loc"][0] not in checked]
    if outside or not fields:
        raise AssertionError(f"a schema-valid input was refused for more than {sorted(checked)}: {outside or response.text[:300]}")
