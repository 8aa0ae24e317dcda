"""
# Simulation results as the bounded traces of `design_waveforms`

A circuit's waveform job (its `ServedCircuit.waveforms`) runs its own benches and picks the
vectors a designer reads; this module turns them into wire traces of at most `MAX_POINTS`
points (`autockt_shared.design_waveforms`): an AC sweep thinned to evenly spaced points of its
own (the benches' sweeps, 10 points per decade, fit as they are), a transient resampled onto a
uniform time grid by linear interpolation, as `waveforms.py` takes a waveform between points.
A circuit of one condition answers at one corner, `nominal` (as `design.json` names it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import numpy as np

from autockt_shared.design_waveforms import MAX_POINTS, CornerWaveforms, FrequencyResponse, Signal, Transient

from .engine import TranResult
from .served import JobRunner

NOMINAL = "nominal"


def bode(name: str, freq: np.ndarray, response: np.ndarray) -> FrequencyResponse:
    """The complex `response` over `freq` as magnitude (dB) and unwrapped phase (degrees)."""
    keep = np.unique(np.linspace(0, freq.size - 1, min(freq.size, MAX_POINTS)).round().astype(int))
    magnitude = np.maximum(np.abs(response), np.finfo(float).tiny)  # keeps the decibels finite
    phase = np.degrees(np.unwrap(np.angle(response)))
    return FrequencyResponse(
        name=name,
        freq=freq[keep].tolist(),
        magnitude_db=(20 * np.log10(magnitude[keep])).tolist(),
        phase_deg=phase[keep].tolist(),
    )


def transient(name: str, tran: TranResult, vectors: Mapping[str, str]) -> Transient:
    """The node voltages `vectors` (label: ngspice's vector name, e.g. `v(xtop.out)`) resampled onto a
    uniform grid of `MAX_POINTS` points."""
    time = np.linspace(float(tran.time[0]), float(tran.time[-1]), MAX_POINTS)
    signals = [Signal(name=label, values=np.interp(time, tran.time, tran.values[vector]).tolist()) for label, vector in vectors.items()]
    return Transient(name=name, time=time.tolist(), signals=signals)


def at_nominal(job: Callable[..., CornerWaveforms]) -> Callable[[JobRunner, Any], Awaitable[dict[str, CornerWaveforms]]]:
    """The `ServedCircuit.waveforms` of a circuit of one condition: `job(simulator, input)` (module-level,
    so that it pickles into a pool worker) run once, its answer the `nominal` corner's."""

    async def waveforms(run: JobRunner, inp: Any) -> dict[str, CornerWaveforms]:
        return {NOMINAL: await run(job, inp)}

    return waveforms
