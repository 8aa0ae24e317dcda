"""Serve every AutoCkt Rpc: `python AutoCkt/scripts/start_server.py [--host H] [--port P] [--sim-workers N] [--pdk NAME] ...`.

Host and port default to THE_SERVER_HOST / THE_SERVER_PORT from `.env`, else 127.0.0.1:8000;
the flags override them (`--help` lists the server's flags). Simulation settings come from
AUTOCKT_MODEL_PATH, AUTOCKT_RUN_DIR, AUTOCKT_SIM_TIMEOUT_S, AUTOCKT_ENGINE,
AUTOCKT_SIM_WORKERS, AUTOCKT_PDK and AUTOCKT_PDK_DIR (see `autockt_ckt.settings`).

The server simulates with one PDK (`--pdk`, else AUTOCKT_PDK, else `ptm45`, the shipped 45 nm
card; `gf180mcu` and `sky130` are the open PDKs of `autockt_ckt.pdks`), which its workers get
with the settings. It refuses to start for an unknown PDK, naming the choices, or one whose
model files are not installed, naming the command that installs them: nothing is downloaded
at run time.

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

from dotenv import find_dotenv, load_dotenv

import discovery_server as ds

load_dotenv(find_dotenv(usecwd=True))  # so that `.env` may hold the AUTOCKT_* settings too
import autockt_ckt.handlers as handlers  # noqa: E402  (attaches every AutoCkt handler)
from autockt_ckt.pdks import Pdk, pdk, pdk_names  # noqa: E402
from autockt_ckt.pdks.wheel import PdkFilesMissing  # noqa: E402
from autockt_ckt.pool import SimulatorPool, WorkerStartError  # noqa: E402
from autockt_ckt.settings import Settings  # noqa: E402

DESCRIPTION = "Serve the AutoCkt circuit simulation Rpcs (two-stage and folded-cascode op-amps)."
RESULT_CACHE_SIZE = 100_000
"""Entries; measured about 470 bytes each (key, encoded output, LRU bookkeeping): about 45 MB."""


def model_hash(kit: Pdk) -> str:
    """The cache namespace: results depend on the PDK's model files' content, not on their names."""
    digest = hashlib.sha256(kit.name.encode())
    for path in kit.model_files():
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def base(kit: Pdk) -> ds.Config:
    """What this server changes in the defaults: the result cache on, keyed by the PDK's model files."""
    return ds.Config(result_cache_size=RESULT_CACHE_SIZE, result_cache_namespace=model_hash(kit))


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
    ours.add_argument(
        "--pdk",
        default=settings.pdk,
        help=f"the PDK to simulate with, one of {', '.join(pdk_names())} (default: AUTOCKT_PDK or ptm45: %(default)s)",
    )
    chosen = ours.parse_known_args(argv)[0]
    try:
        kit = pdk(chosen.pdk)
        namespace = base(kit)  # reads the model files: missing ones say how to install them
    except (KeyError, PdkFilesMissing) as err:
        sys.exit(f"error: --pdk / AUTOCKT_PDK: {err.args[0] if isinstance(err, KeyError) else err}")
    config = ds.config_from_command_line(DESCRIPTION, argv, namespace, parents=[ours])  # --help lists ours too
    workers = chosen.sim_workers
    if workers < 1:
        ours.error(f"--sim-workers must be 1 or more, not {workers}")
    try:
        pool = SimulatorPool(replace(settings, sim_workers=workers, pdk=kit.name)).start()
    except WorkerStartError as err:
        sys.exit(f"error: {err}")
    config = replace(config, readiness=lambda: pool.size == workers or f"{pool.size} of {workers} simulator workers warm")  # GET /readyz
    handlers.use_pool(pool)
    try:
        ds.configure(config)
        ds.start_server(handlers.rpcs_for(kit.name))
    except ds.AuthConfigError as err:  # configuration the user must fix: a message, not a traceback
        sys.exit(f"error: {err}")
    finally:
        pool.close()


if __name__ == "__main__":
    main()
