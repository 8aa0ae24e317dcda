"""
# One sandboxed ngspice run of a checked client circuit

A run has three steps, each where it costs the server least:

1. `write_netlist` (a pool worker, or a thread without a pool): the netlist rendered and
   checked line by line (`sandbox_netlist.py`), written into the run's fresh directory, with
   a `.spiceinit` setting the compatibility mode the PDK's models need (`ngbehavior=hsa`);
2. `run_ngspice` (the API process's event loop, awaiting a child process): `ngspice -b` on it,
   in its own session, with
   - a wall-clock limit, past which its session is killed (`RunPastTimeLimit`);
   - OS limits set before it starts: CPU seconds, address space, size of any file it writes
     (the raw results file included) and open files, no core dumps; a process killed by one
     fails with `SimulationLimitExceeded`. util-linux's `prlimit` sets them and execs ngspice
     (a `preexec_fn` would force a full fork of the server process);
   - an environment of its own (PATH, and HOME and the working directory in its run
     directory, so no `.spiceinit` of the server is read), stdin closed, output to a file the
     size limit caps;
3. `read_results` (a pool worker, or a thread): the raw file parsed by vlsirtools into the
   VLSIR `SimResult`, holding the circuit's own vectors only (nets and source currents;
   device-internal nodes such as `m.xtop.mn1#body`, which tell how the models are built, are
   dropped), within `SandboxLimits.max_result_bytes` (what a `VlsirProtoBufBinary` carries).

A run holds no pool worker while ngspice runs, so a long generic simulation never keeps a
fixed circuit's caller waiting for a worker (`sandbox_share.py` bounds how many run at once).

Every failure of a run is the circuit's doing (ngspice refused or could not solve it, or it ran
past a limit): `SandboxRunError`s, answered 422 naming the part. Their messages show nothing
of the server: ngspice's error lines only, without paths, without any line that quotes the
model file, and without any number (`scrub`): ngspice prints model parameters it derived (at
1,000 degC, "Vsat at current temperature = -61810.8"), and no number of its is needed to
understand an error. Every file of the PDK's models counts as model text (`model_files`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path

import vlsir.spice_pb2 as vsp
import vlsirtools.spice as vspice
from vlsirtools.spice import ngspice as vsp_ngspice

from .engine import SimulationError
from .sandbox_netlist import render_netlist

PRLIMIT = "prlimit"
"""util-linux's prlimit (Debian: essential package util-linux)."""

NETLIST, RAW, LOG, SPICEINIT = "netlist.sp", "netlist.raw", "ngspice.log", ".spiceinit"


class SandboxRunError(SimulationError):
    """A run failed because of the circuit it was given; answered 422 naming the part."""

    kind = "simulation"


class CircuitFailed(SandboxRunError):
    """ngspice refused the circuit, could not solve it, or crashed on it."""


class RunPastTimeLimit(SandboxRunError):
    """The run took longer than the wall-clock limit and was killed."""

    kind = "wall_clock"


class SimulationLimitExceeded(SandboxRunError):
    """The simulator ran past an OS limit (CPU time, memory, file size) and was killed, or
    its results are larger than the server returns."""

    kind = "run_limit"


@dataclass(frozen=True)
class RunLimits:
    wall_clock_s: float
    memory_bytes: int
    file_bytes: int
    result_bytes: int


def write_netlist(rundir: Path, served: bytes, model_line: str, ngbehavior: str | None) -> None:
    """Step 1: render the served `SimInput` (serialized) into `rundir` (`NetlistRefused` if refused);
    ngspice -b reads `.spiceinit` from its working directory before the netlist."""
    inp = vsp.SimInput()
    inp.ParseFromString(served)
    (rundir / NETLIST).write_text(render_netlist(inp, model_line))
    if ngbehavior is not None:
        (rundir / SPICEINIT).write_text(f"set ngbehavior={ngbehavior}\n")


async def run_ngspice(rundir: Path, limits: RunLimits, model_files: tuple[Path, ...]) -> None:
    """Step 2: `ngspice -b` on the netlist in `rundir`, within `limits`."""
    cpu_s = math.ceil(limits.wall_clock_s) + 1
    argv = [
        PRLIMIT,
        f"--cpu={cpu_s}:{cpu_s + 1}",  # SIGXCPU, then SIGKILL a second later
        f"--as={limits.memory_bytes}",
        f"--fsize={limits.file_bytes}",  # SIGXFSZ
        "--nofile=64",
        "--core=0",
        "--",
        vsp_ngspice.NGSPICE_EXECUTABLE,
        "-b",
        NETLIST,
        "-r",
        RAW,
    ]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(rundir), "LC_ALL": "C"}
    log = rundir / LOG
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=rundir, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
        try:
            code = await asyncio.wait_for(proc.wait(), limits.wall_clock_s)
        except asyncio.TimeoutError:
            raise RunPastTimeLimit(f"ngspice ran past the limit of {limits.wall_clock_s} s and was killed") from None
        finally:
            if proc.returncode is None:  # timed out, or the caller gave up: its whole session goes
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await asyncio.shield(proc.wait())
    if -code in _LIMIT_SIGNALS:
        raise SimulationLimitExceeded(f"ngspice was killed: {_LIMIT_SIGNALS[-code]}")
    if code < 0:
        raise CircuitFailed(f"ngspice crashed ({signal.Signals(-code).name}): {scrub(_tail(log), model_files)}")
    if code != 0 or not (rundir / RAW).exists():
        output = _tail(log)
        if _OUT_OF_MEMORY.search(output):
            raise SimulationLimitExceeded(f"ngspice ran out of memory (the limit is {limits.memory_bytes} bytes)")
        raise CircuitFailed(f"ngspice failed: {scrub(output, model_files)}")


def read_results(rundir: Path, analyses: bytes, result_bytes: int, model_files: tuple[Path, ...]) -> bytes:
    """Step 3: the serialized VLSIR `SimResult` of the run in `rundir`; `analyses` is a serialized
    `SimInput` holding only the analyses (vlsirtools reads results by them)."""
    inp = vsp.SimInput()
    inp.ParseFromString(analyses)
    reader = vsp_ngspice.NGSpiceSim(inp, vspice.SimOptions(simulator=vspice.SupportedSimulators.NGSPICE, rundir=rundir))
    try:
        parsed = reader.parse_results()
    except Exception:  # vlsirtools raises RuntimeError/ValueError when a result plot is missing
        raise CircuitFailed(f"ngspice produced no usable results: {scrub(_tail(rundir / LOG), model_files)}") from None
    for an in parsed.an:
        an.data = {name: vector for name, vector in an.data.items() if "#" not in name}
    result: bytes = parsed.to_proto().SerializeToString()
    if len(result) > result_bytes:
        raise SimulationLimitExceeded(f"the results take {len(result)} bytes, past the size limit of {result_bytes} (max_result_bytes)")
    return result


_LIMIT_SIGNALS: dict[int, str] = {
    signal.SIGXCPU: "past the CPU time limit",
    signal.SIGKILL: "past the CPU time limit",  # the hard limit, a second after SIGXCPU
    signal.SIGXFSZ: "its results grew past the size limit",
}

_OUT_OF_MEMORY = re.compile(r"can't allocate|out of memory|failed to map segment|cannot allocate memory", re.IGNORECASE)
_PATH = re.compile(r"(?:[A-Za-z]:)?/[^\s'\"`]*")
_NUMBER = re.compile(r"(?<![A-Za-z0-9_])[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", re.ASCII)
"""A number that is not part of a name (`mn1`, `BSIM4v5` keep their digits)."""
_REPORTED = re.compile(r"error|fatal|abort|fail|out of memory|not found|unknown|cannot|can't|not positive|<=", re.IGNORECASE)


def _tail(log: Path, size: int = 64 * 1024) -> str:
    with log.open("rb") as f:
        f.seek(max(0, log.stat().st_size - size))
        return f.read().decode(errors="replace")


@functools.lru_cache(maxsize=4)
def _model_text(model_files: tuple[Path, ...]) -> tuple[str, frozenset[str]]:
    """The models' text in lower case, and their lines of 8 characters or more: read once per server."""
    model = "\n".join(path.read_text(errors="replace").lower() for path in model_files)
    return model, frozenset(line.strip() for line in model.splitlines() if len(line.strip()) >= 8)


def scrub(text: str, model_files: tuple[Path, ...], max_lines: int = 5, max_chars: int = 200) -> str:
    """ngspice's messages as a client may see them: the lines that report an error, without
    any path or number, without any line that quotes the model file, cut short."""
    model, model_lines = _model_text(model_files)
    kept: list[str] = []
    for raw in text.splitlines():
        raw = _PATH.sub("<path>", raw).strip()
        low = raw.lower()
        if not raw or not _REPORTED.search(raw):
            continue
        if any(part in model for part in re.split(r"\s*:\s*", low) if len(part) >= 12) or any(m in low for m in model_lines):
            continue  # it quotes the model file
        line = _NUMBER.sub("<number>", raw)
        if line[:max_chars] not in kept:
            kept.append(line[:max_chars])
    return "; ".join(kept[-max_lines:]) or "no error message"
