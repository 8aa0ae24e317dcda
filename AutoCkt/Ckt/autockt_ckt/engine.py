"""
# The simulation engine boundary

A circuit is described once, as a `Bench`: an Hdl21 simulation whose device sizes are netlist
parameters. An `Engine` runs a `Bench` at given parameter values and returns a `SimResult`.
Describing the circuit once keeps memory flat: Hdl21 7 caches every module it generates
(about 150 KB per new parameter set, forever), so nothing here regenerates per evaluation.

`NgspiceSubprocessEngine` converts each `Bench` to a VLSIR `SimInput` once, then per
evaluation only rewrites the `.param` values and runs `ngspice -b` through vlsirtools.
`LibngspiceEngine` (`libngspice_engine.py`) runs the same netlist in-process, several times
faster; `engine_selection.py` picks one from the settings.
"""

from __future__ import annotations

import math
import os
import subprocess
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import hdl21.sim as hs
import numpy as np
import vlsir.spice_pb2 as vsp_pb
import vlsir.utils_pb2 as vlsir_utils
import vlsirtools.spice as vsp
from vlsirtools.spice import ngspice as vsp_ngspice
from vlsirtools.spice import sim_data


class SimulationError(RuntimeError):
    """A simulation did not produce results. Travels to remote callers with its type and message."""


class SimulationFailed(SimulationError):
    """The simulator exited with an error or produced no results (e.g. no convergence)."""


class SimulationTimeout(SimulationError):
    """The simulator ran longer than the configured limit and was killed."""


class SimulatorLost(SimulationFailed):
    """The simulator failed fatally: no later simulation can run in this process (a pool
    worker that raises it exits and is replaced)."""


@dataclass(frozen=True, eq=False)
class Bench:
    """A testbench simulation described once, with its design variables as netlist parameters.

    `params` are the names of the `.param`s that every run must set; `sim` declares them
    (with placeholder values) along with its analyses, an operating point named `op` and an
    AC sweep named `ac`.
    """

    name: str
    sim: hs.Sim
    params: tuple[str, ...]


@dataclass(frozen=True)
class SimResult:
    """What an engine returns, independent of the engine.

    Keys are ngspice's vector names, hierarchical as netlisted: `v(xtop.out)` for a node
    voltage, `i(v.xtop.vvdd)` for a voltage source's branch current.
    """

    op: Mapping[str, float]
    freq: np.ndarray
    ac: Mapping[str, np.ndarray]


class Engine(Protocol):
    def run(self, bench: Bench, values: Mapping[str, float]) -> SimResult:
        """Simulate `bench` with its parameters set to `values` (every one of `bench.params`)."""
        ...


@dataclass
class _TimedSimOptions(vsp.SimOptions):
    timeout_s: float | None = 30.0


class _TimedNgspiceSim(vsp_ngspice.NGSpiceSim):
    """vlsirtools' ngspice runner with a wall-clock limit, and with stale results removed
    first so that a run directory reused across evaluations can never yield old results."""

    opts: _TimedSimOptions

    def run_sim_process(self) -> None:
        self.path("netlist.raw").unlink(missing_ok=True)
        cmd = [vsp_ngspice.NGSPICE_EXECUTABLE, "-b", "netlist.sp", "-r", "netlist.raw"]
        try:
            proc = subprocess.run(cmd, cwd=self.rundir, capture_output=True, timeout=self.opts.timeout_s)
        except subprocess.TimeoutExpired as err:
            raise SimulationTimeout(f"ngspice exceeded {self.opts.timeout_s} s and was killed") from err
        if proc.returncode != 0 or not self.path("netlist.raw").exists():
            raise SimulationFailed(f"ngspice exited with code {proc.returncode}: {_error_lines(proc)}")


def _error_lines(proc: subprocess.CompletedProcess[bytes]) -> str:
    text = (proc.stderr + proc.stdout).decode(errors="replace")
    lines = [line for line in text.splitlines() if "error" in line.lower() or "fail" in line.lower()]
    return "; ".join(lines[-5:]) or text[-500:]


def check_values(bench: Bench, values: Mapping[str, float]) -> None:
    """Refuse what no engine may pass to ngspice: a missing or unknown parameter, or a value
    that is not finite (libngspice cannot recover from the formula error it raises)."""
    if set(values) != set(bench.params):
        raise ValueError(f"bench {bench.name!r} takes parameters {sorted(bench.params)}, got {sorted(values)}")
    bad = {name: value for name, value in values.items() if not math.isfinite(value)}
    if bad:
        raise ValueError(f"bench {bench.name!r}: parameter values must be finite, got {bad}")


def netlist_value(value: float) -> str:
    """A parameter value as netlist text: integers as such, floats in their shortest exact form."""
    return str(value) if isinstance(value, int) else repr(float(value))


def _set_param(ctrl: vsp_pb.Control, value: float) -> None:
    prefixed = ctrl.param.value.prefixed
    prefixed.prefix = vlsir_utils.SIPrefix.UNIT
    if isinstance(value, int):
        prefixed.int64_value = value
    else:
        prefixed.string_value = netlist_value(value)  # vlsirtools refuses doubles


@dataclass
class NgspiceSubprocessEngine:
    """Runs `ngspice -b` through vlsirtools, one subprocess per evaluation.

    Thread-safe: each (process, thread) pair simulates in its own directory under `run_dir`,
    reused across evaluations (ngspice writes files such as `bsim4v5.out` into it).
    """

    run_dir: Path
    timeout_s: float | None = 30.0
    _inputs: weakref.WeakKeyDictionary[Bench, vsp_pb.SimInput] = field(default_factory=weakref.WeakKeyDictionary, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def run(self, bench: Bench, values: Mapping[str, float]) -> SimResult:
        check_values(bench, values)
        inp = vsp_pb.SimInput()
        inp.CopyFrom(self._sim_input(bench))
        for ctrl in inp.ctrls:
            if ctrl.WhichOneof("ctrl") == "param" and ctrl.param.name in values:
                _set_param(ctrl, values[ctrl.param.name])
        opts = _TimedSimOptions(
            simulator=vsp.SupportedSimulators.NGSPICE,
            fmt=vsp.ResultFormat.SIM_DATA,
            rundir=self.run_dir / f"{os.getpid()}-{threading.get_ident()}",
            timeout_s=self.timeout_s,
        )
        try:
            result = _TimedNgspiceSim.sim(inp, opts)
        except SimulationError:
            raise
        except Exception as err:  # vlsirtools raises RuntimeError/ValueError when a result plot is missing
            raise SimulationFailed(f"no usable results from ngspice for {bench.name!r}: {err}") from err
        return _sim_result(result)

    def _sim_input(self, bench: Bench) -> vsp_pb.SimInput:
        """The bench's VLSIR input, converted (and elaborated by Hdl21) once per bench."""
        with self._lock:
            if bench not in self._inputs:
                self._inputs[bench] = hs.to_proto(bench.sim)
            return self._inputs[bench]


def _sim_result(result: sim_data.SimResult) -> SimResult:
    op = next(an for an in result.an if isinstance(an, sim_data.OpResult))
    ac = next(an for an in result.an if isinstance(an, sim_data.AcResult))
    return SimResult(op={k: float(v) for k, v in op.data.items()}, freq=ac.freq, ac=ac.data)
