"""The optimization vocabulary: specs derived from field metadata, the reward, "reached", pickling."""

from __future__ import annotations

import dataclasses
import pickle
import random
import subprocess
import sys
from typing import Any

import pytest
from pydantic import TypeAdapter

from autockt_shared import (
    REACHED_THRESHOLD,
    TWO_STAGE_OPAMP,
    CircuitOptimization,
    MetricSpec,
    OpAmpInput,
    Range,
    Sense,
    all_circuits,
    auto_ckt_sim_hdl21,
    circuit_optimization,
    grid_values,
    settaluri_reward,
)
from autockt_shared.circuits.ppaas_tsa import PPAAS_TSA, TsaMetrics, TsaOutput, ppaas_tsa_sim
from autockt_shared.corner_sets import CornerSetChoice, Gf180mcuCornerSet


def test_param_specs_come_from_the_input_fields() -> None:
    params = {p.name: p for p in TWO_STAGE_OPAMP.params}
    assert list(params) == ["mp1", "mn1", "mp3", "mn3", "mn4", "mn5", "cc"]
    assert params["mn5"].range == Range(1, 100) and params["mn5"].initial == 15 and params["mn5"].integer
    cc = params["cc"]
    assert (cc.range, cc.step, cc.initial, cc.integer, cc.grid_size) == (Range(1e-13, 1e-11), 1e-13, 2.1e-12, False, 100)
    schema = TypeAdapter(OpAmpInput).json_schema()["properties"]["cc"]
    assert (schema["minimum"], schema["maximum"], schema["step"], schema["initial"]) == (1e-13, 1e-11, 1e-13, 2.1e-12)


def test_every_grid_point_is_a_valid_input_and_indices_round_trip() -> None:
    for p in TWO_STAGE_OPAMP.params:
        for k in range(p.grid_size):
            value = p.value_at(k)
            assert p.index_of(value) == k
            TWO_STAGE_OPAMP.make_input({**TWO_STAGE_OPAMP.initial_values(), p.name: value})
    cc = TWO_STAGE_OPAMP.params[-1]
    assert cc.value_at(20) == 2.1e-12 and cc.value_at(-5) == 1e-13 and cc.value_at(500) == 1e-11


def test_settaluri_reward_follows_each_specs_sense() -> None:
    specs = TWO_STAGE_OPAMP.metrics
    target = {"gain": 300.0, "ugbw": 1e7, "phm": 60.0, "ibias": 1e-3}
    met = {"gain": 400.0, "ugbw": 2e7, "phm": 70.0, "ibias": 5e-4}
    assert settaluri_reward(specs, met, target) == 0.0
    missed = {"gain": 200.0, "ugbw": 1e7, "phm": 60.0, "ibias": 3e-3}
    assert settaluri_reward(specs, missed, target) == pytest.approx(-100 / 500 - 2e-3 / 4e-3)
    # The sense comes from the MetricSpec, not the metric's name: a "gain" that must stay low.
    flipped = (MetricSpec("gain", Range(1, 2), normalizer=1.0, sense=Sense.AT_MOST),)
    assert settaluri_reward(flipped, {"gain": 400.0}, {"gain": 300.0}) == pytest.approx(-100 / 700)
    assert settaluri_reward(flipped, {"gain": 200.0}, {"gain": 300.0}) == 0.0


def test_reached_is_reward_at_least_minus_two_percent() -> None:
    target = {"gain": 300.0, "ugbw": 1e7, "phm": 60.0, "ibias": 1e-3}
    just = {"gain": 300.0 * 0.98 / 1.02, "ugbw": 1e7, "phm": 60.0, "ibias": 1e-3}  # relative error exactly -0.02
    assert TWO_STAGE_OPAMP.score(just, target) == pytest.approx(REACHED_THRESHOLD)
    assert TWO_STAGE_OPAMP.reached({**just, "gain": just["gain"] + 1e-6}, target)
    assert not TWO_STAGE_OPAMP.reached({**just, "gain": just["gain"] - 1e-3}, target)


def test_normalization_and_errors_stay_finite_for_zero_and_negative_metrics() -> None:
    phm = TWO_STAGE_OPAMP.metrics[2]
    for x in (-200.0, -60.0, 0.0, 60.0, 1e9):
        assert -1.0 <= phm.normalize(x) <= 1.0
        assert -1.0 <= phm.error(x, 60.0) <= 1.0
    assert phm.error(-60.0, 60.0) == -1.0 and phm.normalize(60.0) == 0.0


def test_targets_are_drawn_inside_the_spec_ranges() -> None:
    rng = random.Random(0)
    for _ in range(100):
        target = TWO_STAGE_OPAMP.sample_target(rng)
        assert all(target[m.name] in m.range for m in TWO_STAGE_OPAMP.metrics)


def test_an_optimization_pickles_as_its_name_and_names_are_unique() -> None:
    assert pickle.loads(pickle.dumps(TWO_STAGE_OPAMP)) is TWO_STAGE_OPAMP
    with pytest.raises(ValueError, match="already exists"):
        CircuitOptimization(name="two_stage_opamp", sim=auto_ckt_sim_hdl21, metrics=TWO_STAGE_OPAMP.metrics)
    with pytest.raises(ValueError, match="no field"):
        CircuitOptimization(name="bad", sim=auto_ckt_sim_hdl21, metrics=(MetricSpec("noise", Range(0, 1), 1.0, Sense.AT_MOST),))


UNPICKLE = "import pickle, sys; print(pickle.loads(sys.stdin.buffer.read()).name)"


def test_an_optimization_unpickles_in_a_process_that_never_imported_its_circuit() -> None:
    """As in an RLlib env runner: the name alone travels, and unpickling imports the circuit's module."""
    ldo = circuit_optimization("ldo")  # not imported by `autockt_shared` itself
    done = subprocess.run([sys.executable, "-c", UNPICKLE], input=pickle.dumps(ldo), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b"ldo\n" and len(pickle.dumps(ldo)) < 200


def test_inputs_are_validated_naming_the_field() -> None:
    with pytest.raises(ValueError, match="mn4"):
        OpAmpInput(mp1=34, mn1=34, mp3=34, mn3=34, mn4=0, mn5=15, cc=2.1e-12)
    with pytest.raises(ValueError, match="cc"):
        OpAmpInput(mp1=34, mn1=34, mp3=34, mn3=34, mn4=34, mn5=15)  # type: ignore[call-arg]


def test_sampled_designs_are_grid_points_covering_the_range() -> None:
    rng = random.Random(1)
    designs = [TWO_STAGE_OPAMP.sample_values(rng) for _ in range(2000)]
    for p in TWO_STAGE_OPAMP.params:
        values = [d[p.name] for d in designs]
        assert all(p.value_at(p.index_of(v)) == v for v in values)
        assert min(values) == p.value_at(0) and max(values) == p.value_at(p.grid_size - 1)


def test_grid_values_round_trip_the_reset_point_and_refuse_a_design_of_the_wrong_length() -> None:
    params = TWO_STAGE_OPAMP.params
    assert grid_values(params, [p.index_of(p.initial) for p in params]) == TWO_STAGE_OPAMP.initial_values()
    with pytest.raises(ValueError):
        grid_values(params, [0] * (len(params) - 1))


def test_option_fields_are_no_parameters_and_keep_their_defaults() -> None:
    assert [p.name for p in PPAAS_TSA.params] == ["wp1", "wn1", "wp3", "wn3", "wn4", "wn5", "cc"]
    reset = PPAAS_TSA.initial_input()
    assert (reset.wn1, reset.cc, reset.corner_set, reset.target) == (88.76, 3.48, "ppaas", None)
    assert all(PPAAS_TSA.params[0].value_at(PPAAS_TSA.params[0].index_of(w)) == w for w in (0.5, 17.33, 100.0))  # on the grid


def test_a_design_costs_its_corner_sets_simulations() -> None:
    def cost(optimization: CircuitOptimization[Any, Any], **options: str) -> int:
        return optimization.sim.cost_of(optimization.make_input({**optimization.initial_values(), **options}))

    assert [cost(PPAAS_TSA), cost(PPAAS_TSA, corner_set="ppaas"), cost(PPAAS_TSA, corner_set="tt")] == [17, 17, 1]
    assert cost(TWO_STAGE_OPAMP) == 1  # nominal: one condition
    with pytest.raises(ValueError, match=r"need a size each.*got sizes for \['tt'\]"):
        CornerSetChoice("gf180mcu", Gf180mcuCornerSet, "ppaas", {"tt": 1})
    with pytest.raises(ValueError, match="at least one corner"):
        CornerSetChoice("gf180mcu", Gf180mcuCornerSet, "ppaas", {"ppaas": 17, "tt": 0})


def test_metrics_are_read_from_the_metrics_field_which_must_hold_them() -> None:
    worst = TsaMetrics(gain=210.0, vswing=0.25, ugbw=1e7, phm=61.0, ibias=2e-3, t_settle=3e-6)
    typical = dataclasses.replace(worst, gain=400.0)
    output = TsaOutput(corners={"tt_3.3V_27C": typical, "ss_3V_125C": worst}, worst=worst, skipped=False, simulations=2)
    assert PPAAS_TSA.metric_values(output) == dataclasses.asdict(worst)
    with pytest.raises(ValueError, match="no field 'skipped' of a pydantic dataclass"):
        CircuitOptimization(name="reads_a_bool", sim=ppaas_tsa_sim, metrics=PPAAS_TSA.metrics, metrics_field="skipped")
    with pytest.raises(ValueError, match=r"TsaOutput has no field for metrics \['gain'"):
        CircuitOptimization(name="reads_the_output", sim=ppaas_tsa_sim, metrics=PPAAS_TSA.metrics)
    assert "reads_a_bool" not in all_circuits() and "reads_the_output" not in all_circuits()
