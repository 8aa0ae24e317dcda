"""A researcher's process: a `discovery_client` configured from exactly one downloaded `.env` file.

Run by the tests in a clean environment (none of the client's variables set), it reads a line
per call from stdin and answers with one line: `ok <gain>` or `<ErrorClass> <message>`, so one
client (and its refreshed token) serves the whole test, as it would serve a training run.
"""

from __future__ import annotations

import sys

import discovery_client as dc
from autockt_shared import TWO_STAGE_OPAMP, auto_ckt_sim_hdl21


def main(env_file: str) -> None:
    with dc.Client(dc.Config(dotenv_path=env_file, retry=dc.RetryPolicy(deadline=0))) as client:
        for _ in sys.stdin:
            try:
                answer = f"ok {client.call(auto_ckt_sim_hdl21, TWO_STAGE_OPAMP.initial_input()).gain}"
            except dc.ClientError as err:
                answer = f"{type(err).__name__} {str(err).splitlines()[0]}"
            print(answer, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
