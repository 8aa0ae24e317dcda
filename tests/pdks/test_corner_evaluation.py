"""A design at a corner set: the worst case per spec and skip-on-fail, on PPAAS's two-stage
op-amp at gf180mcu's 17 corners."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from autockt_ckt.circuits.ppaas_tsa import INITIAL, SENSES, evaluate_corner_set
from autockt_ckt.corner_evaluation import evaluate_corners, meets, section_runs, worst_case
from autockt_ckt.libngspice_engine import LibngspiceEngine
from autockt_ckt.pdks import Corner, pdk
from autockt_shared.optimization import Sense


def test_the_worst_case_is_the_lowest_of_an_at_least_spec_and_the_highest_of_an_at_most_one() -> None:
    senses = {"gain": Sense.AT_LEAST, "ibias": Sense.AT_MOST}
    corners = [{"gain": 500.0, "ibias": 1e-3}, {"gain": 300.0, "ibias": 2e-3}, {"gain": 400.0, "ibias": 0.5e-3}]
    assert worst_case(corners, senses) == {"gain": 300.0, "ibias": 2e-3}
    assert meets(corners[0], {"gain": 500.0, "ibias": 1e-3}, senses)
    assert not meets(corners[0], {"gain": 500.1}, senses)
    assert not meets(corners[0], {"ibias": 0.9e-3}, senses)
    with pytest.raises(KeyError, match="vswing"):
        meets(corners[0], {"vswing": 1.0}, senses)


def test_a_design_at_17_corners_and_skip_on_fail(libngspice: LibngspiceEngine) -> None:
    kit = pdk("gf180mcu")
    corners = kit.corner_set("ppaas")
    full = evaluate_corner_set(libngspice, kit, corners, INITIAL)
    assert list(full.per_corner) == [corner.name for corner in corners] and not full.skipped
    assert full.worst == worst_case(list(full.per_corner.values()), SENSES)
    typical = full.per_corner[corners[0].name]
    assert full.worst["gain"] < typical["gain"] and full.worst["ibias"] > typical["ibias"]  # the corners matter

    met_at_typical = {"gain": typical["gain"] * 0.99, "ibias": typical["ibias"] * 1.01}
    passed = evaluate_corner_set(libngspice, kit, corners, INITIAL, met_at_typical)
    assert not passed.skipped and passed.per_corner == full.per_corner

    missed_at_typical = {"gain": typical["gain"] * 1.01}
    skipped = evaluate_corner_set(libngspice, kit, corners, INITIAL, missed_at_typical)
    assert skipped.skipped and skipped.per_corner == {corners[0].name: typical}


def test_the_corners_of_a_section_run_in_one_job_so_a_worker_reloads_once() -> None:
    corners = pdk("gf180mcu").corner_set("ppaas")
    runs = section_runs(corners)
    assert [{c.process.section for c in run} for run in runs] == [{s} for s in ("typical", "ff", "ss", "fs", "sf")]
    assert [len(run) for run in runs] == [1, 4, 4, 4, 4] and {c.name for run in runs for c in run} == {c.name for c in corners}
    jobs: list[tuple[str, ...]] = []

    async def evaluate(run: tuple[Corner, ...]) -> list[Mapping[str, float]]:
        jobs.append(tuple(corner.name for corner in run))
        return [{"gain": 100.0 + corners.index(corner), "ibias": 1e-3} for corner in run]

    senses = {"gain": Sense.AT_LEAST, "ibias": Sense.AT_MOST}
    result = asyncio.run(evaluate_corners(evaluate, corners, senses, {"gain": 50.0}))
    assert jobs == [(corners[0].name,), *(tuple(c.name for c in run) for run in runs[1:])]  # typical alone first, then a job per section
    assert list(result.per_corner) == [c.name for c in corners] and result.worst["gain"] == 100.0 and result.simulations == 17
