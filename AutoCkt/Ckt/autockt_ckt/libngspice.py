"""
# ctypes binding to ngspice's shared library (Debian `libngspice0`: `libngspice.so.0`)

Only what an in-process engine needs: load a netlist, send commands, run the loaded
analyses on ngspice's background thread with a wall-clock limit, and read result vectors
straight from ngspice's memory.

ngspice keeps all of its state in process globals, so one `Libngspice` is the only
instance a process may have, and it is not thread-safe: callers serialize every use.
ngspice reports errors only as text on its output callback (command return codes stay 0),
so each method that can fail leaves the judgment to the caller, who reads `take_output()`.
A few errors are fatal ("cannot recover and awaits to be detached"): ngspice then calls
the exit callback (`exited`) and this process has no working simulator any more (unloading
and reloading the library was tried: it crashed the process now and then).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Sequence

import numpy as np

LIBRARY_NAME = "libngspice.so.0"

VOLTAGE = 3
"""ngspice's vector type of a node voltage (`SV_VOLTAGE`)."""

CURRENT = 4
"""ngspice's vector type of a current (`SV_CURRENT`), e.g. a voltage source's `#branch`."""

_SendChar = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p)
_ControlledExit = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_bool, ctypes.c_bool, ctypes.c_int, ctypes.c_void_p)
_BGThreadRunning = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_bool, ctypes.c_int, ctypes.c_void_p)


class _VectorInfo(ctypes.Structure):
    _fields_ = [
        ("v_name", ctypes.c_char_p),
        ("v_type", ctypes.c_int),
        ("v_flags", ctypes.c_short),
        ("v_realdata", ctypes.POINTER(ctypes.c_double)),
        ("v_compdata", ctypes.POINTER(ctypes.c_double)),  # pairs (re, im): ngcomplex_t
        ("v_length", ctypes.c_int),
    ]


class Libngspice:
    """The loaded and initialized shared library, with its callbacks.

    The callbacks are attributes so that they live exactly as long as the library may call
    them; ngspice calls them from its background thread too.
    """

    def __init__(self) -> None:
        self._lib = ctypes.CDLL(LIBRARY_NAME)  # OSError when the library is not installed
        self._output: list[str] = []
        self._finished = threading.Event()
        self.exited = False
        self._send_char = _SendChar(self._on_output)
        self._controlled_exit = _ControlledExit(self._on_exit)
        self._bg_running = _BGThreadRunning(self._on_bg_thread)
        self._declare_signatures()
        # Status and per-point data callbacks are left NULL: nothing here reads them, and each call costs.
        self._lib.ngSpice_Init(self._send_char, None, self._controlled_exit, None, None, self._bg_running, None)

    def _declare_signatures(self) -> None:
        lib = self._lib
        lib.ngSpice_Init.argtypes = [
            _SendChar,
            ctypes.c_void_p,
            _ControlledExit,
            ctypes.c_void_p,
            ctypes.c_void_p,
            _BGThreadRunning,
            ctypes.c_void_p,
        ]
        lib.ngSpice_Command.argtypes = [ctypes.c_char_p]
        lib.ngSpice_Circ.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        lib.ngSpice_AllPlots.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.ngSpice_AllVecs.argtypes = [ctypes.c_char_p]
        lib.ngSpice_AllVecs.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.ngGet_Vec_Info.argtypes = [ctypes.c_char_p]
        lib.ngGet_Vec_Info.restype = ctypes.POINTER(_VectorInfo)

    def _on_output(self, text: bytes, _id: int, _user: int | None) -> int:
        self._output.append(text.decode(errors="replace"))
        return 0

    def _on_exit(self, _status: int, _immediate: bool, _quit: bool, _id: int, _user: int | None) -> int:
        self.exited = True
        return 0

    def _on_bg_thread(self, not_running: bool, _id: int, _user: int | None) -> int:
        if not_running:
            self._finished.set()
        return 0

    def take_output(self) -> list[str]:
        """Everything ngspice printed since the last call ("stdout ..." / "stderr ..." lines)."""
        lines, self._output = self._output, []
        return lines

    def command(self, command: str) -> None:
        self._lib.ngSpice_Command(command.encode())

    def clear_command_history(self) -> None:
        """ngspice remembers every command it was sent; a long run would slowly grow it."""
        self._lib.ngSpice_Command(None)

    def load_circuit(self, lines: Sequence[str]) -> bool:
        """Parse a netlist (first line: title; last: `.end`) into the current circuit. False on failure."""
        encoded = [line.encode() for line in lines]
        array = (ctypes.c_char_p * (len(encoded) + 1))(*encoded, None)
        return self._lib.ngSpice_Circ(array) == 0

    def run(self) -> None:
        """Run the loaded circuit's analyses on the calling thread, without a time limit."""
        self.command("run")

    def run_in_background(self, timeout_s: float) -> bool:
        """Run the loaded circuit's analyses on ngspice's own thread; halt them after `timeout_s`.

        True if they finished in time. A halted run leaves its circuit half-simulated: the
        caller discards it.
        """
        self._finished.clear()
        self.command("bg_run")
        if self._finished.wait(timeout_s):
            return True
        self.command("bg_halt")
        self._finished.wait()
        return False

    def plots(self) -> list[str]:
        """Names of the result plots in memory, newest first (`const` is ngspice's own, always there)."""
        return _strings(self._lib.ngSpice_AllPlots())

    def vector_names(self, plot: str) -> list[str]:
        return _strings(self._lib.ngSpice_AllVecs(plot.encode()))

    def vector(self, plot: str, name: str) -> tuple[int, np.ndarray]:
        """(ngspice vector type, a read-only copy of its data: float64, or complex128 for complex vectors).

        Copied with `ctypes.string_at`: about 3x faster than `np.ctypeslib.as_array(...).copy()`,
        which builds a ctypes array type per call (an evaluation reads every vector of its plots,
        87 for the two-stage op-amp)."""
        info = self._lib.ngGet_Vec_Info(f"{plot}.{name}".encode()).contents
        if info.v_compdata:
            return info.v_type, np.frombuffer(ctypes.string_at(info.v_compdata, 16 * info.v_length), dtype=np.complex128)
        return info.v_type, np.frombuffer(ctypes.string_at(info.v_realdata, 8 * info.v_length), dtype=np.float64)


def _strings(array: ctypes._Pointer[ctypes.c_char_p]) -> list[str]:
    names: list[str] = []
    while (name := array[len(names)]) is not None:
        names.append(name.decode())
    return names
