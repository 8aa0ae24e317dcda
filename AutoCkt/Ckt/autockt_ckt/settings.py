"""
# Server-operator settings, read from the environment once, when the server starts

| variable | default | what |
| --- | --- | --- |
| `AUTOCKT_MODEL_PATH` | the card shipped in this package | SPICE file defining models `nmos` and `pmos` (e.g. a licensed PDK) |
| `AUTOCKT_RUN_DIR` | `<tmp>/autockt-runs` | where each worker process keeps its simulation directory |
| `AUTOCKT_SIM_TIMEOUT_S` | `30` | wall-clock limit of one simulation, seconds |
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

SHIPPED_MODEL_PATH = Path(__file__).resolve().parent / "models" / "ptm45_bulk_bsim4.sp"
"""The project's own 45 nm BSIM4 card: PTM 45 nm bulk figures, as the AutoCkt benchmark uses."""


@dataclass(frozen=True)
class Settings:
    model_path: Path
    run_dir: Path
    sim_timeout_s: float

    @classmethod
    def from_env(cls) -> Settings:
        model_path = Path(os.environ.get("AUTOCKT_MODEL_PATH", SHIPPED_MODEL_PATH)).resolve()
        if not model_path.is_file():
            raise FileNotFoundError(f"AUTOCKT_MODEL_PATH={model_path} is not a file")
        return cls(
            model_path=model_path,  # absolute: ngspice runs in its own directory
            run_dir=Path(os.environ.get("AUTOCKT_RUN_DIR", Path(tempfile.gettempdir()) / "autockt-runs")).resolve(),
            sim_timeout_s=float(os.environ.get("AUTOCKT_SIM_TIMEOUT_S", "30")),
        )
