"""The PDK registry: its PDKs, their corner sets (PPAAS's conditions exactly) and their devices."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import hdl21.sim as hs
import pytest

from autockt_ckt.pdks import CornerSet, MosSize, corner_set_names, pdk, pdk_names
from autockt_ckt.settings import SHIPPED_MODEL_PATH


def test_every_pdk_is_registered_and_an_unknown_one_names_the_choices() -> None:
    assert pdk_names() == ["gf180mcu", "ptm45", "sky130"]
    with pytest.raises(KeyError, match="choose one of"):
        pdk("tsmc7")


def _conditions(name: str, vdd: float | None = None) -> set[tuple[str, float, float]]:
    corners = pdk(name).corner_set("ppaas", vdd)
    assert len({corner.name for corner in corners}) == len(corners)
    return {(corner.process.name, corner.vdd, corner.temp_c) for corner in corners}


def test_gf180mcu_ppaas_is_ppaas_17_corners() -> None:
    skewed = {(p, v, t) for p in ("ff", "ss", "fs", "sf") for v in (3.0, 3.6) for t in (-40.0, 125.0)}
    assert _conditions("gf180mcu") == {("tt", 3.3, 27.0)} | skewed
    assert len(pdk("gf180mcu").corner_set("ppaas")) == 17


def test_sky130_ppaas_is_ppaas_9_corners_at_the_tasks_supply() -> None:
    skewed = {(p, 2.0, t) for p in ("ff", "ss", "fs", "sf") for t in (-40.0, 125.0)}
    assert _conditions("sky130", vdd=2.0) == {("tt", 2.0, 27.0)} | skewed
    # PPAAS's FS / SF conditions are sky130's sections sf / fs (named by measurement)
    assert {c.process.section for c in pdk("sky130").corner_set("ppaas") if c.process.name == "fs"} == {"sf"}


@pytest.mark.parametrize("name", ["ptm45", "gf180mcu", "sky130"])
def test_tt_is_one_typical_corner(name: str) -> None:
    kit = pdk(name)
    (corner,) = kit.corner_set("tt")
    assert (corner.process, corner.vdd, corner.temp_c) == (kit.typical, kit.nominal_vdd, 27.0)
    with pytest.raises(KeyError, match="has no corner set 'nope'"):
        kit.corner_set("nope")


def test_a_corner_set_registers_once() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        CornerSet(pdk="gf180mcu", name="ppaas", description="again", build=lambda kit, vdd: [])


def test_ptm45_devices_are_sized_by_their_multiplier_alone() -> None:
    kit = pdk("ptm45")
    kit.nmos(MosSize(w=0.5, l=0.09, m="mn1"))
    with pytest.raises(ValueError, match="sized by m alone"):
        kit.pmos(MosSize(w=1.0, l=0.09))


def test_ptm45_models_are_the_card_autockt_model_path_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    kit = pdk("ptm45")
    (shipped,) = kit.model_files()
    assert shipped == SHIPPED_MODEL_PATH
    card = tmp_path / "licensed.sp"
    card.write_text(SHIPPED_MODEL_PATH.read_text())
    monkeypatch.setenv("AUTOCKT_MODEL_PATH", str(card))
    (include,) = kit.models(kit.typical)
    assert isinstance(include, hs.Include) and Path(include.path) == card.resolve()
    assert kit.model_files() == [card.resolve()]


def test_the_wire_s_corner_sets_are_each_pdk_s() -> None:
    from autockt_shared.corner_sets import GF180MCU, SKY130

    for choice in (GF180MCU, SKY130):
        assert sorted(get_args(choice.names)) == sorted(corner_set_names(choice.pdk))
        assert {name: len(pdk(choice.pdk).corner_set(name)) for name in choice.simulations} == choice.simulations


def test_every_pvt_circuits_declared_corner_set_sizes_and_pdk_are_the_servers() -> None:
    """What a client bounds its requests by (`autockt_shared.corner_sets`) and the PDK it names
    (to say which server simulates a circuit) are what the server simulates."""
    import autockt_ckt.handlers  # noqa: F401  (registers every circuit served at corners)
    from autockt_ckt.corner_serving import corner_circuit
    from autockt_shared.circuits import all_circuits

    checked = 0
    for name, optimization in all_circuits().items():
        declared = optimization.input_type.__pydantic_fields__.get("corner_set")
        if declared is None:
            continue
        for corner_set, count in declared.json_schema_extra["simulations"].items():
            design = optimization.make_input({**optimization.initial_values(), "corner_set": corner_set})
            assert len(corner_circuit(name).corners(corner_set)) == count == optimization.sim.cost_of(design)
            checked += 1
        assert optimization.pdk == corner_circuit(name).pdk  # what a client tells a circuit's PDK by
    assert checked == 10  # five PVT circuits, two sets each
    assert all_circuits()["two_stage_opamp"].pdk is None
