"""
# Measurements on transient waveforms: crossings, averages, settling, extrema

What the timing, power and load-step metrics are made of, written here rather than taken from
ngspice's `.meas` because `.meas` results come back only as text (libngspice) or as separate
files (`ngspice -b`), differently for the two engines, and a bench's analyses stay plain. Each
function takes a waveform as ngspice returns it (`TranResult.time` and one of its `values`:
float arrays, time non-decreasing) and a window in seconds, inside the simulated span (to
within a billionth of it: ngspice's last point may fall an ulp short of `tstop`); a window
outside it raises `ValueError`; a crossing or settling that does not happen returns `None`,
so the caller chooses (and documents) its stand-in.

## Time resolution

ngspice reports the time points it computed, at most `tstep` apart (`engine.py`), closer where
the waveform bends and at every source breakpoint (pulse corners). Between points the
waveforms are taken as linear, so:

* a crossing time is exact for a waveform linear over the step that holds it, and otherwise
  off by at most about |v''| dt^2 / (8 |v'|) (dt the local step, v' the slope at the
  crossing); it never leaves that step. A 10 %-90 % edge spanning 5 steps or more is
  resolved to a small fraction of a step.
* an average is the trapezoidal integral over the window divided by its length: exact for
  piecewise-linear waveforms, else off by about |v''| dt^2 / 12.
* extrema are taken over the computed points (and the interpolated window edges): a peak
  between two points is underestimated by at most about |v''| dt^2 / 8.

These errors add to ngspice's own truncation-error control (`reltol`, `trtol`), which bounds
how far the computed points are from the circuit's true waveform.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import numpy as np

Direction = Literal["rise", "fall", "either"]


def crossings(time: np.ndarray, values: np.ndarray, level: float, direction: Direction = "either") -> np.ndarray:
    """Every time `values` crosses `level` in `direction`, interpolated linearly between points.

    A rise is a step from below `level` to at or above it; a fall, from above to at or below;
    a waveform that touches `level` and turns back at a point does not cross it.
    """
    _check(time, values)
    before, after = values[:-1], values[1:]
    rises = (before < level) & (after >= level)
    falls = (before > level) & (after <= level)
    steps = np.flatnonzero({"rise": rises, "fall": falls, "either": rises | falls}[direction])
    fraction = (level - values[steps]) / (values[steps + 1] - values[steps])
    return time[steps] + fraction * (time[steps + 1] - time[steps])


def first_crossing(
    time: np.ndarray, values: np.ndarray, level: float, direction: Direction = "either", after: float = -math.inf
) -> float | None:
    """The first crossing (as `crossings`) at or after time `after`; None if there is none."""
    found = crossings(time, values, level, direction)
    found = found[found >= after]
    return float(found[0]) if found.size else None


def value_at(time: np.ndarray, values: np.ndarray, t: float) -> float:
    """The waveform at time `t` (inside the simulated span), interpolated linearly."""
    _inside(time, t, t)
    return float(np.interp(t, time, values))


def average(time: np.ndarray, values: np.ndarray, start: float, stop: float) -> float:
    """The mean of the waveform over [start, stop], by the trapezoidal rule, with the window's
    edges interpolated (for power: VDD times the average supply current over whole cycles)."""
    _check(time, values)
    if not stop > start:
        raise ValueError(f"an average needs a window of positive length, got [{start}, {stop}]")
    t, v = _window(time, values, *_inside(time, start, stop))
    return float(np.trapezoid(v, t) / (t[-1] - t[0]))


class Extrema(NamedTuple):
    """The lowest and highest value of a window, each with the first time it is reached."""

    minimum: float
    t_minimum: float
    maximum: float
    t_maximum: float


def extrema(time: np.ndarray, values: np.ndarray, start: float, stop: float) -> Extrema:
    """The lowest and highest value in [start, stop] and when (e.g. a load step's undershoot)."""
    _check(time, values)
    t, v = _window(time, values, *_inside(time, start, stop))
    low, high = int(np.argmin(v)), int(np.argmax(v))
    return Extrema(minimum=float(v[low]), t_minimum=float(t[low]), maximum=float(v[high]), t_maximum=float(t[high]))


def settling_time(time: np.ndarray, values: np.ndarray, start: float, final: float, band: float) -> float | None:
    """How long after `start` the waveform enters final +- band for good (to the end of the
    simulation): 0.0 if it never leaves the band after `start`, None if it is outside the band
    at the end. The last exit is interpolated to where it meets the band's edge."""
    _check(time, values)
    start = _inside(time, start, start)[0]
    if not band > 0:
        raise ValueError(f"the settling band must be positive, got {band}")
    t, v = _window(time, values, start, float(time[-1]))
    outside = np.flatnonzero(np.abs(v - final) > band)
    if outside.size == 0:
        return 0.0
    last = int(outside[-1])
    if last == v.size - 1:
        return None
    edge = final + band if v[last] > final else final - band
    entered = t[last] + (edge - v[last]) / (v[last + 1] - v[last]) * (t[last + 1] - t[last])
    return float(entered - start)


def _window(time: np.ndarray, values: np.ndarray, start: float, stop: float) -> tuple[np.ndarray, np.ndarray]:
    """The points inside (start, stop) with the waveform interpolated at both edges."""
    inside = (time > start) & (time < stop)
    edges = np.interp([start, stop], time, values)
    t = np.concatenate(([start], time[inside], [stop]))
    v = np.concatenate(([edges[0]], values[inside], [edges[1]]))
    return t, v


def _check(time: np.ndarray, values: np.ndarray) -> None:
    if time.ndim != 1 or time.shape != values.shape or time.size < 2:
        raise ValueError(f"a waveform is two 1-D arrays of the same length, at least 2: got {time.shape} and {values.shape}")


def _inside(time: np.ndarray, start: float, stop: float) -> tuple[float, float]:
    """The window [start, stop], which must lie inside the simulated span, to within a
    billionth of it: ngspice's last time point may fall an ulp short of `tstop`."""
    slack = 1e-9 * (time[-1] - time[0])
    if not (time[0] - slack <= start <= stop <= time[-1] + slack):
        raise ValueError(f"window [{start}, {stop}] is not inside the simulated span [{time[0]}, {time[-1]}]")
    return max(start, float(time[0])), min(stop, float(time[-1]))
