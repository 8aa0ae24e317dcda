"""schemathesis against the served OpenAPI of the Example and AutoCkt servers: every check passes.

The schemathesis command line runs, as an operator would (`schemathesis run --checks all`), with
no check excluded and, but for the one allowance below, the statuses each check expects left as
they come: valid inputs must be accepted and answered as documented, and a request the schema
rules out (a wrong type, an unknown field, a batch past `maxItems`) must be refused with a 4xx
validation answer. That is how the strict
codec, the batch route and the served schema are shown to agree.

Its phases here are coverage (deterministic boundary and enum cases of every schema: it finds a
batch one item past `maxItems`, or an enum value a handler refuses) and fuzzing, positive and
negative, with `MAX_EXAMPLES` per operation (20 finds an invalid batch item answered 200 on every
batch route). The stateful phase is left out: the Rpcs are independent calls with no links
between operations, so its sequences only repeat the fuzzing phase's requests, at four times
its cost. The AutoCkt server (conftest's `autockt_server`) takes batches of at most
`AUTOCKT_MAX_BATCH` items, so that the boundary cases (an array of `maxItems` valid inputs,
simulated) stay cheap; the contract is the same at any limit. A fixed seed makes a run
reproducible; its failures print with a `curl` line each.

One allowance, in `schemathesis.toml`: `simulate_on_the_server`, `design_netlist` and
`design_waveforms` may refuse a schema-valid input with 422, as no JSON schema can say which bytes
are a circuit, or which names and parameters a server's circuits have; `schemathesis_hooks.py`
adds the check that such a refusal names nothing but those fields.

The command line rather than schemathesis's pytest plugin: the plugin's `from_fixture` does not
run under pytest 9, and the coverage phase is an engine phase, not a Hypothesis strategy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from discovery_server import ServerProcess

MAX_EXAMPLES = 20
"""Per operation, in the fuzzing phase (schemathesis's default is 100)."""

SEED = 1
HERE = Path(__file__).resolve().parent


def run_schemathesis(server: ServerProcess, workdir: Path) -> tuple[dict[str, list[str]], str]:
    """Every check on every operation of the server's OpenAPI: each operation's failures (by its label, from
    the JUnit report), and the command's output, which shows a reproducing request per failure."""
    junit = workdir / "junit.xml"
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(HERE / "schemathesis.toml"), "run"),
        *(f"{server.url}/openapi.json", "--checks", "all", "--phases", "coverage,fuzzing"),
        *("--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--generation-database", "none", "--no-color"),
        *("--report", "junit", "--report-junit-path", str(junit)),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HERE / "schemathesis_hooks.py")}
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=workdir, env=env)  # cwd: its .hypothesis
    output = done.stdout + done.stderr
    assert junit.exists(), output
    failures = {
        case.attrib["name"]: [problem.attrib.get("message", "") for problem in case if problem.tag in ("failure", "error")]
        for case in ET.parse(junit).getroot().iter("testcase")
    }
    assert (done.returncode == 0) == (not any(failures.values())), output
    return failures, output


def test_example_server(example_server: ServerProcess, tmp_path: Path) -> None:
    failures, output = run_schemathesis(example_server, tmp_path)
    assert {"POST /example", "POST /example/batch", "GET /readyz"} <= set(failures)
    assert not any(failures.values()), output


def test_autockt_server(autockt_server: ServerProcess, tmp_path: Path) -> None:
    failures, output = run_schemathesis(autockt_server, tmp_path)
    assert {"POST /auto_ckt_sim_hdl21", "POST /folded_cascode_sim/batch", "POST /simulate_on_the_server"} <= set(failures)
    assert not any(failures.values()), output
