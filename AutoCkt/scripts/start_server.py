"""Serve every AutoCkt Rpc: `python AutoCkt/scripts/start_server.py [--host H] [--port P] [--sim-workers N] ...`.

Host and port default to THE_SERVER_HOST / THE_SERVER_PORT from `.env`, else 127.0.0.1:8000;
the flags override them (`--help` lists the server's flags). Simulation settings come from
AUTOCKT_MODEL_PATH, AUTOCKT_RUN_DIR, AUTOCKT_SIM_TIMEOUT_S, AUTOCKT_ENGINE and
AUTOCKT_SIM_WORKERS (see `autockt_ckt.settings`).

Simulations run in a pool of worker processes (`autockt_ckt.pool`), one per core unless
`--sim-workers` or AUTOCKT_SIM_WORKERS say otherwise; every worker is warm before the
server listens, and the pool stops with the server. Results of both op-amp Rpcs are cached
(`--result-cache-size`, default 100,000 entries, about 45 MB; 0 turns the cache off) under
the content hash of the model card, since the results depend on the card and both engines
are deterministic.
"""

import argparse
import hashlib
import sys
from dataclasses import replace
from pathlib import Path

from dotenv import find_dotenv, load_dotenv

import discovery_server as ds

load_dotenv(find_dotenv(usecwd=True))  # so that `.env` may hold the AUTOCKT_* settings too
import autockt_ckt.handlers as handlers  # noqa: E402  (attaches every AutoCkt handler)
from autockt_ckt.pool import SimulatorPool, WorkerStartError  # noqa: E402
from autockt_ckt.settings import Settings  # noqa: E402

DESCRIPTION = "Serve the AutoCkt circuit simulation Rpcs (two-stage and folded-cascode op-amps)."
RESULT_CACHE_SIZE = 100_000
"""Entries; measured about 470 bytes each (key, encoded output, LRU bookkeeping): about 45 MB."""


def model_hash(path: Path) -> str:
    """The cache namespace: results depend on the model card's content, not on its name."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def base(settings: Settings) -> ds.Config:
    """What this server changes in the defaults: the result cache on, keyed by the model card."""
    return ds.Config(result_cache_size=RESULT_CACHE_SIZE, result_cache_namespace=model_hash(settings.model_path))


def main(argv: list[str] | None = None) -> None:
    try:
        settings = Settings.from_env()
    except (ValueError, OSError) as err:
        sys.exit(f"error: {err}")
    ours = argparse.ArgumentParser(add_help=False)
    ours.add_argument(
        "--sim-workers",
        type=int,
        default=settings.sim_workers,
        help="simulator worker processes (default: AUTOCKT_SIM_WORKERS or one per core: %(default)s)",
    )
    config = ds.config_from_command_line(DESCRIPTION, argv, base(settings), parents=[ours])  # --help lists ours too
    workers = ours.parse_known_args(argv)[0].sim_workers
    if workers < 1:
        ours.error(f"--sim-workers must be 1 or more, not {workers}")
    try:
        pool = SimulatorPool(replace(settings, sim_workers=workers)).start()
    except WorkerStartError as err:
        sys.exit(f"error: {err}")
    config = replace(config, readiness=lambda: pool.size == workers or f"{pool.size} of {workers} simulator workers warm")  # GET /readyz
    handlers.use_pool(pool)
    try:
        ds.configure(config)
        ds.start_server()
    except ds.AuthConfigError as err:  # configuration the user must fix: a message, not a traceback
        sys.exit(f"error: {err}")
    finally:
        pool.close()


if __name__ == "__main__":
    main()
