"""`design_waveforms` over real HTTP, simulated in the package's pool of worker processes: an
amplifier's Bode plot agrees with its own metrics, a latch's timing run shows its clock and
edges, every trace is bounded, and bad input is refused naming the field or the circuit."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest

import autockt_ckt.handlers as handlers
import discovery_client as dc
import discovery_server as ds
from autockt_ckt.pool import SimulatorPool
from autockt_shared import FOLDED_CASCODE
from autockt_shared.circuits.latch import LATCH
from autockt_shared.design_waveforms import MAX_POINTS, DesignWaveforms, WaveformsInput, design_waveforms


@pytest.fixture(scope="module")
def client(sim_pool: SimulatorPool) -> Iterator[dc.Client]:
    """The Rpc over HTTP, simulated in the session's pool."""
    handlers.use_pool(sim_pool)
    with ds.BackgroundServer(ds.create_app(rpcs=[design_waveforms])) as server, dc.Client(dc.Config(server_url=server.url)) as client:
        yield client
    handlers.use_pool(None)


def ask(client: dc.Client, circuit: str, design: dict[str, float], corner_set: str | None = None) -> DesignWaveforms:
    return client.call(design_waveforms, WaveformsInput(circuit=circuit, design=design, corner_set=corner_set))


def test_an_amplifiers_bode_plot_agrees_with_its_metrics(client: dc.Client) -> None:
    answer = ask(client, "folded_cascode", FOLDED_CASCODE.initial_values())
    assert answer.circuit == "folded_cascode" and list(answer.corners) == ["nominal"]
    corner = answer.corners["nominal"]
    assert corner.transients == [] and [response.name for response in corner.ac] == ["v(out)"]
    (response,) = corner.ac
    freq = np.array(response.freq)
    assert 10 <= freq.size <= MAX_POINTS and len(response.magnitude_db) == len(response.phase_deg) == freq.size
    assert np.all(np.diff(freq) > 0) and freq[0] == pytest.approx(1.0) and freq[-1] == pytest.approx(10e9)
    metrics = corner.metrics
    assert metrics is not None and set(metrics) == {"gain", "ugbw", "phm", "ibias"}
    assert response.magnitude_db[0] == pytest.approx(20 * math.log10(metrics["gain"]), abs=1e-9)
    # the magnitude crosses 0 dB between the sweep points around ugbw, where the phase is phm - 180
    above = np.flatnonzero(np.array(response.magnitude_db) >= 0.0)
    assert freq[above[-1]] <= metrics["ugbw"] <= freq[above[-1] + 1]
    phase = float(np.interp(np.log10(metrics["ugbw"]), np.log10(freq), response.phase_deg))
    assert phase + 180 == pytest.approx(metrics["phm"], abs=2.0)


def test_a_latchs_timing_run_is_a_bounded_uniform_transient(client: dc.Client) -> None:
    corner = ask(client, "latch", LATCH.initial_values()).corners["nominal"]
    assert corner.ac == [] and corner.metrics is None  # its metrics need the setup probes too
    (run,) = corner.transients
    time = np.array(run.time)
    assert time.size == MAX_POINTS and time[0] == 0.0 and time[-1] == pytest.approx(4.55e-9)
    assert np.allclose(np.diff(time), time[-1] / (MAX_POINTS - 1))
    signals = {signal.name: np.array(signal.values) for signal in run.signals}
    assert list(signals) == ["CLK", "D rising", "Q rising", "D falling", "Q falling"]
    assert all(values.size == MAX_POINTS for values in signals.values())
    assert signals["CLK"][0] == pytest.approx(1.2) and signals["CLK"].min() == pytest.approx(0.0, abs=1e-6)
    # transparent, each Q follows its data's first edge; the data switch back while held, and Q follows when CLK reopens
    transparent = time < 1.5e-9
    assert signals["Q rising"][0] < 0.1 and signals["Q rising"][transparent].max() > 1.1 and signals["Q rising"][-1] < 0.1
    assert signals["Q falling"][0] > 1.1 and signals["Q falling"][transparent].min() < 0.1 and signals["Q falling"][-1] > 1.1


@pytest.mark.parametrize(
    ("change", "corner_set", "field"),
    [
        ({"w1": 0}, None, "design.w1"),  # below the grid
        ({"w3": 2.5}, None, "design.w3"),  # an integer parameter
        ({"w11": 1.0}, None, "design.w11"),  # no such parameter
        ({}, "ppaas", "corner_set"),  # a nominal circuit takes no corner set
    ],
)
def test_bad_input_is_a_422_naming_the_field(client: dc.Client, change: dict[str, float], corner_set: str | None, field: str) -> None:
    with pytest.raises(dc.ValidationError) as refused:
        ask(client, "latch", {**LATCH.initial_values(), **change}, corner_set)
    assert refused.value.status_code == 422
    assert [".".join(error.loc) for error in refused.value.errors] == [field]


def test_a_missing_parameter_is_named(client: dc.Client) -> None:
    design = FOLDED_CASCODE.initial_values()
    del design["cc"]
    with pytest.raises(dc.ValidationError) as refused:
        ask(client, "folded_cascode", design)
    assert [".".join(error.loc) for error in refused.value.errors] == ["design.cc"]


def test_an_unknown_circuit_is_a_422_naming_it(client: dc.Client) -> None:
    with pytest.raises(dc.ValidationError) as refused:
        ask(client, "no_such_circuit", {})
    assert [".".join(error.loc) for error in refused.value.errors] == ["circuit"]
    assert "'no_such_circuit' is no circuit of this server" in str(refused.value) and "latch" in str(refused.value)
