"""
# Server-operator settings, read from the environment once, when the server starts

| variable | default | what |
| --- | --- | --- |
| `AUTOCKT_MODEL_PATH` | the card shipped in this package | SPICE file defining models `nmos` and `pmos` (e.g. a licensed PDK) |
| `AUTOCKT_RUN_DIR` | `<tmp>/autockt-runs` | where each worker process keeps its simulation directory |
| `AUTOCKT_SIM_TIMEOUT_S` | `30` | wall-clock limit of one simulation, seconds; `none`: no limit |
| `AUTOCKT_ENGINE` | `libngspice` if it loads, else `subprocess` | `libngspice`: ngspice's shared library in-process (Debian `libngspice0`), several times faster; `subprocess`: one `ngspice -b` per evaluation |

Both engines run the same netlist and agree to the last bit. With `AUTOCKT_ENGINE` unset,
the server logs which engine it chose; set to `libngspice`, a missing library is an error at
start. `none` as the limit spares libngspice the background thread a limit needs (about
0.7 ms per evaluation, more on a loaded machine); ngspice's own iteration limits still end
an operating point that does not converge.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

SHIPPED_MODEL_PATH = Path(__file__).resolve().parent / "models" / "ptm45_bulk_bsim4.sp"
"""The project's own 45 nm BSIM4 card: PTM 45 nm bulk figures, as the AutoCkt benchmark uses."""

EngineName = Literal["libngspice", "subprocess"]


@dataclass(frozen=True)
class Settings:
    model_path: Path
    run_dir: Path
    sim_timeout_s: float | None
    engine: EngineName | None = None
    """None: libngspice if the library loads, else subprocess."""

    @classmethod
    def from_env(cls) -> Settings:
        model_path = Path(os.environ.get("AUTOCKT_MODEL_PATH", SHIPPED_MODEL_PATH)).resolve()
        if not model_path.is_file():
            raise FileNotFoundError(f"AUTOCKT_MODEL_PATH={model_path} is not a file")
        timeout = os.environ.get("AUTOCKT_SIM_TIMEOUT_S", "30")
        engine = os.environ.get("AUTOCKT_ENGINE") or None
        if engine not in (None, *get_args(EngineName)):
            raise ValueError(f"AUTOCKT_ENGINE={engine!r}: choose one of {get_args(EngineName)}, or leave it unset")
        return cls(
            model_path=model_path,  # absolute: ngspice runs in its own directory
            run_dir=Path(os.environ.get("AUTOCKT_RUN_DIR", Path(tempfile.gettempdir()) / "autockt-runs")).resolve(),
            sim_timeout_s=None if timeout.lower() == "none" else float(timeout),
            engine=engine,
        )
