"""Serve every AutoCkt Rpc: `python AutoCkt/scripts/start_server.py [--host H] [--port P]`.

Host and port default to THE_SERVER_HOST / THE_SERVER_PORT from `.env`, else 127.0.0.1:8000;
the flags override them. Simulation settings come from AUTOCKT_MODEL_PATH, AUTOCKT_RUN_DIR,
AUTOCKT_SIM_TIMEOUT_S and AUTOCKT_ENGINE (see `autockt_ckt.settings`).
"""

import discovery_server as ds
from dotenv import find_dotenv, load_dotenv

load_dotenv(find_dotenv(usecwd=True))  # before the handlers read the AUTOCKT_* settings, so `.env` may hold them too
import autockt_ckt.handlers  # noqa: E402, F401  (attaches every AutoCkt handler)

if __name__ == "__main__":
    ds.serve_from_command_line("Serve the AutoCkt circuit simulation Rpcs (two-stage and folded-cascode op-amps).")
