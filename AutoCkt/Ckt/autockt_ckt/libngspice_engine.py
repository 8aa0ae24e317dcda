"""
# The in-process engine: ngspice's shared library, a bench's netlist loaded, its parameters altered

Each `Bench` is netlisted once (Hdl21 -> VLSIR -> vlsirtools' ngspice netlister, the same
text the subprocess engine runs) and loaded; each evaluation of it then sets every parameter
with `alterparam`, `reset`s (ngspice re-expands the netlist with the new values) and runs
the bench's analyses, reading the vectors from ngspice's memory. Measured on the
two-stage op-amp: about 1.4 ms per evaluation against 1.8 ms for loading a new netlist each
time, with results bit-identical to `ngspice -b` on the same netlist. `alter`ing device
instances directly is faster still (about 0.9 ms), but it only works where a parameter maps
to one instance value (not the folded cascode's expressions such as `pbias*(gamma+alpha)`),
and since ngspice then starts from the previous operating point, results depend on the
previous evaluation (they differ from `ngspice -b` by up to 5e-9 relative): rejected.

ngspice holds one circuit here: a bench other than the loaded one replaces it, loaded with
the evaluation's values written into its `.param` lines, so that run needs no `alterparam`
and `reset` (measured on the LDO's two benches, alternating: 0.5 ms more CPU per switch
instead of 1.2-1.6 ms, before the priming `op` below). A load starts clean: the session variables that earlier netlists'
`.option` lines left behind (ngspice keeps them, and parses the next netlist with them:
sky130's `.options parser scale=1.0u` made every gf180mcu device loaded later a million times
too small to find its model bin) are unset first, and ngspice's compatibility mode is set to
the bench's (`Bench.ngbehavior`: the open PDKs need `hsa`, or a device with `nf > 1` quietly
picks another model bin; `reset` does not re-parse, so it holds for the circuit's life). A
bench may take its temperature as a run-time value (`Bench.temperature`): `reset` restores
the netlist's temperature, so it is set after each with `option temp=` (bit-identical to a
fresh load at that temperature, tested). The corners of one process section of an open PDK
then share a netlist (the supply is a parameter too), and only a section switch reloads. Keeping every bench loaded and switching with `setcirc` does not
work in ngspice 39: after `setcirc`, `alterparam` finds "No internal deck available" and
`reset` re-loads the most recently loaded circuit, not the selected one.

ngspice's globals allow one simulator per process and it is not thread-safe, so a single
thread per process (the "owner") makes every library call, whichever engine object or
thread asks; callers wait for it, which serializes them. The owner thread has its own
working directory (Linux `unshare(CLONE_FS)`), this engine's run directory, so the files
ngspice writes there (BSIM4's `bsim4v5.out`, every run) stay out of the server's directory
without changing the process's working directory. After each evaluation every result plot
is destroyed (ngspice would otherwise keep them all: about 1 MB and a slower run each time)
and now and then the command history is cleared.

BSIM4.5's model check. ngspice checks (and clamps: `ckappas`, `ckappad` below 0.02 become
0.02, which moves results by about 1 %) each model once per analysis, at its first instance,
model after model, skipping a model whose name equals the last one it checked: a `static`
in ngspice, kept across circuits. Within one circuit the models alternate, so every run
checks them all; but a newly loaded circuit whose first model is the previous circuit's
last one ran that model unclamped (measured: the two-stage op-amp after the LDO's AC bench,
off by 0.9 %), and so did a run after one that failed inside the check. Such a run is
therefore primed: an `op` first (which checks this circuit's models in its own order and
leaves the last one's name), its plot destroyed, then the analyses; the results are then
bit-identical to `ngspice -b` (tested with benches alternating). A bench with a single
BSIM4 model would be skipped on every run after its first: each bench here uses both.

Failures. ngspice reports errors as text, so the output of each step (load, reset, run) is
checked and a run counts only if it made exactly the plots its analyses make (`engine.py`:
one per analysis, in ngspice's run order, mapped back to the analyses by name). After
a failure the circuit is removed, and reloaded (and primed) when next asked for. Unloading
the library (`dlclose`) to start afresh crashed the process now and then: not used. A few
errors are fatal to the library ("cannot recover and awaits to be detached"; non-finite
parameter values, refused up front, were the only trigger found): that evaluation and every
later one in this process raise `SimulatorLost`, and a pool worker (`pool.py`) then exits
to be replaced by a fresh process.
"""

from __future__ import annotations

import ctypes
import io
import os
import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import hdl21.sim as hs
import numpy as np

from .engine import (
    Analysis,
    Bench,
    BenchNetlister,
    SimResult,
    SimulationFailed,
    SimulationTimeout,
    SimulatorLost,
    check_values,
    netlist_value,
    results_of_plots,
)
from .libngspice import CURRENT, VOLTAGE, Libngspice

_ERROR_LINE = re.compile(r"\b(error|fatal)\b", re.IGNORECASE)
_CLONE_FS = 0x200
_HISTORY_CLEARED_EVERY = 200
"""Evaluations between clearing ngspice's command history (each sends one command per parameter)."""


@dataclass
class LibngspiceEngine:
    """Runs benches in this process through libngspice; raises `OSError` if the library cannot be loaded.

    With a `timeout_s`, ngspice runs on its background thread, halted at the limit; that
    thread is new for every run, which costs about 0.7 ms per evaluation on an idle machine
    and more on a loaded one. `timeout_s=None` runs on the owner thread, without a limit
    (ngspice's own iteration limits still end a non-converging operating point).
    """

    run_dir: Path
    timeout_s: float | None = 30.0
    _netlists: weakref.WeakKeyDictionary[Bench, _Netlist] = field(default_factory=weakref.WeakKeyDictionary, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        _owner().submit(_SIMULATOR.start).result()

    def run(self, bench: Bench, values: Mapping[str, float]) -> SimResult:
        check_values(bench, values)
        if _SIMULATOR.lost:
            raise SimulatorLost(f"libngspice failed fatally earlier in this process (pid {os.getpid()}): {_LOST}")
        assignments = [(name, netlist_value(values[name])) for name in bench.params]
        run_dir = (self.run_dir / f"{os.getpid()}-libngspice").resolve()  # the owner thread's cwd moves
        temp_c = None if bench.temperature is None else netlist_value(values[bench.temperature])
        job = _owner().submit(_SIMULATOR.run, self._netlist(bench), assignments, run_dir, self.timeout_s, temp_c)
        return job.result()

    def _netlist(self, bench: Bench) -> _Netlist:
        """The bench's netlist, generated (and elaborated by Hdl21) once per bench."""
        with self._lock:
            if bench not in self._netlists:
                text = io.StringIO()
                BenchNetlister(dest=text).write_sim_input(hs.to_proto(bench.sim))
                self._netlists[bench] = _Netlist(
                    lines=(*text.getvalue().splitlines(), ".end"), run_order=bench.run_order, ngbehavior=bench.ngbehavior
                )
            return self._netlists[bench]


@dataclass(frozen=True)
class _Netlist:
    """What the owner thread loads and runs: the netlist's lines, and its analyses in ngspice's run order."""

    lines: tuple[str, ...]
    run_order: tuple[Analysis, ...]
    ngbehavior: str | None


class _Simulator:
    """ngspice in this process and the circuit it has loaded. Only the owner thread calls it."""

    def __init__(self) -> None:
        self._lib: Libngspice | None = None
        self._loaded: tuple[str, ...] | None = None
        self._ngbehavior: str | None = None
        """The compatibility mode ngspice parses the next netlist in (it starts in its default)."""
        self._initial_variables: set[str] = set()
        """ngspice's session variables before any netlist: what a load starts from."""
        self._prime = False
        self._evaluations = 0
        self.lost = False
        """The library failed fatally: only a new process has a working ngspice."""

    def start(self) -> Libngspice:
        """Give the owner thread its own working directory and load the library, once."""
        if self._lib is None:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(_CLONE_FS) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_FS) failed: ngspice needs its own working directory")
            self._lib = Libngspice()
            self._initial_variables = _variables(self._lib)
        return self._lib

    def run(
        self,
        netlist: _Netlist,
        assignments: Sequence[tuple[str, str]],
        run_dir: Path,
        timeout_s: float | None,
        temp_c: str | None = None,
    ) -> SimResult:
        lib = self.start()
        run_dir.mkdir(parents=True, exist_ok=True)
        os.chdir(run_dir)  # this thread's own directory only
        lib.take_output()
        try:
            switched = netlist.lines != self._loaded or netlist.ngbehavior != self._ngbehavior
            loaded_with_values = switched and self._load(lib, netlist, assignments)
            if not loaded_with_values:
                for name, value in assignments:
                    lib.command(f"alterparam {name}={value}")
                lib.command("reset")  # also restores the netlist's temperature
            if temp_c is not None:
                lib.command(f"option temp={temp_c}")  # equal to a fresh load at temp_c, to the last bit
            _raise_on_errors(lib, "apply the parameters")  # running now could make the failure fatal
            if switched or self._prime:
                lib.command("op")  # primes BSIM4.5's model check (see the module docstring)
                lib.take_output()
                lib.command("destroy all")
            if timeout_s is None:
                lib.run()
            elif not lib.run_in_background(timeout_s):
                raise SimulationTimeout(f"ngspice exceeded {timeout_s} s and was halted")
            result = _results(lib, netlist.run_order, lib.take_output())
        except (SimulationFailed, SimulationTimeout) as err:
            self._after_failure(lib)
            if self.lost:
                raise SimulatorLost(f"{err}; {_LOST}") from err
            raise
        finally:
            self._clean_up(lib)
        self._prime = False
        return result

    def _load(self, lib: Libngspice, netlist: _Netlist, assignments: Sequence[tuple[str, str]]) -> bool:
        """Load `netlist` in place of the loaded circuit, in its compatibility mode, with the
        `.param` lines set to `assignments` if it has them all (True: no `alterparam` and
        `reset` needed)."""
        self._remove_circuit(lib)
        self._forget_options(lib)
        if netlist.ngbehavior != self._ngbehavior:  # read when a netlist is parsed, which `reset` does not redo
            lib.command("unset ngbehavior" if netlist.ngbehavior is None else f"set ngbehavior={netlist.ngbehavior}")
            self._ngbehavior = netlist.ngbehavior
        self._loaded = netlist.lines  # even a netlist that fails to parse may leave a circuit to remove
        with_values = _with_values(netlist.lines, assignments)
        lib.load_circuit(with_values or netlist.lines)
        _raise_on_errors(lib, "load the netlist")
        return with_values is not None

    def _forget_options(self, lib: Libngspice) -> None:
        """Unset what earlier netlists' `.option` lines left behind: ngspice keeps them as
        session variables, and parses the next netlist with them (sky130's `.options parser
        scale=1.0u` made every later gf180mcu device a million times too small to find its
        model; a corner's `temp` would apply to a netlist that sets none). `ngbehavior` is
        this engine's own."""
        for name in _variables(lib) - self._initial_variables - {"ngbehavior"}:
            lib.command(f"unset {name}")

    def _remove_circuit(self, lib: Libngspice) -> None:
        if self._loaded is not None:
            lib.command("remcirc")
            self._loaded = None

    def _after_failure(self, lib: Libngspice) -> None:
        self._remove_circuit(lib)
        self._prime = True
        self.lost = self.lost or lib.exited

    def _clean_up(self, lib: Libngspice) -> None:
        lib.command("destroy all")
        self._evaluations += 1
        if self._evaluations % _HISTORY_CLEARED_EVERY == 0:
            lib.clear_command_history()
        lib.take_output()


def _variables(lib: Libngspice) -> set[str]:
    """The names of ngspice's session variables (`set` lists them, options marked `+`)."""
    lib.take_output()
    lib.command("set")
    return {line.removeprefix("stdout ").lstrip("*+ ").split()[0] for line in lib.take_output() if line.startswith("stdout ")}


def _with_values(lines: tuple[str, ...], assignments: Sequence[tuple[str, str]]) -> tuple[str, ...] | None:
    """`lines` with each `.param <name>=...` line (as vlsirtools writes them) set to its
    assigned value; None if one of the assigned parameters has no such line."""
    values = dict(assignments)
    out = []
    for line in lines:
        name = line.removeprefix(".param ").split("=", 1)[0] if line.startswith(".param ") else None
        if name in values:
            line = f".param {name}={values.pop(name)}"
        out.append(line)
    return None if values else tuple(out)


def _raise_on_errors(lib: Libngspice, step: str) -> None:
    output = lib.take_output()
    if lib.exited or any(_ERROR_LINE.search(line) for line in output):
        raise SimulationFailed(f"ngspice could not {step}: {_errors(output)}")


def _results(lib: Libngspice, run_order: Sequence[Analysis], output: list[str]) -> SimResult:
    """The new plots (`op1`, `ac1`, `tran1`, `tran2`, ...) in the order ngspice made them, as
    a `SimResult`, their vectors named as `ngspice -b` names them in its raw file."""
    errors = [line for line in output if _ERROR_LINE.search(line)]
    if lib.exited or errors:
        raise SimulationFailed(f"ngspice produced no usable results: {_errors(output)}")
    plots = [plot for plot in reversed(lib.plots()) if plot != "const"]
    try:
        return results_of_plots(run_order, [(plot.rstrip("0123456789"), _vectors(lib, plot)) for plot in plots])
    except SimulationFailed as err:
        raise SimulationFailed(f"{err}: {_errors(output)}") from err


def _vectors(lib: Libngspice, plot: str) -> dict[str, np.ndarray]:
    vectors = {name: lib.vector(plot, name) for name in lib.vector_names(plot)}
    return {_raw_name(kind, name): data for name, (kind, data) in vectors.items()}


def _raw_name(kind: int, name: str) -> str:
    """`xtop.out` -> `v(xtop.out)`; `v.xtop.vvdd#branch` -> `i(v.xtop.vvdd)`; scales such as
    `time` as they are: as in a raw file."""
    if kind == CURRENT:
        return f"i({name.removesuffix('#branch')})"
    if kind == VOLTAGE:
        return f"v({name})"
    return name


def _errors(output: list[str]) -> str:
    """ngspice's error lines, else its last lines: what a caller needs to see why a run failed."""
    lines = [line.split(" ", 1)[-1] for line in output]
    return "; ".join([line for line in lines if _ERROR_LINE.search(line)][-5:] or lines[-5:]) or "no output"


_LOST = "it cannot recover in a running process; only a new process can simulate"
_SIMULATOR = _Simulator()
_owner_lock = threading.Lock()
_owner_thread: ThreadPoolExecutor | None = None


def _owner() -> ThreadPoolExecutor:
    """The one thread of this process that calls ngspice, created on first use."""
    global _owner_thread
    with _owner_lock:
        if _owner_thread is None:
            _owner_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="libngspice")
        return _owner_thread
