"""
# Example Client

`python -m example_client "hello " 3` calls the `example` Rpc on the server named by
`THE_SERVER_URL` (from `.env` or the environment) and prints the result.
"""

import discovery_client as dc
from example_shared import Example, example


def start(cfg: dc.Config | None = None) -> dc.Client:
    """Route Rpc calls in this process to the server of `cfg` (default: from `.env`)."""
    dc.configure(cfg or dc.Config())
    return dc.client_start()


def repeat(txt: str, num: int) -> str:
    """Call the `example` Rpc (remote once `start` ran) and return its text."""
    return example(Example(txt=txt, num=num)).txt
