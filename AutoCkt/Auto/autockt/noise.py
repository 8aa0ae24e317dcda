"""
# Ray's and RLlib's chatter, kept off a training run's console

A training run prints, besides its own progress, lines from Ray and RLlib that are not the
user's to act on: the new-API-stack notice, RLlib's own `RLModule(config=...)` deprecation,
"Install gputil", the core worker's notice that an actor's constructor arguments live in the
object store, Tune's checkpoint and slow-setup notices. They arrive from four places: Ray's
driver-side logging (its handler writes to whatever `sys.stderr` is when it emits), the lines
Ray forwards from its workers (written to `sys.stdout` / `sys.stderr` as they arrive), Python
warnings, and RLlib's own logging handler (bound to the `sys.stderr` of when RLlib was
imported). `quiet_ray()` swaps `sys.stdout` and `sys.stderr` for `NoiseFilter`s and adds the
same test as a `logging.Filter` to the handlers of Ray's loggers, for the length of a run.
Ray has no switch for this short of `log_to_driver=False`, which would also hide the workers'
errors and the environment's own warnings (a failed simulation), hence this filter.

A line is dropped only if it matches one of `NOISE` (each a specific known message, never a
level or a logger), together with the indented lines that continue it (a warning's source
line) and a blank line ending them. Everything else, errors above all, passes unchanged.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO

NOISE: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"You are running \w+ on the new API stack",
        r"DeprecationWarning: `RLModule\(config=\[RLModuleConfig object\]\)` has been deprecated",
        r"Install gputil for GPU system monitoring",
        r"core_worker\.cc:\d+: Actor with class name: '\w+' and ID: '\w+' has constructor arguments in the object store "
        r"and max_restarts > 0",
        r"Token authentication is enabled for this Ray cluster\. Set RAY_AUTH_MODE=disabled to opt out",
        r"Checkpoint successfully created at: Checkpoint\(",
        r"Trainable\.setup took [\d.]+ seconds\. If your trainable is slow to initialize, consider setting reuse_actors=True",
        r"FutureWarning: You are using a Python version \(.*\) which Google will stop supporting",
    )
)
"""Known lines that need no action from whoever runs the training (searched anywhere in the line)."""

_WORKER_PREFIX = re.compile(r"^(?:\x1b\[[0-9;]*m)?\([^)]*pid=\w+[^)]*\)(?:\x1b\[[0-9;]*m)? ?")
"""`(PPO pid=123) ` (colored or not): the prefix Ray puts before every line it forwards from a worker."""
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def is_noise(line: str) -> bool:
    return any(pattern.search(line) for pattern in NOISE)


def _message(line: str) -> str:
    """`line` without Ray's worker prefix."""
    return _WORKER_PREFIX.sub("", _ANSI.sub("", line), count=1) if "pid=" in line else line


class NoiseFilter:
    """A text stream that passes every complete line to `stream` except noise (module docstring).

    Lines are held until their newline, so a line written in pieces is judged whole; `close`
    (or `quiet_ray` on exit) passes on a last unfinished line. Threads may write at once (Ray
    forwards worker lines from a thread of its own).
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.dropped = 0
        self._pending = ""
        self._dropping = False
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            lines = (self._pending + text).split("\n")
            self._pending = lines.pop()
            kept = [line for line in lines if self._keep(line)]
            if kept:
                self.stream.write("".join(line + "\n" for line in kept))
        return len(text)

    def _keep(self, line: str) -> bool:
        message = _message(line)
        if is_noise(line):
            self._dropping = True
        elif self._dropping and (message[:1] in (" ", "\t") or not message.strip()):
            self._dropping = bool(message.strip())  # indented: the dropped message goes on; blank: it ended
        else:
            self._dropping = False
            return True
        self.dropped += 1
        return False

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        with self._lock:
            if self._pending and self._keep(self._pending):
                self.stream.write(self._pending)
            self._pending = ""
        self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        """Everything else (`isatty`, `fileno`, `encoding`, rich's `rich_proxied_file`) is the stream's."""
        return getattr(self.stream, name)


class NoiseLogFilter(logging.Filter):
    """Drops the log records whose message is noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not is_noise(record.getMessage())


def _ray_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict) if name.split(".")[0] == "ray"]
    return [handler for logger in loggers for handler in logger.handlers]


@contextlib.contextmanager
def quiet_ray(enabled: bool = True) -> Iterator[None]:
    """Filter `sys.stdout`, `sys.stderr` and Ray's log handlers while the block runs (module docstring);
    `enabled=False` (`--verbose`) leaves them alone."""
    if not enabled:
        yield
        return
    stdout, stderr = sys.stdout, sys.stderr
    filtered_out, filtered_err = NoiseFilter(stdout), NoiseFilter(stderr)
    log_filter, handlers = NoiseLogFilter(), _ray_handlers()
    sys.stdout, sys.stderr = filtered_out, filtered_err
    for handler in handlers:
        handler.addFilter(log_filter)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(log_filter)
        sys.stdout, sys.stderr = stdout, stderr
        filtered_out.close()
        filtered_err.close()
