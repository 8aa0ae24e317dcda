"""Serve the Example app: `python Example/scripts/start_server.py [--host H] [--port P]`.

Host and port default to THE_SERVER_HOST / THE_SERVER_PORT from `.env`, else 127.0.0.1:8000.
"""

import discovery_server as ds
import example_server  # noqa: F401  (attaches the `example` handler)

if __name__ == "__main__":
    ds.serve_from_command_line("Serve the Example app's `example` Rpc.")
