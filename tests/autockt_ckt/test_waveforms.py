"""Waveform measurements against waveforms whose answers are known in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autockt_ckt.waveforms import average, crossings, extrema, first_crossing, settling_time, value_at

TAU = 1e-9


def sine(points: int = 2001, periods: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0.0, periods * 1e-9, points)
    return t, np.sin(2 * math.pi * t / 1e-9)


def test_crossings_of_a_sine_at_its_zeros_and_at_a_level() -> None:
    t, v = sine()
    assert crossings(t, v, 0.0, "fall") == pytest.approx([0.5e-9, 1.5e-9, 2.5e-9], abs=1e-15)
    assert crossings(t, v, 0.0, "rise") == pytest.approx([1e-9, 2e-9], abs=1e-15)  # t = 0 starts at the level: no crossing
    rises = crossings(t, v, 0.5, "rise")  # sin = 0.5 at 1/12 of a period
    assert rises == pytest.approx(np.array([1, 13, 25]) / 12 * 1e-9, rel=1e-5)
    assert crossings(t, v, 0.5).size == 6
    assert crossings(t, v, 2.0).size == 0


def test_linear_interpolation_is_exact_on_a_ramp_and_bounded_by_the_step_on_a_curve() -> None:
    t = np.array([0.0, 1e-9, 3e-9, 4e-9])
    v = np.array([0.0, 0.0, 1.2, 1.2])  # a ramp from 1 ns to 3 ns
    assert first_crossing(t, v, 0.6, "rise") == pytest.approx(2e-9, rel=1e-12)
    coarse_t = np.linspace(0.0, 5 * TAU, 26)  # 0.2 tau steps on 1 - exp(-t / tau)
    coarse = 1 - np.exp(-coarse_t / TAU)
    exact = TAU * math.log(2)
    found = first_crossing(coarse_t, coarse, 0.5, "rise")
    assert found is not None
    assert 0 < abs(found - exact) <= coarse_t[1] ** 2 / (8 * TAU)  # |v''| dt^2 / (8 |v'|), v''/v' = 1 / tau


def test_first_crossing_after_a_time_and_none_without_one() -> None:
    t, v = sine()
    assert first_crossing(t, v, 0.0, "fall", after=0.6e-9) == pytest.approx(1.5e-9, abs=1e-15)
    assert first_crossing(t, v, 0.0, "either", after=0.6e-9) == pytest.approx(1e-9, abs=1e-15)
    assert first_crossing(t, v, 0.0, "fall", after=2.6e-9) is None
    assert first_crossing(t, v, 1.5) is None


def test_average_of_a_sine_and_of_a_ramp_with_interpolated_edges() -> None:
    t, v = sine(points=4001)
    assert average(t, v, 0.0, 2e-9) == pytest.approx(0.0, abs=1e-6)  # whole periods
    assert average(t, np.abs(v), 0.0, 2e-9) == pytest.approx(2 / math.pi, rel=1e-5)  # rectified sine
    ramp_t, ramp = np.array([0.0, 10.0]), np.array([0.0, 10.0])
    assert average(ramp_t, ramp, 2.5, 7.5) == pytest.approx(5.0, rel=1e-12)  # edges between the only two points
    with pytest.raises(ValueError, match="inside the simulated span"):
        average(t, v, 0.0, 4e-9)
    assert average(t, np.abs(v), 1e-9, 3e-9 * (1 + 1e-12)) == pytest.approx(2 / math.pi, rel=1e-5)  # tstop an ulp past the last point
    with pytest.raises(ValueError, match="positive length"):
        average(t, v, 1e-9, 1e-9)


def test_extrema_in_a_window() -> None:
    t, v = sine(points=3001)
    ext = extrema(t, v, 1e-9, 2e-9)
    assert (ext.minimum, ext.maximum) == pytest.approx((-1.0, 1.0), abs=1e-6)
    assert (ext.t_minimum, ext.t_maximum) == pytest.approx((1.75e-9, 1.25e-9), abs=1e-12)
    low = extrema(t, v, 0.1e-9, 0.2e-9)  # rising all the way: both at the window's edges, interpolated
    assert (low.minimum, low.t_minimum, low.t_maximum) == pytest.approx((math.sin(0.2 * math.pi), 0.1e-9, 0.2e-9), rel=1e-6)
    assert value_at(t, v, 0.25e-9) == pytest.approx(1.0, abs=1e-6)


def test_settling_time_of_an_exponential_and_of_a_ringing_step() -> None:
    t = np.linspace(0.0, 20 * TAU, 20001)
    step = np.where(t < TAU, 0.0, 1 - np.exp(-(t - TAU) / TAU))  # a first-order step at 1 ns
    assert settling_time(t, step, TAU, 1.0, 0.01) == pytest.approx(TAU * math.log(100), rel=1e-4)  # 4.6 tau to 1 %
    ringing = 1 - np.exp(-t / (3 * TAU)) * np.cos(2 * math.pi * t / TAU)
    settled = settling_time(t, ringing, 0.0, 1.0, 0.02)
    assert settled is not None
    after = t > settled + 1e-12
    assert np.all(np.abs(ringing[after] - 1.0) <= 0.02)  # inside for good
    assert abs(value_at(t, ringing, settled - 1e-14) - 1.0) > 0.02  # and outside just before
    assert settling_time(t, step, 15 * TAU, 1.0, 0.01) == 0.0  # already settled
    assert settling_time(t, step, 0.0, 2.0, 0.01) is None  # never reaches the band
    with pytest.raises(ValueError, match="positive"):
        settling_time(t, step, 0.0, 1.0, 0.0)


def test_malformed_waveforms_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        crossings(np.arange(3.0), np.arange(4.0), 1.0)
