"""Runs past a limit are killed and answered 422 naming the limit (the circuit sent caused it);
the server keeps serving."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import hdl21.sim as hs
import pytest

import autockt_ckt.vlsir_handlers as vlsir_handlers
import discovery_client as dc
import discovery_server as ds
from autockt_shared.remote_sim import run_on_the_server

from .circuits import long_tran_sim, many_devices_sim, rc_sim, unsolvable_sim
from .conftest import leaks


def _assert_typed_failure_and_still_serving(sim: hs.Sim, kind: str, message: str, run_dir: Path) -> None:
    with pytest.raises(dc.ValidationError) as err:
        run_on_the_server(sim)
    assert [e.type for e in err.value.errors] == [f"sandbox.{kind}"]
    assert message in str(err.value)
    assert not leaks(str(err.value), run_dir)
    assert list(run_dir.iterdir()) == []  # the killed run's directory is removed too


def test_a_run_past_the_wall_clock_limit_is_killed(remote: ds.BackgroundServer, run_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(vlsir_handlers, "_settings", dataclasses.replace(vlsir_handlers.settings(), sim_timeout_s=0.3))
        _assert_typed_failure_and_still_serving(long_tran_sim(1_000_000), "wall_clock", "0.3 s", run_dir)
    assert run_on_the_server(rc_sim()).an[0].data


def test_results_past_the_size_limit_are_refused(remote: ds.BackgroundServer, run_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(vlsir_handlers, "SANDBOX_LIMITS", dataclasses.replace(vlsir_handlers.SANDBOX_LIMITS, max_file_bytes=100_000))
        _assert_typed_failure_and_still_serving(long_tran_sim(20_000), "run_limit", "size limit", run_dir)
        assert run_on_the_server(long_tran_sim(1000)).an[0].data  # 1000 points fit
    assert run_on_the_server(rc_sim()).an[0].data


def test_a_run_past_the_memory_limit_fails_typed(remote: ds.BackgroundServer, run_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(vlsir_handlers, "SANDBOX_LIMITS", dataclasses.replace(vlsir_handlers.SANDBOX_LIMITS, max_memory_bytes=25 * 1024**2))
        _assert_typed_failure_and_still_serving(many_devices_sim(2000), "run_limit", "out of memory", run_dir)
        assert run_on_the_server(rc_sim()).an[0].data  # a small circuit fits in the same limit
    assert run_on_the_server(many_devices_sim(20)).an[0].data


def test_a_circuit_ngspice_cannot_solve_fails_typed_with_its_error_lines(remote: ds.BackgroundServer, run_dir: Path) -> None:
    _assert_typed_failure_and_still_serving(unsolvable_sim(), "simulation", "DC solution failed", run_dir)
    assert run_on_the_server(rc_sim()).an[0].data
