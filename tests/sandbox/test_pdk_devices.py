"""`simulate_on_the_server` and `simulation_offer` on a server started for each PDK: the offer names
devices, parameters, ranges and corner sets and no model text; the open PDKs' devices simulate
as `ngspice -b` does with the same files; sizes outside the models' ranges are refused naming them."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import gf180_hdl21  # type: ignore[import-untyped]  # no type information
import hdl21 as h
import hdl21.sim as hs
import numpy as np
import pytest
from vlsirtools.spice import sim_data as sd

import discovery_server as ds
from autockt_ckt.pdks import corner_set_names, pdk
from autockt_shared.devices import offered_device
from autockt_shared.remote_sim import run_on_the_server
from autockt_shared.vlsir_sim import OfferQuery, SimulationOffer, simulation_offer

from .circuits import rc_sim
from .conftest import OPEN_PDKS, PDKS, assert_same_vectors, leaks, post_sim_input, run_locally
from .pdk_circuits import fingers_sim, inverter_sim, range_corners_sim

DEVICE_NAMES = {
    "ptm45": ["nmos", "pmos"],
    "gf180mcu": ["nfet_03v3", "pfet_03v3"],
    "sky130": ["sky130_fd_pr__nfet_01v8", "sky130_fd_pr__pfet_01v8", "sky130_fd_pr__nfet_g5v0d10v5", "sky130_fd_pr__pfet_g5v0d10v5"],
}


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("server_pdk", PDKS)
def test_the_offer_names_devices_ranges_and_corner_sets_and_no_model_text(
    remote: ds.BackgroundServer, run_dir: Path, server_pdk: str
) -> None:
    offer = simulation_offer(OfferQuery())
    kit = pdk(server_pdk)
    assert offer.pdk == server_pdk
    assert offer.process_corners == tuple(process.name for process in kit.processes)
    assert [s.name for s in offer.corner_sets] == corner_set_names(server_pdk)
    for offered in offer.corner_sets:
        assert [(c.name, c.process, c.vdd, c.temp_c) for c in offered.corners] == [
            (c.name, c.process.name, c.vdd, c.temp_c) for c in kit.corner_set(offered.name)
        ]
    assert [d.name for d in offer.devices] == list(offer.models) == DEVICE_NAMES[server_pdk]
    for device in offer.devices:
        assert device.ports == ("d", "g", "s", "b")
        params = {p.name: p for p in device.params}
        if server_pdk in OPEN_PDKS:
            assert list(params) == ["w", "l", "nf", "m"]
            unit = {"gf180mcu": "m", "sky130": "um"}[server_pdk]
            assert (params["w"].unit, params["l"].unit) == (unit, unit)
            assert all(p.low is not None and p.high is not None and p.low <= p.default <= p.high for p in params.values())
            assert params["nf"].integer and params["m"].integer and (params["m"].low, params["nf"].low) == (1, 1)
    body = dataclasses.asdict(offer)
    assert not leaks(json.dumps(body), run_dir)
    model_lines = {line.strip().lower() for path in kit.model_files() for line in path.read_text(errors="replace").splitlines()}
    assert not [s for s in _strings(body) if len(s) >= 8 and s.strip().lower() in model_lines]


@pytest.mark.parametrize("server_pdk", OPEN_PDKS)
def test_an_inverter_at_two_corners_equals_ngspice_b_with_the_same_files(
    remote: ds.BackgroundServer, tmp_path: Path, server_pdk: str
) -> None:
    offer = simulation_offer(OfferQuery())
    typical, fast = (run_on_the_server(inverter_sim(offer), corner) for corner in ("tt", "ff"))
    assert_same_vectors(typical, run_locally(inverter_sim(offer), tmp_path / "tt", server_pdk, "tt"))
    assert_same_vectors(fast, run_locally(inverter_sim(offer), tmp_path / "ff", server_pdk, "ff"))
    current = "i(v.xtop.vvsupply)"
    assert abs(fast["op"].data[current]) > 1.05 * abs(typical["op"].data[current])  # ff's models, not tt's, were loaded


@pytest.mark.parametrize(("server_pdk", "finger_um"), [("gf180mcu", 8.0), ("sky130", 5.0)])
def test_fingers_are_binned_by_finger_width_as_in_hsa_mode(remote: ds.BackgroundServer, server_pdk: str, finger_um: float) -> None:
    """Without `ngbehavior=hsa` 2 fingers differ from 2 devices (0.04 % on gf180mcu, 1.3 % on sky130)."""
    op = run_on_the_server(fingers_sim(simulation_offer(OfferQuery()), finger_um))["op"]
    assert isinstance(op, sd.OpResult)
    fingers, devices = op.data["i(v.xtop.vvfingers)"], op.data["i(v.xtop.vvdevices)"]
    assert fingers != 0 and abs(fingers - devices) / abs(devices) < 1e-9


@pytest.mark.parametrize("server_pdk", OPEN_PDKS)
def test_devices_simulate_at_both_ends_of_the_offered_ranges(remote: ds.BackgroundServer, server_pdk: str) -> None:
    op = run_on_the_server(range_corners_sim(simulation_offer(OfferQuery())))["op"]
    assert op.data and all(np.isfinite(value) for value in op.data.values())


def _one_device_sim(offer: SimulationOffer, **params: object) -> hs.Sim:
    """An NMOS of the offer with `params` (in the device's own units) on a supply: instance 1 of the bench."""
    device = next(d for d in offer.devices if "nfet" in d.name)
    tb = h.Module(name="OneDeviceTb")
    tb.VSS = h.Port()
    tb.vdd = h.Signal()
    tb.vsupply = h.Vdc(dc=1)(p=tb.vdd, n=tb.VSS)
    tb.mn = offered_device(device)(**params)(d=tb.vdd, g=tb.vdd, s=tb.VSS, b=tb.VSS)
    return hs.Sim(tb=tb, attrs=[hs.Op(name="op")])


BAD_SIZES = [
    ("w", 0.1, ()),  # below the smallest width (in either unit)
    ("l", 1000.0, ()),  # above the longest length (in either unit)
    ("nf", 1.5, ()),  # not a whole number of fingers
    ("m", 0, ()),  # no device
    ("m", h.Literal("2 * 3"), ("literal",)),  # an expression cannot be checked against the range
]


@pytest.mark.parametrize("server_pdk", OPEN_PDKS)
@pytest.mark.parametrize(("name", "value", "suffix"), BAD_SIZES, ids=[f"{n}_{v}" for n, v, _ in BAD_SIZES])
def test_a_size_outside_the_offered_range_is_a_422_naming_it(
    remote: ds.BackgroundServer, run_dir: Path, server_pdk: str, name: str, value: object, suffix: tuple[str, ...]
) -> None:
    offer = simulation_offer(OfferQuery())
    inp = hs.to_proto(_one_device_sim(offer, **{name: value}))
    response = post_sim_input(remote, inp.SerializeToString())
    assert response.status_code == 422, response.text
    index = [p.name for p in inp.pkg.modules[0].instances[1].parameters].index(name)
    loc = ("proto_bytes", "pkg", "modules", "0", "instances", "1", "parameters", str(index), "value", *suffix)
    assert loc in [tuple(field["loc"]) for field in response.json()["details"]["fields"]], response.text
    assert "simulation_offer" in response.text and not leaks(response.text, run_dir)
    assert not run_dir.exists() or list(run_dir.iterdir()) == []


@pytest.mark.parametrize(("server_pdk", "corner"), [("ptm45", "ff"), ("gf180mcu", "xx"), ("sky130", "TT")])
def test_a_corner_the_pdk_does_not_have_is_a_422_naming_it(
    remote: ds.BackgroundServer, run_dir: Path, server_pdk: str, corner: str
) -> None:
    response = post_sim_input(remote, hs.to_proto(rc_sim()).SerializeToString(), corner=corner)
    assert response.status_code == 422, response.text
    assert [tuple(field["loc"]) for field in response.json()["details"]["fields"]] == [("corner",)]
    assert not leaks(response.text, run_dir)


@pytest.mark.parametrize("server_pdk", ["gf180mcu"])
def test_the_hdl21_pdk_primitive_and_another_pdks_device_are_refused(remote: ds.BackgroundServer, run_dir: Path, server_pdk: str) -> None:
    """The Hdl21 package's primitive carries every parameter of its own (areas as `0.18u` expressions),
    so the server takes the device as the offer builds it; sky130's device is not gf180mcu's."""
    tb = h.Module(name="Hdl21PrimitiveTb")
    tb.VSS = h.Port()
    tb.vdd = h.Signal()
    tb.vsupply = h.Vdc(dc=1)(p=tb.vdd, n=tb.VSS)
    tb.mn = gf180_hdl21.primitives.NFET_3p3V(gf180_hdl21.MosParams())(d=tb.vdd, g=tb.vdd, s=tb.VSS, b=tb.VSS)
    inp = hs.to_proto(hs.Sim(tb=tb, attrs=[hs.Op(name="op")]))
    for name in ("nfet_03v3", "sky130_fd_pr__nfet_01v8"):
        inp.pkg.ext_modules[0].name.name = name
        inp.pkg.modules[0].instances[1].module.external.name = name
        response = post_sim_input(remote, inp.SerializeToString())
        assert response.status_code == 422, response.text
        assert ("proto_bytes", "pkg", "ext_modules", "0", "name") in [tuple(f["loc"]) for f in response.json()["details"]["fields"]]
        assert not leaks(response.text, run_dir)


@pytest.mark.parametrize("server_pdk", OPEN_PDKS)
def test_a_run_that_fails_shows_nothing_of_the_pdk(remote: ds.BackgroundServer, run_dir: Path, server_pdk: str) -> None:
    """ngspice's error text passes the scrubber with every file of the PDK's models as model text."""
    sim = _one_device_sim(simulation_offer(OfferQuery()))
    sim.tb.loop = h.Vdc(dc=2)(p=sim.tb.vdd, n=sim.tb.VSS)  # against vsupply's 1 V: no operating point
    response = post_sim_input(remote, hs.to_proto(sim).SerializeToString())
    assert response.status_code == 422, response.text
    assert response.json()["details"]["fields"][0]["type"] == "sandbox.simulation"
    assert not leaks(response.text, run_dir)
    assert run_on_the_server(rc_sim()).an[0].data
