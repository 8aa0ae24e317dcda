"""Client-written Hdl21 testbenches simulated on the server equal the same `Sim` run locally."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from vlsirtools.spice import sim_data as sd

import discovery_server as ds
from autockt_shared.remote_sim import run_on_the_server
from autockt_shared.vlsir_sim import SANDBOX_LIMITS, OfferQuery, simulation_offer

from .circuits import opamp_sim, parametric_sim, rc_sim
from .conftest import assert_same_vectors, leaks, run_locally


def test_rc_low_pass_op_ac_tran_equals_the_local_run(remote: ds.BackgroundServer, run_dir: Path, tmp_path: Path) -> None:
    result = run_on_the_server(rc_sim())
    assert_same_vectors(result, run_locally(rc_sim(), tmp_path / "local"))
    op, ac, tran = result.an
    assert isinstance(op, sd.OpResult) and isinstance(ac, sd.AcResult) and isinstance(tran, sd.TranResult)
    pole = np.interp(3.0, -20 * np.log10(np.abs(ac.data["v(xtop.out)"])), ac.freq)  # |H| falls 3 dB at 1 / (2 pi R C)
    assert abs(pole - 1 / (2 * np.pi * 1e3 * 1e-9)) / pole < 0.05
    assert list(run_dir.iterdir()) == []  # each run's directory is removed


def test_two_stage_opamp_written_by_the_client_equals_the_local_run(remote: ds.BackgroundServer, tmp_path: Path) -> None:
    result = run_on_the_server(opamp_sim())
    assert_same_vectors(result, run_locally(opamp_sim(), tmp_path / "local"))
    gain = abs(result["ac"].data["v(xtop.out)"][0])
    assert abs(gain - 357.03) < 0.01  # what the served two-stage Rpc answers at the same (reset) sizes


def test_parameters_and_expressions_over_them(remote: ds.BackgroundServer, tmp_path: Path) -> None:
    low, high = run_on_the_server(parametric_sim(1e3)), run_on_the_server(parametric_sim(4e3))
    assert_same_vectors(high, run_locally(parametric_sim(4e3), tmp_path / "local"))
    assert low["op"].data["v(xtop.vin)"] == high["op"].data["v(xtop.vin)"] == 0.6  # vsup / 2
    assert high["op"].data["v(xtop.out)"] < low["op"].data["v(xtop.out)"]  # a larger rval drops more


def test_results_carry_no_device_internal_node_and_nothing_of_the_server(remote: ds.BackgroundServer, run_dir: Path) -> None:
    result = run_on_the_server(opamp_sim())
    names = [name for an in result.an for name in an.data]
    assert names and not [name for name in names if "#" in name]
    assert not leaks(repr(names), run_dir)


def test_the_offer_names_devices_parameters_models_and_limits(remote: ds.BackgroundServer) -> None:
    offer = simulation_offer(OfferQuery())
    assert (offer.pdk, offer.process_corners, [s.name for s in offer.corner_sets]) == ("ptm45", ("tt",), ["tt"])
    assert [(d.name, d.ports, [p.name for p in d.params]) for d in offer.devices] == [
        ("nmos", ("d", "g", "s", "b"), ["w", "l", "m"]),
        ("pmos", ("d", "g", "s", "b"), ["w", "l", "m"]),
    ]
    assert [p.default for p in offer.devices[0].params] == [0.5e-6, 90e-9, 1.0]
    assert offer.models == ("nmos", "pmos")
    assert offer.analyses == ("op", "ac", "tran")
    temp = next(option for option in offer.options if option.name == "temp")
    assert (temp.low, temp.high, temp.unit) == (-55.0, 150.0, "degC")
    assert offer.limits == SANDBOX_LIMITS
