"""
# One sandboxed ngspice run of a checked client circuit

`run_sandboxed(SandboxedRun)` takes a netlist the server rendered from a `SimInput` the
sandbox accepted, and returns the VLSIR `SimResult` protobuf. Each run gets a fresh
directory under the run directory, removed afterwards, and its own `ngspice -b` process
(so a crash or a kill takes nothing else down) with:

- a wall-clock limit, past which the process is killed (`SimulationTimeout`);
- OS limits (setrlimit) on ngspice before it starts: CPU seconds, address space, size of any
  file it writes (the raw results file included) and open files, no core dumps; a process
  killed by one fails with `SimulationLimitExceeded`. util-linux's `prlimit` sets them and
  execs ngspice: Python's `preexec_fn` would set them too, but it forces a full fork of the
  server process (measured 29.5 ms per run against 17.2 ms, the ngspice run included) and is
  unsafe in a process with threads;
- an environment of its own (PATH, and HOME and the working directory in its run directory,
  so no `.spiceinit` of the server is read), stdin closed, output to a file the size limit caps.

Nothing of the server reaches the client: results hold the circuit's own vectors only (nets
and source currents; device-internal nodes such as `m.xtop.mn1#body`, which tell how the
models are built, are dropped), and ngspice's messages are cut to their error lines, with paths and any text of the model file
removed (`scrub`). vlsirtools writes the netlist and parses the results; only the process
is run here, because vlsirtools' runner has neither limits nor a timeout.
`SandboxedRun` is plain data, so a pool may run it in a worker process.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import vlsir.spice_pb2 as vsp
import vlsirtools.spice as vspice
from vlsirtools.spice import ngspice as vsp_ngspice

from .engine import SimulationError, SimulationFailed, SimulationTimeout

PRLIMIT = "prlimit"
"""util-linux's prlimit (Debian: essential package util-linux)."""


class SimulationLimitExceeded(SimulationError):
    """The simulator ran past an OS limit (CPU time, memory, file size) and was killed, or
    its results are larger than the server returns."""


@dataclass(frozen=True)
class SandboxedRun:
    """One simulation: the rendered netlist and what is needed to run and read it."""

    netlist: str
    analyses: bytes
    """A serialized `SimInput` holding only the analyses: vlsirtools reads results by them."""
    run_dir: Path
    model_path: Path
    wall_clock_s: float
    memory_bytes: int
    result_bytes: int


def run_sandboxed(run: SandboxedRun) -> bytes:
    """Simulate `run.netlist`; the serialized VLSIR `SimResult`, or a `SimulationError`."""
    run.run_dir.mkdir(parents=True, exist_ok=True)
    rundir = Path(tempfile.mkdtemp(prefix="sim-", dir=run.run_dir))
    try:
        (rundir / "netlist.sp").write_text(run.netlist)
        _run_ngspice(rundir, run)
        analyses = vsp.SimInput()
        analyses.ParseFromString(run.analyses)
        reader = vsp_ngspice.NGSpiceSim(analyses, vspice.SimOptions(simulator=vspice.SupportedSimulators.NGSPICE, rundir=rundir))
        try:
            parsed = reader.parse_results()
        except Exception:  # vlsirtools raises RuntimeError/ValueError when a result plot is missing
            raise SimulationFailed(f"ngspice produced no usable results: {scrub(_tail(rundir / 'ngspice.log'), run)}") from None
        for an in parsed.an:
            an.data = {name: vector for name, vector in an.data.items() if "#" not in name}
        result = parsed.to_proto().SerializeToString()
    finally:
        shutil.rmtree(rundir, ignore_errors=True)
    if len(result) > run.result_bytes:
        raise SimulationLimitExceeded(f"the results take {len(result)} bytes, more than the server's limit of {run.result_bytes}")
    return result


def _run_ngspice(rundir: Path, run: SandboxedRun) -> None:
    cpu_s = math.ceil(run.wall_clock_s) + 1
    limits = [
        f"--cpu={cpu_s}:{cpu_s + 1}",  # SIGXCPU, then SIGKILL a second later
        f"--as={run.memory_bytes}",
        f"--fsize={run.result_bytes}",  # SIGXFSZ
        "--nofile=64",
        "--core=0",
    ]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(rundir), "LC_ALL": "C"}
    log = rundir / "ngspice.log"
    with log.open("wb") as out:
        try:
            proc = subprocess.run(
                [PRLIMIT, *limits, "--", vsp_ngspice.NGSPICE_EXECUTABLE, "-b", "netlist.sp", "-r", "netlist.raw"],
                cwd=rundir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=run.wall_clock_s,
            )
        except subprocess.TimeoutExpired:
            raise SimulationTimeout(f"ngspice ran past the limit of {run.wall_clock_s} s and was killed") from None
    if -proc.returncode in _LIMIT_SIGNALS:
        raise SimulationLimitExceeded(f"ngspice was killed: {_LIMIT_SIGNALS[-proc.returncode]}")
    if proc.returncode < 0:
        raise SimulationFailed(f"ngspice crashed ({signal.Signals(-proc.returncode).name}): {scrub(_tail(log), run)}")
    if proc.returncode != 0 or not (rundir / "netlist.raw").exists():
        output = _tail(log)
        if _OUT_OF_MEMORY.search(output):
            raise SimulationLimitExceeded(f"ngspice ran out of memory (the limit is {run.memory_bytes} bytes)")
        raise SimulationFailed(f"ngspice exited with code {proc.returncode}: {scrub(output, run)}")


_LIMIT_SIGNALS: dict[int, str] = {
    signal.SIGXCPU: "past the CPU time limit",
    signal.SIGKILL: "past the CPU time limit",  # the hard limit, a second after SIGXCPU
    signal.SIGXFSZ: "its results grew past the size limit",
}

_OUT_OF_MEMORY = re.compile(r"can't allocate|out of memory|failed to map segment|cannot allocate memory", re.IGNORECASE)
_PATH = re.compile(r"(?:[A-Za-z]:)?/[^\s'\"`]*")
_REPORTED = re.compile(r"error|fatal|abort|fail|out of memory|not found|unknown|cannot|can't", re.IGNORECASE)


def _tail(log: Path, size: int = 64 * 1024) -> str:
    with log.open("rb") as f:
        f.seek(max(0, log.stat().st_size - size))
        return f.read().decode(errors="replace")


def scrub(text: str, run: SandboxedRun, max_lines: int = 5, max_chars: int = 200) -> str:
    """ngspice's messages as a client may see them: the lines that report an error, without
    any path, without any line that quotes the model file, cut short."""
    model = run.model_path.read_text(errors="replace").lower()
    model_lines = {line.strip() for line in model.splitlines() if len(line.strip()) >= 8}
    kept = []
    for line in text.splitlines():
        line = _PATH.sub("<path>", line).strip()
        low = line.lower()
        if not line or not _REPORTED.search(line):
            continue
        if any(part in model for part in re.split(r"\s*:\s*", low) if len(part) >= 12) or any(m in low for m in model_lines):
            continue  # it quotes the model file
        kept.append(line[:max_chars])
    return "; ".join(kept[-max_lines:]) or "no error message"
