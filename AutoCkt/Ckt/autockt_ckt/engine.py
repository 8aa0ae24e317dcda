"""
# The simulation engine boundary

A circuit is described once, as a `Bench`: an Hdl21 simulation whose device sizes are netlist
parameters. An `Engine` runs a `Bench` at given parameter values and returns a `SimResult`.
Describing the circuit once keeps memory flat: Hdl21 7 caches every module it generates
(about 150 KB per new parameter set, forever), so nothing here regenerates per evaluation.

## Analyses

A bench holds any mix of ngspice's analyses, several of each, each with a `name` unique in
the bench: `hs.Op`, `hs.Ac` (a `LogSweep`), `hs.Dc` and `hs.Tran`. The result has one entry
per analysis, keyed by that name: `result.op("op")`, `result.ac("ac")`, `result.dc(name)`,
`result.tran(name)` (a missing name or the wrong kind raises `KeyError` / `TypeError`). The
keys of each analysis's `values` are ngspice's vector names, hierarchical as netlisted:
`v(xtop.out)` for a node voltage, `i(v.xtop.vvdd)` for a voltage source's branch current;
each analysis's scale (frequency, sweep value, time) is a field of its own. Treat the arrays
as read-only (libngspice's are).

* `hs.Dc(var=..., sweep=hs.LinearSweep(start, stop, step), name=...)` sweeps what ngspice's
  `.dc` sweeps: an independent voltage or current source, a resistor, or `temp`, named as
  ngspice names it after flattening (`v.xtop.vvin` for testbench instance `vin`, as in the
  vector names). ngspice 39 cannot sweep a `.param` in `.dc` ("... is not in the circuit"),
  so a bench that names one of its parameters is refused: drive the swept quantity from a
  source, or evaluate the bench at each value (about a millisecond each with libngspice).
  vlsirtools writes a `.dc` line ngspice cannot read (`.dc param start=...`), so benches are
  netlisted by `BenchNetlister`, which writes `.dc <source> <start> <stop> <step>`.
* `hs.Tran(tstop=..., tstep=..., name=...)` is netlisted `.tran <tstep> <tstop> 0 <tstep>`:
  `tstep` is the largest internal step (vlsirtools' `.tran <tstep> <tstop>` leaves ngspice's
  default, min(tstep, tstop/50), which forces 50 points or more on a short transient however
  quiet it is). ngspice takes smaller steps where its truncation-error control asks for them
  and at every source breakpoint (measured: 311 points for 3 ns at tstep = 10 ps with one
  edge), and the results hold the points it computed (no interpolation): `tstep` bounds the
  time resolution. Hdl21 has no field for initial conditions: a transient starts from the
  operating point of its sources at t = 0, and a bench that needs a state sets it with them
  or adds `hs.Literal(".ic v(xtop.q)=0")` (flattened node names; tested on both engines).

ngspice runs a netlist's analyses in an order of its own (every AC, then DC, operating
point, transient; within a kind, the last declared first) and names its results only by
kind. Both engines map each result back to its analysis by that order
(`Bench.run_order`), check that each result has the expected kind (and a transient its
`tstop`, a DC sweep its start), and refuse a run whose results do not fit.

A bench may need ngspice's compatibility mode (`Bench.ngbehavior`, e.g. `hsa` for the open
PDKs' models, `autockt_ckt.pdks`): the subprocess engine writes it into a `.spiceinit` in its
run directory, which `ngspice -b` reads before the netlist; libngspice sets it before loading.
A bench may also name the parameter that sets its temperature (`Bench.temperature`), applied
as ngspice's `temp` option: written into the subprocess engine's netlist, set after each
`reset` in libngspice, so that one netlist serves every temperature of a PVT corner set.

`NgspiceSubprocessEngine` converts each `Bench` to a VLSIR `SimInput` once, then per
evaluation only rewrites the `.param` values and runs `ngspice -b` through vlsirtools,
reading every plot of the raw file with vlsirtools' plot parser (its own reader keeps one
plot per kind of analysis). `LibngspiceEngine` (`libngspice_engine.py`)
runs the same netlist in-process, several times faster; `engine_selection.py` picks one
from the settings.
"""

from __future__ import annotations

import math
import os
import subprocess
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeAlias, TypeVar

import hdl21.sim as hs
import numpy as np
import vlsir.spice_pb2 as vsp_pb
import vlsir.utils_pb2 as vlsir_utils
import vlsirtools.spice as vsp
from vlsirtools.netlist.spice import NgspiceNetlister
from vlsirtools.spice import ngspice as vsp_ngspice


class SimulationError(RuntimeError):
    """A simulation did not produce results. Travels to remote callers with its type and message."""


class SimulationFailed(SimulationError):
    """The simulator exited with an error or produced no results (e.g. no convergence)."""


class SimulationTimeout(SimulationError):
    """The simulator ran longer than the configured limit and was killed."""


class SimulatorLost(SimulationFailed):
    """The simulator failed fatally: no later simulation can run in this process (a pool
    worker that raises it exits and is replaced)."""


Analysis: TypeAlias = hs.Op | hs.Ac | hs.Dc | hs.Tran
"""The analyses a `Bench` may hold."""

_KIND_ORDER: dict[type, int] = {hs.Ac: 0, hs.Dc: 1, hs.Op: 2, hs.Tran: 3}
"""The order in which ngspice runs the kinds of analyses of a netlist (its analysis table)."""


@dataclass(frozen=True, eq=False)
class Bench:
    """A testbench simulation described once, with its design variables as netlist parameters.

    `params` are the names of the `.param`s that every run must set; `sim` declares them
    (with placeholder values) along with its analyses (see the module docstring), each
    named. An unsupported analysis raises `ValueError` here, naming it.
    """

    name: str
    sim: hs.Sim
    params: tuple[str, ...]
    ngbehavior: str | None = None
    """ngspice's compatibility mode for this netlist (`set ngbehavior=...` before it is parsed):
    what its PDK's models need (`Pdk.ngbehavior`; None: ngspice's default)."""
    temperature: str | None = None
    """The name of one of `params` whose value is the circuit's temperature (degrees C), which
    both engines apply as ngspice's `temp` option at every run, so that one netlist serves every
    temperature without a reload (the bench sets no `temp` option of its own); None: ngspice's
    27 degrees C or the netlist's `.option temp`."""
    run_order: tuple[Analysis, ...] = field(init=False, repr=False)
    """The sim's analyses in the order ngspice runs them, and so reports their results."""

    def __post_init__(self) -> None:
        analyses = tuple(attr for attr in self.sim.attrs if hs.is_analysis(attr))
        sim_params = {attr.name for attr in self.sim.attrs if isinstance(attr, hs.Param)} | set(self.params)
        for an in analyses:
            _check_analysis(self.name, an, sim_params)
        names = [an.name for an in analyses]
        if len(set(names)) != len(names):
            raise ValueError(f"bench {self.name!r}: analysis names must be unique, got {names}")
        if self.temperature is not None and self.temperature not in self.params:
            raise ValueError(f"bench {self.name!r}: temperature parameter {self.temperature!r} is not among its params {self.params}")
        order = sorted(range(len(analyses)), key=lambda i: (_KIND_ORDER[type(analyses[i])], -i))
        object.__setattr__(self, "run_order", tuple(analyses[i] for i in order))


def _check_analysis(bench: str, an: Analysis, sim_params: set[str]) -> None:
    where = f"bench {bench!r}, analysis {getattr(an, 'name', None)!r}"
    if type(an) not in _KIND_ORDER:
        raise ValueError(f"{where}: {type(an).__name__} is not supported; a bench holds hs.Op, hs.Ac, hs.Dc and hs.Tran")
    if not an.name:
        raise ValueError(f"{where}: every analysis needs a name, its key in the results")
    if isinstance(an, hs.Tran) and an.tstep is None:
        raise ValueError(f"{where}: hs.Tran needs a tstep (ngspice bounds its time step by it)")
    if isinstance(an, hs.Dc):
        if not isinstance(an.sweep, hs.LinearSweep):
            raise ValueError(f"{where}: ngspice's .dc takes a hs.LinearSweep, got {type(an.sweep).__name__}")
        var = an.var.name if isinstance(an.var, hs.Param) else an.var
        if isinstance(an.var, hs.Param) or var in sim_params:
            raise ValueError(
                f"{where}: ngspice's .dc cannot sweep the parameter {var!r}; sweep a source, a resistor or temp "
                "(named as ngspice flattens it, e.g. 'v.xtop.vvin'), or evaluate the bench at each value"
            )


@dataclass(frozen=True)
class OpResult:
    values: Mapping[str, float]


@dataclass(frozen=True)
class AcResult:
    freq: np.ndarray
    values: Mapping[str, np.ndarray]
    """Complex."""


@dataclass(frozen=True)
class DcResult:
    sweep: np.ndarray
    """The swept source's (resistor's, temperature's) values."""
    values: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class TranResult:
    time: np.ndarray
    """The time points ngspice computed (adaptive; at most `tstep` apart)."""
    values: Mapping[str, np.ndarray]


AnalysisResult = OpResult | AcResult | DcResult | TranResult
_R = TypeVar("_R", OpResult, AcResult, DcResult, TranResult)


@dataclass(frozen=True)
class SimResult:
    """What an engine returns, independent of the engine: each analysis's result, by its name.

    Keys of `values` are ngspice's vector names, hierarchical as netlisted: `v(xtop.out)` for
    a node voltage, `i(v.xtop.vvdd)` for a voltage source's branch current.
    """

    analyses: Mapping[str, AnalysisResult]

    def op(self, name: str = "op") -> Mapping[str, float]:
        return self._get(name, OpResult).values

    def ac(self, name: str = "ac") -> AcResult:
        return self._get(name, AcResult)

    def dc(self, name: str) -> DcResult:
        return self._get(name, DcResult)

    def tran(self, name: str) -> TranResult:
        return self._get(name, TranResult)

    def _get(self, name: str, kind: type[_R]) -> _R:
        if name not in self.analyses:
            raise KeyError(f"no analysis named {name!r}; this result has {sorted(self.analyses)}")
        result = self.analyses[name]
        if not isinstance(result, kind):
            raise TypeError(f"analysis {name!r} is a {type(result).__name__}, not a {kind.__name__}")
        return result


class Engine(Protocol):
    def run(self, bench: Bench, values: Mapping[str, float]) -> SimResult:
        """Simulate `bench` with its parameters set to `values` (every one of `bench.params`)."""
        ...


class BenchNetlister(NgspiceNetlister):
    """vlsirtools' ngspice netlister, with a `.dc` line that ngspice reads and `tstep` as the
    transient's largest step (see the module docstring)."""

    def write_dc(self, an: vsp_pb.DcInput) -> None:
        sweep = an.sweep.linear  # `Bench` admits only linear sweeps
        self.writeln(f".dc {an.indep_name} {sweep.start!r} {sweep.stop!r} {sweep.step!r}\n")

    def write_tran(self, an: vsp_pb.TranInput) -> None:
        self.writeln(f".tran {an.tstep!r} {an.tstop!r} 0 {an.tstep!r}\n")  # tmax = tstep


@dataclass
class _TimedSimOptions(vsp.SimOptions):
    timeout_s: float | None = 30.0
    analyses: tuple[Analysis, ...] = ()
    """The bench's analyses in ngspice's run order, to name the raw file's plots."""
    ngbehavior: str | None = None
    temp_c: str | None = None
    """The run's temperature as netlist text, written as `.option temp=` (`Bench.temperature`)."""


class _TimedNgspiceSim(vsp_ngspice.NGSpiceSim):
    """vlsirtools' ngspice runner with a wall-clock limit, with stale results removed first
    so that a run directory reused across evaluations can never yield old results, and with
    every plot of the raw file read (vlsirtools keeps one per kind of analysis)."""

    opts: _TimedSimOptions

    def write_netlist(self) -> None:
        with self.open("netlist.sp", "w") as netlist:
            BenchNetlister(dest=netlist).write_sim_input(self.inp)
            if self.opts.temp_c is not None:
                netlist.write(f".option temp={self.opts.temp_c}\n")

    def run_sim_process(self) -> None:
        self.path("netlist.raw").unlink(missing_ok=True)
        spiceinit = self.path(".spiceinit")  # ngspice -b reads it from its working directory before the netlist
        if self.opts.ngbehavior is None:
            spiceinit.unlink(missing_ok=True)
        else:
            spiceinit.write_text(f"set ngbehavior={self.opts.ngbehavior}\n")
        cmd = [vsp_ngspice.NGSPICE_EXECUTABLE, "-b", "netlist.sp", "-r", "netlist.raw"]
        try:
            proc = subprocess.run(cmd, cwd=self.rundir, capture_output=True, timeout=self.opts.timeout_s)
        except subprocess.TimeoutExpired as err:
            raise SimulationTimeout(f"ngspice exceeded {self.opts.timeout_s} s and was killed") from err
        if proc.returncode != 0 or not self.path("netlist.raw").exists():
            raise SimulationFailed(f"ngspice exited with code {proc.returncode}: {_error_lines(proc)}")

    def parse_results(self) -> SimResult:  # ours, not vlsirtools' SimResult
        return read_raw(self.path("netlist.raw"), self.opts.analyses)


def read_raw(path: Path, run_order: Sequence[Analysis]) -> SimResult:
    """The results in ngspice raw file `path` (`ngspice -b ... -r path`) of the analyses
    `run_order`, listed in the order ngspice runs them (`Bench.run_order`). Also for a
    netlist written by hand: declare its analyses as `hs` objects and sort them with a `Bench`."""
    plots: list[tuple[str, dict[str, np.ndarray]]] = []
    with path.open("rb") as raw:
        while True:
            raw.readline()  # title
            raw.readline()  # date
            plotname = raw.readline().decode("ascii")
            if not plotname:
                break
            plot = vsp_ngspice.parse_nutbin_analysis(raw, plotname)
            plots.append((_RAW_KINDS.get(plotname.strip(), plotname.strip()), dict(plot.data)))
    return results_of_plots(run_order, plots)


_RAW_KINDS = {
    "Plotname: Operating Point": "op",
    "Plotname: AC Analysis": "ac",
    "Plotname: DC transfer characteristic": "dc",
    "Plotname: Transient Analysis": "tran",
}
_KINDS: dict[type, str] = {hs.Op: "op", hs.Ac: "ac", hs.Dc: "dc", hs.Tran: "tran"}


def results_of_plots(run_order: Sequence[Analysis], plots: Sequence[tuple[str, Mapping[str, np.ndarray]]]) -> SimResult:
    """A `SimResult` of the plots ngspice made, in the order it ran them: (kind: op, ac, dc or
    tran; vectors by raw-file name, the scale among them), each the result of the analysis
    at its place in `run_order`. Raises `SimulationFailed` if they do not fit."""
    kinds = [kind for kind, _ in plots]
    expected = [_KINDS[type(an)] for an in run_order]
    if kinds != expected:
        raise SimulationFailed(f"ngspice produced results of {kinds}, expected {expected}")
    analyses: dict[str, AnalysisResult] = {}
    for an, (_, vectors) in zip(run_order, plots, strict=True):
        values = dict(vectors)
        if isinstance(an, hs.Op):
            analyses[an.name] = OpResult(values={k: float(v[0]) for k, v in values.items()})
            continue
        scale = _pop_scale(values, an.name)
        if isinstance(an, hs.Ac):
            analyses[an.name] = AcResult(freq=scale.real, values=values)  # ngspice leaves the scale's imaginary part unset
        elif isinstance(an, hs.Dc):
            if not math.isclose(scale[0], float(an.sweep.start), rel_tol=1e-9, abs_tol=1e-15):
                raise SimulationFailed(f"the DC sweep {an.name!r} starts at {scale[0]}, not {float(an.sweep.start)}")
            analyses[an.name] = DcResult(sweep=scale, values=values)
        else:
            if not math.isclose(scale[-1], float(an.tstop), rel_tol=1e-9):
                raise SimulationFailed(f"the transient {an.name!r} ends at {scale[-1]} s, not {float(an.tstop)} s")
            analyses[an.name] = TranResult(time=scale, values=values)
    return SimResult(analyses=analyses)


def _pop_scale(values: dict[str, np.ndarray], name: str) -> np.ndarray:
    """Remove and return the scale of an AC, DC or transient plot: frequency, time, or the DC
    sweep's `v(v-sweep)`, `i(i-sweep)`, `res-sweep` or `temp-sweep`."""
    for key in values:
        if key in ("frequency", "time") or key.rstrip(")").endswith("-sweep"):
            return values.pop(key)
    raise SimulationFailed(f"the results of analysis {name!r} have no scale vector: {sorted(values)}")


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
            analyses=bench.run_order,
            ngbehavior=bench.ngbehavior,
            temp_c=None if bench.temperature is None else netlist_value(values[bench.temperature]),
        )
        try:
            result = _TimedNgspiceSim.sim(inp, opts)
        except SimulationError:
            raise
        except Exception as err:  # vlsirtools' raw-file parser raises ValueError and others on a truncated file
            raise SimulationFailed(f"no usable results from ngspice for {bench.name!r}: {err}") from err
        assert isinstance(result, SimResult)
        return result

    def _sim_input(self, bench: Bench) -> vsp_pb.SimInput:
        """The bench's VLSIR input, converted (and elaborated by Hdl21) once per bench."""
        with self._lock:
            if bench not in self._inputs:
                self._inputs[bench] = hs.to_proto(bench.sim)
            return self._inputs[bench]
