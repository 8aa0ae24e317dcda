"""
# What someone watching a training or a validation run sees

On a terminal, one live line (rich's progress bar): env steps of the budget, the training
reach rate, the mean episode return, simulations per second and the time left; validation
shows the targets done of the total. Anywhere else (a log file, CI, a notebook) a live line
cannot redraw itself, so training prints a plain line at the first and last iteration and at
most every `LINE_INTERVAL_S` between, and validation one at each quarter of its targets: a
log of a long run stays a few dozen lines.

Everything shown is read from Tune's result dict (`TrainingStatus.of`), so the line says
exactly what `progress.csv` and TensorBoard record.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from .run_metrics import ENV_STEPS, ENV_STEPS_THIS_ITERATION, REACHED_METRIC, SIMULATIONS_METRIC

LINE_INTERVAL_S = 30.0
"""Off a terminal: the least time between two progress lines of a training run."""


def format_duration(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` from an hour on."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclasses.dataclass(frozen=True)
class TrainingStatus:
    """One training iteration as the progress line shows it; `None` where the result does not tell yet."""

    iteration: int
    env_steps: int
    budget: int
    reached_rate: float | None
    episode_return: float | None
    sims_per_s: float | None
    eta_s: float | None

    @classmethod
    def of(cls, result: Mapping[str, Any], budget: int, start: tuple[float, float] | None = None) -> TrainingStatus:
        """The status a Tune result dict gives. The time left is the steps left at the mean rate since
        `start` (the run's `time_total_s` and env steps when it began), by default since this iteration began."""
        runners = result.get("env_runners", {})
        steps = float(result.get(ENV_STEPS, 0))
        elapsed, this_iteration = float(result.get("time_total_s", 0.0)), float(result.get("time_this_iter_s", 0.0))
        start = start or iteration_start(result)
        rate = (steps - start[1]) / (elapsed - start[0]) if elapsed > start[0] else 0.0
        sims = runners.get(SIMULATIONS_METRIC)
        return cls(
            iteration=int(result.get("training_iteration", 0)),
            env_steps=int(steps),
            budget=budget,
            reached_rate=_number(runners.get(REACHED_METRIC)),
            episode_return=_number(runners.get("episode_return_mean")),
            sims_per_s=float(sims) / this_iteration if sims is not None and this_iteration > 0 else None,
            eta_s=max(0.0, budget - steps) / rate if rate > 0 else None,
        )

    def text(self) -> str:
        """`14,400/140,000 env steps (10%) | reach 0.42 | return -12.3 | 480 sims/s | 4:40 left`"""
        done = min(1.0, self.env_steps / self.budget) if self.budget else 1.0
        parts = [
            f"{self.env_steps:,}/{self.budget:,} env steps ({done:.0%})",
            "reach " + ("-" if self.reached_rate is None else f"{self.reached_rate:.2f}"),
            "return " + ("-" if self.episode_return is None else f"{self.episode_return:.1f}"),
            ("-" if self.sims_per_s is None else f"{self.sims_per_s:.0f}") + " sims/s",
            ("-" if self.eta_s is None else format_duration(self.eta_s)) + " left",
        ]
        return " | ".join(parts)

    def line(self) -> str:
        return f"iteration {self.iteration}: {self.text()}"


def iteration_start(result: Mapping[str, Any]) -> tuple[float, float]:
    """(`time_total_s`, env steps) when the iteration of `result` began."""
    this_iteration = float(result.get("env_runners", {}).get(ENV_STEPS_THIS_ITERATION, 0))
    return float(result.get("time_total_s", 0.0)) - float(result.get("time_this_iter_s", 0.0)), float(
        result.get(ENV_STEPS, 0)
    ) - this_iteration


def _number(value: Any) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else float(value)


def _live_console(stream: TextIO) -> Console | None:
    """A rich console on `stream` if it is a terminal a live line can redraw itself on, else `None`."""
    console = Console(file=stream)
    return console if console.is_terminal and not console.is_jupyter and not console.is_dumb_terminal else None


class TrainingProgress:
    """Shows each Tune result of a training run (module docstring); a context manager around the run.

    `stream` (default: `sys.stdout` when the run starts) decides live line or plain lines.
    """

    def __init__(self, budget: int, stream: TextIO | None = None, interval_s: float = LINE_INTERVAL_S) -> None:
        self.budget = budget
        self.interval_s = interval_s
        self._stream = stream
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._start: tuple[float, float] | None = None
        self._last: TrainingStatus | None = None
        self._printed: tuple[float, TrainingStatus] | None = None

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stdout

    def __enter__(self) -> TrainingProgress:
        console = _live_console(self.stream)
        if console is not None:
            self._bar = Progress(TextColumn("training"), BarColumn(), TextColumn("{task.fields[status]}"), console=console)
            self._task = self._bar.add_task("training", total=self.budget, status="starting Ray and the env runners")
            self._bar.start()
        return self

    def update(self, result: Mapping[str, Any]) -> None:
        self._start = self._start or iteration_start(result)
        status = self._last = TrainingStatus.of(result, self.budget, self._start)
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=min(status.env_steps, self.budget), status=status.text())
            return
        now = time.monotonic()
        if self._printed is None or now - self._printed[0] >= self.interval_s:
            self._print(now, status)

    def _print(self, now: float, status: TrainingStatus) -> None:
        print(status.line(), file=self.stream, flush=True)
        self._printed = (now, status)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self._last is not None and (self._printed is None or self._printed[1] != self._last):
            self._print(time.monotonic(), self._last)


class ValidationProgress:
    """Targets done of the total while a validation rolls out (module docstring); a context manager around it."""

    def __init__(self, n_targets: int, label: str, stream: TextIO | None = None) -> None:
        self.n_targets = n_targets
        self.label = label
        self._stream = stream
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._next_quarter = 1

    @property
    def stream(self) -> TextIO:
        return self._stream or sys.stdout

    def __enter__(self) -> ValidationProgress:
        console = _live_console(self.stream)
        if console is not None:
            self._bar = Progress(
                TextColumn(f"validating ({self.label})"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("targets done, step {task.fields[step]}"),
                console=console,
            )
            self._task = self._bar.add_task("validating", total=self.n_targets, step=0)
            self._bar.start()
        return self

    def update(self, done: int, step: int) -> None:
        """`done` of the targets finished after rollout step `step`."""
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, step=step)
            return
        quarter = 4 * done // self.n_targets if self.n_targets else 4
        if quarter >= self._next_quarter:
            self._next_quarter = quarter + 1
            print(f"validating ({self.label}): {done}/{self.n_targets} targets done after {step} steps", file=self.stream, flush=True)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
