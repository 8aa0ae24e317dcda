"""
# A sized design's waveforms: the Rpc `design_waveforms` and its wire types

The metrics Rpcs answer numbers, never sweeps, so that an optimizer's millions of calls stay
small. A designer judging one design wants the curves behind the numbers: the Bode plot of an
amplifier, the edges of a latch, at each corner. This Rpc answers them for one design, once,
through the same benches and the same simulator pool as the metrics.

A call names the circuit, its design (parameter values named as `CircuitOptimization.params`
names them, `l1.w1` for a nested one, checked as the circuit's own input type checks them: a
bad one is a 422 naming `design.<parameter>`) and, for a circuit simulated at a corner set,
the set (None: the circuit's default; a nominal circuit takes none). A circuit the server does
not know, or one without waveforms, is a 422 naming `circuit`; a circuit of another PDK than the
server's answers 404 `not_found`, as its metrics Rpc does there.

Every trace is bounded (`MAX_POINTS` points): an AC sweep is thinned to evenly spaced
points of its own, a transient resampled onto a uniform time grid (its resolution is the
transient's length / `MAX_POINTS`), so that an answer stays a few hundred kilobytes at most
whatever the simulator's step.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from discovery_shared import Rpc

MAX_POINTS = 400
"""The most points of any trace on the wire."""
MAX_TRACES = 8
"""The most frequency responses, transients or signals of a transient per corner."""
MAX_CORNERS = 32

_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False)


def _same_length(owner: str, **series: list[float]) -> None:
    lengths = {name: len(values) for name, values in series.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"{owner}: every series has one value per point, got lengths {lengths}")


@dataclass(config=_CONFIG)
class FrequencyResponse:
    """One small-signal response over an AC sweep, as a Bode plot draws it."""

    name: str = Field(description="what responds, e.g. `v(out)` or `loop gain, full load`")
    freq: list[float] = Field(max_length=MAX_POINTS, description="frequencies (Hz), increasing")
    magnitude_db: list[float] = Field(max_length=MAX_POINTS, description="20 log10 |H| (dB)")
    phase_deg: list[float] = Field(max_length=MAX_POINTS, description="the phase of H, unwrapped (degrees)")

    def __post_init__(self) -> None:
        _same_length(self.name, freq=self.freq, magnitude_db=self.magnitude_db, phase_deg=self.phase_deg)


@dataclass(config=_CONFIG)
class Signal:
    """One node voltage of a transient, at the transient's `time` points."""

    name: str = Field(description="the node, e.g. `clk` or `out_fb`")
    values: list[float] = Field(max_length=MAX_POINTS, description="volts")


@dataclass(config=_CONFIG)
class Transient:
    """The node voltages of one transient analysis on a shared time grid."""

    name: str = Field(description="what the transient shows, e.g. `follower step` or `timing run`")
    time: list[float] = Field(max_length=MAX_POINTS, description="seconds, increasing, uniformly spaced")
    signals: list[Signal] = Field(max_length=MAX_TRACES, description="the relevant node voltages")

    def __post_init__(self) -> None:
        _same_length(self.name, time=self.time, **{signal.name: signal.values for signal in self.signals})


@dataclass(config=_CONFIG)
class CornerWaveforms:
    """A design's waveforms at one corner (`nominal` for a circuit of one condition)."""

    ac: list[FrequencyResponse] = Field(max_length=MAX_TRACES, description="the AC responses (amplifiers, loops)")
    transients: list[Transient] = Field(max_length=MAX_TRACES, description="the transients (steps, clocked timing)")
    metrics: dict[str, float] | None = Field(
        description="the metrics (by spec) of the very simulation these waveforms come from, when it holds them all; "
        "None where the metrics need more runs than these (a latch's setup search)"
    )


@dataclass(config=_CONFIG)
class WaveformsInput:
    """One design of one circuit, and for a circuit simulated at a corner set, the set."""

    circuit: str = Field(description="the circuit's name, e.g. `two_stage_opamp`")
    design: dict[str, float] = Field(description="every parameter's value, named as the circuit's params name them (`l1.w1`)")
    corner_set: str | None = Field(
        default=None, description="for a circuit simulated at corners: the set (None: its default); a nominal circuit takes none"
    )


@dataclass(config=_CONFIG)
class DesignWaveforms:
    """A design's waveforms at each corner simulated, in the set's order."""

    circuit: str
    corners: dict[str, CornerWaveforms] = Field(max_length=MAX_CORNERS, description="waveforms by corner name")


design_waveforms = Rpc(
    name="design_waveforms",
    input_type=WaveformsInput,
    return_type=DesignWaveforms,
    docstring="""A design's waveforms at each corner: the AC responses (frequency, magnitude, phase) of an
    amplifier or a loop and the node voltages of its transients, each trace at most 400 points, from the
    benches that give its metrics. 422 naming `circuit` for a circuit without waveforms, `design.<param>` for a bad parameter.""",
    deterministic=True,  # the same benches as the metrics Rpcs, which are deterministic
)
