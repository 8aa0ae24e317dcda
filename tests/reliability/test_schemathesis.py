"""schemathesis against the served OpenAPI of the Example and AutoCkt servers: every check passes.

Positive and negative cases of every operation, the Rpcs' own included: valid inputs must be
accepted and answered as documented; inputs the schema rules out (a boolean or a string where
an integer is declared, an unknown field) must be refused, which is how the strict codec and
the schema are shown to agree. Examples are bounded per operation so the module runs in well
under a minute; the AutoCkt server's results are cached, so repeated inputs cost no simulation.

schemathesis's pytest plugin (`from_fixture`) does not run under pytest 9, so each operation's
Hypothesis strategy is driven here with `given` (schemathesis's own Python API).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from discovery_server import ServerProcess

MAX_EXAMPLES = 20
"""Per operation and generation mode."""

NEGATIVE_STATUSES = ["400", "404", "405", "413", "422"]
"""What the servers answer a schema-violating request: 413 for a batch past `maxItems` (the documented
limit), 422 for an input that does not fit; schemathesis's default list lacks 413."""

SEMANTIC_CHECKS = {"POST /simulate_on_the_server", "POST /simulate_on_the_server/batch"}
"""Operations whose handler refuses schema-valid inputs by design (the sandbox checks the protobuf inside
the bytes: 422 naming the part): random bytes are never a circuit, so "valid data is accepted" does not apply."""


def check_every_operation(server: ServerProcess) -> list[str]:
    """Run every check on every operation of the server's OpenAPI; returns the operations' labels."""
    config = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": NEGATIVE_STATUSES}}})
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", config=config)
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        modes = [GenerationMode.POSITIVE]
        if operation.method.upper() == "POST":  # a GET without parameters has no negative case
            modes.append(GenerationMode.NEGATIVE)
        excluded = [positive_data_acceptance] if operation.label in SEMANTIC_CHECKS else []
        if operation.label.endswith("/batch"):  # bad items are answered 200, each item its own error (by design)
            excluded.append(negative_data_rejection)
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(excluded_checks=excluded)  # noqa: B023  (run() is called in this iteration)

            run()
    return labels


def test_example_server(example_server: ServerProcess) -> None:
    labels = check_every_operation(example_server)
    assert {"POST /example", "POST /example/batch", "GET /readyz"} <= set(labels)


def test_autockt_server(autockt_server: ServerProcess) -> None:
    labels = check_every_operation(autockt_server)
    assert {"POST /auto_ckt_sim_hdl21", "POST /folded_cascode_sim/batch"} <= set(labels)
