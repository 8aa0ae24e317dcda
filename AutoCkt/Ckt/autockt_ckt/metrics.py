"""
# Op-amp metrics from an operating point `op` and an AC sweep `ac`

* gain: |v(out)| at the lowest AC frequency.
* ugbw: where |v(out)| first falls through 1, interpolated linearly in log|v| over log f.
* phm: 180 deg + the unwrapped phase of v(out) at ugbw, interpolated linearly over log f.
* ibias: current drawn from the VDD source at the operating point.

When |v(out)| never falls through 1 inside the sweep, ugbw and phm are undefined. They are
reported as finite stand-ins, never NaN: if the gain is below 1 throughout, ugbw = 0.0 and
phm = 0.0 (the worst values, so a reward sees the miss); if it is still above 1 at the top
of the sweep, ugbw = the top frequency and phm is taken there.

A phase margin above 180 deg means the phase at ugbw has risen above its low-frequency value:
right-half-plane poles do that (a negative-gm load that outweighs its diodes, a gain of the
wrong sign), and such an amplifier is unstable in feedback, however wide the number. It is
reported as phm = 0.0, the worst value, as when there is no crossing.
"""

import numpy as np

from autockt_shared import OpAmpOutput

from .engine import SimResult


def unity_gain_crossing(freq: np.ndarray, mag: np.ndarray, phase_deg: np.ndarray) -> tuple[float, float]:
    """(ugbw, phase margin) as documented above."""
    falls = np.flatnonzero((mag[:-1] >= 1.0) & (mag[1:] < 1.0))
    if falls.size == 0:
        if mag[-1] >= 1.0:
            return float(freq[-1]), _margin(phase_deg[-1])
        return 0.0, 0.0
    i = falls[0]
    log_f = np.log10(freq[i : i + 2])
    t = np.log10(mag[i]) / (np.log10(mag[i]) - np.log10(mag[i + 1]))  # fraction of the way to |v| = 1
    ugbw = 10 ** (log_f[0] + t * (log_f[1] - log_f[0]))
    return float(ugbw), _margin(phase_deg[i] + t * (phase_deg[i + 1] - phase_deg[i]))


def _margin(phase_deg: float) -> float:
    margin = 180.0 + float(phase_deg)
    return margin if margin <= 180.0 else 0.0


def opamp_metrics(result: SimResult, output_node: str, supply_source: str) -> OpAmpOutput:
    """`OpAmpOutput` of a simulated op-amp testbench."""
    ac = result.ac("ac")
    v_out = ac.values[f"v({output_node})"]
    mag = np.maximum(np.abs(v_out), np.finfo(float).tiny)  # keeps log10 finite
    phase_deg = np.degrees(np.unwrap(np.angle(v_out)))
    ugbw, phm = unity_gain_crossing(ac.freq, mag, phase_deg)
    return OpAmpOutput(gain=float(mag[0]), ugbw=ugbw, phm=phm, ibias=-result.op("op")[f"i({supply_source})"])
