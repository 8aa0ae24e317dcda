"""What a training run prints: the progress line read from a Tune result, the plain lines off a
terminal, and the filter that keeps Ray's and RLlib's known chatter (never an error) off the console."""

from __future__ import annotations

import io
import logging
import pickle
import sys

import pytest

from autockt.noise import NoiseFilter, is_noise, quiet_ray
from autockt.progress import TrainingProgress, TrainingStatus, ValidationProgress, format_duration
from autockt.train import _ShowProgress

# A result as Tune hands it over, cut to the keys the line reads (values from a real run's result.json).
RESULT = {
    "training_iteration": 12,
    "num_env_steps_sampled_lifetime": 14_400.0,
    "time_this_iter_s": 2.5,
    "time_total_s": 36.0,
    "env_runners": {
        "num_env_steps_sampled": 1200,
        "reached_rate": 0.4166,
        "episode_return_mean": -12.34,
        "simulations": 1240,
    },
}


def test_the_progress_line_shows_steps_of_the_budget_reach_return_simulation_rate_and_time_left() -> None:
    status = TrainingStatus.of(RESULT, budget=140_000, start=(0.0, 0.0))

    # 14,400 steps in 36 s: 400 steps/s, so 125,600 steps left take 314 s; 1240 simulations in 2.5 s.
    assert status == TrainingStatus(12, 14_400, 140_000, 0.4166, -12.34, 496.0, 314.0)
    assert status.line() == "iteration 12: 14,400/140,000 env steps (10%) | reach 0.42 | return -12.3 | 496 sims/s | 5:14 left"


def test_the_time_left_comes_from_the_rate_since_the_run_began() -> None:
    # Without a start, the rate is this iteration's: 1200 steps in 2.5 s.
    assert TrainingStatus.of(RESULT, budget=14_400 + 4800).eta_s == pytest.approx(10.0)
    # A resumed run began at 12,000 steps and 30 s of Tune's clock: 2400 steps in 6 s.
    assert TrainingStatus.of(RESULT, budget=14_400 + 4800, start=(30.0, 12_000.0)).eta_s == pytest.approx(12.0)


def test_what_a_first_result_does_not_tell_yet_shows_as_a_dash() -> None:
    early = {"training_iteration": 1, "num_env_steps_sampled_lifetime": 1200.0, "env_runners": {"episode_return_mean": float("nan")}}

    assert TrainingStatus.of(early, budget=2400).text() == "1,200/2,400 env steps (50%) | reach - | return - | - sims/s | - left"


def test_durations_read_as_a_clock() -> None:
    assert [format_duration(s) for s in (0, 59.6, 61, 3599, 3600, 7384)] == ["0:00", "1:00", "1:01", "59:59", "1:00:00", "2:03:04"]


def test_off_a_terminal_training_prints_the_first_and_the_last_iteration_and_few_between() -> None:
    out = io.StringIO()
    results = [
        {**RESULT, "training_iteration": i, "num_env_steps_sampled_lifetime": 1200.0 * i, "time_total_s": 2.5 * i} for i in (1, 2, 3)
    ]

    with TrainingProgress(budget=3600, stream=out, interval_s=3600) as progress:
        for result in results:
            progress.update(result)

    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["iteration 1", "iteration 3"]
    assert lines[-1].endswith("(100%) | reach 0.42 | return -12.3 | 496 sims/s | 0:00 left")


def test_the_progress_line_stays_out_of_the_tuner_tune_pickles() -> None:
    # On a terminal the line is a live rich display, with locks that cannot be pickled.
    assert pickle.loads(pickle.dumps(_ShowProgress(TrainingProgress(budget=10)))).progress is None


def test_off_a_terminal_validation_prints_each_quarter_of_its_targets_once() -> None:
    out = io.StringIO()

    with ValidationProgress(8, "greedy", stream=out) as progress:
        for step, done in enumerate((0, 1, 2, 2, 5, 8), start=1):
            progress.update(done, step)

    assert out.getvalue().splitlines() == [
        "validating (greedy): 2/8 targets done after 3 steps",
        "validating (greedy): 5/8 targets done after 5 steps",
        "validating (greedy): 8/8 targets done after 6 steps",
    ]


# Lines as a training run printed them (tests measured with AutoCkt/scripts/train_general.py), worker lines with Ray's prefix.
BENIGN = [
    "2026-12-01 12:10:40,631\tWARNING algorithm_config.py:5160 -- You are running PPO on the new API stack! This is the new "
    "default behavior for this algorithm.",
    "\x1b[36m(PPO pid=30811)\x1b[0m [2026-12-01 12:10:46,111 E 30811 30811] core_worker.cc:2465: Actor with class name: "
    "'SingleAgentEnvRunner' and ID: 'd3c0ec0e961e47212645465f01000000' has constructor arguments in the object store and "
    "max_restarts > 0. If the arguments in the object store go out of scope or are lost, the actor restart will fail.",
    "\x1b[36m(SingleAgentEnvRunner pid=30917)\x1b[0m DeprecationWarning: `RLModule(config=[RLModuleConfig object])` has been "
    "deprecated. Use `RLModule(observation_space=.., action_space=.., inference_only=.., model_config=.., catalog_class=..)` instead.",
    "\x1b[36m(PPO pid=30811)\x1b[0m Install gputil for GPU system monitoring.",
]
ERRORS = [
    "\x1b[36m(PPO pid=30811)\x1b[0m [2026-12-01 12:10:46,111 E 30811 30811] core_worker.cc:2465: Failed to register worker to Raylet",
    "\x1b[36m(SingleAgentEnvRunner pid=30917)\x1b[0m two_stage_opamp_sim failed on server http://127.0.0.1:8000: ConnectError: "
    "[Errno 111] Connection refused; the episode ends with a penalty",
    "RuntimeError: training failed; see the trial's error.txt under /tmp/runs/tiny",
]


@pytest.mark.parametrize("line", BENIGN)
def test_known_noise_is_told_apart(line: str) -> None:
    assert is_noise(line)


@pytest.mark.parametrize("line", ERRORS)
def test_errors_and_warnings_of_the_run_are_not_noise(line: str) -> None:
    assert not is_noise(line)


def test_the_filter_drops_noise_with_its_continuation_and_passes_everything_else_whole() -> None:
    out = io.StringIO()
    stream = NoiseFilter(out)
    warning = "/venv/google/api_core/_python_version_support.py:273: FutureWarning: You are using a Python version (3.11.7) which Google will stop supporting in new releases"  # noqa: E501

    stream.write(BENIGN[1][:50])  # a line written in pieces is judged whole
    stream.write(BENIGN[1][50:] + "\n" + ERRORS[0] + "\n")
    stream.write(warning + "\n  warnings.warn(message, FutureWarning)\n\n")
    stream.write("  indented, after a kept line\n" + ERRORS[1])
    stream.close()

    assert out.getvalue() == ERRORS[0] + "\n  indented, after a kept line\n" + ERRORS[1]
    assert stream.dropped == 4


def test_quiet_ray_filters_the_streams_and_ray_s_log_handlers_only_while_it_runs(capsys: pytest.CaptureFixture[str]) -> None:
    logged = io.StringIO()
    handler = logging.StreamHandler(logged)  # bound to its stream, as RLlib's handler is
    logger = logging.getLogger("ray.rllib.test_training_output")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with quiet_ray():
            print(BENIGN[3])
            print(ERRORS[1], file=sys.stderr)
            logger.warning(BENIGN[0])
            logger.error(ERRORS[2])
        print(BENIGN[3])
        with quiet_ray(enabled=False):  # --verbose
            logger.warning(BENIGN[0])
    finally:
        logger.removeHandler(handler)

    captured = capsys.readouterr()
    assert (captured.out, captured.err) == (BENIGN[3] + "\n", ERRORS[1] + "\n")
    assert logged.getvalue() == ERRORS[2] + "\n" + BENIGN[0] + "\n"
