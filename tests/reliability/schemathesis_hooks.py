"""A check of our own for the schemathesis command line of `test_schemathesis.py` (`SCHEMATHESIS_HOOKS`).

`simulate_on_the_server` takes a VLSIR protobuf inside `proto_bytes`: no JSON schema can say which
bytes are a circuit the sandbox accepts, so random schema-valid bytes are refused with a 422 naming
the parts of the protobuf (`("proto_bytes", ...)`), as the Rpc documents. The test lets
`positive_data_acceptance` take that 422 for this one operation, and this check then holds it to
exactly that: a schema-valid request may be refused only for what is inside the bytes. A refusal
naming any other field (`kind`, say) is the schema admitting what the handler refuses, and fails.
"""

from __future__ import annotations

from typing import Any

import schemathesis

PROTOBUF_OPERATION = "POST /simulate_on_the_server"
PROTOBUF_FIELD = "proto_bytes"


@schemathesis.check
def schema_valid_protobuf_input_refused_only_for_its_bytes(ctx: Any, response: Any, case: schemathesis.Case) -> None:
    if case.operation.label != PROTOBUF_OPERATION or case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if response.status_code != 422:
        return  # any other status is positive_data_acceptance's to judge
    fields = response.json().get("details", {}).get("fields", [])
    outside = [field for field in fields if field.get("loc", [])[:1] != [PROTOBUF_FIELD]]
    if outside or not fields:
        raise AssertionError(f"a schema-valid input was refused for more than its protobuf's content: {outside or response.text[:300]}")
